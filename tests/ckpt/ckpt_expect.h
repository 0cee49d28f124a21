/* Shared by the checkpoint tests: fixture paths and the comparison of a
 * loaded state dict with expected/<file>/ (one .npy per tensor and a
 * MANIFEST of "name dtype" lines, written by tests/ckpt/make_fixtures.py and
 * make_legacy_fixtures.py). */
#ifndef PP_TEST_CKPT_EXPECT_H
#define PP_TEST_CKPT_EXPECT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "ckpt/checkpoint.h"
#include "ckpt/npy.h"
#include "ckpt/state_dict.h"
#include "ckpt/torch_checkpoint.h"
#include "file_buffer.h"
#include "forward.h"
#include "test_util.h"
#include "threads.h"

/* The file the hostile pickles try to create (see make_fixtures.py). */
#define CKPT_PWNED_MARKER "/tmp/pushpull_ckpt_pwned_marker"

/* Directory under tests/fixtures the fixture() paths are in. */
static const char *fixture_dir = "ckpt";

static char path_buf[1024];

static inline const char *fixture(const char *name)
{
    const char *dir = getenv("PP_FIXTURES");
    snprintf(path_buf, sizeof path_buf, "%s/%s/%s", dir ? dir : "tests/fixtures", fixture_dir, name);
    return path_buf;
}

/* Compares every tensor with expected/<file>/<name>.npy; the MANIFEST lists
 * exactly the names (and types) the state dict must hold. */
static inline void check_against_expected(const char *file, const pp_state_dict *sd)
{
    char dir[1024], mpath[1100];
    snprintf(dir, sizeof dir, "%s", fixture("expected/"));
    strncat(dir, file, sizeof dir - strlen(dir) - 1);
    snprintf(mpath, sizeof mpath, "%s/MANIFEST", dir);
    FILE *mf = fopen(mpath, "r");
    CHECK(mf != NULL, "cannot open %s", mpath);
    if (!mf)
        return;
    char name[256], kind[32];
    size_t n = 0;
    while (fscanf(mf, "%255s %31s", name, kind) == 2) {
        n++;
        const pp_sd_entry *e = pp_sd_find(sd, name);
        CHECK(e != NULL, "%s: tensor '%s' missing", file, name);
        if (!e)
            continue;
        char npath[1400];
        snprintf(npath, sizeof npath, "%s/%s.npy", dir, name);
        pp_npy want;
        pp_error err;
        pp_status ls = pp_npy_load(npath, &want, &err);
        CHECK(ls == PP_OK, "%s: %s", npath, err.msg);
        if (ls != PP_OK)
            continue;
        CHECK(e->ndim == want.ndim, "%s: '%s' has %d dims, want %d", file, name, e->ndim, want.ndim);
        for (int d = 0; d < e->ndim && d < want.ndim; d++)
            CHECK(e->shape[d] == want.shape[d], "%s: '%s' dim %d is %lld, want %lld", file, name, d,
                  (long long)e->shape[d], (long long)want.shape[d]);
        int64_t numel = pp_sd_entry_numel(e);
        CHECK(numel == pp_npy_numel(&want), "%s: '%s' numel differs", file, name);
        if (strcmp(kind, "float32") == 0) {
            CHECK(e->dtype == PP_DTYPE_F32 && want.dtype == PP_NPY_F32, "%s: '%s' not float32",
                  file, name);
            if (e->dtype == PP_DTYPE_F32 && numel == pp_npy_numel(&want)) {
                /* Conversions are exact, bit for bit (inf, -0.0 included): torch's
                 * .float() of the same values. */
                bool same = memcmp(e->data, want.data, (size_t)numel * 4) == 0;
                if (!same)
                    pp_test_compare(name, e->data, want.data, (size_t)numel, 0, 0);
                CHECK(same, "%s: '%s' differs from PyTorch", file, name);
            }
        } else {
            CHECK(e->dtype == PP_DTYPE_I64 && want.dtype == PP_NPY_I64, "%s: '%s' not int64", file,
                  name);
            if (e->dtype == PP_DTYPE_I64 && numel == pp_npy_numel(&want))
                CHECK(memcmp(e->data, want.data, (size_t)numel * 8) == 0,
                      "%s: '%s' int64 values differ", file, name);
        }
        pp_npy_free(&want);
    }
    fclose(mf);
    CHECK(n == sd->count, "%s: state dict has %zu tensors, PyTorch has %zu", file, sd->count, n);
}

static inline void check_meta(const pp_state_dict *sd, const char *key, const char *want)
{
    const char *got = pp_sd_meta_get(sd, key);
    CHECK(got && strcmp(got, want) == 0, "metadata %s = '%s', want '%s'", key, got ? got : "(none)",
          want);
}

/* A loader of a file held in memory (pp_torch_load_buffer, ...). */
typedef pp_status (*ckpt_buffer_loader)(const uint8_t *buf, size_t len, const char *name,
                                        pp_state_dict *sd, pp_error *err);

/* Loads through the dispatcher, the torch loader and (when given) from
 * memory: each must refuse with `why` in a message naming the file, leave
 * the state dict empty and run nothing. */
static inline void expect_refused_with(const char *file, const char *why, ckpt_buffer_loader from_memory)
{
    unlink(CKPT_PWNED_MARKER);
    char path[1024];
    snprintf(path, sizeof path, "%s", fixture(file));
    pp_file_buffer fb = {0};
    pp_error err;
    if (from_memory)
        CHECK_OK(pp_file_buffer_read(&fb, path, &err), &err);
    for (int via = 0; via < (from_memory ? 3 : 2); via++) {
        pp_state_dict sd;
        pp_error_clear(&err);
        memset(&sd, 0xAB, sizeof sd); /* the loader must initialise it */
        pp_status s = via == 0   ? pp_checkpoint_load(path, &sd, &err)
                      : via == 1 ? pp_torch_load(path, &sd, &err)
                                 : from_memory(fb.data, fb.size, path, &sd, &err);
        CHECK(s != PP_OK, "%s was accepted", file);
        CHECK(err.status == s, "%s: error status not set", file);
        CHECK(strstr(err.msg, file) != NULL, "%s: message does not name the file: %s", file, err.msg);
        CHECK(strstr(err.msg, why) != NULL, "%s: message lacks '%s': %s", file, why, err.msg);
        CHECK(sd.count == 0 && sd.meta_count == 0 && sd.entries == NULL && sd.meta == NULL,
              "%s: something was loaded", file);
        pp_sd_free(&sd);
        if (!via)
            printf("  %s: %s\n", file, err.msg);
    }
    pp_file_buffer_free(&fb);
    CHECK(access(CKPT_PWNED_MARKER, F_OK) != 0, "%s: the pickle ran code and created %s", file,
          CKPT_PWNED_MARKER);
    unlink(CKPT_PWNED_MARKER);
}

/* The model's logits for input x (one forward pass, default threads). */
static inline void ckpt_forward(const pp_model *m, const pp_npy *x, pp_tensor *logits)
{
    pp_error err = {0};
    pp_tensor input = {.ndim = x->ndim, .data = x->data};
    memcpy(input.shape, x->shape, sizeof input.shape);
    pp_forward_ctx *ctx = pp_forward_ctx_new(pp_threads_default());
    CHECK_OK(pp_model_forward(m, ctx, &input, logits, NULL, &err), &err);
    pp_forward_ctx_free(ctx);
}

#endif

/* One of tests/fixtures/train's tiny networks with its input batch
 * (tests/train/make_fixtures.py): NAME.safetensors, NAME_x.npy, NAME_y.npy. */
#ifndef PP_TEST_TRAIN_FIXTURE_H
#define PP_TEST_TRAIN_FIXTURE_H

#include <string.h>

#include "../fixture.h"
#include "../test_util.h"
#include "model_file.h"

typedef struct {
    pp_model m;
    pp_npy x, y;
    pp_tensor input; /* a view of x */
    int32_t labels[64];
    int n;
} train_fixture;

/* False (a failed check) when the model does not open. */
static inline bool train_fixture_open(train_fixture *f, const char *name)
{
    char file[256];
    pp_error err = {0};
    char notes[512];
    pp_arch_hints hints = {.avg_kernel = -1};
    memset(f, 0, sizeof *f);
    snprintf(file, sizeof file, "%s.safetensors", name);
    CHECK_OK(pp_model_open(&f->m, fixture_path("train", file), &hints, notes, sizeof notes, &err), &err);
    if (err.status != PP_OK)
        return false;
    snprintf(file, sizeof file, "%s_x.npy", name);
    f->x = fixture_npy("train", file);
    snprintf(file, sizeof file, "%s_y.npy", name);
    f->y = fixture_npy("train", file);
    f->n = (int)f->x.shape[0];
    for (int i = 0; i < f->n && i < 64; i++)
        f->labels[i] = (int32_t)((const int64_t *)f->y.data)[i];
    f->input = (pp_tensor){.ndim = 4, .data = f->x.data};
    memcpy(f->input.shape, f->x.shape, sizeof f->input.shape);
    return true;
}

static inline void train_fixture_close(train_fixture *f)
{
    pp_npy_free(&f->x);
    pp_npy_free(&f->y);
    pp_model_free(&f->m);
}

#endif

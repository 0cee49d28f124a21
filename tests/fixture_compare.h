/* The "networks against PyTorch fixtures" checks, shared by the tests that
 * open a committed model and compare its outputs with the .npy files the
 * fixture scripts wrote next to it: a fixture list of models, a .npy as a
 * tensor view, one output against its <net>_<tap>.npy, a forward pass on 1
 * and 2 threads against the logits, first-layer and stem fixtures, and
 * opening a fixture model. */
#ifndef PP_TEST_FIXTURE_COMPARE_H
#define PP_TEST_FIXTURE_COMPARE_H

#include <stdbool.h>
#include <string.h>

#include "fixture.h"
#include "forward.h"
#include "model_file.h"
#include "test_util.h"

/* The rows of a fixture list (SUB/NAME, e.g. the MODELS the fixture scripts
 * write): each line not starting with '#' goes to parse, which fills the row
 * and says whether the line is one; at most cap rows of row_size bytes.
 * Returns how many; a missing list is a failed check. */
static inline int fixture_read_rows(const char *sub, const char *name, void *rows, size_t row_size, int cap,
                                    bool (*parse)(const char *line, void *row))
{
    FILE *f = fopen(fixture_path(sub, name), "r");
    CHECK(f != NULL, "no %s", fixture_path(sub, name));
    if (!f)
        return 0;
    char line[256];
    int n = 0;
    while (n < cap && fgets(line, sizeof line, f))
        if (line[0] != '#' && parse(line, (char *)rows + (size_t)n * row_size))
            n++;
    fclose(f);
    return n;
}

/* A view of the fixture's data (no copy: lives as long as the npy). */
static inline pp_tensor fixture_tensor(const pp_npy *a)
{
    pp_tensor t = {.ndim = a->ndim, .data = a->data};
    memcpy(t.shape, a->shape, sizeof t.shape);
    return t;
}

/* Max error of got against SUB/<net>_<tap>.npy, relative to the largest
 * expected value (printing the first mismatches above tol); -1 when the
 * sizes differ. */
static inline double fixture_tap_error(const char *sub, const char *net, const char *tap, const pp_tensor *got,
                                       double tol)
{
    char name[128];
    snprintf(name, sizeof name, "%.60s_%.60s.npy", net, tap);
    pp_npy want = fixture_npy(sub, name);
    double e = -1;
    if (pp_tensor_numel(got) == pp_npy_numel(&want)) {
        snprintf(name, sizeof name, "%.60s %.60s", net, tap);
        e = pp_test_compare(name, got->data, want.data, (size_t)pp_npy_numel(&want), tol, 1);
    }
    pp_npy_free(&want);
    return e;
}

/* got has want's shape and is within tol of it, relative to its largest value. */
static inline void fixture_check_tensor(const char *what, const pp_tensor *got, const pp_npy *want, double tol)
{
    bool same = got->ndim == want->ndim;
    for (int d = 0; same && d < got->ndim; d++)
        same = got->shape[d] == want->shape[d];
    CHECK(same, "%s: shape differs from PyTorch's", what);
    if (!same)
        return;
    double e = pp_test_compare(what, got->data, want->data, (size_t)pp_npy_numel(want), tol, 1);
    CHECK(e <= tol, "%s: max relative error %.3g > %.0e", what, e, tol);
}

/* Runs m on SUB/x<side>.npy with 1 and then 2 threads and checks its logits,
 * first-layer output and stem output against SUB/<file less its extension>_
 * {logits,conv1,stem}.npy: a wrong layer, or one that depends on the thread
 * count, shows here. */
static inline void fixture_check_forward(const pp_model *m, const char *sub, const char *file, int side, double tol)
{
    char stem[96], name[160];
    snprintf(stem, sizeof stem, "%.80s", file);
    char *dot = strrchr(stem, '.');
    if (dot)
        *dot = '\0';
    snprintf(name, sizeof name, "x%d.npy", side);
    pp_npy x = fixture_npy(sub, name);
    pp_tensor input = fixture_tensor(&x);
    pp_taps taps = {.requested = 1u << PP_TAP_CONV1 | 1u << PP_TAP_STEM};
    pp_tensor logits = {0};
    pp_error err = {0};
    for (int threads = 1; threads <= 2; threads++) {
        pp_forward_ctx *ctx = pp_forward_ctx_new(threads);
        CHECK_OK(pp_model_forward(m, ctx, &input, &logits, &taps, &err), &err);
        pp_forward_ctx_free(ctx);
        if (err.status != PP_OK)
            break;
        static const char *const parts[] = {"logits", "conv1", "stem"};
        const pp_tensor *got[] = {&logits, &taps.out[PP_TAP_CONV1], &taps.out[PP_TAP_STEM]};
        for (int i = 0; i < 3; i++) {
            snprintf(name, sizeof name, "%.80s_%s.npy", stem, parts[i]);
            pp_npy want = fixture_npy(sub, name);
            snprintf(name, sizeof name, "%.80s %s (%d threads)", file, parts[i], threads);
            fixture_check_tensor(name, got[i], &want, tol);
            pp_npy_free(&want);
        }
    }
    pp_tensor_free(&logits);
    pp_taps_free(&taps);
    pp_npy_free(&x);
}

/* Opens SUB/FILE with the default hints; false, with the reason printed,
 * when it does not open. */
static inline bool fixture_open_model(pp_model *m, const char *sub, const char *file)
{
    pp_error err = {0};
    char notes[256];
    pp_arch_hints hints = {.avg_kernel = -1};
    if (pp_model_open(m, fixture_path(sub, file), &hints, notes, sizeof notes, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return false;
    }
    return true;
}

#endif

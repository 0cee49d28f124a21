#include "probe_columns.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "threads.h"

int pp_probe_columns_side_by_side(int n, int threads)
{
    return threads >= 2 ? n / threads * threads : 0;
}

typedef struct {
    int threads;
    const pp_image *corrupted;
    bool (*cancelled)(void *data);
    void *data;
} stage_args;

static pp_status run_stage(pp_probe *p, bool first, const stage_args *a, int m, pp_probe_result *out,
                           double *ms, pp_error *err)
{
    return first ? pp_probe_first_layer(p, &a->corrupted[m], out, ms, err)
                 : pp_probe_predict(p, a->cancelled, a->data, out, ms, err);
}

static pp_status run_columns(pp_probe *probes, int n, bool first, const stage_args *a, pp_probe_result *out,
                             double *forward_ms, pp_error *err)
{
    const int threads = pp_threads_clamp(a->threads), paired = pp_probe_columns_side_by_side(n, threads);
    double *ms = calloc((size_t)(n > 0 ? n : 1), sizeof(double));
    pp_error *errs = calloc((size_t)(n > 0 ? n : 1), sizeof(pp_error));
    pp_status *st = calloc((size_t)(n > 0 ? n : 1), sizeof(pp_status));
    if (!ms || !errs || !st) {
        free(ms);
        free(errs);
        free(st);
        return pp_fail(err, PP_ERR_NOMEM, "out of memory");
    }
    if (first) /* both stages of a probe run with one count: its buffers are sized in stage one */
        for (int m = 0; m < n; m++)
            pp_probe_set_threads(&probes[m], m < paired ? 1 : threads);
    int team = threads; /* the threads a group got: one inside another parallel region */
    for (int g = 0; g < paired; g += threads) {
#pragma omp parallel num_threads(threads)
        {
#pragma omp single nowait
            team = omp_get_num_threads();
#pragma omp for schedule(static, 1)
            for (int j = 0; j < threads; j++)
                st[g + j] = run_stage(&probes[g + j], first, a, g + j, &out[g + j], &ms[g + j], &errs[g + j]);
        }
    }
    for (int m = paired; m < n; m++)
        st[m] = run_stage(&probes[m], first, a, m, &out[m], &ms[m], &errs[m]);
    pp_status result = PP_OK;
    double total = 0;
    for (int g = 0; g < n; g += g < paired ? threads : 1) {
        double slowest = 0, sum = 0;
        for (int j = g; j < (g < paired ? g + threads : g + 1); j++) {
            slowest = ms[j] > slowest ? ms[j] : slowest;
            sum += ms[j];
        }
        total += g < paired && team == threads ? slowest : sum; /* side by side, or one after another */
    }
    for (int m = 0; m < n && result == PP_OK; m++)
        if (st[m] != PP_OK) {
            result = st[m];
            *err = errs[m];
        }
    if (result != PP_OK)
        for (int m = 0; m < n; m++)
            pp_probe_result_free(&out[m]);
    if (forward_ms)
        *forward_ms = total;
    free(ms);
    free(errs);
    free(st);
    return result;
}

pp_status pp_probe_columns_first_layer(pp_probe *probes, int n, int threads, const pp_image *corrupted,
                                       pp_probe_result *out, double *forward_ms, pp_error *err)
{
    const stage_args a = {.threads = threads, .corrupted = corrupted};
    return run_columns(probes, n, true, &a, out, forward_ms, err);
}

pp_status pp_probe_columns_predict(pp_probe *probes, int n, int threads, bool (*cancelled)(void *data), void *data,
                                   pp_probe_result *out, double *forward_ms, pp_error *err)
{
    const stage_args a = {.threads = threads, .cancelled = cancelled, .data = data};
    return run_columns(probes, n, false, &a, out, forward_ms, err);
}

#include "batch.h"

#include <stdio.h>

#include "../threads.h"

pp_status pp_batch_fill(pp_tensor *batch, const pp_preprocess *pre, const pp_dataset *ds, const int64_t *indices,
                        int64_t start, int n, pp_sample_transform transform, void *ctx, int threads, pp_error *err)
{
    pp_status st = PP_OK;
    char first_error[512] = "";
    batch->shape[0] = n;
#pragma omp parallel for schedule(dynamic) num_threads(pp_threads_clamp(threads))
    for (int i = 0; i < n; i++) {
        pp_error e = {0};
        int64_t sample = indices ? indices[i] : start + i;
        pp_image raw = {0}, sized = {0}, changed = {0};
        pp_status r = pp_dataset_image(ds, sample, &raw, &e);
        if (r == PP_OK)
            r = pp_preprocess_geometry(pre, &raw, &sized, &e);
        if (r == PP_OK && transform)
            r = transform(&changed, &sized, sample, ctx, &e);
        if (r == PP_OK)
            pp_preprocess_normalize(pre, transform ? &changed : &sized, batch, i);
        if (r != PP_OK) {
#pragma omp critical
            if (st == PP_OK) {
                st = r;
                snprintf(first_error, sizeof first_error, "%s", e.msg);
            }
        }
        pp_image_free(&raw);
        pp_image_free(&sized);
        pp_image_free(&changed);
    }
    return st == PP_OK ? PP_OK : pp_fail(err, st, "%s", first_error);
}

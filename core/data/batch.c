#include "batch.h"

#include "../first_error.h"
#include "../rng.h"
#include "../threads.h"

uint32_t pp_batch_view_seed(uint64_t seed, int view, int64_t sample)
{
    return (uint32_t)(pp_rng_u64(pp_rng_key(seed ^ 0xa11a5eedull, (uint64_t)view), (uint64_t)sample) >> 32);
}

pp_status pp_batch_fill_views(pp_tensor *batch, const pp_preprocess *pre, const pp_dataset *ds,
                              const int64_t *indices, int64_t start, int n, pp_sample_transform transform, void *ctx,
                              const pp_batch_views *views, int threads, pp_error *err)
{
    if (views->count < 1 || views->count > PP_BATCH_MAX_VIEWS)
        return pp_fail(err, PP_ERR_ARG, "a batch has 1 to %d views per sample", PP_BATCH_MAX_VIEWS);
    pp_first_error first = {0};
    const size_t row = (size_t)pre->channels * pre->size * pre->size;
    batch->shape[0] = (int64_t)views->count * n;
#pragma omp parallel for schedule(dynamic) num_threads(pp_threads_clamp(threads))
    for (int i = 0; i < n; i++) {
        pp_error e = {0};
        const int64_t sample = indices ? indices[i] : start + i;
        pp_image raw = {0}, sized = {0}, changed = {0};
        pp_status r = pp_dataset_image(ds, sample, &raw, &e);
        if (r == PP_OK)
            r = pp_preprocess_geometry(pre, &raw, &sized, &e);
        if (r == PP_OK && transform)
            r = transform(&changed, &sized, sample, ctx, &e);
        const pp_image *base = transform ? &changed : &sized;
        for (int v = 0; v < views->count && r == PP_OK; v++) {
            const int at = v * n + i;
            if (!views->view[v]) {
                pp_preprocess_normalize(pre, base, batch, at);
                continue;
            }
            pp_augment_ctx actx = {.seed = pp_batch_view_seed(views->seed, v, sample), .mean = pre->mean,
                                   .std = pre->std, .position = i, .batch = n};
            r = pp_augment_normalised(views->view[v], &actx, base, batch->data + (size_t)at * row, &e);
        }
        pp_first_error_keep(&first, r, &e);
        pp_image_free(&raw);
        pp_image_free(&sized);
        pp_image_free(&changed);
    }
    return pp_first_error_return(&first, err);
}

pp_status pp_batch_fill(pp_tensor *batch, const pp_preprocess *pre, const pp_dataset *ds, const int64_t *indices,
                        int64_t start, int n, pp_sample_transform transform, void *ctx, int threads, pp_error *err)
{
    const pp_batch_views one = {.count = 1};
    return pp_batch_fill_views(batch, pre, ds, indices, start, n, transform, ctx, &one, threads, err);
}

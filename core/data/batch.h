/* Building a normalised input batch from data-set samples: decode, bring to
 * the model's geometry, optionally transform (corrupt, augment), normalise.
 * Samples are independent, so they are prepared in parallel. */
#ifndef PP_BATCH_H
#define PP_BATCH_H

#include <stdint.h>

#include "../preprocess.h"
#include "../augment/augmentation.h"
#include "dataset.h"

/* Changes one sample's image at the model's geometry (out is allocated by the
 * transform). `sample` is the data-set index, for seeding. */
typedef pp_status (*pp_sample_transform)(pp_image *out, const pp_image *in, int64_t sample, void *ctx,
                                         pp_error *err);

/* Rows 0..n-1 of batch (N >= n, C, size, size) from samples indices[0..n)
 * (or start..start+n when indices is NULL); transform may be NULL. The batch's
 * first dimension is set to n. Samples are spread over `threads` threads
 * (below 1: one). On failure the first error is reported. */
pp_status pp_batch_fill(pp_tensor *batch, const pp_preprocess *pre, const pp_dataset *ds, const int64_t *indices,
                        int64_t start, int n, pp_sample_transform transform, void *ctx, int threads, pp_error *err);

/* A training batch of several views of each sample (AugMix's JSD: clean and
 * two augmented views; stability training: clean and perturbed), all in one
 * tensor so one forward pass sees them together (BatchNorm statistics cover
 * every view, as the reference implementations do). */
#define PP_BATCH_MAX_VIEWS 3

typedef struct {
    int count;                                        /* 1 to PP_BATCH_MAX_VIEWS */
    const pp_augment_config *view[PP_BATCH_MAX_VIEWS]; /* NULL: the sample as `transform` left it */
    uint64_t seed; /* draws: one MT19937 seed per (view, sample), from (seed, view, sample) */
} pp_batch_views;

/* The MT19937 seed of one view of one sample. */
uint32_t pp_batch_view_seed(uint64_t seed, int view, int64_t sample);

/* Rows v * n + i of batch (count * n, C, size, size) get view v of sample
 * indices[i] (start + i when indices is NULL): decoded, at the model's geometry, through `transform` (crop and
 * flip; may be NULL), then through the view's augmentation, normalised. The
 * first dimension is set to count * n. Samples run on `threads` threads. */
pp_status pp_batch_fill_views(pp_tensor *batch, const pp_preprocess *pre, const pp_dataset *ds,
                              const int64_t *indices, int64_t start, int n, pp_sample_transform transform, void *ctx,
                              const pp_batch_views *views, int threads, pp_error *err);

#endif

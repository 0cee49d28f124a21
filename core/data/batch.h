/* Building a normalised input batch from data-set samples: decode, bring to
 * the model's geometry, optionally transform (corrupt, augment), normalise.
 * Samples are independent, so they are prepared in parallel. */
#ifndef PP_BATCH_H
#define PP_BATCH_H

#include <stdint.h>

#include "../preprocess.h"
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

#endif

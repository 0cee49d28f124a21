/* An image as a model receives it, clean or corrupted: brought to the model's
 * geometry, corrupted there (as eval and the probe do), then normalised — the
 * input of the per-image analyses (feature maps, saliency). */
#ifndef PP_ANALYSIS_MODEL_INPUT_H
#define PP_ANALYSIS_MODEL_INPUT_H

#include "../corrupt/corruption.h"
#include "../preprocess.h"

/* shown (allocated here): the 8-bit image the model sees; batch: sample
 * `index` of a (N, C, size, size) tensor the caller allocated (NULL: none).
 * c NULL: clean. */
pp_status pp_model_input(const pp_preprocess *pre, const pp_image *img, const pp_corruption *c,
                         const pp_corruption_request *req, pp_image *shown, pp_tensor *batch, int index,
                         pp_error *err);

#endif

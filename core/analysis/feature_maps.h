/* Feature maps of a chosen layer for one or two models on the same image,
 * clean and corrupted (the RobustNet paper's Fig. 11): every channel of the
 * layer as a (H, W) map, and one colour range per channel pair — channel k of
 * every model, clean and corrupted, share [lo_k, hi_k], so a brighter map is
 * a larger activation wherever it is drawn. Channels beyond the smaller
 * model's count are pairs of one. */
#ifndef PP_ANALYSIS_FEATURE_MAPS_H
#define PP_ANALYSIS_FEATURE_MAPS_H

#include "../corrupt/corruption.h"
#include "../forward.h"
#include "../image/image.h"
#include "../model.h"

#define PP_FEATURE_MAPS_MAX_MODELS 2

typedef struct {
    char layer[24];
    int models;
    int channels[PP_FEATURE_MAPS_MAX_MODELS], height[PP_FEATURE_MAPS_MAX_MODELS], width[PP_FEATURE_MAPS_MAX_MODELS];
    float *clean[PP_FEATURE_MAPS_MAX_MODELS];     /* (channels, height, width) */
    float *corrupted[PP_FEATURE_MAPS_MAX_MODELS]; /* the same under the corruption (= clean without one) */
    int pairs;                                    /* the largest channel count */
    float *lo, *hi;                               /* (pairs) the shared colour range of each channel */
    pp_image shown_clean, shown_corrupted;        /* the input at the first model's geometry */
} pp_feature_maps;

/* A tap with maps: conv1, stem, layer1..layer4 (not push, pull, kernels,
 * features or logits); saliency's layers. */
pp_status pp_feature_maps_layer_parse(const char *name, pp_tap *layer, pp_error *err);

/* The maps of `layer` (analysis/model_layers.h: conv1, stem, layer1..layer4
 * or a block, "layer2.1"; not features or logits), which every model must
 * have, for models[0..n) of one input (eval/compat.h's check, naming `names`) on img
 * (any size; brought to each model's geometry), corrupted by c with req (c
 * NULL: clean twice). Runs on `threads` threads; req->threads is ignored. */
pp_status pp_feature_maps_compute(const pp_model *const *models, const char *const *names, int n, const pp_image *img,
                                  const pp_corruption *c, const pp_corruption_request *req, const char *layer, int threads,
                                  pp_feature_maps *out, pp_error *err);
void pp_feature_maps_free(pp_feature_maps *fm);

/* The value at (x, y) of channel ch of model m, clean or not; NAN outside. */
float pp_feature_maps_value(const pp_feature_maps *fm, int m, bool corrupted, int ch, int x, int y);

#endif

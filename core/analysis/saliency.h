/* Where a model looks: Grad-CAM (Selvaraju et al. 2017) and gradient
 * saliency (Simonyan et al. 2014) of one image for one class, from the
 * eval-mode backward (train/train_step.h, pp_model_backward).
 *
 *   Grad-CAM: A = the layer's activation (K, h, w), G = d logit_c / d A;
 *             alpha_k = mean over (h, w) of G_k; cam = relu(sum_k alpha_k A_k),
 *             upsampled bilinearly to the input (PyTorch's F.interpolate,
 *             align_corners=False), divided by its max (all zero when the
 *             class has no positive evidence there).
 *   Gradient: |d logit_c / d x| maxed over the input channels, divided by
 *             its max.
 * The class is the top-1 or a chosen one. */
#ifndef PP_ANALYSIS_SALIENCY_H
#define PP_ANALYSIS_SALIENCY_H

#include "../corrupt/corruption.h"
#include "../forward.h"
#include "../image/image.h"
#include "../model.h"
#include "../train/train_step.h"

typedef enum { PP_SALIENCY_GRADCAM, PP_SALIENCY_GRADIENT } pp_saliency_method;

const char *pp_saliency_method_name(pp_saliency_method m); /* "gradcam", "gradient" */
bool pp_saliency_method_parse(const char *s, pp_saliency_method *m);

typedef struct {
    pp_saliency_method method;
    pp_tap layer;     /* Grad-CAM's layer: stem, layer1..layer4 (0 = PP_TAP_CONV1 is taken as layer4) */
    int target_class; /* -1: the top-1 */
} pp_saliency_options;

typedef struct {
    int width, height; /* the input's */
    float *map;        /* (height, width) in [0, 1] */
    int cam_width, cam_height;
    float *cam;        /* Grad-CAM before upsampling and normalising (NULL for gradient saliency) */
    int target_class, top1;
    float logit, prob; /* of the target class */
} pp_saliency_map;

/* input: (1, C, H, W) normalised for m. ctx: a training context of m
 * (pp_train_ctx_new), which sets the thread count; its parameter gradients
 * are untouched. */
pp_status pp_saliency_compute(const pp_model *m, pp_train_ctx *ctx, const pp_tensor *input,
                              const pp_saliency_options *opt, pp_saliency_map *out, pp_error *err);
void pp_saliency_map_free(pp_saliency_map *s);

/* The same for an image of any size brought to m's input and corrupted by c
 * there (NULL: clean); shown (allocated here) is what the model saw. */
pp_status pp_saliency_of_image(const pp_model *m, pp_train_ctx *ctx, const pp_image *img, const pp_corruption *c,
                               const pp_corruption_request *req, const pp_saliency_options *opt, pp_saliency_map *out,
                               pp_image *shown, pp_error *err);

/* The image (any size; usually what the model received) under the map as a
 * heat overlay: the image enlarged to at least `min_side` pixels (nearest
 * neighbour, whole multiples), the map upsampled bilinearly over it, colours
 * from blue (0) to red (1) blended half and half. out: RGB, allocated here. */
pp_status pp_saliency_overlay(const pp_image *img, const pp_saliency_map *s, int min_side, pp_image *out,
                              pp_error *err);

#endif

/* EfficientNet-b0 (Tan & Le 2019) in its two PyTorch implementations
 * (docs/spec/architectures.md, EfficientNet-B0): torchvision's
 * efficientnet_b0 (family "efficientnet": keys features.*, BN eps 1e-5,
 * symmetric zero padding) and the lukemelas EfficientNet-PyTorch copy in
 * pushpull-conv (family "efficientnet_lukemelas": keys _conv_stem, _blocks.N.*,
 * BN eps 1e-3, TensorFlow "same" padding computed once for a 224 input).
 * Either stem may be a PushPull unit (padded symmetrically, 1).
 *
 *   stem:   3x3/2 conv (or unit) -> BN -> SiLU                   (stem tap)
 *   stages: 1..7 of MBConv blocks: [1x1 expand -> BN -> SiLU] -> depthwise
 *           k x k/s -> BN -> SiLU -> squeeze-excite -> 1x1 project -> BN
 *           (+ the block's input, drop-connect in training, when stride 1
 *           and in == out)                  (layer1..3 taps: stages 2, 3, 5)
 *   head:   1x1 conv -> BN -> SiLU (layer4 tap) -> global average pool
 *           (features) -> dropout (training only) -> linear (logits).
 * Widths and blocks per stage come from the tensors (width/depth multipliers
 * of small test nets); kernels, strides and expansions are b0's. */
#ifndef PP_MODEL_EFFICIENTNET_H
#define PP_MODEL_EFFICIENTNET_H

#include <stdbool.h>
#include <stddef.h>

#include "../arch.h"
#include "../ckpt/state_dict.h"
#include "../status.h"

#define PP_EFFNET_STAGES 7
#define PP_EFFNET_TF_IMAGE_SIZE 224 /* lukemelas' image_size for the static pads */

typedef struct {
    int expand, kernel, stride, out, blocks;
} pp_effnet_stage;

/* b0's stages (out and blocks at width and depth 1). */
extern const pp_effnet_stage pp_effnet_b0[PP_EFFNET_STAGES];

/* lukemelas' layout (else torchvision's), from the family name. */
bool pp_effnet_is_lukemelas(const pp_arch *a);

/* Key prefixes of the stem conv, the stem BN, the head conv, its BN and the
 * classifier. */
const char *pp_effnet_stem_prefix(bool lukemelas);

/* The EfficientNet part of pp_arch_infer: stages, widths, head and classes
 * from the keys (expansion ratios and kernels checked against b0's). The
 * first layer (width, in_channels, push_pull) is read by the caller. */
pp_status pp_effnet_infer(pp_arch *a, const pp_state_dict *sd, pp_error *err);

/* An EfficientNet-b0 at width and depth 1 (training from scratch). */
void pp_effnet_b0_arch(pp_arch *a, bool lukemelas);

/* Scales a b0 to `stem` stem channels: every stage's channels by stem / 32,
 * rounded as the references round them (to multiples of 8, at least 8, never
 * below 90%); the head 4x the last stage (torchvision) or 1280 scaled
 * (lukemelas). Depth stays b0's. */
void pp_effnet_set_width(pp_arch *a, int stem);

/* The builder (model/builder.h). */
struct pp_model_builder;
void pp_efficientnet_build(struct pp_model_builder *b);

#endif

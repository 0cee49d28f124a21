/* Between the callers' NCHW tensors and the engine's channel-major
 * (C, N, H, W) activations (ops/conv2d.h). */
#ifndef PP_LAYOUT_H
#define PP_LAYOUT_H

#include "../status.h"
#include "../tensor.h"

/* dst: (C, N, H, W) from src: (N, C, H, W). */
void pp_to_channel_major(float *dst, const float *src, int n, int c, int h, int w);
/* dst: (N, C, H, W) from src: (C, N, H, W). */
void pp_from_channel_major(float *dst, const float *src, int n, int c, int h, int w);

/* Resizes t to (N, C, H, W) ((N, C) when flat) and fills it from a
 * channel-major activation. */
pp_status pp_tensor_from_channel_major(pp_tensor *t, const float *src, int n, int c, int h, int w, bool flat,
                                       pp_error *err);

#endif

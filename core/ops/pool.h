/* Pooling over planes: `planes` independent (H, W) images, e.g. C*N planes of a
 * (C, N, H, W) activation. */
#ifndef PP_POOL_H
#define PP_POOL_H

#include <stdbool.h>
#include <stddef.h>

/* out: (planes, Ho, Wo); padding cells never win (as -inf). On `threads`
 * threads, as every function here that takes a count (threads.h). */
void pp_maxpool2d_forward(float *out, const float *in, size_t planes, int h, int w, int k,
                          int stride, int pad, int threads);

/* out: (planes, Ho, Wo). count_include_pad = false divides by the number of
 * real cells under the window (PyTorch's AvgPool2d(count_include_pad=False)). */
void pp_avgpool2d_forward(float *out, const float *in, size_t planes, int h, int w, int k,
                          int stride, int pad, bool count_include_pad, int threads);

/* One plane of stride-1 average pooling (count_include_pad false) on the
 * calling thread, for fused units; scratch holds
 * pp_avgpool2d_plane_scratch_floats(w) floats. */
size_t pp_avgpool2d_plane_scratch_floats(int w);
void pp_avgpool2d_plane(float *out, const float *in, int h, int w, int k, int pad, float *scratch);

/* out: (planes); the mean of each plane. */
void pp_global_avgpool_forward(float *out, const float *in, size_t planes, size_t plane_size, int threads);

#endif

/* Pooling over planes: `planes` independent (H, W) images, e.g. C*N planes of a
 * (C, N, H, W) activation. */
#ifndef PP_POOL_H
#define PP_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* ---- backward (training) ---- */

/* Pooling for training: max-pool that remembers where each maximum came from,
 * and the backward of max, average (count_include_pad = false or true) and
 * global average pooling. Layout as ops/pool.h: `planes` independent (H, W)
 * images. Backward passes accumulate into dx; the caller zeroes it. */


/* out: (planes, Ho, Wo); argmax: (planes, Ho, Wo) index of the winner within
 * its (H, W) plane, the first maximum in scan order as PyTorch picks it. */
void pp_maxpool2d_train_forward(float *out, int32_t *argmax, const float *in, size_t planes, int h, int w, int k,
                                int stride, int pad, int threads);
/* dx: (planes, H, W) += dy routed to the winners; dy, argmax: (planes, Ho, Wo). */
void pp_maxpool2d_backward(float *dx, const float *dy, const int32_t *argmax, size_t planes, int h, int w, int ho,
                           int wo, int threads);

/* dx: (planes, H, W) += each dy spread evenly over the cells of its window
 * (the real cells only when !count_include_pad). */
void pp_avgpool2d_backward(float *dx, const float *dy, size_t planes, int h, int w, int k, int stride, int pad,
                           bool count_include_pad, int threads);

/* One plane of the stride-1 "same" average pooling's backward (k odd, pad
 * (k - 1) / 2, count_include_pad false) on the calling thread, for fused
 * units: dx (h, w) += (accumulate) or = the adjoint of dy (h, w). scratch
 * holds pp_avgpool2d_plane_backward_scratch_floats(h, w, k) floats, a
 * multiple of 16 (threads' scratch side by side from a 64-byte boundary
 * share no cache line), set up once by _prepare for any number of planes. */
size_t pp_avgpool2d_plane_backward_scratch_floats(int h, int w, int k);
void pp_avgpool2d_plane_backward_prepare(float *scratch, int h, int w, int k);
void pp_avgpool2d_plane_backward(float *dx, const float *dy, int h, int w, int k, bool accumulate, float *scratch);

/* dx: (planes, plane_size) += dy[plane] / plane_size; dy: (planes). */
void pp_global_avgpool_backward(float *dx, const float *dy, size_t planes, size_t plane_size, int threads);

#endif

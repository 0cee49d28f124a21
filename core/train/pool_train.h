/* Pooling for training: max-pool that remembers where each maximum came from,
 * and the backward of max, average (count_include_pad = false or true) and
 * global average pooling. Layout as ops/pool.h: `planes` independent (H, W)
 * images. Backward passes accumulate into dx; the caller zeroes it. */
#ifndef PP_POOL_TRAIN_H
#define PP_POOL_TRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* dx: (planes, plane_size) += dy[plane] / plane_size; dy: (planes). */
void pp_global_avgpool_backward(float *dx, const float *dy, size_t planes, size_t plane_size, int threads);

#endif

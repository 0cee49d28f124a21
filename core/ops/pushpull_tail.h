/* The push-pull unit's tail on one (channel, image) plane, after the push
 * convolution: the pull response from the push response and the window sums,
 * its average pooling, and the unit's output (+ the BN after it), all in one
 * pass of rows while they are in L1 (pushpull.c). */
#ifndef PP_OPS_PUSHPULL_TAIL_H
#define PP_OPS_PUSHPULL_TAIL_H

#include <stdbool.h>
#include <stddef.h>

/* Channel k's part of a BN (+ReLU) fused after the unit. */
typedef struct {
    float scale, shift;
    bool relu;
} pp_pushpull_bn;

/* Floats of scratch one thread needs for pp_pushpull_tail_plane. */
size_t pp_pushpull_tail_scratch_floats(int wo, int avg_kernel);

/* The image's pooled window sums (pooled_sums, ho x wo): the average pooling
 * (avg_kernel 3 or 5, stride 1, padding excluded from the count) of its window
 * sums S (without pooling the tail takes S itself). scratch: as for the tail. */
void pp_pushpull_pool_sums(float *pooled_sums, const float *sums, int ho, int wo, int avg_kernel, float *scratch);

/* Since the pull response is c_k * S - push and pooling is linear, its pooled
 * form is c_k * pool(S) - pool(push): pool(S) is shared by every channel, so a
 * plane needs only its own push rows. Writes
 *   out = bn(relu(push) - a * relu(pulled) + b),  pulled = c_k * pooled_sums - pool(push)
 * and, when pulled_out is not NULL, pulled there. out may be push itself (in
 * place: the rows a later row's pooling still reads are kept in scratch).
 * bn NULL: no BN. */
void pp_pushpull_tail_plane(float *out, float *pulled_out, const float *push, const float *pooled_sums, int ho,
                            int wo, int avg_kernel, float c_k, float a, float b, const pp_pushpull_bn *bn,
                            float *scratch);

#endif

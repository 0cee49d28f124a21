/* 2-D convolution on channel-major batches.
 *
 * Activations inside the engine are laid out (C, N, H, W): each channel holds
 * the planes of all N images side by side, so one GEMM
 *   out (K, N*Ho*Wo) = weight (K, C*kh*kw) x columns (C*kh*kw, N*Ho*Wo)
 * covers the whole batch and 1x1 convolutions need no im2col at all.
 * For N = 1 this is the same as NCHW. */
#ifndef PP_CONV2D_H
#define PP_CONV2D_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    int cin, cout; /* totals over all groups */
    int kh, kw;
    int stride, pad;
    int groups; /* 0 or 1: dense; G: G groups of cin/G inputs and cout/G outputs */
} pp_conv_shape;

/* Groups: 1 for a dense convolution (groups 0 or 1). */
int pp_conv_groups(const pp_conv_shape *s);
/* The dense convolution of one group: cin/G -> cout/G. In the channel-major
 * layout a group's input and output channels, its weight rows and its
 * epilogue rows are contiguous, so a grouped convolution is G dense ones on
 * offset pointers (ResNeXt's groups; weight (K, C/G, kh, kw)). */
pp_conv_shape pp_conv_group_shape(const pp_conv_shape *s);
/* Floats from one group's input rows, output rows (and their epilogue rows) and
 * weights to the next group's, for an (N, H, W) input. */
typedef struct {
    size_t in, out, weight;
} pp_conv_group_step;
pp_conv_group_step pp_conv_group_steps(const pp_conv_shape *s, int n, int h, int w);

/* Work applied to each output channel k right after the GEMM, while the
 * block is still in cache: y = acc * scale[k] + shift[k] (+ residual), then ReLU.
 * NULL scale means 1, NULL shift means 0; residual has the output's layout. */
typedef struct {
    const float *scale;    /* (K) or NULL */
    const float *shift;    /* (K) or NULL */
    const float *residual; /* (K, N, Ho, Wo) or NULL */
    bool relu;
    /* SiLU last (EfficientNet's expansions): honoured by the GEMM path only
     * (pp_conv2d_forward's 1x1 and im2col convolutions), not by Winograd or
     * the direct kernel, so only set it for 1x1 convolutions */
    bool silu;
} pp_epilogue;

int pp_conv_out_size(int in, int k, int stride, int pad);

/* The convolution algorithms. Winograd needs transformed kernels (winograd.h). */
typedef enum { PP_CONV_IM2COL, PP_CONV_DIRECT, PP_CONV_WINOGRAD } pp_conv_algo;

/* The one place that picks an algorithm for a problem, in the forward pass
 * and in the backward (whose input gradient of a stride-1 "same" layer runs
 * as a forward of the flipped kernels, conv_layer.h). winograd_kernels: the
 * caller can have transformed kernels; false never answers Winograd.
 * im2col covers 1x1 convolutions too (a plain GEMM, no column matrix). */
pp_conv_algo pp_conv_choose(const pp_conv_shape *s, int n, int h, int w, int threads, bool winograd_kernels);

/* Floats of scratch space pp_conv2d_forward needs for this problem on
 * `threads` threads (the same count the forward call gets). */
size_t pp_conv2d_workspace_floats(const pp_conv_shape *s, int n, int h, int w, int threads);

/* out: (K, N, Ho, Wo); in: (C, N, H, W); weight: (K, C/groups, kh, kw).
 * `workspace` holds pp_conv2d_workspace_floats() floats (may be NULL if 0).
 * Runs on `threads` threads (threads.h; every op below takes its count last). */
void pp_conv2d_forward(float *out, const float *in, const float *weight, const pp_conv_shape *s,
                       int n, int h, int w, const pp_epilogue *ep, float *workspace, int threads);

/* Plain direct convolution with the same layout and epilogue, for testing the
 * fast path (no BLAS, no im2col). */
void pp_conv2d_forward_ref(float *out, const float *in, const float *weight, const pp_conv_shape *s,
                           int n, int h, int w, const pp_epilogue *ep);

/* Applies the epilogue to out (K, P) in place, columns [p0, p1) of each row;
 * residual rows share out's stride P. Exposed for fused units. */
void pp_epilogue_apply(float *out, int k_count, size_t p_total, size_t p0, size_t p1,
                       const pp_epilogue *ep, int threads);

/* ---- backward (training) ---- */

/* Backward of the 2-D convolution in ops/conv2d.h (same channel-major layout).
 * The forward is pp_conv2d_forward; this is its gradient:
 *   dW (K, C*kh*kw) += dY (K, P) x columns^T (P, C*kh*kw)
 *   dX              += col2im(W^T (C*kh*kw, K) x dY (K, P))
 *   db (K)          += sum over P of dY
 * with P = N*Ho*Wo. Gradients accumulate; the caller zeroes them. */



/* Floats of scratch space pp_conv2d_backward needs for this problem. */
size_t pp_conv2d_backward_workspace_floats(const pp_conv_shape *s, int n, int h, int w, int threads);

/* dx: (C, N, H, W) or NULL (input needs no gradient); dw: (K, C, kh, kw) or
 * NULL (no weight gradient: an input gradient alone, eval-mode backward);
 * db: (K) or NULL; dy: (K, N, Ho, Wo); x: (C, N, H, W); weight: (K, C, kh, kw). */
void pp_conv2d_backward(float *dx, float *dw, float *db, const float *dy, const float *x, const float *weight,
                        const pp_conv_shape *s, int n, int h, int w, float *workspace, int threads);

/* Plain direct loops (double accumulation), for testing the fast path. */
void pp_conv2d_backward_ref(float *dx, float *dw, float *db, const float *dy, const float *x,
                            const float *weight, const pp_conv_shape *s, int n, int h, int w);

#endif

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
    int cin, cout;
    int kh, kw;
    int stride, pad;
} pp_conv_shape;

/* Work applied to each output channel k right after the GEMM, while the
 * block is still in cache: y = acc * scale[k] + shift[k] (+ residual), then ReLU.
 * NULL scale means 1, NULL shift means 0; residual has the output's layout. */
typedef struct {
    const float *scale;    /* (K) or NULL */
    const float *shift;    /* (K) or NULL */
    const float *residual; /* (K, N, Ho, Wo) or NULL */
    bool relu;
} pp_epilogue;

int pp_conv_out_size(int in, int k, int stride, int pad);

/* Floats of scratch space pp_conv2d_forward needs for this problem on
 * `threads` threads (the same count the forward call gets). */
size_t pp_conv2d_workspace_floats(const pp_conv_shape *s, int n, int h, int w, int threads);

/* out: (K, N, Ho, Wo); in: (C, N, H, W); weight: (K, C, kh, kw).
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

#endif

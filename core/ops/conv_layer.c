#include "conv_layer.h"

#include <string.h>

#include "../threads.h"
#include "input_grad_stride2_avx2.h"
#include "winograd.h"

static void at_least(size_t *have, size_t need)
{
    if (need > *have)
        *have = need;
}

static bool by_transposed_forward(const pp_conv_shape *s)
{
    return s->stride == 1 && s->kh == s->kw && s->kh > 1 && 2 * s->pad == s->kh - 1 && pp_conv_groups(s) == 1;
}

static pp_conv_shape transposed_shape(const pp_conv_shape *s)
{
    pp_conv_shape t = *s;
    t.cin = s->cout;
    t.cout = s->cin;
    return t;
}

/* Output channel k's kernels, rotated 180 degrees, into the transposed
 * (C, K, kh, kw) layout. */
static void flip_kernels_of(float *flipped, const float *weight, const pp_conv_shape *s, int k)
{
    const int kk = s->kh * s->kw;
    for (int c = 0; c < s->cin; c++) {
        const float *src = weight + ((size_t)k * s->cin + c) * kk;
        float *dst = flipped + ((size_t)c * s->cout + k) * kk;
        for (int i = 0; i < kk; i++)
            dst[i] = src[kk - 1 - i];
    }
}

/* flipped: (C, K, kh, kw) from weight (K, C, kh, kw), each kernel rotated 180
 * degrees. Split over the threads from 64 K floats (ResNet18's 512-channel
 * layers copy 2.4 M each, every step); smaller on the calling thread, without
 * entering OpenMP. */
static void flip_transpose(float *flipped, const float *weight, const pp_conv_shape *s, int threads)
{
    if ((size_t)s->cout * s->cin * s->kh * s->kw < ((size_t)1 << 16)) {
        for (int k = 0; k < s->cout; k++)
            flip_kernels_of(flipped, weight, s, k);
        return;
    }
#pragma omp parallel for schedule(static) num_threads(pp_threads_clamp(threads))
    for (int k = 0; k < s->cout; k++)
        flip_kernels_of(flipped, weight, s, k);
}

void pp_conv_layer_sizes(pp_conv_sizes *sz, const pp_conv_layer *c, int n, int h, int w, int threads, bool backward)
{
    const pp_conv_shape *s = &c->shape;
    at_least(&sz->workspace, pp_conv2d_workspace_floats(s, n, h, w, threads));
    if (pp_conv_choose(s, n, h, w, threads, true) == PP_CONV_WINOGRAD) {
        at_least(&sz->workspace, pp_winograd_workspace_floats(s, n, h, w, threads));
        if (!c->winograd)
            at_least(&sz->wino, pp_winograd_weight_floats(s));
    }
    if (!backward)
        return;
    at_least(&sz->workspace, pp_conv2d_backward_workspace_floats(s, n, h, w, threads));
    if (pp_input_grad_stride2_preferred(s, w))
        at_least(&sz->workspace, pp_input_grad_stride2_workspace_floats(s, h, w, threads));
    if (by_transposed_forward(s)) {
        const pp_conv_shape t = transposed_shape(s);
        const int ho = pp_conv_out_size(h, s->kh, s->stride, s->pad), wo = pp_conv_out_size(w, s->kw, s->stride, s->pad);
        at_least(&sz->flipped, (size_t)s->cout * s->cin * s->kh * s->kw);
        at_least(&sz->dx_tmp, (size_t)s->cin * n * h * w);
        at_least(&sz->workspace, pp_conv2d_workspace_floats(&t, n, ho, wo, threads));
        if (pp_conv_choose(&t, n, ho, wo, threads, true) == PP_CONV_WINOGRAD) {
            at_least(&sz->flipped_wino, pp_winograd_weight_floats(&t));
            at_least(&sz->workspace, pp_winograd_workspace_floats(&t, n, ho, wo, threads));
        }
    }
}

/* The layer's transformed kernels when it runs by Winograd here, else NULL. */
static const float *winograd_kernels(const pp_conv_layer *c, int n, int h, int w, const pp_conv_scratch *scratch,
                                     int threads)
{
    if (pp_conv_choose(&c->shape, n, h, w, threads, true) != PP_CONV_WINOGRAD)
        return NULL;
    if (c->winograd)
        return c->winograd;
    return scratch->winograd.get ? scratch->winograd.get(scratch->winograd.owner, c, threads) : NULL;
}

bool pp_conv_layer_forward_pre(float *out, const float *in, const pp_epilogue *pre, const pp_conv_layer *c, int n,
                               int h, int w, const pp_epilogue *ep, const pp_conv_scratch *scratch, int threads)
{
    const float *kernels = winograd_kernels(c, n, h, w, scratch, threads);
    if (kernels)
        pp_winograd_forward_pre(out, in, pre, kernels, &c->shape, n, h, w, ep, scratch->workspace, threads);
    return kernels != NULL;
}

void pp_conv_layer_forward(float *out, const float *in, const pp_conv_layer *c, int n, int h, int w,
                           const pp_epilogue *ep, const pp_conv_scratch *scratch, int threads)
{
    const float *kernels = winograd_kernels(c, n, h, w, scratch, threads);
    if (kernels)
        pp_winograd_forward(out, in, kernels, &c->shape, n, h, w, ep, scratch->workspace, threads);
    else
        pp_conv2d_forward(out, in, c->weight, &c->shape, n, h, w, ep, scratch->workspace, threads);
}

void pp_conv_layer_backward(float *dx, bool dx_fresh, float *dw, float *db, const float *dy, const float *x,
                            const pp_conv_layer *c, int n, int h, int w, const pp_conv_scratch *scratch, int threads)
{
    const pp_conv_shape *s = &c->shape;
    const bool transposed = dx && by_transposed_forward(s);
    /* stride 2 on the avx2 path: the weight gradient first, then dx directly */
    const bool strided = dx && !transposed && pp_input_grad_stride2_preferred(s, w);
    const size_t dx_count = (size_t)s->cin * n * h * w;
    if (dx && dx_fresh && !transposed && !strided)
        memset(dx, 0, dx_count * sizeof(float));
    pp_conv2d_backward(transposed || strided ? NULL : dx, dw, db, dy, x, c->weight, s, n, h, w, scratch->workspace,
                       threads);
    if (strided)
        pp_input_grad_stride2(dx, dx_fresh, dy, c->weight, s, n, h, w, scratch->workspace, threads);
    if (!transposed)
        return;
    const pp_conv_shape t = transposed_shape(s);
    const int ho = pp_conv_out_size(h, s->kh, s->stride, s->pad), wo = pp_conv_out_size(w, s->kw, s->stride, s->pad);
    flip_transpose(scratch->flipped, c->weight, s, threads);
    const bool winograd = pp_conv_choose(&t, n, ho, wo, threads, true) == PP_CONV_WINOGRAD &&
                          pp_winograd_transform_weights(scratch->flipped_wino, scratch->flipped, &t, threads);
    /* A gradient already in dx: the Winograd and direct forwards add it as
     * their epilogue's residual, in place (each output reads its residual
     * just before it writes the same cell), saving a pass through dx_tmp and
     * a parallel sum; the im2col GEMM writes its output before the epilogue
     * reads it, so it still goes through dx_tmp. */
    const bool in_place = dx_fresh || winograd || pp_conv_choose(&t, n, ho, wo, threads, false) == PP_CONV_DIRECT;
    const pp_epilogue accumulate = {.residual = dx};
    const pp_epilogue *ep = dx_fresh ? NULL : &accumulate;
    float *target = in_place ? dx : scratch->dx_tmp;
    if (winograd)
        pp_winograd_forward(target, dy, scratch->flipped_wino, &t, n, ho, wo, ep, scratch->workspace, threads);
    else
        pp_conv2d_forward(target, dy, scratch->flipped, &t, n, ho, wo, in_place ? ep : NULL, scratch->workspace,
                          threads);
    if (in_place)
        return;
    const float *src = scratch->dx_tmp;
#pragma omp parallel for schedule(static) num_threads(pp_threads_clamp(threads))
    for (size_t i = 0; i < dx_count; i++)
        dx[i] += src[i];
}

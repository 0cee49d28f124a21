#include "pushpull2020.h"

#include <math.h>
#include <omp.h>
#include <string.h>

#include "../threads.h"
#include "relu.h"

int pp_pushpull2020_pull_size(int k, int scale)
{
    if (scale <= 1)
        return k;
    int s = k * scale;
    return s % 2 == 0 ? s + 1 : s;
}

void pp_pushpull2020_shapes(pp_pushpull2020_layer *l, int cin, int cout, int k, int stride, int pad, int scale)
{
    const int big = pp_pushpull2020_pull_size(k, scale);
    l->push = (pp_conv_shape){.cin = cin, .cout = cout, .kh = k, .kw = k, .stride = stride, .pad = pad};
    l->pull = l->push;
    l->pull.kh = l->pull.kw = big;
    l->pull.pad = big / 2 - k / 2 + pad;
}

void pp_pushpull2020_resize_weights(double *u, int s, int S)
{
    memset(u, 0, sizeof(double) * (size_t)S * s);
    for (int j = 0; j < S; j++) {
        if (S == 1 || s == 1) {
            u[(size_t)j * s] = 1.0;
            continue;
        }
        const double src = (double)j * (s - 1) / (S - 1);
        int i0 = (int)floor(src);
        if (i0 >= s - 1)
            i0 = s - 1;
        const double frac = src - i0;
        u[(size_t)j * s + i0] += 1.0 - frac;
        if (frac > 0)
            u[(size_t)j * s + i0 + 1] += frac;
    }
}

/* Separable resize: along x for each input row (into rows, (s, S)), then along y. */
static void resize_plane(float *dst, const float *src, const double *u, double *rows, int s, int S)
{
    for (int a = 0; a < s; a++)
        for (int j = 0; j < S; j++) {
            double acc = 0;
            for (int b = 0; b < s; b++)
                acc += u[(size_t)j * s + b] * src[a * s + b];
            rows[a * S + j] = acc;
        }
    for (int i = 0; i < S; i++)
        for (int j = 0; j < S; j++) {
            double acc = 0;
            for (int a = 0; a < s; a++)
                acc += u[(size_t)i * s + a] * rows[a * S + j];
            dst[i * S + j] = (float)acc;
        }
}

/* Scratch on the stack: the networks' push kernels are 3x3 to 7x7 (pull 7 to 15);
 * the layer is built only up to PP_PUSHPULL2020_MAX_KERNEL. */
#define MAX_PULL (2 * PP_PUSHPULL2020_MAX_KERNEL + 1)

void pp_pushpull2020_pull_kernels(float *pull, const float *push, size_t planes, int s, int S)
{
    double u[MAX_PULL * PP_PUSHPULL2020_MAX_KERNEL], rows[MAX_PULL * PP_PUSHPULL2020_MAX_KERNEL];
    if (s > PP_PUSHPULL2020_MAX_KERNEL || S > MAX_PULL)
        return;
    pp_pushpull2020_resize_weights(u, s, S);
    for (size_t p = 0; p < planes; p++) {
        float *dst = pull + p * S * S;
        resize_plane(dst, push + p * s * s, u, rows, s, S);
        for (int i = 0; i < S * S; i++)
            dst[i] = -dst[i];
    }
}

void pp_pushpull2020_prepare(pp_pushpull2020_layer *l)
{
    pp_pushpull2020_pull_kernels(l->pull_weight, l->weight, (size_t)l->push.cout * l->push.cin, l->push.kh,
                                 l->pull.kh);
}

float pp_pushpull2020_alpha(const pp_pushpull2020_layer *l, int k)
{
    return l->alpha ? pp_relu(l->alpha[k]) : l->alpha_fixed;
}

static size_t out_plane(const pp_conv_shape *s, int h, int w)
{
    return (size_t)pp_conv_out_size(h, s->kh, s->stride, s->pad) * pp_conv_out_size(w, s->kw, s->stride, s->pad);
}

/* Per call: the gradients of both responses (2K, P), the pull kernel's gradient,
 * then the larger of the two convolutions' backward scratch. */
size_t pp_pushpull2020_backward_workspace_floats(const pp_pushpull2020_layer *l, int n, int h, int w, int threads)
{
    const size_t p_total = out_plane(&l->push, h, w) * n;
    size_t a = pp_conv2d_backward_workspace_floats(&l->push, n, h, w, threads);
    size_t b = pp_conv2d_backward_workspace_floats(&l->pull, n, h, w, threads);
    size_t pull_kernel = (size_t)l->pull.cout * l->pull.cin * l->pull.kh * l->pull.kw;
    return 2 * (size_t)l->push.cout * p_total + ((pull_kernel + 15) & ~(size_t)15) + (a > b ? a : b);
}

/* dw (planes, s, s) -= resize^T(d_up (planes, S, S)): the pull kernel is -resize(W). */
static void resize_backward(float *dw, const float *d_up, size_t planes, int s, int S)
{
    double u[MAX_PULL * PP_PUSHPULL2020_MAX_KERNEL];
    if (s > PP_PUSHPULL2020_MAX_KERNEL || S > MAX_PULL)
        return;
    pp_pushpull2020_resize_weights(u, s, S);
    for (size_t p = 0; p < planes; p++) {
        const float *g = d_up + p * S * S;
        for (int a = 0; a < s; a++)
            for (int b = 0; b < s; b++) {
                double acc = 0;
                for (int i = 0; i < S; i++) {
                    if (u[(size_t)i * s + a] == 0)
                        continue;
                    double row = 0;
                    for (int j = 0; j < S; j++)
                        row += u[(size_t)j * s + b] * g[i * S + j];
                    acc += u[(size_t)i * s + a] * row;
                }
                dw[p * s * s + a * s + b] -= (float)acc;
            }
    }
}

void pp_pushpull2020_backward(float *dx, float *dw, float *db, float *dalpha, const float *dy,
                              const float *responses, const float *in, const pp_pushpull2020_layer *l, int n, int h,
                              int w, float *workspace, int threads)
{
    threads = pp_threads_clamp(threads);
    const int k_count = l->push.cout;
    const size_t p_total = out_plane(&l->push, h, w) * n;
    const size_t pull_kernel = (size_t)l->pull.cout * l->pull.cin * l->pull.kh * l->pull.kw;
    const float *push = responses, *pull = responses + (size_t)k_count * p_total;
    float *d_push = workspace, *d_pull = d_push + (size_t)k_count * p_total;
    float *d_up = d_pull + (size_t)k_count * p_total;
    float *conv_ws = d_up + ((pull_kernel + 15) & ~(size_t)15);
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int k = 0; k < k_count; k++) {
        const float a = pp_pushpull2020_alpha(l, k);
        const size_t at = (size_t)k * p_total;
        double bias_sum = 0, alpha_sum = 0;
        for (size_t p = 0; p < p_total; p++) {
            const float g = dy[at + p];
            d_push[at + p] = push[at + p] > 0 ? g : 0.0f;
            d_pull[at + p] = pull[at + p] > 0 ? -a * g : 0.0f;
            bias_sum += (double)d_push[at + p] - d_pull[at + p];
            alpha_sum += (double)g * pp_relu(pull[at + p]);
        }
        if (db)
            db[k] += (float)bias_sum;
        if (dalpha && l->alpha && l->alpha[k] > 0)
            dalpha[k] -= (float)alpha_sum;
    }
    pp_conv2d_backward(dx, dw, NULL, d_push, in, l->weight, &l->push, n, h, w, conv_ws, threads);
    if (dw)
        memset(d_up, 0, sizeof(float) * pull_kernel);
    pp_conv2d_backward(dx, dw ? d_up : NULL, NULL, d_pull, in, l->pull_weight, &l->pull, n, h, w, conv_ws, threads);
    if (dw)
        resize_backward(dw, d_up, (size_t)k_count * l->push.cin, l->push.kh, l->pull.kh);
}

void pp_pushpull2020_effective_kernels(float *out, const pp_pushpull2020_layer *l, float alpha_override)
{
    const int s = l->push.kh, S = l->pull.kh, off = S / 2 - s / 2;
    const size_t planes = (size_t)l->push.cout * l->push.cin;
    for (size_t p = 0; p < planes; p++) {
        const int k = (int)(p / (size_t)l->push.cin);
        const float a = alpha_override >= 0 ? alpha_override : pp_pushpull2020_alpha(l, k);
        float *dst = out + p * S * S;
        const float *pull = l->pull_weight + p * S * S, *wp = l->weight + p * s * s;
        for (int i = 0; i < S * S; i++)
            dst[i] = -a * pull[i];
        for (int i = 0; i < s; i++)
            for (int j = 0; j < s; j++)
                dst[(i + off) * S + j + off] += wp[i * s + j];
    }
}

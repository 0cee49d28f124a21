/* The pre-activated Winograd convolution (winograd.h, pp_winograd_forward_pre;
 * the WRN / PreAct forward's BN + ReLU fused into the next conv) against the
 * direct reference run on the activated input relu(x * scale + shift): padding
 * 0 and 1 (the padding is the activated input's, zeros), sizes that are and
 * are not multiples of the tile, several images and chunks, with and without
 * the ReLU and the output epilogue. Also the one-pass BN (pp_batchnorm_eval_apply)
 * against the copy + epilogue it replaces, in and out of place. */
#include <stdlib.h>
#include <string.h>

#include "../test_util.h"
#include "ops/batchnorm.h"
#include "ops/conv2d.h"
#include "ops/winograd.h"
#include "threads.h"

static float uniform(uint32_t *r)
{
    *r = *r * 1664525u + 1013904223u;
    return (float)(*r >> 8) / (float)(1 << 24) * 2 - 1;
}

static void pre_case(int cin, int cout, int pad, int n, int h, int w, bool relu, bool epilogue)
{
    pp_conv_shape s = {.cin = cin, .cout = cout, .kh = 3, .kw = 3, .stride = 1, .pad = pad};
    const int ho = pp_conv_out_size(h, 3, 1, pad), wo = pp_conv_out_size(w, 3, 1, pad), threads = pp_threads_default();
    const size_t plane = (size_t)n * h * w, in_n = (size_t)cin * plane, out_n = (size_t)cout * n * ho * wo;
    float *x = malloc(in_n * 4), *act = malloc(in_n * 4), *wt = malloc((size_t)cout * cin * 9 * 4);
    float *a = malloc(out_n * 4), *b = malloc(out_n * 4), *res = malloc(out_n * 4);
    float *u = malloc(pp_winograd_weight_floats(&s) * 4);
    float *ws = malloc(pp_winograd_workspace_floats(&s, n, h, w, threads) * 4);
    float *scale = malloc(cin * 4), *shift = malloc(cin * 4), *oscale = malloc(cout * 4);
    uint32_t r = 777u + (uint32_t)(cin * 13 + h);
    for (size_t i = 0; i < in_n; i++)
        x[i] = uniform(&r) * 3;
    for (size_t i = 0; i < (size_t)cout * cin * 9; i++)
        wt[i] = uniform(&r) * 0.2f;
    for (int c = 0; c < cin; c++)
        scale[c] = 0.4f + 0.05f * (float)(c % 7), shift[c] = uniform(&r); /* about half the values below 0 */
    for (int k = 0; k < cout; k++)
        oscale[k] = 1.0f + 0.01f * (float)k;
    for (size_t i = 0; i < out_n; i++)
        res[i] = uniform(&r);
    const pp_epilogue pre = {.scale = scale, .shift = shift, .relu = relu};
    const pp_epilogue ep = {.scale = oscale, .residual = res};
    pp_batchnorm_eval_apply(act, x, scale, shift, relu, cin, plane, threads);
    CHECK(pp_winograd_transform_weights(u, wt, &s, threads), "kernel transform failed");
    pp_winograd_forward_pre(a, x, &pre, u, &s, n, h, w, epilogue ? &ep : NULL, ws, threads);
    pp_conv2d_forward_ref(b, act, wt, &s, n, h, w, epilogue ? &ep : NULL);
    char what[128];
    snprintf(what, sizeof what, "pre-activated winograd %dx%d c%d k%d pad %d n %d relu %d epilogue %d", h, w, cin,
             cout, pad, n, relu, epilogue);
    double e = pp_test_compare(what, a, b, out_n, 2e-5, 1);
    CHECK(e <= 2e-5, "%s: max relative error %.3g", what, e);
    free(x), free(act), free(wt), free(a), free(b), free(res), free(u), free(ws), free(scale), free(shift);
    free(oscale);
}

static void test_winograd_pre(void)
{
    pre_case(16, 16, 1, 2, 32, 32, true, true);
    pre_case(32, 16, 1, 3, 13, 11, true, false);
    pre_case(8, 24, 0, 2, 9, 14, true, true);
    pre_case(16, 32, 1, 40, 7, 5, false, true); /* many tiles: several chunks per thread */
    pre_case(128, 128, 1, 8, 8, 8, true, true);
}

static void test_batchnorm_one_pass(void)
{
    enum { C = 5, PLANE = 1031 };
    static float x[C * PLANE], want[C * PLANE], got[C * PLANE];
    float scale[C], shift[C];
    uint32_t r = 99;
    for (int i = 0; i < C * PLANE; i++)
        x[i] = uniform(&r);
    for (int c = 0; c < C; c++)
        scale[c] = 0.5f + (float)c, shift[c] = uniform(&r);
    for (int relu = 0; relu < 2; relu++) {
        memcpy(want, x, sizeof x);
        const pp_epilogue ep = {.scale = scale, .shift = shift, .relu = relu};
        pp_epilogue_apply(want, C, PLANE, 0, PLANE, &ep, 1);
        pp_batchnorm_eval_apply(got, x, scale, shift, relu, C, PLANE, 2);
        CHECK(memcmp(got, want, sizeof got) == 0, "one pass equals copy + epilogue (relu %d)", relu);
        memcpy(got, x, sizeof x);
        pp_batchnorm_eval_apply(got, got, scale, shift, relu, C, PLANE, 3);
        CHECK(memcmp(got, want, sizeof got) == 0, "in place (relu %d)", relu);
    }
}

int main(void)
{
    RUN_TEST(test_winograd_pre);
    RUN_TEST(test_batchnorm_one_pass);
    return TEST_EXIT();
}

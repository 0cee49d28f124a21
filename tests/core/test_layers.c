/* Every layer of the engine against PyTorch-computed values
 * (fixtures by tests/make_fixtures.py), and each fast path against its plain
 * reference kernel. Tensors are in the engine's (C, N, H, W) layout. */
#include "../fixture.h"
#include "../test_util.h"
#include "ops/batchnorm.h"
#include "ops/conv2d.h"
#include "ops/linear.h"
#include "ops/pool.h"
#include "ops/winograd.h"
#include "ops/pushpull.h"
#include "tensor.h"
#include "threads.h"

#define F(name) fixture_npy("core", name)

static void check_close(const char *what, const float *got, const pp_npy *want, double tol)
{
    double e = pp_test_compare(what, got, want->data, (size_t)pp_npy_numel(want), tol, 1);
    CHECK(e <= tol, "%s: max relative error %.3g > %.1g (wrong arithmetic or layout)", what, e, tol);
}

static void conv_case(const char *name)
{
    char buf[128];
#define LOAD(suffix) (snprintf(buf, sizeof buf, "%s_%s.npy", name, suffix), F(buf))
    pp_npy x = LOAD("x"), w = LOAD("w"), b = LOAD("b"), y = LOAD("y"), meta = LOAD("meta");
#undef LOAD
    const int64_t *mv = meta.data;
    pp_conv_shape s = {.cin = (int)mv[0], .cout = (int)mv[1], .kh = (int)mv[2], .kw = (int)mv[2],
                       .stride = (int)mv[3], .pad = (int)mv[4]};
    int h = (int)mv[5], wd = (int)mv[6], n = 2;
    size_t out_n = (size_t)pp_npy_numel(&y);
    float *fast = calloc(out_n, sizeof(float)), *ref = calloc(out_n, sizeof(float));
    float *ws = calloc(pp_conv2d_workspace_floats(&s, n, h, wd, pp_threads_default()) + 1, sizeof(float));
    pp_epilogue ep = {.shift = b.data};
    pp_conv2d_forward(fast, x.data, w.data, &s, n, h, wd, &ep, ws, pp_threads_default());
    pp_conv2d_forward_ref(ref, x.data, w.data, &s, n, h, wd, &ep);
    snprintf(buf, sizeof buf, "%s fast", name);
    check_close(buf, fast, &y, 1e-5);
    snprintf(buf, sizeof buf, "%s reference", name);
    check_close(buf, ref, &y, 1e-5);
    free(fast);
    free(ref);
    free(ws);
    pp_npy_free(&x), pp_npy_free(&w), pp_npy_free(&b), pp_npy_free(&y), pp_npy_free(&meta);
}

static void test_conv2d(void)
{
    const char *cases[] = {"conv_3x3_s1", "conv_7x7_s2", "conv_1x1_s1", "conv_1x1_s2", "conv_3x3_s2", "conv_5x5_s1_p0"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        conv_case(cases[i]);
}

/* The chunked im2col path must agree with the reference when the problem is
 * split into many GEMM chunks (a large batch of a wide input). */
static void chunked_case(pp_conv_shape s, int n, int h, int w)
{
    int ho = pp_conv_out_size(h, s.kh, s.stride, s.pad), wo = pp_conv_out_size(w, s.kw, s.stride, s.pad);
    size_t in_n = (size_t)s.cin * n * h * w, out_n = (size_t)s.cout * n * ho * wo;
    float *x = malloc(in_n * 4), *wt = malloc((size_t)s.cout * s.cin * s.kh * s.kw * 4);
    float *a = malloc(out_n * 4), *b = malloc(out_n * 4), *res = malloc(out_n * 4);
    for (size_t i = 0; i < in_n; i++)
        x[i] = (float)((i * 2654435761u) % 1000) / 500.0f - 1.0f;
    for (size_t i = 0; i < (size_t)s.cout * s.cin * s.kh * s.kw; i++)
        wt[i] = (float)((i * 40503u) % 997) / 997.0f - 0.5f;
    for (size_t i = 0; i < out_n; i++)
        res[i] = (float)(i % 7) - 3.0f;
    float *scale = malloc(sizeof(float) * s.cout), *shift = malloc(sizeof(float) * s.cout);
    for (int k = 0; k < s.cout; k++)
        scale[k] = 0.5f + k * 0.1f, shift[k] = k * 0.2f - 0.5f;
    pp_epilogue ep = {.scale = scale, .shift = shift, .residual = res, .relu = true};
    size_t ws_n = pp_conv2d_workspace_floats(&s, n, h, w, pp_threads_default());
    if (s.stride == 1 && s.kh == 3)
        CHECK(ws_n < (size_t)s.cin * 9 * out_n / s.cout, "workspace %zu should be a chunk, not the whole matrix", ws_n);
    float *ws = malloc(ws_n * 4);
    pp_conv2d_forward(a, x, wt, &s, n, h, w, &ep, ws, pp_threads_default());
    pp_conv2d_forward_ref(b, x, wt, &s, n, h, w, &ep);
    char what[96];
    snprintf(what, sizeof what, "chunked conv k%d s%d p%d %dx%d", s.kh, s.stride, s.pad, h, w);
    double e = pp_test_compare(what, a, b, out_n, 1e-5, 1);
    CHECK(e <= 1e-5, "%s: fast conv differs from reference: %.3g", what, e);
    free(x), free(wt), free(a), free(b), free(res), free(ws), free(scale), free(shift);
}

/* Chunks start and end mid-row, so the strided and padded row copies of
 * im2col meet every margin case. */
static void test_conv2d_chunked(void)
{
    chunked_case((pp_conv_shape){.cin = 64, .cout = 8, .kh = 3, .kw = 3, .stride = 1, .pad = 1}, 9, 40, 37);
    chunked_case((pp_conv_shape){.cin = 64, .cout = 8, .kh = 3, .kw = 3, .stride = 2, .pad = 1}, 9, 41, 37);
    chunked_case((pp_conv_shape){.cin = 24, .cout = 8, .kh = 7, .kw = 7, .stride = 2, .pad = 3}, 7, 45, 39);
    chunked_case((pp_conv_shape){.cin = 32, .cout = 8, .kh = 5, .kw = 5, .stride = 3, .pad = 4}, 7, 40, 23);
    chunked_case((pp_conv_shape){.cin = 256, .cout = 8, .kh = 1, .kw = 1, .stride = 2, .pad = 0}, 9, 40, 37);
    /* few input channels: the direct convolution, strides 1 and 2, odd sizes */
    chunked_case((pp_conv_shape){.cin = 8, .cout = 13, .kh = 3, .kw = 3, .stride = 1, .pad = 1}, 5, 29, 31);
    chunked_case((pp_conv_shape){.cin = 8, .cout = 13, .kh = 3, .kw = 3, .stride = 2, .pad = 1}, 5, 29, 31);
    /* stride 2 by the direct kernel on avx2 (from 12 output columns): the demo's 28x28, and two segments a row */
    chunked_case((pp_conv_shape){.cin = 8, .cout = 16, .kh = 3, .kw = 3, .stride = 2, .pad = 1}, 3, 28, 28);
    chunked_case((pp_conv_shape){.cin = 16, .cout = 8, .kh = 3, .kw = 3, .stride = 2, .pad = 1}, 2, 20, 45);
    chunked_case((pp_conv_shape){.cin = 3, .cout = 9, .kh = 7, .kw = 7, .stride = 2, .pad = 3}, 3, 37, 44);
    chunked_case((pp_conv_shape){.cin = 2, .cout = 5, .kh = 5, .kw = 5, .stride = 2, .pad = 0}, 3, 20, 19);
}

/* Winograd F(4x4,3x3) against the direct reference: sizes that are and are not
 * multiples of the tile, padding 0 and 1, several images, fused epilogue. */
static void winograd_case_on(int cin, int cout, int pad, int n, int h, int w, int threads)
{
    pp_conv_shape s = {.cin = cin, .cout = cout, .kh = 3, .kw = 3, .stride = 1, .pad = pad};
    int ho = pp_conv_out_size(h, 3, 1, pad), wo = pp_conv_out_size(w, 3, 1, pad);
    size_t in_n = (size_t)cin * n * h * w, out_n = (size_t)cout * n * ho * wo, w_n = (size_t)cout * cin * 9;
    float *x = malloc(in_n * 4), *wt = malloc(w_n * 4), *a = malloc(out_n * 4), *b = malloc(out_n * 4);
    float *res = malloc(out_n * 4), *u = malloc(pp_winograd_weight_floats(&s) * 4);
    float *ws = malloc(pp_winograd_workspace_floats(&s, n, h, w, threads) * 4);
    uint32_t r = 12345u + (uint32_t)(cin * 31 + h);
    for (size_t i = 0; i < in_n; i++)
        r = r * 1664525u + 1013904223u, x[i] = (float)(r >> 8) / (float)(1 << 24) * 2 - 1;
    for (size_t i = 0; i < w_n; i++)
        r = r * 1664525u + 1013904223u, wt[i] = ((float)(r >> 8) / (float)(1 << 24) - 0.5f) * 0.3f;
    for (size_t i = 0; i < out_n; i++)
        res[i] = (float)(i % 5) * 0.25f - 0.5f;
    float *scale = malloc(cout * 4), *shift = malloc(cout * 4);
    for (int k = 0; k < cout; k++)
        scale[k] = 0.5f + 0.01f * k, shift[k] = 0.1f - 0.003f * k;
    pp_epilogue ep = {.scale = scale, .shift = shift, .residual = res, .relu = true};
    CHECK(pp_winograd_transform_weights(u, wt, &s, threads), "kernel transform failed");
    pp_winograd_forward(a, x, u, &s, n, h, w, &ep, ws, threads);
    pp_conv2d_forward_ref(b, x, wt, &s, n, h, w, &ep);
    char what[96];
    snprintf(what, sizeof what, "winograd %dx%d c%d k%d pad %d n %d, %d threads", h, w, cin, cout, pad, n, threads);
    double e = pp_test_compare(what, a, b, out_n, 2e-5, 1);
    CHECK(e <= 2e-5, "%s: max relative error %.3g", what, e);
    free(x), free(wt), free(a), free(b), free(res), free(u), free(ws), free(scale), free(shift);
}

static void winograd_case(int cin, int cout, int pad, int n, int h, int w)
{
    winograd_case_on(cin, cout, pad, n, h, w, pp_threads_default());
}

static void test_winograd(void)
{
    winograd_case(3, 4, 1, 1, 8, 8);
    winograd_case(16, 8, 1, 3, 13, 11);
    winograd_case(8, 16, 0, 2, 9, 14);
    winograd_case(64, 64, 1, 2, 32, 32);
    winograd_case(5, 7, 1, 1, 1, 1);
    winograd_case(32, 24, 1, 40, 7, 5); /* many tiles: several chunks per thread */
    winograd_case(300, 100, 1, 2, 6, 6); /* kernels packed in several row bands and depth blocks */
    /* few tiles on several threads: one shared chunk split by channel and position */
    winograd_case_on(32, 40, 1, 1, 14, 14, 2);  /* 16 tiles (ResNet18's layer3 at batch 1) */
    winograd_case_on(33, 17, 1, 2, 9, 10, 3);   /* 18 tiles, counts that do not split evenly */
    winograd_case_on(64, 64, 1, 1, 28, 28, 2);  /* 49 tiles */
    winograd_case_on(20, 24, 0, 3, 6, 6, 4);    /* 3 tiles: fewer than the threads */
}

static void test_batchnorm_relu(void)
{
    pp_npy x = F("bn_x.npy"), p = F("bn_params.npy"), y = F("bn_y.npy"), r = F("relu_y.npy");
    const float *g = p.data;
    int c = 5;
    size_t plane = (size_t)pp_npy_numel(&x) / c;
    float *t = malloc(pp_npy_numel(&x) * 4);
    memcpy(t, x.data, pp_npy_numel(&x) * 4);
    pp_batchnorm_forward(t, g, g + c, g + 2 * c, g + 3 * c, PP_BN_EPS, c, plane, pp_threads_default());
    check_close("batchnorm", t, &y, 1e-5);
    /* the folded affine used in conv epilogues must give the same result */
    float scale[5], shift[5];
    pp_batchnorm_fold(scale, shift, g, g + c, g + 2 * c, g + 3 * c, PP_BN_EPS, c);
    memcpy(t, x.data, pp_npy_numel(&x) * 4);
    pp_epilogue ep = {.scale = scale, .shift = shift};
    pp_epilogue_apply(t, c, plane, 0, plane, &ep, pp_threads_default());
    check_close("batchnorm folded", t, &y, 1e-5);
    memcpy(t, x.data, pp_npy_numel(&x) * 4);
    pp_relu_forward(t, (size_t)pp_npy_numel(&x), pp_threads_default());
    check_close("relu", t, &r, 0);
    free(t);
    pp_npy_free(&x), pp_npy_free(&p), pp_npy_free(&y), pp_npy_free(&r);
}

static void test_pools(void)
{
    pp_npy x = F("pool_x.npy"), mp = F("maxpool_3_2_1_y.npy"), a3 = F("avgpool_3_y.npy"), a5 = F("avgpool_5_y.npy"),
           inc = F("avgpool_3_2_1_incl_y.npy"), gap = F("gap_y.npy");
    size_t planes = 6; /* C=3 x N=2 */
    int h = 11, w = 10;
    float *out = malloc(pp_npy_numel(&x) * 4);
    pp_maxpool2d_forward(out, x.data, planes, h, w, 3, 2, 1, pp_threads_default());
    check_close("maxpool 3/2/1", out, &mp, 0);
    pp_avgpool2d_forward(out, x.data, planes, h, w, 3, 1, 1, false, pp_threads_default());
    check_close("avgpool 3 count_include_pad=False", out, &a3, 1e-6);
    pp_avgpool2d_forward(out, x.data, planes, h, w, 5, 1, 2, false, pp_threads_default());
    check_close("avgpool 5 count_include_pad=False", out, &a5, 1e-6);
    pp_avgpool2d_forward(out, x.data, planes, h, w, 3, 2, 1, true, pp_threads_default());
    check_close("avgpool 3/2/1 count_include_pad=True", out, &inc, 1e-6);
    pp_global_avgpool_forward(out, x.data, planes, (size_t)h * w, pp_threads_default());
    check_close("global average pool", out, &gap, 1e-6);
    free(out);
    pp_npy_free(&x), pp_npy_free(&mp), pp_npy_free(&a3), pp_npy_free(&a5), pp_npy_free(&inc), pp_npy_free(&gap);
}

static void test_linear(void)
{
    pp_npy x = F("linear_x.npy"), w = F("linear_w.npy"), b = F("linear_b.npy"), y = F("linear_y.npy");
    float out[15];
    pp_linear_forward(out, x.data, w.data, b.data, 3, 12, 5, pp_threads_default());
    check_close("linear", out, &y, 1e-5);
    pp_npy_free(&x), pp_npy_free(&w), pp_npy_free(&b), pp_npy_free(&y);
}

/* Above the threading threshold (a classifier of 512 -> 1000 at batch 2): the
 * output bands of two threads against the plain sums. */
static void test_linear_threaded(void)
{
    enum { N = 2, C = 512, O = 1000 };
    float *x = malloc(sizeof(float) * C * N), *w = malloc(sizeof(float) * O * C), *b = malloc(sizeof(float) * O);
    float *got = malloc(sizeof(float) * N * O), *want = malloc(sizeof(float) * N * O);
    for (int i = 0; i < C * N; i++)
        x[i] = (float)(i % 29) / 29.0f - 0.5f;
    for (int i = 0; i < O * C; i++)
        w[i] = (float)(i % 31) / 31.0f - 0.5f;
    for (int o = 0; o < O; o++)
        b[o] = (float)(o % 7) - 3.0f;
    for (int i = 0; i < N; i++)
        for (int o = 0; o < O; o++) {
            double acc = b[o];
            for (int c = 0; c < C; c++)
                acc += (double)x[c * N + i] * w[(size_t)o * C + c];
            want[i * O + o] = (float)acc;
        }
    pp_linear_forward(got, x, w, b, N, C, O, 2);
    double e = pp_test_compare("linear threaded", got, want, (size_t)N * O, 1e-5, 1);
    CHECK(e <= 1e-5, "linear on 2 threads: max relative error %.3g (a band misplaced or missed)", e);
    free(x), free(w), free(b), free(got), free(want);
}

static void pushpull_case(int avg)
{
    char buf[64];
#define LOAD(suffix) (snprintf(buf, sizeof buf, "pp%d_%s.npy", avg, suffix), F(buf))
    pp_npy x = LOAD("x"), w = LOAD("w"), alpha = LOAD("alpha"), bias = LOAD("bias"), pk = LOAD("pullkernel"),
           push = LOAD("push"), pull = LOAD("pull"), y = LOAD("y"), eff = LOAD("effective");
#undef LOAD
    const int k = 6, c = 3, n = 2, h = 12, wd = 11;
    const size_t per = (size_t)c * 5 * 5;
    float stacked[2 * 6 * 75];
    memcpy(stacked, w.data, sizeof(float) * k * per);
    pp_pushpull_pull_kernels(stacked + k * per, w.data, k, per);
    snprintf(buf, sizeof buf, "pull kernel (avg %d)", avg);
    check_close(buf, stacked + k * per, &pk, 1e-6);

    pp_pushpull_unit u = {.shape = {.cin = c, .cout = k, .kh = 5, .kw = 5, .stride = 1, .pad = 2},
                          .weight = w.data, .alpha = alpha.data, .bias = bias.data, .avg_kernel = avg,
                          .stacked = stacked};
    size_t p_total = (size_t)n * h * wd;
    float *out = malloc(sizeof(float) * k * p_total), *resp = malloc(sizeof(float) * 2 * k * p_total),
          *scratch = malloc(sizeof(float) * pp_pushpull_scratch_floats(&u, n, h, wd, pp_threads_default()));
    float *ws = malloc(sizeof(float) * (pp_conv2d_workspace_floats(&u.shape, n, h, wd, pp_threads_default()) * 2 + 1));
    pp_pushpull_forward(out, resp, scratch, x.data, &u, n, h, wd, ws, pp_threads_default());
    snprintf(buf, sizeof buf, "push response (avg %d)", avg);
    check_close(buf, resp, &push, 1e-5);
    snprintf(buf, sizeof buf, "pull response (avg %d)", avg);
    check_close(buf, resp + k * p_total, &pull, 1e-5);
    snprintf(buf, sizeof buf, "unit output (avg %d)", avg);
    check_close(buf, out, &y, 1e-5);

    /* the unit with the BN + ReLU after it fused (forward.c's first layer):
     * PyTorch's unit output through that BN and ReLU */
    float scale[6], shift[6], *want = malloc(sizeof(float) * k * p_total);
    for (int q = 0; q < k; q++) {
        scale[q] = 0.5f + 0.25f * q;
        shift[q] = 0.3f - 0.1f * q;
        for (size_t p = 0; p < p_total; p++) {
            double v = (double)((const float *)y.data)[q * p_total + p] * scale[q] + shift[q];
            want[q * p_total + p] = v > 0 ? (float)v : 0.0f;
        }
    }
    pp_epilogue bn = {.scale = scale, .shift = shift, .relu = true};
    pp_pushpull_forward_bn(out, resp, scratch, x.data, &u, n, h, wd, &bn, ws, pp_threads_default());
    snprintf(buf, sizeof buf, "unit output + BN + ReLU fused (avg %d)", avg);
    double fused_err = pp_test_compare(buf, out, want, (size_t)k * p_total, 1e-5, 1);
    CHECK(fused_err <= 1e-5, "%s: max relative error %.3g (the fused BN differs from BN after the unit)", buf,
          fused_err);
    snprintf(buf, sizeof buf, "pull response, BN fused (avg %d)", avg);
    check_close(buf, resp + k * p_total, &pull, 1e-5);

    /* without responses (inference without the push/pull taps): the unit
     * works in out alone, with and without the fused BN */
    for (size_t i = 0; i < (size_t)k * p_total; i++)
        out[i] = NAN;
    pp_pushpull_forward_bn(out, NULL, scratch, x.data, &u, n, h, wd, &bn, ws, pp_threads_default());
    snprintf(buf, sizeof buf, "unit output + BN + ReLU, in place (avg %d)", avg);
    fused_err = pp_test_compare(buf, out, want, (size_t)k * p_total, 1e-5, 1);
    CHECK(fused_err <= 1e-5, "%s: max relative error %.3g (the in-place unit differs)", buf, fused_err);
    pp_pushpull_forward(out, NULL, scratch, x.data, &u, n, h, wd, ws, pp_threads_default());
    snprintf(buf, sizeof buf, "unit output, in place (avg %d)", avg);
    check_close(buf, out, &y, 1e-5);
    free(want);

    float *e = malloc(sizeof(float) * (size_t)pp_npy_numel(&eff));
    CHECK(pp_pushpull_effective_size(&u) == (int)eff.shape[2], "effective size %d, want %lld",
          pp_pushpull_effective_size(&u), (long long)eff.shape[2]);
    pp_pushpull_effective_kernels(e, &u, -1.0f);
    snprintf(buf, sizeof buf, "effective kernel (avg %d)", avg);
    check_close(buf, e, &eff, 1e-5);
    free(out), free(resp), free(scratch), free(ws), free(e);
    pp_npy_free(&x), pp_npy_free(&w), pp_npy_free(&alpha), pp_npy_free(&bias), pp_npy_free(&pk);
    pp_npy_free(&push), pp_npy_free(&pull), pp_npy_free(&y), pp_npy_free(&eff);
}

static void test_pushpull_unit(void)
{
    pushpull_case(0);
    pushpull_case(3);
    pushpull_case(5);
}

/* Pools on planes of every small size (windows clipped on one side, both
 * sides, or with no interior at all) against the definition. */
static void test_pool_edges(void)
{
    float in[9 * 9], got[9 * 9], want[9 * 9];
    for (int i = 0; i < 81; i++)
        in[i] = (float)((i * 37) % 17) - 8.0f;
    const int configs[][3] = {{3, 1, 1}, {3, 2, 1}, {5, 1, 2}, {2, 2, 0}, {3, 1, 0}};
    for (int h = 1; h <= 9; h++)
        for (int w = 1; w <= 9; w++)
            for (int c = 0; c < 5; c++) {
                const int k = configs[c][0], stride = configs[c][1], pad = configs[c][2];
                if (h + 2 * pad < k || w + 2 * pad < k)
                    continue;
                const int ho = pp_conv_out_size(h, k, stride, pad), wo = pp_conv_out_size(w, k, stride, pad);
                for (int max = 0; max < 2; max++) {
                    for (int oy = 0; oy < ho; oy++)
                        for (int ox = 0; ox < wo; ox++) {
                            float acc = max ? -INFINITY : 0.0f;
                            int cells = 0;
                            for (int y = oy * stride - pad; y < oy * stride - pad + k; y++)
                                for (int x = ox * stride - pad; x < ox * stride - pad + k; x++)
                                    if (y >= 0 && y < h && x >= 0 && x < w) {
                                        float v = in[y * w + x];
                                        acc = max ? fmaxf(acc, v) : acc + v;
                                        cells++;
                                    }
                            want[oy * wo + ox] = max ? acc : acc / (float)cells;
                        }
                    if (max)
                        pp_maxpool2d_forward(got, in, 1, h, w, k, stride, pad, pp_threads_default());
                    else
                        pp_avgpool2d_forward(got, in, 1, h, w, k, stride, pad, false, pp_threads_default());
                    char what[64];
                    snprintf(what, sizeof what, "%s %dx%d k%d s%d p%d", max ? "max" : "avg", h, w, k, stride, pad);
                    double e = pp_test_compare(what, got, want, (size_t)ho * wo, 1e-6, 0);
                    CHECK(e <= 1e-6, "%s: off by %.3g", what, e);
                }
            }
}

int main(void)
{
    RUN_TEST(test_conv2d);
    RUN_TEST(test_conv2d_chunked);
    RUN_TEST(test_winograd);
    RUN_TEST(test_batchnorm_relu);
    RUN_TEST(test_pools);
    RUN_TEST(test_pool_edges);
    RUN_TEST(test_linear);
    RUN_TEST(test_linear_threaded);
    RUN_TEST(test_pushpull_unit);
    return TEST_EXIT();
}

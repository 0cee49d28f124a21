/* EfficientNet's layers (ops/depthwise_conv.h, squeeze_excite.h, silu.h,
 * residual_add.h, zero_pad.h) against autograd (tests/make_arch_fixtures_effnet.py,
 * ops.safetensors: every output and gradient within 1e-4 relative) and against
 * central finite differences of the loss sum(y * dy) (1e-2 relative, float). */
#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../fixture.h"
#include "../test_util.h"
#include "ckpt/safetensors.h"
#include "ops/conv2d.h"
#include "ops/depthwise_conv.h"
#include "ops/residual_add.h"
#include "ops/silu.h"
#include "ops/squeeze_excite.h"
#include "ops/zero_pad.h"

#define TOL 1e-4

static pp_state_dict ops;

static const pp_sd_entry *get(const char *prefix, const char *part)
{
    char name[96];
    snprintf(name, sizeof name, "%s.%s", prefix, part);
    const pp_sd_entry *e = pp_sd_find(&ops, name);
    CHECK(e != NULL && e->dtype == PP_DTYPE_F32, "ops.safetensors has no float %s", name);
    return e;
}

static void compare(const char *prefix, const char *part, const float *got)
{
    const pp_sd_entry *e = get(prefix, part);
    if (!e)
        return;
    char what[96];
    snprintf(what, sizeof what, "%s.%s", prefix, part);
    double err = pp_test_compare(what, got, e->data, (size_t)pp_sd_entry_numel(e), TOL, 1);
    CHECK(err <= TOL, "%s: max relative error %.3g", what, err);
}

/* The loss sum(y * dy) of a forward `fn` at the current parameters. */
typedef double (*loss_fn)(void *ctx);

/* Central differences of the loss by every entry of v (at most `limit`,
 * spread over v) against the analytic gradient g. */
static void finite_differences(const char *what, float *v, const float *g, size_t count, loss_fn loss, void *ctx)
{
    const size_t step = count > 40 ? count / 40 : 1;
    double worst = 0, scale = 0;
    for (size_t i = 0; i < count; i++)
        scale = fmax(scale, fabs(g[i]));
    for (size_t i = 0; i < count; i += step) {
        const float keep = v[i], h = 1e-2f * fmaxf(1.0f, fabsf(keep));
        v[i] = keep + h;
        double up = loss(ctx);
        v[i] = keep - h;
        double down = loss(ctx);
        v[i] = keep;
        double num = (up - down) / (2.0 * (double)h);
        worst = fmax(worst, fabs(num - g[i]) / fmax(scale, 1e-6));
    }
    CHECK(worst < 1e-2, "%s: finite differences off by %.3g of the largest gradient", what, worst);
}

static double dot(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

/* ---- depthwise ---- */

typedef struct {
    pp_depthwise_conv d;
    float *x, *y;
    const float *dy;
    int n, h, w;
    size_t ycount;
} dw_case;

static double dw_loss(void *p)
{
    dw_case *c = p;
    pp_depthwise_forward(c->y, c->x, &c->d, c->n, c->h, c->w, 1);
    return dot(c->y, c->dy, c->ycount);
}

static void test_depthwise(void)
{
    static const struct {
        int k, s, l, r, t, b;
    } cases[] = {{3, 1, 1, 1, 1, 1}, {3, 2, 1, 1, 1, 1}, {5, 1, 2, 2, 2, 2},
                 {5, 2, 2, 2, 2, 2}, {3, 2, 0, 1, 0, 1}, {5, 2, 1, 2, 1, 2}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "dw_%d_s%d_%d%d%d%d", cases[i].k, cases[i].s, cases[i].l, cases[i].r,
                 cases[i].t, cases[i].b);
        const pp_sd_entry *x = get(prefix, "x"), *w = get(prefix, "w"), *y = get(prefix, "y"), *dy = get(prefix, "dy");
        if (!x || !w || !y || !dy)
            continue;
        /* x is (C, N, H, W) */
        dw_case c = {.d = {.channels = (int)x->shape[0], .k = cases[i].k, .stride = cases[i].s,
                           .pad_top = cases[i].t, .pad_left = cases[i].l, .pad_bottom = cases[i].b,
                           .pad_right = cases[i].r},
                     .n = (int)x->shape[1], .h = (int)x->shape[2], .w = (int)x->shape[3],
                     .ycount = (size_t)pp_sd_entry_numel(y), .dy = dy->data};
        const size_t xcount = (size_t)pp_sd_entry_numel(x), wcount = (size_t)pp_sd_entry_numel(w);
        c.x = malloc(xcount * sizeof(float));
        float *wk = malloc(wcount * sizeof(float));
        c.y = malloc(c.ycount * sizeof(float));
        float *ref = malloc(c.ycount * sizeof(float)), *dx = calloc(xcount, sizeof(float));
        float *dw = calloc(wcount, sizeof(float));
        memcpy(c.x, x->data, xcount * sizeof(float));
        memcpy(wk, w->data, wcount * sizeof(float));
        c.d.weight = wk;
        CHECK(pp_depthwise_out_size(c.h, c.d.k, c.d.stride, c.d.pad_top, c.d.pad_bottom) == y->shape[2] &&
                  pp_depthwise_out_size(c.w, c.d.k, c.d.stride, c.d.pad_left, c.d.pad_right) == y->shape[3],
              "%s: output size", prefix);
        for (int threads = 1; threads <= 2; threads++) {
            pp_depthwise_forward(c.y, c.x, &c.d, c.n, c.h, c.w, threads);
            compare(prefix, "y", c.y);
            memset(dx, 0, xcount * sizeof(float));
            memset(dw, 0, wcount * sizeof(float));
            pp_depthwise_backward(dx, dw, dy->data, c.x, &c.d, c.n, c.h, c.w, threads);
            compare(prefix, "dx", dx);
            compare(prefix, "dw", dw);
        }
        pp_depthwise_forward_ref(ref, c.x, &c.d, c.n, c.h, c.w);
        compare(prefix, "y", ref);
        char what[64];
        snprintf(what, sizeof what, "%s dx", prefix);
        finite_differences(what, c.x, dx, xcount, dw_loss, &c);
        snprintf(what, sizeof what, "%s dw", prefix);
        finite_differences(what, wk, dw, wcount, dw_loss, &c);
        free(c.x), free(wk), free(c.y), free(ref), free(dx), free(dw);
    }
}

/* ---- squeeze-excite ---- */

typedef struct {
    pp_squeeze_excite se;
    float *x, *y, *scratch;
    const float *dy;
    int n;
    size_t hw, count;
} se_case;

static double se_loss(void *p)
{
    se_case *c = p;
    pp_se_forward(c->y, c->x, &c->se, c->n, c->hw, c->scratch, 1);
    return dot(c->y, c->dy, c->count);
}

static float *copy_of(const pp_sd_entry *e)
{
    float *p = malloc((size_t)pp_sd_entry_numel(e) * sizeof(float));
    memcpy(p, e->data, (size_t)pp_sd_entry_numel(e) * sizeof(float));
    return p;
}

static void test_squeeze_excite(void)
{
    const pp_sd_entry *x = get("se", "x"), *w1 = get("se", "w1"), *b1 = get("se", "b1"), *w2 = get("se", "w2"),
                      *b2 = get("se", "b2"), *dy = get("se", "dy");
    if (!x || !w1 || !b1 || !w2 || !b2 || !dy)
        return;
    se_case c = {.n = (int)x->shape[1], .hw = (size_t)x->shape[2] * x->shape[3], .count = (size_t)pp_sd_entry_numel(x),
                 .dy = dy->data};
    float *pw1 = copy_of(w1), *pb1 = copy_of(b1), *pw2 = copy_of(w2), *pb2 = copy_of(b2);
    c.se = (pp_squeeze_excite){.channels = (int)x->shape[0], .squeeze = (int)w1->shape[0], .w1 = pw1, .b1 = pb1,
                               .w2 = pw2, .b2 = pb2};
    c.x = copy_of(x);
    c.y = malloc(c.count * sizeof(float));
    c.scratch = malloc(pp_se_scratch_floats(&c.se, c.n) * sizeof(float));
    float *dx = malloc(c.count * sizeof(float));
    float *g[4] = {calloc(64, sizeof(float)), calloc(64, sizeof(float)), calloc(64, sizeof(float)),
                   calloc(64, sizeof(float))};
    for (int threads = 1; threads <= 2; threads++) {
        pp_se_forward(c.y, c.x, &c.se, c.n, c.hw, c.scratch, threads);
        compare("se", "y", c.y);
        for (int i = 0; i < 4; i++)
            memset(g[i], 0, 64 * sizeof(float));
        pp_se_backward(dx, g[0], g[1], g[2], g[3], dy->data, c.x, &c.se, c.n, c.hw, c.scratch, threads);
        compare("se", "dx", dx);
        compare("se", "dw1", g[0]);
        compare("se", "db1", g[1]);
        compare("se", "dw2", g[2]);
        compare("se", "db2", g[3]);
    }
    /* in place, as inference runs it */
    memcpy(c.y, c.x, c.count * sizeof(float));
    pp_se_forward(c.y, c.y, &c.se, c.n, c.hw, c.scratch, 2);
    compare("se", "y", c.y);
    finite_differences("se dx", c.x, dx, c.count, se_loss, &c);
    finite_differences("se dw1", pw1, g[0], (size_t)pp_sd_entry_numel(w1), se_loss, &c);
    finite_differences("se db1", pb1, g[1], (size_t)pp_sd_entry_numel(b1), se_loss, &c);
    finite_differences("se dw2", pw2, g[2], (size_t)pp_sd_entry_numel(w2), se_loss, &c);
    finite_differences("se db2", pb2, g[3], (size_t)pp_sd_entry_numel(b2), se_loss, &c);
    free(pw1), free(pb1), free(pw2), free(pb2), free(c.x), free(c.y), free(c.scratch), free(dx);
    for (int i = 0; i < 4; i++)
        free(g[i]);
}

/* ---- SiLU ---- */

typedef struct {
    float *x, *y;
    const float *dy;
    size_t count;
} silu_case;

static double silu_loss(void *p)
{
    silu_case *c = p;
    pp_silu_forward(c->y, c->x, c->count, 1);
    return dot(c->y, c->dy, c->count);
}

static void test_silu(void)
{
    double worst = 0;
    for (float v = -87.0f; v <= 88.0f; v += 0.0137f)
        worst = fmax(worst, fabs((double)pp_fast_expf(v) - exp((double)v)) / exp((double)v));
    CHECK(worst < 2.5e-7, "pp_fast_expf: relative error %.3g over [-87, 88]", worst);
    const pp_sd_entry *x = get("silu", "x"), *dy = get("silu", "dy");
    if (!x || !dy)
        return;
    silu_case c = {.x = copy_of(x), .dy = dy->data, .count = (size_t)pp_sd_entry_numel(x)};
    c.y = malloc(c.count * sizeof(float));
    float *dx = malloc(c.count * sizeof(float));
    pp_silu_forward(c.y, c.x, c.count, 2);
    compare("silu", "y", c.y);
    pp_silu_backward(dx, dy->data, c.x, c.count, 2);
    compare("silu", "dx", dx);
    finite_differences("silu dx", c.x, dx, c.count, silu_loss, &c);
    free(c.x), free(c.y), free(dx);
}

/* ---- drop-connect and the residual add ---- */

static void test_drop_connect(void)
{
    enum { C = 3, N = 4000, P = 2 };
    const pp_drop_connect d = {.rate = 0.25f};
    float *scale = malloc(N * sizeof(float)), *again = malloc(N * sizeof(float));
    pp_drop_connect_draw(scale, N, &d, 42);
    pp_drop_connect_draw(again, N, &d, 42);
    CHECK(memcmp(scale, again, N * sizeof(float)) == 0, "the same seed gives the same masks");
    pp_drop_connect_draw(again, N, &d, 43);
    CHECK(memcmp(scale, again, N * sizeof(float)) != 0, "another seed gives other masks");
    int kept = 0;
    bool values = true;
    for (int i = 0; i < N; i++) {
        kept += scale[i] != 0.0f;
        values = values && (scale[i] == 0.0f || fabsf(scale[i] - 1.0f / 0.75f) < 1e-6f);
    }
    CHECK(values, "factors are 0 or 1 / keep");
    CHECK(fabs(kept / (double)N - 0.75) < 0.03, "kept %d of %d samples, want about 75%%", kept, N);
    const pp_drop_connect none = {0};
    pp_drop_connect_draw(again, N, &none, 42);
    bool ones = true;
    for (int i = 0; i < N; i++)
        ones = ones && again[i] == 1.0f;
    CHECK(ones, "rate 0 keeps every branch as it is");

    /* y = x + branch * scale per sample; dbranch = dy * scale; eval (NULL) is the sum */
    float *x = malloc(sizeof(float) * C * N * P), *b = malloc(sizeof(float) * C * N * P);
    float *y = malloc(sizeof(float) * C * N * P), *g = malloc(sizeof(float) * C * N * P);
    for (int i = 0; i < C * N * P; i++) {
        x[i] = (float)(i % 7) - 3.0f;
        b[i] = (float)(i % 5) * 0.5f;
    }
    pp_residual_add_forward(y, b, x, scale, C, N, P, false, 2);
    bool ok = true;
    for (int c = 0; c < C; c++)
        for (int i = 0; i < N; i++)
            for (int p = 0; p < P; p++) {
                size_t k = ((size_t)c * N + i) * P + p;
                ok = ok && fabsf(y[k] - (x[k] + b[k] * scale[i])) < 1e-6f;
            }
    CHECK(ok, "training forward: x + branch * mask / keep per sample");
    pp_residual_add_backward(g, NULL, false, x, NULL, scale, C, N, P, false, 2);
    ok = true;
    for (int c = 0; c < C; c++)
        for (int i = 0; i < N; i++)
            ok = ok && g[((size_t)c * N + i) * P] == x[((size_t)c * N + i) * P] * scale[i];
    CHECK(ok, "backward: dy * mask / keep");
    pp_residual_add_forward(y, b, x, NULL, C, N, P, false, 1);
    ok = true;
    for (int i = 0; i < C * N * P; i++)
        ok = ok && y[i] == x[i] + b[i];
    CHECK(ok, "evaluation: the plain sum");
    free(scale), free(again), free(x), free(b), free(y), free(g);
}

static void test_zero_pad(void)
{
    const pp_zero_pad p = {.top = 0, .left = 1, .bottom = 2, .right = 0};
    float in[2 * 2 * 3] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, out[2 * 4 * 4], back[12] = {0};
    pp_zero_pad_forward(out, in, &p, 2, 2, 3, 2);
    static const float want[16] = {0, 1, 2, 3, 0, 4, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK(memcmp(out, want, sizeof want) == 0, "zero pad (0 top, 1 left, 2 bottom, 0 right)");
    CHECK(out[16 + 1] == 7 && out[16 + 4 + 3] == 12, "second plane");
    pp_zero_pad_backward(back, out, &p, 2, 2, 3, 1);
    CHECK(memcmp(back, in, sizeof in) == 0, "its backward takes the interior");
}

/* ---- the inference forward's fused kernels against the plain loops ---- */

static float next_uniform(uint32_t *state) /* [-1, 1) */
{
    *state = *state * 1664525u + 1013904223u;
    return (float)(*state >> 8) / 8388608.0f - 1.0f;
}

static float *random_floats(size_t count, uint32_t seed)
{
    float *v = malloc(count * sizeof(float));
    for (size_t i = 0; i < count; i++)
        v[i] = 2.0f * next_uniform(&seed);
    return v;
}

static double silu_exact(double v)
{
    return v / (1.0 + exp(-v));
}

/* pp_depthwise_forward_fused (register blocks, BN, SiLU and the plane sums in
 * one pass) against pp_depthwise_forward_ref and the epilogue in double:
 * widths across the block sizes (8, 16, 32, 64 outputs) and their tails,
 * heights off the blocks' 7, 4 and 2 rows, odd sizes, stride 2, 5x5,
 * TensorFlow's uneven pads, a 7x7 kernel (the plain fallback), channel counts
 * off the vector widths, batches 1 and 3. */
static void test_depthwise_fused(void)
{
    static const struct {
        int c, n, h, w, k, s, t, l, b, r;
    } cases[] = {
        {3, 1, 9, 7, 3, 1, 1, 1, 1, 1},     {5, 3, 11, 17, 3, 2, 1, 1, 1, 1},  {7, 1, 13, 33, 5, 1, 2, 2, 2, 2},
        {17, 3, 15, 31, 5, 2, 1, 1, 2, 2},  {9, 1, 8, 70, 3, 1, 1, 1, 1, 1},   {6, 3, 5, 129, 5, 2, 2, 2, 2, 2},
        {11, 1, 6, 6, 3, 2, 0, 0, 1, 1},    {4, 3, 23, 113, 3, 2, 0, 0, 1, 1}, {2, 1, 4, 4, 5, 1, 2, 2, 2, 2},
        {3, 3, 10, 12, 7, 1, 3, 3, 3, 3},   {5, 1, 12, 15, 3, 3, 1, 1, 1, 1},  {33, 1, 7, 7, 5, 1, 2, 2, 2, 2},
        {6, 2, 14, 14, 5, 1, 2, 2, 2, 2},   {5, 2, 14, 14, 3, 1, 1, 1, 1, 1},  {4, 3, 14, 14, 5, 2, 1, 1, 2, 2},
        {3, 2, 28, 28, 3, 1, 1, 1, 1, 1},   {3, 1, 9, 8, 3, 1, 1, 1, 1, 1},    {2, 2, 11, 21, 5, 1, 2, 2, 2, 2},
        {3, 1, 57, 57, 3, 2, 0, 0, 1, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const pp_depthwise_conv d = {.channels = cases[i].c, .k = cases[i].k, .stride = cases[i].s,
                                     .pad_top = cases[i].t, .pad_left = cases[i].l, .pad_bottom = cases[i].b,
                                     .pad_right = cases[i].r,
                                     .weight = random_floats((size_t)cases[i].c * cases[i].k * cases[i].k, 7 + i)};
        const int n = cases[i].n, h = cases[i].h, w = cases[i].w;
        const int ho = pp_depthwise_out_size(h, d.k, d.stride, d.pad_top, d.pad_bottom);
        const int wo = pp_depthwise_out_size(w, d.k, d.stride, d.pad_left, d.pad_right);
        const size_t planes = (size_t)d.channels * n, out_count = planes * ho * wo;
        float *x = random_floats(planes * h * w, 100 + i), *scale = random_floats((size_t)d.channels, 200 + i);
        float *shift = random_floats((size_t)d.channels, 300 + i);
        float *ref = malloc(out_count * sizeof(float)), *got = malloc(out_count * sizeof(float));
        float *want = malloc(out_count * sizeof(float)), *sums = malloc(planes * sizeof(float));
        double *want_sums = calloc(planes, sizeof(double));
        pp_depthwise_forward_ref(ref, x, &d, n, h, w);
        for (size_t p = 0; p < planes; p++)
            for (size_t j = 0; j < (size_t)ho * wo; j++) {
                const size_t at = p * ho * wo + j;
                want[at] = (float)silu_exact((double)ref[at] * scale[p / n] + shift[p / n]);
                want_sums[p] += want[at];
            }
        char what[96];
        for (int threads = 1; threads <= 3; threads += 2) {
            snprintf(what, sizeof what, "case %zu (%dx%d k%d s%d) threads %d", i, h, w, d.k, d.stride, threads);
            pp_depthwise_forward(got, x, &d, n, h, w, threads);
            double err = pp_test_compare(what, got, ref, out_count, TOL, 1);
            CHECK(err <= TOL, "%s: plain depthwise off by %.3g", what, err);
            const pp_depthwise_epilogue ep = {.scale = scale, .shift = shift, .silu = true, .plane_sums = sums};
            pp_depthwise_forward_fused(got, x, &d, n, h, w, &ep, threads);
            err = pp_test_compare(what, got, want, out_count, TOL, 1);
            CHECK(err <= TOL, "%s: fused depthwise + BN + SiLU off by %.3g", what, err);
            for (size_t p = 0; p < planes; p++)
                CHECK(fabs(sums[p] - want_sums[p]) <= 1e-4 * (1.0 + fabs(want_sums[p])),
                      "%s: plane %zu sums to %g, want %g", what, p, sums[p], want_sums[p]);
        }
        free((void *)d.weight), free(x), free(scale), free(shift), free(ref), free(got), free(want), free(sums);
        free(want_sums);
    }
}

/* pp_se_forward_pooled with the sums of the planes against pp_se_forward. */
static void test_se_pooled(void)
{
    const int C = 19, S = 5;
    const size_t hw = 37;
    for (int n = 1; n <= 3; n += 2) {
        pp_squeeze_excite se = {.channels = C, .squeeze = S, .w1 = random_floats((size_t)S * C, 1),
                                .b1 = random_floats(S, 2), .w2 = random_floats((size_t)C * S, 3),
                                .b2 = random_floats(C, 4)};
        float *x = random_floats((size_t)C * n * hw, 5), *y = malloc((size_t)C * n * hw * sizeof(float));
        float *want = malloc((size_t)C * n * hw * sizeof(float)), *sums = malloc((size_t)C * n * sizeof(float));
        float *scratch = malloc(pp_se_scratch_floats(&se, n) * sizeof(float));
        for (int p = 0; p < C * n; p++) {
            double acc = 0;
            for (size_t i = 0; i < hw; i++)
                acc += x[(size_t)p * hw + i];
            sums[p] = (float)acc;
        }
        pp_se_forward(want, x, &se, n, hw, scratch, 2);
        pp_se_forward_pooled(y, x, sums, &se, n, hw, scratch, 2);
        double err = pp_test_compare("se pooled", y, want, (size_t)C * n * hw, TOL, 1);
        CHECK(err <= TOL, "batch %d: squeeze-excite from plane sums off by %.3g", n, err);
        free((void *)se.w1), free((void *)se.b1), free((void *)se.w2), free((void *)se.b2);
        free(x), free(y), free(want), free(sums), free(scratch);
    }
}

/* A 1x1 convolution with BN and SiLU in its epilogue (the expansions)
 * against the convolution alone and SiLU in double, at column counts that
 * split by columns (one chunk and several) and by output channels. */
static void test_pointwise_silu(void)
{
    static const struct {
        int cin, cout, n, hw;
    } cases[] = {{16, 96, 3, 1111}, {5, 7, 1, 13}, {40, 240, 1, 49}, {3, 600, 2, 700}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const pp_conv_shape shape = {.cin = cases[i].cin, .cout = cases[i].cout, .kh = 1, .kw = 1, .stride = 1};
        const int n = cases[i].n, hw = cases[i].hw;
        const size_t out_count = (size_t)shape.cout * n * hw;
        float *x = random_floats((size_t)shape.cin * n * hw, 10 + i);
        float *wt = random_floats((size_t)shape.cout * shape.cin, 20 + i);
        float *scale = random_floats((size_t)shape.cout, 30 + i), *shift = random_floats((size_t)shape.cout, 40 + i);
        float *plain = malloc(out_count * sizeof(float)), *got = malloc(out_count * sizeof(float));
        float *want = malloc(out_count * sizeof(float));
        pp_conv2d_forward_ref(plain, x, wt, &shape, n, hw, 1, NULL);
        for (size_t j = 0; j < out_count; j++) {
            const size_t k = j / ((size_t)n * hw);
            want[j] = (float)silu_exact((double)plain[j] * scale[k] + shift[k]);
        }
        const pp_epilogue ep = {.scale = scale, .shift = shift, .silu = true};
        for (int threads = 1; threads <= 2; threads++) {
            pp_conv2d_forward(got, x, wt, &shape, n, hw, 1, &ep, NULL, threads);
            char what[64];
            snprintf(what, sizeof what, "1x1 %d->%d, %d x %d, %d threads", shape.cin, shape.cout, n, hw, threads);
            double err = pp_test_compare(what, got, want, out_count, TOL, 1);
            CHECK(err <= TOL, "%s: conv + BN + SiLU epilogue off by %.3g", what, err);
        }
        free(x), free(wt), free(scale), free(shift), free(plain), free(got), free(want);
    }
}

/* Every SiLU kernel over ordinary inputs computes no subnormal, not even in
 * lanes it blends away: GCC vectorised sigmoid's saturated branch as
 * v * sigmoid(-88) = v * 6e-39 in every lane, and the subnormals cost a
 * microcode assist per vector (the AVX2 SiLU ran ten times slower). The
 * underflow flag shows them. And the saturation: exactly 0 and v. */
static void test_silu_no_subnormals(void)
{
    const size_t count = 4099;
    float *x = random_floats(count, 77), *y = malloc(count * sizeof(float));
    float one = 1.0f, zero = 0.0f;
    for (size_t i = 0; i < count; i++)
        x[i] *= 4.0f;
    feclearexcept(FE_UNDERFLOW);
    pp_silu_forward(y, x, count, 1);
    CHECK(!fetestexcept(FE_UNDERFLOW), "pp_silu_forward computed subnormals on inputs in [-4, 4]");
    feclearexcept(FE_UNDERFLOW);
    pp_silu_affine_forward(y, x, &one, &zero, 1, count, 1);
    CHECK(!fetestexcept(FE_UNDERFLOW), "pp_silu_affine_forward computed subnormals on inputs in [-4, 4]");
    feclearexcept(FE_UNDERFLOW);
    memcpy(y, x, count * sizeof(float));
    pp_silu_affine_row(y, NULL, count, 1.0f, 0.0f);
    CHECK(!fetestexcept(FE_UNDERFLOW), "pp_silu_affine_row computed subnormals on inputs in [-4, 4]");
    const pp_depthwise_conv d = {.channels = 1, .k = 3, .stride = 1, .pad_top = 1, .pad_left = 1, .pad_bottom = 1,
                                 .pad_right = 1, .weight = random_floats(9, 78)};
    const pp_depthwise_epilogue ep = {.scale = &one, .shift = &zero, .silu = true};
    feclearexcept(FE_UNDERFLOW);
    pp_depthwise_forward_fused(y, x, &d, 1, 37, 37, &ep, 1);
    CHECK(!fetestexcept(FE_UNDERFLOW), "the fused depthwise's SiLU computed subnormals");
    const float big[] = {89.0f, 100.0f, 1e30f};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        CHECK(pp_sigmoid(-big[i]) == 0.0f, "sigmoid(%g) is %g, not 0", -big[i], pp_sigmoid(-big[i]));
        CHECK(pp_silu(big[i]) == big[i], "silu(%g) is %g", big[i], pp_silu(big[i]));
    }
    free((void *)d.weight), free(x), free(y);
}

int main(void)
{
    pp_error err = {0};
    CHECK_OK(pp_safetensors_load(fixture_path("arch_effnet", "ops.safetensors"), &ops, &err), &err);
    if (err.status != PP_OK)
        return 1;
    RUN_TEST(test_depthwise);
    RUN_TEST(test_squeeze_excite);
    RUN_TEST(test_silu);
    RUN_TEST(test_drop_connect);
    RUN_TEST(test_zero_pad);
    RUN_TEST(test_depthwise_fused);
    RUN_TEST(test_se_pooled);
    RUN_TEST(test_pointwise_silu);
    RUN_TEST(test_silu_no_subnormals);
    pp_sd_free(&ops);
    return TEST_EXIT();
}

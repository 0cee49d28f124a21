/* Finite differences on small layers: each backward pass against central
 * differences of its forward, for L = sum(r * y) with a fixed random r (or the
 * cross-entropy for the head). Forwards run in float32, the loss is summed in
 * double; eps = 1e-4 keeps the truncation error (eps^2) negligible and the
 * round-off (1e-7 |L| / eps) near 1e-3 of the gradients, so a 1e-2 tolerance
 * (relative to the largest |gradient|) separates right from wrong. A small eps
 * also matters for the PushPull kernel: moving a max/min element shifts the
 * whole pull kernel, and a larger step drags many pooled responses across
 * their ReLU kink at once. A failure
 * names the layer and the tensor whose gradient is wrong. */
#include <string.h>

#include "../test_util.h"
#include "ops/batchnorm.h"
#include "ops/linear.h"
#include "ops/pool.h"
#include "ops/pushpull.h"
#include "ops/conv2d.h"
#include "ops/conv_layer.h"
#include "ops/winograd.h"
#include "tensor.h"
#include "train/loss.h"

#include "threads.h"

#define EPS 1e-4
#define TOL 1e-2

static unsigned long long rng_state = 88172645463325252ull;

static double uniform(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

static float *random_floats(size_t n, double lo, double hi)
{
    float *x = pp_aligned_alloc((n ? n : 1) * sizeof(float));
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(lo + (hi - lo) * uniform());
    return x;
}

static float *zeros(size_t n)
{
    float *x = pp_aligned_alloc((n ? n : 1) * sizeof(float));
    memset(x, 0, (n ? n : 1) * sizeof(float));
    return x;
}

static double dot(const float *r, const float *y, size_t n)
{
    double acc = 0;
    for (size_t i = 0; i < n; i++)
        acc += (double)r[i] * y[i];
    return acc;
}

typedef double (*loss_fn)(void *ctx);

/* Central differences of f over every element of param against analytic;
 * returns the largest error relative to the largest |analytic|. Where the
 * one-sided slopes disagree, a ReLU or max kink lies within +-EPS and the
 * difference means nothing: such elements are skipped (at most a tenth). */
static double fd_check(const char *what, float *param, size_t count, const float *analytic, loss_fn f, void *ctx)
{
    double scale = 0, worst = 0;
    for (size_t i = 0; i < count; i++)
        scale = fmax(scale, fabs(analytic[i]));
    if (scale == 0)
        scale = 1;
    const double base = f(ctx);
    int shown = 0;
    size_t kinks = 0;
    for (size_t i = 0; i < count; i++) {
        const float keep = param[i];
        param[i] = (float)(keep + EPS);
        const double up = f(ctx);
        const double h_up = (double)param[i] - keep;
        param[i] = (float)(keep - EPS);
        const double down = f(ctx);
        const double h_down = keep - (double)param[i];
        param[i] = keep;
        const double slope_up = (up - base) / h_up, slope_down = (base - down) / h_down;
        if (fabs(slope_up - slope_down) > 0.1 * scale) {
            kinks++;
            continue;
        }
        const double numeric = (up - down) / (h_up + h_down);
        const double e = fabs(numeric - analytic[i]) / scale;
        if (e > TOL && shown++ < 5)
            fprintf(stderr, "  %s[%zu]: analytic %.6g numeric %.6g\n", what, i, analytic[i], numeric);
        worst = fmax(worst, e);
    }
    f(ctx); /* leave the forward's outputs as they were */
    CHECK(worst <= TOL, "%s: gradient off by %.3g of its largest value", what, worst);
    CHECK(kinks * 10 <= count, "%s: %zu of %zu elements sit on a kink", what, kinks, count);
    return worst;
}

/* ---------------------------------------------------------------- conv */

typedef struct {
    pp_conv_shape s;
    int n, h, w;
    float *x, *wt, *b, *y, *r, *ws;
    size_t y_count;
} conv_case;

static double conv_loss(void *p)
{
    conv_case *c = p;
    pp_epilogue ep = {.shift = c->b};
    pp_conv2d_forward(c->y, c->x, c->wt, &c->s, c->n, c->h, c->w, &ep, c->ws, pp_threads_default());
    return dot(c->r, c->y, c->y_count);
}

static void check_conv(int cin, int cout, int k, int stride, int pad, int n, int h, int w)
{
    conv_case c = {.s = {.cin = cin, .cout = cout, .kh = k, .kw = k, .stride = stride, .pad = pad},
                   .n = n, .h = h, .w = w};
    const int ho = pp_conv_out_size(h, k, stride, pad), wo = pp_conv_out_size(w, k, stride, pad);
    const size_t x_count = (size_t)cin * n * h * w, w_count = (size_t)cout * cin * k * k;
    c.y_count = (size_t)cout * n * ho * wo;
    c.x = random_floats(x_count, -1, 1);
    c.wt = random_floats(w_count, -0.5, 0.5);
    c.b = random_floats((size_t)cout, -0.5, 0.5);
    c.y = zeros(c.y_count);
    c.r = random_floats(c.y_count, -1, 1);
    size_t ws = pp_conv2d_workspace_floats(&c.s, n, h, w, pp_threads_default()),
           bws = pp_conv2d_backward_workspace_floats(&c.s, n, h, w, pp_threads_default());
    c.ws = zeros(ws > bws ? ws : bws);
    float *dx = zeros(x_count), *dw = zeros(w_count), *db = zeros((size_t)cout);
    pp_conv2d_backward(dx, dw, db, c.r, c.x, c.wt, &c.s, n, h, w, c.ws, pp_threads_default());
    char what[96];
    snprintf(what, sizeof what, "conv %dx%d/%d pad %d dx", k, k, stride, pad);
    fd_check(what, c.x, x_count, dx, conv_loss, &c);
    snprintf(what, sizeof what, "conv %dx%d/%d pad %d dW", k, k, stride, pad);
    fd_check(what, c.wt, w_count, dw, conv_loss, &c);
    snprintf(what, sizeof what, "conv %dx%d/%d pad %d db", k, k, stride, pad);
    fd_check(what, c.b, (size_t)cout, db, conv_loss, &c);

    /* the fast path against the plain reference loops */
    float *rdx = zeros(x_count), *rdw = zeros(w_count), *rdb = zeros((size_t)cout);
    pp_conv2d_backward_ref(rdx, rdw, rdb, c.r, c.x, c.wt, &c.s, n, h, w);
    double e = pp_test_compare("dx vs ref", dx, rdx, x_count, 1e-5, 1);
    CHECK(e <= 1e-5, "conv %dx%d/%d: dx differs from the reference by %.3g", k, k, stride, e);
    e = pp_test_compare("dW vs ref", dw, rdw, w_count, 1e-5, 1);
    CHECK(e <= 1e-5, "conv %dx%d/%d: dW differs from the reference by %.3g", k, k, stride, e);
    /* accumulation: a second backward doubles the gradients */
    pp_conv2d_backward(dx, dw, db, c.r, c.x, c.wt, &c.s, n, h, w, c.ws, pp_threads_default());
    for (size_t i = 0; i < w_count; i++)
        rdw[i] *= 2;
    e = pp_test_compare("dW twice", dw, rdw, w_count, 1e-5, 1);
    CHECK(e <= 1e-5, "conv: a second backward does not accumulate into dW (%.3g)", e);
    free(c.x), free(c.wt), free(c.b), free(c.y), free(c.r), free(c.ws);
    free(dx), free(dw), free(db), free(rdx), free(rdw), free(rdb);
}

static void test_conv(void)
{
    check_conv(3, 4, 3, 1, 1, 2, 6, 5);
    check_conv(2, 3, 3, 2, 1, 3, 7, 6);
    check_conv(4, 5, 1, 1, 0, 2, 4, 3);
    check_conv(4, 3, 1, 2, 0, 2, 5, 5);
    check_conv(2, 3, 7, 2, 3, 2, 9, 8);
    /* 3x3 with 8k output channels: the lane weight gradient on the avx2 and
     * avx512 paths (weight_grad_avx2.c): 16-channel panels, several images to a group and
     * one kernel row left over; 8-channel panels at stride 2 with three rows
     * left over; three panels, no padding, two rows left over */
    check_conv(3, 16, 3, 1, 1, 5, 6, 7);
    check_conv(5, 8, 3, 2, 1, 3, 9, 7);
    check_conv(2, 24, 3, 2, 0, 2, 8, 9);
    /* 16-channel panels on the avx512 path (four kernel rows a block): two
     * panels with three rows left over, stride 2 with two left over */
    check_conv(5, 32, 3, 1, 1, 2, 6, 5);
    check_conv(6, 16, 3, 2, 1, 3, 7, 7);
}

/* A first layer (no dx): few channels take the direct weight gradient on the
 * avx512 and avx2 paths (column tails, channel blocks and kernel column blocks
 * that do not divide evenly), checked against the plain loops. */
static void check_first_layer_dw(int cin, int cout, int k, int pad, int n, int h, int w)
{
    const pp_conv_shape s = {.cin = cin, .cout = cout, .kh = k, .kw = k, .stride = 1, .pad = pad};
    const int ho = pp_conv_out_size(h, k, 1, pad), wo = pp_conv_out_size(w, k, 1, pad);
    const size_t x_count = (size_t)cin * n * h * w, w_count = (size_t)cout * cin * k * k;
    const size_t y_count = (size_t)cout * n * ho * wo;
    float *x = random_floats(x_count, -1, 1), *wt = random_floats(w_count, -0.5, 0.5);
    float *dy = random_floats(y_count, -1, 1);
    float *ws = zeros(pp_conv2d_backward_workspace_floats(&s, n, h, w, pp_threads_default()));
    float *dw = random_floats(w_count, -1, 1), *want = malloc(sizeof(float) * w_count);
    memcpy(want, dw, sizeof(float) * w_count); /* both add into what is there */
    pp_conv2d_backward(NULL, dw, NULL, dy, x, wt, &s, n, h, w, ws, pp_threads_default());
    pp_conv2d_backward_ref(NULL, want, NULL, dy, x, wt, &s, n, h, w);
    char what[96];
    snprintf(what, sizeof what, "first-layer dW c%d k%d %dx%d pad %d %dx%d", cin, cout, k, k, pad, h, w);
    double e = pp_test_compare(what, dw, want, w_count, 1e-4, 1);
    CHECK(e <= 1e-4, "%s differs from the reference by %.3g", what, e);
    free(x), free(wt), free(dy), free(ws), free(dw), free(want);
}

static void test_conv_first_layer(void)
{
    check_first_layer_dw(1, 8, 3, 1, 3, 28, 28);
    check_first_layer_dw(3, 13, 3, 1, 2, 17, 9);
    check_first_layer_dw(2, 5, 5, 2, 2, 11, 23);
    check_first_layer_dw(3, 6, 7, 3, 1, 19, 6);
    check_first_layer_dw(16, 9, 3, 0, 2, 10, 33);
}

/* Wide stride-1 3x3 layers with enough tiles take the Winograd-domain weight
 * gradient (winograd.h) on every path (on avx2/avx512 from 32 channels, 64
 * with partial edge tiles, where the lane kernel could take them): against the plain loops within 2e-5
 * of the largest entry (other rounding than direct sums; measured up to 6e-6),
 * with and without dx, accumulating into what dw holds; edge tiles clipped
 * (13x11), no padding, several chunks per thread, thread counts that do not
 * split the tiles evenly. */
static void check_winograd_dw(int cin, int cout, int pad, int n, int h, int w, int threads)
{
    const pp_conv_shape s = {.cin = cin, .cout = cout, .kh = 3, .kw = 3, .stride = 1, .pad = pad};
    const int ho = pp_conv_out_size(h, 3, 1, pad), wo = pp_conv_out_size(w, 3, 1, pad);
    const size_t x_count = (size_t)cin * n * h * w, w_count = (size_t)cout * cin * 9;
    const size_t y_count = (size_t)cout * n * ho * wo;
    CHECK(pp_winograd_weight_grad_preferred(&s, n, h, w, threads), "case c%d k%d %dx%d n%d: not the Winograd path",
          cin, cout, h, w, n);
    float *x = random_floats(x_count, -1, 1), *wt = random_floats(w_count, -0.5, 0.5);
    float *dy = random_floats(y_count, -1, 1);
    float *ws = zeros(pp_conv2d_backward_workspace_floats(&s, n, h, w, threads));
    float *dw = random_floats(w_count, -1, 1), *want = malloc(sizeof(float) * w_count);
    float *dx = zeros(x_count), *rdx = zeros(x_count), *dw0 = malloc(sizeof(float) * w_count);
    memcpy(want, dw, sizeof(float) * w_count);
    memcpy(dw0, dw, sizeof(float) * w_count);
    pp_conv2d_backward(NULL, dw, NULL, dy, x, wt, &s, n, h, w, ws, threads);
    pp_conv2d_backward_ref(rdx, want, NULL, dy, x, wt, &s, n, h, w);
    char what[96];
    snprintf(what, sizeof what, "winograd dW c%d k%d %dx%d pad %d n %d, %d threads", cin, cout, h, w, pad, n,
             threads);
    const double e1 = pp_test_compare(what, dw, want, w_count, 2e-5, 1);
    CHECK(e1 <= 2e-5, "%s differs from the reference by %.3g", what, e1);
    /* with dx: a second backward adds the same again */
    pp_conv2d_backward(dx, dw, NULL, dy, x, wt, &s, n, h, w, ws, threads);
    for (size_t i = 0; i < w_count; i++)
        want[i] = 2 * want[i] - dw0[i];
    double e = pp_test_compare(what, dw, want, w_count, 2e-5, 1);
    CHECK(e <= 2e-5, "%s: a second backward (with dx) differs from the reference by %.3g", what, e);
    e = pp_test_compare("dx vs ref", dx, rdx, x_count, 1e-5, 1);
    CHECK(e <= 1e-5, "%s: dx differs from the reference by %.3g", what, e);
    fprintf(stderr, "  %s: dW within %.2g of the largest entry\n", what, e1);
    free(x), free(wt), free(dy), free(ws), free(dw), free(dw0), free(want), free(dx), free(rdx);
}

static void test_conv_winograd_dw(void)
{
    check_winograd_dw(32, 32, 1, 8, 16, 16, pp_threads_default());
    check_winograd_dw(64, 72, 1, 12, 13, 11, pp_threads_default());
    check_winograd_dw(32, 36, 0, 36, 14, 10, 3); /* K = 36: a partial B panel on the avx2 path */
    check_winograd_dw(64, 32, 1, 40, 8, 8, 2);
    check_winograd_dw(128, 128, 1, 16, 8, 8, 1);
}

/* A conv layer's backward (conv_layer.h) at stride 2 against the plain
 * loops: on the avx2 path the input gradient by direct accumulation
 * (input_grad_stride2_avx2.h), written into a fresh dx, then added to what
 * it holds; odd sizes (a last odd column, a last even row) and rows of one
 * vector pair and a part. */
static void check_layer_stride2(int cin, int cout, int n, int h, int w)
{
    pp_conv_layer c = {.shape = {.cin = cin, .cout = cout, .kh = 3, .kw = 3, .stride = 2, .pad = 1}};
    const int ho = pp_conv_out_size(h, 3, 2, 1), wo = pp_conv_out_size(w, 3, 2, 1);
    const size_t x_count = (size_t)cin * n * h * w, w_count = (size_t)cout * cin * 9;
    const size_t y_count = (size_t)cout * n * ho * wo;
    c.weight = random_floats(w_count, -0.5, 0.5);
    float *x = random_floats(x_count, -1, 1), *dy = random_floats(y_count, -1, 1);
    pp_conv_sizes sz = {0};
    const int threads = pp_threads_default();
    pp_conv_layer_sizes(&sz, &c, n, h, w, threads, true);
    pp_conv_scratch scratch = {.workspace = zeros(sz.workspace + 1), .flipped = zeros(sz.flipped + 1),
                               .flipped_wino = zeros(sz.flipped_wino + 1), .dx_tmp = zeros(sz.dx_tmp + 1)};
    float *dx = random_floats(x_count, -1, 1), *dw = zeros(w_count), *rdx = zeros(x_count), *rdw = zeros(w_count);
    pp_conv_layer_backward(dx, true, dw, NULL, dy, x, &c, n, h, w, &scratch, threads);
    pp_conv2d_backward_ref(rdx, rdw, NULL, dy, x, c.weight, &c.shape, n, h, w);
    char what[96];
    snprintf(what, sizeof what, "stride-2 layer c%d k%d %dx%d n%d dx", cin, cout, h, w, n);
    double e = pp_test_compare(what, dx, rdx, x_count, 1e-5, 1);
    CHECK(e <= 1e-5, "%s differs from the reference by %.3g", what, e);
    e = pp_test_compare("stride-2 layer dW", dw, rdw, w_count, 1e-5, 1);
    CHECK(e <= 1e-5, "%s: dW differs from the reference by %.3g", what, e);
    pp_conv_layer_backward(dx, false, NULL, NULL, dy, x, &c, n, h, w, &scratch, threads);
    for (size_t i = 0; i < x_count; i++)
        rdx[i] *= 2;
    e = pp_test_compare(what, dx, rdx, x_count, 1e-5, 1);
    CHECK(e <= 1e-5, "%s: a second backward does not add to dx (%.3g)", what, e);
    free(c.weight), free(x), free(dy), free(dx), free(dw), free(rdx), free(rdw);
    free(scratch.workspace), free(scratch.flipped), free(scratch.flipped_wino), free(scratch.dx_tmp);
}

static void test_conv_layer_stride2(void)
{
    check_layer_stride2(8, 16, 3, 28, 28);
    check_layer_stride2(16, 32, 2, 14, 14);
    check_layer_stride2(4, 8, 2, 13, 15);
    check_layer_stride2(8, 12, 3, 12, 37);
}

/* ---------------------------------------------------------------- BatchNorm, train mode */

typedef struct {
    int c;
    size_t plane;
    bool relu;
    float *x, *gamma, *beta, *y, *r, *mean, *invstd;
} bn_case;

static double bn_loss(void *p)
{
    bn_case *b = p;
    pp_batchnorm_train_forward(b->y, b->mean, b->invstd, b->x, NULL, b->gamma, b->beta, NULL, NULL, NULL, 0.1f,
                               1e-5f, b->relu, b->c, b->plane, pp_threads_default());
    return dot(b->r, b->y, (size_t)b->c * b->plane);
}

static void check_bn(bool relu)
{
    bn_case b = {.c = 3, .plane = 2 * 4 * 3, .relu = relu};
    const size_t count = (size_t)b.c * b.plane;
    b.x = random_floats(count, -2, 3);
    b.gamma = random_floats((size_t)b.c, 0.5, 1.5);
    b.beta = random_floats((size_t)b.c, -0.5, 0.5);
    b.y = zeros(count);
    b.r = random_floats(count, -1, 1);
    b.mean = zeros((size_t)b.c);
    b.invstd = zeros((size_t)b.c);
    bn_loss(&b);
    float *dx = zeros(count), *dg = zeros((size_t)b.c), *dbeta = zeros((size_t)b.c);
    pp_batchnorm_train_backward(dx, dg, dbeta, b.r, relu ? b.y : NULL, b.x, b.mean, b.invstd, b.gamma, b.c,
                                b.plane, pp_threads_default());
    fd_check(relu ? "bn+relu dx" : "bn dx", b.x, count, dx, bn_loss, &b);
    fd_check(relu ? "bn+relu dgamma" : "bn dgamma", b.gamma, (size_t)b.c, dg, bn_loss, &b);
    fd_check(relu ? "bn+relu dbeta" : "bn dbeta", b.beta, (size_t)b.c, dbeta, bn_loss, &b);
    free(b.x), free(b.gamma), free(b.beta), free(b.y), free(b.r), free(b.mean), free(b.invstd);
    free(dx), free(dg), free(dbeta);
}

static void test_batchnorm_train(void)
{
    check_bn(false);
    check_bn(true);
}

/* Running statistics as PyTorch: momentum 0.1, unbiased variance, counter. */
static void test_batchnorm_running_stats(void)
{
    float x[6] = {1, 2, 4, -1, 0, 7}; /* 2 channels x 3 */
    float y[6], mean[2], invstd[2], gamma[2] = {1, 1}, beta[2] = {0, 0};
    float rm[2] = {0.5f, -1}, rv[2] = {2, 1};
    int64_t nbt = 7;
    pp_batchnorm_train_forward(y, mean, invstd, x, NULL, gamma, beta, rm, rv, &nbt, 0.1f, 1e-5f, false, 2, 3,
                               pp_threads_default());
    /* channel 0: mean 7/3, biased var 14/9, unbiased 7/3 */
    CHECK(fabs(rm[0] - (0.9 * 0.5 + 0.1 * 7.0 / 3)) < 1e-6, "running_mean %g", rm[0]);
    CHECK(fabs(rv[0] - (0.9 * 2 + 0.1 * 7.0 / 3)) < 1e-6, "running_var %g (must use the unbiased variance)", rv[0]);
    CHECK(fabs(invstd[0] - 1 / sqrt(14.0 / 9 + 1e-5)) < 1e-5, "normalised with the biased variance: %g", invstd[0]);
    /* channel 1: mean 2, biased var 38/3, unbiased 19 */
    CHECK(fabs(rm[1] - (0.9 * -1 + 0.1 * 2)) < 1e-6, "running_mean %g", rm[1]);
    CHECK(fabs(rv[1] - (0.9 * 1 + 0.1 * 19)) < 1e-5, "running_var %g", rv[1]);
    CHECK(nbt == 8, "num_batches_tracked %lld", (long long)nbt);
}

/* ---------------------------------------------------------------- pools */

typedef struct {
    int kind; /* 0 max, 1 avg, 2 global avg */
    int k, stride, pad;
    bool incl;
    size_t planes;
    int h, w, ho, wo;
    float *x, *y, *r;
    int32_t *idx;
} pool_case;

static double pool_loss(void *p)
{
    pool_case *c = p;
    if (c->kind == 0)
        pp_maxpool2d_train_forward(c->y, c->idx, c->x, c->planes, c->h, c->w, c->k, c->stride, c->pad,
                                   pp_threads_default());
    else if (c->kind == 1)
        pp_avgpool2d_forward(c->y, c->x, c->planes, c->h, c->w, c->k, c->stride, c->pad, c->incl, pp_threads_default());
    else
        pp_global_avgpool_forward(c->y, c->x, c->planes, (size_t)c->h * c->w, pp_threads_default());
    return dot(c->r, c->y, c->planes * c->ho * c->wo);
}

static void check_pool_sized(const char *what, int kind, int k, int stride, int pad, bool incl, int h, int w)
{
    pool_case c = {.kind = kind, .k = k, .stride = stride, .pad = pad, .incl = incl, .planes = 4, .h = h, .w = w};
    c.ho = kind == 2 ? 1 : pp_conv_out_size(c.h, k, stride, pad);
    c.wo = kind == 2 ? 1 : pp_conv_out_size(c.w, k, stride, pad);
    const size_t xn = c.planes * c.h * c.w, yn = c.planes * c.ho * c.wo;
    c.x = random_floats(xn, -1, 1);
    c.y = zeros(yn);
    c.r = random_floats(yn, -1, 1);
    c.idx = (int32_t *)zeros(yn);
    pool_loss(&c);
    float *dx = zeros(xn);
    if (kind == 0)
        pp_maxpool2d_backward(dx, c.r, c.idx, c.planes, c.h, c.w, c.ho, c.wo, pp_threads_default());
    else if (kind == 1)
        pp_avgpool2d_backward(dx, c.r, c.planes, c.h, c.w, k, stride, pad, incl, pp_threads_default());
    else
        pp_global_avgpool_backward(dx, c.r, c.planes, (size_t)c.h * c.w, pp_threads_default());
    fd_check(what, c.x, xn, dx, pool_loss, &c);
    free(c.x), free(c.y), free(c.r), free(c.idx), free(dx);
}

static void check_pool(const char *what, int kind, int k, int stride, int pad, bool incl)
{
    check_pool_sized(what, kind, k, stride, pad, incl, 7, 6);
}

static void test_pools(void)
{
    /* rows of whole vectors, and of two and a part (the AVX2 3 x 3 form) */
    check_pool_sized("avgpool 3/1/1 (no pad count) 5x16 dx", 1, 3, 1, 1, false, 5, 16);
    check_pool_sized("avgpool 3/1/1 (no pad count) 9x19 dx", 1, 3, 1, 1, false, 9, 19);
    check_pool("maxpool 3/2/1 dx", 0, 3, 2, 1, false);
    check_pool("avgpool 3/1/1 (no pad count) dx", 1, 3, 1, 1, false);
    check_pool("avgpool 5/1/2 (no pad count) dx", 1, 5, 1, 2, false);
    check_pool("avgpool 3/2/1 (pad counted) dx", 1, 3, 2, 1, true);
    check_pool("global avgpool dx", 2, 0, 0, 0, false);
}

/* ---------------------------------------------------------------- PushPull unit */

typedef struct {
    pp_pushpull_unit u;
    int n, h, w;
    size_t in_count, out_count;
    float *x, *y, *resp, *pool, *r, *ws;
} pp_case;

static double pp_loss(void *p)
{
    pp_case *c = p;
    const size_t per = (size_t)c->u.shape.cin * c->u.shape.kh * c->u.shape.kw;
    memcpy(c->u.stacked, c->u.weight, per * c->u.shape.cout * sizeof(float));
    pp_pushpull_pull_kernels(c->u.stacked + per * c->u.shape.cout, c->u.weight, c->u.shape.cout, per);
    pp_pushpull_forward(c->y, c->resp, c->pool, c->x, &c->u, c->n, c->h, c->w, c->ws, pp_threads_default());
    return dot(c->r, c->y, c->out_count);
}

/* Pushes the largest and smallest element of each kernel away from the rest
 * so that +-EPS never changes which element is the max or the min. */
static void separate_extremes(float *w, int k_count, size_t per)
{
    for (int k = 0; k < k_count; k++) {
        float *wk = w + (size_t)k * per;
        size_t hi = 0, lo = 0;
        for (size_t i = 1; i < per; i++) {
            hi = wk[i] > wk[hi] ? i : hi;
            lo = wk[i] < wk[lo] ? i : lo;
        }
        wk[hi] += 0.05f;
        wk[lo] -= 0.05f;
    }
}

static void check_pushpull_sized(int avg, int h, int w)
{
    pp_case c = {.n = 2, .h = h, .w = w};
    c.u.shape = (pp_conv_shape){.cin = 2, .cout = 3, .kh = 3, .kw = 3, .stride = 1, .pad = 1};
    c.u.avg_kernel = avg;
    const size_t per = 2 * 3 * 3, wn = 3 * per;
    c.u.weight = random_floats(wn, -0.5, 0.5);
    separate_extremes(c.u.weight, 3, per);
    c.u.alpha = random_floats(3, 0.2, 1.2);
    c.u.bias = random_floats(3, -0.5, 0.5);
    c.u.stacked = zeros(2 * wn);
    c.in_count = (size_t)2 * c.n * c.h * c.w;
    c.out_count = (size_t)3 * c.n * c.h * c.w;
    c.x = random_floats(c.in_count, -1, 1);
    c.y = zeros(c.out_count);
    c.resp = zeros(2 * c.out_count);
    c.pool = zeros(c.out_count);
    c.r = random_floats(c.out_count, -1, 1);
    pp_conv_shape st = c.u.shape;
    st.cout *= 2;
    size_t ws = pp_conv2d_workspace_floats(&st, c.n, c.h, c.w, pp_threads_default());
    size_t bws = pp_pushpull_backward_workspace_floats(&c.u, c.n, c.h, c.w, pp_threads_default());
    c.ws = zeros(ws > bws ? ws : bws);
    pp_loss(&c);
    float *dx = zeros(c.in_count), *dw = zeros(wn), *da = zeros(3), *db = zeros(3);
    pp_pushpull_backward(dx, dw, da, db, c.r, c.resp, c.x, &c.u, c.n, c.h, c.w, c.ws, pp_threads_default());
    char what[64];
    snprintf(what, sizeof what, "pushpull avg %d %dx%d dW (push, pull, max/min)", avg, h, w);
    fd_check(what, c.u.weight, wn, dw, pp_loss, &c);
    snprintf(what, sizeof what, "pushpull avg %d %dx%d dalpha", avg, h, w);
    fd_check(what, c.u.alpha, 3, da, pp_loss, &c);
    snprintf(what, sizeof what, "pushpull avg %d %dx%d dbias", avg, h, w);
    fd_check(what, c.u.bias, 3, db, pp_loss, &c);
    snprintf(what, sizeof what, "pushpull avg %d %dx%d dx", avg, h, w);
    fd_check(what, c.x, c.in_count, dx, pp_loss, &c);
    free(c.u.weight), free(c.u.alpha), free(c.u.bias), free(c.u.stacked);
    free(c.x), free(c.y), free(c.resp), free(c.pool), free(c.r), free(c.ws);
    free(dx), free(dw), free(da), free(db);
}

static void check_pushpull(int avg)
{
    check_pushpull_sized(avg, 6, 5);
}

static void test_pushpull(void)
{
    check_pushpull(0);
    check_pushpull(3);
    check_pushpull(5);
    /* plane by plane through the pooling, rows of two vectors and a part */
    check_pushpull_sized(3, 7, 19);
}

/* The max/min (sub)gradient on ties: shared evenly, as torch.amax/amin do. */
static void test_pushpull_ties(void)
{
    const float w[4] = {1, 1, -2, 0.5f};       /* two maxima, one minimum */
    const float d_stacked[8] = {0, 0, 0, 0, 0.25f, 0.5f, 0.75f, 1}; /* d_push 0, d_pull */
    float dw[4] = {0};
    pp_pushpull_kernel_backward(dw, d_stacked, w, 1, 4, 4);
    /* dW = -dP + sum(dP) / 2 at each max + sum(dP) at the min; sum(dP) = 2.5 */
    const float want[4] = {-0.25f + 1.25f, -0.5f + 1.25f, -0.75f + 2.5f, -1};
    for (int i = 0; i < 4; i++)
        CHECK(fabsf(dw[i] - want[i]) < 1e-6f, "dW[%d] = %g, want %g", i, dw[i], want[i]);
}

/* ---------------------------------------------------------------- linear + cross-entropy */

typedef struct {
    int n, c, o;
    float *x, *wt, *b, *logits;
    int32_t labels[4];
} head_case;

static double head_loss(void *p)
{
    head_case *h = p;
    pp_linear_forward(h->logits, h->x, h->wt, h->b, h->n, h->c, h->o, 1);
    return pp_cross_entropy(NULL, h->logits, h->labels, h->n, h->o);
}

static void test_linear_cross_entropy(void)
{
    head_case h = {.n = 4, .c = 6, .o = 5, .labels = {0, 3, 4, 3}};
    h.x = random_floats((size_t)h.c * h.n, -1, 1);
    h.wt = random_floats((size_t)h.o * h.c, -1, 1);
    h.b = random_floats((size_t)h.o, -1, 1);
    h.logits = zeros((size_t)h.n * h.o);
    float *dlogits = zeros((size_t)h.n * h.o);
    pp_linear_forward(h.logits, h.x, h.wt, h.b, h.n, h.c, h.o, 1);
    pp_cross_entropy(dlogits, h.logits, h.labels, h.n, h.o);
    float *dx = zeros((size_t)h.c * h.n), *dw = zeros((size_t)h.o * h.c), *db = zeros((size_t)h.o);
    pp_linear_backward(dx, dw, db, dlogits, h.x, h.wt, h.n, h.c, h.o);
    fd_check("linear+CE dx", h.x, (size_t)h.c * h.n, dx, head_loss, &h);
    fd_check("linear+CE dW", h.wt, (size_t)h.o * h.c, dw, head_loss, &h);
    fd_check("linear+CE db", h.b, (size_t)h.o, db, head_loss, &h);

    /* stable for huge logits, and the value of a known case */
    float big[3] = {1000, 0, -1000};
    int32_t label = 0;
    CHECK(fabs(pp_cross_entropy(NULL, big, &label, 1, 3)) < 1e-9, "CE of a certain prediction must be 0");
    float even[4] = {2, 2, 2, 2};
    CHECK(fabs(pp_cross_entropy(NULL, even, &label, 1, 4) - log(4.0)) < 1e-9, "CE of uniform logits is log 4");
    int32_t labels2[2] = {1, 2};
    float two[6] = {0, 5, 1, 3, 3, 1}; /* row 2: tie 3, 3 -> first wins (class 0) */
    CHECK(pp_top1_correct(two, labels2, 2, 3) == 1, "top-1 hits");
    free(h.x), free(h.wt), free(h.b), free(h.logits), free(dlogits), free(dx), free(dw), free(db);
}

int main(void)
{
    RUN_TEST(test_conv);
    RUN_TEST(test_batchnorm_train);
    RUN_TEST(test_batchnorm_running_stats);
    RUN_TEST(test_pools);
    RUN_TEST(test_pushpull);
    RUN_TEST(test_pushpull_ties);
    RUN_TEST(test_linear_cross_entropy);
    RUN_TEST(test_conv_first_layer); /* late: the random draws of the cases above stay as they were */
    RUN_TEST(test_conv_winograd_dw);
    RUN_TEST(test_conv_layer_stride2);
    return TEST_EXIT();
}

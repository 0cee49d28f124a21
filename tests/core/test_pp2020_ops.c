/* The 2020 push-pull layer (ops/pushpull2020.h), grouped convolution and the
 * PushPull-Conv unit with the db07739 pull kernel (max + min per input channel),
 * forward and backward, against PyTorch (tests/make_arch_fixtures_pp2020.py) and,
 * for the 2020 layer, against finite differences of its own forward. */
#include "../fixture.h"
#include "../test_util.h"
#include "ops/conv2d.h"
#include "ops/pushpull.h"
#include "ops/pushpull2020.h"
#include "threads.h"

#define SUB "pp2020"

static void check_close(const char *what, const float *got, const pp_npy *want, double tol)
{
    double e = pp_test_compare(what, got, want->data, (size_t)pp_npy_numel(want), tol, 1);
    CHECK(e <= tol, "%s: max relative error %.3g > %.1g", what, e, tol);
}

static pp_npy load(const char *prefix, const char *suffix)
{
    char name[128];
    snprintf(name, sizeof name, "%s_%s.npy", prefix, suffix);
    return fixture_npy(SUB, name);
}

/* ---------------------------------------------------------------- the 2020 layer */
typedef struct {
    pp_pushpull2020_layer l;
    pp_npy x, w, b, alpha, meta, pull, y, dy, dx, dw, db, dalpha;
    bool bias, trained;
    int n, h, wd;
    size_t out_floats;
} pp2020_case;

static void pp2020_load(pp2020_case *c, const char *name)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "pp2020_%s", name);
    memset(c, 0, sizeof *c);
    c->x = load(prefix, "x"), c->w = load(prefix, "w"), c->meta = load(prefix, "meta");
    c->pull = load(prefix, "pull"), c->y = load(prefix, "y"), c->dy = load(prefix, "dy");
    c->dx = load(prefix, "dx"), c->dw = load(prefix, "dw"), c->alpha = load(prefix, "alpha");
    const int64_t *m = c->meta.data; /* cin cout k stride pad bias trained n h w S pull_pad */
    c->bias = m[5] != 0, c->trained = m[6] != 0;
    c->n = (int)m[7], c->h = (int)m[8], c->wd = (int)m[9];
    pp_pushpull2020_shapes(&c->l, (int)m[0], (int)m[1], (int)m[2], (int)m[3], (int)m[4], PP_PUSHPULL2020_SCALE);
    CHECK(c->l.pull.kh == (int)m[10] && c->l.pull.pad == (int)m[11], "%s: pull %dx%d pad %d, want %lld pad %lld",
          name, c->l.pull.kh, c->l.pull.kw, c->l.pull.pad, (long long)m[10], (long long)m[11]);
    c->l.weight = c->w.data;
    if (c->bias) {
        c->b = load(prefix, "b"), c->db = load(prefix, "db");
        c->l.bias = c->b.data;
    }
    if (c->trained) {
        c->dalpha = load(prefix, "dalpha");
        c->l.alpha = c->alpha.data;
    } else {
        c->l.alpha_fixed = ((const float *)c->alpha.data)[0];
    }
    c->l.pull_weight = calloc((size_t)pp_npy_numel(&c->pull), sizeof(float));
    pp_pushpull2020_prepare(&c->l);
    c->out_floats = (size_t)pp_npy_numel(&c->y);
}

static void pp2020_free(pp2020_case *c)
{
    free(c->l.pull_weight);
    pp_npy *all[] = {&c->x, &c->w, &c->b, &c->alpha, &c->meta, &c->pull, &c->y, &c->dy, &c->dx, &c->dw, &c->db,
                     &c->dalpha};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i]->data)
            pp_npy_free(all[i]);
}

static void pp2020_forward(const pp2020_case *c, float *out, float *resp, int threads)
{
    float *ws = calloc(pp_pushpull2020_workspace_floats(&c->l, c->n, c->h, c->wd, threads) + 1, sizeof(float));
    pp_pushpull2020_forward(out, resp, c->x.data, &c->l, c->n, c->h, c->wd, ws, threads);
    free(ws);
}

static void pp2020_case_run(const char *name, int threads)
{
    pp2020_case c;
    pp2020_load(&c, name);
    char what[96];
    snprintf(what, sizeof what, "%s pull kernel", name);
    check_close(what, c.l.pull_weight, &c.pull, 1e-6);

    const int k = c.l.push.cout;
    float *out = calloc(c.out_floats, sizeof(float)), *resp = calloc(2 * c.out_floats, sizeof(float));
    pp2020_forward(&c, out, resp, threads);
    snprintf(what, sizeof what, "%s output (%d threads)", name, threads);
    check_close(what, out, &c.y, 1e-5);

    const size_t in_floats = (size_t)pp_npy_numel(&c.x), w_floats = (size_t)pp_npy_numel(&c.w);
    float *dx = calloc(in_floats, sizeof(float)), *dw = calloc(w_floats, sizeof(float));
    float *db = calloc((size_t)k, sizeof(float)), *dalpha = calloc((size_t)k, sizeof(float));
    float *ws = calloc(pp_pushpull2020_backward_workspace_floats(&c.l, c.n, c.h, c.wd, threads) + 1, sizeof(float));
    pp_pushpull2020_backward(dx, dw, c.bias ? db : NULL, c.trained ? dalpha : NULL, c.dy.data, resp, c.x.data, &c.l,
                             c.n, c.h, c.wd, ws, threads);
    snprintf(what, sizeof what, "%s dx", name);
    check_close(what, dx, &c.dx, 1e-4);
    snprintf(what, sizeof what, "%s dw", name);
    check_close(what, dw, &c.dw, 1e-4);
    if (c.bias) {
        snprintf(what, sizeof what, "%s dbias", name);
        check_close(what, db, &c.db, 1e-4);
    }
    if (c.trained) {
        snprintf(what, sizeof what, "%s dalpha", name);
        check_close(what, dalpha, &c.dalpha, 1e-4);
        /* channel 1's alpha is negative: ReLU(alpha) = 0, no gradient, no inhibition */
        CHECK(dalpha[1] == 0.0f, "%s: dalpha of a negative alpha is %g", name, dalpha[1]);
    }
    free(out), free(resp), free(dx), free(dw), free(db), free(dalpha), free(ws);
    pp2020_free(&c);
}

static void test_pp2020_against_pytorch(void)
{
    const char *cases[] = {"cifar", "stem7", "k5"};
    for (size_t i = 0; i < 3; i++) {
        pp2020_case_run(cases[i], 1);
        pp2020_case_run(cases[i], 3);
    }
}

/* The bilinear resize is the align-corners one: 3 -> 7 samples at j/3 and keeps
 * the corners; a constant kernel stays constant. */
static void test_pp2020_resize(void)
{
    double u[7 * 3];
    pp_pushpull2020_resize_weights(u, 3, 7);
    const double want_row2[3] = {1.0 / 3, 2.0 / 3, 0}; /* j = 2: source 2/3 */
    for (int i = 0; i < 3; i++)
        CHECK(fabs(u[2 * 3 + i] - want_row2[i]) < 1e-12, "u[2][%d] = %g", i, u[2 * 3 + i]);
    CHECK(u[0] == 1 && u[6 * 3 + 2] == 1 && u[3 * 3 + 1] == 1, "corners and centre are exact taps");
    CHECK(pp_pushpull2020_pull_size(3, 2) == 7 && pp_pushpull2020_pull_size(5, 2) == 11 &&
              pp_pushpull2020_pull_size(7, 2) == 15 && pp_pushpull2020_pull_size(7, 1) == 7,
          "pull sizes");
    float ones[9], pull[49];
    for (int i = 0; i < 9; i++)
        ones[i] = 1;
    pp_pushpull2020_pull_kernels(pull, ones, 1, 3, 7);
    for (int i = 0; i < 49; i++)
        CHECK(fabsf(pull[i] + 1) < 1e-6f, "pull of ones [%d] = %g", i, pull[i]);
}

/* sum(y * dy) of the forward, in double. */
static double pp2020_objective(const pp2020_case *c, float *out, float *resp)
{
    pp_pushpull2020_prepare((pp_pushpull2020_layer *)&c->l);
    pp2020_forward(c, out, resp, 2);
    const float *dy = c->dy.data;
    double acc = 0;
    for (size_t i = 0; i < c->out_floats; i++)
        acc += (double)out[i] * dy[i];
    return acc;
}

static void fd_check(const char *what, pp2020_case *c, float *value, float analytic, float *out, float *resp)
{
    const float eps = 1e-3f, saved = *value;
    *value = saved + eps;
    double up = pp2020_objective(c, out, resp);
    *value = saved - eps;
    double down = pp2020_objective(c, out, resp);
    *value = saved;
    double numeric = (up - down) / (2.0 * eps);
    double tol = 1e-2 * fmax(1.0, fabs(numeric));
    CHECK(fabs(numeric - analytic) <= tol, "%s: analytic %.6g, finite differences %.6g", what, analytic, numeric);
}

static void test_pp2020_finite_differences(void)
{
    pp2020_case c;
    pp2020_load(&c, "stem7");
    const int k = c.l.push.cout;
    float *out = calloc(c.out_floats, sizeof(float)), *resp = calloc(2 * c.out_floats, sizeof(float));
    pp2020_objective(&c, out, resp);
    const size_t in_floats = (size_t)pp_npy_numel(&c.x), w_floats = (size_t)pp_npy_numel(&c.w);
    float *dx = calloc(in_floats, sizeof(float)), *dw = calloc(w_floats, sizeof(float));
    float *db = calloc((size_t)k, sizeof(float)), *dalpha = calloc((size_t)k, sizeof(float));
    float *ws = calloc(pp_pushpull2020_backward_workspace_floats(&c.l, c.n, c.h, c.wd, 2) + 1, sizeof(float));
    pp_pushpull2020_backward(dx, dw, db, dalpha, c.dy.data, resp, c.x.data, &c.l, c.n, c.h, c.wd, ws, 2);
    char what[64];
    for (size_t i = 0; i < w_floats; i += 23) {
        snprintf(what, sizeof what, "dw[%zu]", i);
        fd_check(what, &c, (float *)c.w.data + i, dw[i], out, resp);
    }
    for (int i = 0; i < k; i++) {
        snprintf(what, sizeof what, "dbias[%d]", i);
        fd_check(what, &c, (float *)c.b.data + i, db[i], out, resp);
        if (i != 1) { /* alpha[1] < 0 sits on ReLU's flat side */
            snprintf(what, sizeof what, "dalpha[%d]", i);
            fd_check(what, &c, (float *)c.alpha.data + i, dalpha[i], out, resp);
        }
    }
    for (size_t i = 0; i < in_floats; i += 97) {
        snprintf(what, sizeof what, "dx[%zu]", i);
        fd_check(what, &c, (float *)c.x.data + i, dx[i], out, resp);
    }
    free(out), free(resp), free(dx), free(dw), free(db), free(dalpha), free(ws);
    pp2020_free(&c);
}

/* The forward factors the pull convolution through the resize and works in
 * chunks of output rows (pushpull2020_forward.c): on inputs large enough for
 * several chunks per image, with a fused BN and ReLU, it matches the plain
 * reference convolutions with the S x S pull kernel. */
static void pp2020_chunked_run(const char *name, int n, int h, int w, int threads)
{
    pp2020_case c;
    pp2020_load(&c, name);
    const pp_pushpull2020_layer *l = &c.l;
    const int k_count = l->push.cout;
    const size_t in_floats = (size_t)l->push.cin * n * h * w;
    const size_t p_total = (size_t)n * pp_conv_out_size(h, l->push.kh, l->push.stride, l->push.pad) *
                           pp_conv_out_size(w, l->push.kw, l->push.stride, l->push.pad);
    const size_t out_floats = (size_t)k_count * p_total;
    float *x = malloc(sizeof(float) * in_floats), *scale = malloc(sizeof(float) * k_count);
    float *shift = malloc(sizeof(float) * k_count);
    for (size_t i = 0; i < in_floats; i++)
        x[i] = (float)((i * 7919) % 1013) / 506.0f - 1.0f;
    for (int k = 0; k < k_count; k++)
        scale[k] = 0.5f + 0.25f * k, shift[k] = 0.1f * k - 0.15f;
    float *want = malloc(sizeof(float) * out_floats), *want_resp = malloc(sizeof(float) * 2 * out_floats);
    pp_conv2d_forward_ref(want_resp, x, l->weight, &l->push, n, h, w, NULL);
    pp_conv2d_forward_ref(want_resp + out_floats, x, l->pull_weight, &l->pull, n, h, w, NULL);
    for (int k = 0; k < k_count; k++) {
        const float a = pp_pushpull2020_alpha(l, k), b = l->bias ? l->bias[k] : 0.0f;
        for (size_t p = 0; p < p_total; p++) {
            float *push = want_resp + (size_t)k * p_total + p, *pull = push + out_floats;
            *push += b, *pull -= b;
            const float v = (fmaxf(*push, 0.0f) - a * fmaxf(*pull, 0.0f)) * scale[k] + shift[k];
            want[(size_t)k * p_total + p] = fmaxf(v, 0.0f);
        }
    }
    float *out = calloc(out_floats, sizeof(float)), *resp = calloc(2 * out_floats, sizeof(float));
    float *ws = calloc(pp_pushpull2020_workspace_floats(l, n, h, w, threads) + 1, sizeof(float));
    const pp_epilogue ep = {.scale = scale, .shift = shift, .relu = true};
    pp_pushpull2020_forward_bn(out, resp, x, l, n, h, w, &ep, ws, threads);
    char what[96];
    snprintf(what, sizeof what, "%s %dx%d output with BN (%d threads)", name, h, w, threads);
    double e = pp_test_compare(what, out, want, out_floats, 1e-5, 1);
    CHECK(e <= 1e-5, "%s: max relative error %.3g", what, e);
    snprintf(what, sizeof what, "%s %dx%d responses (%d threads)", name, h, w, threads);
    e = pp_test_compare(what, resp, want_resp, 2 * out_floats, 1e-5, 1);
    CHECK(e <= 1e-5, "%s: max relative error %.3g", what, e);
    memset(out, 0, sizeof(float) * out_floats);
    pp_pushpull2020_forward_bn(out, NULL, x, l, n, h, w, &ep, ws, threads); /* no responses kept */
    snprintf(what, sizeof what, "%s %dx%d output without responses", name, h, w);
    e = pp_test_compare(what, out, want, out_floats, 1e-5, 1);
    CHECK(e <= 1e-5, "%s: max relative error %.3g", what, e);
    free(x), free(scale), free(shift), free(want), free(want_resp), free(out), free(resp), free(ws);
    pp2020_free(&c);
}

static void test_pp2020_chunked_forward(void)
{
    pp2020_chunked_run("stem7", 2, 75, 70, 3); /* stride 2: 38 x 35 out, chunks of 29 rows */
    pp2020_chunked_run("k5", 3, 48, 48, 2);    /* stride 1: chunks of 21, 21 and 6 rows */
    pp2020_chunked_run("cifar", 2, 40, 33, 1);
}

/* The effective kernel (the layer's linear part, ReLUs ignored) is W centred
 * in the S x S window minus a times the pull kernel -W_up, element by element. */
static void test_pp2020_effective_kernel(void)
{
    pp2020_case c;
    pp2020_load(&c, "k5");
    const pp_pushpull2020_layer *l = &c.l;
    const int s = l->push.kh, S = l->pull.kh, off = (S - s) / 2;
    const size_t planes = (size_t)l->push.cout * l->push.cin;
    float *eff = calloc(planes * S * S, sizeof(float));
    pp_pushpull2020_effective_kernels(eff, l, -1.0f);
    const float a = l->alpha_fixed;
    for (size_t p = 0; p < planes; p++)
        for (int i = 0; i < S; i++)
            for (int j = 0; j < S; j++) {
                float want = -a * l->pull_weight[(p * S + i) * S + j];
                if (i >= off && i < off + s && j >= off && j < off + s)
                    want += l->weight[(p * s + i - off) * s + j - off];
                CHECK(fabsf(eff[(p * S + i) * S + j] - want) < 1e-6f, "effective[%zu][%d][%d]", p, i, j);
            }
    free(eff);
    pp2020_free(&c);
}

/* ---------------------------------------------------------------- grouped convolution */
static void grouped_case(const char *name, int threads)
{
    char prefix[64], what[96];
    snprintf(prefix, sizeof prefix, "gconv_%s", name);
    pp_npy x = load(prefix, "x"), w = load(prefix, "w"), b = load(prefix, "b"), meta = load(prefix, "meta");
    pp_npy y = load(prefix, "y"), dy = load(prefix, "dy"), dx = load(prefix, "dx"), dw = load(prefix, "dw");
    pp_npy db = load(prefix, "db");
    const int64_t *m = meta.data; /* cin cout k stride pad groups n h w */
    pp_conv_shape s = {.cin = (int)m[0], .cout = (int)m[1], .kh = (int)m[2], .kw = (int)m[2], .stride = (int)m[3],
                       .pad = (int)m[4], .groups = (int)m[5]};
    const int n = (int)m[6], h = (int)m[7], wd = (int)m[8];
    const size_t out_n = (size_t)pp_npy_numel(&y);
    float *got = calloc(out_n, sizeof(float)), *ref = calloc(out_n, sizeof(float));
    float *ws = calloc(pp_conv2d_workspace_floats(&s, n, h, wd, threads) + 1, sizeof(float));
    pp_epilogue ep = {.shift = b.data};
    pp_conv2d_forward(got, x.data, w.data, &s, n, h, wd, &ep, ws, threads);
    pp_conv2d_forward_ref(ref, x.data, w.data, &s, n, h, wd, &ep);
    snprintf(what, sizeof what, "%s forward (%d threads)", name, threads);
    check_close(what, got, &y, 1e-5);
    snprintf(what, sizeof what, "%s reference forward", name);
    check_close(what, ref, &y, 1e-5);

    const size_t in_n = (size_t)pp_npy_numel(&x), w_n = (size_t)pp_npy_numel(&w);
    float *gx = calloc(in_n, sizeof(float)), *gw = calloc(w_n, sizeof(float)), *gb = calloc((size_t)s.cout, 4);
    float *bws = calloc(pp_conv2d_backward_workspace_floats(&s, n, h, wd, threads) + 1, sizeof(float));
    pp_conv2d_backward(gx, gw, gb, dy.data, x.data, w.data, &s, n, h, wd, bws, threads);
    snprintf(what, sizeof what, "%s dx", name);
    check_close(what, gx, &dx, 1e-5);
    snprintf(what, sizeof what, "%s dw", name);
    check_close(what, gw, &dw, 1e-5);
    snprintf(what, sizeof what, "%s db", name);
    check_close(what, gb, &db, 1e-5);
    /* the plain loops agree too, and the weight gradient alone (no dx) takes its own path */
    memset(gx, 0, in_n * 4), memset(gw, 0, w_n * 4), memset(gb, 0, (size_t)s.cout * 4);
    pp_conv2d_backward_ref(gx, gw, gb, dy.data, x.data, w.data, &s, n, h, wd);
    snprintf(what, sizeof what, "%s reference dx", name);
    check_close(what, gx, &dx, 1e-5);
    memset(gw, 0, w_n * 4);
    pp_conv2d_backward(NULL, gw, NULL, dy.data, x.data, w.data, &s, n, h, wd, bws, threads);
    snprintf(what, sizeof what, "%s dw without dx", name);
    check_close(what, gw, &dw, 1e-5);
    free(got), free(ref), free(ws), free(gx), free(gw), free(gb), free(bws);
    pp_npy *all[] = {&x, &w, &b, &meta, &y, &dy, &dx, &dw, &db};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        pp_npy_free(all[i]);
}

static void test_grouped_conv(void)
{
    const char *cases[] = {"g4_3x3", "g2_3x3_s2", "g4_1x1"};
    for (size_t i = 0; i < 3; i++) {
        grouped_case(cases[i], 1);
        grouped_case(cases[i], 4);
    }
    pp_conv_shape s = {.cin = 64, .cout = 128, .kh = 3, .kw = 3, .stride = 1, .pad = 1, .groups = 32};
    pp_conv_shape g = pp_conv_group_shape(&s);
    CHECK(pp_conv_groups(&s) == 32 && g.cin == 2 && g.cout == 4 && pp_conv_groups(&g) == 1, "group shape");
    s.groups = 0;
    CHECK(pp_conv_groups(&s) == 1, "groups 0 is a dense convolution");
}

/* ---------------------------------------------------------------- db07739 PushPull-Conv */
static void test_pushpull_channel_minmax(void)
{
    const char *p = "ppc_channel";
    pp_npy x = load(p, "x"), w = load(p, "w"), b = load(p, "b"), alpha = load(p, "alpha"), meta = load(p, "meta");
    pp_npy pull = load(p, "pull"), y = load(p, "y"), dy = load(p, "dy"), dx = load(p, "dx"), dw = load(p, "dw");
    pp_npy db = load(p, "db"), dalpha = load(p, "dalpha");
    const int64_t *m = meta.data; /* cin cout k stride pad avg n h w */
    const int k = (int)m[1], n = (int)m[6], h = (int)m[7], wd = (int)m[8], threads = 2;
    pp_pushpull_unit u = {.shape = {.cin = (int)m[0], .cout = k, .kh = (int)m[2], .kw = (int)m[2],
                                    .stride = (int)m[3], .pad = (int)m[4]},
                          .weight = w.data, .alpha = alpha.data, .bias = b.data, .avg_kernel = (int)m[5],
                          .minmax = PP_PULL_MINMAX_CHANNEL};
    const size_t per = (size_t)u.shape.cin * u.shape.kh * u.shape.kw, span = pp_pushpull_minmax_span(&u);
    CHECK(span == (size_t)u.shape.kh * u.shape.kw, "span %zu", span);
    u.stacked = calloc(2 * k * per, sizeof(float));
    memcpy(u.stacked, w.data, sizeof(float) * k * per);
    pp_pushpull_pull_kernels(u.stacked + k * per, w.data, (int)(k * per / span), span);
    check_close("per-channel pull kernel", u.stacked + k * per, &pull, 1e-6);

    const size_t p_total = (size_t)pp_npy_numel(&y) / k;
    pp_conv_shape st = u.shape;
    st.cout *= 2;
    float *out = calloc((size_t)k * p_total, 4), *resp = calloc(2 * (size_t)k * p_total, 4);
    float *scratch = calloc(pp_pushpull_scratch_floats(&u, n, h, wd, threads), 4);
    float *ws = calloc(pp_conv2d_workspace_floats(&st, n, h, wd, threads) + 1, 4);
    pp_pushpull_forward(out, resp, scratch, x.data, &u, n, h, wd, ws, threads);
    check_close("per-channel unit output", out, &y, 1e-5);

    float *gx = calloc((size_t)pp_npy_numel(&x), 4), *gw = calloc((size_t)k * per, 4);
    float *gb = calloc((size_t)k, 4), *ga = calloc((size_t)k, 4);
    float *bws = calloc(pp_pushpull_backward_workspace_floats(&u, n, h, wd, threads), 4);
    pp_pushpull_backward(gx, gw, ga, gb, dy.data, resp, x.data, &u, n, h, wd, bws, threads);
    check_close("per-channel dx", gx, &dx, 1e-4);
    check_close("per-channel dw", gw, &dw, 1e-4);
    check_close("per-channel dbias", gb, &db, 1e-4);
    check_close("per-channel dalpha", ga, &dalpha, 1e-4);

    /* the HEAD kernel differs from this one on these weights: the option matters */
    float *head = calloc(k * per, 4);
    pp_pushpull_pull_kernels(head, w.data, k, per);
    double diff = 0;
    for (size_t i = 0; i < k * per; i++)
        diff = fmax(diff, fabs(head[i] - ((const float *)pull.data)[i]));
    CHECK(diff > 1e-2, "per-filter and per-channel pull kernels agree (%g): the fixture tests nothing", diff);
    free(u.stacked), free(out), free(resp), free(scratch), free(ws), free(gx), free(gw), free(gb), free(ga);
    free(bws), free(head);
    pp_npy *all[] = {&x, &w, &b, &alpha, &meta, &pull, &y, &dy, &dx, &dw, &db, &dalpha};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        pp_npy_free(all[i]);
}

int main(void)
{
    RUN_TEST(test_pp2020_resize);
    RUN_TEST(test_pp2020_against_pytorch);
    RUN_TEST(test_pp2020_finite_differences);
    RUN_TEST(test_pp2020_chunked_forward);
    RUN_TEST(test_pp2020_effective_kernel);
    RUN_TEST(test_grouped_conv);
    RUN_TEST(test_pushpull_channel_minmax);
    return TEST_EXIT();
}

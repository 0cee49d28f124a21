/* FGSM, PGD and the fooling-image loop against torch autograd on the training
 * fixtures' tiny CIFAR PushPull network (make_attack_fixtures.py). The signed
 * attacks must move every pixel as torch does, except where torch's gradient
 * is within float noise of zero (the sign is unstable there); the fooling loop
 * must stop after the same number of updates per image and land on the same
 * image. A failure means an attack follows a wrong gradient or steps wrongly. */
#include <math.h>
#include <string.h>

#include "attack/attack.h"
#include "model_file.h"
#include "threads.h"
#include "train/train_fixture.h"

static const float mean[3] = {0.4914f, 0.4822f, 0.4465f}, std_[3] = {0.2470f, 0.2435f, 0.2616f};

typedef struct {
    pp_model m;
    pp_train_ctx *ctx;
    pp_npy x, y;
    int32_t labels[16];
    int n;
    size_t count;
} setup;

static bool open_setup(setup *s)
{
    pp_error err = {0};
    char notes[256];
    pp_arch_hints hints = {.avg_kernel = -1};
    memset(s, 0, sizeof *s);
    CHECK_OK(pp_model_open(&s->m, fixture_path("train", "cifar_pp3.safetensors"), &hints, notes, sizeof notes, &err),
             &err);
    if (err.status != PP_OK)
        return false;
    CHECK_OK(pp_train_ctx_new(&s->ctx, &s->m, pp_threads_default(), &err), &err);
    s->x = fixture_npy("augment", "attack_x.npy");
    s->y = fixture_npy("augment", "attack_y.npy");
    s->n = (int)s->x.shape[0];
    s->count = (size_t)pp_npy_numel(&s->x);
    for (int i = 0; i < s->n; i++)
        s->labels[i] = (int32_t)((const int64_t *)s->y.data)[i];
    return true;
}

static void close_setup(setup *s)
{
    pp_train_ctx_free(s->ctx);
    pp_model_free(&s->m);
    pp_npy_free(&s->x);
    pp_npy_free(&s->y);
}

/* the fixture's [0, 1] pixels, normalised, as the network's input */
static pp_tensor normalised_input(const setup *s, pp_error *err)
{
    pp_tensor t = {0};
    pp_tensor_alloc4(&t, s->x.shape[0], 3, s->x.shape[2], s->x.shape[3], err);
    const size_t plane = (size_t)(s->x.shape[2] * s->x.shape[3]);
    const float *px = s->x.data;
    for (size_t i = 0; i < s->count; i++)
        t.data[i] = (px[i] - mean[(i / plane) % 3]) / std_[(i / plane) % 3];
    return t;
}

/* Compares the attack's pixels with torch's, skipping pixels whose torch
 * gradient is below 1e-6 of the largest (their sign flips with rounding). */
static void compare_pixels(const char *what, const setup *s, const pp_tensor *x, const char *want_file,
                           size_t allowed)
{
    pp_npy want = fixture_npy("augment", want_file), grad = fixture_npy("augment", "attack_grad.npy");
    const size_t plane = (size_t)(s->x.shape[2] * s->x.shape[3]);
    const float *w = want.data, *g = grad.data;
    float gmax = 0;
    for (size_t i = 0; i < s->count; i++)
        gmax = fmaxf(gmax, fabsf(g[i]));
    size_t off = 0, moved = 0;
    for (size_t i = 0; i < s->count; i++) {
        const int c = (int)((i / plane) % 3);
        const float got = x->data[i] * std_[c] + mean[c];
        moved += fabsf(w[i] - ((const float *)s->x.data)[i]) > 1e-6f;
        if (fabsf(g[i]) < 1e-6f * gmax)
            continue;
        if (fabsf(got - w[i]) > 2e-6f) {
            if (off < 3)
                fprintf(stderr, "  %s: pixel %zu is %.7f, torch %.7f\n", what, i, got, w[i]);
            off++;
        }
    }
    CHECK(off <= allowed, "%s: %zu of %zu pixels differ from torch", what, off, s->count);
    CHECK(moved > s->count / 2, "%s: the reference moved only %zu pixels (a broken fixture)", what, moved);
    pp_npy_free(&want);
    pp_npy_free(&grad);
}

static void test_fgsm(void)
{
    setup s;
    if (!open_setup(&s))
        return;
    pp_error err = {0};
    pp_tensor x = normalised_input(&s, &err);
    pp_pixel_space px = {mean, std_};
    CHECK_OK(pp_attack_fgsm(s.ctx, &s.m, &px, &x, s.labels, 8 / 255.0, NULL, &err), &err);
    compare_pixels("fgsm", &s, &x, "attack_fgsm.npy", 0);
    pp_tensor_free(&x);
    close_setup(&s);
}

static void test_pgd(void)
{
    setup s;
    if (!open_setup(&s))
        return;
    pp_error err = {0};
    pp_tensor x = normalised_input(&s, &err);
    pp_pixel_space px = {mean, std_};
    CHECK_OK(pp_attack_pgd(s.ctx, &s.m, &px, &x, s.labels, 8 / 255.0, 2 / 255.0, 5, false, 0, NULL, &err), &err);
    /* later steps follow gradients at slightly different points: a few sign flips allowed */
    compare_pixels("pgd", &s, &x, "attack_pgd.npy", s.count / 200);
    /* the random start stays in the eps ball and in [0, 1] */
    pp_tensor r = normalised_input(&s, &err);
    CHECK_OK(pp_attack_pgd(s.ctx, &s.m, &px, &r, s.labels, 8 / 255.0, 2 / 255.0, 3, true, 7, NULL, &err), &err);
    const size_t plane = (size_t)(s.x.shape[2] * s.x.shape[3]);
    float worst = 0, lo = 1, hi = 0;
    for (size_t i = 0; i < s.count; i++) {
        const int c = (int)((i / plane) % 3);
        const float v = r.data[i] * std_[c] + mean[c];
        worst = fmaxf(worst, fabsf(v - ((const float *)s.x.data)[i]));
        lo = fminf(lo, v), hi = fmaxf(hi, v);
    }
    CHECK(worst <= 8 / 255.0f + 1e-5f && lo >= -1e-6f && hi <= 1 + 1e-6f,
          "random-start PGD left the ball: |delta| %g, range %g .. %g", worst, lo, hi);
    pp_tensor_free(&r);
    pp_tensor_free(&x);
    close_setup(&s);
}

static void test_fooling(void)
{
    setup s;
    if (!open_setup(&s))
        return;
    pp_error err = {0};
    pp_tensor x = normalised_input(&s, &err);
    pp_npy targets = fixture_npy("augment", "attack_targets.npy"), want = fixture_npy("augment", "attack_fooling.npy");
    pp_npy iters = fixture_npy("augment", "attack_fooling_iters.npy");
    int32_t t[16];
    int got_iters[16], fooled = 0;
    const double lr[6] = {1, 2, 4, 8, 16, 32};
    for (int i = 0; i < s.n; i++)
        t[i] = (int32_t)((const int64_t *)targets.data)[i];
    CHECK_OK(pp_attack_fooling(s.ctx, &s.m, &x, t, lr, 30, got_iters, &fooled, NULL, &err), &err);
    int want_fooled = 0;
    for (int i = 0; i < s.n; i++) {
        const int w = (int)((const int64_t *)iters.data)[i];
        want_fooled += w < 30;
        CHECK(got_iters[i] == w, "image %d: fooled after %d updates, torch after %d", i, got_iters[i], w);
    }
    CHECK(fooled >= want_fooled, "%d images fooled, torch fooled %d", fooled, want_fooled);
    double e = pp_test_compare("fooling image", x.data, want.data, s.count, 1e-4, 1);
    CHECK(e <= 1e-4, "the fooling images differ from torch's by %g (relative)", e);
    pp_npy_free(&targets);
    pp_npy_free(&want);
    pp_npy_free(&iters);
    pp_tensor_free(&x);
    close_setup(&s);
}

static bool always(void *ctx)
{
    (void)ctx;
    return true;
}

/* A cancelled job stops an attack at its next iteration, before it moves the image. */
static void test_cancel(void)
{
    setup s;
    if (!open_setup(&s))
        return;
    pp_error err = {0};
    pp_tensor x = normalised_input(&s, &err), before = normalised_input(&s, &err);
    pp_job job = {.cancel = always};
    int32_t t[16] = {0};
    const double lr[16] = {1, 1, 1, 1, 1, 1};
    pp_pixel_space px = {mean, std_};
    CHECK(pp_attack_fooling(s.ctx, &s.m, &x, t, lr, 30, NULL, NULL, &job, &err) == PP_ERR_CANCELLED,
          "fooling not cancelled: %s", err.msg);
    CHECK(pp_attack_pgd(s.ctx, &s.m, &px, &x, s.labels, 0.1, 0.01, 50, false, 0, &job, &err) == PP_ERR_CANCELLED,
          "pgd not cancelled: %s", err.msg);
    CHECK(memcmp(x.data, before.data, sizeof(float) * s.count) == 0, "a cancelled attack moved the image");
    pp_tensor_free(&x);
    pp_tensor_free(&before);
    close_setup(&s);
}

int main(void)
{
    RUN_TEST(test_fgsm);
    RUN_TEST(test_pgd);
    RUN_TEST(test_fooling);
    RUN_TEST(test_cancel);
    return TEST_EXIT();
}

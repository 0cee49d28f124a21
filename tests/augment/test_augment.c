/* Augmentations against their references (fixtures from make_fixtures.py):
 * the numpy and torch draw emulations replay the reference draws exactly; the
 * official AugMix reproduces aug() bit for bit; torchvision's AugMix,
 * TrivialAugmentWide and AutoAugment and each tensor op (nearest and
 * bilinear) reproduce torchvision byte for byte; PRIME and Gaussian noise by
 * their laws; the JSD and stability losses and gradients against autograd. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "augment/augmentation.h"
#include "augment/numpy_draws.h"
#include "augment/torch_draws.h"
#include "augment/tv_ops.h"
#include "train/consistency_loss.h"
#include "fixture.h"
#include "test_util.h"

/* An (H, W[, C]) uint8 array as an image (the pixels are borrowed). */
static pp_image input_image(const pp_npy *a)
{
    pp_image img = {.height = (int)a->shape[0], .width = (int)a->shape[1],
                    .channels = a->ndim == 3 ? (int)a->shape[2] : 1, .pixels = a->data};
    return img;
}

static void test_rng_replay(void)
{
    FILE *f = fopen(fixture_path("augment", "rng.txt"), "r");
    CHECK(f != NULL, "rng.txt missing");
    if (!f)
        return;
    char kind[16];
    unsigned seed;
    int lines = 0;
    while (fscanf(f, "%15s %u", kind, &seed) == 2) {
        double v[32];
        int n = strcmp(kind, "numpy") == 0 ? 21 : 17;
        for (int i = 0; i < n; i++)
            CHECK(fscanf(f, "%lf", &v[i]) == 1, "short line");
        pp_mt19937 mt;
        pp_mt_seed(&mt, seed);
        double got[32];
        int k = 0;
        if (n == 21) {
            for (int i = 0; i < 3; i++)
                got[k++] = pp_np_random(&mt);
            for (int i = 0; i < 6; i++)
                got[k++] = pp_np_randint(&mt, 0, 9);
            for (int i = 0; i < 4; i++)
                got[k++] = pp_np_randint(&mt, 1, 4);
            for (int i = 0; i < 2; i++)
                got[k++] = pp_np_uniform(&mt, 0.1, 3);
            pp_np_dirichlet_ones(&mt, got + k, 3);
            k += 3;
            for (int i = 0; i < 3; i++)
                got[k++] = pp_np_beta_one_one(&mt);
        } else {
            for (int i = 0; i < 5; i++)
                got[k++] = pp_torch_randint(&mt, 9);
            got[k++] = pp_torch_randint(&mt, 31);
            for (int i = 0; i < 3; i++)
                got[k++] = pp_torch_rand_float(&mt);
            const float ones[3] = {1, 1, 1};
            float d[3];
            pp_torch_dirichlet(&mt, ones, 2, d);
            got[k++] = d[0], got[k++] = d[1];
            pp_torch_dirichlet(&mt, ones, 3, d);
            got[k++] = d[0], got[k++] = d[1], got[k++] = d[2];
            for (int i = 0; i < 3; i++)
                got[k++] = pp_torch_randint(&mt, 2);
        }
        for (int i = 0; i < n; i++)
            CHECK(got[i] == v[i], "%s seed %u draw %d: %.17g, the reference drew %.17g", kind, seed, i, got[i], v[i]);
        lines++;
    }
    fclose(f);
    CHECK(lines == 8, "%d lines", lines);
}

static pp_tv_op op_by_name(const char *name)
{
    for (int op = PP_TV_IDENTITY; op <= PP_TV_INVERT; op++)
        if (strcmp(pp_tv_op_name((pp_tv_op)op), name) == 0)
            return (pp_tv_op)op;
    return PP_TV_IDENTITY;
}

/* Counts differing bytes (printing the first); fails when any differs. */
static int compare_u8(const char *what, const uint8_t *got, const uint8_t *want, size_t n)
{
    size_t off = 0, worst = 0;
    for (size_t i = 0; i < n; i++) {
        int d = abs((int)got[i] - (int)want[i]);
        if (d) {
            if (off < 3)
                fprintf(stderr, "  %s: byte %zu is %d, torchvision %d\n", what, i, got[i], want[i]);
            off++;
            worst = (size_t)d > worst ? (size_t)d : worst;
        }
    }
    CHECK(off == 0, "%s: %zu bytes differ from the reference, the worst by %zu levels", what, off, worst);
    return (int)off;
}

static void test_tv_ops(void)
{
    pp_npy in = fixture_npy("corrupt", "input_rgb.npy"), want = fixture_npy("augment", "tv_ops.npy");
    pp_image x = input_image(&in);
    FILE *f = fopen(fixture_path("augment", "tv_ops.txt"), "r");
    CHECK(f != NULL, "tv_ops.txt missing");
    if (!f)
        return;
    char name[32], interp[16];
    float mag;
    int64_t k = 0;
    const size_t bytes = (size_t)x.width * x.height * x.channels;
    pp_image out;
    pp_error err = {0};
    CHECK_OK(pp_image_alloc(&out, x.width, x.height, x.channels, &err), &err);
    while (fscanf(f, "%31s %f %15s", name, &mag, interp) == 3 && k < want.shape[0]) {
        pp_tv_op op = op_by_name(name);
        pp_tv_apply(&out, &x, op, mag, strcmp(interp, "bilinear") == 0);
        char what[96];
        snprintf(what, sizeof what, "%s %g %s", name, mag, interp);
        compare_u8(what, out.pixels, (const uint8_t *)want.data + k * bytes, bytes);
        k++;
    }
    fclose(f);
    CHECK(k == want.shape[0], "%lld of %lld cases", (long long)k, (long long)want.shape[0]);
    pp_image_free(&out);
    pp_npy_free(&in);
    pp_npy_free(&want);
}

static void config(pp_augment_config *cfg, const char *spec)
{
    pp_error err = {0};
    CHECK_OK(pp_augment_config_parse(cfg, spec, &err), &err);
}

/* uint8 methods: seed s of the fixture stack against pp_augment_image(seed s). */
static void check_u8_method(const char *spec, const char *input, const char *fixture)
{
    pp_npy in = fixture_npy(input[0] == 'c' ? "corrupt" : "augment", input[0] == 'c' ? "input_rgb.npy" : input);
    pp_npy want = fixture_npy("augment", fixture);
    pp_image x = input_image(&in);
    pp_augment_config cfg;
    config(&cfg, spec);
    const size_t bytes = (size_t)x.width * x.height * x.channels;
    for (int64_t s = 0; s < want.shape[0]; s++) {
        pp_image out;
        pp_error err = {0};
        CHECK_OK(pp_augment_image(&cfg, (uint32_t)s, &x, &out, &err), &err);
        char what[96];
        snprintf(what, sizeof what, "%s seed %lld", spec, (long long)s);
        compare_u8(what, out.pixels, (const uint8_t *)want.data + s * bytes, bytes);
        pp_image_free(&out);
    }
    pp_npy_free(&in);
    pp_npy_free(&want);
}

static void test_augmix_tv(void)
{
    check_u8_method("augmix-tv", "c", "augmix_tv.npy");
    check_u8_method("augmix-tv", "input_gray28.npy", "augmix_tv_gray.npy");
}

static void test_trivialaugment(void)
{
    check_u8_method("trivialaugment", "c", "trivialaugment.npy");
}

static void test_autoaugment(void)
{
    check_u8_method("autoaugment", "c", "autoaugment.npy");
}

static void check_official(const char *spec, const char *input, const char *fixture, const float *mean,
                           const float *std)
{
    pp_npy in = fixture_npy(input[0] == 'c' ? "corrupt" : "augment", input[0] == 'c' ? "input_rgb.npy" : input);
    pp_npy want = fixture_npy("augment", fixture);
    pp_image x = input_image(&in);
    pp_augment_config cfg;
    config(&cfg, spec);
    const size_t n = (size_t)x.width * x.height * x.channels;
    float *out = malloc(sizeof(float) * n);
    for (int64_t s = 0; s < want.shape[0]; s++) {
        pp_augment_ctx ctx = {.seed = (uint32_t)s, .mean = mean, .std = std, .batch = 1};
        pp_error err = {0};
        CHECK_OK(pp_augment_normalised(&cfg, &ctx, &x, out, &err), &err);
        char what[96];
        snprintf(what, sizeof what, "%s seed %lld", spec, (long long)s);
        double e = pp_test_compare(what, out, (const float *)want.data + s * n, n, 0, 0);
        CHECK(e == 0, "%s: differs from aug() by %g", what, e);
    }
    free(out);
    pp_npy_free(&in);
    pp_npy_free(&want);
}

static void test_augmix_official(void)
{
    const float half[3] = {0.5f, 0.5f, 0.5f}, fm_mean[1] = {0.2860f}, fm_std[1] = {0.3530f};
    check_official("augmix", "c", "augmix_official.npy", half, half);
    check_official("augmix:severity=1", "c", "augmix_official_s1.npy", half, half);
    check_official("augmix", "input_gray28.npy", "augmix_official_gray.npy", fm_mean, fm_std);
}

/* JSD (AugMix cifar.py) and stability KL: loss and d/dlogits vs torch autograd. */
static void check_loss(const char *logits_file, const char *out_file, int views, double weight)
{
    pp_npy z = fixture_npy("augment", logits_file), y = fixture_npy("augment", "jsd_labels.npy");
    pp_npy want = fixture_npy("augment", out_file);
    const int rows = (int)z.shape[0], classes = (int)z.shape[1], batch = rows / views;
    int32_t labels[64];
    for (int i = 0; i < batch; i++)
        labels[i] = (int32_t)((const int64_t *)y.data)[i];
    float *grad = malloc(sizeof(float) * (size_t)rows * classes);
    double loss = views == 3 ? pp_jsd_loss(grad, z.data, labels, batch, classes, weight)
                             : pp_stability_loss(grad, z.data, labels, batch, classes, weight);
    const float *w = want.data;
    CHECK(fabs(loss - w[0]) <= 1e-5 * fabs(w[0]), "%s: loss %.8g, torch %.8g", out_file, loss, w[0]);
    double e = pp_test_compare(out_file, grad, w + 1, (size_t)rows * classes, 1e-5, 1);
    CHECK(e <= 1e-5, "%s: gradient differs from autograd by %g (relative)", out_file, e);
    free(grad);
    pp_npy_free(&z);
    pp_npy_free(&y);
    pp_npy_free(&want);
}

static void test_consistency_losses(void)
{
    check_loss("jsd_logits.npy", "jsd_out.npy", 3, PP_JSD_LAMBDA);
    check_loss("stability_logits.npy", "stability_out.npy", 2, 0.5);
}

static int compare_floats(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Gaussian noise on a mid-grey image (no clamping): the first round(B * clean)
 * positions untouched, the others with noise of mean 0 and std sigma; per-image
 * sigma takes only the five ImageNet-C values, each about a fifth of the time. */
static void test_gaussian_laws(void)
{
    enum { S = 32, B = 10 };
    pp_image grey;
    pp_error err = {0};
    CHECK_OK(pp_image_alloc(&grey, S, S, 3, &err), &err);
    memset(grey.pixels, 128, S * S * 3);
    const float zero[3] = {0, 0, 0}, one[3] = {1, 1, 1};
    float *out = malloc(sizeof(float) * S * S * 3);
    pp_augment_config fixed, per_image;
    config(&fixed, "gaussian:sigma=0.1,clean=0.3");
    config(&per_image, "gaussian:per_image=1,clean=0");
    for (int pos = 0; pos < B; pos++) {
        pp_augment_ctx ctx = {.seed = 77u + (uint32_t)pos, .mean = zero, .std = one, .position = pos, .batch = B};
        CHECK_OK(pp_augment_normalised(&fixed, &ctx, &grey, out, &err), &err);
        double sum = 0, sq = 0;
        for (int i = 0; i < S * S * 3; i++) {
            double d = out[i] - 128 / 255.0;
            sum += d, sq += d * d;
        }
        const double mean = sum / (S * S * 3), sd = sqrt(fmax(0, sq / (S * S * 3) - mean * mean));
        if (pos < 3)
            CHECK(sd < 1e-6, "position %d of %d should stay clean (clean=0.3), std %g", pos, B, sd);
        else
            CHECK(fabs(mean) < 0.01 && fabs(sd - 0.1) < 0.006, "position %d: noise mean %g std %g, want 0 and 0.1",
                  pos, mean, sd);
    }
    static const double levels[5] = {0.08, 0.12, 0.18, 0.26, 0.38};
    int hits[5] = {0};
    const int n = 500;
    for (int s = 0; s < n; s++) {
        pp_augment_ctx ctx = {.seed = (uint32_t)s, .mean = zero, .std = one, .position = 0, .batch = 1};
        CHECK_OK(pp_augment_normalised(&per_image, &ctx, &grey, out, &err), &err);
        /* clamping at 0 and 1 cuts the tails (19 % of them at sigma 0.38): the median
         * absolute deviation, 0.6745 sigma, does not see it */
        for (int i = 0; i < S * S * 3; i++)
            out[i] = fabsf(out[i] - 128 / 255.0f);
        qsort(out, S * S * 3, sizeof(float), compare_floats);
        double sd = out[S * S * 3 / 2] / 0.6745, best = 1;
        int k = -1;
        for (int l = 0; l < 5; l++)
            if (fabs(sd - levels[l]) < best)
                best = fabs(sd - levels[l]), k = l;
        CHECK(best < 0.04, "seed %d: noise std %g is none of the five severities", s, sd);
        if (k >= 0)
            hits[k]++;
    }
    for (int l = 0; l < 5; l++) /* binomial(500, 1/5): sd ~ 9; 5 sd */
        CHECK(abs(hits[l] - n / 5) < 45, "sigma %g drawn %d times of %d", levels[l], hits[l], n);
    free(out);
    pp_image_free(&grey);
}

/* PRIME: a mix of [0, 1] images stays in [0, 1] before normalisation; seeded
 * (same seed, same bytes; another seed, another image); it changes the image
 * and, over seeds, every primitive shows: at width 1 / depth 1 the mixing
 * weight m ~ U(0, 1) makes the distance to the clean image vary continuously. */
static void test_prime_laws(void)
{
    pp_npy in = fixture_npy("corrupt", "input_rgb.npy");
    pp_image x = input_image(&in);
    const size_t n = (size_t)x.width * x.height * 3;
    const float zero[3] = {0, 0, 0}, one[3] = {1, 1, 1};
    float *a = malloc(sizeof(float) * n), *b = malloc(sizeof(float) * n);
    pp_augment_config cfg;
    config(&cfg, "prime");
    pp_error err = {0};
    int changed = 0;
    double lo = 1, hi = 0;
    for (uint32_t s = 0; s < 60; s++) {
        pp_augment_ctx ctx = {.seed = s, .mean = zero, .std = one, .batch = 1};
        CHECK_OK(pp_augment_normalised(&cfg, &ctx, &x, a, &err), &err);
        double dist = 0;
        for (size_t i = 0; i < n; i++) {
            lo = fmin(lo, a[i]), hi = fmax(hi, a[i]);
            const int c = (int)(i / (n / 3));
            dist += fabs(a[i] - x.pixels[(i % (n / 3)) * 3 + c] / 255.0);
        }
        changed += dist / n > 1e-3;
        CHECK_OK(pp_augment_normalised(&cfg, &ctx, &x, b, &err), &err);
        CHECK(memcmp(a, b, sizeof(float) * n) == 0, "seed %u: two runs differ", s);
    }
    CHECK(lo >= 0 && hi <= 1, "values outside [0, 1]: %g .. %g", lo, hi);
    CHECK(changed >= 55, "only %d of 60 PRIME images differ from the clean one", changed);
    pp_augment_ctx c0 = {.seed = 1, .mean = zero, .std = one, .batch = 1}, c1 = c0;
    c1.seed = 2;
    CHECK_OK(pp_augment_normalised(&cfg, &c0, &x, a, &err), &err);
    CHECK_OK(pp_augment_normalised(&cfg, &c1, &x, b, &err), &err);
    CHECK(memcmp(a, b, sizeof(float) * n) != 0, "seeds 1 and 2 gave the same image");
    free(a);
    free(b);
    pp_npy_free(&in);
}

/* Unknown names and parameters list the valid ones. */
static void test_bad_specs(void)
{
    pp_augment_config cfg;
    pp_error err = {0};
    CHECK(pp_augment_config_parse(&cfg, "augmax", &err) != PP_OK && strstr(err.msg, "augmix-tv") &&
              strstr(err.msg, "trivialaugment"),
          "unknown method: %s", err.msg);
    CHECK(pp_augment_config_parse(&cfg, "augmix:severity=11", &err) != PP_OK && strstr(err.msg, "1 to 10"),
          "out of range: %s", err.msg);
    CHECK(pp_augment_config_parse(&cfg, "augmix:sev=3", &err) != PP_OK && strstr(err.msg, "severity"),
          "unknown key: %s", err.msg);
    CHECK(pp_augment_config_parse(&cfg, "augmix:width=2.5", &err) != PP_OK, "a fraction for an integer");
    CHECK_OK(pp_augment_config_parse(&cfg, "augmix:severity=1,width=2", &err), &err);
    char spec[256];
    pp_augment_config_format(&cfg, spec, sizeof spec);
    CHECK(strcmp(spec, "augmix:severity=1,width=2,depth=-1") == 0, "formatted as %s", spec);
}

int main(void)
{
    RUN_TEST(test_rng_replay);
    RUN_TEST(test_tv_ops);
    RUN_TEST(test_augmix_official);
    RUN_TEST(test_augmix_tv);
    RUN_TEST(test_trivialaugment);
    RUN_TEST(test_autoaugment);
    RUN_TEST(test_consistency_losses);
    RUN_TEST(test_gaussian_laws);
    RUN_TEST(test_prime_laws);
    RUN_TEST(test_bad_specs);
    return TEST_EXIT();
}

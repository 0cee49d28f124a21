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

int main(void)
{
    RUN_TEST(test_rng_replay);
    RUN_TEST(test_tv_ops);
    RUN_TEST(test_augmix_official);
    RUN_TEST(test_augmix_tv);
    RUN_TEST(test_trivialaugment);
    RUN_TEST(test_autoaugment);
    return TEST_EXIT();
}

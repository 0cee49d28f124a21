/* Gabor kernels against OpenCV (make_gabor_fixtures.py) and the inhibition
 * lab's unit: if these fail, the lab draws a push kernel that is not the
 * Gabor its sliders name (orientation, wavelength, phase swapped or flipped),
 * or its push/pull/output responses and SNRs are not the PushPull unit's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/gabor.h"
#include "ckpt/npy.h"
#include "corrupt/corruption.h"
#include "fixture.h"
#include "pushpull_lab.h"
#include "test_util.h"

static void test_gabor_matches_opencv(void)
{
    pp_npy params = fixture_npy("analysis", "gabor_params.npy");
    const float *p = params.data; /* (cases, 6) */
    for (int64_t i = 0; i < params.shape[0]; i++, p += 6) {
        char name[32];
        snprintf(name, sizeof name, "gabor_%d.npy", (int)i);
        pp_npy want = fixture_npy("analysis", name);
        pp_gabor g = {.size = (int)p[0], .theta = p[1], .lambda = p[2], .psi = p[3], .sigma = p[4], .gamma = p[5]};
        CHECK(want.shape[0] == g.size && want.shape[1] == g.size, "%s: fixture shape", name);
        float *got = malloc(sizeof(float) * g.size * g.size);
        CHECK(pp_gabor_kernel(got, &g) == 0, "%s: parameters refused", name);
        float worst = 0;
        int shown = 0;
        for (int j = 0; j < g.size * g.size; j++) {
            float d = fabsf(got[j] - ((const float *)want.data)[j]);
            worst = d > worst ? d : worst;
            if (d > 1e-5f && shown++ < 5)
                fprintf(stderr, "  %s[%d,%d]: got %g want %g\n", name, j / g.size, j % g.size, got[j],
                        ((const float *)want.data)[j]);
        }
        CHECK(worst <= 1e-5f, "%s: max abs diff %g against cv2.getGaborKernel", name, worst);
        free(got);
        pp_npy_free(&want);
    }
    pp_npy_free(&params);
}

static void test_gabor_refuses_bad_parameters(void)
{
    float k[PP_GABOR_MAX_SIZE * PP_GABOR_MAX_SIZE];
    pp_gabor ok = {.size = 5, .lambda = 4, .sigma = 2, .gamma = 1};
    CHECK(pp_gabor_kernel(k, &ok) == 0, "a valid kernel refused");
    pp_gabor even = ok, flat = ok, wide = ok;
    even.size = 6;
    flat.lambda = 0;
    wide.size = PP_GABOR_MAX_SIZE + 2;
    CHECK(pp_gabor_kernel(k, &even) != 0, "an even size accepted");
    CHECK(pp_gabor_kernel(k, &flat) != 0, "lambda 0 accepted");
    CHECK(pp_gabor_kernel(k, &wide) != 0, "size above the maximum accepted");
}

static pp_image photo(void)
{
    char path[4096];
    const char *root = getenv("PP_FIXTURES");
    snprintf(path, sizeof path, "%s/../../assets/images/photos/camera.png", root ? root : "tests/fixtures");
    pp_image img = {0};
    pp_error err = {0};
    if (pp_image_load(path, &img, &err) != PP_OK) {
        fprintf(stderr, "photo: %s\n", err.msg);
        exit(1);
    }
    return img;
}

static pp_lab_unit lab_unit(float alpha, int avg)
{
    pp_lab_unit u = {.gabor = {.size = 11, .theta = 0, .lambda = 6, .psi = 0, .gamma = 1}, .alpha = alpha, .avg = avg};
    u.gabor.sigma = pp_gabor_default_sigma(u.gabor.lambda, u.gabor.size);
    return u;
}

static pp_image noisy(const pp_image *clean, double severity)
{
    pp_image out = {0};
    pp_error err = {0};
    pp_corruption_request req = {.severity = severity, .seed = 1};
    CHECK_OK(pp_corruption_apply(pp_corruption_find("gaussian_noise"), &req, clean, &out, &err), &err);
    return out;
}

/* The pull kernel is the paper's complement, and alpha 0 leaves the push path. */
static void test_lab_pull_kernel_and_alpha_zero(void)
{
    pp_image clean = photo(), dirty = noisy(&clean, 3);
    pp_lab_unit u = lab_unit(0, 3);
    pp_lab_result r;
    pp_error err = {0};
    CHECK_OK(pp_lab_run(&r, &u, &clean, &dirty, &err), &err);
    float hi = -INFINITY, lo = INFINITY;
    for (int i = 0; i < 121; i++) {
        hi = fmaxf(hi, r.kernel_push[i]);
        lo = fminf(lo, r.kernel_push[i]);
    }
    float worst = 0;
    for (int i = 0; i < 121; i++)
        worst = fmaxf(worst, fabsf(r.kernel_pull[i] - (-r.kernel_push[i] + hi + lo)));
    CHECK(worst < 1e-6f, "pull kernel differs from -W + (max W + min W) by %g", worst);
    size_t plane = (size_t)r.width * r.height;
    int differ = 0;
    for (size_t p = 0; p < plane; p++)
        differ += r.corrupted.out[p] != r.corrupted.push[p];
    CHECK(differ == 0, "alpha 0: %d output pixels differ from relu(push)", differ);
    CHECK(r.snr_out == r.snr_push, "alpha 0: output SNR %g != push SNR %g", r.snr_out, r.snr_push);
    pp_lab_result_free(&r);
    pp_image_free(&dirty);
    pp_image_free(&clean);
}

/* Gaussian noise at severity 3 on the camera photo: with pooling and a
 * moderate alpha the output keeps more of its signal than push alone, and
 * more noise means a lower SNR. */
static void test_lab_inhibition_raises_snr(void)
{
    pp_image clean = photo(), s1 = noisy(&clean, 1), s3 = noisy(&clean, 3);
    pp_error err = {0};
    pp_lab_result r0, r1, r3;
    pp_lab_unit push_only = lab_unit(0, 3), inhibited = lab_unit(1, 3);
    CHECK_OK(pp_lab_run(&r0, &push_only, &clean, &s3, &err), &err);
    CHECK_OK(pp_lab_run(&r3, &inhibited, &clean, &s3, &err), &err);
    CHECK_OK(pp_lab_run(&r1, &inhibited, &clean, &s1, &err), &err);
    printf("gaussian_noise s3: push %.2f dB, pull %.2f dB, output (alpha 1, pool 3) %.2f dB; s1 output %.2f dB\n",
           r3.snr_push, r3.snr_pull, r3.snr_out, r1.snr_out);
    CHECK(r3.snr_out > r0.snr_out, "alpha 1 output SNR %.2f dB not above push-only %.2f dB", r3.snr_out, r0.snr_out);
    CHECK(r1.snr_out > r3.snr_out, "severity 1 SNR %.2f dB not above severity 3's %.2f dB", r1.snr_out, r3.snr_out);
    pp_lab_result_free(&r0);
    pp_lab_result_free(&r1);
    pp_lab_result_free(&r3);
    pp_image_free(&s1);
    pp_image_free(&s3);
    pp_image_free(&clean);
}

static void test_lab_refuses_bad_units(void)
{
    pp_image clean = photo();
    pp_lab_result r;
    pp_error err = {0};
    pp_lab_unit u = lab_unit(1, 4);
    CHECK(pp_lab_run(&r, &u, &clean, &clean, &err) == PP_ERR_ARG, "pooling 4 accepted");
    u = lab_unit(-1, 3);
    CHECK(pp_lab_run(&r, &u, &clean, &clean, &err) == PP_ERR_ARG, "negative alpha accepted");
    pp_image_free(&clean);
}

int main(void)
{
    RUN_TEST(test_gabor_matches_opencv);
    RUN_TEST(test_gabor_refuses_bad_parameters);
    RUN_TEST(test_lab_pull_kernel_and_alpha_zero);
    RUN_TEST(test_lab_inhibition_raises_snr);
    RUN_TEST(test_lab_refuses_bad_units);
    return TEST_EXIT();
}

/* The probe path: SNR arithmetic, the cached clean side, severity-0 results
 * equal to a plain forward pass, SNR falling as noise grows, sweep flips. */
#include <math.h>
#include <string.h>

#include "../fixture.h"
#include "../test_util.h"
#include "analysis/snr.h"
#include "model_file.h"
#include "probe.h"
#include "topk.h"
#include "threads.h"

static void test_snr_arithmetic(void)
{
    /* N=1, C=2, plane 2: channel 0 clean (1, 2) noisy (1, 3): signal 5, noise 1;
     * channel 1 identical (0, 4). Pooled: signal 21, noise 1. */
    float clean[4] = {1, 2, 0, 4}, noisy[4] = {1, 3, 0, 4};
    double per[2];
    double pooled = pp_snr_db(clean, noisy, 1, 2, 2, per);
    CHECK(fabs(per[0] - 10 * log10(5.0)) < 1e-9, "channel 0: %.6f", per[0]);
    CHECK(isinf(per[1]) && per[1] > 0, "identical channel is +inf");
    CHECK(fabs(pooled - 10 * log10(21.0)) < 1e-9, "pooled: %.6f", pooled);
    float zero[2] = {0, 0}, some[2] = {1, 0};
    CHECK(isinf(pp_snr_db(zero, some, 1, 1, 2, NULL)) && pp_snr_db(zero, some, 1, 1, 2, NULL) < 0,
          "no signal, some noise: -inf");
}

static bool open_model(pp_model *m, const char *file)
{
    pp_error err = {0};
    char notes[256];
    pp_arch_hints hints = {.avg_kernel = -1};
    if (pp_model_open(m, fixture_path("core", file), &hints, notes, sizeof notes, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return false;
    }
    return true;
}

static void test_probe_clean_and_noise(void)
{
    pp_model m;
    if (!open_model(&m, "r18_cifar_gray_pp5.safetensors"))
        return;
    pp_image img;
    pp_error err = {0};
    CHECK_OK(pp_image_load(fixture_path("images", "rgb_40x30.png"), &img, &err), &err);
    pp_probe p;
    CHECK_OK(pp_probe_init(&p, &m, &img, pp_threads_default(), &err), &err);
    if (err.status)
        return;
    pp_probe_result r;
    CHECK_OK(pp_probe_run(&p, NULL, NULL, &r, &err), &err);
    CHECK(isinf(r.snr_push) && isinf(r.snr_output), "severity 0: +inf SNR");

    /* The same prediction as a plain forward pass of the preprocessed image. */
    pp_tensor x, logits = {0};
    pp_tensor_alloc4(&x, 1, 1, 28, 28, &err);
    pp_preprocess pre;
    pp_preprocess_for_model(&pre, &m);
    pp_preprocess_image(&pre, &img, &x, 0, &err);
    pp_forward_ctx *ctx = pp_forward_ctx_new(pp_threads_default());
    CHECK_OK(pp_model_forward(&m, ctx, &x, &logits, NULL, &err), &err);
    int order[1];
    pp_topk(order, logits.data, 10, 1);
    CHECK(order[0] == r.top_class[0], "probe top-1 %d vs forward %d", r.top_class[0], order[0]);
    pp_probe_result_free(&r);

    /* Gaussian noise: SNR falls as the severity rises, for both paths. */
    const pp_corruption *noise = pp_corruption_find("gaussian_noise");
    double last_push = INFINITY, last_out = INFINITY;
    for (int s = 1; s <= 5; s += 2) {
        pp_corruption_request req = {.severity = s, .seed = 7};
        CHECK_OK(pp_probe_run(&p, noise, &req, &r, &err), &err);
        CHECK(r.snr_push < last_push && r.snr_output < last_out, "severity %d: SNR %.2f/%.2f not below %.2f/%.2f", s,
              r.snr_push, r.snr_output, last_push, last_out);
        CHECK(isfinite(r.snr_output_channel[0]) || isinf(r.snr_output_channel[0]), "per-channel values present");
        last_push = r.snr_push;
        last_out = r.snr_output;
        pp_probe_result_free(&r);
    }

    static pp_probe_sweep sw;
    pp_corruption_request base = {.seed = 7};
    CHECK_OK(pp_probe_sweep_run(&p, noise, &base, 10, &sw, NULL, NULL, &err), &err);
    CHECK(sw.steps == 10 && sw.severity[10] == 5.0 && isinf(sw.snr_output[0]), "sweep covers 0..5");
    for (int i = 1; i <= 10; i++)
        CHECK(sw.flip[i] == (sw.top1[i] != sw.top1[i - 1]), "flip %d marks a change of the top-1", i);
    pp_forward_ctx_free(ctx);
    pp_tensor_free(&x);
    pp_tensor_free(&logits);
    pp_probe_free(&p);
    pp_image_free(&img);
    pp_model_free(&m);
}

static void test_probe_baseline(void)
{
    pp_model m;
    if (!open_model(&m, "r18_cifar_gray_base.safetensors"))
        return;
    pp_image img;
    pp_error err = {0};
    CHECK_OK(pp_image_load(fixture_path("images", "gray_28.png"), &img, &err), &err);
    pp_probe p;
    CHECK_OK(pp_probe_init(&p, &m, &img, pp_threads_default(), &err), &err);
    pp_probe_result r;
    pp_corruption_request req = {.severity = 2, .seed = 1};
    CHECK_OK(pp_probe_run(&p, pp_corruption_find("shot_noise"), &req, &r, &err), &err);
    CHECK(isnan(r.snr_push) && isfinite(r.snr_output), "baseline: no push path, a finite conv1 SNR");
    pp_probe_result_free(&r);
    pp_probe_free(&p);
    pp_image_free(&img);
    pp_model_free(&m);
}

int main(void)
{
    RUN_TEST(test_snr_arithmetic);
    RUN_TEST(test_probe_clean_and_noise);
    RUN_TEST(test_probe_baseline);
    return TEST_EXIT();
}

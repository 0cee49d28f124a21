/* The probe path: SNR arithmetic, the cached clean side, severity-0 results
 * equal to a plain forward pass, SNR falling as noise grows, sweep flips. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../fixture_compare.h"
#include "../test_util.h"
#include "analysis/snr.h"
#include "model_file.h"
#include "probe.h"
#include "probe_columns.h"
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

/* The probe's SNRs of its last run are pp_snr_db's of its taps to the bit
 * (the output tap as it is, the push tap after a ReLU), every channel. */
static void check_snr_matches_reference(const pp_probe *p, const pp_probe_result *r)
{
    static const pp_tap taps[2] = {PP_TAP_CONV1, PP_TAP_PUSH};
    for (int t = 0; t < 2; t++) {
        const pp_tensor *a = &p->clean_taps.out[taps[t]], *b = &p->taps.out[taps[t]];
        const int n = (int)a->shape[0], channels = (int)a->shape[1];
        const size_t plane = (size_t)(a->shape[2] * a->shape[3]), count = (size_t)n * channels * plane;
        float *x = malloc(sizeof(float) * count), *y = malloc(sizeof(float) * count);
        double *per = malloc(sizeof(double) * (size_t)channels);
        for (size_t i = 0; i < count; i++) { /* the push-only path's response: relu(conv(x, W)) */
            x[i] = t == 0 || a->data[i] > 0 ? a->data[i] : 0;
            y[i] = t == 0 || b->data[i] > 0 ? b->data[i] : 0;
        }
        const double want = pp_snr_db(x, y, n, channels, plane, per);
        const double got = t == 0 ? r->snr_output : r->snr_push;
        const double *got_per = t == 0 ? r->snr_output_channel : r->snr_push_channel;
        CHECK(got == want, "tap %d: SNR %.17g, pp_snr_db %.17g", t, got, want);
        for (int c = 0; c < channels; c++)
            CHECK(got_per[c] == per[c], "tap %d channel %d: %.17g vs %.17g", t, c, got_per[c], per[c]);
        free(x);
        free(y);
        free(per);
    }
}

/* The push-pull fixture (r18_cifar_gray_pp5) and a 40x30 colour image (the
 * probe resizes and greys it), with a probe of it on `threads` threads; false
 * when the fixture is missing or a step failed (reported; nothing to free). */
static bool open_probe_fixture(pp_model *m, pp_image *img, pp_probe *p, int threads)
{
    if (!fixture_open_model(m, "core", "r18_cifar_gray_pp5.safetensors"))
        return false;
    pp_error err = {0};
    CHECK_OK(pp_image_load(fixture_path("images", "rgb_40x30.png"), img, &err), &err);
    if (err.status) {
        pp_model_free(m);
        return false;
    }
    CHECK_OK(pp_probe_init(p, m, img, threads, &err), &err);
    if (err.status) {
        pp_image_free(img);
        pp_model_free(m);
        return false;
    }
    return true;
}

static void close_probe_fixture(pp_model *m, pp_image *img, pp_probe *p)
{
    pp_probe_free(p);
    pp_image_free(img);
    pp_model_free(m);
}

static void test_probe_clean_and_noise(void)
{
    pp_model m;
    pp_image img;
    pp_probe p;
    if (!open_probe_fixture(&m, &img, &p, pp_threads_default()))
        return;
    pp_error err = {0};
    pp_probe_result r;
    CHECK_OK(pp_probe_run(&p, NULL, NULL, &r, &err), &err);
    CHECK(isinf(r.snr_push) && isinf(r.snr_output), "severity 0: +inf SNR");

    /* The same prediction as a plain forward pass of the preprocessed image. */
    pp_tensor x, logits = {0};
    pp_tensor_alloc4(&x, 1, 1, 28, 28, &err);
    pp_preprocess pre;
    CHECK_OK(pp_preprocess_for_model(&pre, &m, &err), &err);
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
        check_snr_matches_reference(&p, &r);
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

    /* "none" names the clean image (NULL, whatever the severity); a registry
     * name its entry; anything else is refused */
    const pp_corruption *c = noise;
    CHECK(pp_probe_corruption_find("none", &c) && c == NULL, "none: the clean probe");
    CHECK(pp_probe_corruption_find("gaussian_noise", &c) && c == noise, "a registry name: its entry");
    CHECK(!pp_probe_corruption_find("smog", &c) && !pp_probe_corruption_find(NULL, &c), "an unknown name is refused");
    pp_corruption_request loud = {.severity = 5, .seed = 7};
    CHECK(pp_probe_corruption_find("none", &c), "none again");
    CHECK_OK(pp_probe_run(&p, c, &loud, &r, &err), &err);
    CHECK(isinf(r.snr_push) && isinf(r.snr_output), "none at severity 5: the clean SNRs (+inf)");
    pp_probe_result_free(&r);
    pp_forward_ctx_free(ctx);
    pp_tensor_free(&x);
    pp_tensor_free(&logits);
    close_probe_fixture(&m, &img, &p);
}

/* The two stages (pp_probe_first_layer, pp_probe_predict): stage one has the
 * final SNRs, stage two pp_probe_run's predictions; a cancel stops stage two
 * at a layer boundary, and the probe runs as before afterwards; stage one of
 * two probes may run before stage two of either; probes of the same clean
 * image say so. */
typedef struct {
    int asks, cancel_after; /* cancel at that ask (0: never) */
} cancel_log;

static bool cancel_at(void *data)
{
    cancel_log *l = data;
    return l->cancel_after > 0 && ++l->asks >= l->cancel_after;
}

static void test_probe_stages(void)
{
    pp_model m;
    pp_image img, corrupted = {0};
    pp_probe p, q;
    if (!open_probe_fixture(&m, &img, &p, 2))
        return;
    pp_error err = {0};
    CHECK_OK(pp_probe_init(&q, &m, &img, 2, &err), &err);
    if (err.status) {
        close_probe_fixture(&m, &img, &p);
        return;
    }
    CHECK(pp_probe_same_input(&p, &q), "two probes of one image at one geometry share the input");
    const pp_corruption *noise = pp_corruption_find("gaussian_noise");
    pp_corruption_request req = {.severity = 3, .seed = 11};
    pp_probe_result whole, a, b;
    CHECK_OK(pp_probe_run(&p, noise, &req, &whole, &err), &err);

    /* stage one of both, then stage two of both */
    CHECK_OK(pp_probe_corrupt(&q, noise, &req, &corrupted, &err), &err);
    double ms1 = -1, ms2 = -1;
    CHECK_OK(pp_probe_first_layer(&p, &corrupted, &a, &ms1, &err), &err);
    CHECK_OK(pp_probe_first_layer(&q, &corrupted, &b, NULL, &err), &err);
    CHECK(a.snr_output == whole.snr_output && a.snr_push == whole.snr_push && b.snr_output == whole.snr_output,
          "stage one has the final SNRs (%.3f, %.3f vs %.3f)", a.snr_output, b.snr_output, whole.snr_output);
    CHECK(a.top_class[0] == 0 && a.top_prob[0] == 0, "and no predictions yet");
    CHECK_OK(pp_probe_predict(&p, NULL, NULL, &a, &ms2, &err), &err);
    CHECK_OK(pp_probe_predict(&q, NULL, NULL, &b, NULL, &err), &err);
    for (int k = 0; k < PP_PROBE_TOPK; k++)
        CHECK(a.top_class[k] == whole.top_class[k] && a.top_prob[k] == whole.top_prob[k] &&
                  b.top_prob[k] == whole.top_prob[k],
              "rank %d: the staged predictions are pp_probe_run's", k);
    CHECK(ms1 >= 0 && ms2 >= 0, "the forward times are reported");
    pp_probe_result_free(&a);
    pp_probe_result_free(&b);

    /* cancelled at the third boundary of stage two: no result, and the next run is unaffected */
    cancel_log stop = {.cancel_after = 3};
    pp_error cancelled = {0};
    CHECK_OK(pp_probe_first_layer(&q, &corrupted, &b, NULL, &err), &err);
    CHECK(pp_probe_predict(&q, cancel_at, &stop, &b, NULL, &cancelled) == PP_ERR_CANCELLED, "a cancel stops it: %s",
          cancelled.msg);
    CHECK(stop.asks == 3 && b.corrupted.pixels == NULL, "stopped at the boundary asked (%d asks), out freed", stop.asks);
    pp_error again = {0};
    CHECK(pp_probe_predict(&q, NULL, NULL, &b, NULL, &again) == PP_ERR_ARG, "stage two needs stage one: %s", again.msg);
    CHECK_OK(pp_probe_run(&q, noise, &req, &b, &err), &err);
    CHECK(b.top_class[0] == whole.top_class[0] && b.top_prob[0] == whole.top_prob[0], "after a cancel, the same result");
    pp_probe_result_free(&b);

    /* an image of another geometry is refused, not read out of bounds */
    pp_image small = {.width = 3, .height = 3, .channels = 1, .pixels = corrupted.pixels};
    pp_error shape = {0};
    CHECK(pp_probe_first_layer(&q, &small, &b, NULL, &shape) == PP_ERR_SHAPE, "other geometry: %s", shape.msg);
    pp_probe_result_free(&whole);
    pp_image_free(&corrupted);
    pp_probe_free(&q);
    close_probe_fixture(&m, &img, &p);
}

/* A copy of a probe (pp_probe_copy: the studio's second set of probes for a
 * newer move's first stage) runs as the original, bit for bit, without a
 * clean forward of its own, and says it has the same view until the
 * original's overrides change. If this fails, the slider's image and SNRs
 * made on the second set differ from those of the update that shows them. */
static void test_probe_copy(void)
{
    pp_model m;
    pp_image img;
    pp_probe p, q;
    if (!open_probe_fixture(&m, &img, &p, 2))
        return;
    pp_error err = {0};
    const float half[64] = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f};
    CHECK(m.arch.width <= 64, "the fixture's width fits the test's alpha");
    pp_probe_overrides o = {.alpha = half, .avg_kernel = -1};
    CHECK_OK(pp_probe_set_overrides(&p, &o, &err), &err);
    CHECK_OK(pp_probe_copy(&q, &p, &err), &err);
    if (err.status) {
        close_probe_fixture(&m, &img, &p);
        return;
    }
    CHECK(pp_probe_same_view(&p, &q) && q.clean_top1 == p.clean_top1, "the copy has the view and the clean side");
    CHECK(q.view.pp.alpha != p.view.pp.alpha && q.view.pp.alpha[0] == 0.5f, "with an alpha of its own");
    const pp_corruption *noise = pp_corruption_find("gaussian_noise");
    pp_corruption_request req = {.severity = 4, .seed = 3};
    pp_probe_result a, b;
    CHECK_OK(pp_probe_run(&p, noise, &req, &a, &err), &err);
    CHECK_OK(pp_probe_run(&q, noise, &req, &b, &err), &err);
    CHECK(a.snr_output == b.snr_output && a.snr_push == b.snr_push, "the same SNRs (%.6f, %.6f)", a.snr_output,
          b.snr_output);
    for (int k = 0; k < PP_PROBE_TOPK; k++)
        CHECK(a.top_class[k] == b.top_class[k] && a.top_prob[k] == b.top_prob[k], "rank %d: the same prediction", k);
    pp_probe_result_free(&a);
    pp_probe_result_free(&b);
    CHECK_OK(pp_probe_set_overrides(&p, NULL, &err), &err);
    CHECK(!pp_probe_same_view(&p, &q), "other overrides: not the same view");
    pp_probe_free(&q);
    close_probe_fixture(&m, &img, &p);
}

static bool always_cancel(void *data)
{
    (void)data;
    return true;
}

/* Probes run as columns (probe_columns.h): on 2 threads a pair runs side by
 * side (one thread each), a third alone on both; every column's SNRs and
 * predictions are those of the probe run on its own (to float rounding: one
 * thread may choose other kernels than two), and a cancel stops stage two
 * of all. If this fails, the studio's slider shows another column's numbers
 * or numbers off the model's. */
static void test_probe_columns(void)
{
    pp_model pp, base;
    if (!fixture_open_model(&pp, "core", "r18_cifar_gray_pp5.safetensors"))
        return;
    if (!fixture_open_model(&base, "core", "r18_cifar_gray_base.safetensors")) {
        pp_model_free(&pp);
        return;
    }
    pp_image img;
    pp_error err = {0};
    CHECK_OK(pp_image_load(fixture_path("images", "gray_28.png"), &img, &err), &err);
    if (err.status)
        return;
    enum { N = 3 };
    const pp_model *models[N] = {&pp, &base, &pp};
    pp_probe columns[N], alone[N];
    pp_probe_result want[N], got[N];
    pp_image corrupted[N];
    const pp_corruption *noise = pp_corruption_find("gaussian_noise");
    for (int m = 0; m < N; m++) {
        pp_corruption_request req = {.severity = 1 + m, .seed = 5};
        CHECK_OK(pp_probe_init(&columns[m], models[m], &img, 2, &err), &err);
        CHECK_OK(pp_probe_init(&alone[m], models[m], &img, 2, &err), &err);
        CHECK_OK(pp_probe_run(&alone[m], noise, &req, &want[m], &err), &err);
        CHECK_OK(pp_probe_corrupt(&alone[m], noise, &req, &corrupted[m], &err), &err);
    }
    if (err.status)
        return;
    double ms1 = -1, ms2 = -1;
    CHECK_OK(pp_probe_columns_first_layer(columns, N, 2, corrupted, got, &ms1, &err), &err);
    CHECK(pp_forward_ctx_threads(columns[0].ctx) == 1 && pp_forward_ctx_threads(columns[1].ctx) == 1 &&
              pp_forward_ctx_threads(columns[2].ctx) == 2,
          "a pair side by side on one thread each, the third on both");
    for (int m = 0; m < N; m++) {
        CHECK(fabs(got[m].snr_output - want[m].snr_output) < 1e-3, "column %d: output SNR %.6f vs alone %.6f", m,
              got[m].snr_output, want[m].snr_output);
        CHECK(isnan(want[m].snr_push) ? isnan(got[m].snr_push) : fabs(got[m].snr_push - want[m].snr_push) < 1e-3,
              "column %d: push SNR %.6f vs alone %.6f", m, got[m].snr_push, want[m].snr_push);
    }
    CHECK_OK(pp_probe_columns_predict(columns, N, 2, NULL, NULL, got, &ms2, &err), &err);
    for (int m = 0; m < N && !err.status; m++) {
        CHECK(got[m].top_class[0] == want[m].top_class[0], "column %d: top-1 %d vs alone %d", m, got[m].top_class[0],
              want[m].top_class[0]);
        for (int k = 0; k < PP_PROBE_TOPK; k++)
            CHECK(fabsf(got[m].top_prob[k] - want[m].top_prob[k]) < 1e-5, "column %d rank %d: %.7f vs alone %.7f", m,
                  k, got[m].top_prob[k], want[m].top_prob[k]);
    }
    CHECK(ms1 >= 0 && ms2 > 0, "the forwards' times are reported (%.3f, %.3f ms)", ms1, ms2);
    for (int m = 0; m < N; m++)
        pp_probe_result_free(&got[m]);

    /* cancelled at the first boundary: every column stops, every result freed */
    pp_error cancelled = {0};
    CHECK_OK(pp_probe_columns_first_layer(columns, N, 2, corrupted, got, NULL, &err), &err);
    CHECK(pp_probe_columns_predict(columns, N, 2, always_cancel, NULL, got, NULL, &cancelled) == PP_ERR_CANCELLED,
          "a cancel stops stage two: %s", cancelled.msg);
    for (int m = 0; m < N; m++)
        CHECK(got[m].corrupted.pixels == NULL && !columns[m].staged, "column %d stopped, its result freed", m);
    for (int m = 0; m < N; m++) {
        pp_probe_result_free(&got[m]);
        pp_probe_result_free(&want[m]);
        pp_image_free(&corrupted[m]);
        pp_probe_free(&columns[m]);
        pp_probe_free(&alone[m]);
    }
    pp_image_free(&img);
    pp_model_free(&pp);
    pp_model_free(&base);
}

static void test_probe_baseline(void)
{
    pp_model m;
    if (!fixture_open_model(&m, "core", "r18_cifar_gray_base.safetensors"))
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

/* The views' overrides reach the probe: alpha 0 and no pooling run exactly
 * the model whose file says so (a copy edited by hand), change the output
 * SNR and logits of a model whose alpha is not 0, and clearing them gives
 * back the learned results bit for bit. If this fails, the alpha knob or the
 * pooling switch is drawn but not computed (issue 12). */
static void test_probe_overrides(void)
{
    pp_model m, edited;
    if (!fixture_open_model(&m, "core", "r18_cifar_gray_pp5.safetensors") ||
        !fixture_open_model(&edited, "core", "r18_cifar_gray_pp5.safetensors"))
        return;
    float lo, mean, hi;
    pp_model_alpha_stats(&m, &lo, &mean, &hi);
    CHECK(hi > 0.05f, "the fixture's alpha matters (max %.3f)", hi);
    for (int k = 0; k < edited.arch.width; k++)
        edited.pp.alpha[k] = 0;
    edited.pp.avg_kernel = 0;
    pp_image img;
    pp_error err = {0};
    CHECK_OK(pp_image_load(fixture_path("images", "gray_28.png"), &img, &err), &err);
    pp_probe p, q;
    CHECK_OK(pp_probe_init(&p, &m, &img, pp_threads_default(), &err), &err);
    CHECK_OK(pp_probe_init(&q, &edited, &img, pp_threads_default(), &err), &err);
    if (err.status)
        return;
    const pp_corruption *noise = pp_corruption_find("gaussian_noise");
    pp_corruption_request req = {.severity = 3, .seed = 5};
    pp_probe_result learned, off, want, back;
    CHECK_OK(pp_probe_run(&p, noise, &req, &learned, &err), &err);
    float zeros[64] = {0};
    CHECK(m.arch.width <= 64, "width %d", m.arch.width);
    pp_probe_overrides o = {.alpha = zeros, .avg_kernel = 0};
    CHECK_OK(pp_probe_set_overrides(&p, &o, &err), &err);
    CHECK(p.overridden, "alpha 0 is an override");
    CHECK_OK(pp_probe_run(&p, noise, &req, &off, &err), &err);
    CHECK_OK(pp_probe_run(&q, noise, &req, &want, &err), &err);
    CHECK(off.snr_output == want.snr_output && off.snr_push == want.snr_push,
          "override: SNR %.6f/%.6f, edited model %.6f/%.6f", off.snr_output, off.snr_push, want.snr_output,
          want.snr_push);
    CHECK(p.clean_top1 == q.clean_top1, "the clean side is recomputed with the overrides");
    for (int i = 0; i < PP_PROBE_TOPK; i++)
        CHECK(off.top_class[i] == want.top_class[i] && off.top_prob[i] == want.top_prob[i],
              "rank %d: %d %.6f vs %d %.6f", i, off.top_class[i], off.top_prob[i], want.top_class[i],
              want.top_prob[i]);
    CHECK(fabs(off.snr_output - learned.snr_output) > 1e-3, "alpha 0 changes the output SNR (%.4f vs %.4f)",
          off.snr_output, learned.snr_output);
    CHECK(off.snr_push == learned.snr_push, "the push path does not depend on alpha");
    CHECK(off.top_prob[0] != learned.top_prob[0], "alpha 0 changes the probabilities");
    pp_probe_overrides bad = {.alpha = NULL, .avg_kernel = 4};
    CHECK(pp_probe_set_overrides(&p, &bad, &err) == PP_ERR_ARG, "pooling 4 is refused");
    CHECK_OK(pp_probe_set_overrides(&p, NULL, &err), &err);
    CHECK(!p.overridden, "cleared");
    CHECK_OK(pp_probe_run(&p, noise, &req, &back, &err), &err);
    CHECK(back.snr_output == learned.snr_output && back.top_prob[0] == learned.top_prob[0],
          "cleared overrides give the learned results");
    p.true_class = 3;
    pp_probe_result labelled;
    CHECK_OK(pp_probe_run(&p, noise, &req, &labelled, &err), &err);
    CHECK(labelled.true_known && labelled.true_class == 3, "the true label is used when known");
    CHECK(!back.true_known && back.true_class == p.clean_top1, "otherwise the clean top-1");
    pp_probe_result *all[] = {&learned, &off, &want, &back, &labelled};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        pp_probe_result_free(all[i]);
    pp_probe_free(&p);
    pp_probe_free(&q);
    pp_image_free(&img);
    pp_model_free(&m);
    pp_model_free(&edited);
}

/* A 1000-class ImageNet model names its classes from assets/classes/imagenet-1k.txt
 * (torchvision's order), and labels such as folder names find their class. */
static void test_imagenet_class_names(void)
{
    pp_model m;
    if (!fixture_open_model(&m, "core", "r18_imagenet1k_pp3.safetensors"))
        return;
    CHECK(m.arch.num_classes == 1000, "%d classes", m.arch.num_classes);
    CHECK(strcmp(pp_model_class_name(&m, 0), "tench") == 0, "class 0: %s", pp_model_class_name(&m, 0));
    CHECK(strcmp(pp_model_class_name(&m, 207), "golden retriever") == 0, "class 207: %s", pp_model_class_name(&m, 207));
    CHECK(strcmp(pp_model_class_name(&m, 999), "toilet tissue") == 0, "class 999: %s", pp_model_class_name(&m, 999));
    CHECK(pp_model_class_index(&m, "Golden_Retriever") == 207, "a folder name finds its class");
    CHECK(pp_model_class_index(&m, "no such class") == -1, "an unknown label is -1");
    pp_model_free(&m);
    pp_model fm;
    if (!fixture_open_model(&fm, "core", "r18_cifar_gray_pp5.safetensors"))
        return;
    CHECK(pp_model_class_index(&fm, "ankle-boot") == 9, "Fashion-MNIST: ankle-boot is class 9");
    pp_model_free(&fm);
}

int main(void)
{
    RUN_TEST(test_imagenet_class_names);
    RUN_TEST(test_probe_overrides);
    RUN_TEST(test_snr_arithmetic);
    RUN_TEST(test_probe_clean_and_noise);
    RUN_TEST(test_probe_baseline);
    RUN_TEST(test_probe_stages);
    RUN_TEST(test_probe_columns);
    RUN_TEST(test_probe_copy);
    return TEST_EXIT();
}

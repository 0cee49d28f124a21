/* Augmentation cost against a training step, in the same run: each method on a
 * batch of 128 32x32 RGB images (all views: JSD's two augmented views count
 * twice) as a share of one CIFAR ResNet18 (PushPull, width 64) training step
 * at batch 128; and AugMix+JSD's step (a 384-row step plus its augmentation)
 * against the plain step. Prints "case ms" lines and the ratios; the targets
 * (issue 16) are augmentation <= 10 % of a step and AugMix+JSD <= 3.3x.
 * With --throughput only, prints AugMix images/s for augment_vs_torchvision.sh.
 * Usage: augment_bench [--threads N] [--repeats R] [--batch B] [--case METHOD|SUBSTRING|throughput]:
 * a full method name times that method alone, any other string every method containing it. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "augment/augmentation.h"
#include "model.h"
#include "threads.h"
#include "train/train_step.h"
#include "bench_clock.h"
#include "bench_options.h"

#define SIDE 32

/* Deterministic CIFAR-like images: smooth colour fields plus texture. */
static pp_image *make_images(int n)
{
    pp_image *imgs = calloc((size_t)n, sizeof *imgs);
    pp_error err = {0};
    uint64_t s = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < n; i++) {
        pp_image_alloc(&imgs[i], SIDE, SIDE, 3, &err);
        for (int y = 0; y < SIDE; y++)
            for (int x = 0; x < SIDE; x++)
                for (int c = 0; c < 3; c++) {
                    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
                    int v = 128 + (int)(90 * ((x * (c + 1) + y * (i % 5 + 1)) % 32) / 32.0) - 45 + (int)(s % 24);
                    imgs[i].pixels[(y * SIDE + x) * 3 + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
                }
    }
    return imgs;
}

/* Best time of `repeats` for `views` augmented views of n images on `threads` threads. */
static double time_augment(const pp_augment_config *cfg, const pp_image *imgs, int n, int views, int threads,
                           int repeats, float *out)
{
    static const float mean[3] = {0.4914f, 0.4822f, 0.4465f}, std[3] = {0.2470f, 0.2435f, 0.2616f};
    const size_t row = 3 * SIDE * SIDE;
    double best = 1e30;
    for (int r = 0; r < repeats; r++) {
        double t0 = pp_bench_now();
#pragma omp parallel for schedule(dynamic) num_threads(threads)
        for (int i = 0; i < n * views; i++) {
            pp_error err = {0};
            pp_augment_ctx ctx = {.seed = (uint32_t)(i * 7 + r), .mean = mean, .std = std, .position = i % n,
                                  .batch = n};
            pp_augment_normalised(cfg, &ctx, &imgs[i % n], out + (size_t)i * row, &err);
        }
        double t = pp_bench_now() - t0;
        best = t < best ? t : best;
    }
    return best;
}

static double time_step(int batch, int repeats)
{
    pp_arch a;
    pp_error err = {0};
    pp_arch_from_name(&a, "resnet18", PP_STEM_CIFAR, 3, 10, &err);
    a.width = 64;
    a.push_pull = true;
    a.avg_kernel = 3;
    a.alpha_trainable = true;
    a.conv1_bias = true;
    pp_model m;
    pp_tensor x;
    pp_train_ctx *ctx = NULL;
    if (pp_model_create(&m, &a, &err) || pp_tensor_alloc4(&x, batch, 3, SIDE, SIDE, &err) ||
        pp_train_ctx_new(&ctx, &m, pp_threads_default(), &err)) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    for (int64_t i = 0; i < pp_tensor_numel(&x); i++)
        x.data[i] = (float)((i * 7919) % 1000) / 500.0f - 1.0f;
    int32_t *labels = malloc(sizeof(int32_t) * (size_t)batch);
    for (int i = 0; i < batch; i++)
        labels[i] = i % 10;
    pp_sgd_config cfg = {.momentum = 0.9f, .weight_decay = 5e-4f};
    pp_train_stats st;
    double best = 1e30;
    for (int r = 0; r <= repeats; r++) { /* the first step sizes the buffers */
        double t0 = pp_bench_now();
        pp_train_step(ctx, &m, &x, labels, &cfg, 0.01f, &st, &err);
        double t = pp_bench_now() - t0;
        if (r > 0 && t < best)
            best = t;
    }
    pp_train_ctx_free(ctx);
    pp_tensor_free(&x);
    free(labels);
    pp_model_free(&m);
    return best;
}

int main(int argc, char **argv)
{
    static const char *const methods[][2] = {{"augmix", "2"},      {"augmix", "1"},         {"augmix-tv", "1"},
                                             {"trivialaugment", "1"}, {"autoaugment", "1"}, {"prime", "2"},
                                             {"gaussian", "1"},    {"gaussian:clean=0", "1"}};
    enum { METHODS = sizeof methods / sizeof methods[0] };
    const char *names[METHODS + 1] = {0};
    for (int k = 0; k < METHODS; k++)
        names[k] = methods[k][0];
    bench_options o = {.threads = 2, .repeats = 3, .batch = 128, .cases = names};
    if (!bench_parse(&o, argc, argv,
                     "augment_bench [--threads N] [--repeats R] [--batch B] [--case METHOD|SUBSTRING|throughput] "
                     "(a full method name, e.g. gaussian, times that method alone)"))
        return 2;
    pp_threads_set_default(o.threads);
    const int n = o.batch;
    pp_image *imgs = make_images(n);
    float *out = malloc(sizeof(float) * 3 * SIDE * SIDE * (size_t)n * 2);
    pp_augment_config cfg;
    pp_error err = {0};
    if (o.only && strcmp(o.only, "throughput") == 0) {
        pp_augment_config_parse(&cfg, "augmix", &err);
        double t = time_augment(&cfg, imgs, n, 1, o.threads, o.repeats, out);
        printf("augmix_official_%dpx %9.2f ms %9.1f img/s\n", SIDE, t * 1e3, n / t);
        pp_augment_config_parse(&cfg, "augmix-tv", &err);
        t = time_augment(&cfg, imgs, n, 1, o.threads, o.repeats, out);
        printf("augmix_torchvision_%dpx %9.2f ms %9.1f img/s\n", SIDE, t * 1e3, n / t);
        return 0;
    }
    /* --case METHOD times that method alone (no training step to compare with) */
    const double step = o.only ? 0 : time_step(n, o.repeats > 1 ? 1 : o.repeats);
    if (step > 0)
        printf("%-28s %9.2f ms\n", "train_step_b128", step * 1e3);
    double augmix_jsd = 0;
    for (int k = 0; k < METHODS; k++) {
        if (!bench_wants(&o, methods[k][0]))
            continue;
        pp_augment_config_parse(&cfg, methods[k][0], &err);
        const int views = atoi(methods[k][1]);
        double t = time_augment(&cfg, imgs, n, views, o.threads, o.repeats, out);
        if (k == 0)
            augmix_jsd = t;
        char name[64];
        snprintf(name, sizeof name, "%s%s", methods[k][0], views == 2 ? "+jsd(2 views)" : "");
        if (step > 0)
            printf("%-28s %9.2f ms  %5.1f %% of a step (target <= 10 %%)\n", name, t * 1e3, 100 * t / step);
        else
            printf("%-28s %9.2f ms\n", name, t * 1e3);
    }
    if (step > 0) {
        const double jsd_step = time_step(3 * n, o.repeats > 1 ? 1 : o.repeats);
        printf("%-28s %9.2f ms  %.2fx a plain step, with augmentation %.2fx (target <= 3.3x)\n", "train_step_b384_jsd",
               jsd_step * 1e3, jsd_step / step, (jsd_step + augmix_jsd) / step);
    }
    free(out);
    for (int i = 0; i < n; i++)
        pp_image_free(&imgs[i]);
    free(imgs);
    return 0;
}

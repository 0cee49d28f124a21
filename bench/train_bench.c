/* Times training steps (forward + backward + SGD update) of PushPull-ResNet18,
 * CIFAR stem, avg 3, trainable alpha, batch 128: the full-width net on 32x32 RGB
 * and the demo models' width-8 net on 28x28 grayscale (random weights and data).
 * Prints "case ms_per_step images_per_s", the best of the repeats.
 * On request only (--case wrn): AugMix's WRN-40-2 (plain stem), 32x32 RGB (bench/wrn_vs_torch.sh).
 * Usage: train_bench [--threads N] [--repeats R] [--batch B] [--case NAME|SUBSTRING]:
 * a full case name runs that case alone, any other string every case containing it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"
#include "threads.h"
#include "train/train_step.h"
#include "bench_clock.h"
#include "bench_options.h"

static void fill_random(pp_model *m)
{
    uint64_t s = 88172645463325252ull;
    for (int i = 0; i < m->param_count; i++) {
        pp_param *p = &m->params[i];
        if (p->buffer || strstr(p->name, "bn") || strstr(p->name, "downsample.1"))
            continue; /* keep BN at gamma 1, beta 0, running stats 0/1 */
        int64_t n = pp_shape_numel(p->ndim, p->shape);
        for (int64_t k = 0; k < n; k++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            float u = (float)(s >> 40) / (float)(1 << 24);
            p->data[k] = (u - 0.5f) * 0.1f;
        }
    }
    pp_model_prepare(m);
}

/* One case: a PushPull (or plain) `net` with the CIFAR stem, `width` base
 * channels (0: the net's), `channels` x side x side inputs; best step time of
 * the repeats. */
static int run_case(const char *tag, const char *net, bool push_pull, int width, int channels, int side, int batch,
                    int repeats)
{
    pp_arch a;
    pp_error err = {0};
    if (pp_arch_from_name(&a, net, PP_STEM_CIFAR, channels, 10, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    if (width)
        a.width = width;
    a.push_pull = push_pull;
    a.avg_kernel = 3;
    a.alpha_trainable = true;
    a.conv1_bias = push_pull; /* the plain nets here (AugMix's WRN) have no stem bias */
    pp_model m;
    if (pp_model_create(&m, &a, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    fill_random(&m);
    pp_tensor x;
    if (pp_tensor_alloc4(&x, batch, channels, side, side, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    for (int64_t i = 0; i < pp_tensor_numel(&x); i++)
        x.data[i] = (float)((i * 7919) % 1000) / 500.0f - 1.0f;
    int32_t *labels = malloc(sizeof(int32_t) * (size_t)batch);
    for (int i = 0; i < batch; i++)
        labels[i] = i % 10;
    pp_train_ctx *ctx = NULL;
    if (pp_train_ctx_new(&ctx, &m, pp_threads_default(), &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    pp_sgd_config cfg = {.momentum = 0.9f, .weight_decay = 1e-5f};
    pp_train_stats st;
    double best = 1e30;
    for (int r = 0; r <= repeats; r++) { /* the first step sizes the buffers */
        double t0 = pp_bench_now();
        if (pp_train_step(ctx, &m, &x, labels, &cfg, 0.01f, &st, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        double t = pp_bench_now() - t0;
        if (r > 0 && t < best)
            best = t;
    }
    char name[64];
    snprintf(name, sizeof name, "%s_train_%s_b%d", push_pull ? "pushpull" : "plain", tag, batch);
    printf("%-28s %9.2f ms %9.1f img/s\n", name, best * 1e3, batch / best);
    fflush(stdout);
    pp_train_ctx_free(ctx);
    pp_tensor_free(&x);
    free(labels);
    pp_model_free(&m);
    return 0;
}

int main(int argc, char **argv)
{
    static const char *const names[] = {"cifar32", "demo28", "wrn40_2", NULL};
    bench_options o = {.threads = 2, .repeats = 3, .batch = 128, .cases = names};
    if (!bench_parse(&o, argc, argv,
                     "train_bench [--threads N] [--repeats R] [--batch B] [--case NAME|SUBSTRING] "
                     "(cases cifar32, demo28, wrn40_2 on request; a full name runs that case alone)"))
        return 2;
    pp_threads_set_default(o.threads);
    /* CIFAR ResNet18, and the bundled demo network (width 8, Fashion-MNIST 28x28) */
    if (bench_wants(&o, "cifar32") && run_case("cifar32", "resnet18", true, 64, 3, 32, o.batch, o.repeats))
        return 1;
    if (bench_wants(&o, "demo28") && run_case("demo28", "resnet18", true, 8, 1, 28, o.batch, o.repeats))
        return 1;
    if (bench_wants_on_request(&o, "wrn40_2", "wrn") && run_case("wrn40_2", "wrn-40-2", false, 0, 3, 32, o.batch, o.repeats))
        return 1;
    return 0;
}

/* Times forward passes of PushPull-ResNet18 (random weights):
 * 224x224 batch 1 and 16 (ImageNet stem, 1000 classes) and 32x32 batch 128
 * (CIFAR stem, 10 classes). Prints one line per case: "case ms_per_batch images_per_s".
 * Usage: forward_bench [--threads N] [--repeats R] [--baseline] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "forward.h"
#include "model.h"
#include "threads.h"
#include "bench_clock.h"

static void fill_random(pp_model *m)
{
    uint64_t s = 88172645463325252ull;
    for (int i = 0; i < m->param_count; i++) {
        pp_param *p = &m->params[i];
        int64_t n = pp_shape_numel(p->ndim, p->shape);
        bool var = strstr(p->name, "running_var") != NULL;
        for (int64_t k = 0; k < n; k++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            float u = (float)(s >> 40) / (float)(1 << 24);
            p->data[k] = var ? 0.5f + u : (u - 0.5f) * 0.1f;
        }
    }
    pp_model_prepare(m);
}

static void run_case(const char *name, pp_stem_kind stem, int classes, int n, int side, bool push_pull, int repeats)
{
    pp_arch a;
    pp_error err = {0};
    pp_arch_from_name(&a, "resnet18", stem, 3, classes, &err);
    a.push_pull = push_pull;
    pp_model m;
    if (pp_model_create(&m, &a, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    fill_random(&m);
    pp_tensor x, logits = {0};
    pp_tensor_alloc4(&x, n, 3, side, side, &err);
    for (int64_t i = 0; i < pp_tensor_numel(&x); i++)
        x.data[i] = (float)((i * 7919) % 1000) / 500.0f - 1.0f;
    pp_forward_ctx *ctx = pp_forward_ctx_new();
    pp_model_forward(&m, ctx, &x, &logits, NULL, &err); /* warm-up: sizes buffers */
    double best = 1e30;
    for (int r = 0; r < repeats; r++) {
        double t0 = pp_bench_now();
        if (pp_model_forward(&m, ctx, &x, &logits, NULL, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            exit(1);
        }
        double dt = pp_bench_now() - t0;
        best = dt < best ? dt : best;
    }
    printf("%-28s %9.2f ms %9.1f img/s\n", name, best * 1e3, n / best);
    fflush(stdout);
    pp_forward_ctx_free(ctx);
    pp_tensor_free(&x);
    pp_tensor_free(&logits);
    pp_model_free(&m);
}

int main(int argc, char **argv)
{
    int threads = 2, repeats = 5;
    bool baseline = false;
    const char *only = NULL; /* --case SUBSTRING: run the matching cases only */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--repeats") && i + 1 < argc)
            repeats = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--baseline"))
            baseline = true;
        else if (!strcmp(argv[i], "--case") && i + 1 < argc)
            only = argv[++i];
    }
    pp_threads_set(threads);
    const char *tag = baseline ? "plain" : "pushpull";
    char name[64];
#define CASE(suffix, ...)                                          \
    snprintf(name, sizeof name, "%s_%s", tag, suffix);             \
    if (!only || strstr(name, only))                               \
        run_case(name, __VA_ARGS__);
    CASE("224_b1", PP_STEM_IMAGENET, 1000, 1, 224, !baseline, repeats * 4)
    CASE("224_b16", PP_STEM_IMAGENET, 1000, 16, 224, !baseline, repeats)
    CASE("cifar32_b128", PP_STEM_CIFAR, 10, 128, 32, !baseline, repeats)
#undef CASE
    return 0;
}

/* Times forward passes of PushPull-ResNet18 and the plain ResNet18 (random
 * weights): 224x224 batch 1 and 16 (ImageNet stem, 1000 classes) and 32x32
 * batch 128 (CIFAR stem, 10 classes); and the 2020 push-pull paper's CIFAR
 * ResNet-20 with its layer and plain, 32x32 batch 128. Prints one line per net and case:
 * "case ms_per_batch images_per_s", the best of the repeats.
 * On request only (--case blurpool): the anti-aliased ResNet50 (adobe's
 * resnet50, filter 4, pool_only) at 224, batch 1 and 16 (bench/blurpool_vs_torch.sh);
 * (--case wrn) AugMix's WRN-40-2 (plain stem), CIFAR 32x32 batch 128 (bench/wrn_vs_torch.sh).
 * (--case effnet) torchvision's EfficientNet-b0, plain stem, at 224, batch 1
 * and 16 (bench/effnet_vs_torch.sh).
 * Usage: forward_bench [--threads N] [--repeats R] [--case NAME|SUBSTRING]: a full
 * case name (224_b1, effnet_b0_224_b16) runs that case alone, any other string
 * every case whose name contains it (224, effnet). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "forward.h"
#include "model.h"
#include "threads.h"
#include "bench_clock.h"
#include "bench_options.h"

static void fill_random(pp_model *m)
{
    uint64_t s = 88172645463325252ull;
    for (int i = 0; i < m->param_count; i++) {
        pp_param *p = &m->params[i];
        int64_t n = pp_shape_numel(p->ndim, p->shape);
        bool var = strstr(p->name, "running_var") != NULL;
        if (strstr(p->name, ".filt"))
            continue; /* BlurPool filters stay the binomials */
        for (int64_t k = 0; k < n; k++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            float u = (float)(s >> 40) / (float)(1 << 24);
            p->data[k] = var ? 0.5f + u : (u - 0.5f) * 0.1f;
        }
    }
    pp_model_prepare(m);
}

/* A model of the case, random weights, with its context and input. */
typedef struct {
    pp_model m;
    pp_forward_ctx *ctx;
    pp_tensor x, logits;
    double best, last; /* seconds: the fastest pass, the latest */
} contender;

static void contender_init(contender *c, const char *net, pp_stem_kind stem, int classes, int n, int side,
                           bool inhibition)
{
    pp_arch a;
    pp_error err = {0};
    pp_arch_from_name(&a, net, stem, 3, classes, &err);
    const bool pp2020 = strcmp(net, "resnet20") == 0; /* resnet20(use_pp1=True): the 2020 layer, no bias */
    a.push_pull = inhibition && !pp2020;
    a.pp2020 = inhibition && pp2020;
    if (pp2020) {
        a.alpha_trainable = false;
        a.conv1_bias = false;
    }
    memset(c, 0, sizeof *c);
    if (pp_model_create(&c->m, &a, &err) || pp_tensor_alloc4(&c->x, n, 3, side, side, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    fill_random(&c->m);
    for (int64_t i = 0; i < pp_tensor_numel(&c->x); i++)
        c->x.data[i] = (float)((i * 7919) % 1000) / 500.0f - 1.0f;
    c->ctx = pp_forward_ctx_new(pp_threads_default());
    c->best = 1e30;
}

static void contender_time(contender *c)
{
    pp_error err = {0};
    double t0 = pp_bench_now();
    if (pp_model_forward(&c->m, c->ctx, &c->x, &c->logits, NULL, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    double dt = pp_bench_now() - t0;
    c->last = dt;
    c->best = dt < c->best ? dt : c->best;
}

static int compare_doubles(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void contender_free(contender *c)
{
    pp_forward_ctx_free(c->ctx);
    pp_tensor_free(&c->x);
    pp_tensor_free(&c->logits);
    pp_model_free(&c->m);
}

/* The PushPull net and the plain one take turns, so both see the same
 * machine (its speed drifts over seconds); each keeps its best time. */
static void run_case(const char *suffix, const char *net, pp_stem_kind stem, int classes, int n, int side,
                     int repeats)
{
    contender pp, plain;
    contender_init(&pp, net, stem, classes, n, side, true);
    contender_init(&plain, net, stem, classes, n, side, false);
    contender_time(&pp); /* warm-up: sizes buffers */
    contender_time(&plain);
    pp.best = plain.best = 1e30;
    double *cost = malloc(sizeof(double) * (size_t)repeats);
    for (int r = 0; r < repeats; r++) {
        contender_time(&pp);
        contender_time(&plain);
        cost[r] = pp.last / plain.last - 1;
    }
    printf("pushpull_%-19s %9.2f ms %9.1f img/s\n", suffix, pp.best * 1e3, n / pp.best);
    printf("plain_%-22s %9.2f ms %9.1f img/s\n", suffix, plain.best * 1e3, n / plain.best);
    /* The cost from passes side by side in time: the host's speed swings by 10-20 %
     * within seconds here, so the two nets' best times can come from different
     * moments; a pair's ratio sees one moment, and the median drops the outliers. */
    qsort(cost, (size_t)repeats, sizeof *cost, compare_doubles);
    printf("cost_%-23s %+9.2f %% median of %d paired passes\n", suffix,
           100 * (repeats % 2 ? cost[repeats / 2] : (cost[repeats / 2 - 1] + cost[repeats / 2]) / 2), repeats);
    free(cost);
    fflush(stdout);
    contender_free(&pp);
    contender_free(&plain);
}

/* One net alone (its peer is PyTorch, in the script that runs this). */
static void run_single(const char *name, const char *arch, pp_stem_kind stem, int classes, int n, int side,
                       int repeats)
{
    contender c;
    contender_init(&c, arch, stem, classes, n, side, false);
    contender_time(&c); /* warm-up: sizes buffers */
    c.best = 1e30;
    for (int r = 0; r < repeats; r++)
        contender_time(&c);
    printf("%-28s %9.2f ms %9.1f img/s\n", name, c.best * 1e3, n / c.best);
    fflush(stdout);
    contender_free(&c);
}

/* The cases: those without a family run by default, the PushPull net against the
 * plain one; those of a family on request only (--case naming it), one net alone. */
typedef struct {
    const char *name, *arch, *family;
    pp_stem_kind stem;
    int classes, batch, side, repeats_factor; /* batch 1 repeats more: its times are short */
} forward_case;

static const forward_case cases[] = {
    {"224_b1", "resnet18", NULL, PP_STEM_IMAGENET, 1000, 1, 224, 4},
    {"224_b16", "resnet18", NULL, PP_STEM_IMAGENET, 1000, 16, 224, 1},
    {"cifar32_b128", "resnet18", NULL, PP_STEM_CIFAR, 10, 128, 32, 1},
    {"pp2020_r20_b128", "resnet20", NULL, PP_STEM_CIFAR, 10, 128, 32, 1},
    {"blurpool50_224_b1", "blurpool-resnet50", "blurpool", PP_STEM_IMAGENET, 1000, 1, 224, 4},
    {"blurpool50_224_b16", "blurpool-resnet50", "blurpool", PP_STEM_IMAGENET, 1000, 16, 224, 1},
    {"wrn40_2_cifar32_b128", "wrn-40-2", "wrn", PP_STEM_CIFAR, 10, 128, 32, 1},
    {"effnet_b0_224_b1", "efficientnet_b0", "effnet", PP_STEM_IMAGENET, 1000, 1, 224, 4},
    {"effnet_b0_224_b16", "efficientnet_b0", "effnet", PP_STEM_IMAGENET, 1000, 16, 224, 1},
};
#define CASE_COUNT (sizeof cases / sizeof cases[0])

int main(int argc, char **argv)
{
    const char *names[CASE_COUNT + 1] = {0};
    for (size_t k = 0; k < CASE_COUNT; k++)
        names[k] = cases[k].name;
    bench_options o = {.threads = 2, .repeats = 5, .cases = names};
    if (!bench_parse(&o, argc, argv,
                     "forward_bench [--threads N] [--repeats R] [--case NAME|SUBSTRING] (a full case name, "
                     "e.g. 224_b1 or effnet_b0_224_b1, runs that case alone; blurpool, wrn, effnet on request)"))
        return 2;
    pp_threads_set_default(o.threads);
    for (size_t k = 0; k < CASE_COUNT; k++) {
        const forward_case *c = &cases[k];
        const int repeats = o.repeats * c->repeats_factor;
        if (!c->family && bench_wants(&o, c->name))
            run_case(c->name, c->arch, c->stem, c->classes, c->batch, c->side, repeats);
        else if (c->family && bench_wants_on_request(&o, c->name, c->family))
            run_single(c->name, c->arch, c->stem, c->classes, c->batch, c->side, repeats);
    }
    return 0;
}

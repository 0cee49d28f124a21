/* Per-step profile of a ResNet18 forward (PushPull, or plain with --case
 * plain), ImageNet stem at 224 or CIFAR stem at 32 (--case cifar), random
 * weights: each plan step's best time over the repeats, its thread CPU time
 * on one thread, and for a convolution the algorithm pp_conv_choose takes
 * (im2col, Winograd, direct) with its shape. Steps are timed through the
 * forward context's stop hook, which runs after every step except between a
 * step and the BN it applied: such a pair is one line ("conv1 (+1)").
 * CPU time per step is the process's, which counts another thread's running
 * time only at its next tick: trust it on --threads 1 only (on a loaded
 * machine it drops the time the process waited for a core).
 * --case wrn: AugMix's WRN-40-2 (plain stem) at CIFAR 32 instead; --case demo:
 * the demo models' net (train_bench's demo28: width 8, CIFAR stem, avg 3,
 * trainable alpha, 28x28 grayscale; use --batch 128 for the training batch).
 * Usage: step_profile [--threads N] [--repeats R] [--batch B] [--case plain|cifar|plain-cifar|wrn|demo] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_clock.h"
#include "bench_options.h"
#include "forward.h"
#include "model.h"
#include "model/plan.h"
#include "ops/conv2d.h"
#include "threads.h"

#define MAX_STEPS 512

typedef struct {
    double wall[MAX_STEPS + 1], cpu[MAX_STEPS + 1]; /* stamps: [0] the start, [i] after step i - 1 */
    bool stamped[MAX_STEPS + 1];
} stamps;

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static bool stamp_step(void *data, int done)
{
    stamps *s = data;
    if (done <= MAX_STEPS) {
        s->wall[done] = pp_bench_now();
        s->cpu[done] = cpu_now();
        s->stamped[done] = true;
    }
    return false; /* never stop */
}

static void fill_random(pp_model *m)
{
    uint64_t s = 88172645463325252ull; /* forward_bench's weights */
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

static const char *algo_name(pp_conv_algo a)
{
    return a == PP_CONV_WINOGRAD ? "winograd" : a == PP_CONV_DIRECT ? "direct" : "im2col";
}

int main(int argc, char **argv)
{
    bench_options o = {.threads = 2, .repeats = 40, .batch = 1};
    if (!bench_parse(&o, argc, argv,
                     "step_profile [--threads N] [--repeats R] [--batch B] [--case plain|cifar|plain-cifar|wrn|demo]"))
        return 2;
    const bool wrn = o.only && strstr(o.only, "wrn"), demo = o.only && strstr(o.only, "demo");
    const bool plain = wrn || (o.only && strstr(o.only, "plain"));
    const bool cifar = wrn || demo || (o.only && strstr(o.only, "cifar"));
    const int side = demo ? 28 : cifar ? 32 : 224, channels = demo ? 1 : 3, n = o.batch > 0 ? o.batch : 1;
    pp_threads_set_default(o.threads);
    pp_arch a;
    pp_error err = {0};
    pp_model m;
    pp_tensor x = {0}, logits = {0};
    if (pp_arch_from_name(&a, wrn ? "wrn-40-2" : "resnet18", cifar ? PP_STEM_CIFAR : PP_STEM_IMAGENET, channels,
                          cifar ? 10 : 1000, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    if (!wrn)
        a.push_pull = !plain;
    if (demo) { /* as train_bench's demo28 */
        a.width = 8;
        a.avg_kernel = 3;
        a.alpha_trainable = true;
        a.conv1_bias = a.push_pull;
    }
    if (pp_model_create(&m, &a, &err) || pp_tensor_alloc4(&x, n, channels, side, side, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    fill_random(&m);
    for (int64_t i = 0; i < pp_tensor_numel(&x); i++)
        x.data[i] = (float)((i * 7919) % 1000) / 500.0f - 1.0f;
    const pp_plan *p = m.plan;
    if (p->step_count > MAX_STEPS) {
        fprintf(stderr, "the plan has %d steps (at most %d)\n", p->step_count, MAX_STEPS);
        return 1;
    }
    int *vh = malloc(sizeof(int) * (size_t)p->value_count), *vw = malloc(sizeof(int) * (size_t)p->value_count);
    static stamps st;
    static double best_wall[MAX_STEPS + 1], best_cpu[MAX_STEPS + 1];
    if (!vh || !vw || pp_model_spatial(&m, side, side, vh, vw, &err)) {
        fprintf(stderr, "%s\n", vh && vw ? err.msg : "out of memory");
        return 1;
    }
    pp_forward_ctx *ctx = pp_forward_ctx_new(o.threads);
    pp_forward_ctx_set_stop(ctx, stamp_step, &st);
    for (int i = 0; i <= p->step_count; i++)
        best_wall[i] = best_cpu[i] = 1e30;
    double best_total = 1e30;
    for (int r = 0; r <= o.repeats; r++) { /* r == 0: warm-up (sizes buffers, caches kernels) */
        memset(st.stamped, 0, sizeof st.stamped);
        st.wall[0] = pp_bench_now();
        st.cpu[0] = cpu_now();
        if (pp_model_forward(&m, ctx, &x, &logits, NULL, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        stamp_step(&st, p->step_count);
        if (r == 0)
            continue;
        const double total = st.wall[p->step_count] - st.wall[0];
        best_total = total < best_total ? total : best_total;
        int prev = 0;
        for (int i = 1; i <= p->step_count; i++) {
            if (!st.stamped[i])
                continue; /* a BN applied by the step before it */
            const double dw = st.wall[i] - st.wall[prev], dc = st.cpu[i] - st.cpu[prev];
            best_wall[i] = dw < best_wall[i] ? dw : best_wall[i];
            best_cpu[i] = dc < best_cpu[i] ? dc : best_cpu[i];
            prev = i;
        }
    }
    printf("%s%s %s%s, batch %d, %d threads, best of %d (ms per step)\n", wrn ? "wrn-40-2" : "resnet18",
           plain ? "" : " PushPull", demo ? "demo 28" : cifar ? "CIFAR 32" : "224", demo ? " width 8" : "", n, o.threads, o.repeats);
    double sum = 0, sum_cpu = 0;
    for (int i = 1, first = 0; i <= p->step_count; i++) {
        if (best_wall[i] > 1e29)
            continue;
        const pp_step *s = &p->steps[first]; /* steps [first, i) ran in this segment */
        char name[64];
        snprintf(name, sizeof name, i - first > 1 ? "%s (+%d)" : "%s", s->name, i - first - 1);
        char what[96] = "";
        if (s->kind == PP_STEP_CONV) {
            const pp_conv_shape *cs = &pp_model_step_conv(&m, s)->shape;
            const int h = vh[s->in], w = vw[s->in];
            snprintf(what, sizeof what, "%-8s %dx%d/%d %d->%d at %dx%d", algo_name(pp_conv_choose(cs, n, h, w,
                     o.threads, true)), cs->kh, cs->kw, cs->stride, cs->cin, cs->cout, h, w);
        }
        printf("%3d %-26s %-14s %8.3f  cpu %8.3f  %s\n", first, name, pp_step_kind_name(s->kind), best_wall[i] * 1e3,
               best_cpu[i] * 1e3, what);
        first = i;
        sum += best_wall[i];
        sum_cpu += best_cpu[i];
    }
    printf("sum of the steps' best %.3f ms (cpu %.3f); best whole forward %.3f ms\n", sum * 1e3, sum_cpu * 1e3,
           best_total * 1e3);
    pp_forward_ctx_free(ctx);
    pp_tensor_free(&x);
    pp_tensor_free(&logits);
    pp_model_free(&m);
    free(vh);
    free(vw);
    return 0;
}

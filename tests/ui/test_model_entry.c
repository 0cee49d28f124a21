/* PpModelEntry, the studio's view of a model, against the engine: if this
 * fails, the kernels and spectra the studio shows under an alpha / pooling
 * override are not the engine's effective kernels W - alpha (P * box), the pull
 * kernels are not P = -W + max W + min W, or "reset to learned" loses values. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "model_file.h"
#include "pp-model-entry.h"
#include "ops/pushpull.h"

static int failures;

static void check(bool ok, const char *what)
{
    printf("%-60s %s\n", what, ok ? "ok" : "FAIL");
    if (!ok)
        failures++;
}

static float max_diff(const float *a, const float *b, size_t n)
{
    float d = 0;
    for (size_t i = 0; i < n; i++)
        d = fmaxf(d, fabsf(a[i] - b[i]));
    return d;
}

static void test_model(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s", fixture_path("core", name));
    pp_model m;
    pp_arch_hints hints = {.avg_kernel = -1};
    char notes[512];
    pp_error err = {0};
    if (pp_model_open(&m, path, &hints, notes, sizeof notes, &err) != PP_OK) {
        fprintf(stderr, "%s\n", err.msg);
        failures++;
        return;
    }
    printf("%s\n", name);
    PpModelEntry *e = pp_model_entry_new(path, &m, notes);
    const pp_model *em = pp_model_entry_get_model(e);
    const int K = pp_model_entry_kernel_count(e), C = pp_model_entry_in_channels(e);
    const int ks = pp_model_entry_kernel_size(e);
    const size_t pk = (size_t)C * ks * ks;
    char what[128];

    /* pull kernels: P = -W + (max W + min W), per output channel */
    float worst = 0;
    for (int k = 0; k < K; k++) {
        const float *w = pp_model_entry_push(e, k), *p = pp_model_entry_pull(e, k);
        float lo = w[0], hi = w[0];
        for (size_t i = 0; i < pk; i++) {
            lo = fminf(lo, w[i]);
            hi = fmaxf(hi, w[i]);
        }
        for (size_t i = 0; i < pk; i++)
            worst = fmaxf(worst, fabsf(p[i] - (-w[i] + hi + lo)));
    }
    check(worst < 1e-6f, "  pull kernels are -W + max W + min W");

    /* learned view = the engine's effective kernels with the learned alpha */
    int es = pp_model_entry_effective_size(e);
    check(es == pp_pushpull_effective_size(&em->pp), "  effective size with the learned pooling");
    float *want = malloc(sizeof(float) * K * C * es * es), *got = malloc(sizeof(float) * C * 11 * 11);
    pp_pushpull_effective_kernels(want, &em->pp, -1.0f);
    worst = 0;
    for (int k = 0; k < K; k++) {
        pp_model_entry_effective(e, k, got);
        worst = fmaxf(worst, max_diff(got, want + (size_t)k * C * es * es, (size_t)C * es * es));
    }
    check(worst < 1e-6f, "  learned view = pp_pushpull_effective_kernels(learned alpha)");

    /* every pooling size with alpha 0.7 on all channels = the engine's override */
    for (int avg = 0; avg <= 5; avg += avg ? 2 : 3) {
        pp_model_entry_set_view_avg(e, avg);
        pp_model_entry_set_view_alpha(e, -1, 0.7f);
        pp_pushpull_unit u = em->pp;
        u.avg_kernel = avg;
        es = pp_model_entry_effective_size(e);
        float *w2 = malloc(sizeof(float) * K * C * es * es);
        pp_pushpull_effective_kernels(w2, &u, 0.7f);
        worst = 0;
        for (int k = 0; k < K; k++) {
            pp_model_entry_effective(e, k, got);
            worst = fmaxf(worst, max_diff(got, w2 + (size_t)k * C * es * es, (size_t)C * es * es));
        }
        snprintf(what, sizeof what, "  alpha 0.7 on all channels, pooling %d = engine override", avg);
        check(worst < 1e-6f && es == ks + (avg ? avg - 1 : 0), what);
        free(w2);
    }
    check(!pp_model_entry_view_is_learned(e), "  an override is not the learned view");

    /* one channel only */
    pp_model_entry_reset_view(e);
    pp_model_entry_set_view_alpha(e, 1, 0.0f);
    bool others = true;
    for (int k = 0; k < K; k++)
        if (k != 1 && pp_model_entry_view_alpha(e, k) != pp_model_entry_learned_alpha(e, k))
            others = false;
    check(others && pp_model_entry_view_alpha(e, 1) == 0.0f, "  alpha for one channel leaves the others");
    es = pp_model_entry_effective_size(e);
    pp_model_entry_effective(e, 1, got); /* alpha 0: the push kernel centred in the window */
    int off = (es - ks) / 2;
    worst = 0;
    for (int c = 0; c < C; c++)
        for (int i = 0; i < ks; i++)
            for (int j = 0; j < ks; j++)
                worst = fmaxf(worst, fabsf(got[((size_t)c * es + i + off) * es + j + off] -
                                           pp_model_entry_push(e, 1)[((size_t)c * ks + i) * ks + j]));
    check(worst < 1e-6f, "  alpha 0: the effective kernel is the push kernel");

    /* the words the sidebar, the probe and the jobs view show for what is in force */
    int file_avg = pp_model_entry_get_model(e)->pp.avg_kernel, other = file_avg == 5 ? 3 : 5;
    pp_model_entry_reset_view(e);
    char *o = pp_model_entry_describe_overrides(e), *v = pp_model_entry_describe_view(e);
    check(o == NULL && g_str_has_prefix(v, "α "), "  learned: no overrides, the view says alpha and pooling");
    g_free(o);
    g_free(v);
    pp_model_entry_set_view_avg(e, other);
    o = pp_model_entry_describe_overrides(e);
    char want_pool[64];
    if (file_avg)
        snprintf(want_pool, sizeof want_pool, "pooling %d×%d (file: %d×%d)", other, other, file_avg, file_avg);
    else
        snprintf(want_pool, sizeof want_pool, "pooling %d×%d (file: none)", other, other);
    check(o && strcmp(o, want_pool) == 0, "  a pooling override is named with the file's pooling");
    g_free(o);
    pp_model_entry_set_view_alpha(e, -1, 0.0f);
    o = pp_model_entry_describe_overrides(e);
    check(o && g_str_has_prefix(o, "α 0.00 on every channel (learned mean ") && strstr(o, want_pool),
          "  alpha 0 everywhere and the pooling, both named");
    g_free(o);

    pp_model_entry_reset_view(e);
    check(pp_model_entry_view_is_learned(e), "  reset to learned restores alpha and pooling");
    free(want);
    free(got);
    g_object_unref(e);
}

int main(void)
{
    test_model("r18_cifar_gray_pp5.safetensors");
    test_model("r18_imagenet_pp3.safetensors");
    test_model("r18_cifar_pp0_fixed.safetensors");
    printf("%s\n", failures ? "FAILED" : "all ok");
    return failures ? 1 : 0;
}

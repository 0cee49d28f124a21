/* Perturbative networks (pnn.pytorch's perturb_resnet18) against PyTorch
 * (tests/make_arch_fixtures_pnn_wrn.py): the perturbation op and the residual
 * sum, forward and backward (PyTorch's gradients and finite differences);
 * whole pickled models (torch.save(model), classes kept inert) and a plain state
 * dict with the settings given, logits and the first layer's output within
 * 1e-4; the settings read from the pickle; bad files refused with the names. */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "../fixture_compare.h"
#include "../test_util.h"
#include "forward.h"
#include "model_file.h"
#include "ops/noise_masks.h"
#include "ops/residual_add.h"
#include "threads.h"

#define SUB "pnn"

static char tmpdir[64];

static pp_npy load(const char *fmt, const char *name)
{
    char file[128];
    snprintf(file, sizeof file, fmt, name);
    return fixture_npy(SUB, file);
}

/* sum(y * dy) for the perturbation at x */
static double noise_objective(const pp_noise_masks *l, const float *x, const float *dy, int n, float *y)
{
    pp_noise_masks_forward(y, x, l, n, 1);
    const size_t count = (size_t)l->channels * l->masks * n * l->size * l->size;
    double s = 0;
    for (size_t i = 0; i < count; i++)
        s += (double)y[i] * dy[i];
    return s;
}

static void test_noise_masks(void)
{
    static const char *const cases[] = {"unique_relu", "shared"};
    for (int c = 0; c < 2; c++) {
        pp_npy x = load("noise_%s_x.npy", cases[c]), noise = load("noise_%s_noise.npy", cases[c]);
        pp_npy meta = load("noise_%s_meta.npy", cases[c]), level = load("noise_%s_level.npy", cases[c]);
        pp_npy y = load("noise_%s_y.npy", cases[c]), dy = load("noise_%s_dy.npy", cases[c]);
        pp_npy dx = load("noise_%s_dx.npy", cases[c]);
        const int64_t *mt = meta.data;
        const int n = (int)mt[4];
        pp_noise_masks l = {.channels = (int)mt[0], .masks = (int)mt[1], .mask_channels = mt[2] ? (int)mt[0] : 1,
                            .size = (int)mt[3], .level = ((const float *)level.data)[0], .relu = mt[5] != 0,
                            .noise = noise.data};
        const size_t ny = (size_t)pp_npy_numel(&y), nx = (size_t)pp_npy_numel(&x);
        float *got = malloc(ny * sizeof *got), *gdx = malloc(nx * sizeof *gdx);
        pp_noise_masks_forward(got, x.data, &l, n, pp_threads_default());
        char what[64];
        snprintf(what, sizeof what, "noise %s forward", cases[c]);
        CHECK(pp_test_compare(what, got, y.data, ny, 1e-6, 1) <= 1e-6, "%s", what);
        pp_noise_masks_backward(gdx, dy.data, got, &l, n, pp_threads_default());
        snprintf(what, sizeof what, "noise %s backward", cases[c]);
        CHECK(pp_test_compare(what, gdx, dx.data, nx, 1e-5, 1) <= 1e-5, "%s", what);
        /* finite differences (central, double objective) at a few inputs away from the ReLU's kink */
        float *xp = malloc(nx * sizeof *xp);
        memcpy(xp, x.data, nx * sizeof *xp);
        int checked = 0;
        for (size_t i = 0; i < nx && checked < 12; i += 1 + nx / 13) {
            const float h = 1e-2f, keep = xp[i];
            xp[i] = keep + h;
            double up = noise_objective(&l, xp, dy.data, n, got);
            xp[i] = keep - h;
            double down = noise_objective(&l, xp, dy.data, n, got);
            xp[i] = keep;
            double fd = (up - down) / (2.0 * h);
            CHECK(fabs(fd - gdx[i]) <= 2e-3 * (1 + fabs(fd)), "noise %s: d/dx[%zu] finite difference %.6f, "
                  "backward %.6f", cases[c], i, fd, (double)gdx[i]);
            checked++;
        }
        free(xp);
        free(got);
        free(gdx);
        pp_npy_free(&x), pp_npy_free(&noise), pp_npy_free(&meta), pp_npy_free(&level);
        pp_npy_free(&y), pp_npy_free(&dy), pp_npy_free(&dx);
    }
}

static void test_residual_add(void)
{
    pp_npy a = fixture_npy(SUB, "add_a.npy"), b = fixture_npy(SUB, "add_b.npy"), y = fixture_npy(SUB, "add_y.npy");
    const size_t n = (size_t)pp_npy_numel(&a);
    float *out = malloc(n * sizeof *out), *dy = malloc(n * sizeof *dy), *da = malloc(n * sizeof *da);
    float *db = malloc(n * sizeof *db);
    pp_residual_add_forward(out, a.data, b.data, NULL, 1, 1, n, true, 2);
    CHECK(pp_test_compare("add forward", out, y.data, n, 0, 1) == 0, "relu(a + b)");
    for (size_t i = 0; i < n; i++)
        dy[i] = (float)((i * 37) % 11) - 5.0f, db[i] = 1.0f;
    pp_residual_add_backward(da, db, false, dy, out, NULL, 1, 1, n, true, 2);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        /* finite difference of sum(relu(a + b) * dy) in a_i: dy_i where a + b > 0, else 0 */
        const float *av = a.data, *bv = b.data;
        const double h = 1e-3, s = (double)av[i] + bv[i];
        const double fd = ((s + h > 0 ? s + h : 0) - (s - h > 0 ? s - h : 0)) / (2 * h) * dy[i];
        if (fabs(s) > 1e-2)
            bad += fabs(fd - da[i]) > 1e-3 || fabs((double)db[i] - 1.0 - da[i]) > 1e-6;
    }
    CHECK(bad == 0, "add backward: %d of %zu gradients off (finite differences, accumulation)", bad, n);
    free(out), free(dy), free(da), free(db);
    pp_npy_free(&a), pp_npy_free(&b), pp_npy_free(&y);
}

static void check_outputs(pp_model *m, const char *net)
{
    pp_error err = {0};
    pp_npy x = fixture_npy(SUB, "input32_x.npy");
    pp_tensor input = fixture_tensor(&x);
    pp_forward_ctx *ctx = pp_forward_ctx_new(pp_threads_default());
    pp_taps taps = {.requested = 1u << PP_TAP_STEM | 1u << PP_TAP_LOGITS};
    CHECK_OK(pp_model_forward(m, ctx, &input, NULL, &taps, &err), &err);
    static const char *const tap_names[] = {"logits", "stem"};
    const pp_tap tap_ids[] = {PP_TAP_LOGITS, PP_TAP_STEM};
    for (int t = 0; t < 2 && err.status == PP_OK; t++) {
        double e = fixture_tap_error(SUB, net, tap_names[t], &taps.out[tap_ids[t]], 1e-4);
        CHECK(e >= 0 && e <= 1e-4, "%s %s: error %.3g", net, tap_names[t], e);
    }
    pp_taps_free(&taps);
    pp_forward_ctx_free(ctx);
    pp_npy_free(&x);
}

typedef struct {
    const char *file, *outputs;
    pp_arch_hints hints;
    int masks;
    bool unique, mix, first_act, avg_pool;
    int first_filter;
    float level, first_level;
} pnn_case;

static const pnn_case nets[] = {
    {"pnn_whole_m1_unique.pth", "pnn_whole_m1_unique", {.avg_kernel = -1}, 1, true, false, false, false, 0, 0.3f,
     0.6f},
    {"pnn_sd_ff3_m2_shared_mix.pt", "pnn_sd_ff3_m2_shared_mix",
     {.avg_kernel = -1, .pnn_level = 0.2f, .pnn_first_act = 2, .pnn_avg_pool = 2}, 2, false, true, true, true, 3,
     0.2f, 0.2f},
    {"pnn_whole_m2_unique_act.pth", "pnn_whole_m2_unique_act", {.avg_kernel = -1}, 2, true, false, true, false, 0,
     0.4f, 0.6f},
};

static void test_networks(void)
{
    for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++) {
        const pnn_case *c = &nets[i];
        pp_model m;
        pp_error err = {0};
        char notes[512];
        CHECK_OK(pp_model_open(&m, fixture_path(SUB, c->file), &c->hints, notes, sizeof notes, &err), &err);
        if (err.status != PP_OK)
            continue;
        const pp_arch *a = &m.arch;
        CHECK(strcmp(a->family, "perturb_resnet") == 0, "%s: family %s", c->file, a->family);
        CHECK(a->pnn.masks == c->masks && a->pnn.unique == c->unique && a->pnn.mix_maps == c->mix &&
                  a->pnn.first_filter == c->first_filter && a->pnn.size == 32,
              "%s: m %d unique %d mix %d first filter %d size %d", c->file, a->pnn.masks, a->pnn.unique,
              a->pnn.mix_maps, a->pnn.first_filter, a->pnn.size);
        CHECK(fabsf(a->pnn.level - c->level) < 1e-6f && fabsf(a->pnn.first_level - c->first_level) < 1e-6f &&
                  a->pnn.first_act == c->first_act && a->pnn.avg_pool == c->avg_pool,
              "%s: level %g first %g act %d avg %d (from %s)", c->file, a->pnn.level, a->pnn.first_level,
              a->pnn.first_act, a->pnn.avg_pool, c->hints.pnn_level > 0 ? "the hints" : "the pickle");
        check_outputs(&m, c->outputs);

        char path[128];
        snprintf(path, sizeof path, "%s/pnn_%zu.safetensors", tmpdir, i);
        CHECK_OK(pp_model_save(&m, path, &err), &err);
        pp_model back;
        const pp_arch_hints none = {.avg_kernel = -1};
        CHECK_OK(pp_model_open(&back, path, &none, notes, sizeof notes, &err), &err);
        if (err.status == PP_OK) { /* the settings travel in our metadata */
            CHECK(back.arch.pnn.level == a->pnn.level && back.arch.pnn.avg_pool == a->pnn.avg_pool &&
                      back.arch.pnn.first_act == a->pnn.first_act,
                  "%s reopened: level %g", c->file, back.arch.pnn.level);
            check_outputs(&back, c->outputs);
            pp_model_free(&back);
        }
        remove(path);
        pp_model_free(&m);
    }
}

/* Without the settings a state dict cannot carry, the defaults, with a note. */
static void test_state_dict_defaults_noted(void)
{
    pp_model m;
    pp_error err = {0};
    char notes[512];
    const pp_arch_hints none = {.avg_kernel = -1};
    CHECK_OK(pp_model_open(&m, fixture_path(SUB, "pnn_sd_ff3_m2_shared_mix.pt"), &none, notes, sizeof notes, &err),
             &err);
    if (err.status != PP_OK)
        return;
    CHECK(m.arch.pnn.level == 0.5f && strstr(notes, "noise level"), "default level 0.5 noted: %s", notes);
    pp_model_free(&m);
}

static void test_bad_files(void)
{
    pp_model m;
    pp_error err = {0};
    char notes[512];
    const pp_arch_hints none = {.avg_kernel = -1};
    CHECK(pp_model_open(&m, fixture_path(SUB, "pnn_unknown_class.pth"), &none, notes, sizeof notes, &err) ==
                  PP_ERR_UNSUPPORTED &&
              strstr(err.msg, "experiments.extras.NoiseDropout"),
          "unknown class refused by name: %s", err.msg);
    pp_error e2 = {0};
    CHECK(pp_model_open(&m, fixture_path(SUB, "pnn_bad_masks.pt"), &none, notes, sizeof notes, &e2) == PP_ERR_SHAPE &&
              strstr(e2.msg, "layer2.1.layers.0.noise") && strstr(e2.msg, "(1, 12, 3, 16, 16)"),
          "inconsistent masks: %s", e2.msg);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pp-test-pnn-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    RUN_TEST(test_noise_masks);
    RUN_TEST(test_residual_add);
    RUN_TEST(test_networks);
    RUN_TEST(test_state_dict_defaults_noted);
    RUN_TEST(test_bad_files);
    rmdir(tmpdir);
    return TEST_EXIT();
}

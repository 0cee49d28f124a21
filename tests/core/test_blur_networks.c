/* The anti-aliased ResNets (docs/arch-blurpool.md) against PyTorch: every
 * model of tests/fixtures/arch_blur/MODELS (tests/make_arch_fixtures_blur.py:
 * adobe R18/34/50/101 with filter 2..5, pool_only true and false, one R50 wide
 * and grouped; zhang and
 * vasconcelos R50, ImageNet with and without a PushPull stem, CIFAR) opens
 * from the file the official code would write, is recognised as its family,
 * and gives PyTorch's logits, first-layer output and stem output within 1e-4
 * relative. Also: what the engine refuses (too small an input for a blur, a
 * filter buffer of the wrong shape, blur keys that fit no family). */
#include <string.h>

#include "../fixture_compare.h"
#include "../test_util.h"
#include "ckpt/state_dict.h"
#include "forward.h"
#include "model/families.h"
#include "model_file.h"
#include "threads.h"

#define DIR "arch_blur"
#define TOL 1e-4

typedef struct {
    char file[96];
    int side, depth, filter, pool_only, push_pull;
    char family[32], config[32];
} model_row;

static bool parse_model(const char *line, void *row)
{
    model_row *r = row;
    return sscanf(line, "%95s %d %31s %d %d %d %d %31s", r->file, &r->side, r->family, &r->depth, &r->filter,
                  &r->pool_only, &r->push_pull, r->config) == 8;
}

static int read_models(model_row *rows, int cap)
{
    return fixture_read_rows(DIR, "MODELS", rows, sizeof *rows, cap, parse_model);
}

static const char *expected_family(const model_row *r)
{
    return strcmp(r->family, "vasconcelos") == 0 ? "vasconcelos_resnet" : "blurpool_resnet";
}

static void check_model(const model_row *r)
{
    char notes[512];
    pp_error err = {0};
    pp_arch_hints hints = {.avg_kernel = -1};
    pp_model m;
    char file[96];
    snprintf(file, sizeof file, "%.95s", r->file);
    CHECK_OK(pp_model_open(&m, fixture_path(DIR, file), &hints, notes, sizeof notes, &err), &err);
    if (err.status != PP_OK)
        return;
    const pp_arch *a = &m.arch;
    CHECK(strcmp(a->family, expected_family(r)) == 0, "%s: recognised as %s", r->file, a->family);
    CHECK(a->blur_filter == r->filter, "%s: filter %d, want %d", r->file, a->blur_filter, r->filter);
    CHECK(a->push_pull == (r->push_pull != 0), "%s: push-pull %d", r->file, a->push_pull);
    CHECK((a->stem == PP_STEM_CIFAR) == (strcmp(r->config, "cifar10") == 0), "%s: stem", r->file);
    if (strcmp(r->family, "adobe") == 0)
        CHECK(a->blur_stem == !r->pool_only, "%s: blurred stem %d with pool_only %d", r->file, a->blur_stem,
              r->pool_only);
    int depth = 2; /* the stem conv and the classifier */
    for (int s = 0; s < 4; s++)
        depth += (a->block == PP_BLOCK_BASIC ? 2 : 3) * a->blocks[s];
    CHECK(depth == r->depth, "%s: depth %d, want %d", r->file, depth, r->depth);

    fixture_check_forward(&m, DIR, r->file, r->side, TOL);
    pp_model_free(&m);
}

static void test_against_pytorch(void)
{
    model_row rows[32];
    int n = read_models(rows, 32);
    CHECK(n >= 15, "MODELS lists %d models", n);
    for (int i = 0; i < n; i++)
        check_model(&rows[i]);
}

/* A blur whose reflection pad does not fit its map: an error naming the
 * layer, never a read outside the plane (vasconcelos blurs layer4's 1/32 map
 * at stride 1: a 40 px input leaves it 2x2 for a pad of 2). */
static void test_too_small_input(void)
{
    pp_error err = {0};
    pp_arch_hints hints = {.avg_kernel = -1};
    pp_model m;
    char notes[512];
    CHECK_OK(pp_model_open(&m, fixture_path(DIR, "vasconcelos_r50_imagenet.ckpt"), &hints, notes, sizeof notes, &err),
             &err);
    if (err.status != PP_OK)
        return;
    pp_tensor x = {0}, logits = {0};
    CHECK_OK(pp_tensor_alloc4(&x, 1, 3, 40, 40, &err), &err);
    pp_forward_ctx *ctx = pp_forward_ctx_new(1);
    pp_status st = pp_model_forward(&m, ctx, &x, &logits, NULL, &err);
    CHECK(st == PP_ERR_SHAPE && strstr(err.msg, "BlurPool") && strstr(err.msg, "layer4"),
          "40 px through vasconcelos: %s", err.msg);
    pp_forward_ctx_free(ctx);
    pp_tensor_free(&x);
    pp_tensor_free(&logits);
    pp_model_free(&m);
}

/* The sd of a small anti-aliased ResNet the engine writes itself. */
static bool own_state_dict(pp_state_dict *sd)
{
    pp_error err = {0};
    pp_arch_hints hints = {.avg_kernel = -1};
    pp_model m;
    char notes[512];
    CHECK_OK(pp_model_open(&m, fixture_path(DIR, "aa_r18_f4_pool.pth"), &hints, notes, sizeof notes, &err), &err);
    if (err.status != PP_OK)
        return false;
    CHECK_OK(pp_model_to_state_dict(&m, sd, &err), &err);
    pp_model_free(&m);
    return err.status == PP_OK;
}

static pp_sd_entry *entry(pp_state_dict *sd, const char *name)
{
    return (pp_sd_entry *)pp_sd_find(sd, name);
}

/* Filters of a size the layer does not have, of another shape than the
 * architecture needs, or not finite: refused with the key, not run with a
 * guessed filter. */
static void test_bad_filters(void)
{
    pp_state_dict sd;
    if (!own_state_dict(&sd))
        return;
    pp_error err = {0};
    pp_arch a;
    char notes[512];
    pp_arch_hints hints = {.avg_kernel = -1};
    CHECK_OK(pp_arch_infer(&a, &sd, &hints, notes, sizeof notes, &err), &err);
    CHECK(strcmp(a.family, "blurpool_resnet") == 0 && a.blur_filter == 4 && !a.blur_stem, "own file: %s f=%d",
          a.family, a.blur_filter);
    /* the shortcut's filter reshaped to (16 C, 1, 1, 1): f reads as 1, and
     * then the other blurs' 4x4 buffers do not fit */
    pp_sd_entry *f = entry(&sd, "layer2.0.downsample.0.filt");
    int64_t keep[4];
    memcpy(keep, f->shape, sizeof keep);
    f->shape[2] = f->shape[3] = 1;
    f->shape[0] = keep[0] * 16;
    pp_status st = pp_arch_infer(&a, &sd, &hints, notes, sizeof notes, &err);
    CHECK(st == PP_OK && a.blur_filter == 1, "a 1x1 shortcut filter reads as f = 1 (%s)", err.msg);
    pp_model m;
    if (st == PP_OK) {
        CHECK_OK(pp_model_create(&m, &a, &err), &err);
        st = pp_model_load_state_dict(&m, &sd, &err);
        CHECK(st == PP_ERR_SHAPE && strstr(err.msg, ".filt"), "the stem's 4x4 filters do not fit f = 1: %s", err.msg);
        pp_model_free(&m);
    }
    f->shape[0] = keep[0];
    f->shape[1] = 2;
    f->shape[2] = f->shape[3] = 2;
    st = pp_arch_infer(&a, &sd, &hints, notes, sizeof notes, &err);
    CHECK(st == PP_ERR_SHAPE && strstr(err.msg, "layer2.0.downsample.0.filt"), "(C, 2, 2, 2) filter: %s", err.msg);
    f->shape[1] = 1;
    f->shape[2] = f->shape[3] = 8;
    st = pp_arch_infer(&a, &sd, &hints, notes, sizeof notes, &err);
    CHECK(st == PP_ERR_SHAPE && strstr(err.msg, "1 to 7"), "8x8 filter: %s", err.msg);
    memcpy(f->shape, keep, sizeof keep);
    /* a non-finite filter tap: refused on load, naming the buffer */
    ((float *)entry(&sd, "maxpool.1.filt")->data)[5] = NAN;
    CHECK_OK(pp_arch_infer(&a, &sd, &hints, notes, sizeof notes, &err), &err);
    CHECK_OK(pp_model_create(&m, &a, &err), &err);
    st = pp_model_load_state_dict(&m, &sd, &err);
    CHECK(st == PP_ERR_FORMAT && strstr(err.msg, "maxpool.1.filt") && strstr(err.msg, "NaN"), "NaN filter: %s",
          err.msg);
    pp_model_free(&m);
    pp_sd_free(&sd);
}

/* Blur keys in no known arrangement: the no-fit error names a blur family
 * and what it lacks, never a plain ResNet run without its blurs. */
static void test_unknown_arrangement(void)
{
    pp_state_dict sd;
    if (!own_state_dict(&sd))
        return;
    pp_sd_entry *f = entry(&sd, "layer3.0.downsample.0.filt");
    free(f->name);
    f->name = strdup("layer3.0.downsample.9.filt");
    pp_sd_names_changed(&sd);
    const pp_family *family;
    pp_error err = {0};
    pp_status st = pp_family_recognise(&sd, &family, &err);
    CHECK(st == PP_ERR_UNSUPPORTED && strstr(err.msg, "blurpool_resnet") &&
              strstr(err.msg, "layer3.0.downsample.0.filt"),
          "a moved blur: %s", err.msg);
    pp_sd_free(&sd);
}

/* adobe's main.py saves with torch.save's legacy (pre-1.6) format: the same
 * weights in that file give the zip file's logits exactly. */
static void test_legacy_file(void)
{
    char notes[512];
    pp_error err = {0};
    pp_arch_hints hints = {.avg_kernel = -1};
    pp_model zip, legacy;
    CHECK_OK(pp_model_open(&zip, fixture_path(DIR, "aa_r18_f4_pool.pth"), &hints, notes, sizeof notes, &err), &err);
    CHECK_OK(pp_model_open(&legacy, fixture_path(DIR, "aa_r18_f4_pool_legacy.pth"), &hints, notes, sizeof notes, &err),
             &err);
    if (err.status != PP_OK)
        return;
    CHECK(strcmp(legacy.arch.family, "blurpool_resnet") == 0 && legacy.arch.blur_filter == 4,
          "legacy file recognised as %s, filter %d", legacy.arch.family, legacy.arch.blur_filter);
    pp_npy x = fixture_npy(DIR, "x48.npy");
    pp_tensor input = {.ndim = 4, .data = x.data};
    memcpy(input.shape, x.shape, sizeof input.shape);
    pp_tensor a = {0}, b = {0};
    pp_forward_ctx *ctx = pp_forward_ctx_new(1);
    CHECK_OK(pp_model_forward(&zip, ctx, &input, &a, NULL, &err), &err);
    CHECK_OK(pp_model_forward(&legacy, ctx, &input, &b, NULL, &err), &err);
    CHECK(a.data && b.data && pp_tensor_numel(&a) == pp_tensor_numel(&b) &&
              memcmp(a.data, b.data, sizeof(float) * (size_t)pp_tensor_numel(&a)) == 0,
          "the legacy file's logits differ from the zip file's");
    pp_forward_ctx_free(ctx);
    pp_tensor_free(&a);
    pp_tensor_free(&b);
    pp_npy_free(&x);
    pp_model_free(&zip);
    pp_model_free(&legacy);
}

int main(void)
{
    RUN_TEST(test_against_pytorch);
    RUN_TEST(test_too_small_input);
    RUN_TEST(test_bad_filters);
    RUN_TEST(test_unknown_arrangement);
    RUN_TEST(test_legacy_file);
    return TEST_EXIT();
}

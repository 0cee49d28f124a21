/* EfficientNet-b0 (model/efficientnet.h) against PyTorch: every model of
 * tests/fixtures/arch_effnet/MODELS (tests/make_arch_fixtures_effnet.py:
 * torchvision's efficientnet_b0 code and the lukemelas copy of pushpull-conv
 * at width 0.1 / depth 0.5, plain and PushPull stems, 40 and 64 px inputs that
 * the lukemelas pads, computed for 224, do not fit symmetrically) opens from
 * the file the reference code writes, is recognised as its family and gives
 * PyTorch's logits, first-layer output and stem within 1e-4 relative. The
 * full-size b0 of each layout has the reference's keys, shapes and parameter
 * count and runs at 224. Bad files: wrong expansion ratios, wrong kernels,
 * missing blocks and keys that fit no family are clear errors. */
#include <string.h>

#include "../fixture_compare.h"
#include "../test_util.h"
#include "ckpt/checkpoint.h"
#include "ckpt/state_dict.h"
#include "forward.h"
#include "model/efficientnet.h"
#include "model/families.h"
#include "model_file.h"

#define DIR "arch_effnet"
#define TOL 1e-4

typedef struct {
    char file[96], family[32];
    int side, push_pull;
} model_row;

static bool parse_model(const char *line, void *row)
{
    model_row *r = row;
    return sscanf(line, "%95s %d %31s %d", r->file, &r->side, r->family, &r->push_pull) == 4;
}

static int read_models(model_row *rows, int cap)
{
    return fixture_read_rows(DIR, "MODELS", rows, sizeof *rows, cap, parse_model);
}

static void check_model(const model_row *r)
{
    char notes[512];
    pp_error err = {0};
    pp_arch_hints hints = {.avg_kernel = -1};
    pp_model m;
    CHECK_OK(pp_model_open(&m, fixture_path(DIR, r->file), &hints, notes, sizeof notes, &err), &err);
    if (err.status != PP_OK)
        return;
    CHECK(strcmp(m.arch.family, r->family) == 0, "%s: recognised as %s", r->file, m.arch.family);
    CHECK(m.arch.push_pull == (r->push_pull != 0), "%s: push-pull %d", r->file, m.arch.push_pull);
    fixture_check_forward(&m, DIR, r->file, r->side, TOL);
    pp_model_free(&m);
}

static void test_against_pytorch(void)
{
    model_row rows[16];
    int n = read_models(rows, 16);
    CHECK(n >= 5, "MODELS lists %d models", n);
    for (int i = 0; i < n; i++)
        check_model(&rows[i]);
}

/* The full-size b0: the reference's 360 (361) keys with their shapes, in the
 * engine's parameters, and 5,288,548 trainable values; a forward at 224. */
static void check_full_size(const char *arch_name, bool push_pull, const char *keys_file)
{
    pp_error err = {0};
    pp_arch a;
    CHECK_OK(pp_arch_from_name(&a, arch_name, PP_STEM_IMAGENET, 3, 1000, &err), &err);
    a.push_pull = push_pull;
    pp_model m;
    CHECK_OK(pp_model_create(&m, &a, &err), &err);
    if (err.status != PP_OK)
        return;
    CHECK(pp_model_param_count(&m) == 5288548 + (push_pull ? 32 : 0), "%s: %lld parameters", arch_name,
          (long long)pp_model_param_count(&m));
    CHECK(strcmp(pp_arch_name(&m.arch), arch_name) == 0, "named %s", pp_arch_name(&m.arch));
    FILE *f = fopen(fixture_path(DIR, keys_file), "r");
    CHECK(f != NULL, "no %s", keys_file);
    char line[256];
    int keys = 0, matched = 0;
    while (f && fgets(line, sizeof line, f)) {
        char key[160], shape[64];
        if (sscanf(line, "%159s %63s", key, shape) != 2 || strcmp(shape, "-") == 0)
            continue; /* num_batches_tracked */
        keys++;
        const pp_param *p = pp_model_find_param(&m, key);
        CHECK(p != NULL, "%s: no parameter %s", arch_name, key);
        if (!p)
            continue;
        char mine[64] = "";
        for (int d = 0; d < p->ndim; d++)
            snprintf(mine + strlen(mine), sizeof mine - strlen(mine), d ? ",%lld" : "%lld", (long long)p->shape[d]);
        CHECK(strcmp(mine, shape) == 0, "%s: %s is %s, PyTorch's %s", arch_name, key, mine, shape);
        matched += strcmp(mine, shape) == 0;
    }
    if (f)
        fclose(f);
    CHECK(keys == m.param_count && matched == keys, "%s: %d of %d reference tensors match; the engine has %d",
          arch_name, matched, keys, m.param_count);
    pp_tensor x = {0}, logits = {0};
    CHECK_OK(pp_tensor_alloc4(&x, 1, 3, 224, 224, &err), &err);
    pp_forward_ctx *ctx = pp_forward_ctx_new(2);
    CHECK_OK(pp_model_forward(&m, ctx, &x, &logits, NULL, &err), &err);
    CHECK(logits.ndim == 2 && logits.shape[0] == 1 && logits.shape[1] == 1000, "%s: logits shape", arch_name);
    pp_forward_ctx_free(ctx);
    pp_tensor_free(&x);
    pp_tensor_free(&logits);
    pp_model_free(&m);
}

static void test_full_size(void)
{
    check_full_size("efficientnet_b0", false, "b0_keys_torchvision.txt");
    check_full_size("lukemelas-efficientnet_b0", false, "b0_keys_lukemelas.txt");
    check_full_size("lukemelas-efficientnet_b0", true, "b0_keys_lukemelas_pp.txt");
}

static bool load_sd(const char *file, pp_state_dict *sd)
{
    pp_error err = {0};
    CHECK_OK(pp_checkpoint_load(fixture_path(DIR, file), sd, &err), &err);
    if (err.status == PP_OK)
        CHECK_OK(pp_sd_normalize_names(sd, &err), &err);
    return err.status == PP_OK;
}

static pp_status infer(const pp_state_dict *sd, pp_arch *a, pp_error *err)
{
    char notes[512];
    pp_arch_hints hints = {.avg_kernel = -1};
    return pp_arch_infer(a, sd, &hints, notes, sizeof notes, err);
}

/* Shapes a file's tensors could have but EfficientNet-b0's cannot: refused
 * with the tensor and the reason, before anything runs. */
static void test_bad_shapes(void)
{
    pp_state_dict sd;
    if (!load_sd("tv_small.pth", &sd))
        return;
    pp_error err = {0};
    pp_arch a;
    CHECK_OK(infer(&sd, &a, &err), &err);
    CHECK(strcmp(a.family, "efficientnet") == 0 && a.effnet_blocks[3] == 2 && a.effnet_out[6] == 32 &&
              a.effnet_head == 128 && a.num_classes == 10 && a.width == 8,
          "tv_small: %s, stage 4 %d blocks, stage 7 out %d, head %d", a.family, a.effnet_blocks[3], a.effnet_out[6],
          a.effnet_head);
    /* stage 2's expansion 8 -> 40 (ratio 5), consistently in its expand and
     * depthwise convs; then only in the expansion */
    pp_sd_entry *e = (pp_sd_entry *)pp_sd_find(&sd, "features.2.0.block.0.0.weight");
    pp_sd_entry *dw = (pp_sd_entry *)pp_sd_find(&sd, "features.2.0.block.1.0.weight");
    CHECK(e && dw && e->shape[0] == 48 && dw->shape[0] == 48, "stage 2 expands 8 to 48");
    if (e && dw) {
        e->shape[0] = dw->shape[0] = 40;
        pp_status st = infer(&sd, &a, &err);
        CHECK(st == PP_ERR_SHAPE && strstr(err.msg, "features.2.0.block") && strstr(err.msg, "ratio 5") &&
                  strstr(err.msg, "expands by 6"),
              "expansion 5: %s", err.msg);
        dw->shape[0] = 48;
        st = infer(&sd, &a, &err);
        CHECK(st == PP_ERR_SHAPE && strstr(err.msg, "features.2.0.block.0.0.weight is (40, 8, 1, 1)"),
              "expansion and depthwise disagree: %s", err.msg);
        e->shape[0] = 48;
    }
    /* a 3x3 depthwise kernel where b0 has 5x5 */
    e = (pp_sd_entry *)pp_sd_find(&sd, "features.3.0.block.1.0.weight");
    if (e) {
        e->shape[2] = e->shape[3] = 3;
        pp_status st = infer(&sd, &a, &err);
        CHECK(st == PP_ERR_SHAPE && strstr(err.msg, "features.3.0.block") && strstr(err.msg, "5x5"),
              "3x3 for 5x5: %s", err.msg);
        e->shape[2] = e->shape[3] = 5;
    }
    /* a projection reading other channels than the depthwise gives */
    e = (pp_sd_entry *)pp_sd_find(&sd, "features.4.1.block.3.0.weight");
    if (e) {
        e->shape[1]++;
        pp_status st = infer(&sd, &a, &err);
        CHECK(st == PP_ERR_SHAPE && strstr(err.msg, "features.4.1.block.3.0.weight"), "projection: %s", err.msg);
        e->shape[1]--;
    }
    /* no classifier: no family fits; the closest is EfficientNet, and it says what is missing */
    e = (pp_sd_entry *)pp_sd_find(&sd, "classifier.1.weight");
    if (e) {
        free(e->name);
        e->name = strdup("classifier.9.weight");
        pp_sd_names_changed(&sd);
        pp_status st = infer(&sd, &a, &err);
        CHECK(st == PP_ERR_UNSUPPORTED && strstr(err.msg, "closest: efficientnet ") &&
                  strstr(err.msg, "classifier.1.weight"),
              "no classifier: %s", err.msg);
    }
    pp_sd_free(&sd);

    if (!load_sd("lm_small.ckpt", &sd))
        return;
    CHECK_OK(infer(&sd, &a, &err), &err);
    CHECK(strcmp(a.family, "efficientnet_lukemelas") == 0 && a.effnet_blocks[5] == 2 && !a.push_pull,
          "lm_small: %s, stage 6 %d blocks", a.family, a.effnet_blocks[5]);
    /* the last block gone: stage 7 has none */
    char key[64];
    int last = 0;
    for (int s = 0; s < 7; s++)
        last += a.effnet_blocks[s];
    snprintf(key, sizeof key, "_blocks.%d._depthwise_conv.weight", last - 1);
    e = (pp_sd_entry *)pp_sd_find(&sd, key);
    if (e) {
        e->name[1] = 'X'; /* "_Xlocks..." */
        pp_sd_names_changed(&sd);
        pp_status st = infer(&sd, &a, &err);
        CHECK(st != PP_OK && strstr(err.msg, "EfficientNet"), "block %d gone: %s", last - 1, err.msg);
    }
    pp_sd_free(&sd);
}

int main(void)
{
    RUN_TEST(test_against_pytorch);
    RUN_TEST(test_full_size);
    RUN_TEST(test_bad_shapes);
    return TEST_EXIT();
}

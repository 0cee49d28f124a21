/* The pre-activation networks (AugMix's and RobustBench's WideResNet, RobustBench's
 * PreActResNet-18) loaded from the files their code writes
 * (tests/make_arch_fixtures_pnn_wrn.py): recognised from their keys as their
 * family, logits and first-layer outputs within 1e-4 of PyTorch's, saved and
 * reopened unchanged; and a WideResNet built by name (`train --arch wrn-40-2`)
 * has the reference's keys. */
#include <stdlib.h>
#include <unistd.h>

#include "../fixture_compare.h"
#include "../test_util.h"
#include "forward.h"
#include "model_file.h"
#include "threads.h"

#define SUB "wrn"

static char tmpdir[64];

typedef struct {
    const char *file, *outputs; /* under tests/fixtures/wrn; prefix of _logits.npy / _conv1.npy */
    const char *family, *arch;  /* model/families.c row, pp_arch_name */
    bool final_bn;
} net_case;

static const net_case nets[] = {
    {"augmix_wrn16_1.pth.tar", "augmix_wrn16_1", "wide_resnet", "wrn-16-1", true},
    {"robustbench_wrn10_2.pt", "robustbench_wrn10_2", "wide_resnet", "wrn-10-2", true},
    {"preact18_w4.pt", "preact18_w4", "preact_resnet", "preact_resnet-custom", false},
    {"preact18_w4_bn.pt", "preact18_w4_bn", "preact_resnet", "preact_resnet-custom", true},
};

static void check_outputs(pp_model *m, const char *outputs)
{
    pp_error err = {0};
    pp_npy x = fixture_npy(SUB, "input32_x.npy");
    pp_tensor input = fixture_tensor(&x);
    pp_forward_ctx *ctx = pp_forward_ctx_new(pp_threads_default());
    pp_taps taps = {.requested = 1u << PP_TAP_CONV1 | 1u << PP_TAP_LOGITS};
    CHECK_OK(pp_model_forward(m, ctx, &input, NULL, &taps, &err), &err);
    if (err.status == PP_OK) {
        double logits = fixture_tap_error(SUB, outputs, "logits", &taps.out[PP_TAP_LOGITS], 1e-4);
        double conv1 = fixture_tap_error(SUB, outputs, "conv1", &taps.out[PP_TAP_CONV1], 1e-4);
        CHECK(logits >= 0 && logits <= 1e-4, "%s logits: error %.3g", outputs, logits);
        CHECK(conv1 >= 0 && conv1 <= 1e-4, "%s conv1: error %.3g", outputs, conv1);
    }
    pp_taps_free(&taps);
    pp_forward_ctx_free(ctx);
    pp_npy_free(&x);
}

static void test_networks_match_pytorch(void)
{
    for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++) {
        const net_case *c = &nets[i];
        pp_model m;
        pp_error err = {0};
        char notes[512];
        CHECK_OK(pp_model_open(&m, fixture_path(SUB, c->file), NULL, notes, sizeof notes, &err), &err);
        if (err.status != PP_OK)
            continue;
        CHECK(strcmp(m.arch.family, c->family) == 0, "%s: family %s, want %s", c->file, m.arch.family, c->family);
        CHECK(strcmp(pp_arch_name(&m.arch), c->arch) == 0, "%s: arch %s, want %s", c->file, pp_arch_name(&m.arch),
              c->arch);
        CHECK(m.arch.final_bn == c->final_bn, "%s: final BN %d", c->file, m.arch.final_bn);
        check_outputs(&m, c->outputs);

        /* saved in our format and reopened: the same network */
        char path[256];
        snprintf(path, sizeof path, "%s/roundtrip_%zu.safetensors", tmpdir, i);
        CHECK_OK(pp_model_save(&m, path, &err), &err);
        pp_model back;
        CHECK_OK(pp_model_open(&back, path, NULL, notes, sizeof notes, &err), &err);
        if (err.status == PP_OK) {
            CHECK(strcmp(back.arch.family, c->family) == 0 && back.arch.wrn_snake_case == m.arch.wrn_snake_case,
                  "%s reopened: family %s", c->file, back.arch.family);
            check_outputs(&back, c->outputs);
            pp_model_free(&back);
        }
        remove(path);
        pp_model_free(&m);
    }
}

/* By name: WRN-40-2 has AugMix's 227 tensors (cifar.py's WideResNet(40, 10, 2)) less its
 * 37 BNs' num_batches_tracked, the widths 32, 64, 128, and PreActResNet-18 RobustBench's
 * 102 less 16; bad names are refused. */
static void test_from_name(void)
{
    pp_arch a;
    pp_error err = {0};
    CHECK_OK(pp_arch_from_name(&a, "wrn-40-2", PP_STEM_CIFAR, 3, 10, &err), &err);
    pp_model m;
    CHECK_OK(pp_model_create(&m, &a, &err), &err);
    if (err.status == PP_OK) {
        CHECK(m.param_count == 190, "wrn-40-2: %d tensors, want 190", m.param_count);
        CHECK(pp_model_find_param(&m, "block3.layer.0.convShortcut.weight") != NULL &&
                  pp_model_find_param(&m, "block1.layer.5.conv2.weight") != NULL &&
                  pp_model_find_param(&m, "block1.layer.6.conv2.weight") == NULL,
              "wrn-40-2 keys");
        const pp_param *p = pp_model_find_param(&m, "block3.layer.5.conv2.weight");
        CHECK(p && p->shape[0] == 128 && p->shape[1] == 128, "wrn-40-2 block3 width");
        CHECK(strcmp(pp_arch_name(&m.arch), "wrn-40-2") == 0, "name %s", pp_arch_name(&m.arch));
        pp_model_free(&m);
    }
    CHECK_OK(pp_arch_from_name(&a, "preact_resnet18", PP_STEM_CIFAR, 3, 10, &err), &err);
    CHECK_OK(pp_model_create(&m, &a, &err), &err);
    if (err.status == PP_OK) {
        CHECK(m.param_count == 86, "preact_resnet18: %d tensors, want 86", m.param_count);
        CHECK(pp_model_find_param(&m, "layer2.0.shortcut.0.weight") != NULL, "preact shortcut key");
        pp_model_free(&m);
    }
    pp_error e2 = {0};
    CHECK(pp_arch_from_name(&a, "wrn-41-2", PP_STEM_CIFAR, 3, 10, &e2) == PP_ERR_ARG && strstr(e2.msg, "6n + 4"),
          "wrn-41-2 refused: %s", e2.msg);
    pp_error e3 = {0};
    CHECK(pp_arch_from_name(&a, "wrn-40-2", PP_STEM_IMAGENET, 3, 10, &e3) == PP_ERR_ARG, "imagenet stem refused");
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pp-test-wrn-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    RUN_TEST(test_networks_match_pytorch);
    RUN_TEST(test_from_name);
    rmdir(tmpdir);
    return TEST_EXIT();
}

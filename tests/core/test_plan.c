/* The network plan (core/model/plan.h) and the family table
 * (core/model/families.c): the steps a ResNet builder emits, their taps and
 * inference buffers; recognition of each family from a state dict's keys,
 * and the error for keys that fit none (what was found, the closest family,
 * the keys it lacks) instead of a guess that would run with wrong weights. */
#include <string.h>

#include "../test_util.h"
#include "arch.h"
#include "forward.h"
#include "model.h"
#include "model/families.h"

static void count_kinds(const pp_plan *p, int *kinds)
{
    memset(kinds, 0, sizeof(int) * PP_STEP_KIND_COUNT);
    for (int i = 0; i < p->step_count; i++)
        kinds[p->steps[i].kind]++;
}

static void check_taps_once(const pp_plan *p, bool push_pull, const char *what)
{
    for (int t = 0; t < PP_TAP_COUNT; t++) {
        int carriers = 0;
        for (int i = 0; i < p->step_count; i++)
            carriers += (p->steps[i].taps >> t) & 1;
        bool expected = push_pull || (t != PP_TAP_PUSH && t != PP_TAP_PULL);
        CHECK(carriers == (expected ? 1 : 0), "%s: tap %s is on %d steps", what, pp_tap_name((pp_tap)t), carriers);
    }
}

static void test_resnet18_cifar_steps(void)
{
    pp_arch a;
    pp_error err = {0};
    CHECK_OK(pp_arch_from_name(&a, "resnet18", PP_STEM_CIFAR, 3, 10, &err), &err);
    pp_model m;
    CHECK_OK(pp_model_create(&m, &a, &err), &err);
    if (err.status)
        return;
    const pp_plan *p = m.plan;
    int kinds[PP_STEP_KIND_COUNT];
    count_kinds(p, kinds);
    /* stem unit + BN; 8 blocks of two convs and 3 downsamples; pool + classifier */
    CHECK(p->step_count == 2 + 16 + 3 + 2, "resnet18: %d steps", p->step_count);
    CHECK(kinds[PP_STEP_PUSHPULL] == 1 && kinds[PP_STEP_BATCHNORM] == 1 && kinds[PP_STEP_CONV] == 19 &&
              kinds[PP_STEP_MAXPOOL] == 0 && kinds[PP_STEP_GLOBAL_AVGPOOL] == 1 && kinds[PP_STEP_LINEAR] == 1,
          "resnet18 CIFAR step kinds");
    CHECK(p->steps[0].kind == PP_STEP_PUSHPULL && p->steps[0].first_layer && p->steps[0].in == 0,
          "the first step is the model's own unit reading the input");
    CHECK(p->steps[p->step_count - 1].kind == PP_STEP_LINEAR, "the last step is the classifier");
    int residuals = 0;
    for (int i = 0; i < p->step_count; i++)
        residuals += p->steps[i].residual >= 0;
    CHECK(residuals == 8, "one residual add per block (%d)", residuals);
    /* a bottleneck-free ResNet needs input, a temporary, the identity and the output at most */
    CHECK(p->buffer_count >= 2 && p->buffer_count <= 4, "inference buffers: %d", p->buffer_count);
    check_taps_once(p, true, "resnet18");
    /* spatial sizes: 32 -> 32, 16, 8, 4 -> 1 */
    int vh[64], vw[64];
    CHECK(p->value_count <= 64, "values: %d", p->value_count);
    CHECK_OK(pp_model_spatial(&m, 32, 32, vh, vw, &err), &err);
    const pp_step *l4 = pp_plan_tap_step(p, PP_TAP_LAYER4);
    CHECK(l4 && vh[l4->out] == 4 && vw[l4->out] == 4, "layer4 of a 32x32 input is 4x4");
    CHECK(pp_model_spatial(&m, 1, 1, vh, vw, &err) == PP_OK, "a 1x1 input still fits the CIFAR stem");
    pp_model_free(&m);
}

static void test_resnet50_imagenet_steps(void)
{
    pp_arch a;
    pp_error err = {0};
    CHECK_OK(pp_arch_from_name(&a, "resnet50", PP_STEM_IMAGENET, 3, 5, &err), &err);
    a.push_pull = false;
    a.width = 8; /* small: the topology is the point */
    pp_model m;
    CHECK_OK(pp_model_create(&m, &a, &err), &err);
    if (err.status)
        return;
    int kinds[PP_STEP_KIND_COUNT];
    count_kinds(m.plan, kinds);
    /* plain conv1 + BN + max-pool; 16 bottlenecks of three convs and 4 downsamples */
    CHECK(m.plan->step_count == 3 + 48 + 4 + 2, "resnet50: %d steps", m.plan->step_count);
    CHECK(kinds[PP_STEP_MAXPOOL] == 1 && kinds[PP_STEP_PUSHPULL] == 0 && kinds[PP_STEP_CONV] == 1 + 48 + 4,
          "resnet50 ImageNet step kinds");
    CHECK(m.plan->buffer_count <= 4, "inference buffers: %d", m.plan->buffer_count);
    check_taps_once(m.plan, false, "resnet50");
    CHECK(strcmp(pp_family_of_arch(&a)->name, "resnet") == 0, "a plain first layer builds as 'resnet'");
    int vh[128], vw[128];
    CHECK_OK(pp_model_spatial(&m, 224, 224, vh, vw, &err), &err);
    const pp_step *stem = pp_plan_tap_step(m.plan, PP_TAP_STEM), *l4 = pp_plan_tap_step(m.plan, PP_TAP_LAYER4);
    CHECK(stem && stem->kind == PP_STEP_MAXPOOL && vh[stem->out] == 56 && l4 && vh[l4->out] == 7,
          "224 -> 56 after the max-pool -> 7 at layer4");
    pp_model_free(&m);
}

static void test_pattern_match(void)
{
    CHECK(pp_key_pattern_match("*.filt", "layer2.0.conv2.1.filt"), "suffix");
    CHECK(!pp_key_pattern_match("*.filt", "layer2.0.conv2.1.filter"), "no partial suffix");
    CHECK(pp_key_pattern_match("layer*.0.conv1.weight", "layer3.0.conv1.weight"), "middle");
    CHECK(pp_key_pattern_match("*.push_conv.*", "conv1.push_conv.weight"), "two stars");
    CHECK(!pp_key_pattern_match("conv1.weight", "conv1.weight2"), "exact");
    CHECK(pp_key_pattern_match("*", ""), "star matches empty");
}

/* A model's own state dict, for recognition. */
static bool state_dict_of(const char *arch, bool push_pull, pp_state_dict *sd)
{
    pp_arch a;
    pp_error err = {0};
    pp_model m;
    CHECK_OK(pp_arch_from_name(&a, arch, PP_STEM_CIFAR, 3, 10, &err), &err);
    a.push_pull = push_pull;
    a.width = 4;
    CHECK_OK(pp_model_create(&m, &a, &err), &err);
    if (err.status)
        return false;
    CHECK_OK(pp_model_to_state_dict(&m, sd, &err), &err);
    pp_model_free(&m);
    return err.status == PP_OK;
}

static void test_recognise_families(void)
{
    pp_error err = {0};
    const pp_family *f = NULL;
    pp_state_dict sd;
    if (!state_dict_of("resnet18", true, &sd))
        return;
    CHECK_OK(pp_family_recognise(&sd, &f, &err), &err);
    CHECK(f && strcmp(f->name, "pushpull_resnet") == 0, "PushPull-ResNet recognised (%s)", f ? f->name : "none");
    pp_arch a;
    char notes[256];
    CHECK_OK(pp_arch_infer(&a, &sd, NULL, notes, sizeof notes, &err), &err);
    CHECK(strcmp(a.family, "pushpull_resnet") == 0, "arch records the family '%s'", a.family);
    CHECK(strcmp(pp_sd_meta_get(&sd, "family") ? pp_sd_meta_get(&sd, "family") : "", "pushpull_resnet") == 0,
          "the saved metadata names the family");

    /* a blur filter is another architecture: refused, never run without it */
    float filt[4 * 9] = {0}; /* the whole (4, 1, 3, 3) tensor: the copy reads all of it */
    int64_t shape[4] = {4, 1, 3, 3};
    CHECK_OK(pp_sd_add_f32_copy(&sd, "layer2.0.conv2.1.filt", 4, shape, filt, &err), &err);
    CHECK(pp_family_recognise(&sd, &f, &err) == PP_ERR_UNSUPPORTED && !f, "keys of another family are refused");
    CHECK(strstr(err.msg, "closest: pushpull_resnet") && strstr(err.msg, "layer2.0.conv2.1.filt"),
          "the error names the closest family and the key it cannot run: %s", err.msg);
    CHECK(pp_arch_infer(&a, &sd, NULL, notes, sizeof notes, &err) == PP_ERR_UNSUPPORTED, "arch inference refuses too");
    pp_sd_free(&sd);

    if (!state_dict_of("resnet34", false, &sd))
        return;
    CHECK_OK(pp_family_recognise(&sd, &f, &err), &err);
    CHECK(f && strcmp(f->name, "resnet") == 0, "plain ResNet recognised");
    pp_sd_free(&sd);
}

static void test_no_family(void)
{
    pp_error err = {0};
    const pp_family *f = NULL;
    pp_state_dict sd;
    pp_sd_init(&sd);
    CHECK(pp_family_recognise(&sd, &f, &err) == PP_ERR_UNSUPPORTED && strstr(err.msg, "found 0 keys"),
          "an empty state dict: %s", err.msg);
    /* a classifier and a first layer only: the closest family lacks the stages */
    float w[4 * 3 * 9] = {0}, fc[10 * 32] = {0};
    int64_t conv_shape[4] = {4, 3, 3, 3}, fc_shape[2] = {10, 32};
    CHECK_OK(pp_sd_add_f32_copy(&sd, "conv1.weight", 4, conv_shape, w, &err), &err);
    CHECK_OK(pp_sd_add_f32_copy(&sd, "classifier.weight", 2, fc_shape, fc, &err), &err);
    CHECK(pp_family_recognise(&sd, &f, &err) == PP_ERR_UNSUPPORTED, "a partial ResNet is refused");
    CHECK(strstr(err.msg, "found 2 keys: conv1.weight, classifier.weight") && strstr(err.msg, "closest: ") &&
              strstr(err.msg, "lacking bn.weight, layer1.0.conv1.weight"),
          "the error lists the keys found and those lacking: %s", err.msg);
    pp_sd_free(&sd);
}

int main(void)
{
    RUN_TEST(test_resnet18_cifar_steps);
    RUN_TEST(test_resnet50_imagenet_steps);
    RUN_TEST(test_pattern_match);
    RUN_TEST(test_recognise_families);
    RUN_TEST(test_no_family);
    return TEST_EXIT();
}

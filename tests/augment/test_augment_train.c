/* A short training run per robustness recipe learns: on 96 Fashion-MNIST
 * images, a width-4 PushPull ResNet-18's mean training loss of the last epoch
 * is below the first one's (attacks: of the mixed clean + attacked batches). The same seed gives the same weights again
 * (reproducibility), and the recipe is recorded in the model's metadata. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "data/dataset.h"
#include "model_file.h"
#include "model_init.h"
#include "train/trainer.h"
#include "test_util.h"

static pp_dataset train_set;

static bool train_once(const char *spec, bool jsd, pp_train_history *hist, pp_model *m)
{
    pp_error err = {0};
    pp_arch arch;
    pp_train_recipe recipe;
    CHECK_OK(pp_train_recipe_parse(&recipe, spec, jsd, &err), &err);
    CHECK_OK(pp_arch_from_name(&arch, "resnet18", PP_STEM_CIFAR, 1, 10, &err), &err);
    arch.width = 4;
    arch.push_pull = true;
    arch.avg_kernel = 3;
    arch.alpha_trainable = true;
    arch.alpha_fixed = 1;
    arch.conv1_bias = true;
    CHECK_OK(pp_model_create(m, &arch, &err), &err);
    pp_model_init_random(m, 5);
    pp_train_options opt = {.epochs = 4, .batch = 32, .seed = 9, .crop_padding = 4, .flip = true, .limit = 96,
                            .recipe = &recipe};
    opt.schedule = (pp_lr_schedule){.kind = PP_LR_CONSTANT, .peak = 0.05f};
    opt.sgd = (pp_sgd_config){.momentum = 0.9f, .weight_decay = 1e-5f};
    pp_job job = {.threads = 2};
    pp_status st = pp_trainer_run(m, &train_set, &opt, &job, hist, &err);
    CHECK(st == PP_OK, "%s: %s", spec, err.msg);
    return st == PP_OK;
}

static void check_recipe(const char *spec, bool jsd)
{
    static pp_train_history hist;
    pp_model m;
    if (train_once(spec, jsd, &hist, &m)) {
        const double first = hist.loss[0], last = hist.loss[hist.epochs_done - 1];
        printf("  %-16s%s loss %.4f -> %.4f\n", spec, jsd ? " +jsd" : "     ", first, last);
        CHECK(isfinite(last) && last < first, "%s%s: loss %.4f -> %.4f does not decrease", spec, jsd ? " +jsd" : "",
              first, last);
        const char *recorded = pp_sd_meta_get(&m.meta, "train_augment");
        const size_t name_len = strcspn(spec, ":");
        CHECK(recorded && strncmp(recorded, spec, name_len) == 0 && strchr(":", recorded[name_len]) &&
                  (!strchr(spec, ':') || strstr(recorded, strchr(spec, ':') + 1)),
              "%s recorded as %s", spec, recorded ? recorded : "(nothing)");
        CHECK(!jsd || strstr(recorded, "jsd:lambda=12"), "jsd recorded: %s", recorded);
    }
    pp_model_free(&m);
}

static void test_each_recipe_learns(void)
{
    check_recipe("augmix", true);
    check_recipe("augmix-tv", false);
    check_recipe("trivialaugment", false);
    check_recipe("autoaugment", false);
    check_recipe("prime", true);
    check_recipe("gaussian", false);
    check_recipe("stability", false);
    check_recipe("fooling", false);
    check_recipe("fgsm", false);
    check_recipe("pgd:steps=3", false);
}

static void test_same_seed_same_weights(void)
{
    static pp_train_history h1, h2;
    pp_model a, b;
    bool ok = train_once("augmix-tv", true, &h1, &a) && train_once("augmix-tv", true, &h2, &b);
    CHECK(ok && a.arena_floats == b.arena_floats && memcmp(a.arena, b.arena, sizeof(float) * a.arena_floats) == 0,
          "two runs with the same seed differ");
    pp_model_free(&a);
    pp_model_free(&b);
}

int main(void)
{
    pp_error err = {0};
    if (pp_dataset_open(&train_set, "fashion-mnist", true, &err) != PP_OK) {
        printf("skipped: %s\n", err.msg);
        return 77;
    }
    RUN_TEST(test_each_recipe_learns);
    RUN_TEST(test_same_seed_same_weights);
    pp_dataset_free(&train_set);
    return TEST_EXIT();
}

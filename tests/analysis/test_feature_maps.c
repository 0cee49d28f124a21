/* Feature maps of two models on one image, clean and corrupted: the maps
 * against PyTorch (make_cka_fixtures.py, image 0 of the CKA set), the shared
 * colour range per channel pair, and bad layers. */
#include "analysis/feature_maps.h"
#include "data/dataset.h"
#include "fixture.h"
#include "model_file.h"
#include "test_util.h"

static void compare_maps(const float *got, const char *fixture, int c, int h, int w)
{
    pp_npy want = fixture_npy("analysis", fixture);
    CHECK(want.ndim == 3 && want.shape[0] == c && want.shape[1] == h && want.shape[2] == w, "%s shape", fixture);
    double worst = 0;
    for (int64_t i = 0; i < pp_npy_numel(&want); i++)
        worst = fmax(worst, fabs(got[i] - ((const float *)want.data)[i]));
    CHECK(worst < 1e-4, "%s: largest difference from PyTorch %g", fixture, worst);
    pp_npy_free(&want);
}

static void test_two_models(void)
{
    pp_model a, b;
    pp_dataset ds;
    pp_image img;
    pp_error err = {0};
    char notes[256];
    CHECK_OK(pp_model_open(&a, fixture_path("core", "r18_cifar_pp3.safetensors"), NULL, notes, sizeof notes, &err),
             &err);
    CHECK_OK(pp_model_open(&b, fixture_path("core", "r34_cifar_pp3.safetensors"), NULL, notes, sizeof notes, &err),
             &err);
    CHECK_OK(pp_dataset_open(&ds, fixture_path("analysis", "cka/images.npy"), false, &err), &err);
    CHECK_OK(pp_dataset_image(&ds, 0, &img, &err), &err);
    const pp_model *models[2] = {&a, &b};
    const char *names[2] = {"A", "B"};
    pp_corruption_request req = {.severity = 4, .seed = 3};
    const pp_corruption *noise = pp_corruption_find("gaussian_noise");
    static const struct {
        const char *layer;
        int channels_a, channels_b; /* the fixtures' widths: ResNet18 8, ResNet34 4 */
    } layers[] = {{"stem", 8, 4}, {"layer1", 8, 4}, {"layer2.0", 16, 8}};
    for (size_t l = 0; l < sizeof layers / sizeof layers[0]; l++) {
        pp_feature_maps fm;
        CHECK_OK(pp_feature_maps_compute(models, names, 2, &img, noise, &req, layers[l].layer, 2, &fm, &err), &err);
        if (!fm.pairs)
            continue;
        CHECK(fm.channels[0] == layers[l].channels_a && fm.channels[1] == layers[l].channels_b &&
                  fm.pairs == layers[l].channels_a && strcmp(fm.layer, layers[l].layer) == 0,
              "%s: channels %d and %d", layers[l].layer, fm.channels[0], fm.channels[1]);
        char name[64];
        snprintf(name, sizeof name, "fm_r18_%s.npy", layers[l].layer);
        compare_maps(fm.clean[0], name, fm.channels[0], fm.height[0], fm.width[0]);
        snprintf(name, sizeof name, "fm_r34_%s.npy", layers[l].layer);
        compare_maps(fm.clean[1], name, fm.channels[1], fm.height[1], fm.width[1]);
        /* The range of each pair is exactly its values' extent, both models, both images. */
        for (int k = 0; k < fm.pairs; k++) {
            float lo = INFINITY, hi = -INFINITY;
            bool changed = false;
            for (int m = 0; m < 2; m++)
                for (int y = 0; k < fm.channels[m] && y < fm.height[m]; y++)
                    for (int x = 0; x < fm.width[m]; x++)
                        for (int corrupted = 0; corrupted < 2; corrupted++) {
                            float v = pp_feature_maps_value(&fm, m, corrupted, k, x, y);
                            lo = fminf(lo, v), hi = fmaxf(hi, v);
                            changed |= corrupted && v != pp_feature_maps_value(&fm, m, false, k, x, y);
                        }
            CHECK(fm.lo[k] == lo && fm.hi[k] == hi, "pair %d range [%g, %g], values [%g, %g]", k, fm.lo[k], fm.hi[k],
                  lo, hi);
            CHECK(changed, "noise changes channel %d", k);
        }
        CHECK(isnan(pp_feature_maps_value(&fm, 1, false, fm.channels[1], 0, 0)), "B has no channel %d", fm.channels[1]);
        CHECK(isnan(pp_feature_maps_value(&fm, 0, false, 0, fm.width[0], 0)), "outside the map");
        CHECK(fm.shown_clean.width == 32 && fm.shown_corrupted.width == 32, "the images shown");
        pp_feature_maps_free(&fm);
    }
    pp_feature_maps fm;
    CHECK(pp_feature_maps_compute(models, names, 2, &img, NULL, NULL, "logits", 1, &fm, &err) == PP_ERR_ARG &&
              strstr(err.msg, "logits"),
          "no maps of the logits: %s", err.msg);
    /* layer1.2 is a block of ResNet34 only: the error names the model without it */
    CHECK(pp_feature_maps_compute(models, names, 2, &img, NULL, NULL, "layer1.2", 1, &fm, &err) == PP_ERR_ARG &&
              strstr(err.msg, "A has no layer 'layer1.2'"),
          "a block of one model: %s", err.msg);
    pp_tap t;
    CHECK(pp_feature_maps_layer_parse("layer4", &t, &err) == PP_OK && t == PP_TAP_LAYER4, "layer4 has maps");
    CHECK(pp_feature_maps_layer_parse("features", &t, &err) == PP_ERR_ARG, "features have no maps");
    /* Without a corruption the two sides are the same image. */
    CHECK_OK(pp_feature_maps_compute(models, names, 1, &img, NULL, NULL, "stem", 1, &fm, &err), &err);
    if (fm.pairs)
        CHECK(memcmp(fm.clean[0], fm.corrupted[0], (size_t)8 * 32 * 32 * sizeof(float)) == 0, "clean twice");
    pp_feature_maps_free(&fm);

    pp_model gray;
    CHECK_OK(pp_model_open(&gray, fixture_path("core", "r18_cifar_gray_base.safetensors"), NULL, notes, sizeof notes,
                           &err),
             &err);
    const pp_model *mixed[2] = {&a, &gray};
    const char *mixed_names[2] = {"A", "gray.safetensors"};
    CHECK(pp_feature_maps_compute(mixed, mixed_names, 2, &img, NULL, NULL, "stem", 1, &fm, &err) == PP_ERR_ARG &&
              strstr(err.msg, "gray.safetensors"),
          "models of other inputs: %s", err.msg);
    pp_model_free(&gray);
    pp_image_free(&img);
    pp_dataset_free(&ds);
    pp_model_free(&a);
    pp_model_free(&b);
}

int main(void)
{
    RUN_TEST(test_two_models);
    return TEST_EXIT();
}

/* Grad-CAM and gradient saliency against PyTorch autograd on the fixture
 * model (make_saliency_fixtures.py), the overlay, and bad requests. */
#include "analysis/saliency.h"
#include "fixture.h"
#include "model_file.h"
#include "preprocess.h"
#include "test_util.h"

static double worst_difference(const float *got, const char *fixture, int64_t n)
{
    pp_npy want = fixture_npy("analysis", fixture);
    double worst = pp_npy_numel(&want) == n ? 0 : INFINITY;
    for (int64_t i = 0; i < n && isfinite(worst); i++)
        worst = fmax(worst, fabs(got[i] - ((const float *)want.data)[i]));
    pp_npy_free(&want);
    return worst;
}

static void test_against_pytorch(void)
{
    pp_model m;
    pp_error err = {0};
    char notes[256];
    CHECK_OK(pp_model_open(&m, fixture_path("core", "r18_cifar_pp3.safetensors"), NULL, notes, sizeof notes, &err),
             &err);
    pp_image img;
    CHECK_OK(pp_image_load(fixture_path("analysis", "saliency_image.png"), &img, &err), &err);
    pp_preprocess pre;
    pp_tensor x = {0};
    CHECK_OK(pp_preprocess_for_model(&pre, &m, &err), &err);
    CHECK_OK(pp_tensor_alloc4(&x, 1, pre.channels, pre.size, pre.size, &err), &err);
    CHECK_OK(pp_preprocess_image(&pre, &img, &x, 0, &err), &err);
    pp_train_ctx *ctx = NULL;
    CHECK_OK(pp_train_ctx_new(&ctx, &m, 2, &err), &err);
    pp_npy meta = fixture_npy("analysis", "saliency_meta.npy");
    const float *mv = meta.data;
    static const struct {
        pp_saliency_method method;
        pp_tap layer;
        int cls;
        const char *fixture;
    } cases[] = {{PP_SALIENCY_GRADCAM, PP_TAP_LAYER4, -1, "gradcam_layer4_top.npy"},
                 {PP_SALIENCY_GRADCAM, PP_TAP_LAYER4, 3, "gradcam_layer4_3.npy"},
                 {PP_SALIENCY_GRADCAM, PP_TAP_LAYER3, -1, "gradcam_layer3_top.npy"},
                 {PP_SALIENCY_GRADCAM, PP_TAP_LAYER3, 3, "gradcam_layer3_3.npy"},
                 {PP_SALIENCY_GRADIENT, PP_TAP_LAYER4, -1, "saliency_top.npy"}};
    for (size_t c = 0; ctx && c < sizeof cases / sizeof cases[0]; c++) {
        pp_saliency_options opt = {.method = cases[c].method, .layer = cases[c].layer, .target_class = cases[c].cls};
        pp_saliency_map s;
        CHECK_OK(pp_saliency_compute(&m, ctx, &x, &opt, &s, &err), &err);
        if (!s.map)
            continue;
        CHECK(s.width == 32 && s.height == 32, "map size");
        CHECK(s.top1 == (int)mv[0], "top-1 %d, PyTorch %d", s.top1, (int)mv[0]);
        CHECK(s.target_class == (cases[c].cls < 0 ? (int)mv[0] : 3), "target class %d", s.target_class);
        CHECK(fabs(s.logit - mv[cases[c].cls < 0 ? 1 : 2]) < 1e-4, "logit %f", s.logit);
        double d = worst_difference(s.map, cases[c].fixture, 32 * 32);
        CHECK(d < 1e-4, "%s: largest difference from PyTorch %g", cases[c].fixture, d);
        if (c == 0) {
            CHECK(s.cam_width == 4 && s.cam_height == 4, "layer4 is 4x4");
            pp_npy raw = fixture_npy("analysis", "gradcam_layer4_top_raw.npy");
            double top = 0, worst = 0;
            for (int i = 0; i < 16; i++) {
                top = fmax(top, ((const float *)raw.data)[i]);
                worst = fmax(worst, fabs(s.cam[i] - ((const float *)raw.data)[i]));
            }
            CHECK(worst < 1e-4 * fmax(top, 1e-3), "raw Grad-CAM: %g off (max %g)", worst, top);
            pp_npy_free(&raw);
            pp_image overlay;
            CHECK_OK(pp_saliency_overlay(&img, &s, 224, &overlay, &err), &err);
            CHECK(overlay.width == 224 && overlay.height == 224 && overlay.channels == 3, "overlay %dx%d",
                  overlay.width, overlay.height);
            pp_image_free(&overlay);
        }
        pp_saliency_map_free(&s);
    }
    pp_saliency_options bad = {.method = PP_SALIENCY_GRADCAM, .layer = PP_TAP_LAYER4, .target_class = 10};
    pp_saliency_map s;
    CHECK(pp_saliency_compute(&m, ctx, &x, &bad, &s, &err) == PP_ERR_ARG && strstr(err.msg, "10 classes"),
          "class 10 of 10: %s", err.msg);
    bad = (pp_saliency_options){.method = PP_SALIENCY_GRADCAM, .layer = PP_TAP_LOGITS, .target_class = -1};
    CHECK(pp_saliency_compute(&m, ctx, &x, &bad, &s, &err) == PP_ERR_ARG, "Grad-CAM of the logits");
    pp_saliency_method method;
    CHECK(pp_saliency_method_parse("gradient", &method) && method == PP_SALIENCY_GRADIENT, "method names");
    CHECK(!pp_saliency_method_parse("lime", &method), "unknown method");
    pp_npy_free(&meta);
    pp_train_ctx_free(ctx);
    pp_tensor_free(&x);
    pp_image_free(&img);
    pp_model_free(&m);
}

int main(void)
{
    RUN_TEST(test_against_pytorch);
    return TEST_EXIT();
}

/* Times Grad-CAM (layer4, the top-1: a forward for the class, then the
 * eval-mode forward and backward, then the map) against one eval-mode forward
 * plus backward to the input (pp_model_backward) of PushPull-ResNet18 with
 * random weights: 32x32 (CIFAR stem) and 224x224 (ImageNet stem), one image.
 * The two are timed in turns; prints the best of each and the ratio (target:
 * Grad-CAM under 2x the forward plus backward).
 * Usage: saliency_bench [--threads N] [--repeats R] [--case NAME|SUBSTRING]: a full
 * case name runs that case alone, any other string every case containing it. */
#include <stdio.h>
#include <stdlib.h>

#include "analysis/saliency.h"
#include "model_init.h"
#include "threads.h"
#include "bench_clock.h"
#include "bench_options.h"

static int run_case(const char *name, pp_stem_kind stem, int side, int classes, int repeats)
{
    pp_arch a;
    pp_error err = {0};
    pp_model m;
    pp_tensor x = {0}, seed = {0}, dx = {0};
    pp_train_ctx *ctx = NULL;
    pp_arch_from_name(&a, "resnet18", stem, 3, classes, &err);
    a.push_pull = true;
    a.avg_kernel = 3;
    a.alpha_trainable = true;
    a.conv1_bias = true;
    if (pp_model_create(&m, &a, &err) || pp_tensor_alloc4(&x, 1, 3, side, side, &err) ||
        pp_tensor_alloc(&seed, 2, (int64_t[]){1, classes}, &err) ||
        pp_train_ctx_new(&ctx, &m, pp_threads_default(), &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    pp_model_init_random(&m, 7);
    pp_model_prepare(&m);
    for (int64_t i = 0; i < pp_tensor_numel(&x); i++)
        x.data[i] = (float)((i * 7919) % 1000) / 500.0f - 1.0f;
    seed.data[0] = 1;
    pp_saliency_options opt = {.method = PP_SALIENCY_GRADCAM, .layer = PP_TAP_LAYER4, .target_class = -1};
    double best_fb = 1e30, best_cam = 1e30;
    for (int r = 0; r <= repeats; r++) { /* the first round sizes the buffers */
        pp_grad_request req = {.seed_tap = PP_TAP_LOGITS, .seed = &seed, .input_grad = &dx};
        double t0 = pp_bench_now();
        pp_status st = pp_model_backward(ctx, &m, &x, &req, &err);
        double t1 = pp_bench_now();
        pp_saliency_map s;
        if (st == PP_OK)
            st = pp_saliency_compute(&m, ctx, &x, &opt, &s, &err);
        double t2 = pp_bench_now();
        if (st != PP_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        pp_saliency_map_free(&s);
        if (r > 0) {
            best_fb = t1 - t0 < best_fb ? t1 - t0 : best_fb;
            best_cam = t2 - t1 < best_cam ? t2 - t1 : best_cam;
        }
    }
    printf("%-12s forward+backward %8.2f ms   Grad-CAM (top-1) %8.2f ms   ratio %.2fx (target < 2x)\n", name,
           best_fb * 1e3, best_cam * 1e3, best_cam / best_fb);
    fflush(stdout);
    pp_train_ctx_free(ctx);
    pp_tensor_free(&x);
    pp_tensor_free(&seed);
    pp_tensor_free(&dx);
    pp_model_free(&m);
    return 0;
}

int main(int argc, char **argv)
{
    static const char *const names[] = {"cifar32", "imagenet224", NULL};
    bench_options o = {.threads = 2, .repeats = 5, .cases = names};
    if (!bench_parse(&o, argc, argv,
                     "saliency_bench [--threads N] [--repeats R] [--case NAME|SUBSTRING] "
                     "(cases cifar32, imagenet224; a full name runs that case alone)"))
        return 2;
    pp_threads_set_default(o.threads);
    if (bench_wants(&o, "cifar32") && run_case("cifar32", PP_STEM_CIFAR, 32, 10, o.repeats))
        return 1;
    if (bench_wants(&o, "imagenet224") && run_case("imagenet224", PP_STEM_IMAGENET, 224, 1000, o.repeats))
        return 1;
    return 0;
}

/* Peak memory of ResNet50 inference at batch 1 (224x224), against the target
 * "under 2x the weights plus the two largest activations", and a check that
 * steady-state forward passes allocate nothing (the peak does not grow). */
#include <stdio.h>
#include <sys/resource.h>

#include "forward.h"
#include "model.h"
#include "threads.h"

static double peak_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0;
}

int main(void)
{
    pp_threads_set_default(2);
    double base = peak_mb();
    pp_arch a;
    pp_error err = {0};
    pp_arch_from_name(&a, "resnet50", PP_STEM_IMAGENET, 3, 1000, &err);
    pp_model m;
    if (pp_model_create(&m, &a, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    double weights_mb = 0;
    for (int i = 0; i < m.param_count; i++)
        weights_mb += pp_shape_numel(m.params[i].ndim, m.params[i].shape) * 4.0 / (1 << 20);
    pp_tensor x, logits = {0};
    pp_tensor_alloc4(&x, 1, 3, 224, 224, &err);
    pp_forward_ctx *ctx = pp_forward_ctx_new(pp_threads_default());
    pp_model_forward(&m, ctx, &x, &logits, NULL, &err);
    double after_first = peak_mb();
    for (int i = 0; i < 5; i++)
        pp_model_forward(&m, ctx, &x, &logits, NULL, &err);
    double after_more = peak_mb();
    /* The two largest activations of ResNet50 at 224: 256x56x56 floats each. */
    double two_largest = 2 * 256.0 * 56 * 56 * 4 / (1 << 20);
    double target = 2 * weights_mb + two_largest;
    double used = after_more - base;
    printf("ResNet50 b1: weights %.1f MB, two largest activations %.1f MB, target < %.1f MB\n", weights_mb,
           two_largest, target);
    printf("peak RSS growth: %.1f MB after the first pass, %.1f MB after 5 more (%s)\n", after_first - base, used,
           after_more - after_first < 1.0 ? "no growth: buffers reused" : "GROWS");
    printf("ratio to target: %.2f (%s)\n", used / target, used < target ? "met" : "missed");
    pp_forward_ctx_free(ctx);
    pp_model_free(&m);
    return 0;
}

/* The forward pass's stop hook (pp_forward_ctx_set_stop): asked between plan
 * steps with the count run so far (not between a step and the BN applied in
 * its last pass, forward.c's fusable_bn: the plain stem's without taps), a stop ends the pass with PP_ERR_CANCELLED
 * right there (no later step runs, the taps before it are captured);
 * pp_model_forward_resume continues it to the uninterrupted result; and the
 * next forward through the same context is unaffected: the logits equal
 * those of a context that never stopped, bit for bit. */
#include <math.h>
#include <string.h>

#include "../test_util.h"
#include "arch.h"
#include "forward.h"
#include "model.h"
#include "model_init.h"

typedef struct {
    int stop_after; /* stop once this many steps ran (<= 0: never) */
    int asked, last_done;
} stop_probe;

static bool stop_at(void *data, int done)
{
    stop_probe *s = data;
    CHECK(done > s->last_done, "asked after step %d, then after %d (one ask per boundary, in order)", s->last_done,
          done);
    s->asked++;
    s->last_done = done;
    return s->stop_after > 0 && done >= s->stop_after;
}

static void test_stop_and_resume(void)
{
    pp_arch a;
    pp_error err = {0};
    CHECK_OK(pp_arch_from_name(&a, "resnet18", PP_STEM_CIFAR, 3, 10, &err), &err);
    pp_arch_set_width(&a, 8);
    pp_model m;
    CHECK_OK(pp_model_create(&m, &a, &err), &err);
    if (err.status)
        return;
    pp_model_init_random(&m, 7);
    pp_model_prepare(&m);
    pp_tensor x = {0}, ref = {0}, got = {0};
    CHECK_OK(pp_tensor_alloc4(&x, 2, 3, 32, 32, &err), &err);
    for (int64_t i = 0; i < pp_tensor_numel(&x); i++)
        x.data[i] = sinf(0.37f * (float)i);
    const int steps = m.plan->step_count;

    pp_forward_ctx *plain = pp_forward_ctx_new(2), *ctx = pp_forward_ctx_new(2);
    CHECK_OK(pp_model_forward(&m, plain, &x, &ref, NULL, &err), &err);

    /* never stopping: asked at every inner boundary but the fused stem BN's, the same logits */
    stop_probe never = {0};
    pp_forward_ctx_set_stop(ctx, stop_at, &never);
    CHECK_OK(pp_model_forward(&m, ctx, &x, &got, NULL, &err), &err);
    CHECK(never.asked == steps - 2, "asked %d times for %d steps (one boundary fused)", never.asked, steps);
    CHECK(got.data && memcmp(got.data, ref.data, sizeof(float) * (size_t)pp_tensor_numel(&ref)) == 0,
          "a hook that never stops changes nothing");

    /* stopping after the first layer: cancelled there, its taps captured, no later tap */
    stop_probe early = {.stop_after = 1};
    pp_forward_ctx_set_stop(ctx, stop_at, &early);
    pp_taps taps = {.requested = 1u << PP_TAP_CONV1 | 1u << PP_TAP_LAYER4};
    pp_error stopped = {0};
    pp_status st = pp_model_forward(&m, ctx, &x, &got, &taps, &stopped);
    CHECK(st == PP_ERR_CANCELLED && stopped.status == PP_ERR_CANCELLED, "a stop returns PP_ERR_CANCELLED (got %d: %s)",
          st, stopped.msg);
    CHECK(early.asked == 1, "no step ran after the stop (asked %d times)", early.asked);
    CHECK(taps.out[PP_TAP_CONV1].data && taps.out[PP_TAP_CONV1].shape[1] == 8, "the first layer's tap is captured");
    CHECK(!taps.out[PP_TAP_LAYER4].data, "a tap after the stop is not");

    /* stopping half way and continuing: the uninterrupted result, the rest of the taps */
    stop_probe once = {.stop_after = steps / 2};
    pp_forward_ctx_set_stop(ctx, stop_at, &once);
    pp_taps resumed = {.requested = 1u << PP_TAP_CONV1 | 1u << PP_TAP_LAYER4};
    CHECK(pp_model_forward(&m, ctx, &x, &got, &resumed, &stopped) == PP_ERR_CANCELLED, "stopped to continue");
    CHECK(!resumed.out[PP_TAP_LAYER4].data, "layer4 not reached yet");
    once.stop_after = 0;
    CHECK_OK(pp_model_forward_resume(&m, ctx, &got, &resumed, &err), &err);
    CHECK(once.asked == steps - 1, "the rest asked at each boundary once (%d for %d steps)", once.asked, steps);
    CHECK(memcmp(got.data, ref.data, sizeof(float) * (size_t)pp_tensor_numel(&ref)) == 0,
          "a stopped and continued forward gives the uninterrupted logits");
    CHECK(resumed.out[PP_TAP_LAYER4].data && resumed.out[PP_TAP_CONV1].data, "and both taps");
    pp_taps_free(&resumed);
    pp_error nothing = {0};
    CHECK(pp_model_forward_resume(&m, ctx, &got, NULL, &nothing) == PP_ERR_ARG,
          "a finished forward does not continue: %s", nothing.msg);

    /* stopping half way, then the same context without the hook: unaffected */
    stop_probe half = {.stop_after = steps / 2};
    pp_forward_ctx_set_stop(ctx, stop_at, &half);
    CHECK(pp_model_forward(&m, ctx, &x, &got, NULL, &stopped) == PP_ERR_CANCELLED, "stopped half way");
    CHECK(half.last_done == steps / 2 && half.asked == steps / 2 - 1, "asked %d times, last after step %d, stop after %d",
          half.asked, half.last_done, steps / 2);
    pp_forward_ctx_set_stop(ctx, NULL, NULL);
    memset(got.data, 0, sizeof(float) * (size_t)pp_tensor_numel(&got));
    CHECK_OK(pp_model_forward(&m, ctx, &x, &got, &taps, &err), &err);
    CHECK(memcmp(got.data, ref.data, sizeof(float) * (size_t)pp_tensor_numel(&ref)) == 0,
          "the forward after a stopped one gives the logits of a context that never stopped");
    CHECK(taps.out[PP_TAP_LAYER4].data != NULL, "and all its taps");

    pp_taps_free(&taps);
    pp_forward_ctx_free(plain);
    pp_forward_ctx_free(ctx);
    pp_tensor_free(&x);
    pp_tensor_free(&ref);
    pp_tensor_free(&got);
    pp_model_free(&m);
}

int main(void)
{
    RUN_TEST(test_stop_and_resume);
    return TEST_EXIT();
}

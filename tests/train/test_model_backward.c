/* The eval-mode backward of the network plan (pp_model_backward) against
 * PyTorch (tests/train/make_grad_fixtures.py): the gradient of the mean
 * cross-entropy with respect to the input image and to the layer2 output,
 * within 1e-4 of the largest |gradient|; the same input gradient again when
 * the backward is seeded at layer2 with PyTorch's layer2 gradient; and the
 * model's parameters, running statistics and the context's parameter
 * gradients untouched. A failure means attacks (FGSM/PGD) or Grad-CAM would
 * follow a wrong gradient. */
#include <string.h>

#include "train_fixture.h"
#include "threads.h"
#include "train/train_step.h"

static bool all_zero(const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (x[i] != 0.0f)
            return false;
    return true;
}

static void check_network(const char *name)
{
    char file[256];
    pp_error err = {0};
    train_fixture f;
    if (!train_fixture_open(&f, name))
        return;
    pp_model m = f.m;
    snprintf(file, sizeof file, "%s_eval_dx.npy", name);
    pp_npy dx_want = fixture_npy("train", file);
    snprintf(file, sizeof file, "%s_eval_dlayer2.npy", name);
    pp_npy dl2_want = fixture_npy("train", file);
    const int n = f.n;
    int32_t *labels = f.labels;
    pp_tensor input = f.input;

    /* a copy of the arena: nothing of the model may move */
    float *before = malloc(m.arena_floats * sizeof(float));
    memcpy(before, m.arena, m.arena_floats * sizeof(float));

    pp_train_ctx *ctx = NULL;
    CHECK_OK(pp_train_ctx_new(&ctx, &m, pp_threads_default(), &err), &err);
    pp_tensor dx = {0}, dx_again = {0}, logits = {0};
    pp_taps grads = {.requested = 1u << PP_TAP_LAYER2};
    pp_grad_request req = {.seed_tap = PP_TAP_LOGITS, .labels = labels, .input_grad = &dx, .grads = &grads,
                           .logits = &logits};
    CHECK_OK(pp_model_backward(ctx, &m, &input, &req, &err), &err);
    if (err.status == PP_OK) {
        CHECK(req.loss > 0 && logits.ndim == 2 && logits.shape[0] == n, "%s: loss %g and logits", name, req.loss);
        CHECK(pp_tensor_numel(&dx) == (int64_t)pp_npy_numel(&dx_want), "%s: input gradient size", name);
        double e = pp_test_compare("dx", dx.data, dx_want.data, (size_t)pp_npy_numel(&dx_want), 1e-4, 1);
        CHECK(e <= 1e-4, "%s: input gradient differs from PyTorch by %.3g", name, e);
        const pp_tensor *g2 = &grads.out[PP_TAP_LAYER2];
        CHECK(pp_tensor_numel(g2) == (int64_t)pp_npy_numel(&dl2_want), "%s: layer2 gradient size", name);
        e = pp_test_compare("dlayer2", g2->data, dl2_want.data, (size_t)pp_npy_numel(&dl2_want), 1e-4, 1);
        CHECK(e <= 1e-4, "%s: layer2 gradient differs from PyTorch by %.3g", name, e);
    }

    /* seeded at layer2 with PyTorch's gradient there: the same input gradient */
    pp_tensor seed = {.ndim = 4, .data = dl2_want.data};
    memcpy(seed.shape, dl2_want.shape, sizeof seed.shape);
    pp_grad_request at_layer2 = {.seed_tap = PP_TAP_LAYER2, .seed = &seed, .input_grad = &dx_again};
    CHECK_OK(pp_model_backward(ctx, &m, &input, &at_layer2, &err), &err);
    if (err.status == PP_OK) {
        double e = pp_test_compare("dx (layer2 seed)", dx_again.data, dx_want.data, (size_t)pp_npy_numel(&dx_want),
                                   1e-4, 1);
        CHECK(e <= 1e-4, "%s: input gradient from a layer2 seed differs by %.3g", name, e);
    }

    CHECK(memcmp(before, m.arena, m.arena_floats * sizeof(float)) == 0,
          "%s: the eval-mode backward changed the model's parameters or statistics", name);
    bool grads_zero = true;
    for (int i = 0; i < m.param_count; i++)
        grads_zero = grads_zero && all_zero(pp_train_grad(ctx, &m, &m.params[i]),
                                            (size_t)pp_shape_numel(m.params[i].ndim, m.params[i].shape));
    CHECK(grads_zero, "%s: the eval-mode backward accumulated parameter gradients", name);

    /* a seed of the wrong shape is refused, naming the tap */
    pp_grad_request bad = {.seed_tap = PP_TAP_LAYER2, .seed = &input};
    CHECK(pp_model_backward(ctx, &m, &input, &bad, &err) == PP_ERR_SHAPE && strstr(err.msg, "layer2"),
          "%s: a wrong seed shape: %s", name, err.msg);

    pp_taps_free(&grads);
    pp_tensor_free(&dx);
    pp_tensor_free(&dx_again);
    pp_tensor_free(&logits);
    pp_train_ctx_free(ctx);
    free(before);
    pp_npy_free(&dx_want);
    pp_npy_free(&dl2_want);
    f.m = m;
    train_fixture_close(&f);
}

static void test_cifar_pushpull(void)
{
    check_network("cifar_pp3");
}

static void test_imagenet_baseline(void)
{
    check_network("imagenet_base");
}

static void test_bottleneck_pushpull(void)
{
    check_network("cifar_bottleneck_pp3");
}

int main(void)
{
    RUN_TEST(test_cifar_pushpull);
    RUN_TEST(test_imagenet_baseline);
    RUN_TEST(test_bottleneck_pushpull);
    return TEST_EXIT();
}

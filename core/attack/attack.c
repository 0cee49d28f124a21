#include "attack.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../rng.h"

static float signf(float g)
{
    return g > 0 ? 1.0f : g < 0 ? -1.0f : 0.0f;
}

static float clamp01(float v)
{
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* normalised <-> [0, 1] pixels, per channel of (N, C, H, W) */
static void to_pixels(float *out, const pp_tensor *x, const pp_pixel_space *px)
{
    const int64_t n = x->shape[0], c = x->shape[1], plane = x->shape[2] * x->shape[3];
    for (int64_t i = 0; i < n * c; i++)
        for (int64_t k = 0; k < plane; k++)
            out[i * plane + k] = x->data[i * plane + k] * px->std[i % c] + px->mean[i % c];
}

static void to_normalised(pp_tensor *x, const float *pixels, const pp_pixel_space *px)
{
    const int64_t n = x->shape[0], c = x->shape[1], plane = x->shape[2] * x->shape[3];
    for (int64_t i = 0; i < n * c; i++)
        for (int64_t k = 0; k < plane; k++)
            x->data[i * plane + k] = (pixels[i * plane + k] - px->mean[i % c]) / px->std[i % c];
}

/* d(mean CE)/d(normalised input) into grad; its sign is the pixel gradient's (std > 0) */
static pp_status ce_gradient(pp_train_ctx *ctx, const pp_model *m, const pp_tensor *x, const int32_t *labels,
                             pp_tensor *grad, pp_error *err)
{
    pp_grad_request req = {.seed_tap = PP_TAP_LOGITS, .labels = labels, .input_grad = grad};
    return pp_model_backward(ctx, m, x, &req, err);
}

pp_status pp_attack_fgsm(pp_train_ctx *ctx, const pp_model *m, const pp_pixel_space *px, pp_tensor *x,
                         const int32_t *labels, double eps, const pp_job *job, pp_error *err)
{
    return pp_attack_pgd(ctx, m, px, x, labels, eps, eps, 1, false, 0, job, err);
}

pp_status pp_attack_pgd(pp_train_ctx *ctx, const pp_model *m, const pp_pixel_space *px, pp_tensor *x,
                        const int32_t *labels, double eps, double alpha, int steps, bool random_start,
                        uint64_t seed, const pp_job *job, pp_error *err)
{
    const size_t count = (size_t)pp_tensor_numel(x);
    float *orig = malloc(sizeof(float) * count), *cur = malloc(sizeof(float) * count);
    pp_tensor grad = {0};
    pp_status st = orig && cur ? PP_OK : pp_fail(err, PP_ERR_NOMEM, "attack: out of memory");
    if (st == PP_OK) {
        to_pixels(orig, x, px);
        memcpy(cur, orig, sizeof(float) * count);
        if (random_start) {
            const uint64_t key = pp_rng_key(seed, 0xa77ac);
            for (size_t i = 0; i < count; i++)
                cur[i] = clamp01(orig[i] + (float)((2 * pp_rng_uniform(key, i) - 1) * eps));
            to_normalised(x, cur, px);
        }
    }
    const float e = (float)eps, a = (float)alpha;
    for (int s = 0; s < steps && st == PP_OK; s++) {
        if (pp_job_cancelled(job)) {
            st = pp_fail(err, PP_ERR_CANCELLED, "attack cancelled");
            break;
        }
        if ((st = ce_gradient(ctx, m, x, labels, &grad, err)) != PP_OK)
            break;
        for (size_t i = 0; i < count; i++) {
            float v = cur[i] + a * signf(grad.data[i]);
            float d = v - orig[i];
            d = d < -e ? -e : d > e ? e : d;
            cur[i] = clamp01(orig[i] + d);
        }
        to_normalised(x, cur, px);
    }
    pp_tensor_free(&grad);
    free(orig);
    free(cur);
    return st;
}

static int argmax(const float *z, int classes)
{
    int best = 0;
    for (int o = 1; o < classes; o++)
        if (z[o] > z[best])
            best = o;
    return best;
}

pp_status pp_attack_fooling(pp_train_ctx *ctx, const pp_model *m, pp_tensor *x, const int32_t *targets,
                            const double *lr, int max_iters, int *iterations, int *fooled, const pp_job *job,
                            pp_error *err)
{
    const int n = (int)x->shape[0], classes = m->arch.num_classes;
    const size_t row = (size_t)(pp_tensor_numel(x) / n);
    for (int i = 0; i < n; i++)
        if (targets[i] < 0 || targets[i] >= classes)
            return pp_fail(err, PP_ERR_ARG, "fooling target %d of image %d is outside [0, %d)", (int)targets[i], i,
                           classes);
    pp_tensor seed = {0}, grad = {0}, logits = {0};
    bool *done = calloc((size_t)n, sizeof(bool));
    const int64_t seed_shape[2] = {n, classes};
    pp_status st = done ? pp_tensor_alloc(&seed, 2, seed_shape, err) : pp_fail(err, PP_ERR_NOMEM, "out of memory");
    if (st == PP_OK) {
        for (int i = 0; i < n; i++)
            seed.data[(size_t)i * classes + targets[i]] = 1.0f; /* d z_target */
    }
    for (int i = 0; i < n && iterations; i++)
        iterations[i] = max_iters;
    for (int it = 0; it < max_iters && st == PP_OK; it++) {
        if (pp_job_cancelled(job)) {
            st = pp_fail(err, PP_ERR_CANCELLED, "fooling images cancelled");
            break;
        }
        pp_grad_request req = {.seed_tap = PP_TAP_LOGITS, .seed = &seed, .input_grad = &grad, .logits = &logits};
        if ((st = pp_model_backward(ctx, m, x, &req, err)) != PP_OK)
            break;
        int active = 0;
        for (int i = 0; i < n; i++) {
            if (done[i])
                continue;
            if (argmax(logits.data + (size_t)i * classes, classes) == targets[i]) {
                done[i] = true;
                if (iterations)
                    iterations[i] = it;
                continue;
            }
            active++;
            const float *g = grad.data + i * row;
            double norm = 0;
            for (size_t k = 0; k < row; k++)
                norm += (double)g[k] * g[k];
            norm = sqrt(norm);
            if (!(norm > 0))
                continue; /* a flat score: nothing to follow */
            const float step = (float)(lr[i] / norm);
            float *xi = x->data + i * row;
            for (size_t k = 0; k < row; k++)
                xi[k] += step * g[k];
        }
        if (!active)
            break;
    }
    if (st == PP_OK && fooled) {
        /* the final images' predictions (the loop's last step is not checked by it) */
        pp_grad_request req = {.seed_tap = PP_TAP_LOGITS, .seed = &seed, .input_grad = &grad, .logits = &logits};
        st = pp_model_backward(ctx, m, x, &req, err);
        *fooled = 0;
        for (int i = 0; i < n && st == PP_OK; i++)
            *fooled += argmax(logits.data + (size_t)i * classes, classes) == targets[i];
    }
    pp_tensor_free(&seed);
    pp_tensor_free(&grad);
    pp_tensor_free(&logits);
    free(done);
    return st;
}

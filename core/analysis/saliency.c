#include "saliency.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../preprocess.h"
#include "model_input.h"

static const char *const method_names[] = {"gradcam", "gradient"};

const char *pp_saliency_method_name(pp_saliency_method m)
{
    return (unsigned)m < 2 ? method_names[m] : "?";
}

bool pp_saliency_method_parse(const char *s, pp_saliency_method *m)
{
    for (int i = 0; i < 2; i++)
        if (strcmp(s, method_names[i]) == 0) {
            *m = (pp_saliency_method)i;
            return true;
        }
    return false;
}

void pp_saliency_map_free(pp_saliency_map *s)
{
    free(s->map);
    free(s->cam);
    memset(s, 0, sizeof *s);
}

/* PyTorch's upsample_bilinear2d, align_corners=False: source index
 * (dst + 0.5) * in / out - 0.5, clamped at 0. */
static void bilinear(const float *src, int sw, int sh, float *dst, int dw, int dh)
{
    const float sx = (float)sw / dw, sy = (float)sh / dh;
    for (int y = 0; y < dh; y++) {
        float fy = fmaxf((y + 0.5f) * sy - 0.5f, 0.0f);
        int y0 = (int)fy, y1 = y0 + (y0 < sh - 1);
        float ly = fy - y0;
        for (int x = 0; x < dw; x++) {
            float fx = fmaxf((x + 0.5f) * sx - 0.5f, 0.0f);
            int x0 = (int)fx, x1 = x0 + (x0 < sw - 1);
            float lx = fx - x0;
            dst[(size_t)y * dw + x] = (1 - ly) * ((1 - lx) * src[y0 * sw + x0] + lx * src[y0 * sw + x1]) +
                                      ly * ((1 - lx) * src[y1 * sw + x0] + lx * src[y1 * sw + x1]);
        }
    }
}

static void normalise_by_max(float *v, size_t n)
{
    float top = 0;
    for (size_t i = 0; i < n; i++)
        top = v[i] > top ? v[i] : top;
    for (size_t i = 0; i < n; i++)
        v[i] = top > 0 ? v[i] / top : 0;
}

static int argmax(const float *v, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best])
            best = i;
    return best;
}

/* alpha_k = mean of G_k; cam = relu(sum_k alpha_k A_k), (h, w). */
static void grad_cam(const pp_tensor *act, const pp_tensor *grad, float *cam)
{
    const int k = (int)act->shape[1], plane = (int)(act->shape[2] * act->shape[3]);
    memset(cam, 0, (size_t)plane * sizeof(float));
    for (int c = 0; c < k; c++) {
        const float *g = grad->data + (size_t)c * plane, *a = act->data + (size_t)c * plane;
        double alpha = 0;
        for (int i = 0; i < plane; i++)
            alpha += g[i];
        alpha /= plane;
        for (int i = 0; i < plane; i++)
            cam[i] += (float)alpha * a[i];
    }
    for (int i = 0; i < plane; i++)
        cam[i] = cam[i] > 0 ? cam[i] : 0;
}

pp_status pp_saliency_compute(const pp_model *m, pp_train_ctx *ctx, const pp_tensor *input,
                              const pp_saliency_options *opt, pp_saliency_map *out, pp_error *err)
{
    memset(out, 0, sizeof *out);
    const int classes = m->arch.num_classes;
    pp_tap layer = opt->layer == PP_TAP_CONV1 ? PP_TAP_LAYER4 : opt->layer;
    if (input->ndim != 4 || input->shape[0] != 1)
        return pp_fail(err, PP_ERR_SHAPE, "saliency takes one image at a time");
    if (opt->method == PP_SALIENCY_GRADCAM && (layer < PP_TAP_STEM || layer > PP_TAP_LAYER4))
        return pp_fail(err, PP_ERR_ARG, "Grad-CAM needs a layer with maps (stem, layer1..layer4), not '%s'",
                       pp_tap_name(layer));
    if (opt->target_class >= classes)
        return pp_fail(err, PP_ERR_ARG, "class %d does not exist: the model has %d classes (0 to %d)",
                       opt->target_class, classes, classes - 1);
    pp_tensor logits = {0}, seed = {0}, input_grad = {0};
    pp_taps acts = {.requested = 1u << layer}, grads = {.requested = 1u << layer};
    pp_status st = PP_OK;
    int target = opt->target_class;
    if (target < 0) { /* the top-1 first: the seed needs its class */
        pp_forward_ctx *fwd = pp_forward_ctx_new(1);
        st = fwd ? pp_model_forward(m, fwd, input, &logits, NULL, err)
                 : pp_fail(err, PP_ERR_NOMEM, "out of memory for a forward context");
        pp_forward_ctx_free(fwd);
        if (st == PP_OK)
            target = argmax(logits.data, classes);
    }
    if (st == PP_OK)
        st = pp_tensor_alloc(&seed, 2, (int64_t[]){1, classes}, err);
    if (st == PP_OK) {
        seed.data[target] = 1; /* d logit_target */
        pp_grad_request req = {.seed_tap = PP_TAP_LOGITS, .seed = &seed, .logits = &logits};
        if (opt->method == PP_SALIENCY_GRADCAM)
            req.grads = &grads, req.activations = &acts;
        else
            req.input_grad = &input_grad;
        st = pp_model_backward(ctx, m, input, &req, err);
    }
    const int h = (int)input->shape[2], w = (int)input->shape[3];
    if (st == PP_OK && !(out->map = malloc((size_t)h * w * sizeof(float))))
        st = pp_fail(err, PP_ERR_NOMEM, "out of memory for a %dx%d map", w, h);
    if (st == PP_OK && opt->method == PP_SALIENCY_GRADCAM) {
        const pp_tensor *a = &acts.out[layer];
        out->cam_height = (int)a->shape[2], out->cam_width = (int)a->shape[3];
        if (!(out->cam = malloc((size_t)out->cam_height * out->cam_width * sizeof(float))))
            st = pp_fail(err, PP_ERR_NOMEM, "out of memory for the Grad-CAM map");
        else {
            grad_cam(a, &grads.out[layer], out->cam);
            bilinear(out->cam, out->cam_width, out->cam_height, out->map, w, h);
        }
    } else if (st == PP_OK) {
        const int c = (int)input->shape[1];
        for (int i = 0; i < h * w; i++) {
            float best = 0;
            for (int k = 0; k < c; k++)
                best = fmaxf(best, fabsf(input_grad.data[(size_t)k * h * w + i]));
            out->map[i] = best;
        }
    }
    if (st == PP_OK) {
        normalise_by_max(out->map, (size_t)h * w);
        out->width = w, out->height = h;
        out->target_class = target;
        out->top1 = argmax(logits.data, classes);
        out->logit = logits.data[target];
        double z = 0; /* softmax probability, shifted by the max for range */
        for (int k = 0; k < classes; k++)
            z += exp((double)logits.data[k] - logits.data[out->top1]);
        out->prob = (float)(exp((double)logits.data[target] - logits.data[out->top1]) / z);
    } else
        pp_saliency_map_free(out);
    pp_tensor_free(&logits);
    pp_tensor_free(&seed);
    pp_tensor_free(&input_grad);
    pp_taps_free(&acts);
    pp_taps_free(&grads);
    return st;
}

pp_status pp_saliency_of_image(const pp_model *m, pp_train_ctx *ctx, const pp_image *img, const pp_corruption *c,
                               const pp_corruption_request *req, const pp_saliency_options *opt, pp_saliency_map *out,
                               pp_image *shown, pp_error *err)
{
    pp_preprocess pre;
    pp_tensor input = {0};
    memset(out, 0, sizeof *out);
    *shown = (pp_image){0};
    pp_status st = pp_preprocess_for_model(&pre, m, err);
    if (st == PP_OK)
        st = pp_tensor_alloc4(&input, 1, pre.channels, pre.size, pre.size, err);
    if (st == PP_OK)
        st = pp_model_input(&pre, img, c, req, shown, &input, 0, err);
    if (st == PP_OK)
        st = pp_saliency_compute(m, ctx, &input, opt, out, err);
    if (st != PP_OK)
        pp_image_free(shown);
    pp_tensor_free(&input);
    return st;
}

/* Blue (0) through cyan, yellow to red (1). */
static void heat_colour(float t, uint8_t rgb[3])
{
    float r = fminf(fmaxf(1.5f - fabsf(4 * t - 3), 0), 1), g = fminf(fmaxf(1.5f - fabsf(4 * t - 2), 0), 1),
          b = fminf(fmaxf(1.5f - fabsf(4 * t - 1), 0), 1);
    rgb[0] = (uint8_t)lrintf(255 * r), rgb[1] = (uint8_t)lrintf(255 * g), rgb[2] = (uint8_t)lrintf(255 * b);
}

pp_status pp_saliency_overlay(const pp_image *img, const pp_saliency_map *s, int min_side, pp_image *out,
                              pp_error *err)
{
    int side = img->width < img->height ? img->width : img->height;
    int scale = side > 0 && side < min_side ? (min_side + side - 1) / side : 1;
    const int w = img->width * scale, h = img->height * scale;
    float *map = malloc((size_t)w * h * sizeof(float));
    pp_status st = map ? pp_image_alloc(out, w, h, 3, err) : pp_fail(err, PP_ERR_NOMEM, "out of memory");
    if (st != PP_OK) {
        free(map);
        return st;
    }
    bilinear(s->map, s->width, s->height, map, w, h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const uint8_t *p = img->pixels + ((size_t)(y / scale) * img->width + x / scale) * img->channels;
            uint8_t heat[3];
            heat_colour(map[(size_t)y * w + x], heat);
            uint8_t *q = out->pixels + ((size_t)y * w + x) * 3;
            for (int c = 0; c < 3; c++)
                q[c] = (uint8_t)((p[img->channels == 3 ? c : 0] + heat[c] + 1) / 2);
        }
    free(map);
    return PP_OK;
}

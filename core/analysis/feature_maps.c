#include "feature_maps.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../eval/compat.h"
#include "../preprocess.h"
#include "model_input.h"
#include "model_layers.h"

pp_status pp_feature_maps_layer_parse(const char *name, pp_tap *layer, pp_error *err)
{
    pp_tap t;
    if (pp_tap_from_name(name, &t, NULL) != PP_OK || t == PP_TAP_PUSH || t == PP_TAP_PULL || t == PP_TAP_KERNELS ||
        t == PP_TAP_FEATURES || t == PP_TAP_LOGITS)
        return pp_fail(err, PP_ERR_ARG, "no feature maps for layer '%s' (conv1, stem, layer1..layer4)", name);
    *layer = t;
    return PP_OK;
}

void pp_feature_maps_free(pp_feature_maps *fm)
{
    for (int m = 0; m < PP_FEATURE_MAPS_MAX_MODELS; m++) {
        free(fm->clean[m]);
        free(fm->corrupted[m]);
    }
    free(fm->lo);
    free(fm->hi);
    pp_image_free(&fm->shown_clean);
    pp_image_free(&fm->shown_corrupted);
    memset(fm, 0, sizeof *fm);
}

/* The image as the model sees it through the model: the layer's maps into a
 * new (C, H, W) buffer. */
static pp_status layer_maps(const pp_model *m, pp_forward_ctx *ctx, const pp_preprocess *pre, const pp_image *img,
                            const pp_corruption *c, const pp_corruption_request *req, const pp_model_layer *layer,
                            pp_image *shown, float **maps, int *ch, int *h, int *w, pp_error *err)
{
    pp_tensor input = {0}, out = {0};
    pp_taps taps = {.steps = &layer->step, .step_out = &out, .step_count = 1};
    pp_status st = pp_tensor_alloc4(&input, 1, pre->channels, pre->size, pre->size, err);
    if (st == PP_OK)
        st = pp_model_input(pre, img, c, req, shown, &input, 0, err);
    if (st == PP_OK)
        st = pp_model_forward(m, ctx, &input, NULL, &taps, err);
    if (st == PP_OK) {
        const pp_tensor *t = &out;
        *ch = (int)t->shape[1], *h = (int)t->shape[2], *w = (int)t->shape[3];
        size_t bytes = (size_t)pp_tensor_numel(t) * sizeof(float);
        if (!(*maps = malloc(bytes)))
            st = pp_fail(err, PP_ERR_NOMEM, "out of memory for the feature maps");
        else
            memcpy(*maps, t->data, bytes);
    }
    pp_taps_free(&taps);
    pp_tensor_free(&input);
    return st;
}

static void widen(float *lo, float *hi, const float *maps, size_t plane)
{
    for (size_t i = 0; i < plane; i++) {
        *lo = maps[i] < *lo ? maps[i] : *lo;
        *hi = maps[i] > *hi ? maps[i] : *hi;
    }
}

pp_status pp_feature_maps_compute(const pp_model *const *models, const char *const *names, int n, const pp_image *img,
                                  const pp_corruption *c, const pp_corruption_request *req, const char *layer,
                                  int threads, pp_feature_maps *out, pp_error *err)
{
    memset(out, 0, sizeof *out);
    if (n < 1 || n > PP_FEATURE_MAPS_MAX_MODELS)
        return pp_fail(err, PP_ERR_ARG, "feature maps of 1 or %d models (got %d)", PP_FEATURE_MAPS_MAX_MODELS, n);
    pp_model_layer layers[PP_FEATURE_MAPS_MAX_MODELS];
    pp_status st = PP_OK;
    for (int m = 0; m < n && st == PP_OK; m++) {
        st = pp_model_layer_find(models[m], names[m], layer, &layers[m], err);
        if (st == PP_OK && !layers[m].map)
            st = pp_fail(err, PP_ERR_ARG, "no feature maps for layer '%s' (conv1, stem, layer1..layer4 or a block)",
                         layer);
    }
    for (int m = 1; m < n && st == PP_OK; m++)
        st = pp_check_models_comparable(models[0], names[0], models[m], names[m], err);
    if (st != PP_OK)
        return st;
    snprintf(out->layer, sizeof out->layer, "%s", layer);
    out->models = n;
    pp_forward_ctx *ctx = pp_forward_ctx_new(threads);
    if (!ctx)
        return pp_fail(err, PP_ERR_NOMEM, "out of memory for a forward context");
    pp_corruption_request r = req ? *req : (pp_corruption_request){0};
    r.threads = threads;
    for (int m = 0; m < n && st == PP_OK; m++) {
        pp_preprocess pre;
        pp_image clean = {0}, corrupted = {0};
        int c2, h2, w2;
        st = pp_preprocess_for_model(&pre, models[m], err);
        if (st == PP_OK)
            st = layer_maps(models[m], ctx, &pre, img, NULL, NULL, &layers[m], &clean, &out->clean[m], &out->channels[m],
                            &out->height[m], &out->width[m], err);
        if (st == PP_OK) /* without a corruption the two sides are the same image */
            st = layer_maps(models[m], ctx, &pre, img, c, &r, &layers[m], &corrupted, &out->corrupted[m], &c2, &h2, &w2,
                            err);
        if (st == PP_OK && m == 0) { /* the views show what the first model saw */
            out->shown_clean = clean, out->shown_corrupted = corrupted;
            clean = corrupted = (pp_image){0};
        }
        pp_image_free(&clean);
        pp_image_free(&corrupted);
    }
    pp_forward_ctx_free(ctx);
    for (int m = 0; m < n && st == PP_OK; m++)
        out->pairs = out->channels[m] > out->pairs ? out->channels[m] : out->pairs;
    if (st == PP_OK && (!(out->lo = malloc((size_t)out->pairs * sizeof(float))) ||
                        !(out->hi = malloc((size_t)out->pairs * sizeof(float)))))
        st = pp_fail(err, PP_ERR_NOMEM, "out of memory for the feature maps' ranges");
    if (st != PP_OK) {
        pp_feature_maps_free(out);
        return st;
    }
    for (int k = 0; k < out->pairs; k++) {
        out->lo[k] = INFINITY, out->hi[k] = -INFINITY;
        for (int m = 0; m < n; m++) {
            if (k >= out->channels[m])
                continue;
            size_t plane = (size_t)out->height[m] * out->width[m];
            widen(&out->lo[k], &out->hi[k], out->clean[m] + k * plane, plane);
            widen(&out->lo[k], &out->hi[k], out->corrupted[m] + k * plane, plane);
        }
    }
    return PP_OK;
}

float pp_feature_maps_value(const pp_feature_maps *fm, int m, bool corrupted, int ch, int x, int y)
{
    if (m < 0 || m >= fm->models || ch < 0 || ch >= fm->channels[m] || x < 0 || y < 0 || x >= fm->width[m] ||
        y >= fm->height[m])
        return NAN;
    const float *maps = corrupted ? fm->corrupted[m] : fm->clean[m];
    return maps[((size_t)ch * fm->height[m] + y) * fm->width[m] + x];
}

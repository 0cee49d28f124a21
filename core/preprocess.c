#include "preprocess.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_alloc.h"

static const float cifar_mean[3] = {0.4914f, 0.4822f, 0.4465f}, cifar_std[3] = {0.2023f, 0.1994f, 0.2010f};
static const float imagenet_mean[3] = {0.485f, 0.456f, 0.406f}, imagenet_std[3] = {0.229f, 0.224f, 0.225f};
/* Fashion-MNIST training-set statistics. */
static const float fmnist_mean[3] = {0.2860f, 0.2860f, 0.2860f}, fmnist_std[3] = {0.3530f, 0.3530f, 0.3530f};

static void set_stats(pp_preprocess *pre, const float *mean, const float *std)
{
    memcpy(pre->mean, mean, sizeof pre->mean);
    memcpy(pre->std, std, sizeof pre->std);
}

typedef enum { META_ABSENT, META_FOUND, META_NOMEM } meta_lookup;

/* A JSON list of `count` numbers (or one for all) under `key`. Unparsable
 * values count as absent (the load checked them); running out of memory while
 * parsing is reported, never taken for an absent key. */
static meta_lookup meta_floats(const pp_state_dict *meta, const char *key, float *out, int count)
{
    const char *text = pp_sd_meta_get(meta, key);
    if (!text)
        return META_ABSENT;
    pp_json_alloc_reset();
    json_t *list = json_loads(text, 0, NULL);
    if (pp_json_alloc_failed()) {
        json_decref(list);
        return META_NOMEM;
    }
    bool ok = json_is_array(list) && (json_array_size(list) == (size_t)count || json_array_size(list) == 1);
    for (int i = 0; ok && i < count; i++) {
        json_t *v = json_array_get(list, json_array_size(list) == 1 ? 0 : (size_t)i);
        ok = json_is_number(v);
        if (ok)
            out[i] = (float)json_number_value(v);
    }
    json_decref(list);
    return ok ? META_FOUND : META_ABSENT;
}

pp_status pp_preprocess_for_model(pp_preprocess *pre, const pp_model *m, pp_error *err)
{
    memset(pre, 0, sizeof *pre);
    const pp_arch *a = &m->arch;
    pre->channels = a->in_channels;
    const char *ds = a->dataset;
    bool imagenet = strstr(ds, "imagenet") != NULL || (!ds[0] && a->stem == PP_STEM_IMAGENET);
    bool fashion = strstr(ds, "mnist") != NULL || (!ds[0] && a->stem == PP_STEM_CIFAR && a->in_channels == 1);
    if (imagenet) {
        pre->size = 224;
        pre->mode = PP_RESIZE_CROP_IMAGENET;
        set_stats(pre, imagenet_mean, imagenet_std);
        snprintf(pre->source, sizeof pre->source, "ImageNet defaults");
    } else if (fashion) {
        pre->size = 28;
        pre->mode = PP_RESIZE_SQUARE;
        set_stats(pre, fmnist_mean, fmnist_std);
        snprintf(pre->source, sizeof pre->source, "Fashion-MNIST defaults");
    } else {
        pre->size = 32;
        pre->mode = PP_RESIZE_SQUARE;
        set_stats(pre, cifar_mean, cifar_std);
        snprintf(pre->source, sizeof pre->source, "CIFAR-10 defaults");
    }
    const char *size = pp_sd_meta_get(&m->meta, "input_size");
    float mean[3], std[3];
    meta_lookup has_mean = meta_floats(&m->meta, "mean", mean, 3), has_std = meta_floats(&m->meta, "std", std, 3);
    if (has_mean == META_NOMEM || has_std == META_NOMEM)
        return pp_fail(err, PP_ERR_NOMEM, "out of memory reading the model's mean/std metadata");
    bool has_stats = has_mean == META_FOUND && has_std == META_FOUND;
    if (has_stats)
        set_stats(pre, mean, std);
    if (size && atoi(size) > 0 && atoi(size) <= PP_INPUT_SIZE_MAX) { /* checked at load (arch.c) */
        pre->size = atoi(size);
        pre->mode = pre->size >= 128 ? PP_RESIZE_CROP_IMAGENET : PP_RESIZE_SQUARE;
    }
    if (has_stats || size)
        snprintf(pre->source, sizeof pre->source, "model metadata");
    return PP_OK;
}

pp_status pp_preprocess_check_metadata(const pp_state_dict *meta, pp_error *err)
{
    /* Normalising divides by std: zero gives inf, tiny or huge values give an
     * input nothing was trained on, and NaN would pass silently. */
    float mean[3], std[3];
    meta_lookup has_mean = meta_floats(meta, "mean", mean, 3), has_std = meta_floats(meta, "std", std, 3);
    if (has_mean == META_NOMEM || has_std == META_NOMEM)
        return pp_fail(err, PP_ERR_NOMEM, "out of memory reading the mean/std metadata");
    if (has_mean == META_FOUND)
        for (int c = 0; c < 3; c++)
            if (!isfinite(mean[c]) || fabsf(mean[c]) > PP_PREPROCESS_MAX_MEAN)
                return pp_fail(err, PP_ERR_FORMAT, "metadata mean[%d] = %g is not a finite value within +-%g", c,
                               (double)mean[c], (double)PP_PREPROCESS_MAX_MEAN);
    if (has_std == META_FOUND)
        for (int c = 0; c < 3; c++)
            if (!(std[c] >= PP_PREPROCESS_MIN_STD && std[c] <= PP_PREPROCESS_MAX_STD))
                return pp_fail(err, PP_ERR_FORMAT, "metadata std[%d] = %g is not within [%g, %g]", c, (double)std[c],
                               (double)PP_PREPROCESS_MIN_STD, (double)PP_PREPROCESS_MAX_STD);
    return PP_OK;
}

pp_status pp_preprocess_geometry(const pp_preprocess *pre, const pp_image *img, pp_image *out, pp_error *err)
{
    pp_image converted = {0}, resized = {0};
    pp_status st = pp_image_convert(&converted, img, pre->channels, err);
    if (st != PP_OK)
        return st;
    if (pre->mode == PP_RESIZE_CROP_IMAGENET) {
        int side = (int)((long)pre->size * 256 / 224);
        st = pp_image_resize_short_side(&resized, &converted, side, err);
        if (st == PP_OK)
            st = pp_image_center_crop(out, &resized, pre->size, pre->size, err);
        pp_image_free(&resized);
    } else {
        st = pp_image_resize(out, &converted, pre->size, pre->size, err);
    }
    pp_image_free(&converted);
    return st;
}

void pp_preprocess_normalize(const pp_preprocess *pre, const pp_image *img, pp_tensor *batch, int index)
{
    const int c_count = pre->channels, side = pre->size;
    const size_t plane = (size_t)side * side;
    float *dst = batch->data + (size_t)index * c_count * plane;
    for (int c = 0; c < c_count; c++) {
        float scale = 1.0f / (255.0f * pre->std[c]), offset = pre->mean[c] / pre->std[c];
        for (size_t i = 0; i < plane; i++)
            dst[c * plane + i] = img->pixels[i * c_count + c] * scale - offset;
    }
}

pp_status pp_preprocess_image(const pp_preprocess *pre, const pp_image *img, pp_tensor *batch, int index,
                              pp_error *err)
{
    if (batch->ndim != 4 || batch->shape[1] != pre->channels || batch->shape[2] != pre->size ||
        batch->shape[3] != pre->size || index < 0 || index >= batch->shape[0])
        return pp_fail(err, PP_ERR_SHAPE, "batch tensor does not match the model's input");
    pp_image ready;
    pp_status st = pp_preprocess_geometry(pre, img, &ready, err);
    if (st != PP_OK)
        return st;
    pp_preprocess_normalize(pre, &ready, batch, index);
    pp_image_free(&ready);
    return PP_OK;
}

#include "augmentation.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* A whole finite decimal number, nothing after it. */
static bool parse_number(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v))
        return false;
    *out = v;
    return true;
}

void pp_augmentation_names(char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < pp_augmentation_count() && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", pp_augmentation_at(i)->name);
}

static void param_list(const pp_augmentation *a, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < a->n_params && used < size; i++) {
        const pp_augment_param *p = &a->params[i];
        used += (size_t)snprintf(buf + used, size - used, "%s%s (%g to %g, default %g)", i ? ", " : "", p->name,
                                 p->min, p->max, p->def);
    }
    if (!a->n_params)
        snprintf(buf, size, "none");
}

pp_status pp_augment_config_parse(pp_augment_config *cfg, const char *spec, pp_error *err)
{
    memset(cfg, 0, sizeof *cfg);
    char name[64];
    const char *colon = strchr(spec, ':');
    size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
    snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : sizeof name - 1), spec);
    const pp_augmentation *a = pp_augmentation_find(name);
    if (!a) {
        char names[256];
        pp_augmentation_names(names, sizeof names);
        return pp_fail(err, PP_ERR_ARG, "unknown augmentation '%.60s'; the methods are %s", name, names);
    }
    cfg->method = a;
    for (int i = 0; i < a->n_params; i++)
        cfg->p[i] = a->params[i].def;
    const char *s = colon ? colon + 1 : NULL;
    while (s && *s) {
        const char *end = strchr(s, ',');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        char item[96], valid[512];
        snprintf(item, sizeof item, "%.*s", (int)(n < sizeof item ? n : sizeof item - 1), s);
        char *eq = strchr(item, '=');
        param_list(a, valid, sizeof valid);
        if (!eq)
            return pp_fail(err, PP_ERR_ARG, "%s: '%s' is not KEY=VALUE; the parameters are %s", a->name, item, valid);
        *eq = 0;
        int k = -1;
        for (int i = 0; i < a->n_params; i++)
            if (strcmp(a->params[i].name, item) == 0)
                k = i;
        if (k < 0)
            return pp_fail(err, PP_ERR_ARG, "%s has no parameter '%s'; the parameters are %s", a->name, item, valid);
        const pp_augment_param *p = &a->params[k];
        double v;
        if (!parse_number(eq + 1, &v) || !(v >= p->min && v <= p->max) || (p->integer && v != floor(v)))
            return pp_fail(err, PP_ERR_ARG, "%s: %s=%s is out of range; it takes %s%g to %g (default %g)", a->name,
                           p->name, eq + 1, p->integer ? "a whole number from " : "", p->min, p->max, p->def);
        cfg->p[k] = v;
        s = end ? end + 1 : NULL;
    }
    return PP_OK;
}

void pp_augment_config_format(const pp_augment_config *cfg, char *buf, size_t size)
{
    const pp_augmentation *a = cfg->method;
    size_t used = (size_t)snprintf(buf, size, "%s", a->name);
    for (int i = 0; i < a->n_params && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s=%.12g", i ? "," : ":", a->params[i].name, cfg->p[i]);
}

void pp_augment_to_tensor(float *out, const pp_image *in, const float *mean, const float *std)
{
    const int ch = in->channels;
    const size_t plane = (size_t)in->width * in->height;
    for (int c = 0; c < ch; c++)
        for (size_t i = 0; i < plane; i++)
            out[c * plane + i] = ((float)in->pixels[i * ch + c] / 255.0f - mean[c]) / std[c];
}

pp_status pp_augment_normalised(const pp_augment_config *cfg, const pp_augment_ctx *ctx_base, const pp_image *in,
                                float *out, pp_error *err)
{
    pp_augment_ctx ctx = *ctx_base;
    ctx.p = cfg->p;
    const pp_augmentation *a = cfg->method;
    if (a->apply_float)
        return a->apply_float(&ctx, in, out, err);
    pp_image changed;
    pp_status st = pp_image_alloc(&changed, in->width, in->height, in->channels, err);
    if (st == PP_OK)
        st = a->apply_u8(&ctx, in, &changed, err);
    if (st == PP_OK)
        pp_augment_to_tensor(out, &changed, ctx.mean, ctx.std);
    pp_image_free(&changed);
    return st;
}

pp_status pp_augment_image(const pp_augment_config *cfg, uint32_t seed, const pp_image *in, pp_image *out,
                           pp_error *err)
{
    static const float zero[3] = {0, 0, 0}, one[3] = {1, 1, 1};
    pp_augment_ctx ctx = {.p = cfg->p, .seed = seed, .mean = zero, .std = one, .position = 0, .batch = 1};
    pp_status st = pp_image_alloc(out, in->width, in->height, in->channels, err);
    if (st != PP_OK)
        return st;
    const pp_augmentation *a = cfg->method;
    if (a->apply_u8) {
        st = a->apply_u8(&ctx, in, out, err);
    } else {
        const int ch = in->channels;
        const size_t plane = (size_t)in->width * in->height;
        float *planes = malloc(sizeof(float) * plane * (size_t)ch);
        st = planes ? a->apply_float(&ctx, in, planes, err) : pp_fail(err, PP_ERR_NOMEM, "out of memory");
        for (size_t i = 0; st == PP_OK && i < plane; i++)
            for (int c = 0; c < ch; c++) {
                float v = nearbyintf(planes[c * plane + i] * 255.0f);
                out->pixels[i * ch + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        free(planes);
    }
    if (st != PP_OK)
        pp_image_free(out);
    return st;
}

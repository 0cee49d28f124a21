#include "corruption.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../rng.h"
#include "filter.h"

const char *pp_corruption_family_name(pp_corruption_family f)
{
    static const char *const names[] = {"noise", "blur", "weather", "digital"};
    return (unsigned)f < 4 ? names[f] : "?";
}

const char *pp_corruption_band_name(pp_corruption_band b)
{
    static const char *const names[] = {"low", "mid", "high"};
    return (unsigned)b < 3 ? names[b] : "?";
}

const char *pp_corruption_preset_name(pp_corruption_preset p)
{
    static const char *const names[] = {"auto", "imagenet", "cifar"};
    return (unsigned)p < 3 ? names[p] : "?";
}

bool pp_corruption_preset_parse(const char *s, pp_corruption_preset *out)
{
    for (int p = PP_PRESET_AUTO; p <= PP_PRESET_CIFAR; p++) {
        if (s && strcmp(s, pp_corruption_preset_name((pp_corruption_preset)p)) == 0) {
            *out = (pp_corruption_preset)p;
            return true;
        }
    }
    return false;
}

pp_corruption_preset pp_corruption_preset_resolve(pp_corruption_preset p, int width, int height)
{
    if (p != PP_PRESET_AUTO)
        return p;
    /* 85 ~ sqrt(32 * 224): nearer to CIFAR's 32 than to ImageNet's 224 on a log scale */
    int side = width < height ? width : height;
    return side < 85 ? PP_PRESET_CIFAR : PP_PRESET_IMAGENET;
}

int pp_corruption_preset_reference_side(pp_corruption_preset p)
{
    return p == PP_PRESET_CIFAR ? 32 : 224;
}

int pp_corruption_param_index(const pp_corruption *c, const char *name)
{
    for (int i = 0; i < c->n_params; i++)
        if (strcmp(c->params[i].name, name) == 0)
            return i;
    return -1;
}

/* Whether severities in (0, 1) can interpolate parameters from identity values. */
static bool has_identity(const pp_corruption *c)
{
    for (int i = 0; i < c->n_params; i++)
        if (!(c->params[i].flags & PP_PARAM_RANDOM) && isnan(c->params[i].identity))
            return false;
    return true;
}

pp_status pp_corruption_params_at(const pp_corruption *c, pp_corruption_preset preset,
                                  double severity, double *out, pp_error *err)
{
    if (!(severity >= 0 && severity <= PP_CORRUPTION_MAX_SEVERITY))
        return pp_fail(err, PP_ERR_ARG, "severity %g is outside [0, 5]", severity);
    int lo = (int)floor(severity);
    double t = severity - lo;
    bool ident = has_identity(c);
    for (int i = 0; i < c->n_params; i++) {
        const pp_corruption_param *p = &c->params[i];
        if (p->flags & PP_PARAM_RANDOM) {
            out[i] = NAN;
            continue;
        }
        const double *table = preset == PP_PRESET_CIFAR ? p->cifar : p->imagenet;
        double v;
        if (lo >= 5)
            v = table[4];
        else if (lo >= 1)
            v = table[lo - 1] + t * (table[lo] - table[lo - 1]);
        else if (ident)
            v = p->identity + t * (table[0] - p->identity);
        else
            v = table[0]; /* severity < 1 without identities: the output is blended */
        if (p->flags & PP_PARAM_INTEGER)
            v = round(v);
        out[i] = v;
    }
    return PP_OK;
}

static bool check_image(const pp_image *img, pp_error *err)
{
    if (!img || !img->pixels || img->width < 1 || img->height < 1 ||
        (img->channels != 1 && img->channels != 3)) {
        pp_fail(err, PP_ERR_SHAPE, "corruptions need a non-empty 8-bit gray or RGB image");
        return false;
    }
    return true;
}

pp_status pp_corruption_apply(const pp_corruption *c, const pp_corruption_request *req,
                              const pp_image *in, pp_image *out, pp_error *err)
{
    out->pixels = NULL;
    if (!check_image(in, err))
        return PP_ERR_SHAPE;
    double s = req->severity;
    if (!(s >= 0 && s <= PP_CORRUPTION_MAX_SEVERITY))
        return pp_fail(err, PP_ERR_ARG, "severity %g is outside [0, 5]", s);
    if (req->cancel && req->cancel(req->cancel_ctx))
        return pp_fail(err, PP_ERR_CANCELLED, "%s: cancelled", c->name);

    pp_corruption_preset preset = pp_corruption_preset_resolve(req->preset, in->width, in->height);
    double p[PP_CORRUPTION_MAX_PARAMS];
    pp_status st = pp_corruption_params_at(c, preset, s, p, err);
    if (st)
        return st;
    int side = in->width < in->height ? in->width : in->height;
    double scale = (double)side / pp_corruption_preset_reference_side(preset);
    bool any_override = false;
    for (int i = 0; i < c->n_params; i++) {
        const pp_corruption_param *d = &c->params[i];
        double v = req->overrides ? req->overrides[i] : NAN;
        if (!isnan(v)) {
            if (!(v >= d->min && v <= d->max))
                return pp_fail(err, PP_ERR_ARG, "%s: parameter %s = %g is outside [%g, %g]",
                               c->name, d->name, v, d->min, d->max);
            p[i] = v;
            any_override = true;
        } else if (d->flags & PP_PARAM_RANDOM) {
            /* drawn from the seed alone, so the severity slider keeps the same draw */
            double u = pp_rng_uniform(pp_rng_key(req->seed, 0x7a4d0000u + (unsigned)i), 0);
            if (d->flags & PP_PARAM_INTEGER) /* each integer equally likely (randint) */
                p[i] = fmin(d->min + floor(u * (d->max - d->min + 1)), d->max);
            else
                p[i] = d->min + u * (d->max - d->min);
        }
        if (d->flags & PP_PARAM_PIXELS)
            p[i] *= scale;
        if (d->flags & PP_PARAM_INTEGER)
            p[i] = round(p[i]);
    }

    st = pp_image_alloc(out, in->width, in->height, in->channels, err);
    if (st)
        return st;
    if (s == 0 && !any_override) {
        memcpy(out->pixels, in->pixels, (size_t)in->width * in->height * in->channels);
    } else {
        pp_corruption_ctx ctx = {.p = p, .seed = req->seed, .preset = preset,
                                 .cancel = req->cancel, .cancel_ctx = req->cancel_ctx};
        int outer = pp_filter_threads_scope(req->threads);
        st = c->apply(&ctx, in, out, err);
        pp_filter_threads_scope(outer);
        if (st) {
            pp_image_free(out);
            return st;
        }
        if (s < 1 && !has_identity(c)) {
            float t = (float)s;
            size_t n = (size_t)in->width * in->height * in->channels;
            for (size_t i = 0; i < n; i++)
                out->pixels[i] = (uint8_t)(in->pixels[i] + t * (out->pixels[i] - in->pixels[i]) + 0.5f);
        }
    }
    if (req->jpeg85) {
        st = pp_image_jpeg_roundtrip(out, 85, err);
        if (st) {
            pp_image_free(out);
            return st;
        }
    }
    return PP_OK;
}

uint64_t pp_corruption_sample_seed(uint64_t seed, uint64_t index)
{
    return pp_rng_mix(seed * 0x9e3779b97f4a7c15ull + index);
}

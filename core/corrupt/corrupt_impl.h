/* Shared by the corruption files only (not part of the public interface). */
#ifndef PP_CORRUPT_IMPL_H
#define PP_CORRUPT_IMPL_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "corruption.h"
#include "filter.h"
#include "planes.h"
#include "../rng.h"

static inline bool pp_ctx_cancelled(const pp_corruption_ctx *ctx)
{
    return ctx->cancel && ctx->cancel(ctx->cancel_ctx);
}

#define PP_CHECK_CANCEL(ctx, err, name)                                                      \
    do {                                                                                     \
        if (pp_ctx_cancelled(ctx))                                                           \
            return pp_fail(err, PP_ERR_CANCELLED, "%s: cancelled", name);                    \
    } while (0)

/* Stream ids of the random fields, one per use, so corruptions never share draws. */
enum {
    PP_STREAM_NOISE = 1,
    PP_STREAM_NOISE2,
    PP_STREAM_GLASS,
    PP_STREAM_SNOW,
    PP_STREAM_FROST,
    PP_STREAM_FOG,
    PP_STREAM_ELASTIC_X,
    PP_STREAM_ELASTIC_Y,
    PP_STREAM_ELASTIC_AFFINE,
    PP_STREAM_SPATTER,
};

/* skimage.color rgb2hsv / hsv2rgb on one pixel (all in [0, 1]). */
static inline void pp_rgb_to_hsv(double r, double g, double b, double *h, double *s, double *v)
{
    double mx = fmax(r, fmax(g, b)), mn = fmin(r, fmin(g, b)), d = mx - mn;
    *v = mx;
    *s = mx > 0 ? d / mx : 0;
    if (d == 0) {
        *h = 0;
        return;
    }
    double hh;
    /* skimage assigns r, then g, then b cases, later ones winning ties */
    if (b == mx)
        hh = 4 + (r - g) / d;
    else if (g == mx)
        hh = 2 + (b - r) / d;
    else
        hh = (g - b) / d;
    hh /= 6;
    hh -= floor(hh);
    *h = hh;
}

static inline void pp_hsv_to_rgb(double h, double s, double v, double *r, double *g, double *b)
{
    double h6 = h * 6, hi = floor(h6), f = h6 - hi;
    double p = v * (1 - s), q = v * (1 - f * s), t = v * (1 - (1 - f) * s);
    switch (((int)hi % 6 + 6) % 6) {
    case 0: *r = v, *g = t, *b = p; break;
    case 1: *r = q, *g = v, *b = p; break;
    case 2: *r = p, *g = v, *b = t; break;
    case 3: *r = p, *g = q, *b = v; break;
    case 4: *r = t, *g = p, *b = v; break;
    default: *r = v, *g = p, *b = q; break;
    }
}

/* [0, 1] float -> uint8 by truncation of the clipped value, as numpy's uint8 cast. */
static inline uint8_t pp_unit_to_u8(float v)
{
    /* written without conditional arithmetic (only selects), so loops over
     * it vectorise: the same bytes as clipping first */
    float w = v * 255.f;
    w = w > 0.f ? w : 0.f; /* also maps NaN to 0 */
    w = w + 1e-3f;
    w = w < 255.f ? w : 255.f;
    return (uint8_t)(int)w;
}

#endif

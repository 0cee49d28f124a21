/* Channel conversion, resampling and cropping of 8-bit images. */
#include "image.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

pp_status pp_image_convert(pp_image *dst, const pp_image *src, int channels, pp_error *err)
{
    if (src->channels == channels)
        return pp_image_copy(dst, src, err);
    pp_status st = pp_image_alloc(dst, src->width, src->height, channels, err);
    if (st != PP_OK)
        return st;
    size_t n = (size_t)src->width * src->height;
    const uint8_t *s = src->pixels;
    uint8_t *d = dst->pixels;
    if (channels == 1) {
        /* PIL's "L" conversion, fixed point: L = (19595 R + 38470 G + 7471 B + 2^15) >> 16 */
        for (size_t i = 0; i < n; i++, s += 3)
            d[i] = (uint8_t)((19595u * s[0] + 38470u * s[1] + 7471u * s[2] + 0x8000u) >> 16);
    } else {
        for (size_t i = 0; i < n; i++, d += 3)
            d[0] = d[1] = d[2] = s[i];
    }
    return PP_OK;
}

/* Resampling coefficients for one axis, as PIL's bilinear filter computes them:
 * a triangle of half-width 1 stretched by the reduction factor when shrinking. */
/* Fixed-point weights as PIL uses them, so results match torchvision's bit for bit. */
#define PRECISION_BITS 22

typedef struct {
    int *first;     /* (out) first input index used */
    int *count;     /* (out) number of taps */
    int32_t *weights; /* (out, max_taps), fixed point with PRECISION_BITS */
    int max_taps;
} axis_coeffs;

static void axis_coeffs_free(axis_coeffs *c)
{
    free(c->first);
    free(c->count);
    free(c->weights);
    *c = (axis_coeffs){0}; /* freed again by the caller's error path */
}

static bool axis_coeffs_make(axis_coeffs *c, int in_size, int out_size)
{
    double scale = (double)in_size / out_size;
    double filter_scale = scale > 1.0 ? scale : 1.0;
    double support = filter_scale; /* triangle support 1 */
    c->max_taps = (int)ceil(support) * 2 + 1;
    c->first = malloc(sizeof(int) * (size_t)out_size);
    c->count = malloc(sizeof(int) * (size_t)out_size);
    c->weights = malloc(sizeof(int32_t) * (size_t)out_size * (size_t)c->max_taps);
    double *scratch = malloc(sizeof(double) * (size_t)c->max_taps);
    if (!c->first || !c->count || !c->weights || !scratch) {
        free(scratch);
        axis_coeffs_free(c);
        return false;
    }
    for (int o = 0; o < out_size; o++) {
        double center = (o + 0.5) * scale;
        int lo = (int)(center - support + 0.5);
        int hi = (int)(center + support + 0.5);
        if (lo < 0)
            lo = 0;
        if (hi > in_size)
            hi = in_size;
        int taps = hi - lo;
        if (taps > c->max_taps)
            taps = c->max_taps;
        int32_t *w = c->weights + (size_t)o * c->max_taps;
        double total = 0;
        for (int k = 0; k < taps; k++) {
            double x = fabs((k + lo - center + 0.5) / filter_scale);
            scratch[k] = x < 1.0 ? 1.0 - x : 0.0;
            total += scratch[k];
        }
        for (int k = 0; k < taps; k++)
            w[k] = total > 0 ? (int32_t)lround(scratch[k] / total * (1 << PRECISION_BITS)) : 0;
        c->first[o] = lo;
        c->count[o] = taps;
    }
    free(scratch);
    return true;
}

static uint8_t fixed_to_u8(int64_t acc)
{
    int64_t v = (acc + (1 << (PRECISION_BITS - 1))) >> PRECISION_BITS;
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

pp_status pp_image_resize(pp_image *dst, const pp_image *src, int width, int height, pp_error *err)
{
    if (width == src->width && height == src->height)
        return pp_image_copy(dst, src, err);
    pp_status st = pp_image_alloc(dst, width, height, src->channels, err);
    if (st != PP_OK)
        return st;
    int ch = src->channels;
    axis_coeffs cx = {0}, cy = {0};
    uint8_t *mid = malloc((size_t)src->height * width * ch);
    if (!mid || !axis_coeffs_make(&cx, src->width, width) ||
        !axis_coeffs_make(&cy, src->height, height)) {
        free(mid);
        axis_coeffs_free(&cx);
        axis_coeffs_free(&cy);
        pp_image_free(dst);
        return pp_fail(err, PP_ERR_NOMEM, "out of memory resizing an image");
    }
    /* Horizontal pass, then vertical; like PIL, the intermediate is rounded to
     * 8 bits, which keeps our inputs identical to torchvision's. */
    for (int y = 0; y < src->height; y++) {
        const uint8_t *row = src->pixels + (size_t)y * src->width * ch;
        uint8_t *out = mid + (size_t)y * width * ch;
        for (int x = 0; x < width; x++) {
            const int32_t *w = cx.weights + (size_t)x * cx.max_taps;
            for (int c = 0; c < ch; c++) {
                int64_t acc = 0;
                for (int k = 0; k < cx.count[x]; k++)
                    acc += (int64_t)w[k] * row[(size_t)(cx.first[x] + k) * ch + c];
                out[(size_t)x * ch + c] = fixed_to_u8(acc);
            }
        }
    }
    for (int y = 0; y < height; y++) {
        const int32_t *w = cy.weights + (size_t)y * cy.max_taps;
        uint8_t *out = dst->pixels + (size_t)y * width * ch;
        for (int i = 0; i < width * ch; i++) {
            int64_t acc = 0;
            for (int k = 0; k < cy.count[y]; k++)
                acc += (int64_t)w[k] * mid[(size_t)(cy.first[y] + k) * width * ch + i];
            out[i] = fixed_to_u8(acc);
        }
    }
    free(mid);
    axis_coeffs_free(&cx);
    axis_coeffs_free(&cy);
    return PP_OK;
}

pp_status pp_image_resize_short_side(pp_image *dst, const pp_image *src, int side, pp_error *err)
{
    int w, h;
    if (src->width <= src->height) {
        w = side;
        h = (int)((long)side * src->height / src->width);
    } else {
        h = side;
        w = (int)((long)side * src->width / src->height);
    }
    return pp_image_resize(dst, src, w < 1 ? 1 : w, h < 1 ? 1 : h, err);
}

pp_status pp_image_center_crop(pp_image *dst, const pp_image *src, int width, int height,
                               pp_error *err)
{
    if (width > src->width || height > src->height)
        return pp_fail(err, PP_ERR_ARG, "cannot crop %dx%d from a %dx%d image", width, height,
                       src->width, src->height);
    pp_status st = pp_image_alloc(dst, width, height, src->channels, err);
    if (st != PP_OK)
        return st;
    int top = (int)rint((src->height - height) / 2.0);
    int left = (int)rint((src->width - width) / 2.0);
    size_t row_bytes = (size_t)width * src->channels;
    for (int y = 0; y < height; y++)
        memcpy(dst->pixels + (size_t)y * row_bytes,
               src->pixels + ((size_t)(top + y) * src->width + left) * src->channels, row_bytes);
    return PP_OK;
}

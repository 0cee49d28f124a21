#include "planes.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

float *pp_floats_alloc(size_t n, pp_error *err)
{
    if (n > SIZE_MAX / sizeof(float) - 64) {
        pp_fail(err, PP_ERR_NOMEM, "corruption buffer of %zu floats is too large", n);
        return NULL;
    }
    size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
    float *f = aligned_alloc(64, bytes ? bytes : 64);
    if (!f)
        pp_fail(err, PP_ERR_NOMEM, "out of memory for a %zu-float corruption buffer", n);
    return f;
}

pp_status pp_planes_alloc(pp_planes *p, int c, int h, int w, pp_error *err)
{
    p->c = c, p->h = h, p->w = w;
    p->data = pp_floats_alloc((size_t)c * h * w, err);
    return p->data ? PP_OK : PP_ERR_NOMEM;
}

void pp_planes_free(pp_planes *p)
{
    free(p->data);
    p->data = NULL;
}

pp_status pp_planes_from_image(pp_planes *p, const pp_image *img, float scale, pp_error *err)
{
    pp_status st = pp_planes_alloc(p, img->channels, img->height, img->width, err);
    if (st)
        return st;
    size_t hw = (size_t)img->height * img->width;
    int c = img->channels;
    for (int ch = 0; ch < c; ch++) {
        float *dst = p->data + ch * hw;
        const uint8_t *src = img->pixels + ch;
        for (size_t i = 0; i < hw; i++)
            dst[i] = src[i * c] * scale;
    }
    return PP_OK;
}

void pp_planes_to_image(const pp_planes *p, float scale, pp_image *img)
{
    size_t hw = (size_t)p->h * p->w;
    int c = p->c;
    for (int ch = 0; ch < c; ch++) {
        const float *src = p->data + ch * hw;
        uint8_t *dst = img->pixels + ch;
        for (size_t i = 0; i < hw; i++) {
            float v = src[i] * scale;
            v = v > 0.f ? v : 0.f; /* also maps NaN to 0 */
            v = v < 255.f ? v + 1e-3f : 255.f;
            dst[i * c] = (uint8_t)v;
        }
    }
}

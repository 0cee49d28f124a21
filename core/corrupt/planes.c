#include "planes.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

pp_status pp_planes_alloc(pp_planes *p, int c, int h, int w, pp_error *err)
{
    p->c = c, p->h = h, p->w = w;
    p->data = pp_floats_alloc((size_t)c * h * w, err);
    return p->data ? PP_OK : PP_ERR_NOMEM;
}

void pp_planes_free(pp_planes *p)
{
    pp_floats_free(p->data);
    p->data = NULL;
}

pp_status pp_planes_from_image(pp_planes *p, const pp_image *img, float scale, pp_error *err)
{
    pp_status st = pp_planes_alloc(p, img->channels, img->height, img->width, err);
    if (st)
        return st;
    size_t hw = (size_t)img->height * img->width;
    int c = img->channels;
    if (c == 3) { /* one pass over the pixels, the three planes written side by side */
        float *restrict r = p->data, *restrict g = r + hw, *restrict b = g + hw;
        const uint8_t *restrict src = img->pixels;
        for (size_t i = 0; i < hw; i++) {
            r[i] = src[3 * i] * scale;
            g[i] = src[3 * i + 1] * scale;
            b[i] = src[3 * i + 2] * scale;
        }
        return PP_OK;
    }
    for (int ch = 0; ch < c; ch++) {
        float *dst = p->data + ch * hw;
        const uint8_t *src = img->pixels + ch;
        for (size_t i = 0; i < hw; i++)
            dst[i] = src[i * c] * scale;
    }
    return PP_OK;
}

static inline uint8_t to_byte(float v)
{
    v = v > 0.f ? v : 0.f; /* also maps NaN to 0 */
    v = v < 255.f ? v + 1e-3f : 255.f;
    return (uint8_t)(int)v;
}

void pp_planes_to_image(const pp_planes *p, float scale, pp_image *img)
{
    size_t hw = (size_t)p->h * p->w;
    int c = p->c;
    if (c == 3) { /* one pass over the pixels, as pp_planes_from_image */
        const float *restrict r = p->data, *restrict g = r + hw, *restrict b = g + hw;
        uint8_t *restrict dst = img->pixels;
        for (size_t i = 0; i < hw; i++) {
            dst[3 * i] = to_byte(r[i] * scale);
            dst[3 * i + 1] = to_byte(g[i] * scale);
            dst[3 * i + 2] = to_byte(b[i] * scale);
        }
        return;
    }
    for (int ch = 0; ch < c; ch++) {
        const float *src = p->data + ch * hw;
        uint8_t *dst = img->pixels + ch;
        for (size_t i = 0; i < hw; i++)
            dst[i * c] = to_byte(src[i] * scale);
    }
}

#include "augment.h"

#include <string.h>

#include "../rng.h"

pp_status pp_augment_crop_flip(pp_image *out, const pp_image *in, int padding, bool flip, uint64_t seed,
                               uint64_t sample, pp_error *err)
{
    pp_status st = pp_image_alloc(out, in->width, in->height, in->channels, err);
    if (st != PP_OK)
        return st;
    uint64_t key = pp_rng_key(seed, sample);
    int dx = padding > 0 ? pp_rng_int(key, 0, -padding, padding) : 0;
    int dy = padding > 0 ? pp_rng_int(key, 1, -padding, padding) : 0;
    bool mirror = flip && (pp_rng_u64(key, 2) & 1);
    const int ch = in->channels;
    for (int y = 0; y < out->height; y++) {
        int sy = y + dy;
        uint8_t *dst = out->pixels + (size_t)y * out->width * ch;
        if (sy < 0 || sy >= in->height) {
            memset(dst, 0, (size_t)out->width * ch);
            continue;
        }
        const uint8_t *src = in->pixels + (size_t)sy * in->width * ch;
        for (int x = 0; x < out->width; x++) {
            int sx = (mirror ? out->width - 1 - x : x) + dx;
            for (int c = 0; c < ch; c++)
                dst[x * ch + c] = (sx >= 0 && sx < in->width) ? src[sx * ch + c] : 0;
        }
    }
    return PP_OK;
}

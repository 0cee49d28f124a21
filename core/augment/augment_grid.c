#include "augment_grid.h"

#include <math.h>
#include <string.h>

#define GAP 2

pp_status pp_augment_grid(const pp_augment_config *cfg, uint32_t seed, const pp_image *in, int n, int columns,
                          pp_image *out, pp_error *err)
{
    if (n < 1 || n > PP_AUGMENT_GRID_MAX)
        return pp_fail(err, PP_ERR_ARG, "a grid has 1 to %d samples", PP_AUGMENT_GRID_MAX);
    const int tiles = n + 1;
    const int cols = columns > 0 ? (columns < tiles ? columns : tiles) : (int)ceil(sqrt((double)tiles));
    const int rows = (tiles + cols - 1) / cols;
    const int w = in->width, h = in->height, ch = in->channels;
    if ((int64_t)(w + GAP) * cols * (h + GAP) * rows > PP_IMAGE_MAX_PIXELS)
        return pp_fail(err, PP_ERR_ARG, "a grid of %d images of %dx%d would be too large", n, w, h);
    pp_status st = pp_image_alloc(out, cols * (w + GAP) - GAP, rows * (h + GAP) - GAP, ch, err);
    if (st != PP_OK)
        return st;
    memset(out->pixels, 24, (size_t)out->width * out->height * ch);
    for (int t = 0; t < tiles && st == PP_OK; t++) {
        pp_image sample = {0};
        st = t == 0 ? pp_image_copy(&sample, in, err) : pp_augment_image(cfg, seed + (uint32_t)(t - 1), in, &sample, err);
        if (st != PP_OK)
            break;
        const int x0 = (t % cols) * (w + GAP), y0 = (t / cols) * (h + GAP);
        for (int y = 0; y < h; y++)
            memcpy(out->pixels + ((size_t)(y0 + y) * out->width + x0) * ch, sample.pixels + (size_t)y * w * ch,
                   (size_t)w * ch);
        pp_image_free(&sample);
    }
    if (st != PP_OK)
        pp_image_free(out);
    return st;
}

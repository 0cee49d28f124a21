/* Planar float images: the working form of most corruptions, so channel loops are
 * contiguous rows that vectorise. Values are in [0, 1] (or 0..255 where a corruption
 * works in 8-bit units, as motion blur and frost do in the reference). */
#ifndef PP_CORRUPT_PLANES_H
#define PP_CORRUPT_PLANES_H

#include <stdbool.h>

#include "../image/image.h"
#include "../status.h"
#include "scratch.h"

typedef struct {
    int c, h, w;
    float *data; /* (c, h, w) */
} pp_planes;

pp_status pp_planes_alloc(pp_planes *p, int c, int h, int w, pp_error *err);
void pp_planes_free(pp_planes *p);
static inline float *pp_planes_plane(const pp_planes *p, int ch) { return p->data + (size_t)ch * p->h * p->w; }

/* data = pixel * scale (scale 1/255 for the [0, 1] range). */
pp_status pp_planes_from_image(pp_planes *p, const pp_image *img, float scale, pp_error *err);
/* pixel = trunc(clip(v * scale, 0, 255)), as numpy's uint8 cast of the clipped float
 * (a hair of slack so k/255*255 does not truncate to k-1). */
void pp_planes_to_image(const pp_planes *p, float scale, pp_image *img);

#endif

/* Pictures for the drawn views: an 8-bit image or a float plane painted into
 * a rectangle through one cairo image surface (not a rectangle per pixel, so
 * SVG/PDF exports stay small), enlarged with nearest-neighbour sampling
 * (pixels stay crisp) and reduced with cairo's area filter. */
#pragma once

#include <gtk/gtk.h>

#include "image/image.h"

G_BEGIN_DECLS

void pp_paint_image(cairo_t *cr, const pp_image *img, double x, double y, double w, double h);
/* plane: (rows, cols). diverging: t = v / hi on the blue-white-red map;
 * otherwise t = (v - lo) / (hi - lo) on the sequential map. */
void pp_paint_plane(cairo_t *cr, const float *plane, int rows, int cols, double x, double y, double w, double h,
                    float lo, float hi, gboolean diverging);

G_END_DECLS

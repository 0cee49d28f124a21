/* GdkTexture (a pasted or dropped picture) -> pp_image RGB, for the probe view. */
#pragma once

#include <gtk/gtk.h>

#include "image/image.h"

G_BEGIN_DECLS

/* Converts cairo ARGB32 pixels (premultiplied, native-endian 32-bit words, as
 * gdk_texture_download writes them) to 8-bit RGB, composited over white
 * (transparent areas of a pasted picture become white paper). */
pp_status pp_image_from_argb32(const guint8 *data, int width, int height, gsize stride, pp_image *out,
                               pp_error *err);
/* An image as a texture, each pixel repeated `zoom` x `zoom` times (nearest:
 * small training images stay sharp when shown large); gray becomes RGB. */
GdkTexture *pp_texture_from_image(const pp_image *img, int zoom);
/* Downloads the texture and converts it as above. */
pp_status pp_image_from_texture(GdkTexture *texture, pp_image *out, pp_error *err);

G_END_DECLS

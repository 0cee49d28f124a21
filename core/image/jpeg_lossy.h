/* A JPEG round trip in process: what encoding an RGB image as a baseline JPEG
 * at `quality` with PIL's settings and decoding it again gives, byte for byte
 * as Debian's libjpeg-turbo 2.1 (which PIL uses), without writing the file
 * (jpeg_lossy.c says which steps and why that is exact). */
#ifndef PP_JPEG_LOSSY_H
#define PP_JPEG_LOSSY_H

#include "image.h"

/* in -> out, both RGB of one size; out may be in (the input is read before out is
 * written). quality is clamped to 1..100. */
pp_status pp_jpeg_lossy(const pp_image *in, pp_image *out, int quality, pp_error *err);
/* In place. */
pp_status pp_jpeg_lossy_roundtrip(pp_image *img, int quality, pp_error *err);

#endif

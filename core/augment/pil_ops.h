/* The Pillow 9.4 operations the official AugMix code calls, re-derived so the
 * bytes match: ImageOps autocontrast/equalize/posterize/solarize and the
 * bilinear affine transform (Geometry.c) with a black fill. Images are
 * interleaved uint8 (H, W, C), C = 1 or 3; in and out are the same size and
 * never alias. */
#ifndef PP_PIL_OPS_H
#define PP_PIL_OPS_H

#include "../image/image.h"

void pp_pil_autocontrast(pp_image *out, const pp_image *in);
void pp_pil_equalize(pp_image *out, const pp_image *in);
void pp_pil_posterize(pp_image *out, const pp_image *in, int bits);
void pp_pil_solarize(pp_image *out, const pp_image *in, int threshold);
/* Image.transform(size, AFFINE, (a, b, c, d, e, f), BILINEAR): output pixel
 * centre (x + 1/2, y + 1/2) samples the input at (a x' + b y' + c, d x' + e y' + f). */
void pp_pil_affine(pp_image *out, const pp_image *in, const double m[6]);
/* Image.rotate(degrees, BILINEAR): counter-clockwise about (W/2, H/2). */
void pp_pil_rotate(pp_image *out, const pp_image *in, double degrees);

#endif

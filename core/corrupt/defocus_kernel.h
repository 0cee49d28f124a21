/* The defocus disk kernel, shared with the tests (which check its sum and shape). */
#ifndef PP_DEFOCUS_KERNEL_H
#define PP_DEFOCUS_KERNEL_H

#include "../status.h"

/* imagecorruptions' disk(radius, alias_blur): a 0/1 disk x^2 + y^2 <= r^2 on a grid of
 * half-width max(8, ceil(r)), normalised to sum 1, then smoothed by a cv2.GaussianBlur
 * (3x3 for r <= 8, else 5x5; reflect-101 at the kernel's edge) and not renormalised.
 * Returns the malloc'd (side, side) kernel. */
float *pp_defocus_kernel(double radius, double alias_sigma, int *side, pp_error *err);
/* That anti-alias Gaussian's taps (cv2.getGaussianKernel): writes and returns ks (3 or 5). */
int pp_defocus_alias_taps(double radius, double alias_sigma, double g[5]);

#endif

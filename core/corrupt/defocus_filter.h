/* cv2.filter2D with the defocus kernel (border reflect-101), in O(disk rows) per pixel
 * instead of O(kernel cells). The kernel K is the anti-alias Gaussian G (separable)
 * applied to a uniform disk D, so  P (x) K = G (x) (D (x) P)  plus a residual R = K -
 * G (x) D, which is zero except where the reference's kernel grid cut the blurred disk
 * (a disk touching the grid's edge, r >= 8): a few dozen taps done directly. D (x) P
 * is a sum of row spans, two reads of a row's prefix sums per disk row. The prefix sums
 * are floats: a span's sum then carries the rounding of the row's running total, about
 * 1e-7 of the row's width in range units (1e-6 of an 8-bit step at 224 px, 1e-4 at
 * 4096), far below the 8-bit output's step. */
#ifndef PP_DEFOCUS_FILTER_H
#define PP_DEFOCUS_FILTER_H

#include "../status.h"

typedef struct pp_defocus_filter pp_defocus_filter;

/* The split of pp_defocus_kernel(radius, alias_sigma); NULL with err set on failure. */
pp_defocus_filter *pp_defocus_filter_new(double radius, double alias_sigma, pp_error *err);
void pp_defocus_filter_free(pp_defocus_filter *f);
/* Taps of R kept (tests: none below r = 8). */
int pp_defocus_filter_residual_taps(const pp_defocus_filter *f);

/* dst = src correlated with the kernel, reflect-101 borders; src != dst. _plane by the
 * spans always; _apply directly (pp_filter_2d) where the kernel has few non-zero taps. */
pp_status pp_defocus_filter_apply(const pp_defocus_filter *f, const float *src /* (h, w) */,
                                  float *dst /* (h, w) */, int h, int w, pp_error *err);
pp_status pp_defocus_filter_plane(const pp_defocus_filter *f, const float *src /* (h, w) */,
                                  float *dst /* (h, w) */, int h, int w, pp_error *err);

#endif

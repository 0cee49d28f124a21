/* Linear filters and resamplers shared by the corruptions, each matching the library
 * call the reference uses (named per function). Planes are (h, w) floats. */
#ifndef PP_CORRUPT_FILTER_H
#define PP_CORRUPT_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "../status.h"

typedef enum {
    PP_BORDER_NEAREST,    /* aaa|abcd|ddd   (scipy 'nearest', edge replicate) */
    PP_BORDER_REFLECT,    /* cba|abcd|dcb   (scipy 'reflect', half-sample symmetric) */
    PP_BORDER_REFLECT101, /* dcb|abcd|cba   (OpenCV's default) */
    PP_BORDER_WRAP,       /* bcd|abcd|abc   (periodic) */
} pp_border;

/* The thread count of the filters below on the calling thread (their loops over
 * planes of 512x512 and more; smaller ones run on one): pp_corruption_apply sets
 * its request's count for the duration of the call and restores the previous
 * one (returned here). Thread-local, so concurrent callers never share it. */
int pp_filter_threads_scope(int threads);
/* The threads of a loop over an image of `pixels` under that scope (1 below 512x512). */
int pp_filter_loop_threads(size_t pixels);

/* Maps any integer coordinate into [0, n); the inside case inline (the filters ask
 * per tap). */
int pp_border_index_outside(int i, int n, pp_border mode);
static inline int pp_border_index(int i, int n, pp_border mode)
{
    return i >= 0 && i < n ? i : pp_border_index_outside(i, n, mode);
}

/* scipy/skimage Gaussian: radius int(truncate * sigma + 0.5), weights normalised to 1.
 * Writes 2 * radius + 1 taps into k (room for max_taps) and returns the radius, or -1
 * if it does not fit. sigma <= 0 gives the 1-tap identity. */
int pp_gaussian_kernel(double sigma, double truncate, float *k, int max_taps);

/* Separable correlation of a plane, rows then columns, same kernel (2r+1 taps) on both
 * axes (skimage.filters.gaussian per channel). In-place allowed (src == dst). */
pp_status pp_filter_separable(const float *src /* (h, w) */, float *dst /* (h, w) */, int h, int w,
                              const float *k, int radius, pp_border mode, pp_error *err);
/* o[x] = sum over t of k[t] * p[t][x] for x < w: the taps in order and unfused, so the
 * bits of a tap-by-tap loop over the row (p[t]: a row per tap, or one row shifted). */
void pp_correlate_row(float *o /* (w) */, int w, const float *const *p /* (taps) */, const float *k /* (taps) */,
                      int taps);
/* skimage.filters.gaussian(sigma, mode, truncate) on a plane. */
pp_status pp_gaussian_plane(const float *src /* (h, w) */, float *dst /* (h, w) */, int h, int w,
                            double sigma, double truncate, pp_border mode, pp_error *err);

/* cv2.filter2D: 2-D correlation with a (kh, kw) kernel (odd sides, anchor at the centre). */
pp_status pp_filter_2d(const float *src /* (h, w) */, float *dst /* (h, w) */, int h, int w,
                       const float *k /* (kh, kw) */, int kh, int kw, pp_border mode, pp_error *err);

/* imagecorruptions' _motion_blur: one-sided Gaussian taps along the angle (degrees, x
 * right, y down), edge-replicated shifts, taps dropped once a shift reaches the image
 * size (not renormalised). Returns the number of taps used. */
int pp_motion_kernel(double radius, double sigma, double *w, int max_taps);
pp_status pp_motion_blur_plane(const float *src /* (h, w) */, float *dst /* (h, w) */, int h,
                               int w, double radius, double sigma, double angle_deg,
                               pp_error *err);

/* imagecorruptions' clipped_zoom: crop the central ceil(h/z) x ceil(w/z) block and
 * up-sample it by z with scipy.ndimage.zoom(order=1) (corner-aligned bilinear) to
 * round(ch*z) x round(cw*z); writes its top-left (out_h, out_w) corner (which must fit),
 * or adds it into dst (add). Each of `planes` planes alike (the axes worked out once). */
void pp_zoom_layer_size(int h, int w, double z, int *zh, int *zw);
void pp_clipped_zoom_planes(const float *src /* (planes, h, w) */, int planes, int h, int w, double z,
                            float *dst /* (planes, out_h, out_w) */, int out_h, int out_w, bool add);

#endif

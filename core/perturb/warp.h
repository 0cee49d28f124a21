/* The geometric warps of the perturbation generators, each as the library call the
 * official script makes: torchvision 0.2's functional.affine (PIL Image.transform with
 * the inverse matrix) and cv2.warpPerspective. Both write only a window of the full
 * src-sized result: out's pixel (x, y) is pixel (x + ox, y + oy) of the warped image,
 * so a warp followed by CenterCrop(224) costs the crop's pixels only. With AVX2 both
 * take four interior RGB pixels at a time, with the same arithmetic per lane, so the
 * results are the same bytes either way. */
#ifndef PP_PERTURB_WARP_H
#define PP_PERTURB_WARP_H

#include <stdbool.h>

#include "../image/image.h"

/* torchvision 0.2 _get_inverse_affine_matrix for an image of w x h (centre
 * (w/2 + 0.5, h/2 + 0.5)): the output -> input map PIL applies at pixel centres.
 * Angles and shear in degrees, translation in pixels. */
void pp_affine_inverse_matrix(int w, int h, double angle, double tx, double ty, double scale, double shear,
                              double m[6]);

/* PIL Image.transform(size, AFFINE, m, NEAREST or BILINEAR) with fill 0. */
void pp_warp_affine(const pp_image *src, const double m[6], bool bilinear, int ox, int oy, pp_image *out);

/* cv2.warpPerspective(src, mat, src size): INTER_LINEAR, BORDER_CONSTANT 0; mat maps
 * source to destination (OpenCV inverts it), 3 x 3 row-major. Coordinates are
 * quantised to 1/32 pixel and weights to 15 bits as OpenCV does. */
void pp_warp_perspective(const pp_image *src, const double mat[9], int ox, int oy, pp_image *out);

/* torchvision CenterCrop's offset: int(round((size - crop) / 2)), ties to even. */
int pp_center_crop_offset(int size, int crop);

#endif

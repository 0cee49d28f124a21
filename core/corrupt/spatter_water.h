/* The water branch of spatter's mask (Canny, chamfer distance, equalise, emboss),
 * shared with the spatter perturbation sequence, which renders it every frame. */
#ifndef PP_SPATTER_WATER_H
#define PP_SPATTER_WATER_H

#include <stdint.h>

/* m (h, w) in [0, 1] from the thresholded liquid layer (h, w); t1, t2 are (h, w)
 * float scratch, u8 (h, w) byte scratch. */
void pp_spatter_water_mask(const float *liquid, float *m, float *t1, float *t2, uint8_t *u8, int h, int w);

#endif

/* The inhibition lab: one PushPull unit built by hand (a Gabor push kernel,
 * its pull kernel by the paper's rule, alpha and the pull pooling) applied to
 * a grayscale photograph, clean and corrupted, through the engine's own unit
 * (pushpull.h). No trained model is involved. */
#ifndef PP_PUSHPULL_LAB_H
#define PP_PUSHPULL_LAB_H

#include "analysis/gabor.h"
#include "image/image.h"
#include "status.h"

typedef struct {
    pp_gabor gabor; /* the push kernel W */
    float alpha;    /* inhibition strength, >= 0 */
    int avg;        /* pull pooling: 0, 3 or 5 */
    int threads;    /* the caller's thread count (< 1 runs on one) */
} pp_lab_unit;

/* Responses of one input: (height, width) planes, the input in [0, 1] gray.
 * The planes are the interior of the image: a margin of size/2 + avg/2 pixels
 * is cut from every side, where the unit's zero padding would answer the
 * photo's border rather than its content. */
typedef struct {
    float *input; /* the gray input the unit saw */
    float *push;  /* relu(conv(x, W)) */
    float *pull;  /* relu(avgpool(conv(x, P))) */
    float *out;   /* relu(push) - alpha relu(pull) (no bias) */
} pp_lab_planes;

typedef struct {
    int width, height, size; /* the planes' size (the photo's less 2 margins), the kernel's side */
    int margin;
    float *kernel_push, *kernel_pull; /* (size, size) W and P = -W + (max W + min W) */
    pp_lab_planes clean, corrupted;
    /* SNR in dB of each response of the corrupted input against the clean one
     * (analysis/snr.h); +inf when the two inputs are equal. */
    double snr_push, snr_pull, snr_out;
    /* c = max W + min W: the pull kernel's offset. conv(x, P) = c * (window
     * sum of x) - conv(x, W), so a large |c| makes the pull response follow
     * the local brightness, which zero-mean noise hardly changes. */
    float pull_offset;
} pp_lab_result;

/* clean and corrupted: the same size, any channels (converted to gray); each
 * side longer than 2 margins. */
pp_status pp_lab_run(pp_lab_result *r, const pp_lab_unit *u, const pp_image *clean, const pp_image *corrupted,
                     pp_error *err);
void pp_lab_result_free(pp_lab_result *r);

#endif

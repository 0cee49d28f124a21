/* Gabor kernels, sampled as OpenCV's cv::getGaborKernel does (so a learner
 * can check them against cv2): for x, y in [-size/2, size/2],
 *   x' =  x cos(theta) + y sin(theta),   y' = -x sin(theta) + y cos(theta)
 *   g(x, y) = exp(-(x'^2 + gamma^2 y'^2) / (2 sigma^2)) cos(2 pi x' / lambda + psi)
 * stored at row size/2 - y, column size/2 - x (OpenCV's layout). */
#ifndef PP_ANALYSIS_GABOR_H
#define PP_ANALYSIS_GABOR_H

typedef struct {
    int size;          /* odd side, 1..63 */
    double theta;      /* orientation of the normal to the stripes, radians */
    double lambda;     /* wavelength in pixels (1 / spatial frequency), > 0 */
    double psi;        /* phase offset, radians */
    double sigma;      /* Gaussian envelope's standard deviation in pixels, > 0 */
    double gamma;      /* spatial aspect ratio (1: round envelope) */
} pp_gabor;

#define PP_GABOR_MAX_SIZE 63

/* out: (size, size). Returns 0, or -1 when a parameter is out of range. */
int pp_gabor_kernel(float *out, const pp_gabor *g);

/* The envelope the lab uses for a wavelength: sigma = 0.56 lambda (a one-octave
 * bandwidth), capped at size / 4 so the kernel window holds +-2 sigma. */
double pp_gabor_default_sigma(double lambda, int size);

#endif

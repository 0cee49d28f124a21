#include "defocus_kernel.h"

#include <math.h>
#include <stdlib.h>

#include "filter.h"

int pp_defocus_alias_taps(double radius, double alias_sigma, double g[5])
{
    /* cv2.getGaussianKernel(ksize, sigma) for sigma > 0; sigma 0 here means no smoothing */
    int ks = radius <= 8 ? 3 : 5, r = ks / 2;
    double gs = 0;
    for (int i = 0; i < ks; i++) {
        g[i] = alias_sigma > 0 ? exp(-(double)(i - r) * (i - r) / (2 * alias_sigma * alias_sigma))
                               : (i == r);
        gs += g[i];
    }
    for (int i = 0; i < ks; i++)
        g[i] /= gs;
    return ks;
}

float *pp_defocus_kernel(double radius, double alias_sigma, int *side, pp_error *err)
{
    if (!(radius >= 0 && radius <= 1024)) {
        pp_fail(err, PP_ERR_ARG, "defocus radius %g is outside [0, 1024]", radius);
        return NULL;
    }
    int half = radius <= 8 ? 8 : (int)ceil(radius);
    int n = 2 * half + 1;
    float *disk = malloc(sizeof(float) * n * n), *k = malloc(sizeof(float) * n * n);
    if (!disk || !k) {
        free(disk), free(k);
        pp_fail(err, PP_ERR_NOMEM, "out of memory for a defocus kernel");
        return NULL;
    }
    double count = 0;
    for (int y = -half; y <= half; y++)
        for (int x = -half; x <= half; x++)
            count += (x * x + y * y <= radius * radius);
    for (int y = -half; y <= half; y++)
        for (int x = -half; x <= half; x++)
            disk[(y + half) * n + x + half] = (x * x + y * y <= radius * radius) ? (float)(1.0 / count) : 0.f;
    double g[5];
    int ks = pp_defocus_alias_taps(radius, alias_sigma, g), r = ks / 2;
    float *tmp = malloc(sizeof(float) * n * n);
    if (!tmp) {
        free(disk), free(k);
        pp_fail(err, PP_ERR_NOMEM, "out of memory for a defocus kernel");
        return NULL;
    }
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            double s = 0;
            for (int i = 0; i < ks; i++)
                s += g[i] * disk[y * n + pp_border_index(x + i - r, n, PP_BORDER_REFLECT101)];
            tmp[y * n + x] = (float)s;
        }
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            double s = 0;
            for (int i = 0; i < ks; i++)
                s += g[i] * tmp[pp_border_index(y + i - r, n, PP_BORDER_REFLECT101) * n + x];
            k[y * n + x] = (float)s;
        }
    free(disk), free(tmp);
    *side = n;
    return k;
}

#include "gabor.h"

#include <math.h>
#include <stddef.h>

int pp_gabor_kernel(float *out, const pp_gabor *g)
{
    if (!out || !g || g->size < 1 || g->size > PP_GABOR_MAX_SIZE || g->size % 2 == 0 || !(g->lambda > 0) ||
        !(g->sigma > 0) || !(g->gamma > 0))
        return -1;
    const int half = g->size / 2;
    const double c = cos(g->theta), s = sin(g->theta);
    const double ex = -0.5 / (g->sigma * g->sigma);
    const double ey = -0.5 * g->gamma * g->gamma / (g->sigma * g->sigma);
    const double k = 2.0 * M_PI / g->lambda;
    for (int y = -half; y <= half; y++)
        for (int x = -half; x <= half; x++) {
            double xr = x * c + y * s, yr = -x * s + y * c;
            double v = exp(ex * xr * xr + ey * yr * yr) * cos(k * xr + g->psi);
            out[(size_t)(half - y) * g->size + (half - x)] = (float)v;
        }
    return 0;
}

double pp_gabor_default_sigma(double lambda, int size)
{
    double sigma = 0.56 * lambda, cap = size / 4.0;
    return sigma < cap ? sigma : cap;
}

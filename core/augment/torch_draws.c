#include "torch_draws.h"

#include <float.h>
#include <math.h>

int pp_torch_randint(pp_mt19937 *mt, int n)
{
    return (int)(pp_mt_u32(mt) % (uint32_t)n);
}

float pp_torch_rand_float(pp_mt19937 *mt)
{
    return (float)((double)(pp_mt_u32(mt) & 0xFFFFFFu) * 0x1.0p-24);
}

double pp_torch_uniform_double(pp_mt19937 *mt)
{
    uint64_t hi = pp_mt_u32(mt), lo = pp_mt_u32(mt);
    return (double)(((hi << 32) | lo) & ((1ull << 53) - 1)) * 0x1.0p-53;
}

double pp_torch_normal(pp_mt19937 *mt)
{
    if (mt->has_normal) {
        mt->has_normal = false;
        return mt->normal;
    }
    double u1 = pp_torch_uniform_double(mt), u2 = pp_torch_uniform_double(mt);
    double r = sqrt(-2.0 * log(1.0 - u2)), theta = 2.0 * M_PI * u1;
    mt->normal = r * sin(theta);
    mt->has_normal = true;
    return r * cos(theta);
}

/* sample_gamma<double> for alpha >= 1 (the boost step for alpha < 1 is not needed here) */
static double gamma_sample(pp_mt19937 *mt, double alpha)
{
    const double d = alpha - (double)(1.0f / 3.0f);
    const double c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x, y;
        do {
            x = pp_torch_normal(mt);
            y = 1.0 + c * x;
        } while (y <= 0);
        const double v = y * y * y;
        const double u = 1 - pp_torch_uniform_double(mt);
        const double xx = x * x;
        if (u < 1.0 - (double)0.0331f * xx * xx)
            return d * v;
        if (log(u) < 0.5 * xx + d * (1.0 - v + log(v)))
            return d * v;
    }
}

void pp_torch_dirichlet(pp_mt19937 *mt, const float *alpha, int k, float *out)
{
    double g[16], sum = 0;
    for (int i = 0; i < k && i < 16; i++) {
        g[i] = fmax(DBL_MIN, gamma_sample(mt, alpha[i]));
        sum += g[i];
    }
    const float top = nextafterf(1.0f, 0.0f);
    for (int i = 0; i < k && i < 16; i++) {
        float v = (float)(g[i] / sum);
        out[i] = fminf(top, fmaxf(FLT_MIN, v));
    }
}

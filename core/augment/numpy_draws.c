#include "numpy_draws.h"

#include <math.h>

double pp_np_random(pp_mt19937 *mt)
{
    uint32_t a = pp_mt_u32(mt) >> 5, b = pp_mt_u32(mt) >> 6;
    return ((double)a * 67108864.0 + (double)b) / 9007199254740992.0;
}

double pp_np_uniform(pp_mt19937 *mt, double lo, double hi)
{
    return lo + (hi - lo) * pp_np_random(mt);
}

int pp_np_randint(pp_mt19937 *mt, int lo, int hi)
{
    uint32_t range = (uint32_t)(hi - lo - 1);
    if (range == 0)
        return lo;
    uint32_t mask = range;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    uint32_t v;
    do
        v = pp_mt_u32(mt) & mask;
    while (v > range);
    return lo + (int)v;
}

void pp_np_dirichlet_ones(pp_mt19937 *mt, double *out, int k)
{
    double sum = 0;
    for (int i = 0; i < k; i++) {
        out[i] = -log(1.0 - pp_np_random(mt)); /* legacy standard_gamma(1) */
        sum += out[i];
    }
    double inv = 1.0 / sum;
    for (int i = 0; i < k; i++)
        out[i] *= inv;
}

double pp_np_beta_one_one(pp_mt19937 *mt)
{
    for (;;) {
        double u = pp_np_random(mt), v = pp_np_random(mt);
        /* legacy_beta with a = b = 1: X = U^(1/a), Y = V^(1/b) */
        double x = pow(u, 1.0), y = pow(v, 1.0), s = x + y;
        if (s <= 1.0 && s > 0.0)
            return x / s;
    }
}

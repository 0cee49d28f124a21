#include "model_init.h"

#include <math.h>
#include <string.h>

#include "rng.h"

static double normal(uint64_t key, uint64_t i)
{
    /* Box-Muller from two independent uniforms of the counter-based stream. */
    double u1 = pp_rng_uniform(key, 2 * i), u2 = pp_rng_uniform(key, 2 * i + 1);
    return sqrt(-2.0 * log(u1 > 1e-300 ? u1 : 1e-300)) * cos(2 * M_PI * u2);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

void pp_model_init_random(pp_model *m, uint64_t seed)
{
    for (int i = 0; i < m->param_count; i++) {
        pp_param *p = &m->params[i];
        uint64_t key = pp_rng_key(seed, (uint64_t)i);
        int64_t n = pp_shape_numel(p->ndim, p->shape);
        if (ends_with(p->name, ".filt"))
            continue; /* BlurPool filters: fixed binomials, set by the builder */
        if (ends_with(p->name, ".noise")) { /* PNN's fixed masks: U(-1, 1), pnn.pytorch's noise_type uniform */
            for (int64_t k = 0; k < n; k++)
                p->data[k] = (float)(2 * pp_rng_uniform(key, (uint64_t)k) - 1);
            continue;
        }
        if (m->arch.pp2020 && p->data == m->pp2020.alpha) {
            /* the 2020 layer's trained alpha [1, K, 1, 1]: U(0.5 - r, 0.5 + r), r = 1/sqrt(C K), as PPmodule2d */
            const double r = 1.0 / sqrt((double)m->arch.in_channels * m->arch.width);
            for (int64_t k = 0; k < n; k++)
                p->data[k] = (float)(0.5 + (2 * pp_rng_uniform(key, (uint64_t)k) - 1) * r);
        } else if (p->ndim == 4) {
            /* Kaiming normal, mode fan_out: std = sqrt(2 / (out * kh * kw)) */
            double std = sqrt(2.0 / (double)(p->shape[0] * p->shape[2] * p->shape[3]));
            for (int64_t k = 0; k < n; k++)
                p->data[k] = (float)(std * normal(key, (uint64_t)k));
        } else if (p->data == m->fc_weight || p->data == m->fc_bias) { /* the classifier, whatever its name */
            double bound = 1.0 / sqrt((double)m->params[i - (p->ndim == 1)].shape[1]);
            for (int64_t k = 0; k < n; k++)
                p->data[k] = (float)((2 * pp_rng_uniform(key, (uint64_t)k) - 1) * bound);
        } else if (ends_with(p->name, ".pull_inhibition_strength")) {
            for (int64_t k = 0; k < n; k++)
                p->data[k] = (float)pp_rng_uniform(key, (uint64_t)k);
        } else if (strcmp(p->name, "conv1.bias") == 0) {
            for (int64_t k = 0; k < n; k++)
                p->data[k] = m->arch.push_pull ? (float)(2 * pp_rng_uniform(key, (uint64_t)k) - 1) : 0.0f;
        } else if (ends_with(p->name, ".running_var") || (ends_with(p->name, ".weight") && p->ndim == 1)) {
            for (int64_t k = 0; k < n; k++)
                p->data[k] = 1.0f; /* BN weight and running variance */
        } else {
            memset(p->data, 0, sizeof(float) * (size_t)n); /* BN bias, running mean */
        }
    }
    pp_model_prepare(m);
}

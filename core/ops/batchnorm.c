#include "batchnorm.h"

#include <immintrin.h>
#include <math.h>
#include <omp.h>

#include "../cpu.h"
#include "../threads.h"
#include "relu.h"

void pp_batchnorm_fold(float *scale, float *shift, const float *gamma, const float *beta,
                       const float *mean, const float *var, float eps, int channels)
{
    for (int c = 0; c < channels; c++) {
        /* double for the rsqrt so tiny variances do not lose precision */
        double s = (double)gamma[c] / sqrt((double)var[c] + eps);
        scale[c] = (float)s;
        shift[c] = (float)((double)beta[c] - (double)mean[c] * s);
    }
}

void pp_batchnorm_forward(float *x, const float *gamma, const float *beta, const float *mean,
                          const float *var, float eps, int channels, size_t plane, int threads)
{
#pragma omp parallel for schedule(static) num_threads(pp_threads_clamp(threads))
    for (int c = 0; c < channels; c++) {
        float s = (float)((double)gamma[c] / sqrt((double)var[c] + eps));
        float t = beta[c] - mean[c] * s;
        float *p = x + (size_t)c * plane;
        for (size_t i = 0; i < plane; i++)
            p[i] = p[i] * s + t;
    }
}

void pp_batchnorm_eval_apply(float *y, const float *x, const float *scale, const float *shift, bool relu,
                             int channels, size_t plane, int threads)
{
    const size_t total = (size_t)channels * plane;
    const int nt = pp_threads_clamp(threads);
    /* split by values, not channels: a few wide channels still use every thread */
#pragma omp parallel num_threads(nt)
    {
        const int t = omp_get_thread_num(), count = omp_get_num_threads();
        const size_t begin = total * t / count, end = total * (t + 1) / count;
        for (size_t at = begin; at < end;) {
            const int c = (int)(at / plane);
            const size_t stop = (size_t)(c + 1) * plane < end ? (size_t)(c + 1) * plane : end;
            const float a = scale[c], b = shift[c];
            if (relu)
                for (size_t i = at; i < stop; i++)
                    y[i] = pp_relu(x[i] * a + b);
            else
                for (size_t i = at; i < stop; i++)
                    y[i] = x[i] * a + b;
            at = stop;
        }
    }
}

/* ---- backward ---- */

/* Plane sums in double for accuracy, over LANES independent accumulators: one
 * running sum would be a chain of dependent additions the compiler may not
 * reorder (and BN was a tenth of a training step that way). */
#define LANES 16

static double sum_plane(const float *x, size_t n)
{
    double acc[LANES] = {0}, total = 0;
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int l = 0; l < LANES; l++)
            acc[l] += x[i + l];
    for (; i < n; i++)
        total += x[i];
    for (int l = 0; l < LANES; l++)
        total += acc[l];
    return total;
}

static double squared_deviations(const float *x, size_t n, double mu)
{
    double acc[LANES] = {0}, total = 0;
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int l = 0; l < LANES; l++) {
            double d = x[i + l] - mu;
            acc[l] += d * d;
        }
    for (; i < n; i++)
        total += (x[i] - mu) * (x[i] - mu);
    for (int l = 0; l < LANES; l++)
        total += acc[l];
    return total;
}

/* sum g and sum g * xhat, with g zeroed where the fused ReLU output y was:
 * float partial sums over blocks of BLOCK elements per lane (cheap, and short
 * enough to stay accurate), gathered in double. */
#define BLOCK 64

/* The block sums of gradient_sums below in AVX2 registers (GCC kept the 32
 * float lanes on the stack): the same lanes, operations and order, so the
 * same bits; lanes [0, 8) in the first vector of each pair. */
static size_t gradient_block_sums_avx2(const float *g, const float *y, const float *x, size_t n, float mu,
                                       float is, double *tg, double *tgx)
{
    const __m256 vmu = _mm256_set1_ps(mu), vis = _mm256_set1_ps(is), zero = _mm256_setzero_ps();
    size_t i = 0;
    while (i + LANES <= n) {
        __m256 ag[2] = {zero, zero}, agx[2] = {zero, zero};
        size_t end = i + (size_t)LANES * BLOCK < n ? i + (size_t)LANES * BLOCK : n - (n - i) % LANES;
        for (; i < end; i += LANES)
            for (int v = 0; v < 2; v++) {
                __m256 gi = _mm256_loadu_ps(g + i + 8 * v);
                if (y) /* zero where y <= 0 (a NaN y keeps its gradient, as the plain code) */
                    gi = _mm256_and_ps(gi, _mm256_cmp_ps(_mm256_loadu_ps(y + i + 8 * v), zero, _CMP_NLE_UQ));
                const __m256 xhat = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i + 8 * v), vmu), vis);
                ag[v] = _mm256_add_ps(ag[v], gi);
                agx[v] = _mm256_add_ps(agx[v], _mm256_mul_ps(gi, xhat));
            }
        float lg[LANES], lgx[LANES];
        for (int v = 0; v < 2; v++) {
            _mm256_storeu_ps(lg + 8 * v, ag[v]);
            _mm256_storeu_ps(lgx + 8 * v, agx[v]);
        }
        for (int l = 0; l < LANES; l++)
            *tg += lg[l], *tgx += lgx[l];
    }
    return i;
}

static void gradient_sums(const float *g, const float *y, const float *x, size_t n, float mu, float is,
                          double *sum_g, double *sum_gx)
{
    double tg = 0, tgx = 0;
    size_t i = 0;
    if (pp_cpu_path() >= PP_CPU_AVX2)
        i = gradient_block_sums_avx2(g, y, x, n, mu, is, &tg, &tgx);
    while (i + LANES <= n) {
        float ag[LANES] = {0}, agx[LANES] = {0};
        size_t end = i + (size_t)LANES * BLOCK < n ? i + (size_t)LANES * BLOCK : n - (n - i) % LANES;
        for (; i < end; i += LANES)
            for (int l = 0; l < LANES; l++) {
                float gi = (y && y[i + l] <= 0.0f) ? 0.0f : g[i + l];
                ag[l] += gi;
                agx[l] += gi * ((x[i + l] - mu) * is);
            }
        for (int l = 0; l < LANES; l++)
            tg += ag[l], tgx += agx[l];
    }
    for (; i < n; i++) {
        float gi = (y && y[i] <= 0.0f) ? 0.0f : g[i];
        tg += gi;
        tgx += (double)gi * ((x[i] - mu) * is);
    }
    *sum_g = tg;
    *sum_gx = tgx;
}

void pp_batchnorm_train_forward(float *y, float *mean, float *invstd, const float *x, const float *residual,
                                const float *gamma, const float *beta, float *running_mean, float *running_var,
                                int64_t *num_batches_tracked, float momentum, float eps, bool relu, int channels,
                                size_t plane, int threads)
{
#pragma omp parallel for schedule(static) num_threads(pp_threads_clamp(threads))
    for (int c = 0; c < channels; c++) {
        const float *xc = x + (size_t)c * plane;
        /* two passes in double: the variance of large planes loses digits otherwise */
        const double mu = sum_plane(xc, plane) / (double)plane;
        const double sq = squared_deviations(xc, plane, mu);
        const double var = sq / (double)plane;
        const double is = 1.0 / sqrt(var + eps);
        mean[c] = (float)mu;
        invstd[c] = (float)is;
        const float a = (float)(gamma[c] * is), b = (float)(beta[c] - mu * gamma[c] * is);
        float *yc = y + (size_t)c * plane;
        const float *rc = residual ? residual + (size_t)c * plane : NULL;
        if (rc)
            for (size_t i = 0; i < plane; i++) {
                float v = xc[i] * a + b + rc[i];
                yc[i] = relu && v < 0.0f ? 0.0f : v;
            }
        else
            for (size_t i = 0; i < plane; i++) {
                float v = xc[i] * a + b;
                yc[i] = relu && v < 0.0f ? 0.0f : v;
            }
        if (running_mean)
            running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * (float)mu;
        if (running_var) {
            float unbiased = (float)(sq / (double)(plane - 1));
            running_var[c] = (1.0f - momentum) * running_var[c] + momentum * unbiased;
        }
    }
    if (num_batches_tracked)
        ++*num_batches_tracked;
}

/* One channel's dx pass; with residual_grad (rg), the ReLU-masked dy
 * (y > 0 ? dy : 0: a NaN y passes nothing, as the separate pass did) written
 * (fresh) or added there too. Always inlined with constant flags, so each
 * form is its own vector loop. */
static inline __attribute__((always_inline)) void dx_pass(float *dxc, float *rg, const float *g, const float *yc,
                                                          const float *xc, size_t plane, float mu, float is, float k,
                                                          float mg, float mgx, const bool masked, const bool residual,
                                                          const bool fresh)
{
    for (size_t i = 0; i < plane; i++) {
        const float gi = (masked && yc[i] <= 0.0f) ? 0.0f : g[i];
        const float xhat = (xc[i] - mu) * is;
        const float passed = residual ? (yc[i] > 0.0f ? g[i] : 0.0f) : 0.0f;
        dxc[i] = k * (gi - mg - xhat * mgx);
        if (residual)
            rg[i] = fresh ? passed : rg[i] + passed;
    }
}

static void train_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *y, const float *x,
                           const float *mean, const float *invstd, const float *gamma, float *residual_grad,
                           bool residual_fresh, int channels, size_t plane, int threads)
{
#pragma omp parallel for schedule(static) num_threads(pp_threads_clamp(threads))
    for (int c = 0; c < channels; c++) {
        const float *g = dy + (size_t)c * plane, *xc = x + (size_t)c * plane;
        const float *yc = y ? y + (size_t)c * plane : NULL;
        const float mu = mean[c], is = invstd[c];
        double sum_g, sum_gx; /* sum dy, sum dy * xhat */
        gradient_sums(g, yc, xc, plane, mu, is, &sum_g, &sum_gx);
        if (dbeta)
            dbeta[c] += (float)sum_g;
        if (dgamma)
            dgamma[c] += (float)sum_gx;
        /* dx = gamma * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)) */
        const float k = gamma[c] * is;
        const float mg = (float)(sum_g / (double)plane), mgx = (float)(sum_gx / (double)plane);
        float *dxc = dx + (size_t)c * plane;
        float *rg = residual_grad ? residual_grad + (size_t)c * plane : NULL;
        if (rg && residual_fresh)
            dx_pass(dxc, rg, g, yc, xc, plane, mu, is, k, mg, mgx, true, true, true);
        else if (rg)
            dx_pass(dxc, rg, g, yc, xc, plane, mu, is, k, mg, mgx, true, true, false);
        else if (yc)
            dx_pass(dxc, NULL, g, yc, xc, plane, mu, is, k, mg, mgx, true, false, false);
        else
            dx_pass(dxc, NULL, g, NULL, xc, plane, mu, is, k, mg, mgx, false, false, false);
    }
}

void pp_batchnorm_train_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *y,
                                 const float *x, const float *mean, const float *invstd, const float *gamma,
                                 int channels, size_t plane, int threads)
{
    train_backward(dx, dgamma, dbeta, dy, y, x, mean, invstd, gamma, NULL, false, channels, plane, threads);
}

void pp_batchnorm_train_backward_residual(float *dx, float *dgamma, float *dbeta, const float *dy, const float *y,
                                          const float *x, const float *mean, const float *invstd, const float *gamma,
                                          float *residual_grad, bool residual_fresh, int channels, size_t plane,
                                          int threads)
{
    train_backward(dx, dgamma, dbeta, dy, y, x, mean, invstd, gamma, residual_grad, residual_fresh, channels, plane,
                   threads);
}

void pp_batchnorm_eval_backward(float *dx, const float *dy, const float *y, const float *scale, int channels,
                                size_t plane, int threads)
{
#pragma omp parallel for schedule(static) num_threads(pp_threads_clamp(threads))
    for (int c = 0; c < channels; c++) {
        const float s = scale[c];
        const float *g = dy + (size_t)c * plane;
        const float *out = y ? y + (size_t)c * plane : NULL;
        float *d = dx + (size_t)c * plane;
        for (size_t p = 0; p < plane; p++)
            d[p] = out && !(out[p] > 0.0f) ? 0.0f : g[p] * s;
    }
}

#include "squeeze_excite.h"

#include "silu.h"

/* The two small products of the gates, sample by sample over contiguous
 * rows (the weights are row-major, so each output is one dot product):
 * z1 = W1 s + b1, e = sigmoid(W2 silu(z1) + b2). s, z1 and e are (rows, N). */
static void excite(float *z1, float *e, const float *s, const pp_squeeze_excite *se, int n, float *column)
{
    const int C = se->channels, S = se->squeeze;
    float *sc = column, *rc = column + C; /* one sample's s (C) and silu(z1) (S) */
    for (int i = 0; i < n; i++) {
        for (int c = 0; c < C; c++)
            sc[c] = s[(size_t)c * n + i];
        for (int j = 0; j < S; j++) {
            const float *w1 = se->w1 + (size_t)j * C;
            float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
            for (int c = 0; c < C; c++)
                acc += w1[c] * sc[c];
            z1[(size_t)j * n + i] = acc + se->b1[j];
            rc[j] = pp_silu(acc + se->b1[j]);
        }
        for (int c = 0; c < C; c++) {
            const float *w2 = se->w2 + (size_t)c * S;
            float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
            for (int j = 0; j < S; j++)
                acc += w2[j] * rc[j];
            e[(size_t)c * n + i] = pp_sigmoid(acc + se->b2[c]);
        }
    }
}

/* s (the means), z1 (pre-activation of the reduce) and e for x. */
static void gates(float *s, float *z1, float *e, const float *x, const pp_squeeze_excite *se, int n, size_t hw,
                  float *column, int threads)
{
    const int C = se->channels;
#pragma omp parallel for schedule(static) num_threads(threads)
    for (long p = 0; p < (long)C * n; p++) {
        const float *xp = x + (size_t)p * hw;
        double acc = 0.0;
        for (size_t i = 0; i < hw; i++)
            acc += xp[i];
        s[p] = (float)(acc / (double)hw);
    }
    excite(z1, e, s, se, n, column);
}

static void scale_planes(float *y, const float *x, const float *e, int planes, size_t hw, int threads)
{
#pragma omp parallel for schedule(static) num_threads(threads)
    for (long p = 0; p < (long)planes; p++) {
        const float g = e[p];
        const float *xp = x + (size_t)p * hw;
        float *yp = y + (size_t)p * hw;
#pragma omp simd
        for (size_t i = 0; i < hw; i++)
            yp[i] = xp[i] * g;
    }
}

/* The scratch: s, e (C, N); z1, dz1 (S, N); de, ds (C, N); a sample's column (C + S). */
size_t pp_se_scratch_floats(const pp_squeeze_excite *se, int n)
{
    return (size_t)n * (4 * (size_t)se->channels + 2 * (size_t)se->squeeze) + se->channels + se->squeeze;
}

static float *column_scratch(float *scratch, const pp_squeeze_excite *se, int n)
{
    return scratch + (size_t)n * (4 * (size_t)se->channels + 2 * (size_t)se->squeeze);
}

void pp_se_forward(float *y, const float *x, const pp_squeeze_excite *se, int n, size_t hw, float *scratch,
                   int threads)
{
    const int C = se->channels;
    float *s = scratch, *e = s + (size_t)C * n, *z1 = e + (size_t)C * n;
    gates(s, z1, e, x, se, n, hw, column_scratch(scratch, se, n), threads);
    scale_planes(y, x, e, C * n, hw, threads);
}

void pp_se_forward_pooled(float *y, const float *x, const float *plane_sums, const pp_squeeze_excite *se, int n,
                          size_t hw, float *scratch, int threads)
{
    const int C = se->channels;
    float *s = scratch, *e = s + (size_t)C * n, *z1 = e + (size_t)C * n;
    for (long p = 0; p < (long)C * n; p++)
        s[p] = (float)((double)plane_sums[p] / (double)hw);
    excite(z1, e, s, se, n, column_scratch(scratch, se, n));
    scale_planes(y, x, e, C * n, hw, threads);
}

void pp_se_backward(float *dx, float *dw1, float *db1, float *dw2, float *db2, const float *dy, const float *x,
                    const pp_squeeze_excite *se, int n, size_t hw, float *scratch, int threads)
{
    const int C = se->channels, S = se->squeeze;
    float *s = scratch, *e = s + (size_t)C * n, *z1 = e + (size_t)C * n, *dz1 = z1 + (size_t)S * n;
    float *de = dz1 + (size_t)S * n, *ds = de + (size_t)C * n;
    gates(s, z1, e, x, se, n, hw, column_scratch(scratch, se, n), threads);
    /* de = sum_hw dy * x, then through the sigmoid: dz2 = de e (1 - e) (kept in de) */
#pragma omp parallel for schedule(static) num_threads(threads)
    for (long p = 0; p < (long)C * n; p++) {
        const float *g = dy + (size_t)p * hw, *xp = x + (size_t)p * hw;
        double acc = 0.0;
        for (size_t i = 0; i < hw; i++)
            acc += (double)g[i] * xp[i];
        de[p] = (float)acc * e[p] * (1.0f - e[p]);
    }
    for (int j = 0; j < S; j++)
        for (int i = 0; i < n; i++) {
            const float z = z1[(size_t)j * n + i], sg = pp_sigmoid(z);
            float acc = 0.0f;
            for (int c = 0; c < C; c++)
                acc += se->w2[(size_t)c * S + j] * de[(size_t)c * n + i];
            dz1[(size_t)j * n + i] = acc * (sg + z * sg * (1.0f - sg));
        }
    if (dw2 || db2)
        for (int c = 0; c < C; c++)
            for (int i = 0; i < n; i++) {
                const float g = de[(size_t)c * n + i];
                if (db2)
                    db2[c] += g;
                for (int j = 0; dw2 && j < S; j++)
                    dw2[(size_t)c * S + j] += g * pp_silu(z1[(size_t)j * n + i]);
            }
    if (dw1 || db1)
        for (int j = 0; j < S; j++)
            for (int i = 0; i < n; i++) {
                const float g = dz1[(size_t)j * n + i];
                if (db1)
                    db1[j] += g;
                for (int c = 0; dw1 && c < C; c++)
                    dw1[(size_t)j * C + c] += g * s[(size_t)c * n + i];
            }
    if (!dx)
        return;
    for (int c = 0; c < C; c++)
        for (int i = 0; i < n; i++) {
            float acc = 0.0f;
            for (int j = 0; j < S; j++)
                acc += se->w1[(size_t)j * C + c] * dz1[(size_t)j * n + i];
            ds[(size_t)c * n + i] = acc / (float)hw;
        }
#pragma omp parallel for schedule(static) num_threads(threads)
    for (long p = 0; p < (long)C * n; p++) {
        const float g = e[p], m = ds[p];
        const float *gp = dy + (size_t)p * hw;
        float *dxp = dx + (size_t)p * hw;
        for (size_t i = 0; i < hw; i++)
            dxp[i] = gp[i] * g + m;
    }
}

#include "squeeze_excite.h"

#include "silu.h"

size_t pp_se_scratch_floats(const pp_squeeze_excite *se, int n)
{
    /* s and e (C, N); z1 and its gradient (S, N); ds, de (C, N) */
    return (size_t)n * (4 * (size_t)se->channels + 2 * (size_t)se->squeeze);
}

/* s, z1 (pre-activation of the reduce) and e for x. */
static void gates(float *s, float *z1, float *e, const float *x, const pp_squeeze_excite *se, int n, size_t hw,
                  int threads)
{
    const int C = se->channels, S = se->squeeze;
#pragma omp parallel for schedule(static) num_threads(threads)
    for (long p = 0; p < (long)C * n; p++) {
        const float *xp = x + (size_t)p * hw;
        double acc = 0.0;
        for (size_t i = 0; i < hw; i++)
            acc += xp[i];
        s[p] = (float)(acc / (double)hw);
    }
    for (int j = 0; j < S; j++)
        for (int i = 0; i < n; i++) {
            float acc = se->b1[j];
            for (int c = 0; c < C; c++)
                acc += se->w1[(size_t)j * C + c] * s[(size_t)c * n + i];
            z1[(size_t)j * n + i] = acc;
        }
    for (int c = 0; c < C; c++)
        for (int i = 0; i < n; i++) {
            float acc = se->b2[c];
            for (int j = 0; j < S; j++)
                acc += se->w2[(size_t)c * S + j] * pp_silu(z1[(size_t)j * n + i]);
            e[(size_t)c * n + i] = pp_sigmoid(acc);
        }
}

void pp_se_forward(float *y, const float *x, const pp_squeeze_excite *se, int n, size_t hw, float *scratch,
                   int threads)
{
    const int C = se->channels;
    float *s = scratch, *e = s + (size_t)C * n, *z1 = e + (size_t)C * n;
    gates(s, z1, e, x, se, n, hw, threads);
#pragma omp parallel for schedule(static) num_threads(threads)
    for (long p = 0; p < (long)C * n; p++) {
        const float g = e[p];
        const float *xp = x + (size_t)p * hw;
        float *yp = y + (size_t)p * hw;
        for (size_t i = 0; i < hw; i++)
            yp[i] = xp[i] * g;
    }
}

void pp_se_backward(float *dx, float *dw1, float *db1, float *dw2, float *db2, const float *dy, const float *x,
                    const pp_squeeze_excite *se, int n, size_t hw, float *scratch, int threads)
{
    const int C = se->channels, S = se->squeeze;
    float *s = scratch, *e = s + (size_t)C * n, *z1 = e + (size_t)C * n, *dz1 = z1 + (size_t)S * n;
    float *de = dz1 + (size_t)S * n, *ds = de + (size_t)C * n;
    gates(s, z1, e, x, se, n, hw, threads);
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

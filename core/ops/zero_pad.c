#include "zero_pad.h"

#include <string.h>

void pp_zero_pad_forward(float *out, const float *in, const pp_zero_pad *p, size_t planes, int h, int w, int threads)
{
    const int ho = h + p->top + p->bottom, wo = w + p->left + p->right;
#pragma omp parallel for schedule(static) num_threads(threads)
    for (long c = 0; c < (long)planes; c++) {
        float *o = out + (size_t)c * ho * wo;
        memset(o, 0, (size_t)ho * wo * sizeof(float));
        for (int y = 0; y < h; y++)
            memcpy(o + (size_t)(y + p->top) * wo + p->left, in + ((size_t)c * h + y) * w, (size_t)w * sizeof(float));
    }
}

void pp_zero_pad_backward(float *dx, const float *dy, const pp_zero_pad *p, size_t planes, int h, int w, int threads)
{
    const int ho = h + p->top + p->bottom, wo = w + p->left + p->right;
#pragma omp parallel for schedule(static) num_threads(threads)
    for (long c = 0; c < (long)planes; c++)
        for (int y = 0; y < h; y++) {
            const float *g = dy + (size_t)c * ho * wo + (size_t)(y + p->top) * wo + p->left;
            float *d = dx + ((size_t)c * h + y) * w;
            for (int x = 0; x < w; x++)
                d[x] += g[x];
        }
}

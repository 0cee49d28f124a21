#include "noise_masks.h"

#include <stddef.h>

#include "relu.h"

void pp_noise_masks_forward(float *out, const float *in, const pp_noise_masks *l, int n, int threads)
{
    const size_t area = (size_t)l->size * l->size;
    const int m = l->masks;
    const float level = l->level;
    const bool relu = l->relu;
#pragma omp parallel for collapse(2) schedule(static) num_threads(threads)
    for (int c = 0; c < l->channels; c++) {
        for (int j = 0; j < m; j++) {
            const float *mask = l->noise + ((size_t)(l->mask_channels > 1 ? c : 0) * m + j) * area;
            for (int b = 0; b < n; b++) {
                const float *x = in + ((size_t)c * n + b) * area;
                float *y = out + (((size_t)c * m + j) * n + b) * area;
                for (size_t k = 0; k < area; k++) {
                    const float v = x[k] + level * mask[k];
                    y[k] = relu ? pp_relu(v) : v;
                }
            }
        }
    }
}

void pp_noise_masks_backward(float *dx, const float *dy, const float *y, const pp_noise_masks *l, int n,
                             int threads)
{
    const size_t area = (size_t)l->size * l->size, plane = (size_t)n * area;
    const int m = l->masks;
    const bool relu = l->relu;
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int c = 0; c < l->channels; c++) {
        float *g = dx + (size_t)c * plane;
        for (int j = 0; j < m; j++) {
            const float *d = dy + ((size_t)c * m + j) * plane;
            const float *o = y + ((size_t)c * m + j) * plane;
            for (size_t k = 0; k < plane; k++) {
                const float v = relu && !(o[k] > 0.0f) ? 0.0f : d[k];
                g[k] = j ? g[k] + v : v;
            }
        }
    }
}

#include "residual_add.h"

#include "relu.h"

void pp_residual_add_forward(float *out, const float *a, const float *b, size_t count, bool relu, int threads)
{
#pragma omp parallel for schedule(static) num_threads(threads)
    for (size_t i = 0; i < count; i++) {
        const float v = a[i] + b[i];
        out[i] = relu ? pp_relu(v) : v;
    }
}

void pp_residual_add_backward(float *da, float *db, bool db_fresh, const float *dy, const float *y, size_t count,
                              bool relu, int threads)
{
#pragma omp parallel for schedule(static) num_threads(threads)
    for (size_t i = 0; i < count; i++) {
        const float g = relu && !(y[i] > 0.0f) ? 0.0f : dy[i];
        if (db)
            db[i] = db_fresh ? g : db[i] + g;
        if (da)
            da[i] = g;
    }
}

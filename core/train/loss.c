#include "loss.h"

#include <math.h>
#include <stddef.h>

double pp_log_sum_exp(const float *z, int classes)
{
    float hi = z[0];
    for (int o = 1; o < classes; o++)
        hi = z[o] > hi ? z[o] : hi;
    double sum = 0;
    for (int o = 0; o < classes; o++)
        sum += exp((double)z[o] - hi);
    return hi + log(sum);
}

double pp_cross_entropy(float *dlogits, const float *logits, const int32_t *labels, int n, int classes)
{
    double total = 0;
    for (int i = 0; i < n; i++) {
        const float *z = logits + (size_t)i * classes;
        const double lse = pp_log_sum_exp(z, classes);
        total += lse - z[labels[i]];
        if (dlogits) {
            float *d = dlogits + (size_t)i * classes;
            for (int o = 0; o < classes; o++)
                d[o] = (float)((exp((double)z[o] - lse) - (o == labels[i] ? 1.0 : 0.0)) / n);
        }
    }
    return total / n;
}

int pp_top1_correct(const float *logits, const int32_t *labels, int n, int classes)
{
    int correct = 0;
    for (int i = 0; i < n; i++) {
        const float *z = logits + (size_t)i * classes;
        int best = 0;
        for (int o = 1; o < classes; o++)
            if (z[o] > z[best])
                best = o;
        correct += best == labels[i];
    }
    return correct;
}

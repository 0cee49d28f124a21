#include "snr.h"

#include <math.h>

static double ratio_db(double signal, double noise)
{
    if (noise == 0)
        return INFINITY; /* identical responses */
    return 10.0 * log10(signal / noise);
}

double pp_snr_db(const float *clean, const float *noisy, int n, int channels, size_t plane, double *per_channel)
{
    double signal_all = 0, noise_all = 0;
    for (int c = 0; c < channels; c++) {
        double signal = 0, noise = 0;
        for (int img = 0; img < n; img++) {
            const float *a = clean + ((size_t)img * channels + c) * plane;
            const float *b = noisy + ((size_t)img * channels + c) * plane;
            for (size_t i = 0; i < plane; i++) {
                double d = (double)b[i] - a[i];
                signal += (double)a[i] * a[i];
                noise += d * d;
            }
        }
        if (per_channel)
            per_channel[c] = ratio_db(signal, noise);
        signal_all += signal;
        noise_all += noise;
    }
    return ratio_db(signal_all, noise_all);
}

/* First-layer signal-to-noise ratio (docs/spec/pushpull.md, paper Fig. 4): for a
 * clean response r(x) and the response to a corrupted input r(x'),
 *   SNR_dB = 10 log10( sum r(x)^2 / sum (r(x') - r(x))^2 ),
 * pooled over all channels and per channel. Identical responses give +inf;
 * an all-zero clean response gives -inf unless the noise is zero too. */
#ifndef PP_ANALYSIS_SNR_H
#define PP_ANALYSIS_SNR_H

#include <stddef.h>

/* clean, noisy: (N, C, plane) NCHW responses. per_channel: (C) or NULL.
 * Returns the pooled SNR in dB. */
double pp_snr_db(const float *clean, const float *noisy, int n, int channels, size_t plane, double *per_channel);

#endif

/* Spectra of small 2-D kernels: zero-padded n x n FFT magnitude with DC at the
 * centre, log-magnitude in dB, the radially averaged profile and a
 * low/band/high-pass label. No GTK; FFTW float plans are made under a lock and
 * executed with the new-array calls, so every function is thread-safe. */
#ifndef PP_ANALYSIS_SPECTRUM_H
#define PP_ANALYSIS_SPECTRUM_H

#include "status.h"

#define PP_SPECTRUM_MAX_N 512

/* mag: (n, n) |FFT2(kernel zero-padded to n x n)|, fft-shifted so that DC sits
 * at (n/2, n/2) (numpy.fft.fftshift). kernel: (kh, kw) with kh, kw <= n.
 * n must be even, 2..PP_SPECTRUM_MAX_N. */
pp_status pp_spectrum_magnitude(float *mag, const float *kernel, int kh, int kw, int n, pp_error *err);

/* out: (count) 20*log10(max(mag, floor)) in dB; floor > 0. out may equal mag. */
void pp_spectrum_to_db(float *out, const float *mag, int count, float floor);

/* Number of bins of the radial profile of an n x n centred spectrum: n/2 + 1
 * (radius 0 = DC up to radius n/2 = Nyquist, 0.5 cycles/pixel). */
int pp_spectrum_radial_bins(int n);

/* profile: (n/2 + 1) mean of mag over the ring of pixels whose distance from
 * the centre rounds to r (frequency r/n cycles/pixel); pixels beyond n/2 (the
 * corners) are left out. mag: (n, n) centred as pp_spectrum_magnitude makes it. */
void pp_spectrum_radial_profile(float *profile, const float *mag, int n);

typedef enum { PP_PASS_LOW, PP_PASS_BAND, PP_PASS_HIGH } pp_pass_kind;

/* The rule, on a radial profile of `bins` values (DC first, Nyquist last), with
 * f = (index of the maximum) / (bins - 1), the peak's place between DC (0) and
 * Nyquist (1):
 *   f <= 0.2                                   -> low-pass
 *   f >= 0.8                                   -> high-pass
 *   otherwise (the peak is in the middle band):
 *     DC >= 0.7 peak and Nyquist < 0.7 peak    -> low-pass  (a shallow bump)
 *     Nyquist >= 0.7 peak and DC < 0.7 peak    -> high-pass (a shallow bump)
 *     else                                     -> band-pass
 * An all-zero profile is low-pass. */
pp_pass_kind pp_spectrum_classify(const float *profile, int bins);
const char *pp_pass_name(pp_pass_kind k); /* "low-pass", "band-pass", "high-pass" */

#endif

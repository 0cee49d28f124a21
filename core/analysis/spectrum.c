#include "analysis/spectrum.h"

#include <fftw3.h>
#include <math.h>
#include <stdbool.h>
#include <pthread.h>
#include <string.h>

/* One r2c plan per size, made once under the lock; executed with
 * fftwf_execute_dft_r2c on arrays from fftwf_malloc (same alignment). */
#define PLAN_CACHE 8
static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    int n;
    fftwf_plan plan;
} plans[PLAN_CACHE];

static fftwf_plan plan_for(int n)
{
    fftwf_plan p = NULL;
    pthread_mutex_lock(&plan_lock);
    for (int i = 0; i < PLAN_CACHE && !p; i++)
        if (plans[i].n == n)
            p = plans[i].plan;
    if (!p) {
        float *in = fftwf_malloc(sizeof(float) * (size_t)n * n);
        fftwf_complex *out = fftwf_malloc(sizeof(fftwf_complex) * (size_t)n * (n / 2 + 1));
        if (in && out)
            p = fftwf_plan_dft_r2c_2d(n, n, in, out, FFTW_ESTIMATE);
        fftwf_free(in);
        fftwf_free(out);
        for (int i = 0; i < PLAN_CACHE && p; i++)
            if (plans[i].n == 0) {
                plans[i].n = n;
                plans[i].plan = p;
                break;
            }
        /* cache full: the plan stays alive (leaks one small plan), still correct */
    }
    pthread_mutex_unlock(&plan_lock);
    return p;
}

pp_status pp_spectrum_magnitude(float *mag, const float *kernel, int kh, int kw, int n, pp_error *err)
{
    if (n < 2 || n > PP_SPECTRUM_MAX_N || n % 2)
        return pp_fail(err, PP_ERR_ARG, "spectrum size %d: must be even, 2..%d", n, PP_SPECTRUM_MAX_N);
    if (kh < 1 || kw < 1 || kh > n || kw > n)
        return pp_fail(err, PP_ERR_ARG, "kernel %dx%d does not fit a %dx%d spectrum", kh, kw, n, n);
    const int half = n / 2 + 1;
    float *in = fftwf_malloc(sizeof(float) * (size_t)n * n);              /* (n, n) */
    fftwf_complex *out = fftwf_malloc(sizeof(fftwf_complex) * (size_t)n * half); /* (n, n/2+1) */
    fftwf_plan plan = plan_for(n);
    if (!in || !out || !plan) {
        fftwf_free(in);
        fftwf_free(out);
        return pp_fail(err, PP_ERR_NOMEM, "spectrum %dx%d: out of memory", n, n);
    }
    memset(in, 0, sizeof(float) * (size_t)n * n);
    for (int i = 0; i < kh; i++)
        memcpy(in + (size_t)i * n, kernel + (size_t)i * kw, sizeof(float) * (size_t)kw);
    fftwf_execute_dft_r2c(plan, in, out);
    /* Full spectrum from the half by Hermitian symmetry: |F[u][v]| = |F[-u][-v]|;
     * shifted so that frequency (u, v) lands at ((u + n/2) % n, (v + n/2) % n). */
    for (int u = 0; u < n; u++)
        for (int v = 0; v < n; v++) {
            const float *c;
            if (v < half)
                c = out[(size_t)u * half + v];
            else
                c = out[(size_t)((n - u) % n) * half + (n - v)];
            float m = sqrtf(c[0] * c[0] + c[1] * c[1]);
            mag[(size_t)((u + n / 2) % n) * n + (v + n / 2) % n] = m;
        }
    fftwf_free(in);
    fftwf_free(out);
    return PP_OK;
}

void pp_spectrum_to_db(float *out, const float *mag, int count, float floor)
{
    for (int i = 0; i < count; i++)
        out[i] = 20.0f * log10f(mag[i] > floor ? mag[i] : floor);
}

int pp_spectrum_radial_bins(int n)
{
    return n / 2 + 1;
}

void pp_spectrum_radial_profile(float *profile, const float *mag, int n)
{
    const int bins = n / 2 + 1;
    double sum[PP_SPECTRUM_MAX_N / 2 + 1] = {0};
    int count[PP_SPECTRUM_MAX_N / 2 + 1] = {0};
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            double dy = y - n / 2, dx = x - n / 2;
            int r = (int)floor(sqrt(dx * dx + dy * dy) + 0.5);
            if (r < bins) {
                sum[r] += mag[(size_t)y * n + x];
                count[r]++;
            }
        }
    for (int r = 0; r < bins; r++)
        profile[r] = count[r] ? (float)(sum[r] / count[r]) : 0.0f;
}

pp_pass_kind pp_spectrum_classify(const float *profile, int bins)
{
    if (bins < 2)
        return PP_PASS_LOW;
    int peak = 0;
    for (int r = 1; r < bins; r++)
        if (profile[r] > profile[peak])
            peak = r;
    float top = profile[peak];
    if (!(top > 0.0f))
        return PP_PASS_LOW;
    float f = (float)peak / (float)(bins - 1);
    if (f <= 0.2f)
        return PP_PASS_LOW;
    if (f >= 0.8f)
        return PP_PASS_HIGH;
    bool dc = profile[0] >= 0.7f * top, nyq = profile[bins - 1] >= 0.7f * top;
    if (dc && !nyq)
        return PP_PASS_LOW;
    if (nyq && !dc)
        return PP_PASS_HIGH;
    return PP_PASS_BAND;
}

const char *pp_pass_name(pp_pass_kind k)
{
    switch (k) {
    case PP_PASS_LOW: return "low-pass";
    case PP_PASS_BAND: return "band-pass";
    case PP_PASS_HIGH: return "high-pass";
    }
    return "?";
}

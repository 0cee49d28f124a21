#include "input_grad_stride2_avx2.h"

#include <immintrin.h>
#include <omp.h>
#include <string.h>

#include "../cpu.h"
#include "../threads.h"

#define Q 8  /* input column pairs per sum vector */
#define CB 4 /* input channels accumulated together: 2 x CB sums */

/* Up to 16 input channels (the demo net's first layers of stages 2 and 3):
 * wider layers keep the column GEMM, whose kernel reuses each load more
 * than these broadcast-heavy sums do. */
bool pp_input_grad_stride2_preferred(const pp_conv_shape *s, int w)
{
    return s->kh == 3 && s->kw == 3 && s->stride == 2 && s->pad == 1 && pp_conv_groups(s) == 1 && s->cin % CB == 0 &&
           s->cin <= 16 && pp_conv_out_size(w, 3, 2, 1) >= 6 && pp_cpu_path() == PP_CPU_AVX2;
}

/* One image's dy, each row followed by zeros (column wo, and slack for the
 * last vector's loads at q + 1), and a zero row ho after each channel's rows:
 * the taps past the map read zeros. */
static size_t padded_row(int wo)
{
    return (size_t)(wo + Q - 1) / Q * Q + Q;
}

static size_t padded_image(const pp_conv_shape *s, int ho, int wo)
{
    return (size_t)s->cout * (ho + 1) * padded_row(wo);
}

size_t pp_input_grad_stride2_workspace_floats(const pp_conv_shape *s, int h, int w, int threads)
{
    const int ho = pp_conv_out_size(h, 3, 2, 1), wo = pp_conv_out_size(w, 3, 2, 1);
    return ((padded_image(s, ho, wo) + 15) & ~(size_t)15) * (size_t)pp_threads_clamp(threads);
}

static void fill_padded(float *dst, const float *dy, const pp_conv_shape *s, int n, int img, int ho, int wo, bool fresh)
{
    const size_t row = padded_row(wo), plane = (size_t)ho * wo;
    if (fresh) /* the margins stay zero: later images write the same interior cells */
        memset(dst, 0, sizeof(float) * padded_image(s, ho, wo));
    for (int k = 0; k < s->cout; k++)
        for (int y = 0; y < ho; y++)
            memcpy(dst + ((size_t)k * (ho + 1) + y) * row, dy + ((size_t)k * n + img) * plane + (size_t)y * wo,
                   sizeof(float) * (size_t)wo);
}

/* Input row iy, columns [2 q0, 2 q0 + 2Q) of channels [c0, c0 + CB): the tap
 * rows (dy row, kernel row) that reach it, then per output channel k the two
 * loads and 3 taps per channel; the even and odd sums interleaved into dx. */
static void row_block(float *dx, bool fresh, const float *padded, const float *weight, const pp_conv_shape *s, int n,
                      int img, int h, int w, int ho, int wo, int iy, int q0, int c0)
{
    const size_t row = padded_row(wo);
    int taps = 0, rows[2], kernel_rows[2];
    if (iy % 2 == 0) {
        rows[taps] = iy / 2, kernel_rows[taps++] = 1;
    } else {
        rows[taps] = iy / 2 + 1, kernel_rows[taps++] = 0;
        rows[taps] = iy / 2, kernel_rows[taps++] = 2;
    }
    __m256 even[CB], odd[CB];
    for (int c = 0; c < CB; c++)
        even[c] = odd[c] = _mm256_setzero_ps();
    for (int k = 0; k < s->cout; k++)
        for (int t = 0; t < taps; t++) {
            const float *dr = padded + ((size_t)k * (ho + 1) + rows[t]) * row + q0;
            const __m256 at_q = _mm256_loadu_ps(dr), at_q1 = _mm256_loadu_ps(dr + 1);
            const float *wk = weight + ((size_t)k * s->cin + c0) * 9 + kernel_rows[t] * 3;
            for (int c = 0; c < CB; c++) {
                const float *wc = wk + (size_t)c * 9;
                even[c] = _mm256_fmadd_ps(_mm256_set1_ps(wc[1]), at_q, even[c]);
                odd[c] = _mm256_fmadd_ps(_mm256_set1_ps(wc[0]), at_q1, odd[c]);
                odd[c] = _mm256_fmadd_ps(_mm256_set1_ps(wc[2]), at_q, odd[c]);
            }
        }
    const int x0 = 2 * q0, count = w - x0 < 2 * Q ? w - x0 : 2 * Q;
    for (int c = 0; c < CB; c++) {
        /* e0 o0 e1 o1 | e4 o4 e5 o5 and e2 o2 e3 o3 | e6 o6 e7 o7, then the halves in order */
        const __m256 lo = _mm256_unpacklo_ps(even[c], odd[c]), hi = _mm256_unpackhi_ps(even[c], odd[c]);
        float v[2 * Q];
        _mm256_storeu_ps(v, _mm256_permute2f128_ps(lo, hi, 0x20));
        _mm256_storeu_ps(v + Q, _mm256_permute2f128_ps(lo, hi, 0x31));
        float *d = dx + (((size_t)(c0 + c) * n + img) * h + iy) * w + x0;
        if (count == 2 * Q) {
            for (int half = 0; half < 2; half++) {
                __m256 sum = _mm256_loadu_ps(v + half * Q);
                if (!fresh)
                    sum = _mm256_add_ps(_mm256_loadu_ps(d + half * Q), sum);
                _mm256_storeu_ps(d + half * Q, sum);
            }
        } else {
            for (int x = 0; x < count; x++)
                d[x] = fresh ? v[x] : d[x] + v[x];
        }
    }
}

void pp_input_grad_stride2(float *dx, bool fresh, const float *dy, const float *weight, const pp_conv_shape *s, int n,
                           int h, int w, float *workspace, int threads)
{
    const int ho = pp_conv_out_size(h, 3, 2, 1), wo = pp_conv_out_size(w, 3, 2, 1);
    const size_t per_thread = (padded_image(s, ho, wo) + 15) & ~(size_t)15;
    threads = pp_threads_clamp(threads);
#pragma omp parallel num_threads(threads < n ? threads : n)
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        float *padded = workspace + (size_t)t * per_thread;
        for (int img = n * t / nt; img < n * (t + 1) / nt; img++) {
            fill_padded(padded, dy, s, n, img, ho, wo, img == n * t / nt);
            for (int iy = 0; iy < h; iy++)
                for (int q0 = 0; 2 * q0 < w; q0 += Q)
                    for (int c0 = 0; c0 < s->cin; c0 += CB)
                        row_block(dx, fresh, padded, weight, s, n, img, h, w, ho, wo, iy, q0, c0);
        }
    }
}

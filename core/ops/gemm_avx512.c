/* The AVX-512 packed GEMM (compiled with -march=x86-64-v4; called only on the
 * avx512 CPU path): the blocking of gemm_blocked.h around a 12 x 32 micro-kernel
 * held entirely in registers (24 of the 32 zmm registers). */
#include <immintrin.h>
#include <string.h>

#include "avx512_transpose.h"
#include "gemm_layout.h"

#define MR PP_GEMM_MR
#define NR PP_GEMM_NR
#define KC PP_GEMM_KC
#define MC PP_GEMM_MC
#define NC PP_GEMM_NC
/* Up to this many columns (two panels) a row-major A is not packed. */
#define IN_PLACE_COLUMNS (8 * NR)

size_t pp_gemm_avx512_workspace_floats(void)
{
    return (size_t)MC * KC + (size_t)KC * NC;
}

static inline __mmask16 lane_mask(int count)
{
    if (count >= 16)
        return 0xffff;
    return count <= 0 ? 0 : (__mmask16)((1u << count) - 1);
}

/* C[mr x nr] (+)= A (MR x kc, element (i, k) at a[i * a_row + k * a_col]) . B panel
 * (kc x NR). Inlined into the two kernels below with constant or fixed strides. */
static inline __attribute__((always_inline)) void kernel_body(int kc, const float *a, size_t a_row, size_t a_col,
                                                              const float *b, float *c, int ldc, bool accumulate,
                                                              int mr, int nr)
{
    __m512 acc[MR][2];
#pragma GCC unroll 12
    for (int i = 0; i < MR; i++)
        acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    for (int k = 0; k < kc; k++, a += a_col, b += NR) {
        __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 12
        for (int i = 0; i < MR; i++) {
            __m512 ai = _mm512_set1_ps(a[i * a_row]);
            acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
        }
    }
    const __mmask16 m0 = lane_mask(nr), m1 = lane_mask(nr - 16);
    for (int i = 0; i < mr; i++) {
        float *row = c + (size_t)i * ldc;
        if (accumulate) {
            acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_maskz_loadu_ps(m0, row));
            acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_maskz_loadu_ps(m1, row + 16));
        }
        _mm512_mask_storeu_ps(row, m0, acc[i][0]);
        _mm512_mask_storeu_ps(row + 16, m1, acc[i][1]);
    }
}

/* A from a packed panel (kc x MR). */
static void micro_kernel(int kc, const float *a, const float *b, float *c, int ldc, bool accumulate, int mr, int nr)
{
    kernel_body(kc, a, 1, MR, b, c, ldc, accumulate, mr, nr);
}

/* A straight from MR full rows of a row-major matrix: for weights that are
 * used for a few column panels only (late layers at batch 1), packing them
 * would cost more memory traffic than it saves. */
static void micro_kernel_rows(int kc, const float *a, size_t lda, const float *b, float *c, int ldc, bool accumulate,
                              int nr)
{
    kernel_body(kc, a, lda, 1, b, c, ldc, accumulate, MR, nr);
}

/* dst[q * stride + i] = src[i * ld + q] for i < rows (<= 16), q < cols (<= 16),
 * writing `width` lanes of each destination row (zeros past rows). */
static inline void transpose_block(float *dst, size_t stride, int width, const float *src, size_t ld, int rows,
                                   int cols)
{
    __m512 r[16];
    const __mmask16 col_mask = lane_mask(cols);
    for (int i = 0; i < 16; i++)
        r[i] = i < rows ? _mm512_maskz_loadu_ps(col_mask, src + (size_t)i * ld) : _mm512_setzero_ps();
    pp_transpose16(r);
    const __mmask16 out_mask = lane_mask(width);
    for (int q = 0; q < cols; q++)
        _mm512_mask_storeu_ps(dst + (size_t)q * stride, out_mask, r[q]);
}

/* Rows [0, m) and columns [0, kc) of op(A) starting at a, into MR-high panels. */
static void pack_a(float *pa, bool trans_a, const float *a, int lda, int m, int kc)
{
    for (int i0 = 0; i0 < m; i0 += MR, pa += (size_t)MR * kc) {
        int mr = m - i0 < MR ? m - i0 : MR;
        if (trans_a) {
            pp_gemm_pack_transposed_panel(pa, a, lda, i0, mr, kc);
        } else { /* rows of A run along k: transpose 16 k at a time */
            for (int k = 0; k < kc; k += 16)
                transpose_block(pa + (size_t)k * MR, MR, MR, a + (size_t)i0 * lda + k, (size_t)lda, mr,
                                kc - k < 16 ? kc - k : 16);
        }
    }
}

/* Rows [0, kc) and columns [0, n) of op(B) starting at b, into NR-wide panels. */
static void pack_b(float *pb, bool trans_b, const float *b, int ldb, int kc, int n)
{
    for (int j0 = 0; j0 < n; j0 += NR, pb += (size_t)NR * kc) {
        int nr = n - j0 < NR ? n - j0 : NR;
        if (!trans_b) {
            const __mmask16 m0 = lane_mask(nr), m1 = lane_mask(nr - 16);
            for (int k = 0; k < kc; k++) {
                const float *src = b + (size_t)k * ldb + j0;
                _mm512_store_ps(pb + (size_t)k * NR, _mm512_maskz_loadu_ps(m0, src));
                _mm512_store_ps(pb + (size_t)k * NR + 16, _mm512_maskz_loadu_ps(m1, src + 16));
            }
            continue;
        }
        /* op(B)(k, j) = b[j * ldb + k]: transpose 16 x 16 blocks */
        for (int k = 0; k < kc; k += 16) {
            int cols = kc - k < 16 ? kc - k : 16;
            for (int half = 0; half < NR; half += 16) {
                int rows = nr - half < 0 ? 0 : nr - half < 16 ? nr - half : 16;
                transpose_block(pb + (size_t)k * NR + half, NR, 16, b + (size_t)(j0 + half) * ldb + k, (size_t)ldb,
                                rows, cols);
            }
        }
    }
}

#include "gemm_blocked.h"

PP_GEMM_ENTRY_POINTS(avx512)

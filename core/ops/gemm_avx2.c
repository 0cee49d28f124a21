/* The AVX2+FMA packed GEMM (the engine's baseline ISA; called on the avx2 CPU
 * path): the blocking of gemm_blocked.h around a 6 x 16 micro-kernel (12 of
 * the 16 ymm registers as accumulators: two B loads and six broadcasts feed
 * twelve FMAs, so the FMA units, not the loads, set the pace). A keeps the
 * shared 12-row panels: each panel is two passes of the kernel. */
#include <immintrin.h>
#include <string.h>

#include "avx2_transpose.h"
#include "gemm_layout.h"

#define MR PP_GEMM_MR
#define HALF (MR / 2) /* rows per kernel pass */
#define NR 16
#define KC PP_GEMM_KC
#define MC PP_GEMM_MC
#define NC PP_GEMM_NC
/* Up to this many columns a row-major A is not packed. */
#define IN_PLACE_COLUMNS (8 * 32)

size_t pp_gemm_avx2_workspace_floats(void)
{
    return (size_t)MC * KC + (size_t)KC * NC;
}

/* C[rows x nr] (+)= HALF rows of A (element (i, k) at a[i * a_row + k * a_col])
 * times a B panel (kc x NR); rows <= HALF. vecs: the 8-float halves of the
 * panel multiplied, 2, or 1 when nr <= 8 (a narrow last panel: at batch 1
 * layer4's 49 columns are 3 panels and 1 column, so the second half's FMAs
 * would be an eighth of the product's, all on zeros). */
static inline __attribute__((always_inline)) void kernel_body(int kc, const float *a, size_t a_row, size_t a_col,
                                                              const float *b, float *c, int ldc, bool accumulate,
                                                              int rows, int nr, const int vecs)
{
    __m256 acc[HALF][2];
#pragma GCC unroll 6
    for (int i = 0; i < HALF; i++)
        acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    for (int k = 0; k < kc; k++, a += a_col, b += NR) {
        __m256 b0 = _mm256_load_ps(b), b1 = vecs == 2 ? _mm256_load_ps(b + 8) : _mm256_setzero_ps();
#pragma GCC unroll 6
        for (int i = 0; i < HALF; i++) {
            __m256 ai = _mm256_broadcast_ss(a + i * a_row);
            acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
            if (vecs == 2)
                acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
        }
    }
    if (nr == NR) {
        for (int i = 0; i < rows; i++) {
            float *row = c + (size_t)i * ldc;
            if (accumulate) {
                acc[i][0] = _mm256_add_ps(acc[i][0], _mm256_loadu_ps(row));
                acc[i][1] = _mm256_add_ps(acc[i][1], _mm256_loadu_ps(row + 8));
            }
            _mm256_storeu_ps(row, acc[i][0]);
            _mm256_storeu_ps(row + 8, acc[i][1]);
        }
        return;
    }
    const __m256i m0 = pp_avx2_lane_mask(nr), m1 = pp_avx2_lane_mask(nr - 8);
    for (int i = 0; i < rows; i++) {
        float *row = c + (size_t)i * ldc;
        if (accumulate) {
            acc[i][0] = _mm256_add_ps(acc[i][0], _mm256_maskload_ps(row, m0));
            if (vecs == 2)
                acc[i][1] = _mm256_add_ps(acc[i][1], _mm256_maskload_ps(row + 8, m1));
        }
        _mm256_maskstore_ps(row, m0, acc[i][0]);
        if (vecs == 2)
            _mm256_maskstore_ps(row + 8, m1, acc[i][1]);
    }
}

/* HALF rows by one panel, with the FMAs of the halves the panel's nr columns need. */
static inline __attribute__((always_inline)) void kernel_pass(int kc, const float *a, size_t a_row, size_t a_col,
                                                              const float *b, float *c, int ldc, bool accumulate,
                                                              int rows, int nr)
{
    if (nr > 8)
        kernel_body(kc, a, a_row, a_col, b, c, ldc, accumulate, rows, nr, 2);
    else
        kernel_body(kc, a, a_row, a_col, b, c, ldc, accumulate, rows, nr, 1);
}

/* A from a packed panel (kc x MR). */
static void micro_kernel(int kc, const float *a, const float *b, float *c, int ldc, bool accumulate, int mr, int nr)
{
    kernel_pass(kc, a, 1, MR, b, c, ldc, accumulate, mr < HALF ? mr : HALF, nr);
    if (mr > HALF)
        kernel_pass(kc, a + HALF, 1, MR, b, c + (size_t)HALF * ldc, ldc, accumulate, mr - HALF, nr);
}

/* A straight from MR full rows of a row-major matrix (see gemm_avx512.c). */
static void micro_kernel_rows(int kc, const float *a, size_t lda, const float *b, float *c, int ldc, bool accumulate,
                              int nr)
{
    kernel_pass(kc, a, lda, 1, b, c, ldc, accumulate, HALF, nr);
    kernel_pass(kc, a + HALF * lda, lda, 1, b, c + (size_t)HALF * ldc, ldc, accumulate, HALF, nr);
}

/* dst[q * stride + i] = src[i * ld + q] for i < rows (<= 8), q < cols (<= 8),
 * writing `width` (<= 8) lanes of each destination row (zeros past rows). */
static inline void transpose_block(float *dst, size_t stride, int width, const float *src, size_t ld, int rows,
                                   int cols)
{
    __m256 r[8];
    if (rows == 8 && cols == 8 && width == 8) { /* the common case: plain loads and stores */
        for (int i = 0; i < 8; i++)
            r[i] = _mm256_loadu_ps(src + (size_t)i * ld);
        pp_transpose8(r);
        for (int q = 0; q < 8; q++)
            _mm256_storeu_ps(dst + (size_t)q * stride, r[q]);
        return;
    }
    const __m256i col_mask = pp_avx2_lane_mask(cols), out_mask = pp_avx2_lane_mask(width);
    for (int i = 0; i < 8; i++)
        r[i] = i < rows ? _mm256_maskload_ps(src + (size_t)i * ld, col_mask) : _mm256_setzero_ps();
    pp_transpose8(r);
    for (int q = 0; q < cols; q++)
        _mm256_maskstore_ps(dst + (size_t)q * stride, out_mask, r[q]);
}

/* Rows [0, m) and columns [0, kc) of op(A) starting at a, into MR-high panels. */
static void pack_a(float *pa, bool trans_a, const float *a, int lda, int m, int kc)
{
    for (int i0 = 0; i0 < m; i0 += MR, pa += (size_t)MR * kc) {
        int mr = m - i0 < MR ? m - i0 : MR;
        if (trans_a) {
            pp_gemm_pack_transposed_panel(pa, a, lda, i0, mr, kc);
            continue;
        }
        /* rows of A run along k: transpose 8 k at a time, rows 0-7 then 8-11 */
        const float *rows = a + (size_t)i0 * lda;
        for (int k = 0; k < kc; k += 8) {
            int cols = kc - k < 8 ? kc - k : 8, low = mr < 8 ? mr : 8;
            transpose_block(pa + (size_t)k * MR, MR, 8, rows + k, (size_t)lda, low, cols);
            transpose_block(pa + (size_t)k * MR + 8, MR, MR - 8, rows + 8 * (size_t)lda + k, (size_t)lda,
                            mr > 8 ? mr - 8 : 0, cols);
        }
    }
}

/* Rows [0, kc) and columns [0, n) of op(B) starting at b, into NR-wide panels. */
static void pack_b(float *pb, bool trans_b, const float *b, int ldb, int kc, int n)
{
    for (int j0 = 0; j0 < n; j0 += NR, pb += (size_t)NR * kc) {
        int nr = n - j0 < NR ? n - j0 : NR;
        if (!trans_b) {
            const __m256i m0 = pp_avx2_lane_mask(nr), m1 = pp_avx2_lane_mask(nr - 8);
            for (int k = 0; k < kc; k++) {
                const float *src = b + (size_t)k * ldb + j0;
                if (nr == NR) {
                    _mm256_store_ps(pb + (size_t)k * NR, _mm256_loadu_ps(src));
                    _mm256_store_ps(pb + (size_t)k * NR + 8, _mm256_loadu_ps(src + 8));
                } else {
                    _mm256_store_ps(pb + (size_t)k * NR, _mm256_maskload_ps(src, m0));
                    _mm256_store_ps(pb + (size_t)k * NR + 8, _mm256_maskload_ps(src + 8, m1));
                }
            }
            continue;
        }
        /* op(B)(k, j) = b[j * ldb + k]: transpose 8 x 8 blocks */
        for (int k = 0; k < kc; k += 8) {
            int cols = kc - k < 8 ? kc - k : 8;
            for (int half = 0; half < NR; half += 8) {
                int rows = nr - half < 0 ? 0 : nr - half < 8 ? nr - half : 8;
                transpose_block(pb + (size_t)k * NR + half, NR, 8, b + (size_t)(j0 + half) * ldb + k, (size_t)ldb,
                                rows, cols);
            }
        }
    }
}

#include "gemm_blocked.h"

PP_GEMM_ENTRY_POINTS(avx2)

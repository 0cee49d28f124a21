/* The classic three-level GEMM blocking shared by the AVX-512 and the AVX2
 * kernels (gemm_avx512.c, gemm_avx2.c), which include it after defining:
 *   NR, KC, MC, NC and IN_PLACE_COLUMNS (see gemm_layout.h),
 *   pack_a(pa, trans_a, a, lda, m, kc)    rows of op(A) into MR-high panels,
 *   pack_b(pb, trans_b, b, ldb, kc, n)    rows of op(B) into NR-wide panels,
 *   micro_kernel(kc, pa, pb, c, ldc, accumulate, mr, nr)      A from a panel,
 *   micro_kernel_rows(kc, a, lda, pb, c, ldc, accumulate, nr)  A in place;
 * and then PP_GEMM_ENTRY_POINTS(isa) makes the file's public functions.
 * NC columns of B and KC rows of it are packed once per block, MC rows of A
 * per block of those, and the micro-kernel multiplies one pair of panels into
 * an MR x NR tile of C. */
#ifndef PP_GEMM_BLOCKED_H
#define PP_GEMM_BLOCKED_H

#include "gemm_layout.h"

/* packed_a is NULL when A is packed here block by block; packed_b is NULL
 * when B is, else B already in NR-wide panels of all k rows (panel j, the
 * columns [j * NR, j * NR + NR), at packed_b + j * k * NR, row q of it NR floats
 * at + q * NR; columns past n are read but not stored). */
static void gemm_blocked(bool trans_a, bool trans_b, int m, int n, int k, const float *a, int lda,
                         const float *packed_a, const float *b, int ldb, const float *packed_b, bool accumulate,
                         float *c, int ldc, float *workspace)
{
    float *pa_block = workspace, *pb = workspace + (size_t)MC * KC;
    const size_t padded_m = pp_gemm_padded_rows(m);
    for (int jc = 0; jc < n; jc += NC) {
        int nc = n - jc < NC ? n - jc : NC;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = k - pc < KC ? k - pc : KC;
            if (!packed_b) {
                const float *b_block = trans_b ? b + (size_t)jc * ldb + pc : b + (size_t)pc * ldb + jc;
                pack_b(pb, trans_b, b_block, ldb, kc, nc);
            }
            bool acc = accumulate || pc > 0;
            for (int ic = 0; ic < m; ic += MC) {
                int mc = m - ic < MC ? m - ic : MC;
                /* pa: packed panels of rows [ic + full_rows, ic + mc); a row-major
                 * A is read in place for few column panels, and only a partial
                 * last row panel is packed then */
                const float *pa;
                const bool in_place = !packed_a && !trans_a && nc <= IN_PLACE_COLUMNS;
                const int full_rows = in_place ? mc / PP_GEMM_MR * PP_GEMM_MR : 0;
                if (packed_a) {
                    pa = packed_a + (size_t)pc * padded_m + (size_t)ic * kc;
                } else {
                    const float *a_block = trans_a ? a + (size_t)pc * lda + ic : a + (size_t)ic * lda + pc;
                    if (in_place)
                        a_block += (size_t)full_rows * lda;
                    pack_a(pa_block, trans_a, a_block, lda, mc - full_rows, kc);
                    pa = pa_block;
                }
                for (int jr = 0; jr < nc; jr += NR) {
                    int nr = nc - jr < NR ? nc - jr : NR;
                    const float *b_panel = packed_b ? packed_b + (size_t)((jc + jr) / NR) * k * NR + (size_t)pc * NR
                                                    : pb + (size_t)jr * kc;
                    for (int ir = 0; ir < mc; ir += PP_GEMM_MR) {
                        int mr = mc - ir < PP_GEMM_MR ? mc - ir : PP_GEMM_MR;
                        float *c_tile = c + (size_t)(ic + ir) * ldc + jc + jr;
                        if (ir < full_rows)
                            micro_kernel_rows(kc, a + (size_t)(ic + ir) * lda + pc, (size_t)lda, b_panel, c_tile,
                                              ldc, acc, nr);
                        else
                            micro_kernel(kc, pa + (size_t)(ir - full_rows) * kc, b_panel, c_tile, ldc, acc, mr, nr);
                    }
                }
            }
        }
    }
}

/* Rows [row0, row0 + rows) of an m-row matrix into the shared packed layout. */
static void pack_rows_blocked(float *packed, int m, int k, int row0, const float *a, int lda, int rows)
{
    const size_t padded_m = pp_gemm_padded_rows(m);
    for (int pc = 0; pc < k; pc += KC) {
        int kc = k - pc < KC ? k - pc : KC;
        pack_a(packed + (size_t)pc * padded_m + (size_t)row0 * kc, false, a + pc, lda, rows, kc);
    }
}

/* The four entry points of gemm_layout.h for one kernel file (isa: avx512,
 * avx2), all through the loop nest above. */
#define PP_GEMM_ENTRY_POINTS(isa)                                                                                   \
    void pp_gemm_##isa(bool trans_a, bool trans_b, int m, int n, int k, const float *a, int lda, const float *b,   \
                       int ldb, bool accumulate, float *c, int ldc, float *workspace)                              \
    {                                                                                                              \
        gemm_blocked(trans_a, trans_b, m, n, k, a, lda, NULL, b, ldb, NULL, accumulate, c, ldc, workspace);        \
    }                                                                                                              \
    void pp_gemm_##isa##_packed(int m, int n, int k, const float *packed_a, const float *b, int ldb,               \
                                bool accumulate, float *c, int ldc, float *workspace)                              \
    {                                                                                                              \
        gemm_blocked(false, false, m, n, k, NULL, 0, packed_a, b, ldb, NULL, accumulate, c, ldc, workspace);       \
    }                                                                                                              \
    void pp_gemm_##isa##_packed_ab(int m, int n, int k, const float *packed_a, const float *packed_b,              \
                                   bool accumulate, float *c, int ldc, float *workspace)                           \
    {                                                                                                              \
        gemm_blocked(false, false, m, n, k, NULL, 0, packed_a, NULL, 0, packed_b, accumulate, c, ldc, workspace);  \
    }                                                                                                              \
    void pp_gemm_##isa##_pack_rows(float *packed, int m, int k, int row0, const float *a, int lda, int rows)       \
    {                                                                                                              \
        pack_rows_blocked(packed, m, k, row0, a, lda, rows);                                                       \
    }

#endif

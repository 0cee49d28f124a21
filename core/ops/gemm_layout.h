/* The packed-operand layout shared by the dispatcher (gemm.c, built for any
 * x86-64-v3 CPU), the AVX-512 kernels (gemm_avx512.c) and the AVX2 ones
 * (gemm_avx2.c): both read A in MR = 12 row panels. */
#ifndef PP_GEMM_LAYOUT_H
#define PP_GEMM_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* Micro-tile: MR rows of C by NR columns (two 16-float vectors), 24 of the 32
 * vector registers as accumulators. KC deep panels of B (KC x NR = 32 KB) stay in
 * L1 while all MR-row panels of A stream past; NC columns of packed B (1 MB)
 * stay in L2. Measured on the 2-core EPYC: KC 256-384 and MR 12 are the best. */
#define PP_GEMM_MR 12
#define PP_GEMM_NR 32
#define PP_GEMM_KC 256
#define PP_GEMM_MC 96
#define PP_GEMM_NC 1024

/* Packed A: for each KC block of k, for each MR-row panel, kc columns of MR
 * values (rows past m are zero). */
static inline size_t pp_gemm_padded_rows(int m)
{
    return (size_t)(m + PP_GEMM_MR - 1) / PP_GEMM_MR * PP_GEMM_MR;
}

/* One MR-high panel of op(A) = A^T (op(A)(i, k) = a[k * lda + i]: rows of a are
 * contiguous, so plain copies), rows [i0, i0 + mr), zeros past mr. */
static inline void pp_gemm_pack_transposed_panel(float *pa, const float *a, int lda, int i0, int mr, int kc)
{
    if (mr < PP_GEMM_MR)
        memset(pa, 0, sizeof(float) * PP_GEMM_MR * (size_t)kc);
    for (int k = 0; k < kc; k++)
        memcpy(pa + (size_t)k * PP_GEMM_MR, a + (size_t)k * lda + i0, sizeof(float) * (size_t)mr);
}

/* The AVX-512 side (only called when the CPU has AVX-512). The workspace holds
 * pp_gemm_avx512_workspace_floats floats, 64-byte aligned. */
size_t pp_gemm_avx512_workspace_floats(void);
void pp_gemm_avx512(bool trans_a, bool trans_b, int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                    bool accumulate, float *c, int ldc, float *workspace);
void pp_gemm_avx512_packed(int m, int n, int k, const float *packed_a, const float *b, int ldb, bool accumulate,
                           float *c, int ldc, float *workspace);
/* Both operands packed: B in NR-wide panels of all k rows (gemm_blocked.h). */
void pp_gemm_avx512_packed_ab(int m, int n, int k, const float *packed_a, const float *packed_b, bool accumulate,
                              float *c, int ldc, float *workspace);
/* Rows [row0, row0 + rows) of an m-row matrix; row0 a multiple of MR. */
void pp_gemm_avx512_pack_rows(float *packed, int m, int k, int row0, const float *a, int lda, int rows);

/* The AVX2 side: the same interface, its own B panels (16 wide). */
size_t pp_gemm_avx2_workspace_floats(void);
void pp_gemm_avx2(bool trans_a, bool trans_b, int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                  bool accumulate, float *c, int ldc, float *workspace);
void pp_gemm_avx2_packed(int m, int n, int k, const float *packed_a, const float *b, int ldb, bool accumulate,
                         float *c, int ldc, float *workspace);
void pp_gemm_avx2_packed_ab(int m, int n, int k, const float *packed_a, const float *packed_b, bool accumulate,
                            float *c, int ldc, float *workspace);
void pp_gemm_avx2_pack_rows(float *packed, int m, int k, int row0, const float *a, int lda, int rows);

#endif

/* Single-precision matrix multiply for the engine: C = op(A) op(B) + beta C,
 * row-major, on the calling thread only (the engine splits work across its own
 * threads). On the avx512 CPU path (cpu.h) it runs our packed micro-kernel;
 * on the avx2 path ours for packed weights (Winograd) and OpenBLAS for plain
 * operands, whichever bench/gemm_bench measured faster (ours for both where
 * OpenBLAS has no AVX2 kernels for the CPU); on the portable path OpenBLAS. */
#ifndef PP_GEMM_H
#define PP_GEMM_H

#include <stdbool.h>
#include <stddef.h>

/* op(A) is m x k, op(B) is k x n, C is m x n; beta is usually 0 or 1. */
void pp_sgemm(bool trans_a, bool trans_b, int m, int n, int k, const float *a, int lda, const float *b, int ldb,
              float beta, float *c, int ldc);

/* A matrix used many times as the left operand (Winograd kernels) can be packed
 * once. The packed layout belongs to this module: fill it from a row-major
 * matrix by pp_gemm_pack, or band by band by pp_gemm_pack_rows. */
size_t pp_gemm_packed_floats(int m, int k);
void pp_gemm_pack(float *packed, const float *a, int lda, int m, int k);
/* Packs rows [row0, row0 + rows) of the m x k matrix, given row-major at a
 * (row row0 first); row0 must be a multiple of PP_GEMM_ROW_BAND. */
#define PP_GEMM_ROW_BAND 48
void pp_gemm_pack_rows(float *packed, int m, int k, int row0, const float *a, int lda, int rows);
void pp_sgemm_packed(int m, int n, int k, const float *packed_a, const float *b, int ldb, float beta, float *c,
                     int ldc);

/* B packed too, by the caller (Winograd's input transform writes it so): in
 * panels of pp_gemm_b_panel_width() columns (0: no such layout, as with
 * OpenBLAS on the portable path; then call pp_sgemm_packed), panel j holding
 * columns [j * width, (j + 1) * width) of all k rows, row q at + q * width, at
 * packed_b + j * k * width; 64-byte aligned. Columns past n in the last panel
 * are read (keep them finite) but never stored. */
int pp_gemm_b_panel_width(void);
void pp_sgemm_packed_ab(int m, int n, int k, const float *packed_a, const float *packed_b, float beta, float *c,
                        int ldc);

/* Which kernels run: "avx512", "avx2" (packed products; plain ones by
 * OpenBLAS where it has AVX2 kernels for the CPU) or "openblas" (the
 * portable path). */
const char *pp_gemm_backend(void);

#endif

/* Our GEMM kernel of the CPU path PP_CPU selects (AVX-512 or AVX2, called
 * directly) against OpenBLAS (cblas_sgemm, single-threaded as the engine runs
 * it) in the same run, on one thread, for the shapes the engine multiplies:
 * im2col convolutions (C = W . columns), their weight gradients (dW = dY .
 * columns^T) and Winograd's products (packed weights). gemm.c sends each kind
 * of product to the faster of the two as measured here. Contenders take
 * turns, best of many short repeats: a loaded machine's slow moments drop out.
 * Prints GFLOP/s and the ratio (> 1: ours is faster). For an honest AVX2 run on
 * an AVX-512 CPU, pin OpenBLAS too: OPENBLAS_CORETYPE=Haswell PP_CPU=avx2.
 * Usage: gemm_bench [--repeats R] */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_clock.h"
#include "cpu.h"
#include "ops/gemm.h"
#include "ops/gemm_layout.h"
#include "tensor.h"

typedef struct {
    const char *name;
    bool trans_a, trans_b, packed;
    int m, n, k;
} gemm_case;

static const gemm_case cases[] = {
    {"conv 64x(56*56) k 576", false, false, false, 64, 3136, 576},
    {"conv 256x196 k 2304", false, false, false, 256, 196, 2304},
    {"conv 512x49 k 4608 (batch 1)", false, false, false, 512, 49, 4608},
    {"conv 256x49 k 4608 (a thread's half)", false, false, false, 256, 49, 4608},
    {"stride-2 conv 128x(16*16*8) k 576", false, false, false, 128, 2048, 576},
    {"dW 64x576 over 8192", false, true, false, 64, 576, 8192},
    {"dX 576x1024 k 64 (A^T)", true, false, false, 576, 1024, 64},
    {"winograd 64x512 k 64 packed", false, false, true, 64, 512, 64},
    {"winograd 256x128 k 256 packed", false, false, true, 256, 128, 256},
};

/* Our kernel of the path, bypassing gemm.c's choice. */
static void our_gemm(const gemm_case *c, const float *a, int lda, const float *pa, const float *b, int ldb, float *out,
                     float *ws)
{
    const bool avx512 = pp_cpu_path() == PP_CPU_AVX512;
    if (c->packed)
        (avx512 ? pp_gemm_avx512_packed : pp_gemm_avx2_packed)(c->m, c->n, c->k, pa, b, ldb, false, out, c->n, ws);
    else
        (avx512 ? pp_gemm_avx512 : pp_gemm_avx2)(c->trans_a, c->trans_b, c->m, c->n, c->k, a, lda, b, ldb, false, out,
                                                 c->n, ws);
}

static double best_seconds(const gemm_case *c, bool ours, const float *a, const float *pa, const float *b, float *out,
                           float *ws, int reps)
{
    const int lda = c->trans_a ? c->m : c->k, ldb = c->trans_b ? c->k : c->n;
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = pp_bench_now();
        if (!ours)
            cblas_sgemm(CblasRowMajor, c->trans_a ? CblasTrans : CblasNoTrans, c->trans_b ? CblasTrans : CblasNoTrans,
                        c->m, c->n, c->k, 1.0f, a, lda, b, ldb, 0.0f, out, c->n);
        else
            our_gemm(c, a, lda, pa, b, ldb, out, ws);
        double t = pp_bench_now() - t0;
        best = t < best ? t : best;
    }
    return best;
}

int main(int argc, char **argv)
{
    int rounds = 5, reps = 20;
    if (argc == 3 && strcmp(argv[1], "--repeats") == 0)
        reps = atoi(argv[2]) > 0 ? atoi(argv[2]) : reps;
    if (pp_cpu_error() || pp_cpu_path() == PP_CPU_PORTABLE) {
        fprintf(stderr, "gemm_bench: %s\n", pp_cpu_error() ? pp_cpu_error() : "the portable path has no kernel of ours");
        return 2;
    }
    const bool avx512 = pp_cpu_path() == PP_CPU_AVX512;
    float *ws = pp_aligned_alloc(sizeof(float) *
                                 (avx512 ? pp_gemm_avx512_workspace_floats() : pp_gemm_avx2_workspace_floats()));
    if (!ws)
        return 1;
    printf("CPU path %s: our %s kernel against OpenBLAS (OPENBLAS_CORETYPE=%s), 1 thread, best of %d rounds x %d\n",
           pp_cpu_path_name(pp_cpu_path()), pp_cpu_path_name(pp_cpu_path()),
           getenv("OPENBLAS_CORETYPE") ? getenv("OPENBLAS_CORETYPE") : "unset", rounds, reps);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const gemm_case *c = &cases[i];
        const size_t na = (size_t)c->m * c->k, nb = (size_t)c->k * c->n;
        float *a = pp_aligned_alloc(sizeof(float) * na), *b = pp_aligned_alloc(sizeof(float) * nb);
        float *pa = pp_aligned_alloc(sizeof(float) * pp_gemm_packed_floats(c->m, c->k));
        float *out = pp_aligned_alloc(sizeof(float) * (size_t)c->m * c->n);
        if (!a || !b || !pa || !out)
            return 1;
        for (size_t q = 0; q < na; q++)
            a[q] = (float)(q % 17) / 17.0f - 0.5f;
        for (size_t q = 0; q < nb; q++)
            b[q] = (float)(q % 13) / 13.0f - 0.5f;
        pp_gemm_pack(pa, a, c->k, c->m, c->k);
        double ours = 1e30, blas = 1e30;
        for (int r = 0; r < rounds; r++) { /* in turns */
            double t = best_seconds(c, true, a, pa, b, out, ws, reps);
            ours = t < ours ? t : ours;
            t = best_seconds(c, false, a, pa, b, out, ws, reps);
            blas = t < blas ? t : blas;
        }
        const double flop = 2.0 * c->m * c->n * c->k;
        printf("%-36s ours %6.1f GFLOP/s  openblas %6.1f GFLOP/s  ratio %.2fx\n", c->name, flop / ours * 1e-9,
               flop / blas * 1e-9, blas / ours);
        free(a), free(b), free(pa), free(out);
    }
    printf("the engine runs (pp_gemm_backend): %s\n", pp_gemm_backend());
    free(ws);
    return 0;
}

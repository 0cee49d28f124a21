#include "gemm.h"

#include <cblas.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../cpu.h"
#include "../tensor.h"
#include "gemm_layout.h"

_Static_assert(PP_GEMM_ROW_BAND % PP_GEMM_MR == 0, "row bands must hold whole panels");

/* A plain product C (+)= op(A) op(B) by one of our kernels. */
typedef void plain_gemm_fn(bool trans_a, bool trans_b, int m, int n, int k, const float *a, int lda, const float *b,
                           int ldb, bool accumulate, float *c, int ldc, float *workspace);

/* One of our packed kernels, or NULL: OpenBLAS runs. */
typedef struct {
    const char *name;
    size_t (*workspace_floats)(void);
    /* NULL: plain products go to OpenBLAS, only packed ones run ours */
    plain_gemm_fn *gemm;
    void (*packed)(int m, int n, int k, const float *packed_a, const float *b, int ldb, bool accumulate, float *c,
                   int ldc, float *workspace);
    void (*pack_rows)(float *packed, int m, int k, int row0, const float *a, int lda, int rows);
    void (*packed_ab)(int m, int n, int k, const float *packed_a, const float *packed_b, bool accumulate, float *c,
                      int ldc, float *workspace);
    int b_panel; /* NR: the width of the B panels its micro-kernel reads */
    /* where gemm is NULL: the plain products of few columns it still takes
     * (few_columns_product), or NULL */
    plain_gemm_fn *few_columns;
} packed_kernels;

static const packed_kernels avx512_kernels = {"avx512",
                                              pp_gemm_avx512_workspace_floats,
                                              pp_gemm_avx512,
                                              pp_gemm_avx512_packed,
                                              pp_gemm_avx512_pack_rows,
                                              pp_gemm_avx512_packed_ab,
                                              32,
                                              NULL};
/* Measured (bench/gemm_bench): OpenBLAS's Haswell kernels multiply plain
 * row-major operands 2-12 % faster than ours, whose packed weights win 2-5 %
 * for Winograd (no repacking per call), and so do the products of few
 * columns (few_columns_product). So each runs where it is faster. */
static const packed_kernels avx2_kernels = {"avx2",
                                            pp_gemm_avx2_workspace_floats,
                                            NULL,
                                            pp_gemm_avx2_packed,
                                            pp_gemm_avx2_pack_rows,
                                            pp_gemm_avx2_packed_ab,
                                            16,
                                            pp_gemm_avx2};
/* ... but an OpenBLAS that does not know the CPU (0.3.21 on Emerald Rapids)
 * falls back to its SSE3 "Prescott" kernels, 2-3x slower than ours there
 * (bench/gemm_bench): then ours multiply the plain operands too. */
static const packed_kernels avx2_all_kernels = {"avx2",
                                                pp_gemm_avx2_workspace_floats,
                                                pp_gemm_avx2,
                                                pp_gemm_avx2_packed,
                                                pp_gemm_avx2_pack_rows,
                                                pp_gemm_avx2_packed_ab,
                                                16,
                                                NULL};

/* Whether the OpenBLAS core chosen for this CPU has AVX2 kernels (its names
 * as in OpenBLAS's driver/others/dynamic.c; a build for one core reports it). */
static bool openblas_has_avx2_kernels(void)
{
    static const char *const avx2_cores[] = {"haswell", "zen", "skylakex", "cooperlake", "sapphirerapids"};
    const char *core = openblas_get_corename();
    for (size_t i = 0; core && i < sizeof avx2_cores / sizeof avx2_cores[0]; i++)
        if (strcasecmp(core, avx2_cores[i]) == 0)
            return true;
    return false;
}

static const packed_kernels *ours;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t workspace_key;

static void choose_backend(void)
{
    switch (pp_cpu_path()) {
    case PP_CPU_AVX512: ours = &avx512_kernels; break;
    case PP_CPU_AVX2: ours = openblas_has_avx2_kernels() ? &avx2_kernels : &avx2_all_kernels; break;
    case PP_CPU_PORTABLE: ours = NULL; break;
    }
    /* Our threads split the work and each calls sgemm: OpenBLAS's own threads
     * would only compete with them (threads.h). Once, before any cblas call. */
    openblas_set_num_threads(1);
    pthread_key_create(&workspace_key, free); /* pp_aligned_alloc memory */
}

static const packed_kernels *kernels(void)
{
    pthread_once(&once, choose_backend);
    return ours;
}

const char *pp_gemm_backend(void)
{
    return kernels() ? kernels()->name : "openblas";
}

/* Each thread packs into its own buffer (about 1 MB), made on first use and
 * freed when the thread ends; NULL if it cannot be had or OpenBLAS runs. The
 * backend is fixed per process, so the buffer's size is too. */
static float *thread_workspace(void)
{
    if (!kernels())
        return NULL;
    float *ws = pthread_getspecific(workspace_key);
    if (!ws) {
        ws = pp_aligned_alloc(sizeof(float) * kernels()->workspace_floats());
        if (ws)
            pthread_setspecific(workspace_key, ws);
    }
    return ws;
}

/* Our kernels add into C or overwrite it; other betas scale C first. */
static bool prepare_beta(int m, int n, float beta, float *c, int ldc)
{
    if (beta == 0.0f || beta == 1.0f)
        return beta == 1.0f;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
            c[(size_t)i * ldc + j] *= beta;
    return true;
}

static void scale_only(int m, int n, float beta, float *c, int ldc)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
            c[(size_t)i * ldc + j] = beta == 0.0f ? 0.0f : c[(size_t)i * ldc + j] * beta;
}

/* Empty products: nothing (m or n is 0) or C = beta C (k is 0). True when handled. */
static bool trivial_product(int m, int n, int k, float beta, float *c, int ldc)
{
    if (m > 0 && n > 0 && k > 0)
        return false;
    if (m > 0 && n > 0)
        scale_only(m, n, beta, c, ldc);
    return true;
}

/* A plain product of at most this many columns (the 7 x 7 layers at batch
 * 1: 49) runs ours even beside OpenBLAS's Haswell kernels: OpenBLAS copies
 * the whole of A (a wide layer's weights, 4.7 MB per thread in layer4, from
 * memory) into its panels on every call, ours reads a row-major A in place
 * (gemm_blocked.h). Measured 256 x 49 by 4608 (bench/gemm_bench's case, its
 * caches flushed between calls): ours 1.07-1.13x faster; layer4 of the 224
 * batch-1 forward 1-3 % faster. */
#define FEW_COLUMNS 64

static bool few_columns_product(bool trans_a, bool trans_b, int n)
{
    return !trans_a && !trans_b && n <= FEW_COLUMNS;
}

/* Our kernel for this plain product, or NULL (OpenBLAS's). */
static plain_gemm_fn *plain_kernel(bool trans_a, bool trans_b, int n)
{
    if (!kernels())
        return NULL;
    if (kernels()->gemm)
        return kernels()->gemm;
    return few_columns_product(trans_a, trans_b, n) ? kernels()->few_columns : NULL;
}

void pp_sgemm(bool trans_a, bool trans_b, int m, int n, int k, const float *a, int lda, const float *b, int ldb,
              float beta, float *c, int ldc)
{
    if (trivial_product(m, n, k, beta, c, ldc))
        return;
    plain_gemm_fn *ours = plain_kernel(trans_a, trans_b, n);
    float *ws = ours ? thread_workspace() : NULL;
    if (ws) {
        ours(trans_a, trans_b, m, n, k, a, lda, b, ldb, prepare_beta(m, n, beta, c, ldc), c, ldc, ws);
        return;
    }
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n, k,
                1.0f, a, lda, b, ldb, beta, c, ldc);
}

size_t pp_gemm_packed_floats(int m, int k)
{
    return kernels() ? pp_gemm_padded_rows(m) * (size_t)k : (size_t)m * k;
}

void pp_gemm_pack_rows(float *packed, int m, int k, int row0, const float *a, int lda, int rows)
{
    if (kernels()) {
        kernels()->pack_rows(packed, m, k, row0, a, lda, rows);
        return;
    }
    for (int i = 0; i < rows; i++)
        memcpy(packed + (size_t)(row0 + i) * k, a + (size_t)i * lda, sizeof(float) * (size_t)k);
}

void pp_gemm_pack(float *packed, const float *a, int lda, int m, int k)
{
    pp_gemm_pack_rows(packed, m, k, 0, a, lda, m);
}

/* Element (i, q) of a packed A (m x k). */
static float packed_a_at(const float *packed_a, int m, int k, int i, int q)
{
    const int pc = q / PP_GEMM_KC * PP_GEMM_KC, kc = k - pc < PP_GEMM_KC ? k - pc : PP_GEMM_KC;
    return packed_a[(size_t)pc * pp_gemm_padded_rows(m) + (size_t)(i / PP_GEMM_MR) * PP_GEMM_MR * kc +
                    (size_t)(q - pc) * PP_GEMM_MR + i % PP_GEMM_MR];
}

/* The slow path of our packed operands without a workspace: B row-major
 * (b_panel 0) or in panels of b_panel columns (pp_sgemm_packed_ab). */
static void unpacked_product(int m, int n, int k, const float *packed_a, const float *b, int ldb, int b_panel,
                             float beta, float *c, int ldc)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            float sum = 0;
            for (int q = 0; q < k; q++) {
                const size_t at = b_panel ? (size_t)(j / b_panel) * k * b_panel + (size_t)q * b_panel + j % b_panel
                                          : (size_t)q * ldb + j;
                sum += packed_a_at(packed_a, m, k, i, q) * b[at];
            }
            c[(size_t)i * ldc + j] = sum + (beta == 0.0f ? 0.0f : beta * c[(size_t)i * ldc + j]);
        }
}

int pp_gemm_b_panel_width(void)
{
    return kernels() ? kernels()->b_panel : 0;
}

void pp_sgemm_packed_ab(int m, int n, int k, const float *packed_a, const float *packed_b, float beta, float *c,
                        int ldc)
{
    if (trivial_product(m, n, k, beta, c, ldc))
        return;
    float *ws = thread_workspace();
    if (ws)
        kernels()->packed_ab(m, n, k, packed_a, packed_b, prepare_beta(m, n, beta, c, ldc), c, ldc, ws);
    else
        unpacked_product(m, n, k, packed_a, packed_b, 0, pp_gemm_b_panel_width(), beta, c, ldc);
}

void pp_sgemm_packed(int m, int n, int k, const float *packed_a, const float *b, int ldb, float beta, float *c,
                     int ldc)
{
    if (trivial_product(m, n, k, beta, c, ldc))
        return;
    float *ws = thread_workspace();
    if (ws) {
        kernels()->packed(m, n, k, packed_a, b, ldb, prepare_beta(m, n, beta, c, ldc), c, ldc, ws);
        return;
    }
    /* With OpenBLAS the packed layout is plain row-major; with our kernels,
     * only a failed workspace allocation gets here. */
    if (!kernels())
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, packed_a, k, b, ldb, beta, c, ldc);
    else
        unpacked_product(m, n, k, packed_a, b, ldb, 0, beta, c, ldc);
}

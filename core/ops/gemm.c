#include "gemm.h"

#include <cblas.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../tensor.h"
#include "gemm_layout.h"

static bool avx512;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t workspace_key;

static void choose_backend(void)
{
    const char *forced = getenv("PP_GEMM");
    __builtin_cpu_init();
    avx512 = __builtin_cpu_supports("avx512f") && !(forced && strcmp(forced, "openblas") == 0);
    pthread_key_create(&workspace_key, free); /* pp_aligned_alloc memory */
}

static bool use_avx512(void)
{
    pthread_once(&once, choose_backend);
    return avx512;
}

const char *pp_gemm_backend(void)
{
    return use_avx512() ? "avx512" : "openblas";
}

/* Each thread packs into its own buffer (about 1 MB), made on first use and
 * freed when the thread ends. NULL if it cannot be had. */
static float *thread_workspace(void)
{
    float *ws = pthread_getspecific(workspace_key);
    if (!ws) {
        ws = pp_aligned_alloc(sizeof(float) * pp_gemm_avx512_workspace_floats());
        if (ws)
            pthread_setspecific(workspace_key, ws);
    }
    return ws;
}

/* The AVX-512 kernels add into C or overwrite it; other betas scale C first. */
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

void pp_sgemm(bool trans_a, bool trans_b, int m, int n, int k, const float *a, int lda, const float *b, int ldb,
              float beta, float *c, int ldc)
{
    if (m <= 0 || n <= 0)
        return;
    if (k <= 0) {
        scale_only(m, n, beta, c, ldc);
        return;
    }
    float *ws = use_avx512() ? thread_workspace() : NULL;
    if (ws) {
        pp_gemm_avx512(trans_a, trans_b, m, n, k, a, lda, b, ldb, prepare_beta(m, n, beta, c, ldc), c, ldc, ws);
        return;
    }
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n, k,
                1.0f, a, lda, b, ldb, beta, c, ldc);
}

size_t pp_gemm_packed_floats(int m, int k)
{
    return use_avx512() ? pp_gemm_padded_rows(m) * (size_t)k : (size_t)m * k;
}

size_t pp_gemm_packed_offset(int m, int k, int row, int col)
{
    return use_avx512() ? pp_gemm_panel_offset(m, k, row, col) : (size_t)row * k + col;
}

void pp_gemm_pack(float *packed, const float *a, int lda, int m, int k)
{
    if (use_avx512()) {
        pp_gemm_avx512_pack(packed, false, a, lda, m, k);
        return;
    }
    for (int i = 0; i < m; i++)
        memcpy(packed + (size_t)i * k, a + (size_t)i * lda, sizeof(float) * (size_t)k);
}

void pp_sgemm_packed(int m, int n, int k, const float *packed_a, const float *b, int ldb, float beta, float *c,
                     int ldc)
{
    if (m <= 0 || n <= 0)
        return;
    if (k <= 0) {
        scale_only(m, n, beta, c, ldc);
        return;
    }
    float *ws = use_avx512() ? thread_workspace() : NULL;
    if (ws) {
        pp_gemm_avx512_packed(m, n, k, packed_a, b, ldb, prepare_beta(m, n, beta, c, ldc), c, ldc, ws);
        return;
    }
    /* Without AVX-512 the packed layout is plain row-major (or the workspace
     * could not be had: then the AVX-512 layout is unpacked on the fly). */
    if (!use_avx512()) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, packed_a, k, b, ldb, beta, c, ldc);
        return;
    }
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            float sum = 0;
            for (int q = 0; q < k; q++)
                sum += packed_a[pp_gemm_panel_offset(m, k, i, q)] * b[(size_t)q * ldb + j];
            c[(size_t)i * ldc + j] = sum + (beta == 0.0f ? 0.0f : beta * c[(size_t)i * ldc + j]);
        }
}

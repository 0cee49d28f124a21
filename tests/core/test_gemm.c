/* pp_sgemm and the packed-operand path against a double-precision reference,
 * on shapes that cross every blocking edge (partial micro-tiles, several KC and
 * NC blocks, leading dimensions wider than the matrix), all four transpose
 * combinations and betas 0, 1 and 0.5. meson runs it once per backend. */
#include "../test_util.h"
#include "cpu.h"
#include "ops/gemm.h"
#include "ops/gemm_layout.h"
#include "tensor.h"

#include <stdbool.h>
#include <stdint.h>

static float random_value(uint64_t *state)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)((*state >> 40) & 0xffff) / 32768.0f - 1.0f;
}

static float *random_matrix(size_t count, uint64_t *state)
{
    float *m = malloc(sizeof(float) * (count ? count : 1));
    for (size_t i = 0; i < count; i++)
        m[i] = random_value(state);
    return m;
}

/* want = op(A) op(B) + beta C in double */
static void reference(float *want, bool ta, bool tb, int m, int n, int k, const float *a, int lda, const float *b,
                      int ldb, float beta, const float *c, int ldc)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double sum = beta == 0.0f ? 0.0 : (double)beta * c[(size_t)i * ldc + j];
            for (int q = 0; q < k; q++) {
                double x = ta ? a[(size_t)q * lda + i] : a[(size_t)i * lda + q];
                double y = tb ? b[(size_t)j * ldb + q] : b[(size_t)q * ldb + j];
                sum += x * y;
            }
            want[(size_t)i * ldc + j] = (float)sum;
        }
}

/* How a case multiplies: through the dispatcher, with packed A, or straight
 * through our AVX2 kernel (gemm.c sends plain products to OpenBLAS on the avx2
 * path, so the kernel is checked on its own too). */
typedef enum { VIA_DISPATCH, VIA_PACKED, VIA_PACKED_AB, VIA_AVX2_KERNEL } gemm_route;

/* B (k x n, row-major) into the panels pp_sgemm_packed_ab reads; the last
 * panel's columns past n hold 7s (read, never stored: a wrong column shows). */
static float *pack_b_panels(const float *b, int ldb, int k, int n, int width)
{
    const int panels = (n + width - 1) / width;
    float *p = pp_aligned_alloc(sizeof(float) * ((size_t)panels * width * k + 1));
    for (int j = 0; j < panels * width; j++)
        for (int q = 0; q < k; q++)
            p[(size_t)(j / width) * k * width + (size_t)q * width + j % width] = j < n ? b[(size_t)q * ldb + j] : 7.0f;
    return p;
}

static void gemm_case_via(bool ta, bool tb, int m, int n, int k, float beta, gemm_route route)
{
    const bool packed = route == VIA_PACKED;
    uint64_t state = (uint64_t)m * 1000003 + (uint64_t)n * 1009 + (uint64_t)k + ta * 7 + tb * 13;
    const int pad = 3; /* leading dimensions wider than the matrices */
    int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
    size_t a_rows = ta ? (size_t)k : (size_t)m, b_rows = tb ? (size_t)n : (size_t)k;
    float *a = random_matrix(a_rows * lda, &state), *b = random_matrix(b_rows * ldb, &state);
    float *c = random_matrix((size_t)m * ldc, &state), *want = malloc(sizeof(float) * (size_t)m * ldc);
    memcpy(want, c, sizeof(float) * (size_t)m * ldc); /* the padding columns must stay as they are */
    reference(want, ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
    if (route == VIA_AVX2_KERNEL) {
        float *ws = pp_aligned_alloc(sizeof(float) * pp_gemm_avx2_workspace_floats());
        if (beta != 0.0f && beta != 1.0f) /* the kernel adds or overwrites, as gemm.c calls it */
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                    c[(size_t)i * ldc + j] *= beta;
        pp_gemm_avx2(ta, tb, m, n, k, a, lda, b, ldb, beta != 0.0f, c, ldc, ws);
        free(ws);
    } else if (route == VIA_PACKED_AB) {
        float *p = malloc(sizeof(float) * (pp_gemm_packed_floats(m, k) + 1));
        pp_gemm_pack(p, a, lda, m, k);
        float *pb = pack_b_panels(b, ldb, k, n, pp_gemm_b_panel_width());
        pp_sgemm_packed_ab(m, n, k, p, pb, beta, c, ldc);
        free(p), free(pb);
    } else if (packed) {
        float *p = malloc(sizeof(float) * (pp_gemm_packed_floats(m, k) + 1));
        pp_gemm_pack(p, a, lda, m, k);
        pp_sgemm_packed(m, n, k, p, b, ldb, beta, c, ldc);
        free(p);
    } else {
        pp_sgemm(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
    }
    /* float accumulation over k terms of size <= 1: error grows like sqrt(k) */
    double tol = 1e-6 * (k + 16);
    char what[128];
    snprintf(what, sizeof what, "%s %c%c m%d n%d k%d beta %.1f",
             route == VIA_AVX2_KERNEL ? "avx2 kernel" : route == VIA_PACKED_AB ? "packed A and B" : packed ? "packed" : "gemm", ta ? 'T' : 'N',
             tb ? 'T' : 'N', m, n, k, beta);
    double e = pp_test_compare(what, c, want, (size_t)m * ldc, tol, 0);
    CHECK(e <= tol, "%s (%s): max error %.3g > %.3g", what, pp_gemm_backend(), e, tol);
    free(a), free(b), free(c), free(want);
}

static void gemm_case(bool ta, bool tb, int m, int n, int k, float beta, bool packed)
{
    gemm_case_via(ta, tb, m, n, k, beta, packed ? VIA_PACKED : VIA_DISPATCH);
}

static const int shapes[][3] = {
    {1, 1, 1},   {12, 32, 8},   {13, 33, 7},    {5, 17, 300},  {64, 227, 64},   {97, 50, 257},
    {30, 1100, 40}, {200, 70, 530}, {2, 3, 0},  {128, 113, 128},
};

static void test_gemm_transposes(void)
{
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
        for (int t = 0; t < 4; t++)
            gemm_case(t & 1, t & 2, shapes[s][0], shapes[s][1], shapes[s][2], 0.0f, false);
}

static void test_gemm_beta(void)
{
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        gemm_case(false, true, shapes[s][0], shapes[s][1], shapes[s][2], 1.0f, false);
        gemm_case(true, false, shapes[s][0], shapes[s][1], shapes[s][2], 0.5f, false);
    }
}

static void test_gemm_packed(void)
{
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        gemm_case(false, false, shapes[s][0], shapes[s][1], shapes[s][2], 0.0f, true);
        gemm_case(false, false, shapes[s][0], shapes[s][1], shapes[s][2], 1.0f, true);
    }
}

/* Both operands packed (Winograd's input transform writes B as panels). */
static void test_gemm_packed_ab(void)
{
    if (!pp_gemm_b_panel_width()) {
        printf("(%s: no B panel layout, pp_sgemm_packed_ab is not used)\n", pp_gemm_backend());
        return;
    }
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        gemm_case_via(false, false, shapes[s][0], shapes[s][1], shapes[s][2], 0.0f, VIA_PACKED_AB);
        gemm_case_via(false, false, shapes[s][0], shapes[s][1], shapes[s][2], 1.0f, VIA_PACKED_AB);
    }
}

static void test_avx2_kernel(void)
{
    if (pp_cpu_best_path() < PP_CPU_AVX2) {
        printf("(no AVX2 on this CPU: the AVX2 kernel is not run)\n");
        return;
    }
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
        for (int t = 0; t < 4 && shapes[s][2] > 0; t++) { /* empty products: gemm.c's part */
            gemm_case_via(t & 1, t & 2, shapes[s][0], shapes[s][1], shapes[s][2], 0.0f, VIA_AVX2_KERNEL);
            gemm_case_via(t & 1, t & 2, shapes[s][0], shapes[s][1], shapes[s][2], 0.5f, VIA_AVX2_KERNEL);
        }
    gemm_case_via(false, true, 64, 300, 8200, 1.0f, VIA_AVX2_KERNEL); /* several depth blocks, full 8 x 8 packs */
}

/* The Winograd transform packs its kernels band by band. */
static void test_pack_rows(void)
{
    const int m = 101, k = 600; /* several bands, a partial last one, several depth blocks */
    const size_t floats = pp_gemm_packed_floats(m, k);
    float *a = malloc(sizeof(float) * m * k), *whole = calloc(floats, sizeof(float));
    float *banded = calloc(floats, sizeof(float));
    uint64_t state = 5;
    for (int i = 0; i < m * k; i++)
        a[i] = random_value(&state);
    pp_gemm_pack(whole, a, k, m, k);
    for (int row0 = 0; row0 < m; row0 += PP_GEMM_ROW_BAND) {
        int rows = m - row0 < PP_GEMM_ROW_BAND ? m - row0 : PP_GEMM_ROW_BAND;
        pp_gemm_pack_rows(banded, m, k, row0, a + (size_t)row0 * k, k, rows);
    }
    CHECK(memcmp(whole, banded, sizeof(float) * floats) == 0, "band-by-band packing differs (%s)", pp_gemm_backend());
    free(a), free(whole), free(banded);
}

int main(void)
{
    printf("backend: %s\n", pp_gemm_backend());
    const char *want = getenv("PP_CPU");
    if (want && strcmp(want, "portable") == 0)
        CHECK(strcmp(pp_gemm_backend(), "openblas") == 0, "PP_CPU=portable ignored");
    else if (want)
        CHECK(strcmp(pp_gemm_backend(), want) == 0, "PP_CPU=%s ran %s", want, pp_gemm_backend());
    RUN_TEST(test_gemm_transposes);
    RUN_TEST(test_gemm_beta);
    RUN_TEST(test_gemm_packed);
    RUN_TEST(test_gemm_packed_ab);
    RUN_TEST(test_pack_rows);
    RUN_TEST(test_avx2_kernel);
    return TEST_EXIT();
}

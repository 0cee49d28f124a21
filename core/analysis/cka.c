#include "cka.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "../ops/gemm.h"
#include "../threads.h"

static const char *const kind_names[] = {"linear", "rbf", "debiased"};

const char *pp_cka_kind_name(pp_cka_kind k)
{
    return (unsigned)k < 3 ? kind_names[k] : "?";
}

bool pp_cka_kind_parse(const char *s, pp_cka_kind *k)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(s, kind_names[i]) == 0) {
            *k = (pp_cka_kind)i;
            return true;
        }
    return false;
}

/* Features per ssyrk call: the float sums stay short, the call stays large. */
#define GRAM_CHUNK 1024

pp_status pp_cka_gram(const float *x, int n, int64_t p, double *gram, int threads, pp_error *err)
{
    if (n < 1 || p < 1)
        return pp_fail(err, PP_ERR_ARG, "CKA needs at least one example and one feature (got %d x %lld)", n,
                       (long long)p);
    if (p > INT32_MAX)
        return pp_fail(err, PP_ERR_UNSUPPORTED, "%lld features per example are more than CKA handles",
                       (long long)p);
    (void)pp_gemm_backend(); /* sets OpenBLAS to one thread inside ours (threads.h) */
    const size_t nn = (size_t)n * n;
    const int64_t chunks = (p + GRAM_CHUNK - 1) / GRAM_CHUNK;
    int t = pp_threads_clamp(threads);
    if (t > chunks)
        t = (int)chunks;
    /* Each thread sums its chunks into its own double matrix (thread 0 into
     * gram) from a float scratch; upper triangles only, mirrored at the end. */
    double *partial = t > 1 ? calloc((size_t)(t - 1) * nn, sizeof(double)) : NULL;
    float *scratch = malloc((size_t)t * nn * sizeof(float));
    if ((t > 1 && !partial) || !scratch) {
        free(partial);
        free(scratch);
        return pp_fail(err, PP_ERR_NOMEM, "out of memory for %d x %d Gram matrices", n, n);
    }
    memset(gram, 0, nn * sizeof(double));
#pragma omp parallel num_threads(t)
    {
        const int id = omp_get_thread_num();
        double *acc = id == 0 ? gram : partial + (size_t)(id - 1) * nn;
        float *s = scratch + (size_t)id * nn;
        for (int64_t c = id; c < chunks; c += t) {
            int64_t lo = c * GRAM_CHUNK, len = p - lo < GRAM_CHUNK ? p - lo : GRAM_CHUNK;
            cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, n, (int)len, 1.0f, x + lo, (int)p, 0.0f, s, n);
            for (int i = 0; i < n; i++)
                for (int j = i; j < n; j++)
                    acc[(size_t)i * n + j] += s[(size_t)i * n + j];
        }
    }
    for (int k = 1; k < t; k++)
        for (size_t i = 0; i < nn; i++)
            gram[i] += partial[(size_t)(k - 1) * nn + i];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            gram[(size_t)i * n + j] = gram[(size_t)j * n + i];
    free(partial);
    free(scratch);
    return PP_OK;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* np.median: the middle value, or the mean of the two middle ones. */
static double median(double *v, size_t count)
{
    qsort(v, count, sizeof *v, compare_doubles);
    return count % 2 ? v[count / 2] : 0.5 * (v[count / 2 - 1] + v[count / 2]);
}

void pp_cka_rbf_from_gram(double *gram, int n, double threshold)
{
    const size_t nn = (size_t)n * n;
    double *norms = malloc((size_t)n * sizeof(double)), *sorted = malloc(nn * sizeof(double));
    if (!norms || !sorted) { /* no memory for the median: a kernel of NaNs, never a wrong number */
        for (size_t i = 0; i < nn; i++)
            gram[i] = NAN;
        free(norms);
        free(sorted);
        return;
    }
    for (int i = 0; i < n; i++)
        norms[i] = gram[(size_t)i * n + i];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            gram[(size_t)i * n + j] = -2 * gram[(size_t)i * n + j] + norms[i] + norms[j];
    memcpy(sorted, gram, nn * sizeof(double));
    double scale = 2 * threshold * threshold * median(sorted, nn);
    for (size_t i = 0; i < nn; i++)
        gram[i] = exp(-gram[i] / scale);
    free(norms);
    free(sorted);
}

void pp_cka_center(double *k, int n, bool unbiased)
{
    double *means = malloc((size_t)n * sizeof(double));
    if (!means) {
        for (size_t i = 0; i < (size_t)n * n; i++)
            k[i] = NAN;
        return;
    }
    if (unbiased)
        for (int i = 0; i < n; i++)
            k[(size_t)i * n + i] = 0;
    for (int j = 0; j < n; j++)
        means[j] = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            means[j] += k[(size_t)i * n + j];
    double total = 0;
    for (int j = 0; j < n; j++) {
        means[j] /= unbiased ? n - 2 : n;
        total += means[j];
    }
    double shift = unbiased ? total / (2.0 * (n - 1)) : total / n / 2;
    for (int j = 0; j < n; j++)
        means[j] -= shift;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            k[(size_t)i * n + j] -= means[i] + means[j];
    if (unbiased)
        for (int i = 0; i < n; i++)
            k[(size_t)i * n + i] = 0;
    free(means);
}

double pp_cka_dot(const double *a, const double *b, int n)
{
    double s = 0;
    for (size_t i = 0; i < (size_t)n * n; i++)
        s += a[i] * b[i];
    return s;
}

void pp_cka_prepare_kernel(double *gram, int n, pp_cka_kind kind, double threshold)
{
    if (kind == PP_CKA_RBF)
        pp_cka_rbf_from_gram(gram, n, threshold);
    pp_cka_center(gram, n, kind == PP_CKA_DEBIASED);
}

double pp_cka_from_centered(const double *kx, const double *ky, int n)
{
    return pp_cka_dot(kx, ky, n) / sqrt(pp_cka_dot(kx, kx, n) * pp_cka_dot(ky, ky, n));
}

pp_status pp_cka_accumulator_init(pp_cka_accumulator *acc, int layers_a, int layers_b, pp_error *err)
{
    memset(acc, 0, sizeof *acc);
    acc->layers_a = layers_a;
    acc->layers_b = layers_b;
    acc->cross = calloc((size_t)layers_a * layers_b, sizeof(double));
    acc->self_a = calloc((size_t)layers_a, sizeof(double));
    acc->self_b = calloc((size_t)layers_b, sizeof(double));
    if (!acc->cross || !acc->self_a || !acc->self_b) {
        pp_cka_accumulator_free(acc);
        return pp_fail(err, PP_ERR_NOMEM, "out of memory for a %d x %d CKA matrix", layers_a, layers_b);
    }
    return PP_OK;
}

void pp_cka_accumulator_free(pp_cka_accumulator *acc)
{
    free(acc->cross);
    free(acc->self_a);
    free(acc->self_b);
    memset(acc, 0, sizeof *acc);
}

void pp_cka_batch_terms(int la, int lb, double *const *ka, double *const *kb, int n, double scale, int threads,
                        double *terms)
{
    const int pairs = la * lb;
#pragma omp parallel for schedule(dynamic) num_threads(pp_threads_clamp(threads))
    for (int q = 0; q < pairs + la + lb; q++) {
        if (q < pairs)
            terms[q] = pp_cka_dot(ka[q / lb], kb[q % lb], n) / scale;
        else if (q < pairs + la)
            terms[q] = pp_cka_dot(ka[q - pairs], ka[q - pairs], n) / scale;
        else
            terms[q] = pp_cka_dot(kb[q - pairs - la], kb[q - pairs - la], n) / scale;
    }
}

void pp_cka_accumulator_add(pp_cka_accumulator *acc, const double *terms)
{
    const int la = acc->layers_a, lb = acc->layers_b, pairs = la * lb;
    for (int q = 0; q < pairs; q++)
        acc->cross[q] += terms[q];
    for (int i = 0; i < la; i++)
        acc->self_a[i] += terms[pairs + i];
    for (int j = 0; j < lb; j++)
        acc->self_b[j] += terms[pairs + la + j];
    acc->batches++;
}

void pp_cka_accumulator_result(const pp_cka_accumulator *acc, double *out)
{
    for (int i = 0; i < acc->layers_a; i++)
        for (int j = 0; j < acc->layers_b; j++) {
            double d = acc->self_a[i] * acc->self_b[j];
            out[(size_t)i * acc->layers_b + j] =
                acc->self_a[i] > 0 && acc->self_b[j] > 0 ? acc->cross[(size_t)i * acc->layers_b + j] / sqrt(d) : NAN;
        }
}

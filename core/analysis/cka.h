/* Centred kernel alignment (docs/spec/compare.md; Kornblith et al. 2019, Nguyen et
 * al. 2021): how alike two representations of the same n examples are.
 *
 *   K = X Xᵀ (linear) or exp(-D² / (2 t² median D²)) (RBF), L likewise of Y;
 *   CKA = <vec K̃, vec L̃> / (‖K̃‖_F ‖L̃‖_F)
 *
 * with K̃ = H K H (biased HSIC) or the Székely–Rizzo U-centring (debiased,
 * unbiased HSIC; n >= 4). Grams are double; the features are float32 rows
 * (one example per row, conv activations flattened per example). */
#ifndef PP_ANALYSIS_CKA_H
#define PP_ANALYSIS_CKA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../status.h"

typedef enum {
    PP_CKA_LINEAR,   /* linear kernel, biased HSIC (the default) */
    PP_CKA_RBF,      /* RBF kernel with a threshold t, biased HSIC */
    PP_CKA_DEBIASED, /* linear kernel, unbiased HSIC */
} pp_cka_kind;

/* The demo's RBF threshold (the fraction of the median distance). */
#define PP_CKA_RBF_THRESHOLD 0.5

const char *pp_cka_kind_name(pp_cka_kind k); /* "linear", "rbf", "debiased" */
bool pp_cka_kind_parse(const char *s, pp_cka_kind *k);

/* gram (n x n, row-major) = X Xᵀ of x (n rows of p floats, row stride p), on
 * `threads` threads with OpenBLAS's ssyrk over chunks of the features summed
 * in double. */
pp_status pp_cka_gram(const float *x, int n, int64_t p, double *gram, int threads, pp_error *err);

/* Turns a linear Gram into the RBF kernel of the same rows, in place: the
 * median runs over all n² squared distances, the zero diagonal included. */
void pp_cka_rbf_from_gram(double *gram, int n, double threshold);

/* Centres a kernel in place: H K H (biased), or the U-centring of the
 * unbiased estimator (zero diagonal, means over n-2, diagonal zeroed again). */
void pp_cka_center(double *k, int n, bool unbiased);

/* <vec a, vec b> over n x n values. */
double pp_cka_dot(const double *a, const double *b, int n);

/* Centres k the way `kind` needs (the RBF transform included). */
void pp_cka_prepare_kernel(double *gram, int n, pp_cka_kind kind, double threshold);

/* CKA of two prepared (centred) kernels. */
double pp_cka_from_centered(const double *kx, const double *ky, int n);

/* Sums of unbiased HSIC over minibatches for every pair of layers of two
 * models (Nguyen et al.'s MinibatchCKA, in double): cross[i][j] over A's layer
 * i and B's layer j, self_a[i], self_b[j]. One batch adds its U-centred Grams'
 * inner products divided by n(n-3), so batches of unequal size weigh right. */
typedef struct {
    int layers_a, layers_b;
    double *cross;          /* (layers_a x layers_b) */
    double *self_a, *self_b;
    int batches;
} pp_cka_accumulator;

pp_status pp_cka_accumulator_init(pp_cka_accumulator *acc, int layers_a, int layers_b, pp_error *err);
void pp_cka_accumulator_free(pp_cka_accumulator *acc);
/* One batch's share of the sums in `terms` (la*lb cross terms, then la of
 * A, then lb of B: PP_CKA_TERMS(la, lb) values) from ka[i], kb[j], the
 * batch's centred kernels (n x n; U-centred for the unbiased sums; kb may be
 * ka), each inner product divided by scale (n(n-3), or 1);
 * pp_cka_accumulator_add then adds them. A run split into shards (cka
 * --shard) saves each batch's terms and the merge adds them in batch order:
 * the same sums, bit for bit, as one process makes. */
#define PP_CKA_TERMS(la, lb) ((size_t)(la) * (lb) + (la) + (lb))
void pp_cka_batch_terms(int la, int lb, double *const *ka, double *const *kb, int n, double scale, int threads,
                        double *terms);
void pp_cka_accumulator_add(pp_cka_accumulator *acc, const double *terms);
/* out (layers_a x layers_b) = cross / sqrt(self_a self_b); NAN where a self
 * term is not positive (a constant layer). */
void pp_cka_accumulator_result(const pp_cka_accumulator *acc, double *out);

#endif

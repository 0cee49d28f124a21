/* CKA between every pair of layers of two models (or one model and itself) on
 * the same N images of a data set, clean or under one corruption at one
 * severity (docs/spec/compare.md). The layers are the forward taps: stem, the four
 * stage outputs, the pooled features and the logits (conv activations
 * flattened per example).
 *
 * N <= batch: exact CKA of the chosen kind over all N images at once.
 * N > batch: minibatch CKA (Nguyen et al. 2021): the images in order, split
 * into ceil(N / batch) batches of near-equal size, unbiased HSIC of each
 * batch's kernels summed per layer pair, in double. The kernel is linear
 * (linear, debiased) or RBF per batch; minibatch sums are always unbiased.
 * Memory: one model's activations of one batch at a time, plus n x n Grams
 * per layer and model. */
#ifndef PP_ANALYSIS_CKA_LAYERS_H
#define PP_ANALYSIS_CKA_LAYERS_H

#include <stdbool.h>
#include <stdint.h>

#include "../corrupt/corruption.h"
#include "../data/dataset.h"
#include "../forward.h"
#include "../job.h"
#include "../model.h"
#include "cka.h"

#define PP_CKA_MAX_LAYERS PP_TAP_COUNT
#define PP_CKA_DEFAULT_BATCH 256

typedef struct {
    pp_cka_kind kind;
    double threshold;          /* RBF; <= 0: PP_CKA_RBF_THRESHOLD */
    int batch;                 /* minibatch size; <= 0: PP_CKA_DEFAULT_BATCH (at least 4) */
    int64_t limit;             /* first N images; <= 0: all */
    const char *corruption;    /* NULL: clean images */
    double severity;           /* [0, 5] with a corruption */
    uint64_t seed;             /* image i is corrupted with pp_corruption_sample_seed(seed, i) */
    pp_corruption_preset preset;
    const pp_tap *layers;      /* NULL: stem, layer1..layer4, features, logits */
    int n_layers;
} pp_cka_options;

typedef struct {
    char name[16];
} pp_cka_layer_name;

typedef struct {
    int layers_a, layers_b;
    pp_cka_layer_name names_a[PP_CKA_MAX_LAYERS], names_b[PP_CKA_MAX_LAYERS];
    double *matrix;        /* (layers_a x layers_b), row i = A's layer i */
    int match[PP_CKA_MAX_LAYERS]; /* for A's layer i, B's layer of the same name (or position), or -1 */
    bool matched_by_position;     /* no layer name in common: the diagonal is by position */
    bool same_model;
    pp_cka_kind kind;
    double threshold;
    bool minibatch;
    int batches, batch;
    int64_t samples;
    char model_a[512], model_b[512], dataset[256];
    char corruption[32];   /* "" when clean */
    double severity;
    double seconds;
    double seconds_cka;    /* of which in Grams, centring and sums (not forwards) */
} pp_cka_result;

/* The layer names CKA accepts (for --layers): a tap name but push, pull and
 * kernels, which are not activations of every model. */
pp_status pp_cka_layer_parse(const char *name, pp_tap *tap, pp_error *err);

/* b may be a (or NULL): one model against itself, each batch forwarded once.
 * Refuses models of different input size or channels, or trained on
 * different data sets (when both files name one), and data sets that are not
 * the models' input (eval/compat.h), naming the files. Cancel and progress
 * through job (batches of both models), on job's threads. */
pp_status pp_cka_models(const pp_model *a, const char *name_a, const pp_model *b, const char *name_b,
                        const pp_dataset *ds, const pp_cka_options *opt, const pp_job *job, pp_cka_result *out,
                        pp_error *err);

/* For each of A's layers, B's layer of the same name or -1; when no name is
 * in common, layer i with layer i (by_position set). */
void pp_cka_match_layers(const pp_cka_layer_name *a, int la, const pp_cka_layer_name *b, int lb, int *match,
                         bool *by_position);

void pp_cka_result_free(pp_cka_result *r);

/* pushpull-cka/1 JSON: the layer names, the matrix (rows = A), the matched
 * pairs and how the run was made; atomic. */
pp_status pp_cka_result_save_json(const pp_cka_result *r, const char *path, pp_error *err);
/* layer_a,layer_b,cka rows (one per pair, A's layers outer); atomic. */
pp_status pp_cka_result_save_csv(const pp_cka_result *r, const char *path, pp_error *err);

#endif

/* CKA between every pair of layers of two models (or one model and itself) on
 * the same N images of a data set, clean or under one corruption at one
 * severity (docs/spec/compare.md). The layers (analysis/model_layers.h): stem,
 * every residual block's output (layer1.0, layer1.1, ...), the pooled
 * features and the logits, or any list of names; conv activations flattened
 * per example.
 *
 * N <= batch: exact CKA of the chosen kind over all N images at once.
 * N > batch: minibatch CKA (Nguyen et al. 2021): each of `passes` passes
 * takes the N images in a fresh seeded shuffle (the paper's protocol: 10
 * passes; `in_order`: one pass in data-set order), split into ceil(N / batch)
 * batches of near-equal size; unbiased HSIC of each batch's kernels summed
 * per layer pair over every batch of every pass, in double. The kernel is
 * linear (linear, debiased) or RBF per batch; minibatch sums are always
 * unbiased. Memory: one model's activations of one batch at a time, plus
 * n x n Grams per layer and model. */
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
#include "model_layers.h"

#define PP_CKA_MAX_LAYERS PP_MODEL_LAYERS_MAX
#define PP_CKA_DEFAULT_BATCH 256

typedef struct {
    pp_cka_kind kind;
    double threshold;          /* RBF; <= 0: PP_CKA_RBF_THRESHOLD */
    int batch;                 /* minibatch size; <= 0: PP_CKA_DEFAULT_BATCH (at least 4) */
    int64_t limit;             /* first N images; <= 0: all */
    const char *corruption;    /* NULL: clean images */
    double severity;           /* [0, 5] with a corruption */
    uint64_t seed;             /* image i is corrupted with pp_corruption_sample_seed(seed, i); the
                                  minibatch shuffles are seeded by it too (pp_cka_pass_order) */
    pp_corruption_preset preset;
    const char *const *layers; /* names (model_layers.h) for both models; NULL: stem, every block,
                                  features, logits of each */
    int n_layers;
    const char *const *layers_b; /* B's own list (NULL: as A's); with no name in common the
                                    layers are matched by position */
    int n_layers_b;
    int passes;                /* minibatch: shuffled passes over the images (<= 0: 1) */
    bool in_order;             /* minibatch: one pass in data-set order, not shuffled */
    int shard, n_shards;       /* shard K of N (0 of 0: the whole run): the batches ("units", every
                                  batch of every pass, in order) [(K-1)U/N, KU/N) only, their terms
                                  kept for pushpull merge (cka_shard.h) */
    bool describe_only;        /* fill the result's description (no terms, no matrix), compute
                                  nothing: what a shard's saved result must match to be resumed */
} pp_cka_options;

typedef struct {
    char name[24];
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
    int batches, batch;    /* per pass */
    int passes;
    bool shuffled;
    int64_t samples;
    char model_a[512], model_b[512], dataset[256];
    char corruption[32];   /* "" when clean */
    double severity;
    double seconds;
    double seconds_cka;    /* of which in Grams, centring and sums (not forwards) */
    uint64_t seed;
    pp_corruption_preset preset;
    /* A shard (shard_count > 0): units [unit_lo, unit_hi) of `units`, their
     * terms (one row of PP_CKA_TERMS(layers_a, layers_b) per unit, cka.h);
     * no matrix. */
    int shard_index, shard_count;
    int64_t unit_lo, unit_hi, units;
    double *terms;
    char sha256_a[65], sha256_b[65]; /* the model files' (filled by the caller) */
} pp_cka_result;

/* Pass p's order of images 0..n-1 (order: n indices): a Fisher-Yates
 * shuffle drawing j = pp_rng_int(key, i, 0, i) for i = n-1 down to 1, key =
 * pp_rng_key(seed, PP_CKA_SHUFFLE_STREAM + p) (reproduced in
 * tests/analysis/make_cka_fixtures.py). */
#define PP_CKA_SHUFFLE_STREAM 0x434b4100ull
void pp_cka_pass_order(int64_t *order, int64_t n, uint64_t seed, int pass);

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
/* The members a result's JSON and a shard's share (format, models, data set,
 * corruption, kind, layers): a new object (cka_report.c). */
struct json_t;
struct json_t *pp_cka_result_json_head(const pp_cka_result *r, const char *format);

/* layer_a,layer_b,cka rows (one per pair, A's layers outer); atomic. */
pp_status pp_cka_result_save_csv(const pp_cka_result *r, const char *path, pp_error *err);

#endif

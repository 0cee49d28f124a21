/* Evaluating a model on a data set: clean top-1/top-5 error, and the error
 * under each corruption and severity, corrupted on the fly by the corruption
 * engine (seeded) or read from a pre-corrupted copy (CIFAR-10-C / ImageNet-C
 * layout). */
#ifndef PP_EVALUATE_H
#define PP_EVALUATE_H

#include <stdbool.h>
#include <stdint.h>

#include "../corrupt/corruption.h"
#include "../data/dataset.h"
#include "../job.h"
#include "../model.h"
#include "metrics.h"

#define PP_EVAL_MAX_CORRUPTIONS 32

/* What one phase (clean, or one corruption at one severity) counted. */
typedef struct {
    int64_t evaluated, wrong_top1, wrong_top5;
} pp_eval_counts;

typedef struct {
    char name[32];
    bool has[5];     /* severity s+1 evaluated */
    double error[5]; /* top-1 error in [0, 1] */
    pp_eval_counts counts[5];
} pp_eval_corruption;

/* Sharding (--shard K/N): the work is units of one batch of the unsharded run
 * in one phase, numbered batch-major (u = batch * phases + phase), and shard K
 * of N takes the units [lo, hi) where the running count of samples crosses
 * (K-1)/N and K/N of the whole: disjoint, within one batch of samples of each
 * other in size, each with the whole mix of corruptions. A unit's batch holds the
 * same samples as in a single run, so its predictions are the single run's. */
typedef struct {
    int index, count;           /* K in 1..N and N; count 0 = not sharded */
    int64_t unit_lo, unit_hi;   /* [lo, hi) of units_total */
    int64_t units_total;
    int batch;                  /* the batch size that defines the units */
    char model_sha256[65];      /* of the model file (filled by the caller) */
    char labels_sha256[65];     /* of the evaluated samples' labels (int64, little-endian) */
} pp_eval_shard;

typedef struct {
    char model[512];
    char dataset[256];
    int64_t samples;
    double clean_error, clean_top5_error;
    int n_corruptions;
    pp_eval_corruption corruptions[PP_EVAL_MAX_CORRUPTIONS];
    char corruption_source[300]; /* "engine seed 0 preset cifar" or the -C folder */
    double seconds;
    pp_eval_counts clean_counts;
    pp_eval_shard shard;
    char notes[1024]; /* warnings about the data (e.g. missing class folders), one a line */
} pp_eval_result;

typedef struct {
    const char *const *corruptions; /* names; NULL = the 15 benchmark ones */
    int n_corruptions;              /* 0 with corruptions NULL: clean only if clean_only */
    bool clean_only;
    bool severities[5];             /* which of 1..5; all false = all */
    int64_t limit;                  /* first N samples; <= 0 = all */
    int batch;                      /* images per forward pass; <= 0 = 64 */
    uint64_t seed;                  /* on-the-fly corruption seed (see pp_corruption_sample_seed) */
    pp_corruption_preset preset;    /* parameter table for on-the-fly corruption */
    const char *corrupted_dir;      /* pre-corrupted copy; NULL = corrupt on the fly */
    int shard, n_shards;            /* shard K of N (1 <= K <= N); n_shards 0 = all the work */
} pp_eval_options;

/* Fills what a run will be without running it: model, data set, samples, the
 * corruption list, the source, and the shard's identity and unit range
 * (everything but model_sha256, the counts and the errors). */
pp_status pp_eval_prepare(const pp_model *m, const char *model_name, const pp_dataset *clean,
                          const pp_eval_options *opt, pp_eval_result *out, pp_error *err);

pp_status pp_evaluate(const pp_model *m, const char *model_name, const pp_dataset *clean,
                      const pp_eval_options *opt, const pp_job *job, pp_eval_result *out, pp_error *err);

/* The benchmark corruptions with all five severities, as a metrics table. */
void pp_eval_result_table(const pp_eval_result *r, pp_error_table *t);

/* pushpull-eval/1 JSON (atomic save; load validates every field). */
pp_status pp_eval_result_save_json(const pp_eval_result *r, const char *path, pp_error *err);
pp_status pp_eval_result_load_json(pp_eval_result *r, const char *path, pp_error *err);
/* Shard k of n's units [lo, hi) for r's samples, batch and phases. */
void pp_eval_shard_units(const pp_eval_result *r, int k, int n, int64_t *lo, int64_t *hi);

/* pushpull-eval-shard/1 JSON: the run's identity and the shard's counts. */
pp_status pp_eval_shard_save_json(const pp_eval_result *r, const char *path, pp_error *err);
pp_status pp_eval_shard_load_json(pp_eval_result *r, const char *path, pp_error *err);
/* NULL when a and b are shards of one run (they may be the same shard), else
 * the first field that differs, written into `what` ("model_sha256 ab12... vs
 * cd34..."). */
const char *pp_eval_shard_mismatch(const pp_eval_result *a, const pp_eval_result *b, char *what, size_t len);
/* The single-run result from all N shards of a run (any order): refuses
 * shards of different runs, a missing or doubled shard, and counts that do
 * not add up, naming the files (`names`, parallel to `shards`). */
pp_status pp_eval_merge(const pp_eval_result *shards, const char *const *names, int n, pp_eval_result *out,
                        pp_error *err);

/* corruption,severity,error rows (clean first), atomically. */
pp_status pp_eval_result_save_csv(const pp_eval_result *r, const char *path, pp_error *err);

#endif

/* Evaluating a model's stability on perturbation sequences (ImageNet-P / CIFAR-10-P):
 * every sequence's frames through the model, then the flip probability, top-5 distance
 * and repeatability of each perturbation (stability.h). Sequences come from the
 * perturbation engine on the fly (any data set, seeded), from a CIFAR-10-P layout
 * (DIR/<p>.npy, uint8 (N, T, H, W, C), as `make-p` writes) or from the released
 * ImageNet-P (DIR/<p>/<wnid>/<image>.mp4, H.264). */
#ifndef PP_EVALUATE_P_H
#define PP_EVALUATE_P_H

#include <stdbool.h>
#include <stdint.h>

#include "../data/dataset.h"
#include "../job.h"
#include "../model.h"
#include "../perturb/perturbation.h"
#include "../preprocess.h"
#include "stability.h"

typedef struct {
    char name[32];
    pp_perturbation_set set;
    bool against_first;
    int frames; /* per sequence */
    pp_stability_counts counts;
    char source[300]; /* the file or folder read, or "engine" */
} pp_eval_p_row;

typedef struct {
    char model[512];
    char model_sha256[65]; /* filled by the caller (shards must agree) */
    char dataset[256];
    char source[300]; /* "engine seed S preset P" or the sequences folder */
    int difficulty;   /* test.py's -d: the stride, or the noise level of noise sequences */
    int64_t samples;  /* sequences per perturbation in the whole run (before sharding) */
    int n;
    pp_eval_p_row rows[PP_STABILITY_MAX_ROWS];
    double seconds, generate_seconds, forward_seconds;
    int shard_index, shard_count; /* 0 of 0: the whole run */
} pp_eval_p_result;

typedef struct {
    const char *const *perturbations; /* names; NULL = the 10 test ones */
    int n_perturbations;
    int difficulty;                   /* 1..3 (0 = 1) */
    int64_t limit;                    /* first N sequences; <= 0 = all */
    int batch;                        /* frames per forward pass; <= 0 = 64 */
    uint64_t seed;
    pp_corruption_preset preset;      /* engine sequences */
    const char *sequences_dir;        /* pre-made sequences; NULL = generate from the data set */
    int shard, n_shards;              /* shard K of N: sequences [(K-1)S/N, KS/N) of each perturbation */
    bool describe_only;               /* fill the result's description (counts 0), evaluate nothing:
                                         what a shard's saved result must match to be resumed */
} pp_eval_p_options;

/* Resolves a perturbation list: "test" (the 10), "validation", "repeatability",
 * "all" or comma-separated names, into names[] (at most max). */
pp_status pp_eval_p_parse_list(const char *list, const char **names, int max, int *n, pp_error *err);

/* ds may be NULL when sequences_dir is given. */
pp_status pp_evaluate_p(const pp_model *m, const char *model_name, const pp_dataset *ds, const pp_eval_p_options *opt,
                        const pp_job *job, pp_eval_p_result *out, pp_error *err);

/* A frame into row `index` of a model's input batch: frames already at the model's
 * side are only normalised (test.py feeds the 224 frames as they are; the model's
 * Resize(256) + crop would zoom them), others are brought to its geometry. */
pp_status pp_eval_p_put_frame(const pp_preprocess *pre, const pp_image *frame, pp_tensor *batch, int index,
                              pp_error *err);

/* The rows as the summaries read them (names point into r). */
int pp_eval_p_rows(const pp_eval_p_result *r, pp_stability_row *rows, int max);

/* pushpull-eval-p/1 JSON: atomic save; load validates every field and names the file. */
pp_status pp_eval_p_save_json(const pp_eval_p_result *r, const char *path, pp_error *err);
pp_status pp_eval_p_load_json(pp_eval_p_result *r, const char *path, pp_error *err);
/* True when the file's "format" is pushpull-eval-p/1 (false on any read error). */
bool pp_eval_p_json_is(const char *path);

/* NULL when a and b are parts of one run (model hash, data set, source,
 * difficulty, samples, shard count, perturbations and frames), else what
 * differs. */
const char *pp_eval_p_mismatch(const pp_eval_p_result *a, const pp_eval_p_result *b);

/* The whole run from its N shards (any order): refuses shards of different runs, a
 * missing or doubled shard, naming the files. */
pp_status pp_eval_p_merge(const pp_eval_p_result *shards, const char *const *names, int n, pp_eval_p_result *out,
                          pp_error *err);

#endif

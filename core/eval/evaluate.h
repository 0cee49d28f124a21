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

typedef struct {
    char name[32];
    bool has[5];     /* severity s+1 evaluated */
    double error[5]; /* top-1 error in [0, 1] */
} pp_eval_corruption;

typedef struct {
    char model[512];
    char dataset[256];
    int64_t samples;
    double clean_error, clean_top5_error;
    int n_corruptions;
    pp_eval_corruption corruptions[PP_EVAL_MAX_CORRUPTIONS];
    char corruption_source[300]; /* "engine seed 0 preset cifar" or the -C folder */
    double seconds;
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
} pp_eval_options;

pp_status pp_evaluate(const pp_model *m, const char *model_name, const pp_dataset *clean,
                      const pp_eval_options *opt, const pp_job *job, pp_eval_result *out, pp_error *err);

/* The benchmark corruptions with all five severities, as a metrics table. */
void pp_eval_result_table(const pp_eval_result *r, pp_error_table *t);

/* pushpull-eval/1 JSON (atomic save; load validates every field). */
pp_status pp_eval_result_save_json(const pp_eval_result *r, const char *path, pp_error *err);
pp_status pp_eval_result_load_json(pp_eval_result *r, const char *path, pp_error *err);
/* corruption,severity,error rows (clean first), atomically. */
pp_status pp_eval_result_save_csv(const pp_eval_result *r, const char *path, pp_error *err);

#endif

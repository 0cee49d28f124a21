/* Robustness metrics of docs/spec/pushpull.md as pure functions over error tables:
 * CE, mCE, relative mCE, frequency-group CE, R_net. */
#ifndef PP_METRICS_H
#define PP_METRICS_H

#include <stdbool.h>

#include "../status.h"

/* The 15 ImageNet-C benchmark corruptions, in the published order. */
#define PP_BENCHMARK_CORRUPTIONS 15
extern const char *const pp_benchmark_corruptions[PP_BENCHMARK_CORRUPTIONS];
/* AlexNet's ImageNet-C top-1 error averaged over severities, same order. */
extern const double pp_alexnet_errors[PP_BENCHMARK_CORRUPTIONS];

typedef enum { PP_GROUP_LOW, PP_GROUP_MID, PP_GROUP_HIGH } pp_freq_group;
pp_freq_group pp_corruption_group(int benchmark_index);
const char *pp_freq_group_name(pp_freq_group g);
/* Index in pp_benchmark_corruptions, or -1. */
int pp_benchmark_index(const char *name);

/* Top-1 errors of one model: clean, and per benchmark corruption and severity
 * 1..5 (has[c] false when that corruption was not evaluated). */
typedef struct {
    double clean_error;
    bool has[PP_BENCHMARK_CORRUPTIONS];
    double error[PP_BENCHMARK_CORRUPTIONS][5];
} pp_error_table;

/* The normaliser of CE: another model's table (a baseline), or AlexNet's
 * published averages (no clean error, so no relative CE). */
typedef struct {
    const pp_error_table *table; /* NULL = AlexNet */
} pp_normalizer;

typedef struct {
    double ce[PP_BENCHMARK_CORRUPTIONS];          /* NAN where missing */
    double relative_ce[PP_BENCHMARK_CORRUPTIONS]; /* NAN where missing or undefined */
    double mce, relative_mce;                     /* over corruptions present in both */
    double group_ce[3];                           /* low, mid, high (NAN if empty) */
    int corruptions_used;
} pp_ce_summary;

pp_status pp_ce_summarize(const pp_error_table *model, const pp_normalizer *norm, pp_ce_summary *out,
                          pp_error *err);

/* R_net (paper Sec. 5.2): R_E = (E_b - E_m)/E_b, R_mCE = (mCE_b - mCE_m)/mCE_b,
 * R_net = (R_E + beta R_mCE)/2; beta <= 0 means auto: mCE_b / E_b. */
typedef struct {
    double r_e, r_mce, beta, r_net;
} pp_rnet;

pp_rnet pp_rnet_compute(double e_base, double mce_base, double e_model, double mce_model, double beta);

#endif

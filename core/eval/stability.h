/* Stability metrics of ImageNet-P (Hendrycks & Dietterich, ICLR 2019) as pure
 * functions, computed exactly as the official ImageNet-P/test.py does
 * (docs/spec/stability.md section 3):
 *
 * - top-1 f(x) = argmax of the logits, the first maximum winning ties;
 * - ranks as scipy.stats.rankdata(-logits, 'ordinal'): ties broken by class index;
 * - pairs: (0, j) for sequences compared with their clean frame (noise, and the
 *   repeatability set), else (j - d, j) for difficulty d (the d interleaved
 *   subsequences of test.py);
 * - flip probability FP = mean over sequences of the mean over pairs of f(a) != f(b);
 * - top-5 distance T5D = the same means of sum_{r<5} |r - min(rank_b(class_a(r)) - 1, 5)|;
 * - FR = FP / FP of a baseline, T5D (normalised) = uT5D / uT5D of the baseline, and
 *   mFR / mT5D their means over the 10 test perturbations both runs have. */
#ifndef PP_STABILITY_H
#define PP_STABILITY_H

#include <stdbool.h>
#include <stdint.h>

#include "../status.h"

/* One sequence's numbers. */
typedef struct {
    double flip;     /* mean over pairs of top-1 changes */
    double top5;     /* mean over pairs of the top-5 distance; NAN below 6 classes */
    bool consistent; /* every frame's top-1 is frame 0's (the repeatability score) */
    int pairs;
} pp_sequence_stability;

/* logits (frames, classes), row-major. difficulty >= 1 (ignored when against_first). */
pp_status pp_sequence_stability_compute(const float *logits, int frames, int classes, bool against_first,
                                        int difficulty, pp_sequence_stability *out, pp_error *err);

/* Sums over the sequences of one perturbation (shards add up). */
typedef struct {
    double flip_sum, top5_sum;
    int64_t sequences, consistent, frames;
} pp_stability_counts;

void pp_stability_counts_add(pp_stability_counts *c, const pp_sequence_stability *s, int frames);
void pp_stability_counts_merge(pp_stability_counts *into, const pp_stability_counts *c);
double pp_stability_flip_probability(const pp_stability_counts *c); /* NAN when empty */
double pp_stability_top5_distance(const pp_stability_counts *c);
double pp_stability_repeatability(const pp_stability_counts *c);   /* consistent / sequences */

/* One run's per-perturbation numbers, as the summaries read them. */
typedef struct {
    const char *name;
    double fp, t5d, repeatability;
} pp_stability_row;

#define PP_STABILITY_MAX_ROWS 32

typedef struct {
    double fr[PP_STABILITY_MAX_ROWS];  /* model rows' FP / baseline FP (NAN: no baseline row) */
    double t5d[PP_STABILITY_MAX_ROWS]; /* uT5D / baseline uT5D */
    double mfr, mt5d;                  /* over the 10 test perturbations in both (NAN: none) */
    int test_used, t5d_used;           /* how many entered mFR (baseline FP > 0) and mT5D */
    double mean_fp;                    /* raw FP over the 10 test perturbations present */
    double cifar_mean_fp;              /* raw FP over pp_cifar_p_mean_set, all ten present, else NAN */
    double repeatability;              /* mean over the repeatability rows present (NAN: none) */
} pp_stability_summary;

/* baseline may be NULL (no FR / T5D ratios). Rows are matched by name. */
pp_status pp_stability_summarize(const pp_stability_row *model, int n, const pp_stability_row *baseline, int nb,
                                 pp_stability_summary *out, pp_error *err);

#endif

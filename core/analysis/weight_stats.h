/* The weights of one model, or of two side by side (docs/spec/compare.md §5):
 * per parameter tensor ("layer") its statistics and a histogram over bin
 * edges shared by both models, per conv filter its L2 norm and mean, and for
 * two checkpoints of the same architecture (before and after fine-tuning)
 * the relative change ‖B − A‖_F / ‖A‖_F and a histogram of B − A.
 * BatchNorm γ, β and the push-pull α are layers of their own: per-channel
 * scalars on scales unlike the conv weights'. */
#ifndef PP_ANALYSIS_WEIGHT_STATS_H
#define PP_ANALYSIS_WEIGHT_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "../model.h"

#define PP_WEIGHT_BINS_DEFAULT 100
#define PP_WEIGHT_BINS_MAX 10000

typedef struct {
    int64_t count;
    double mean, std;      /* std over all values (ddof 0, as numpy's default) */
    double min, max;
    double norm;           /* L2 / Frobenius */
    double near_zero;      /* fraction with |w| < 1e-3 max|w| */
    double sparsity;       /* fraction exactly zero */
    int filters;           /* output channels of a 4-D conv weight, else 0 */
    double *filter_norm, *filter_mean; /* (filters) each, or NULL */
} pp_weight_stats;

/* Statistics of n values; filters > 0 splits them into that many equal rows
 * (a conv weight's output channels) for the per-filter norms and means. */
pp_status pp_weight_stats_compute(const float *v, int64_t n, int filters, pp_weight_stats *out, pp_error *err);
void pp_weight_stats_free(pp_weight_stats *s);

/* np.histogram(v, bins, range=(lo, hi)) in double: equal bins, the last one
 * closed; values outside are not counted. lo == hi is widened by 0.5 each
 * way, as numpy does. counts has `bins` entries, zeroed here. */
void pp_weight_histogram(const float *v, int64_t n, double lo, double hi, int bins, int64_t *counts);

typedef struct {
    char name[96];
    int ndim;
    int64_t shape[4];
    bool buffer;                /* running statistics, not trained */
    pp_weight_stats a, b;       /* b only when in_b (of B's own shape) */
    bool in_b;                  /* B has a tensor of this name */
    bool same_shape;            /* ... of the same shape: B − A below */
    double lo, hi;              /* shared histogram range: both models' min to max */
    int64_t *hist_a, *hist_b;   /* (bins) each; hist_b NULL unless in_b */
    double relative_change;     /* ‖B − A‖ / ‖A‖ (NAN unless same_shape, or when ‖A‖ = 0) */
    double diff_lo, diff_hi;    /* range of B − A */
    int64_t *hist_diff;         /* (bins) or NULL */
} pp_weight_layer;

typedef struct {
    char model_a[512], model_b[512];
    bool has_b;
    int bins;
    int count;
    pp_weight_layer *layers;    /* A's tensors in file order */
    int only_in_b;              /* B's tensors A lacks (not listed) */
} pp_weight_report;

/* b may be NULL. Buffers (BN running statistics) only with `buffers`. A
 * tensor of A's that B lacks is listed for A alone, one B holds with another
 * shape (another width or depth) without B − A; when no name matches at all,
 * B is of another family and that is an error naming both files. */
pp_status pp_weights_compare(const pp_model *a, const char *name_a, const pp_model *b, const char *name_b, int bins,
                             bool buffers, pp_weight_report *out, pp_error *err);
void pp_weight_report_free(pp_weight_report *r);

/* pushpull-weights/1 JSON (statistics, shared edges, counts, per-filter
 * values) and a CSV of one row per layer and model; both atomic. */
pp_status pp_weight_report_save_json(const pp_weight_report *r, const char *path, pp_error *err);
pp_status pp_weight_report_save_csv(const pp_weight_report *r, const char *path, pp_error *err);

#endif

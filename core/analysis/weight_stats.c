#include "weight_stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

pp_status pp_weight_stats_compute(const float *v, int64_t n, int filters, pp_weight_stats *out, pp_error *err)
{
    memset(out, 0, sizeof *out);
    out->count = n;
    if (n <= 0) {
        out->mean = out->std = out->min = out->max = out->near_zero = out->sparsity = NAN;
        return PP_OK;
    }
    double sum = 0, sq = 0, lo = v[0], hi = v[0], amax = 0;
    int64_t zeros = 0;
    for (int64_t i = 0; i < n; i++) {
        double x = v[i];
        sum += x;
        sq += x * x;
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
        amax = fabs(x) > amax ? fabs(x) : amax;
        zeros += x == 0;
    }
    out->mean = sum / (double)n;
    double var = 0; /* two passes: the one-pass formula loses digits for |mean| >> std */
    int64_t small = 0;
    for (int64_t i = 0; i < n; i++) {
        double d = v[i] - out->mean;
        var += d * d;
        small += fabs((double)v[i]) < 1e-3 * amax;
    }
    out->std = sqrt(var / (double)n);
    out->min = lo;
    out->max = hi;
    out->norm = sqrt(sq);
    out->near_zero = (double)small / (double)n;
    out->sparsity = (double)zeros / (double)n;
    if (filters > 0 && n % filters == 0) {
        out->filters = filters;
        out->filter_norm = malloc((size_t)filters * sizeof(double));
        out->filter_mean = malloc((size_t)filters * sizeof(double));
        if (!out->filter_norm || !out->filter_mean) {
            pp_weight_stats_free(out);
            return pp_fail(err, PP_ERR_NOMEM, "out of memory for %d filter statistics", filters);
        }
        const int64_t per = n / filters;
        for (int f = 0; f < filters; f++) {
            double s = 0, s2 = 0;
            for (int64_t i = 0; i < per; i++) {
                double x = v[(size_t)f * per + i];
                s += x;
                s2 += x * x;
            }
            out->filter_norm[f] = sqrt(s2);
            out->filter_mean[f] = s / (double)per;
        }
    }
    return PP_OK;
}

void pp_weight_stats_free(pp_weight_stats *s)
{
    free(s->filter_norm);
    free(s->filter_mean);
    s->filter_norm = s->filter_mean = NULL;
    s->filters = 0;
}

void pp_weight_histogram(const float *v, int64_t n, double lo, double hi, int bins, int64_t *counts)
{
    memset(counts, 0, (size_t)bins * sizeof *counts);
    if (lo == hi)
        lo -= 0.5, hi += 0.5;
    /* numpy's edges (linspace) and its index with the two corrections, so a
     * value on an edge lands where numpy puts it. */
    const double step = (hi - lo) / bins, norm = bins / (hi - lo);
#define EDGE(i) ((i) == bins ? hi : (double)(i) * step + lo)
    for (int64_t i = 0; i < n; i++) {
        double x = v[i];
        if (!(x >= lo && x <= hi))
            continue;
        int k = (int)((x - lo) * norm);
        if (k == bins)
            k--;
        if (x < EDGE(k))
            k--;
        if (x >= EDGE(k + 1) && k != bins - 1)
            k++;
        counts[k]++;
    }
#undef EDGE
}

static void layer_free(pp_weight_layer *l)
{
    pp_weight_stats_free(&l->a);
    pp_weight_stats_free(&l->b);
    free(l->hist_a);
    free(l->hist_b);
    free(l->hist_diff);
}

void pp_weight_report_free(pp_weight_report *r)
{
    for (int i = 0; i < r->count; i++)
        layer_free(&r->layers[i]);
    free(r->layers);
    r->layers = NULL;
    r->count = 0;
}

static bool same_shape(const pp_param *p, const pp_param *q)
{
    return q && p->ndim == q->ndim && memcmp(p->shape, q->shape, (size_t)p->ndim * sizeof p->shape[0]) == 0;
}

/* One tensor of A and its namesake q of B (or NULL); B − A only when their
 * shapes agree. */
static pp_status fill_layer(pp_weight_layer *l, const pp_param *p, const pp_param *q, int bins, pp_error *err)
{
    const int64_t n = pp_shape_numel(p->ndim, p->shape), nq = q ? pp_shape_numel(q->ndim, q->shape) : 0;
    snprintf(l->name, sizeof l->name, "%s", p->name);
    l->ndim = p->ndim;
    memcpy(l->shape, p->shape, sizeof l->shape);
    l->buffer = p->buffer;
    l->in_b = q != NULL;
    l->same_shape = same_shape(p, q);
    l->relative_change = NAN;
    pp_status st = pp_weight_stats_compute(p->data, n, p->ndim == 4 ? (int)p->shape[0] : 0, &l->a, err);
    if (st == PP_OK && q)
        st = pp_weight_stats_compute(q->data, nq, q->ndim == 4 ? (int)q->shape[0] : 0, &l->b, err);
    if (st != PP_OK)
        return st;
    l->lo = q && l->b.min < l->a.min ? l->b.min : l->a.min;
    l->hi = q && l->b.max > l->a.max ? l->b.max : l->a.max;
    l->hist_a = malloc((size_t)bins * sizeof(int64_t));
    if (q)
        l->hist_b = malloc((size_t)bins * sizeof(int64_t));
    if (l->same_shape)
        l->hist_diff = malloc((size_t)bins * sizeof(int64_t));
    float *diff = l->same_shape ? malloc((size_t)n * sizeof(float)) : NULL;
    if (!l->hist_a || (q && !l->hist_b) || (l->same_shape && (!l->hist_diff || !diff))) {
        free(diff);
        return pp_fail(err, PP_ERR_NOMEM, "out of memory for the histograms of %s", p->name);
    }
    pp_weight_histogram(p->data, n, l->lo, l->hi, bins, l->hist_a);
    if (q)
        pp_weight_histogram(q->data, nq, l->lo, l->hi, bins, l->hist_b);
    if (l->same_shape) {
        double d2 = 0;
        l->diff_lo = INFINITY, l->diff_hi = -INFINITY;
        for (int64_t i = 0; i < n; i++) {
            diff[i] = q->data[i] - p->data[i];
            double d = (double)q->data[i] - (double)p->data[i];
            d2 += d * d;
            l->diff_lo = diff[i] < l->diff_lo ? diff[i] : l->diff_lo;
            l->diff_hi = diff[i] > l->diff_hi ? diff[i] : l->diff_hi;
        }
        l->relative_change = l->a.norm > 0 ? sqrt(d2) / l->a.norm : NAN;
        pp_weight_histogram(diff, n, l->diff_lo, l->diff_hi, bins, l->hist_diff);
        free(diff);
    }
    return PP_OK;
}

pp_status pp_weights_compare(const pp_model *a, const char *name_a, const pp_model *b, const char *name_b, int bins,
                             bool buffers, pp_weight_report *out, pp_error *err)
{
    memset(out, 0, sizeof *out);
    if (bins < 1 || bins > PP_WEIGHT_BINS_MAX)
        return pp_fail(err, PP_ERR_ARG, "histograms take 1 to %d bins (got %d)", PP_WEIGHT_BINS_MAX, bins);
    snprintf(out->model_a, sizeof out->model_a, "%s", name_a);
    out->has_b = b != NULL;
    if (b)
        snprintf(out->model_b, sizeof out->model_b, "%s", name_b);
    out->bins = bins;
    int matched = 0, listed = 0;
    for (int i = 0; i < a->param_count; i++) {
        const pp_param *p = &a->params[i];
        listed += buffers || !p->buffer;
        matched += (buffers || !p->buffer) && b && pp_model_find_param(b, p->name);
    }
    if (b && listed > 0 && matched == 0)
        return pp_fail(err, PP_ERR_ARG,
                       "the models %s and %s share no weight tensor name: compare models of one family", name_a,
                       name_b);
    if (b)
        for (int j = 0; j < b->param_count; j++)
            out->only_in_b += (buffers || !b->params[j].buffer) && !pp_model_find_param(a, b->params[j].name);
    out->layers = calloc((size_t)(listed ? listed : 1), sizeof *out->layers);
    if (!out->layers)
        return pp_fail(err, PP_ERR_NOMEM, "out of memory for %d layers' statistics", listed);
    pp_status st = PP_OK;
    for (int i = 0; i < a->param_count && st == PP_OK; i++) {
        const pp_param *p = &a->params[i];
        if (!buffers && p->buffer)
            continue;
        const pp_param *q = b ? pp_model_find_param(b, p->name) : NULL;
        st = fill_layer(&out->layers[out->count++], p, q, bins, err);
    }
    if (st != PP_OK)
        pp_weight_report_free(out);
    return st;
}

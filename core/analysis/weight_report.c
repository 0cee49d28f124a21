/* Weight statistics on disk: pushpull-weights/1 JSON and a per-layer CSV. */
#include <jansson.h>
#include <stdio.h>

#include "../atomic_file.h"
#include "../json_file.h"
#include "../number_text.h"
#include "weight_stats.h"

#define WEIGHTS_FORMAT "pushpull-weights/1"

static json_t *doubles_json(const double *v, int n)
{
    json_t *list = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(list, pp_json_number(v[i]));
    return list;
}

static json_t *counts_json(const int64_t *v, int n)
{
    json_t *list = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(list, json_integer(v[i]));
    return list;
}

static json_t *stats_json(const pp_weight_stats *s, const int64_t *hist, int bins)
{
    json_t *o = json_object();
    json_object_set_new(o, "count", json_integer(s->count));
    json_object_set_new(o, "mean", pp_json_number(s->mean));
    json_object_set_new(o, "std", pp_json_number(s->std));
    json_object_set_new(o, "min", pp_json_number(s->min));
    json_object_set_new(o, "max", pp_json_number(s->max));
    json_object_set_new(o, "norm", pp_json_number(s->norm));
    json_object_set_new(o, "near_zero", pp_json_number(s->near_zero));
    json_object_set_new(o, "sparsity", pp_json_number(s->sparsity));
    json_object_set_new(o, "histogram", counts_json(hist, bins));
    if (s->filters) {
        json_object_set_new(o, "filter_norm", doubles_json(s->filter_norm, s->filters));
        json_object_set_new(o, "filter_mean", doubles_json(s->filter_mean, s->filters));
    }
    return o;
}

pp_status pp_weight_report_save_json(const pp_weight_report *r, const char *path, pp_error *err)
{
    pp_json_build_begin();
    json_t *o = json_object(), *layers = json_array();
    json_object_set_new(o, "format", json_string(WEIGHTS_FORMAT));
    json_object_set_new(o, "model_a", json_string(r->model_a));
    json_object_set_new(o, "model_b", r->has_b ? json_string(r->model_b) : json_null());
    json_object_set_new(o, "bins", json_integer(r->bins));
    json_object_set_new(o, "only_in_b", json_integer(r->only_in_b));
    for (int i = 0; i < r->count; i++) {
        const pp_weight_layer *l = &r->layers[i];
        json_t *lo = json_object(), *shape = json_array();
        for (int d = 0; d < l->ndim; d++)
            json_array_append_new(shape, json_integer(l->shape[d]));
        json_object_set_new(lo, "name", json_string(l->name));
        json_object_set_new(lo, "shape", shape);
        json_object_set_new(lo, "buffer", json_boolean(l->buffer));
        json_object_set_new(lo, "range", doubles_json((double[]){l->lo, l->hi}, 2));
        json_object_set_new(lo, "a", stats_json(&l->a, l->hist_a, r->bins));
        if (l->in_b) {
            json_object_set_new(lo, "b", stats_json(&l->b, l->hist_b, r->bins));
        }
        if (l->same_shape) {
            json_object_set_new(lo, "relative_change", pp_json_number(l->relative_change));
            json_object_set_new(lo, "diff_range", doubles_json((double[]){l->diff_lo, l->diff_hi}, 2));
            json_object_set_new(lo, "diff_histogram", counts_json(l->hist_diff, r->bins));
        }
        json_array_append_new(layers, lo);
    }
    json_object_set_new(o, "layers", layers);
    return pp_json_file_save(o, path, err);
}

static void csv_row(FILE *fp, const pp_weight_layer *l, const char *model, const pp_weight_stats *s, bool with_change)
{
    char v[8][32];
    fprintf(fp, "%s,%s,%lld,%s,%s,%s,%s,%s,%s,%s,%s\n", l->name, model, (long long)s->count,
            pp_csv_number(v[0], 32, s->mean, 8), pp_csv_number(v[1], 32, s->std, 8), pp_csv_number(v[2], 32, s->min, 8),
            pp_csv_number(v[3], 32, s->max, 8), pp_csv_number(v[4], 32, s->norm, 8),
            pp_csv_number(v[5], 32, s->near_zero, 6), pp_csv_number(v[6], 32, s->sparsity, 6),
            with_change ? pp_csv_number(v[7], 32, l->relative_change, 8) : "");
}

pp_status pp_weight_report_save_csv(const pp_weight_report *r, const char *path, pp_error *err)
{
    pp_atomic_file af;
    pp_status st = pp_atomic_open(&af, path, err);
    if (st != PP_OK)
        return st;
    fprintf(af.fp, "layer,model,count,mean,std,min,max,norm,near_zero,sparsity,relative_change\n");
    for (int i = 0; i < r->count; i++) {
        const pp_weight_layer *l = &r->layers[i];
        csv_row(af.fp, l, "a", &l->a, false);
        if (l->in_b)
            csv_row(af.fp, l, "b", &l->b, l->same_shape);
    }
    return pp_atomic_commit(&af, err);
}

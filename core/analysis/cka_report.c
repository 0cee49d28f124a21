/* CKA results on disk: the pushpull-cka/1 JSON and a CSV of the same matrix. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../atomic_file.h"
#include "../json_file.h"
#include "../number_text.h"
#include "cka_layers.h"

#define CKA_FORMAT "pushpull-cka/1"

static json_t *names_json(const pp_cka_layer_name *names, int n)
{
    json_t *list = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(list, json_string(names[i].name));
    return list;
}

struct json_t *pp_cka_result_json_head(const pp_cka_result *r, const char *format)
{
    json_t *o = json_object();
    json_object_set_new(o, "format", json_string(format));
    json_object_set_new(o, "model_a", json_string(r->model_a));
    json_object_set_new(o, "model_b", json_string(r->model_b));
    json_object_set_new(o, "same_model", json_boolean(r->same_model));
    json_object_set_new(o, "dataset", json_string(r->dataset));
    json_object_set_new(o, "samples", json_integer(r->samples));
    json_object_set_new(o, "corruption", r->corruption[0] ? json_string(r->corruption) : json_null());
    json_object_set_new(o, "severity", r->corruption[0] ? pp_json_number(r->severity) : json_null());
    json_object_set_new(o, "kind", json_string(pp_cka_kind_name(r->kind)));
    if (r->kind == PP_CKA_RBF)
        json_object_set_new(o, "rbf_threshold", pp_json_number(r->threshold));
    json_object_set_new(o, "layers_a", names_json(r->names_a, r->layers_a));
    json_object_set_new(o, "layers_b", names_json(r->names_b, r->layers_b));
    return o;
}

pp_status pp_cka_result_save_json(const pp_cka_result *r, const char *path, pp_error *err)
{
    pp_json_build_begin();
    json_t *o = pp_cka_result_json_head(r, CKA_FORMAT), *rows = json_array(), *pairs = json_array();
    json_object_set_new(o, "method", json_string(r->minibatch ? "minibatch" : "exact"));
    json_object_set_new(o, "batches", json_integer(r->batches));
    json_object_set_new(o, "batch", json_integer(r->batch));
    if (r->minibatch) {
        json_object_set_new(o, "passes", json_integer(r->passes));
        json_object_set_new(o, "order", json_string(r->shuffled ? "shuffled" : "data set"));
    }
    for (int i = 0; i < r->layers_a; i++) {
        json_t *row = json_array();
        for (int j = 0; j < r->layers_b; j++)
            json_array_append_new(row, pp_json_number(r->matrix[(size_t)i * r->layers_b + j]));
        json_array_append_new(rows, row);
    }
    json_object_set_new(o, "matrix", rows);
    for (int i = 0; i < r->layers_a; i++)
        if (r->match[i] >= 0) {
            json_t *pair = json_object();
            json_object_set_new(pair, "a", json_string(r->names_a[i].name));
            json_object_set_new(pair, "b", json_string(r->names_b[r->match[i]].name));
            json_object_set_new(pair, "cka", pp_json_number(r->matrix[(size_t)i * r->layers_b + r->match[i]]));
            json_array_append_new(pairs, pair);
        }
    json_object_set_new(o, "matched", pairs);
    json_object_set_new(o, "matched_by", json_string(r->matched_by_position ? "position" : "name"));
    json_object_set_new(o, "seconds", pp_json_number(r->seconds));
    json_object_set_new(o, "seconds_cka", pp_json_number(r->seconds_cka));
    return pp_json_file_save(o, path, err);
}

pp_status pp_cka_result_save_csv(const pp_cka_result *r, const char *path, pp_error *err)
{
    pp_atomic_file af;
    pp_status st = pp_atomic_open(&af, path, err);
    if (st != PP_OK)
        return st;
    char num[32];
    fprintf(af.fp, "layer_a,layer_b,cka\n");
    for (int i = 0; i < r->layers_a; i++)
        for (int j = 0; j < r->layers_b; j++)
            fprintf(af.fp, "%s,%s,%s\n", r->names_a[i].name, r->names_b[j].name,
                    pp_csv_number(num, sizeof num, r->matrix[(size_t)i * r->layers_b + j], 8));
    return pp_atomic_commit(&af, err);
}

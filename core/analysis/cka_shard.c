#include "cka_shard.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../json_file.h"
#include "../number_text.h"

/* A unit's terms as one string: 16 hex digits (the bits) per double. */
static json_t *terms_json(const double *t, size_t n)
{
    char *s = malloc(16 * n + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        uint64_t bits;
        memcpy(&bits, &t[i], sizeof bits);
        snprintf(s + 16 * i, 17, "%016" PRIx64, bits);
    }
    json_t *v = json_string(s);
    free(s);
    return v;
}

static bool terms_parse(const char *s, double *t, size_t n)
{
    if (!s || strlen(s) != 16 * n || strspn(s, "0123456789abcdef") != 16 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char word[17];
        memcpy(word, s + 16 * i, 16);
        word[16] = '\0';
        uint64_t bits = strtoull(word, NULL, 16);
        memcpy(&t[i], &bits, sizeof bits);
    }
    return true;
}

pp_status pp_cka_shard_save_json(const pp_cka_result *r, const char *path, pp_error *err)
{
    if (r->shard_count < 1 || !r->terms)
        return pp_fail(err, PP_ERR_ARG, "%s: not a CKA shard's result", path);
    pp_json_build_begin();
    json_t *o = pp_cka_result_json_head(r, PP_CKA_SHARD_FORMAT), *terms = json_array();
    json_object_set_new(o, "model_a_sha256", json_string(r->sha256_a));
    json_object_set_new(o, "model_b_sha256", json_string(r->sha256_b));
    json_object_set_new(o, "seed", json_integer((json_int_t)(r->seed & INT64_MAX)));
    json_object_set_new(o, "preset", json_string(pp_corruption_preset_name(r->preset)));
    json_object_set_new(o, "minibatch", json_boolean(r->minibatch));
    json_object_set_new(o, "batches", json_integer(r->batches));
    json_object_set_new(o, "batch", json_integer(r->batch));
    json_object_set_new(o, "passes", json_integer(r->passes));
    json_object_set_new(o, "shuffled", json_boolean(r->shuffled));
    json_object_set_new(o, "shard", json_integer(r->shard_index));
    json_object_set_new(o, "shards", json_integer(r->shard_count));
    json_object_set_new(o, "units", json_integer(r->units));
    json_object_set_new(o, "unit_lo", json_integer(r->unit_lo));
    json_object_set_new(o, "unit_hi", json_integer(r->unit_hi));
    const size_t per = PP_CKA_TERMS(r->layers_a, r->layers_b);
    for (int64_t u = 0; u < r->unit_hi - r->unit_lo; u++)
        json_array_append_new(terms, terms_json(r->terms + per * (size_t)u, per));
    json_object_set_new(o, "terms", terms);
    json_object_set_new(o, "seconds", pp_json_number(r->seconds));
    json_object_set_new(o, "seconds_cka", pp_json_number(r->seconds_cka));
    return pp_json_file_save(o, path, err);
}

static bool get_sha(json_t *o, const char *key, char out[65])
{
    return pp_json_get_str(o, key, out, 65) && strlen(out) == 64 && strspn(out, "0123456789abcdef") == 64;
}

static bool get_bool(json_t *o, const char *key, bool *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_boolean(v))
        return false;
    *out = json_is_true(v);
    return true;
}

static bool get_real(json_t *o, const char *key, double lo, double hi, double *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v) || !(json_number_value(v) >= lo && json_number_value(v) <= hi))
        return false;
    *out = json_number_value(v);
    return true;
}

static bool get_names(json_t *o, const char *key, pp_cka_layer_name *names, int *n)
{
    json_t *list = json_object_get(o, key);
    if (!json_is_array(list) || json_array_size(list) < 1 || json_array_size(list) > PP_CKA_MAX_LAYERS)
        return false;
    *n = (int)json_array_size(list);
    for (int i = 0; i < *n; i++) {
        const char *s = json_string_value(json_array_get(list, (size_t)i));
        if (!s || !*s || strlen(s) >= sizeof names[i].name)
            return false;
        snprintf(names[i].name, sizeof names[i].name, "%s", s);
    }
    return true;
}

/* The fields of a shard file; false at the first bad one (named in *bad). */
static bool read_shard(json_t *o, pp_cka_result *r, const char **bad)
{
    int64_t v, count, index;
    char text[32];
#define NEED(cond, field) \
    if (!(cond)) {        \
        *bad = field;     \
        return false;     \
    }
    NEED(pp_json_get_str(o, "model_a", r->model_a, sizeof r->model_a), "model_a");
    NEED(pp_json_get_str(o, "model_b", r->model_b, sizeof r->model_b), "model_b");
    NEED(get_sha(o, "model_a_sha256", r->sha256_a), "model_a_sha256");
    NEED(get_sha(o, "model_b_sha256", r->sha256_b), "model_b_sha256");
    NEED(get_bool(o, "same_model", &r->same_model), "same_model");
    NEED(pp_json_get_str(o, "dataset", r->dataset, sizeof r->dataset), "dataset");
    NEED(pp_json_get_int(o, "samples", 2, INT64_MAX / 2, &r->samples), "samples");
    const bool clean = json_is_null(json_object_get(o, "corruption"));
    NEED(clean || pp_json_get_str(o, "corruption", r->corruption, sizeof r->corruption), "corruption");
    NEED(clean ? json_is_null(json_object_get(o, "severity"))
               : get_real(o, "severity", 0, PP_CORRUPTION_MAX_SEVERITY, &r->severity),
         "severity");
    NEED(pp_json_get_int(o, "seed", 0, INT64_MAX, &v), "seed");
    r->seed = (uint64_t)v;
    NEED(pp_json_get_str(o, "preset", text, sizeof text) && pp_corruption_preset_parse(text, &r->preset), "preset");
    NEED(pp_json_get_str(o, "kind", text, sizeof text) && pp_cka_kind_parse(text, &r->kind), "kind");
    r->threshold = PP_CKA_RBF_THRESHOLD;
    NEED(r->kind != PP_CKA_RBF || get_real(o, "rbf_threshold", 1e-9, 100, &r->threshold), "rbf_threshold");
    NEED(get_bool(o, "minibatch", &r->minibatch) && get_bool(o, "shuffled", &r->shuffled), "minibatch or shuffled");
    NEED(pp_json_get_int(o, "batches", 1, r->samples, &v), "batches");
    r->batches = (int)v;
    NEED(pp_json_get_int(o, "batch", 2, 4096, &v) && v * r->batches >= r->samples, "batch");
    r->batch = (int)v;
    NEED(pp_json_get_int(o, "passes", 1, 1000, &v), "passes");
    r->passes = (int)v;
    NEED(get_names(o, "layers_a", r->names_a, &r->layers_a), "layers_a");
    NEED(get_names(o, "layers_b", r->names_b, &r->layers_b), "layers_b");
    NEED(pp_json_get_int(o, "shards", 1, 1 << 20, &count), "shards");
    NEED(pp_json_get_int(o, "shard", 1, count, &index), "shard");
    r->shard_count = (int)count, r->shard_index = (int)index;
    NEED(pp_json_get_int(o, "units", 1, INT32_MAX, &r->units) && r->units == (int64_t)r->passes * r->batches,
         "units");
    NEED(pp_json_get_int(o, "unit_lo", 0, r->units, &r->unit_lo) && r->unit_lo == (index - 1) * r->units / count,
         "unit_lo");
    NEED(pp_json_get_int(o, "unit_hi", 0, r->units, &r->unit_hi) && r->unit_hi == index * r->units / count,
         "unit_hi");
    NEED(get_real(o, "seconds", 0, 1e12, &r->seconds) && get_real(o, "seconds_cka", 0, 1e12, &r->seconds_cka),
         "seconds");
    json_t *terms = json_object_get(o, "terms");
    const size_t per = PP_CKA_TERMS(r->layers_a, r->layers_b), rows = (size_t)(r->unit_hi - r->unit_lo);
    NEED(json_is_array(terms) && json_array_size(terms) == rows, "terms");
    r->terms = malloc(per * (rows ? rows : 1) * sizeof(double));
    NEED(r->terms, "terms (out of memory)");
    for (size_t u = 0; u < rows; u++)
        NEED(terms_parse(json_string_value(json_array_get(terms, u)), r->terms + per * u, per), "terms");
#undef NEED
    return true;
}

pp_status pp_cka_shard_load_json(pp_cka_result *r, const char *path, pp_error *err)
{
    memset(r, 0, sizeof *r);
    json_t *o;
    pp_status st = pp_json_file_load(path, &o, err);
    if (st != PP_OK)
        return st;
    const char *format = json_string_value(json_object_get(o, "format"));
    const char *bad = NULL;
    if (!format || strcmp(format, PP_CKA_SHARD_FORMAT) != 0)
        st = pp_fail(err, PP_ERR_UNSUPPORTED, "%s is not a %s file", path, PP_CKA_SHARD_FORMAT);
    else if (!read_shard(o, r, &bad))
        st = pp_fail(err, PP_ERR_FORMAT, "%s: missing or bad \"%s\"", path, bad);
    json_decref(o);
    if (st != PP_OK)
        pp_cka_result_free(r);
    return st;
}

bool pp_cka_shard_json_is(const char *path)
{
    json_t *o;
    pp_error err = {0};
    if (pp_json_file_load(path, &o, &err) != PP_OK)
        return false;
    const char *format = json_string_value(json_object_get(o, "format"));
    bool is = format && strcmp(format, PP_CKA_SHARD_FORMAT) == 0;
    json_decref(o);
    return is;
}

const char *pp_cka_shard_mismatch(const pp_cka_result *a, const pp_cka_result *b, char *what, size_t len)
{
#define DIFF(cond, ...)                      \
    if (cond) {                              \
        snprintf(what, len, __VA_ARGS__);    \
        return what;                         \
    }
    DIFF(strcmp(a->sha256_a, b->sha256_a) != 0, "model A file (SHA-256)");
    DIFF(strcmp(a->sha256_b, b->sha256_b) != 0, "model B file (SHA-256)");
    DIFF(strcmp(a->dataset, b->dataset) != 0, "data set '%s' vs '%s'", a->dataset, b->dataset);
    DIFF(a->samples != b->samples, "images %lld vs %lld", (long long)a->samples, (long long)b->samples);
    DIFF(strcmp(a->corruption, b->corruption) != 0 || a->severity != b->severity,
         "corruption '%s' %g vs '%s' %g", a->corruption, a->severity, b->corruption, b->severity);
    DIFF(a->seed != b->seed, "seed %llu vs %llu", (unsigned long long)a->seed, (unsigned long long)b->seed);
    DIFF(a->preset != b->preset, "corruption preset");
    DIFF(a->kind != b->kind || (a->kind == PP_CKA_RBF && a->threshold != b->threshold),
         "kind %s vs %s (or the RBF threshold)",
         pp_cka_kind_name(a->kind), pp_cka_kind_name(b->kind));
    DIFF(a->batches != b->batches || a->batch != b->batch, "batches %d of %d vs %d of %d", a->batches, a->batch,
         b->batches, b->batch);
    DIFF(a->passes != b->passes || a->shuffled != b->shuffled, "passes or their order");
    DIFF(a->shard_count != b->shard_count, "number of shards N %d vs %d", a->shard_count, b->shard_count);
    DIFF(a->layers_a != b->layers_a || a->layers_b != b->layers_b, "layers");
    for (int i = 0; i < a->layers_a; i++)
        DIFF(strcmp(a->names_a[i].name, b->names_a[i].name) != 0, "A's layer %s vs %s", a->names_a[i].name,
             b->names_a[i].name);
    for (int j = 0; j < a->layers_b; j++)
        DIFF(strcmp(a->names_b[j].name, b->names_b[j].name) != 0, "B's layer %s vs %s", a->names_b[j].name,
             b->names_b[j].name);
#undef DIFF
    return NULL;
}

pp_status pp_cka_merge(const pp_cka_result *shards, const char *const *names, int n, pp_cka_result *out,
                       pp_error *err)
{
    memset(out, 0, sizeof *out);
    if (n < 1)
        return pp_fail(err, PP_ERR_ARG, "no CKA shards to merge");
    const pp_cka_result *first = &shards[0];
    char what[400];
    for (int k = 1; k < n; k++)
        if (pp_cka_shard_mismatch(first, &shards[k], what, sizeof what))
            return pp_fail(err, PP_ERR_ARG, "%s and %s are not shards of one CKA run: %s differs", names[0], names[k],
                           what);
    if (n != first->shard_count)
        return pp_fail(err, PP_ERR_ARG, "%d files for a CKA run of %d shards", n, first->shard_count);
    const pp_cka_result **by_index = calloc((size_t)n, sizeof *by_index);
    if (!by_index)
        return pp_fail(err, PP_ERR_NOMEM, "out of memory");
    pp_status st = PP_OK;
    for (int k = 0; k < n && st == PP_OK; k++) {
        const pp_cka_result *s = &shards[k];
        if (by_index[s->shard_index - 1])
            st = pp_fail(err, PP_ERR_ARG, "%s: shard %d given twice", names[k], s->shard_index);
        by_index[s->shard_index - 1] = s;
    }
    pp_cka_accumulator acc = {0};
    if (st == PP_OK)
        st = pp_cka_accumulator_init(&acc, first->layers_a, first->layers_b, err);
    const size_t per = PP_CKA_TERMS(first->layers_a, first->layers_b);
    *out = *first;
    out->terms = NULL;
    out->seconds = out->seconds_cka = 0;
    for (int k = 0; k < n && st == PP_OK; k++) { /* shard order is unit order */
        const pp_cka_result *s = by_index[k];
        for (int64_t u = 0; u < s->unit_hi - s->unit_lo; u++)
            pp_cka_accumulator_add(&acc, s->terms + per * (size_t)u);
        out->seconds += s->seconds;
        out->seconds_cka += s->seconds_cka;
    }
    if (st == PP_OK && !(out->matrix = malloc((size_t)first->layers_a * first->layers_b * sizeof(double))))
        st = pp_fail(err, PP_ERR_NOMEM, "out of memory for the CKA matrix");
    if (st == PP_OK) {
        pp_cka_accumulator_result(&acc, out->matrix);
        pp_cka_match_layers(out->names_a, out->layers_a, out->names_b, out->layers_b, out->match,
                            &out->matched_by_position);
        out->shard_index = out->shard_count = 0;
        out->unit_lo = 0, out->unit_hi = out->units;
    } else {
        free(out->matrix);
        out->matrix = NULL;
    }
    pp_cka_accumulator_free(&acc);
    free(by_index);
    return st;
}

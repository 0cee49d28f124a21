/* Evaluation results on disk: the pushpull-eval/1 JSON that `eval` writes and
 * `compare` reads, and a CSV of the same numbers. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../atomic_file.h"
#include "../json_file.h"
#include "evaluate.h"
#include "../number_text.h"

#define EVAL_FORMAT "pushpull-eval/1"

pp_status pp_eval_result_save_json(const pp_eval_result *r, const char *path, pp_error *err)
{
    pp_json_build_begin();
    json_t *o = json_object(), *corr = json_object();
    json_object_set_new(o, "format", json_string(EVAL_FORMAT));
    json_object_set_new(o, "model", json_string(r->model));
    json_object_set_new(o, "dataset", json_string(r->dataset));
    json_object_set_new(o, "samples", json_integer(r->samples));
    json_object_set_new(o, "clean_error", pp_json_number(r->clean_error));
    json_object_set_new(o, "clean_top5_error", pp_json_number(r->clean_top5_error));
    json_object_set_new(o, "corruption_source", json_string(r->corruption_source));
    json_object_set_new(o, "seconds", pp_json_number(r->seconds));
    for (int i = 0; i < r->n_corruptions; i++) {
        json_t *list = json_array();
        for (int s = 0; s < 5; s++)
            json_array_append_new(list, r->corruptions[i].has[s] ? pp_json_number(r->corruptions[i].error[s]) : json_null());
        json_object_set_new(corr, r->corruptions[i].name, list);
    }
    json_object_set_new(o, "corruptions", corr);
    return pp_json_file_save(o, path, err);
}

static bool is_error_value(json_t *v)
{
    return json_is_number(v) && json_number_value(v) >= 0 && json_number_value(v) <= 1;
}

pp_status pp_eval_result_load_json(pp_eval_result *r, const char *path, pp_error *err)
{
    memset(r, 0, sizeof *r);
    json_t *o = NULL;
    pp_status read_st = pp_json_file_load(path, &o, err);
    if (read_st != PP_OK)
        return read_st;
    pp_status st = PP_OK;
    json_t *format = json_object_get(o, "format"), *corr = json_object_get(o, "corruptions");
    json_t *clean = json_object_get(o, "clean_error"), *samples = json_object_get(o, "samples");
    if (!json_is_string(format) || strcmp(json_string_value(format), EVAL_FORMAT) != 0)
        st = pp_fail(err, PP_ERR_FORMAT, "%s: \"format\" is not \"%s\"", path, EVAL_FORMAT);
    else if (!is_error_value(clean))
        st = pp_fail(err, PP_ERR_FORMAT, "%s: \"clean_error\" must be a number in [0, 1]", path);
    else if (!json_is_integer(samples) || json_integer_value(samples) < 1)
        st = pp_fail(err, PP_ERR_FORMAT, "%s: \"samples\" must be a positive integer", path);
    else if (!json_is_object(corr))
        st = pp_fail(err, PP_ERR_FORMAT, "%s: \"corruptions\" must be an object", path);
    if (st == PP_OK) {
        snprintf(r->model, sizeof r->model, "%s", json_string_value(json_object_get(o, "model")) ?: "");
        snprintf(r->dataset, sizeof r->dataset, "%s", json_string_value(json_object_get(o, "dataset")) ?: "");
        r->samples = json_integer_value(samples);
        r->clean_error = json_number_value(clean);
        json_t *top5 = json_object_get(o, "clean_top5_error");
        r->clean_top5_error = is_error_value(top5) ? json_number_value(top5) : NAN;
        const char *name;
        json_t *list;
        json_object_foreach(corr, name, list)
        {
            if (r->n_corruptions == PP_EVAL_MAX_CORRUPTIONS) {
                st = pp_fail(err, PP_ERR_FORMAT, "%s: more than %d corruptions", path, PP_EVAL_MAX_CORRUPTIONS);
                break;
            }
            if (!json_is_array(list) || json_array_size(list) != 5) {
                st = pp_fail(err, PP_ERR_FORMAT, "%s: corruption \"%s\" needs 5 errors (severities 1..5)", path, name);
                break;
            }
            pp_eval_corruption *c = &r->corruptions[r->n_corruptions++];
            snprintf(c->name, sizeof c->name, "%s", name);
            for (int s = 0; s < 5 && st == PP_OK; s++) {
                json_t *v = json_array_get(list, (size_t)s);
                if (json_is_null(v))
                    continue;
                if (!is_error_value(v))
                    st = pp_fail(err, PP_ERR_FORMAT, "%s: %s severity %d: error must be in [0, 1] or null", path,
                                 name, s + 1);
                c->has[s] = true;
                c->error[s] = json_number_value(v);
            }
            if (st != PP_OK)
                break;
        }
    }
    json_decref(o);
    return st;
}

pp_status pp_eval_result_save_csv(const pp_eval_result *r, const char *path, pp_error *err)
{
    pp_atomic_file af;
    pp_status st = pp_atomic_open(&af, path, err);
    if (st != PP_OK)
        return st;
    char num[32];
    fprintf(af.fp, "corruption,severity,top1_error\n");
    fprintf(af.fp, "clean,0,%s\n", pp_csv_number(num, sizeof num, r->clean_error, 6));
    for (int i = 0; i < r->n_corruptions; i++)
        for (int s = 0; s < 5; s++)
            if (r->corruptions[i].has[s])
                fprintf(af.fp, "%s,%d,%s\n", r->corruptions[i].name, s + 1,
                        pp_csv_number(num, sizeof num, r->corruptions[i].error[s], 6));
    return pp_atomic_commit(&af, err);
}

#define SHARD_FORMAT "pushpull-eval-shard/1"

static json_t *counts_json(const pp_eval_counts *c)
{
    return json_pack("{sIsIsI}", "evaluated", (json_int_t)c->evaluated, "wrong_top1", (json_int_t)c->wrong_top1,
                     "wrong_top5", (json_int_t)c->wrong_top5);
}

pp_status pp_eval_shard_save_json(const pp_eval_result *r, const char *path, pp_error *err)
{
    const pp_eval_shard *sh = &r->shard;
    pp_json_build_begin();
    json_t *o = json_object(), *corr = json_object();
    json_object_set_new(o, "format", json_string(SHARD_FORMAT));
    json_object_set_new(o, "model", json_string(r->model));
    json_object_set_new(o, "model_sha256", json_string(sh->model_sha256));
    json_object_set_new(o, "dataset", json_string(r->dataset));
    json_object_set_new(o, "labels_sha256", json_string(sh->labels_sha256));
    json_object_set_new(o, "samples", json_integer(r->samples));
    json_object_set_new(o, "batch", json_integer(sh->batch));
    json_object_set_new(o, "corruption_source", json_string(r->corruption_source));
    json_object_set_new(o, "shard", json_integer(sh->index));
    json_object_set_new(o, "shards", json_integer(sh->count));
    json_object_set_new(o, "units", json_pack("[II]", (json_int_t)sh->unit_lo, (json_int_t)sh->unit_hi));
    json_object_set_new(o, "units_total", json_integer(sh->units_total));
    json_object_set_new(o, "seconds", pp_json_number(r->seconds));
    json_object_set_new(o, "clean", counts_json(&r->clean_counts));
    for (int i = 0; i < r->n_corruptions; i++) {
        json_t *list = json_array();
        for (int s = 0; s < 5; s++)
            json_array_append_new(list, r->corruptions[i].has[s] ? counts_json(&r->corruptions[i].counts[s]) : json_null());
        json_object_set_new(corr, r->corruptions[i].name, list);
    }
    json_object_set_new(o, "corruptions", corr);
    return pp_json_file_save(o, path, err);
}

static bool get_hex(json_t *o, const char *key, char out[65])
{
    const char *v = json_string_value(json_object_get(o, key));
    if (!v || strlen(v) != 64 || strspn(v, "0123456789abcdef") != 64)
        return false;
    memcpy(out, v, 65);
    return true;
}

static bool get_counts(json_t *o, int64_t samples, pp_eval_counts *c)
{
    return json_is_object(o) && pp_json_get_int(o, "evaluated", 0, samples, &c->evaluated) &&
           pp_json_get_int(o, "wrong_top1", 0, c->evaluated, &c->wrong_top1) &&
           pp_json_get_int(o, "wrong_top5", 0, c->wrong_top1, &c->wrong_top5);
}

pp_status pp_eval_shard_load_json(pp_eval_result *r, const char *path, pp_error *err)
{
    memset(r, 0, sizeof *r);
    json_t *o = NULL;
    pp_status st = pp_json_file_load(path, &o, err);
    if (st != PP_OK)
        return st;
    pp_eval_shard *sh = &r->shard;
    int64_t index, count, batch;
    json_t *units = json_object_get(o, "units"), *corr = json_object_get(o, "corruptions");
    const char *format = json_string_value(json_object_get(o, "format"));
    const char *bad = NULL;
    if (!format || strcmp(format, SHARD_FORMAT) != 0)
        bad = "\"format\" is not \"" SHARD_FORMAT "\" (not a shard of `eval --shard`)";
    else if (!pp_json_get_str(o, "model", r->model, sizeof r->model) || !get_hex(o, "model_sha256", sh->model_sha256))
        bad = "\"model\" or \"model_sha256\" is missing or malformed";
    else if (!pp_json_get_str(o, "dataset", r->dataset, sizeof r->dataset) || !get_hex(o, "labels_sha256", sh->labels_sha256))
        bad = "\"dataset\" or \"labels_sha256\" is missing or malformed";
    else if (!pp_json_get_str(o, "corruption_source", r->corruption_source, sizeof r->corruption_source))
        bad = "\"corruption_source\" is missing";
    else if (!pp_json_get_int(o, "samples", 1, INT64_MAX / 2, &r->samples) ||
             !pp_json_get_int(o, "batch", 1, 4096, &batch))
        bad = "\"samples\" or \"batch\" is not a positive integer";
    else if (!pp_json_get_int(o, "shards", 1, 1 << 20, &count) ||
             !pp_json_get_int(o, "shard", 1, count, &index))
        bad = "\"shard\" must be from 1 to \"shards\"";
    else if (!pp_json_get_int(o, "units_total", 1, INT64_MAX / 2, &sh->units_total) || !json_is_array(units) ||
             json_array_size(units) != 2 || !json_is_integer(json_array_get(units, 0)) ||
             !json_is_integer(json_array_get(units, 1)))
        bad = "\"units\" must be [lo, hi] and \"units_total\" a positive integer";
    else if (!get_counts(json_object_get(o, "clean"), r->samples, &r->clean_counts))
        bad = "\"clean\" needs evaluated >= wrong_top1 >= wrong_top5 >= 0 within the samples";
    else if (!json_is_object(corr))
        bad = "\"corruptions\" must be an object";
    if (!bad) {
        sh->batch = (int)batch;
        sh->index = (int)index;
        sh->count = (int)count;
        sh->unit_lo = json_integer_value(json_array_get(units, 0));
        sh->unit_hi = json_integer_value(json_array_get(units, 1));
        if (sh->unit_lo < 0 || sh->unit_lo > sh->unit_hi || sh->unit_hi > sh->units_total)
            bad = "\"units\" is not a range within \"units_total\"";
        json_t *t = json_object_get(o, "seconds");
        r->seconds = json_is_number(t) ? json_number_value(t) : NAN;
    }
    const char *name;
    json_t *list;
    if (!bad)
        json_object_foreach(corr, name, list)
        {
            if (r->n_corruptions == PP_EVAL_MAX_CORRUPTIONS || strlen(name) >= sizeof r->corruptions[0].name ||
                !json_is_array(list) || json_array_size(list) != 5) {
                bad = "a corruption needs a list of 5 (counts or null), at most 32 corruptions";
                break;
            }
            pp_eval_corruption *c = &r->corruptions[r->n_corruptions++];
            memcpy(c->name, name, strlen(name) + 1);
            for (int s = 0; s < 5 && !bad; s++) {
                json_t *e = json_array_get(list, (size_t)s);
                if (json_is_null(e))
                    continue;
                c->has[s] = true;
                if (!get_counts(e, r->samples, &c->counts[s]))
                    bad = "a corruption's counts need evaluated >= wrong_top1 >= wrong_top5 >= 0";
            }
            if (bad)
                break;
        }
    json_decref(o);
    if (bad)
        return pp_fail(err, PP_ERR_FORMAT, "%s: %s", path, bad);
    return PP_OK;
}

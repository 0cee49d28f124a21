/* Evaluation results on disk: the pushpull-eval/1 JSON that `eval` writes and
 * `compare` reads, and a CSV of the same numbers. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../atomic_file.h"
#include "../file_buffer.h"
#include "evaluate.h"
#include "../number_text.h"

#define EVAL_FORMAT "pushpull-eval/1"

pp_status pp_eval_result_save_json(const pp_eval_result *r, const char *path, pp_error *err)
{
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
    char *text = json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(8));
    json_decref(o);
    if (!text)
        return pp_fail(err, PP_ERR_NOMEM, "%s: cannot build JSON", path);
    size_t len = strlen(text);
    text[len] = '\n'; /* replaces the terminator: written by length */
    pp_status st = pp_atomic_write(path, text, len + 1, err);
    free(text);
    return st;
}

static bool is_error_value(json_t *v)
{
    return json_is_number(v) && json_number_value(v) >= 0 && json_number_value(v) <= 1;
}

pp_status pp_eval_result_load_json(pp_eval_result *r, const char *path, pp_error *err)
{
    memset(r, 0, sizeof *r);
    pp_file_buffer fb;
    pp_status read_st = pp_file_buffer_read(&fb, path, err);
    if (read_st != PP_OK)
        return read_st;
    json_error_t jerr;
    json_t *o = json_loadb((const char *)fb.data, fb.size, JSON_REJECT_DUPLICATES, &jerr);
    pp_file_buffer_free(&fb);
    if (!o)
        return pp_fail(err, PP_ERR_FORMAT, "%s: not valid JSON (%s, line %d)", path, jerr.text, jerr.line);
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

/* Stability results on disk: pushpull-eval-p/1 JSON, which `eval-p` writes (whole runs
 * and shards alike: the per-perturbation sums make shards add up) and `compare` and
 * `merge` read. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../json_file.h"
#include "../number_text.h"
#include "evaluate_p.h"

#define EVAL_P_FORMAT "pushpull-eval-p/1"

pp_status pp_eval_p_save_json(const pp_eval_p_result *r, const char *path, pp_error *err)
{
    pp_json_build_begin();
    json_t *o = json_object(), *rows = json_object();
    json_object_set_new(o, "format", json_string(EVAL_P_FORMAT));
    json_object_set_new(o, "model", json_string(r->model));
    json_object_set_new(o, "model_sha256", json_string(r->model_sha256));
    json_object_set_new(o, "dataset", json_string(r->dataset));
    json_object_set_new(o, "source", json_string(r->source));
    json_object_set_new(o, "difficulty", json_integer(r->difficulty));
    json_object_set_new(o, "samples", json_integer(r->samples));
    json_object_set_new(o, "shard", json_integer(r->shard_index));
    json_object_set_new(o, "shards", json_integer(r->shard_count));
    json_object_set_new(o, "seconds", pp_json_number(r->seconds));
    json_object_set_new(o, "generate_seconds", pp_json_number(r->generate_seconds));
    json_object_set_new(o, "forward_seconds", pp_json_number(r->forward_seconds));
    for (int i = 0; i < r->n; i++) {
        const pp_eval_p_row *w = &r->rows[i];
        const pp_stability_counts *c = &w->counts;
        json_t *e = json_object();
        json_object_set_new(e, "set", json_string(pp_perturbation_set_name(w->set)));
        json_object_set_new(e, "against_first_frame", json_boolean(w->against_first));
        json_object_set_new(e, "frames", json_integer(w->frames));
        json_object_set_new(e, "sequences", json_integer(c->sequences));
        json_object_set_new(e, "flip_probability", pp_json_number(pp_stability_flip_probability(c)));
        json_object_set_new(e, "top5_distance", pp_json_number(pp_stability_top5_distance(c)));
        json_object_set_new(e, "repeatability", pp_json_number(pp_stability_repeatability(c)));
        json_object_set_new(e, "flip_sum", pp_json_number(c->flip_sum));
        json_object_set_new(e, "top5_sum", pp_json_number(c->top5_sum));
        json_object_set_new(e, "consistent", json_integer(c->consistent));
        json_object_set_new(e, "frames_evaluated", json_integer(c->frames));
        json_object_set_new(e, "source", json_string(w->source));
        json_object_set_new(rows, w->name, e);
    }
    json_object_set_new(o, "perturbations", rows);
    pp_stability_row sr[PP_STABILITY_MAX_ROWS];
    pp_stability_summary sum;
    int n = pp_eval_p_rows(r, sr, PP_STABILITY_MAX_ROWS);
    if (pp_stability_summarize(sr, n, NULL, 0, &sum, NULL) == PP_OK)
        json_object_set_new(o, "summary",
                            json_pack("{soso so}", "mean_flip_probability", pp_json_number(sum.mean_fp),
                                      "cifar10p_mean_flip_probability", pp_json_number(sum.cifar_mean_fp),
                                      "repeatability", pp_json_number(sum.repeatability)));
    /* 17 digits: the sums round-trip, so merged shards give a whole run's bytes */
    return pp_json_file_save_digits(o, path, 17, err);
}

/* A number, or null for NaN (what pp_json_number writes). */
static bool get_number(json_t *o, const char *key, double min, double max, double *out)
{
    json_t *v = json_object_get(o, key);
    if (json_is_null(v)) {
        *out = NAN;
        return true;
    }
    if (!json_is_number(v) || !(json_number_value(v) >= min && json_number_value(v) <= max))
        return false;
    *out = json_number_value(v);
    return true;
}

static void get_string(json_t *o, const char *key, char *out, size_t len)
{
    snprintf(out, len, "%s", json_string_value(json_object_get(o, key)) ?: "");
}

static pp_status load_row(json_t *e, const char *name, const char *path, pp_eval_p_row *w, pp_error *err)
{
    const pp_perturbation *p = pp_perturbation_find(name);
    if (!p)
        return pp_fail(err, PP_ERR_FORMAT, "%s: unknown perturbation \"%s\"", path, name);
    if (!json_is_object(e))
        return pp_fail(err, PP_ERR_FORMAT, "%s: perturbation \"%s\" must be an object", path, name);
    snprintf(w->name, sizeof w->name, "%s", p->name);
    w->set = p->set;
    w->against_first = p->against_first;
    int64_t frames, seqs, consistent, fe;
    double fs, ts;
    if (!pp_json_get_int(e, "frames", 2, 100000, &frames) ||
        !pp_json_get_int(e, "sequences", 0, INT64_MAX / 2, &seqs) ||
        !pp_json_get_int(e, "consistent", 0, seqs, &consistent) ||
        !pp_json_get_int(e, "frames_evaluated", 0, INT64_MAX / 2, &fe))
        return pp_fail(err, PP_ERR_FORMAT, "%s: %s: \"frames\", \"sequences\", \"consistent\" and "
                       "\"frames_evaluated\" must be counts (consistent at most sequences)", path, name);
    if (!get_number(e, "flip_sum", 0, (double)seqs, &fs) || isnan(fs) || !get_number(e, "top5_sum", 0, 5.0 * seqs, &ts))
        return pp_fail(err, PP_ERR_FORMAT, "%s: %s: \"flip_sum\" must be in [0, sequences] and \"top5_sum\" in "
                       "[0, 5 sequences] or null", path, name);
    if (fe != seqs * frames)
        return pp_fail(err, PP_ERR_FORMAT, "%s: %s: %lld frames evaluated is not %lld sequences of %lld", path, name,
                       (long long)fe, (long long)seqs, (long long)frames);
    w->frames = (int)frames;
    w->counts = (pp_stability_counts){.flip_sum = fs, .top5_sum = ts, .sequences = seqs, .consistent = consistent,
                                      .frames = fe};
    get_string(e, "source", w->source, sizeof w->source);
    return PP_OK;
}

pp_status pp_eval_p_load_json(pp_eval_p_result *r, const char *path, pp_error *err)
{
    memset(r, 0, sizeof *r);
    json_t *o = NULL;
    pp_status st = pp_json_file_load(path, &o, err);
    if (st)
        return st;
    json_t *format = json_object_get(o, "format"), *rows = json_object_get(o, "perturbations");
    int64_t d = 0, samples = 0, shard = 0, shards = 0;
    if (!json_is_string(format) || strcmp(json_string_value(format), EVAL_P_FORMAT) != 0)
        st = pp_fail(err, PP_ERR_FORMAT, "%s: \"format\" is not \"%s\"", path, EVAL_P_FORMAT);
    else if (!pp_json_get_int(o, "difficulty", 1, 3, &d) ||
             !pp_json_get_int(o, "samples", 0, INT64_MAX / 2, &samples))
        st = pp_fail(err, PP_ERR_FORMAT, "%s: \"difficulty\" must be 1..3 and \"samples\" a count", path);
    else if (!pp_json_get_int(o, "shards", 0, 1 << 20, &shards) ||
             !pp_json_get_int(o, "shard", shards ? 1 : 0, shards, &shard))
        st = pp_fail(err, PP_ERR_FORMAT, "%s: \"shard\" must be 1..\"shards\" (or both 0)", path);
    else if (!json_is_object(rows) || json_object_size(rows) == 0)
        st = pp_fail(err, PP_ERR_FORMAT, "%s: \"perturbations\" must be a non-empty object", path);
    else if (json_object_size(rows) > PP_STABILITY_MAX_ROWS)
        st = pp_fail(err, PP_ERR_FORMAT, "%s: more than %d perturbations", path, PP_STABILITY_MAX_ROWS);
    if (!st) {
        get_string(o, "model", r->model, sizeof r->model);
        get_string(o, "model_sha256", r->model_sha256, sizeof r->model_sha256);
        get_string(o, "dataset", r->dataset, sizeof r->dataset);
        get_string(o, "source", r->source, sizeof r->source);
        r->difficulty = (int)d, r->samples = samples, r->shard_index = (int)shard, r->shard_count = (int)shards;
        get_number(o, "seconds", 0, 1e12, &r->seconds);
        get_number(o, "generate_seconds", 0, 1e12, &r->generate_seconds);
        get_number(o, "forward_seconds", 0, 1e12, &r->forward_seconds);
        const char *name;
        json_t *e;
        json_object_foreach(rows, name, e)
        {
            if ((st = load_row(e, name, path, &r->rows[r->n++], err)))
                break;
        }
    }
    json_decref(o);
    return st;
}

bool pp_eval_p_json_is(const char *path)
{
    json_t *o = NULL;
    pp_error err = {0};
    if (pp_json_file_load(path, &o, &err) != PP_OK)
        return false;
    const char *f = json_string_value(json_object_get(o, "format"));
    bool is = f && strcmp(f, EVAL_P_FORMAT) == 0;
    json_decref(o);
    return is;
}

/* NULL when a and b are shards of one run, else the field that differs. */
const char *pp_eval_p_mismatch(const pp_eval_p_result *a, const pp_eval_p_result *b)
{
    if (strcmp(a->model_sha256, b->model_sha256) != 0)
        return "model_sha256";
    if (strcmp(a->dataset, b->dataset) != 0 || strcmp(a->source, b->source) != 0)
        return "dataset or source";
    if (a->difficulty != b->difficulty || a->samples != b->samples)
        return "difficulty or samples";
    if (a->shard_count != b->shard_count)
        return "shards";
    if (a->n != b->n)
        return "perturbations";
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->rows[i].name, b->rows[i].name) != 0 || a->rows[i].frames != b->rows[i].frames)
            return "perturbations";
    return NULL;
}

pp_status pp_eval_p_merge(const pp_eval_p_result *shards, const char *const *names, int n, pp_eval_p_result *out,
                          pp_error *err)
{
    if (n < 1)
        return pp_fail(err, PP_ERR_ARG, "no eval-p shards to merge");
    const pp_eval_p_result *a = &shards[0];
    if (a->shard_count == 0)
        return pp_fail(err, PP_ERR_ARG, "%s is a whole run, not a shard", names[0]);
    if (n != a->shard_count)
        return pp_fail(err, PP_ERR_ARG, "%d files for a run of %d shards", n, a->shard_count);
    bool seen[1 << 10] = {false};
    if (a->shard_count > (int)(sizeof seen))
        return pp_fail(err, PP_ERR_ARG, "at most %zu eval-p shards", sizeof seen);
    *out = *a;
    for (int i = 0; i < out->n; i++)
        out->rows[i].counts = (pp_stability_counts){0};
    out->seconds = out->generate_seconds = out->forward_seconds = 0;
    for (int k = 0; k < n; k++) {
        const char *diff = pp_eval_p_mismatch(a, &shards[k]);
        if (diff)
            return pp_fail(err, PP_ERR_ARG, "%s and %s are not shards of one run (%s differs)", names[0], names[k],
                           diff);
        if (seen[shards[k].shard_index - 1])
            return pp_fail(err, PP_ERR_ARG, "%s: shard %d given twice", names[k], shards[k].shard_index);
        seen[shards[k].shard_index - 1] = true;
        for (int i = 0; i < out->n; i++)
            pp_stability_counts_merge(&out->rows[i].counts, &shards[k].rows[i].counts);
        out->seconds += shards[k].seconds;
        out->generate_seconds += shards[k].generate_seconds;
        out->forward_seconds += shards[k].forward_seconds;
    }
    /* the run's first perturbation sets `samples` (pre-made folders may hold more of others) */
    if (out->rows[0].counts.sequences != out->samples)
        return pp_fail(err, PP_ERR_ARG, "%s: the shards hold %lld sequences, the run has %lld", out->rows[0].name,
                       (long long)out->rows[0].counts.sequences, (long long)out->samples);
    out->shard_index = out->shard_count = 0;
    return PP_OK;
}

/* Shards of one evaluation (`eval --shard K/N`) back into the single-run
 * result: the counts add up, so the errors are the single run's to the bit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluate.h"

const char *pp_eval_shard_mismatch(const pp_eval_result *a, const pp_eval_result *b, char *what, size_t len)
{
    const pp_eval_shard *x = &a->shard, *y = &b->shard;
#define DIFF_STR(field, label)                                                                                \
    if (strcmp(field(a), field(b)) != 0) {                                                                    \
        snprintf(what, len, "%s '%s' vs '%s'", label, field(a), field(b));                                    \
        return what;                                                                                          \
    }
#define DIFF_INT(va, vb, label)                                                                               \
    if ((va) != (vb)) {                                                                                       \
        snprintf(what, len, "%s %lld vs %lld", label, (long long)(va), (long long)(vb));                      \
        return what;                                                                                          \
    }
#define SHA(r) ((r)->shard.model_sha256)
#define DSN(r) ((r)->dataset)
#define LSHA(r) ((r)->shard.labels_sha256)
#define SRC(r) ((r)->corruption_source)
    DIFF_STR(SHA, "model file (SHA-256)")
    DIFF_STR(DSN, "data set")
    DIFF_INT(a->samples, b->samples, "samples")
    DIFF_STR(LSHA, "data set labels (SHA-256)")
    DIFF_STR(SRC, "corruption source (seed, preset or folder)")
    DIFF_INT(x->count, y->count, "number of shards N")
    DIFF_INT(x->batch, y->batch, "batch size")
    DIFF_INT(a->n_corruptions, b->n_corruptions, "number of corruptions");
    for (int i = 0; i < a->n_corruptions; i++) {
        const pp_eval_corruption *ca = &a->corruptions[i], *cb = &b->corruptions[i];
        if (strcmp(ca->name, cb->name) != 0 || memcmp(ca->has, cb->has, sizeof ca->has) != 0) {
            snprintf(what, len, "corruption list (#%d is %s vs %s, or its severities differ)", i + 1, ca->name,
                     cb->name);
            return what;
        }
    }
    DIFF_INT(x->units_total, y->units_total, "work units");
#undef DIFF_STR
#undef DIFF_INT
#undef SHA
#undef DSN
#undef LSHA
#undef SRC
    return NULL;
}

static void add(pp_eval_counts *to, const pp_eval_counts *c)
{
    to->evaluated += c->evaluated;
    to->wrong_top1 += c->wrong_top1;
    to->wrong_top5 += c->wrong_top5;
}

static double ratio(int64_t num, int64_t den)
{
    return den > 0 ? (double)num / (double)den : NAN;
}

pp_status pp_eval_merge(const pp_eval_result *shards, const char *const *names, int n, pp_eval_result *out,
                        pp_error *err)
{
    memset(out, 0, sizeof *out);
    if (n < 1)
        return pp_fail(err, PP_ERR_ARG, "no shards to merge");
    char what[700];
    for (int i = 1; i < n; i++)
        if (pp_eval_shard_mismatch(&shards[0], &shards[i], what, sizeof what))
            return pp_fail(err, PP_ERR_ARG, "%s and %s are not shards of one run: %s", names[0], names[i], what);
    const int count = shards[0].shard.count;
    const int64_t units = shards[0].shard.units_total;
    int *seen = calloc((size_t)count, sizeof *seen);
    if (!seen)
        return pp_fail(err, PP_ERR_NOMEM, "out of memory");
    pp_status st = PP_OK;
    for (int i = 0; i < n && st == PP_OK; i++) {
        const pp_eval_shard *sh = &shards[i].shard;
        int k = sh->index - 1;
        int64_t lo, hi;
        pp_eval_shard_units(&shards[i], sh->index, count, &lo, &hi);
        if (sh->unit_lo != lo || sh->unit_hi != hi)
            st = pp_fail(err, PP_ERR_FORMAT, "%s: shard %d/%d covers units [%lld, %lld), not its share", names[i],
                         sh->index, count, (long long)sh->unit_lo, (long long)sh->unit_hi);
        else if (seen[k])
            st = pp_fail(err, PP_ERR_ARG, "shard %d/%d is given twice: %s and %s", sh->index, count,
                         names[seen[k] - 1], names[i]);
        seen[k] = i + 1;
    }
    if (st == PP_OK) {
        char missing[200] = "";
        int n_missing = 0;
        for (int k = 0; k < count; k++) {
            if (seen[k])
                continue;
            size_t used = strlen(missing);
            if (n_missing++ < 8)
                snprintf(missing + used, sizeof missing - used, "%s%d/%d", used ? ", " : "", k + 1, count);
        }
        if (n_missing)
            st = pp_fail(err, PP_ERR_ARG, "%d of %d shards missing (%s%s) beside %s", n_missing, count, missing,
                         n_missing > 8 ? ", ..." : "", names[0]);
    }
    free(seen);
    if (st != PP_OK)
        return st;

    /* The header of the single run, then every phase's counts summed. */
    const pp_eval_result *first = &shards[0];
    snprintf(out->model, sizeof out->model, "%s", first->model);
    snprintf(out->dataset, sizeof out->dataset, "%s", first->dataset);
    snprintf(out->corruption_source, sizeof out->corruption_source, "%s", first->corruption_source);
    out->samples = first->samples;
    out->n_corruptions = first->n_corruptions;
    out->shard = first->shard;
    out->shard.index = out->shard.count = 0;
    out->shard.unit_lo = 0;
    out->shard.unit_hi = units;
    for (int c = 0; c < out->n_corruptions; c++) {
        memcpy(out->corruptions[c].name, first->corruptions[c].name, sizeof out->corruptions[c].name);
        memcpy(out->corruptions[c].has, first->corruptions[c].has, sizeof out->corruptions[c].has);
    }
    for (int i = 0; i < n; i++) {
        add(&out->clean_counts, &shards[i].clean_counts);
        for (int c = 0; c < out->n_corruptions; c++)
            for (int s = 0; s < 5; s++)
                add(&out->corruptions[c].counts[s], &shards[i].corruptions[c].counts[s]);
        out->seconds += isfinite(shards[i].seconds) ? shards[i].seconds : 0;
    }
    if (out->clean_counts.evaluated != out->samples)
        return pp_fail(err, PP_ERR_FORMAT, "%s...: the shards evaluated %lld clean samples, not %lld", names[0],
                       (long long)out->clean_counts.evaluated, (long long)out->samples);
    const bool engine = strncmp(out->corruption_source, "engine ", 7) == 0;
    out->clean_error = ratio(out->clean_counts.wrong_top1, out->clean_counts.evaluated);
    out->clean_top5_error = ratio(out->clean_counts.wrong_top5, out->clean_counts.evaluated);
    for (int c = 0; c < out->n_corruptions; c++) {
        pp_eval_corruption *ec = &out->corruptions[c];
        for (int s = 0; s < 5; s++) {
            if (!ec->has[s])
                continue;
            if (engine && ec->counts[s].evaluated != out->samples)
                return pp_fail(err, PP_ERR_FORMAT, "%s...: the shards evaluated %lld samples of %s severity %d, not %lld",
                               names[0], (long long)ec->counts[s].evaluated, ec->name, s + 1,
                               (long long)out->samples);
            ec->error[s] = ratio(ec->counts[s].wrong_top1, ec->counts[s].evaluated);
        }
    }
    return PP_OK;
}

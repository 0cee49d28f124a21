/* pushpull compare BASELINE.json MODEL.json for eval-p results: per perturbation the
 * flip probability and top-5 distance of both, FR = FP / FP_baseline and T5D =
 * uT5D / uT5D_baseline, then mFR and mT5D over the 10 test perturbations both hold. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_stability.h"
#include "eval/evaluate_p.h"
#include "number_text.h"

static void print_tables(const pp_eval_p_result *b, const pp_eval_p_result *m, const pp_stability_row *mr,
                         const pp_stability_row *br, int nb, const pp_stability_summary *s, const char *format)
{
    bool latex = strcmp(format, "latex") == 0, md = strcmp(format, "markdown") == 0;
    const char *sep = latex ? " & " : md ? " | " : "  ";
    const char *end = latex ? " \\\\" : md ? " |" : "";
    if (latex)
        printf("\\begin{tabular}{lrrrrrr}\n\\hline\n");
    printf("%s%-16s%s%8s%s%8s%s%7s%s%8s%s%8s%s%7s%s\n", md ? "| " : "", "Perturbation", sep, "FP base", sep,
           "FP", sep, "FR %", sep, "T5D base", sep, "T5D", sep, "T5D %", end);
    if (md)
        printf("|---|---:|---:|---:|---:|---:|---:|\n");
    if (latex)
        printf("\\hline\n");
    for (int i = 0; i < m->n; i++) {
        const pp_stability_row *bb = NULL;
        for (int k = 0; k < nb; k++)
            if (strcmp(br[k].name, mr[i].name) == 0)
                bb = &br[k];
        printf("%s%-16s%s%8.4f%s%8.4f%s%7.1f%s%8.4f%s%8.4f%s%7.1f%s\n", md ? "| " : "", mr[i].name, sep,
               pp_number_unsigned_nan(bb ? bb->fp : NAN), sep, pp_number_unsigned_nan(mr[i].fp), sep,
               pp_number_unsigned_nan(100 * s->fr[i]), sep, pp_number_unsigned_nan(bb ? bb->t5d : NAN), sep,
               pp_number_unsigned_nan(mr[i].t5d), sep, pp_number_unsigned_nan(100 * s->t5d[i]), end);
    }
    if (latex)
        printf("\\hline\n\\end{tabular}\n");
    printf("\nmFR %.1f %% over %d, mT5D %.1f %% over %d test perturbations (baseline %s = 100 %%)\n",
           pp_number_unsigned_nan(100 * s->mfr), s->test_used, pp_number_unsigned_nan(100 * s->mt5d), s->t5d_used,
           b->model);
}

int pp_cli_compare_stability(const char *baseline, const char *model, const char *format, bool json)
{
    static pp_eval_p_result b, m;
    pp_error err = {0};
    if (pp_eval_p_load_json(&b, baseline, &err) || pp_eval_p_load_json(&m, model, &err))
        return pp_cli_fail(&err);
    if (b.difficulty != m.difficulty)
        return pp_cli_failf("%s is difficulty %d, %s difficulty %d: their flip rates do not compare", baseline,
                            b.difficulty, model, m.difficulty);
    if (b.shard_count || m.shard_count)
        return pp_cli_failf("%s is a shard: `pushpull merge` the shards first", b.shard_count ? baseline : model);
    pp_stability_row br[PP_STABILITY_MAX_ROWS], mr[PP_STABILITY_MAX_ROWS];
    int nb = pp_eval_p_rows(&b, br, PP_STABILITY_MAX_ROWS), nm = pp_eval_p_rows(&m, mr, PP_STABILITY_MAX_ROWS);
    pp_stability_summary s, sb;
    if (pp_stability_summarize(mr, nm, br, nb, &s, &err) || pp_stability_summarize(br, nb, NULL, 0, &sb, &err))
        return pp_cli_fail(&err);
    if (json) {
        json_t *out = json_object(), *fr = json_object(), *t5 = json_object(), *fp = json_object();
        for (int i = 0; i < nm; i++) {
            json_object_set_new(fr, mr[i].name, pp_json_number(s.fr[i]));
            json_object_set_new(t5, mr[i].name, pp_json_number(s.t5d[i]));
            json_object_set_new(fp, mr[i].name, pp_json_number(mr[i].fp));
        }
        json_object_set_new(out, "model", json_string(m.model));
        json_object_set_new(out, "baseline", json_string(b.model));
        json_object_set_new(out, "difficulty", json_integer(m.difficulty));
        json_object_set_new(out, "test_perturbations_in_mFR", json_integer(s.test_used));
        json_object_set_new(out, "test_perturbations_in_mT5D", json_integer(s.t5d_used));
        json_object_set_new(out, "mFR", pp_json_number(s.mfr));
        json_object_set_new(out, "mT5D", pp_json_number(s.mt5d));
        json_object_set_new(out, "mean_FP", pp_json_number(s.mean_fp));
        json_object_set_new(out, "baseline_mean_FP", pp_json_number(sb.mean_fp));
        json_object_set_new(out, "cifar10p_mean_FP", pp_json_number(s.cifar_mean_fp));
        json_object_set_new(out, "repeatability", pp_json_number(s.repeatability));
        json_object_set_new(out, "baseline_repeatability", pp_json_number(sb.repeatability));
        json_object_set_new(out, "FP", fp);
        json_object_set_new(out, "FR", fr);
        json_object_set_new(out, "T5D", t5);
        pp_cli_print_json(out);
        return 0;
    }
    print_tables(&b, &m, mr, br, nb, &s, format);
    if (strcmp(format, "text") == 0) {
        printf("mean FP: model %.4f, baseline %.4f", pp_number_unsigned_nan(s.mean_fp),
               pp_number_unsigned_nan(sb.mean_fp));
        if (!isnan(s.cifar_mean_fp))
            printf("; CIFAR-10-P mean FP (spatter in snow's place) %.4f", s.cifar_mean_fp);
        printf("\n");
        if (!isnan(s.repeatability))
            printf("repeatability: model %.4f, baseline %.4f\n", s.repeatability,
                   pp_number_unsigned_nan(sb.repeatability));
    }
    return 0;
}

int pp_cli_merge_eval_p(const char *out, const char *const *paths, int n)
{
    pp_eval_p_result *shards = malloc(sizeof *shards * (size_t)n), *merged = malloc(sizeof *merged);
    pp_error err = {0};
    int rc = 0;
    if (!shards || !merged)
        rc = pp_cli_failf("out of memory for %d shards", n);
    for (int i = 0; i < n && !rc; i++)
        if (pp_eval_p_load_json(&shards[i], paths[i], &err))
            rc = pp_cli_fail(&err);
    if (!rc && (pp_eval_p_merge(shards, paths, n, merged, &err) || pp_eval_p_save_json(merged, out, &err)))
        rc = pp_cli_fail(&err);
    if (!rc)
        printf("%d shards, %lld sequences per perturbation -> %s\n", n, (long long)merged->samples, out);
    free(shards);
    free(merged);
    return rc;
}

/* pushpull compare BASELINE.json MODEL.json: CE, mCE, relative mCE, R_net. */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "cli.h"
#include "cli_stability.h"
#include "eval/evaluate.h"
#include "eval/evaluate_p.h"
#include "eval/metrics.h"
#include "number_text.h"

static int run(int argc, char **argv);

const pp_cli_command pp_cmd_compare = {
    .name = "compare",
    .summary = "robustness metrics of a model against a baseline (CE, mCE, R_net)",
    .usage =
        "usage: pushpull compare BASELINE.json MODEL.json [options]\n\n"
        "Reads two `pushpull eval --json` results and prints the corruption error CE of\n"
        "each benchmark corruption, mCE, relative mCE, the frequency-group CE (low, mid,\n"
        "high) and the trade-off R_net (spec: R_net = (R_E + beta R_mCE) / 2).\n"
        "A corruption counts when both files hold all five severities for it.\n\n"
        "  --normalizer N   baseline (default), alexnet (ImageNet-C's AlexNet errors) or an\n"
        "                   eval JSON FILE; CE(c) = sum_s E(c,s) / sum_s E_norm(c,s)\n"
        "  --beta B         auto (default: mCE_base / E_base) or a number\n"
        "  --json           one JSON object (fractions, not %%)\n"
        "  --format F       text (default), markdown or latex: a table shaped like the\n"
        "                   paper's Table 1\n\n"
        "Two `pushpull eval-p --json` results instead give the stability table: per\n"
        "perturbation both flip probabilities and top-5 distances, FR = FP / FP_baseline\n"
        "and T5D = uT5D / uT5D_baseline (%%), then mFR and mT5D over the 10 test\n"
        "perturbations both files hold (the paper's normaliser is AlexNet: pass AlexNet's\n"
        "eval-p result as BASELINE).\n",
    .run = run,
};

typedef struct {
    const char *label;
    const pp_eval_result *r;
    pp_ce_summary ce;
    double r_net;
} row;

static void print_table(const row *rows, int n, const char *format)
{
    bool latex = strcmp(format, "latex") == 0, md = strcmp(format, "markdown") == 0;
    const char *sep = latex ? " & " : md ? " | " : "  ";
    static const char *short_names[PP_BENCHMARK_CORRUPTIONS] = {
        "Gauss", "Shot", "Impul", "Defoc", "Glass", "Motn", "Zoom", "Snow", "Frost", "Fog", "Brigt", "Contr",
        "Elast", "Pixel", "JPEG"};
    if (latex)
        printf("\\begin{tabular}{l%s}\n\\hline\n", "rrrrrrrrrrrrrrrrrr");
    printf("%s%-16s%s%6s%s%6s", md ? "| " : "", "Model", sep, "E", sep, "mCE");
    for (int c = 0; c < PP_BENCHMARK_CORRUPTIONS; c++)
        printf("%s%6s", sep, short_names[c]);
    printf("%s%7s%s\n", sep, "R_net", latex ? " \\\\ \\hline" : md ? " |" : "");
    if (md) {
        printf("|---");
        for (int c = 0; c < PP_BENCHMARK_CORRUPTIONS + 3; c++)
            printf("|---:");
        printf("|\n");
    }
    for (int i = 0; i < n; i++) {
        printf("%s%-16.16s%s%6.1f%s%6.1f", md ? "| " : "", rows[i].label, sep, 100 * rows[i].r->clean_error, sep,
               100 * rows[i].ce.mce);
        for (int c = 0; c < PP_BENCHMARK_CORRUPTIONS; c++)
            if (isnan(rows[i].ce.ce[c]))
                printf("%s%6s", sep, "-");
            else
                printf("%s%6.0f", sep, 100 * rows[i].ce.ce[c]);
        printf("%s%7.2f%s\n", sep, 100 * rows[i].r_net, latex ? " \\\\" : md ? " |" : "");
    }
    if (latex)
        printf("\\hline\n\\end{tabular}\n");
    printf("%s(E, mCE, CE and R_net in %%; CE normalised as stated above)\n", latex ? "% " : "");
}


static int run(int argc, char **argv)
{
    static const struct option options[] = {{"normalizer", required_argument, NULL, 'n'},
                                             {"beta", required_argument, NULL, 'b'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"format", required_argument, NULL, 'f'},
                                             {0}};
    const char *normalizer = "baseline", *format = "text";
    double beta = 0;
    bool json = false;
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (o == 'n')
            normalizer = optarg;
        else if (o == 'b' && strcmp(optarg, "auto") == 0)
            beta = 0;
        else if (o == 'b' && !(pp_cli_parse_float(optarg, &beta) && beta > 0))
            return pp_cli_usage_error(&pp_cmd_compare, "--beta is auto or a positive number");
        else if (o == 'j')
            json = true;
        else if (o == 'f' && (!strcmp(optarg, "text") || !strcmp(optarg, "markdown") || !strcmp(optarg, "latex")))
            format = optarg;
        else if (o != 'b')
            return pp_cli_usage_error(&pp_cmd_compare, "bad option or value");
    }
    if (optind != argc - 2)
        return pp_cli_usage_error(&pp_cmd_compare, "expected BASELINE.json MODEL.json");
    if (pp_eval_p_json_is(argv[optind]) || pp_eval_p_json_is(argv[optind + 1]))
        return pp_cli_compare_stability(argv[optind], argv[optind + 1], format, json);
    static pp_eval_result base, model, norm_result;
    pp_error err = {0};
    if (pp_eval_result_load_json(&base, argv[optind], &err) || pp_eval_result_load_json(&model, argv[optind + 1], &err))
        return pp_cli_fail(&err);
    pp_error_table base_t, model_t, norm_t;
    pp_eval_result_table(&base, &base_t);
    pp_eval_result_table(&model, &model_t);
    pp_normalizer norm = {.table = &base_t};
    if (strcmp(normalizer, "alexnet") == 0) {
        norm.table = NULL;
    } else if (strcmp(normalizer, "baseline") != 0) {
        if (pp_eval_result_load_json(&norm_result, normalizer, &err))
            return pp_cli_fail(&err);
        pp_eval_result_table(&norm_result, &norm_t);
        norm.table = &norm_t;
    }
    row rows[2] = {{.label = "baseline", .r = &base}, {.label = "model", .r = &model}};
    if (pp_ce_summarize(&base_t, &norm, &rows[0].ce, &err) || pp_ce_summarize(&model_t, &norm, &rows[1].ce, &err))
        return pp_cli_fail(&err);
    pp_rnet rn = pp_rnet_compute(base.clean_error, rows[0].ce.mce, model.clean_error, rows[1].ce.mce, beta);
    /* a zero clean error makes these 0/0; the tables then say nan, not -nan */
    rn.r_e = pp_number_unsigned_nan(rn.r_e);
    rn.r_mce = pp_number_unsigned_nan(rn.r_mce);
    rn.r_net = pp_number_unsigned_nan(rn.r_net);
    rows[0].r_net = 0;
    rows[1].r_net = rn.r_net;

    if (json) {
        json_t *out = json_object(), *ce = json_object(), *rel = json_object(), *groups = json_object();
        for (int c = 0; c < PP_BENCHMARK_CORRUPTIONS; c++) {
            if (isnan(rows[1].ce.ce[c]))
                continue;
            json_object_set_new(ce, pp_benchmark_corruptions[c], pp_json_number(rows[1].ce.ce[c]));
            json_object_set_new(rel, pp_benchmark_corruptions[c], pp_json_number(rows[1].ce.relative_ce[c]));
        }
        for (int g = 0; g < 3; g++)
            json_object_set_new(groups, pp_freq_group_name((pp_freq_group)g), pp_json_number(rows[1].ce.group_ce[g]));
        json_object_set_new(out, "model", json_string(model.model));
        json_object_set_new(out, "baseline", json_string(base.model));
        json_object_set_new(out, "normalizer", json_string(normalizer));
        json_object_set_new(out, "corruptions_used", json_integer(rows[1].ce.corruptions_used));
        json_object_set_new(out, "clean_error", pp_json_number(model.clean_error));
        json_object_set_new(out, "baseline_clean_error", pp_json_number(base.clean_error));
        json_object_set_new(out, "mCE", pp_json_number(rows[1].ce.mce));
        json_object_set_new(out, "baseline_mCE", pp_json_number(rows[0].ce.mce));
        json_object_set_new(out, "relative_mCE", pp_json_number(rows[1].ce.relative_mce));
        json_object_set_new(out, "R_E", pp_json_number(rn.r_e));
        json_object_set_new(out, "R_mCE", pp_json_number(rn.r_mce));
        json_object_set_new(out, "beta", pp_json_number(rn.beta));
        json_object_set_new(out, "R_net", pp_json_number(rn.r_net));
        json_object_set_new(out, "CE", ce);
        json_object_set_new(out, "relative_CE", rel);
        json_object_set_new(out, "groups", groups);
        pp_cli_print_json(out);
        return 0;
    }
    printf("normaliser: %s; %d corruptions with all 5 severities in both files\n", normalizer,
           rows[1].ce.corruptions_used);
    print_table(rows, 2, format);
    if (strcmp(format, "text") == 0) {
        printf("\nmodel: E %.4f, mCE %.4f, relative mCE %.4f\n", model.clean_error, rows[1].ce.mce,
               rows[1].ce.relative_mce);
        printf("frequency groups (CE): low %.4f  mid %.4f  high %.4f\n", rows[1].ce.group_ce[0], rows[1].ce.group_ce[1],
               rows[1].ce.group_ce[2]);
        printf("R_E %+.4f  R_mCE %+.4f  beta %.3f  R_net %+.4f (%+.2f%%)\n", rn.r_e, rn.r_mce, rn.beta, rn.r_net,
               100 * rn.r_net);
    }
    return 0;
}

/* pushpull weights A [B]: per-layer weight statistics and histograms, side by side. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "analysis/weight_stats.h"
#include "cli.h"
#include "cli_model.h"
#include "cli_output.h"

static int run(int argc, char **argv);

const pp_cli_command pp_cmd_weights = {
    .name = "weights",
    .summary = "weight statistics and histograms of a model, or two checkpoints side by side",
    .usage =
        "usage: pushpull weights A [B] [options]\n\n"
        "Per weight tensor: mean, std, min, max, L2 norm, the fraction of near-zero\n"
        "(|w| < 1e-3 max|w|) and of zero weights, and a histogram over bins shared by A\n"
        "and B; per conv filter the L2 norm and mean (in --json). With B of the same\n"
        "architecture (e.g. before and after fine-tuning): the relative change\n"
        "|B - A| / |A| per tensor and a histogram of B - A.\n\n"
        "  --bins N        histogram bins (default 100)\n"
        "  --buffers       include BatchNorm running statistics\n"
        "  --avg-kernel K  pull pooling size when a model file does not record it\n"
        "  --json FILE     write the pushpull-weights/1 JSON (histograms, per-filter values)\n"
        "  --csv FILE      write layer,model,count,mean,std,...,relative_change rows\n",
    .run = run,
    .writes_files = true,
};

static void print_report(const pp_weight_report *r)
{
    printf("%-34s %8s %10s %10s %10s %9s%s\n", "layer", "values", "mean", "std", "norm", "near-zero",
           r->has_b ? "  change |B-A|/|A|" : "");
    for (int i = 0; i < r->count; i++) {
        const pp_weight_layer *l = &r->layers[i];
        printf("%-34.34s %8lld %10.4g %10.4g %10.4g %8.2f%%", l->name, (long long)l->a.count, l->a.mean, l->a.std,
               l->a.norm, 100 * l->a.near_zero);
        if (l->same_shape)
            printf("  %10.4g", l->relative_change);
        else if (l->in_b)
            printf("  %10s", "B's shape");
        else if (r->has_b)
            printf("  %10s", "not in B");
        printf("\n");
    }
    if (r->only_in_b)
        printf("note: %d tensors of B are not in A\n", r->only_in_b);
}

static int run(int argc, char **argv)
{
    static const struct option options[] = {{"bins", required_argument, NULL, 'n'},
                                            {"buffers", no_argument, NULL, 'B'},
                                            {"avg-kernel", required_argument, NULL, 'a'},
                                            {"json", required_argument, NULL, 'j'},
                                            {"csv", required_argument, NULL, 'v'},
                                            {0}};
    const char *json_path = NULL, *csv_path = NULL;
    int bins = PP_WEIGHT_BINS_DEFAULT, avg = -1, o, rc;
    bool buffers = false;
    long v;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (o) {
        case 'n':
            if (!pp_cli_parse_int(optarg, 1, PP_WEIGHT_BINS_MAX, &v))
                return pp_cli_usage_error(&pp_cmd_weights, "--bins needs a number from 1 to %d", PP_WEIGHT_BINS_MAX);
            bins = (int)v;
            break;
        case 'B': buffers = true; break;
        case 'a':
            if (!pp_cli_parse_avg_kernel(optarg, &avg))
                return pp_cli_usage_error(&pp_cmd_weights, "--avg-kernel is 0, 3 or 5");
            break;
        case 'j': json_path = optarg; break;
        case 'v': csv_path = optarg; break;
        default: return pp_cli_usage_error(&pp_cmd_weights, "unknown option");
        }
    }
    int models = argc - optind;
    if (models < 1 || models > 2)
        return pp_cli_usage_error(&pp_cmd_weights, "give one or two models");
    if (pp_cli_claim_output(json_path) || pp_cli_claim_output(csv_path))
        return 1;
    const char *path_a = argv[optind], *path_b = models == 2 ? argv[optind + 1] : NULL;
    pp_model a, b;
    if ((rc = pp_cli_open_models(path_a, path_b, avg, &a, &b)))
        return rc;
    pp_error err = {0};
    pp_weight_report r;
    pp_status st = pp_weights_compare(&a, path_a, path_b ? &b : NULL, path_b, bins, buffers, &r, &err);
    if (st == PP_OK && json_path)
        st = pp_weight_report_save_json(&r, json_path, &err);
    if (st == PP_OK && csv_path)
        st = pp_weight_report_save_csv(&r, csv_path, &err);
    if (st == PP_OK)
        print_report(&r);
    rc = st == PP_OK ? 0 : pp_cli_fail(&err);
    pp_weight_report_free(&r);
    pp_cli_close_models(&a, &b, path_b != NULL);
    return rc;
}

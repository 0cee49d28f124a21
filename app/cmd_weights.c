/* pushpull weights A [B]: per-layer weight statistics and histograms, side by side. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "analysis/weight_stats.h"
#include "cli.h"
#include "cli_model.h"
#include "cli_model_pair.h"

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

typedef struct {
    int bins;
    bool buffers;
    pp_weight_report report;
} weights_run;

static pp_status compute(void *ctx, const pp_model *a, const char *path_a, const pp_model *b, const char *path_b,
                         pp_error *err)
{
    weights_run *w = ctx;
    return pp_weights_compare(a, path_a, b, path_b, w->bins, w->buffers, &w->report, err);
}

static pp_status save_json(void *ctx, const char *path, pp_error *err)
{
    return pp_weight_report_save_json(&((weights_run *)ctx)->report, path, err);
}

static pp_status save_csv(void *ctx, const char *path, pp_error *err)
{
    return pp_weight_report_save_csv(&((weights_run *)ctx)->report, path, err);
}

static void print(void *ctx)
{
    print_report(&((weights_run *)ctx)->report);
}

static void release(void *ctx)
{
    pp_weight_report_free(&((weights_run *)ctx)->report);
}

static int run(int argc, char **argv)
{
    static const struct option options[] = {{"bins", required_argument, NULL, 'n'},
                                            {"buffers", no_argument, NULL, 'B'},
                                            {"avg-kernel", required_argument, NULL, 'a'},
                                            {"json", required_argument, NULL, 'j'},
                                            {"csv", required_argument, NULL, 'v'},
                                            {0}};
    weights_run w = {.bins = PP_WEIGHT_BINS_DEFAULT};
    pp_cli_model_pair pair = {.cmd = &pp_cmd_weights, .avg_kernel = -1, .ctx = &w, .compute = compute,
                              .save_json = save_json, .save_csv = save_csv, .print = print, .release = release};
    int o;
    long v;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (o) {
        case 'n':
            if (!pp_cli_parse_int(optarg, 1, PP_WEIGHT_BINS_MAX, &v))
                return pp_cli_usage_error(&pp_cmd_weights, "--bins needs a number from 1 to %d", PP_WEIGHT_BINS_MAX);
            w.bins = (int)v;
            break;
        case 'B': w.buffers = true; break;
        case 'a':
            if (!pp_cli_parse_avg_kernel(optarg, &pair.avg_kernel))
                return pp_cli_usage_error(&pp_cmd_weights, "--avg-kernel is 0, 3 or 5");
            break;
        case 'j': pair.json_path = optarg; break;
        case 'v': pair.csv_path = optarg; break;
        default: return pp_cli_usage_error(&pp_cmd_weights, "unknown option");
        }
    }
    return pp_cli_run_model_pair(&pair, argv + optind, argc - optind);
}

/* pushpull cka A [B] --data D: CKA between every pair of layers of two models. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>
#include <unistd.h>

#include "analysis/cka_layers.h"
#include "analysis/cka_shard.h"
#include "cli.h"
#include "cli_model_pair.h"
#include "cli_progress.h"
#include "cli_run_options.h"
#include "cli_shard.h"
#include "sha256.h"

static int run(int argc, char **argv);

const pp_cli_command pp_cmd_cka = {
    .name = "cka",
    .summary = "layer-by-layer CKA similarity of two models (or one with itself)",
    .usage =
        "usage: pushpull cka A [B] --data D [options]\n\n"
        "Centred kernel alignment between every layer of model A and every layer of\n"
        "model B (stem, every residual block layer1.0, layer1.1, ..., features, logits)\n"
        "on the same images of D, clean or under one corruption. Without B, A is\n"
        "compared with itself. Up to --batch images: exact CKA; more: minibatch CKA\n"
        "(unbiased HSIC summed over batches of near-equal size, Nguyen et al. 2021),\n"
        "each pass over the images freshly shuffled (seeded by --seed).\n\n"
        "  --data D             a data set, as for `pushpull eval`\n"
        "  --limit N            first N images only\n"
        "  --kind K             linear (default), rbf or debiased\n"
        "  --threshold T        RBF bandwidth as a fraction of the median distance (0.5)\n"
        "  --batch B            images per CKA batch (default 256, at least 8); a batch's\n"
        "                       activations of one model are held in memory\n"
        "  --layers LIST        comma-separated layers, e.g. stem,layer2.1,logits (also conv1\n"
        "                       and the stage outputs layer1..layer4)\n"
        "  --layers-b LIST      B's own layers (default: as A's); with no name in common\n"
        "                       the layers are matched by position\n"
        "  --passes P           minibatch: P shuffled passes over the images (default 1;\n"
        "                       the paper's protocol is 10)\n"
        "  --in-order           minibatch: one pass in data-set order, not shuffled\n"
        "  --corruption C       corrupt every image with C (see `pushpull corrupt --list`)\n"
        "  --severity S         its severity, 0..5 (default 3)\n"
        "  --seed S             corruption and shuffle seed (default 0; image i uses S + i)\n"
        "  --preset P           corruption parameters: auto (by size), imagenet, cifar\n"
        "  --avg-kernel K       pull pooling size when a model file does not record it\n"
        "  --json FILE          write the pushpull-cka/1 JSON (matrix with layer names)\n"
        "  --csv FILE           write layer_a,layer_b,cka rows\n"
        "  --shard K/N          compute only part K of N of the batches (every batch of every\n"
        "                       pass) into --json's shard name OUT.shard-K-of-N.json; a shard\n"
        "                       whose complete result is there already is skipped. `pushpull\n"
        "                       merge OUT.json OUT.shard-*.json` gives the single run's matrix\n",
    .run = run,
    .writes_files = true,
};

static void print_matrix(const pp_cka_result *r)
{
    printf("%s CKA (%s, %lld images", pp_cka_kind_name(r->kind), r->minibatch ? "minibatch" : "exact",
           (long long)r->samples);
    if (r->minibatch)
        printf(", %d pass%s %s", r->passes, r->passes > 1 ? "es" : "", r->shuffled ? "shuffled" : "in order");
    printf("%s%s", r->corruption[0] ? ", " : "", r->corruption);
    if (r->corruption[0])
        printf(" severity %g", r->severity);
    /* columns as wide as the longest name (WideResNet's "block1.layer.0", EfficientNet's "features.1.0") */
    int row_width = 10, col_width = 9;
    for (int i = 0; i < r->layers_a; i++)
        row_width = (int)strlen(r->names_a[i].name) > row_width ? (int)strlen(r->names_a[i].name) : row_width;
    for (int j = 0; j < r->layers_b; j++)
        col_width = (int)strlen(r->names_b[j].name) > col_width ? (int)strlen(r->names_b[j].name) : col_width;
    printf("); rows: %s, columns: %s\n%-*s", r->model_a, r->model_b, row_width, "");
    for (int j = 0; j < r->layers_b; j++)
        printf(" %*s", col_width, r->names_b[j].name);
    printf("\n");
    for (int i = 0; i < r->layers_a; i++) {
        printf("%-*s", row_width, r->names_a[i].name);
        for (int j = 0; j < r->layers_b; j++)
            printf(" %*.4f", col_width, r->matrix[(size_t)i * r->layers_b + j]);
        printf("\n");
    }
    if (r->matched_by_position)
        printf("note: the models have no layer name in common: layers are matched by position\n");
}

/* The names are checked against each model (pp_cka_models). */
static int parse_layers(char *list, const char **layers, int *n)
{
    *n = 0;
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
        if (*n == PP_CKA_MAX_LAYERS)
            return pp_cli_usage_error(&pp_cmd_cka, "--layers takes at most %d layers", PP_CKA_MAX_LAYERS);
        layers[(*n)++] = tok;
    }
    return *n ? 0 : pp_cli_usage_error(&pp_cmd_cka, "--layers needs at least one layer name");
}

typedef struct {
    const char *data;
    pp_cka_options opt;
    const char *shard_path;   /* --shard: the shard's file */
    char sha_a[65], sha_b[65]; /* --shard: the model files' SHA-256 (merge and resume check them) */
    pp_cka_result result;
    bool skipped; /* a shard whose complete result was there */
} cka_run;

/* cka --shard: true when `path` already holds this very shard (a shard file
 * is written only when complete); one of another run is computed again. */
static bool shard_done(const pp_model *a, const char *path_a, const pp_model *b, const char *path_b,
                       const pp_dataset *ds, const cka_run *c)
{
    const char *path = c->shard_path;
    if (access(path, F_OK) != 0)
        return false;
    pp_cka_options describe = c->opt;
    describe.describe_only = true;
    pp_cka_result plan, old;
    pp_error err = {0};
    char what[400];
    const char *diff = NULL;
    if (pp_cka_models(a, path_a, b, path_b, ds, &describe, NULL, &plan, &err) != PP_OK) {
        diff = err.msg;
    } else if (pp_cka_shard_load_json(&old, path, &err) != PP_OK) {
        diff = err.msg;
    } else {
        memcpy(plan.sha256_a, c->sha_a, 65);
        memcpy(plan.sha256_b, c->sha_b, 65);
        diff = pp_cka_shard_mismatch(&plan, &old, what, sizeof what);
        if (!diff && old.shard_index != plan.shard_index)
            diff = "another shard";
        pp_cka_result_free(&old);
    }
    pp_cka_result_free(&plan);
    if (diff)
        fprintf(stderr, "pushpull: warning: %s holds another run (%s): computing again\n", path, diff);
    else
        printf("shard %d/%d: complete result in %s, skipped\n", c->opt.shard, c->opt.n_shards, path);
    return !diff;
}

static pp_status compute(void *ctx, const pp_model *a, const char *path_a, const pp_model *b, const char *path_b,
                         pp_error *err)
{
    cka_run *c = ctx;
    pp_dataset ds;
    pp_status st = pp_dataset_open(&ds, c->data, false, err);
    if (st != PP_OK)
        return st;
    if (c->opt.n_shards) {
        st = pp_sha256_file(path_a, c->sha_a, err);
        if (st == PP_OK)
            st = pp_sha256_file(path_b ? path_b : path_a, c->sha_b, err);
        if (st == PP_OK)
            c->skipped = shard_done(a, path_a, b, path_b ? path_b : path_a, &ds, c);
    }
    if (st == PP_OK && !c->skipped) {
        pp_job job = pp_cli_progress_job();
        st = pp_cka_models(a, path_a, b, path_b ? path_b : path_a, &ds, &c->opt, &job, &c->result, err);
        pp_cli_progress_done();
        memcpy(c->result.sha256_a, c->sha_a, 65), memcpy(c->result.sha256_b, c->sha_b, 65);
    }
    pp_dataset_free(&ds);
    return st;
}

static pp_status save_json(void *ctx, const char *path, pp_error *err)
{
    cka_run *c = ctx;
    if (c->skipped)
        return PP_OK;
    return c->opt.n_shards ? pp_cka_shard_save_json(&c->result, path, err)
                           : pp_cka_result_save_json(&c->result, path, err);
}

static pp_status save_csv(void *ctx, const char *path, pp_error *err)
{
    return pp_cka_result_save_csv(&((cka_run *)ctx)->result, path, err);
}

static void print(void *ctx)
{
    const cka_run *c = ctx;
    const pp_cka_result *r = &c->result;
    if (c->skipped)
        return;
    if (r->shard_count)
        printf("shard %d/%d: batches %lld..%lld of %lld (%d layers x %d), %.1f s\n", r->shard_index, r->shard_count,
               (long long)r->unit_lo, (long long)r->unit_hi, (long long)r->units, r->layers_a, r->layers_b,
               r->seconds);
    else
        print_matrix(r);
}

static void release(void *ctx)
{
    pp_cka_result_free(&((cka_run *)ctx)->result);
}

static int run(int argc, char **argv)
{
    const pp_cli_command *cmd = &pp_cmd_cka;
    struct option options[24] = {
        {"kind", required_argument, NULL, 'k'},       {"threshold", required_argument, NULL, 't'},
        {"layers", required_argument, NULL, 'L'},     {"layers-b", required_argument, NULL, 'B'},
        {"corruption", required_argument, NULL, 'c'}, {"severity", required_argument, NULL, 's'},
        {"json", required_argument, NULL, 'j'},       {"csv", required_argument, NULL, 'v'},
        {"passes", required_argument, NULL, 'P'},     {"in-order", no_argument, NULL, 'O'}};
    pp_cli_run_options ro = pp_cli_run_options_getopt(PP_RUN_DATA | PP_RUN_LIMIT | PP_RUN_BATCH | PP_RUN_SEED |
                                                    PP_RUN_PRESET | PP_RUN_SHARD | PP_RUN_AVG_KERNEL, options, 10);
    ro.batch_min = 8;
    cka_run c = {.opt = {.kind = PP_CKA_LINEAR, .severity = 3}};
    const char *json_path = NULL, *csv_path = NULL;
    const char *layers[PP_CKA_MAX_LAYERS], *layers_b[PP_CKA_MAX_LAYERS];
    int o, rc = 0;
    bool severity_given = false;
    long v;
    double d;
    optind = 1;
    while ((o = pp_cli_run_getopt(cmd, &ro, argc, argv, options, &rc)) != -1) {
        switch (o) {
        case PP_RUN_FAILED: return rc;
        case 'j': json_path = optarg; break;
        case 'v': csv_path = optarg; break;
        case 'c': c.opt.corruption = optarg; break;
        case 'O': c.opt.in_order = true; break;
        case 'P':
            if (!pp_cli_parse_int(optarg, 1, 1000, &v))
                return pp_cli_usage_error(cmd, "--passes needs a number from 1 to 1000");
            c.opt.passes = (int)v;
            break;
        case 'k':
            if (!pp_cka_kind_parse(optarg, &c.opt.kind))
                return pp_cli_usage_error(cmd, "--kind is linear, rbf or debiased");
            break;
        case 't':
            if (!pp_cli_parse_float(optarg, &d) || !(d > 0 && d <= 100))
                return pp_cli_usage_error(cmd, "--threshold needs a number above 0");
            c.opt.threshold = d;
            break;
        case 'L':
            if ((rc = parse_layers(optarg, layers, &c.opt.n_layers)))
                return rc;
            c.opt.layers = layers;
            break;
        case 'B':
            if ((rc = parse_layers(optarg, layers_b, &c.opt.n_layers_b)))
                return rc;
            c.opt.layers_b = layers_b;
            break;
        case 's':
            if (!pp_cli_parse_float(optarg, &d) || !(d >= 0 && d <= 5))
                return pp_cli_usage_error(cmd, "--severity needs a number from 0 to 5");
            c.opt.severity = d;
            severity_given = true;
            break;
        default: return pp_cli_usage_error(cmd, "unknown option");
        }
    }
    c.data = ro.data;
    c.opt.limit = ro.limit, c.opt.batch = ro.batch, c.opt.seed = ro.seed, c.opt.preset = ro.preset;
    c.opt.shard = ro.shard, c.opt.n_shards = ro.n_shards;
    int models = argc - optind;
    if (models < 1 || models > 2)
        return pp_cli_usage_error(cmd, "give one or two models");
    if (!c.data)
        return pp_cli_usage_error(cmd, "--data is required");
    if (severity_given && !c.opt.corruption)
        return pp_cli_usage_error(cmd, "--severity needs --corruption");
    if (c.opt.corruption && !pp_corruption_find(c.opt.corruption))
        return pp_cli_failf("unknown corruption '%s' (see `pushpull corrupt --list`)", c.opt.corruption);
    char shard_path[4096];
    if (c.opt.n_shards) {
        if (!json_path)
            return pp_cli_usage_error(cmd, "--shard needs --json OUT.json (the shard writes OUT.shard-K-of-N.json)");
        if (csv_path)
            return pp_cli_usage_error(cmd, "--csv is not written by a shard (merge the shards, then use the JSON)");
        if (!pp_cli_shard_path(json_path, c.opt.shard, c.opt.n_shards, shard_path, sizeof shard_path))
            return pp_cli_failf("%s: name too long for a shard file", json_path);
        json_path = c.shard_path = shard_path;
    }
    pp_cli_model_pair pair = {.cmd = cmd, .avg_kernel = ro.avg_kernel, .json_path = json_path,
                              .csv_path = csv_path, .ctx = &c, .compute = compute, .save_json = save_json,
                              .save_csv = save_csv, .print = print, .release = release};
    return pp_cli_run_model_pair(&pair, argv + optind, models);
}

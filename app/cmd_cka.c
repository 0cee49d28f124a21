/* pushpull cka A [B] --data D: CKA between every pair of layers of two models. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "analysis/cka_layers.h"
#include "cli.h"
#include "cli_model.h"
#include "cli_output.h"
#include "cli_progress.h"

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
        "  --csv FILE           write layer_a,layer_b,cka rows\n",
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
    printf("); rows: %s, columns: %s\n%-10s", r->model_a, r->model_b, "");
    for (int j = 0; j < r->layers_b; j++)
        printf(" %9s", r->names_b[j].name);
    printf("\n");
    for (int i = 0; i < r->layers_a; i++) {
        printf("%-10s", r->names_a[i].name);
        for (int j = 0; j < r->layers_b; j++)
            printf(" %9.4f", r->matrix[(size_t)i * r->layers_b + j]);
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

static int run(int argc, char **argv)
{
    static const struct option options[] = {
        {"data", required_argument, NULL, 'd'},       {"limit", required_argument, NULL, 'l'},
        {"kind", required_argument, NULL, 'k'},       {"threshold", required_argument, NULL, 't'},
        {"batch", required_argument, NULL, 'b'},      {"layers", required_argument, NULL, 'L'},
        {"corruption", required_argument, NULL, 'c'}, {"severity", required_argument, NULL, 's'},
        {"seed", required_argument, NULL, 'S'},       {"preset", required_argument, NULL, 'p'},
        {"avg-kernel", required_argument, NULL, 'a'}, {"json", required_argument, NULL, 'j'},
        {"csv", required_argument, NULL, 'v'},        {"passes", required_argument, NULL, 'P'},
        {"in-order", no_argument, NULL, 'O'},         {"layers-b", required_argument, NULL, 'B'},
        {0}};
    pp_cka_options opt = {.kind = PP_CKA_LINEAR, .severity = 3};
    const char *data = NULL, *json_path = NULL, *csv_path = NULL;
    const char *layers[PP_CKA_MAX_LAYERS], *layers_b[PP_CKA_MAX_LAYERS];
    int avg = -1, o, rc;
    bool severity_given = false;
    long v;
    double d;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (o) {
        case 'd': data = optarg; break;
        case 'j': json_path = optarg; break;
        case 'v': csv_path = optarg; break;
        case 'c': opt.corruption = optarg; break;
        case 'O': opt.in_order = true; break;
        case 'P':
            if (!pp_cli_parse_int(optarg, 1, 1000, &v))
                return pp_cli_usage_error(&pp_cmd_cka, "--passes needs a number from 1 to 1000");
            opt.passes = (int)v;
            break;
        case 'l':
            if (!pp_cli_parse_int(optarg, 1, 1L << 40, &v))
                return pp_cli_usage_error(&pp_cmd_cka, "--limit needs a positive number");
            opt.limit = v;
            break;
        case 'k':
            if (!pp_cka_kind_parse(optarg, &opt.kind))
                return pp_cli_usage_error(&pp_cmd_cka, "--kind is linear, rbf or debiased");
            break;
        case 't':
            if (!pp_cli_parse_float(optarg, &d) || !(d > 0 && d <= 100))
                return pp_cli_usage_error(&pp_cmd_cka, "--threshold needs a number above 0");
            opt.threshold = d;
            break;
        case 'b':
            if (!pp_cli_parse_int(optarg, 8, 4096, &v))
                return pp_cli_usage_error(&pp_cmd_cka, "--batch needs a number from 8 to 4096");
            opt.batch = (int)v;
            break;
        case 'L':
            if ((rc = parse_layers(optarg, layers, &opt.n_layers)))
                return rc;
            opt.layers = layers;
            break;
        case 'B':
            if ((rc = parse_layers(optarg, layers_b, &opt.n_layers_b)))
                return rc;
            opt.layers_b = layers_b;
            break;
        case 's':
            if (!pp_cli_parse_float(optarg, &d) || !(d >= 0 && d <= 5))
                return pp_cli_usage_error(&pp_cmd_cka, "--severity needs a number from 0 to 5");
            opt.severity = d;
            severity_given = true;
            break;
        case 'S':
            if (!pp_cli_parse_int(optarg, 0, 1L << 62, &v))
                return pp_cli_usage_error(&pp_cmd_cka, "--seed needs a non-negative number");
            opt.seed = (uint64_t)v;
            break;
        case 'p':
            if (!pp_corruption_preset_parse(optarg, &opt.preset))
                return pp_cli_usage_error(&pp_cmd_cka, "--preset is auto, imagenet or cifar");
            break;
        case 'a':
            if (!pp_cli_parse_avg_kernel(optarg, &avg))
                return pp_cli_usage_error(&pp_cmd_cka, "--avg-kernel is 0, 3 or 5");
            break;
        default: return pp_cli_usage_error(&pp_cmd_cka, "unknown option");
        }
    }
    int models = argc - optind;
    if (models < 1 || models > 2)
        return pp_cli_usage_error(&pp_cmd_cka, "give one or two models");
    if (!data)
        return pp_cli_usage_error(&pp_cmd_cka, "--data is required");
    if (severity_given && !opt.corruption)
        return pp_cli_usage_error(&pp_cmd_cka, "--severity needs --corruption");
    if (opt.corruption && !pp_corruption_find(opt.corruption))
        return pp_cli_failf("unknown corruption '%s' (see `pushpull corrupt --list`)", opt.corruption);
    if (pp_cli_claim_output(json_path) || pp_cli_claim_output(csv_path))
        return 1;
    const char *path_a = argv[optind], *path_b = models == 2 ? argv[optind + 1] : NULL;

    pp_model a, b;
    if ((rc = pp_cli_open_models(path_a, path_b, avg, &a, &b)))
        return rc;
    pp_error err = {0};
    pp_dataset ds;
    pp_cka_result r = {0};
    if (pp_dataset_open(&ds, data, false, &err) != PP_OK) {
        rc = pp_cli_fail(&err);
    } else {
        pp_job job = pp_cli_progress_job();
        pp_status st = pp_cka_models(&a, path_a, path_b ? &b : NULL, path_b ? path_b : path_a, &ds, &opt, &job, &r,
                                     &err);
        pp_cli_progress_done();
        if (st == PP_OK && json_path)
            st = pp_cka_result_save_json(&r, json_path, &err);
        if (st == PP_OK && csv_path)
            st = pp_cka_result_save_csv(&r, csv_path, &err);
        if (st == PP_OK)
            print_matrix(&r);
        rc = st == PP_OK ? 0 : pp_cli_fail(&err);
        pp_dataset_free(&ds);
    }
    pp_cka_result_free(&r);
    pp_cli_close_models(&a, &b, path_b != NULL);
    return rc;
}

/* pushpull eval MODEL --data D: clean and corrupted error of a model. */
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_model.h"
#include "cli_output.h"
#include "cli_progress.h"
#include "cli_run_options.h"
#include "cli_shard.h"
#include "eval/evaluate.h"
#include "sha256.h"

static int run(int argc, char **argv);

const pp_cli_command pp_cmd_eval = {
    .name = "eval",
    .summary = "evaluate a model: clean error and error per corruption and severity",
    .usage =
        "usage: pushpull eval MODEL --data D [options]\n\n"
        "Measures top-1 (and top-5) error on clean data and under each corruption at\n"
        "each severity. Corrupted images come from the corruption engine (seeded, at the\n"
        "model's input size, as ImageNet-C/CIFAR-10-C were made) or from --corrupted DIR.\n\n"
        "  --data D             fashion-mnist[:test|:train], a CIFAR-10 binary folder,\n"
        "                       images.npy (+ labels.npy beside it) or a class-folder tree\n"
        "  --corruptions LIST   comma-separated names, 'benchmark' (the 15, default),\n"
        "                       'all' (with the extras) or 'none' (clean only)\n"
        "  --severities LIST    e.g. 1,3,5 (default 1-5)\n"
        "  --corrupted DIR      pre-corrupted data: DIR/<corruption>.npy (CIFAR-10-C) or\n"
        "                       DIR/<corruption>/<severity>/<class>/ (ImageNet-C)\n"
        "  --limit N            first N samples only\n"
        "  --batch B            images per forward pass (default 64)\n"
        "  --seed S             corruption seed (default 0; sample i uses S + i)\n"
        "  --preset P           corruption parameters: auto (by size), imagenet, cifar\n"
        "  --json FILE          write the pushpull-eval/1 JSON that `compare` reads\n"
        "  --csv FILE           write corruption,severity,top1_error rows\n"
        "  --avg-kernel K       pull pooling size when the model file does not record it\n"
        "  --shard K/N          evaluate only part K of N (1 <= K <= N) of the work\n"
        "                       (samples x corruptions x severities) and write its counts\n"
        "                       to --json's shard name, OUT.shard-K-of-N.json; a shard whose\n"
        "                       complete result is there already is skipped. `pushpull merge`\n"
        "                       joins the N files into the single run's JSON\n",
    .run = run,
    .writes_files = true,
};

static int parse_list(char *text, char **items, int max)
{
    int n = 0;
    for (char *tok = strtok(text, ","); tok && n < max; tok = strtok(NULL, ","))
        items[n++] = tok;
    return n;
}

typedef struct {
    const char *path;
    char hex[65];
    pp_error err;
    pp_status st;
} hash_job;

static void *hash_file(void *arg)
{
    hash_job *h = arg;
    h->st = pp_sha256_file(h->path, h->hex, &h->err);
    return NULL;
}

/* eval --shard K/N: this shard's counts into OUT.shard-K-of-N.json, or
 * nothing to do when that file already holds them. */
static int run_shard(const char *model_path, const char *data, int avg, const char *json_path,
                     const char *csv_path, const pp_eval_options *opt)
{
    char path[4096];
    if (!json_path)
        return pp_cli_usage_error(&pp_cmd_eval, "--shard needs --json OUT.json (the shard writes OUT.shard-K-of-N.json)");
    if (csv_path)
        return pp_cli_usage_error(&pp_cmd_eval, "--csv is not written by a shard (merge the shards, then use the JSON)");
    if (!pp_cli_shard_path(json_path, opt->shard, opt->n_shards, path, sizeof path))
        return pp_cli_failf("%s: name too long for a shard file", json_path);
    if (pp_cli_claim_output(path))
        return 1;
    pp_error err = {0};
    /* The model's hash (identity for merge and resume) on a thread of its own
     * while the model loads: part of a shard's fixed cost. */
    hash_job hash = {.path = model_path};
    pthread_t hasher;
    bool threaded = pthread_create(&hasher, NULL, hash_file, &hash) == 0;
    if (!threaded)
        hash_file(&hash);
    pp_model m;
    int rc = pp_cli_open_model(model_path, avg, &m);
    if (threaded)
        pthread_join(hasher, NULL);
    if (rc)
        return rc;
    if (hash.st != PP_OK) {
        pp_model_free(&m);
        return pp_cli_fail(&hash.err);
    }
    const char *sha = hash.hex;
    pp_dataset ds;
    if (pp_dataset_open(&ds, data, false, &err) != PP_OK) {
        pp_model_free(&m);
        return pp_cli_fail(&err);
    }
    pp_eval_result *plan = malloc(sizeof *plan), *r = malloc(sizeof *r), *old = malloc(sizeof *old);
    if (!plan || !r || !old) {
        rc = pp_cli_failf("out of memory");
        goto done;
    }
    if (pp_eval_prepare(&m, model_path, &ds, opt, plan, &err) != PP_OK) {
        rc = pp_cli_fail(&err);
        goto done;
    }
    memcpy(plan->shard.model_sha256, sha, 65);
    if (access(path, F_OK) == 0) { /* resume: a complete result of this very shard is kept */
        char what[700];
        const char *diff = NULL;
        if (pp_eval_shard_load_json(old, path, &err) != PP_OK)
            diff = err.msg;
        else if (!(diff = pp_eval_shard_mismatch(plan, old, what, sizeof what)) &&
                 (old->shard.index != plan->shard.index || old->shard.unit_lo != plan->shard.unit_lo ||
                  old->shard.unit_hi != plan->shard.unit_hi))
            diff = "another shard's units";
        if (!diff) {
            printf("shard %d/%d: complete result in %s, skipped\n", opt->shard, opt->n_shards, path);
            goto done;
        }
        fprintf(stderr, "pushpull: warning: %s holds another run (%s): evaluating again\n", path, diff);
    }
    pp_job job = pp_cli_progress_job();
    pp_status st = pp_evaluate(&m, model_path, &ds, opt, &job, r, &err);
    pp_cli_progress_done();
    for (char *line = strtok(r->notes, "\n"); line; line = strtok(NULL, "\n"))
        fprintf(stderr, "pushpull: warning: %s\n", line);
    if (st != PP_OK) {
        rc = pp_cli_fail(&err);
        goto done;
    }
    memcpy(r->shard.model_sha256, sha, 65);
    if (pp_eval_shard_save_json(r, path, &err) != PP_OK) {
        rc = pp_cli_fail(&err);
        goto done;
    }
    printf("shard %d/%d: units %lld..%lld of %lld, %lld clean samples, %.1f s -> %s\n", opt->shard, opt->n_shards,
           (long long)r->shard.unit_lo, (long long)r->shard.unit_hi, (long long)r->shard.units_total,
           (long long)r->clean_counts.evaluated, r->seconds, path);
done:
    free(plan);
    free(r);
    free(old);
    pp_dataset_free(&ds);
    pp_model_free(&m);
    return rc;
}

static int run(int argc, char **argv)
{
    const pp_cli_command *cmd = &pp_cmd_eval;
    struct option options[16] = {{"corruptions", required_argument, NULL, 'c'},
                                 {"severities", required_argument, NULL, 's'},
                                 {"corrupted", required_argument, NULL, 'C'},
                                 {"json", required_argument, NULL, 'j'},
                                 {"csv", required_argument, NULL, 'v'}};
    pp_cli_run_options ro = pp_cli_run_options_getopt(PP_RUN_DATA | PP_RUN_LIMIT | PP_RUN_BATCH | PP_RUN_SEED |
                                                    PP_RUN_PRESET | PP_RUN_SHARD | PP_RUN_AVG_KERNEL, options, 5);
    const char *json_path = NULL, *csv_path = NULL;
    char *corruption_arg = NULL, *severity_arg = NULL;
    pp_eval_options opt = {0};
    int o, rc = 0;
    long v;
    optind = 1;
    while ((o = pp_cli_run_getopt(cmd, &ro, argc, argv, options, &rc)) != -1) {
        switch (o) {
        case PP_RUN_FAILED: return rc;
        case 'c': corruption_arg = optarg; break;
        case 's': severity_arg = optarg; break;
        case 'C': opt.corrupted_dir = optarg; break;
        case 'j': json_path = optarg; break;
        case 'v': csv_path = optarg; break;
        default: return pp_cli_usage_error(cmd, "bad option");
        }
    }
    const char *data = ro.data;
    const int avg = ro.avg_kernel;
    opt.limit = ro.limit, opt.batch = ro.batch, opt.seed = ro.seed, opt.preset = ro.preset;
    opt.shard = ro.shard, opt.n_shards = ro.n_shards;
    if (optind != argc - 1 || !data)
        return pp_cli_usage_error(cmd, "expected MODEL and --data D");
    char *names[PP_EVAL_MAX_CORRUPTIONS];
    const char *all[PP_EVAL_MAX_CORRUPTIONS];
    if (corruption_arg && strcmp(corruption_arg, "none") == 0) {
        opt.clean_only = true;
    } else if (corruption_arg && strcmp(corruption_arg, "all") == 0) {
        for (size_t i = 0; i < pp_corruption_count() && i < PP_EVAL_MAX_CORRUPTIONS; i++)
            all[opt.n_corruptions++] = pp_corruption_at(i)->name;
        opt.corruptions = all;
    } else if (corruption_arg && strcmp(corruption_arg, "benchmark") != 0) {
        opt.n_corruptions = parse_list(corruption_arg, names, PP_EVAL_MAX_CORRUPTIONS);
        if (opt.n_corruptions == 0)
            return pp_cli_usage_error(cmd, "--corruptions needs at least one name");
        opt.corruptions = (const char *const *)names;
        for (int i = 0; i < opt.n_corruptions; i++)
            if (!pp_corruption_find(names[i]))
                return pp_cli_failf("unknown corruption '%s' (see `pushpull corrupt --list`)", names[i]);
    }
    if (severity_arg) {
        char *items[8];
        int n = parse_list(severity_arg, items, 8);
        if (n == 0)
            return pp_cli_usage_error(cmd, "--severities needs at least one of 1..5");
        for (int i = 0; i < n; i++) {
            if (!pp_cli_parse_int(items[i], 1, 5, &v))
                return pp_cli_usage_error(cmd, "severities are integers from 1 to 5");
            opt.severities[v - 1] = true;
        }
    }

    if (opt.n_shards)
        return run_shard(argv[optind], data, avg, json_path, csv_path, &opt);
    if (pp_cli_claim_output(json_path) || pp_cli_claim_output(csv_path))
        return 1;
    pp_model m;
    rc = pp_cli_open_model(argv[optind], avg, &m);
    if (rc)
        return rc;
    pp_error err = {0};
    pp_dataset ds;
    if (pp_dataset_open(&ds, data, false, &err) != PP_OK) {
        pp_model_free(&m);
        return pp_cli_fail(&err);
    }
    pp_job job = pp_cli_progress_job();
    pp_eval_result r;
    pp_status st = pp_evaluate(&m, argv[optind], &ds, &opt, &job, &r, &err);
    pp_cli_progress_done();
    for (char *line = strtok(r.notes, "\n"); line; line = strtok(NULL, "\n"))
        fprintf(stderr, "pushpull: warning: %s\n", line);
    if (st != PP_OK) {
        rc = pp_cli_fail(&err);
    } else { /* the results first: a save that fails now must not lose them */
        printf("model:        %s\ndata:         %s (%lld samples)\n", r.model, r.dataset, (long long)r.samples);
        printf("clean error:  top-1 %.4f  top-5 %.4f\n", r.clean_error, r.clean_top5_error);
        for (int i = 0; i < r.n_corruptions; i++) {
            printf("%-18s", r.corruptions[i].name);
            for (int s = 0; s < 5; s++)
                if (r.corruptions[i].has[s])
                    printf("  s%d %.4f", s + 1, r.corruptions[i].error[s]);
            printf("\n");
        }
        printf("time:         %.1f s\n", r.seconds);
        fflush(stdout);
        if (json_path && pp_eval_result_save_json(&r, json_path, &err) != PP_OK)
            rc = pp_cli_fail(&err);
        if (csv_path && pp_eval_result_save_csv(&r, csv_path, &err) != PP_OK)
            rc = pp_cli_fail(&err);
    }
    pp_dataset_free(&ds);
    pp_model_free(&m);
    return rc;
}

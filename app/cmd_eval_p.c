/* pushpull eval-p MODEL --data D: stability on ImageNet-P / CIFAR-10-P sequences. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_model.h"
#include "cli_output.h"
#include "cli_progress.h"
#include "cli_run_options.h"
#include "cli_shard.h"
#include "eval/evaluate_p.h"
#include "sha256.h"

static int run(int argc, char **argv);

const pp_cli_command pp_cmd_eval_p = {
    .name = "eval-p",
    .summary = "stability of a model on perturbation sequences (flip probability, top-5 distance)",
    .usage =
        "usage: pushpull eval-p MODEL (--data D | --sequences DIR) [options]\n\n"
        "Runs every frame of every perturbation sequence through the model and measures,\n"
        "as ImageNet-P's test.py does, the flip probability FP (how often the top-1 class\n"
        "changes between frames d apart, or against the clean frame 0 for noise), the\n"
        "top-5 distance T5D (how much the top-5 ranking moves) and the repeatability (the\n"
        "share of sequences whose every frame keeps frame 0's class). `pushpull compare\n"
        "BASELINE.json MODEL.json` turns two results into FR, mFR, T5D and mT5D.\n\n"
        "  --data D             sequences made on the fly from a data set (as `eval --data`),\n"
        "                       seeded: ImageNet-P's at 224 (Resize 256), CIFAR-10-P's below 85 px\n"
        "  --sequences DIR      pre-made: DIR/<p>.npy (uint8 (N, T, H, W, 3), `make-p`'s and\n"
        "                       CIFAR-10-P's layout) or DIR/<p>/<class>/<image>.mp4 (ImageNet-P)\n"
        "  --perturbations L    test (the 10 of mFR, default), validation, repeatability, all\n"
        "                       or comma-separated names (see `pushpull make-p --list`)\n"
        "  --difficulty d       1..3 (default 1): frames d apart, or the noise level\n"
        "                       (DIR/<p>_d for noise sequences above 1, as test.py)\n"
        "  --limit N            first N sequences of each perturbation\n"
        "  --batch B            frames per forward pass (default 64)\n"
        "  --seed S             sequence seed (default 0)\n"
        "  --preset P           auto (by size), imagenet or cifar schedules\n"
        "  --json FILE          write pushpull-eval-p/1 JSON (atomically, only when complete)\n"
        "  --avg-kernel K       pull pooling size when the model file does not record it\n"
        "  --shard K/N          evaluate sequences [(K-1)N/N, KN/N) of each perturbation into\n"
        "                       --json's shard name OUT.shard-K-of-N.json; `pushpull merge OUT.json\n"
        "                       OUT.shard-*.json` adds the N shards up; a shard whose complete\n"
        "                       result is there already is skipped\n",
    .run = run,
    .writes_files = true,
};

static void print_result(const pp_eval_p_result *r)
{
    printf("model:        %s\ndata:         %s (%s), difficulty %d\n", r->model, r->dataset, r->source, r->difficulty);
    printf("%-16s %-13s %6s %9s %8s %8s %8s\n", "perturbation", "set", "frames", "sequences", "FP", "T5D", "repeat");
    for (int i = 0; i < r->n; i++) {
        const pp_eval_p_row *w = &r->rows[i];
        printf("%-16s %-13s %6d %9lld %8.4f %8.4f %8.4f\n", w->name, pp_perturbation_set_name(w->set), w->frames,
               (long long)w->counts.sequences, pp_stability_flip_probability(&w->counts),
               pp_stability_top5_distance(&w->counts), pp_stability_repeatability(&w->counts));
    }
    pp_stability_row rows[PP_STABILITY_MAX_ROWS];
    pp_stability_summary s;
    int n = pp_eval_p_rows(r, rows, PP_STABILITY_MAX_ROWS);
    if (pp_stability_summarize(rows, n, NULL, 0, &s, NULL) == PP_OK) {
        if (!isnan(s.mean_fp))
            printf("mean FP over the test perturbations: %.4f\n", s.mean_fp);
        if (!isnan(s.cifar_mean_fp))
            printf("CIFAR-10-P mean FP (cifar-p-eval.py's ten, spatter for snow): %.4f\n", s.cifar_mean_fp);
        if (!isnan(s.repeatability))
            printf("repeatability (same part, same answer): %.4f\n", s.repeatability);
    }
    printf("time:         %.1f s (sequences %.1f s = %.0f %%, forward %.1f s)\n", r->seconds, r->generate_seconds,
           r->seconds > 0 ? 100 * r->generate_seconds / r->seconds : 0, r->forward_seconds);
}

/* eval-p --shard: true when `path` already holds this very shard's complete
 * result (a shard file is written only when complete), so a rerun after a
 * node failure skips it; a file of another run is evaluated again, said so. */
static bool shard_done(const pp_model *m, const char *model_path, const char *sha, const pp_dataset *ds,
                       const pp_eval_p_options *opt, const char *path)
{
    if (access(path, F_OK) != 0)
        return false;
    pp_eval_p_result *plan = malloc(sizeof *plan), *old = malloc(sizeof *old);
    pp_eval_p_options describe = *opt;
    describe.describe_only = true;
    pp_error err = {0};
    const char *diff = "out of memory";
    if (plan && old && pp_evaluate_p(m, model_path, ds, &describe, NULL, plan, &err) == PP_OK &&
        pp_eval_p_load_json(old, path, &err) == PP_OK) {
        memcpy(plan->model_sha256, sha, 65);
        diff = pp_eval_p_mismatch(plan, old);
        if (!diff && old->shard_index != plan->shard_index)
            diff = "another shard";
    } else if (err.msg[0]) {
        diff = err.msg;
    }
    if (diff)
        fprintf(stderr, "pushpull: warning: %s holds another run (%s): evaluating again\n", path, diff);
    else
        printf("shard %d/%d: complete result in %s, skipped\n", opt->shard, opt->n_shards, path);
    free(plan);
    free(old);
    return !diff;
}

static int run(int argc, char **argv)
{
    const pp_cli_command *cmd = &pp_cmd_eval_p;
    struct option options[16] = {{"sequences", required_argument, NULL, 'q'},
                                 {"perturbations", required_argument, NULL, 'p'},
                                 {"difficulty", required_argument, NULL, 'D'},
                                 {"json", required_argument, NULL, 'j'}};
    pp_cli_run_options ro = pp_cli_run_options_getopt(PP_RUN_DATA | PP_RUN_LIMIT | PP_RUN_BATCH | PP_RUN_SEED |
                                                    PP_RUN_PRESET | PP_RUN_SHARD | PP_RUN_AVG_KERNEL, options, 4);
    const char *json_path = NULL, *list = NULL;
    pp_eval_p_options opt = {0};
    int o, rc = 0;
    long v;
    optind = 1;
    while ((o = pp_cli_run_getopt(cmd, &ro, argc, argv, options, &rc)) != -1) {
        switch (o) {
        case PP_RUN_FAILED: return rc;
        case 'q': opt.sequences_dir = optarg; break;
        case 'p': list = optarg; break;
        case 'j': json_path = optarg; break;
        case 'D':
            if (!pp_cli_parse_int(optarg, 1, 3, &v))
                return pp_cli_usage_error(cmd, "--difficulty is 1, 2 or 3");
            opt.difficulty = (int)v;
            break;
        default: return pp_cli_usage_error(cmd, "bad option");
        }
    }
    const char *data = ro.data;
    opt.limit = ro.limit, opt.batch = ro.batch, opt.seed = ro.seed, opt.preset = ro.preset;
    opt.shard = ro.shard, opt.n_shards = ro.n_shards;
    if (optind != argc - 1 || (!data && !opt.sequences_dir))
        return pp_cli_usage_error(cmd, "expected MODEL and --data D or --sequences DIR");
    if (data && opt.sequences_dir)
        return pp_cli_usage_error(cmd, "give --data or --sequences, not both");
    pp_error err = {0};
    const char *names[PP_STABILITY_MAX_ROWS];
    if (pp_eval_p_parse_list(list, names, PP_STABILITY_MAX_ROWS, &opt.n_perturbations, &err))
        return pp_cli_usage_error(cmd, "%s", err.msg);
    opt.perturbations = names;
    char shard_path[4096];
    const char *out_path = json_path;
    if (opt.n_shards) {
        if (!json_path)
            return pp_cli_usage_error(cmd, "--shard needs --json OUT.json (the shard writes OUT.shard-K-of-N.json)");
        if (!pp_cli_shard_path(json_path, opt.shard, opt.n_shards, shard_path, sizeof shard_path))
            return pp_cli_failf("%s: name too long for a shard file", json_path);
        out_path = shard_path;
    }
    if (pp_cli_claim_output(out_path))
        return 1;
    pp_model m;
    rc = pp_cli_open_model(argv[optind], ro.avg_kernel, &m);
    if (rc)
        return rc;
    pp_dataset ds = {0};
    bool have_ds = false;
    pp_eval_p_result *r = malloc(sizeof *r);
    if (!r) {
        rc = pp_cli_failf("out of memory");
        goto done;
    }
    if (data) {
        if (pp_dataset_open(&ds, data, false, &err) != PP_OK) {
            rc = pp_cli_fail(&err);
            goto done;
        }
        have_ds = true;
    }
    char sha[65];
    if (pp_sha256_file(argv[optind], sha, &err) != PP_OK) {
        rc = pp_cli_fail(&err);
        goto done;
    }
    if (opt.n_shards && shard_done(&m, argv[optind], sha, have_ds ? &ds : NULL, &opt, out_path))
        goto done;
    pp_job job = pp_cli_progress_job();
    pp_status st = pp_evaluate_p(&m, argv[optind], have_ds ? &ds : NULL, &opt, &job, r, &err);
    pp_cli_progress_done();
    memcpy(r->model_sha256, sha, 65);
    if (st) {
        rc = pp_cli_fail(&err);
        goto done;
    }
    print_result(r); /* the results first: a save that fails now must not lose them */
    fflush(stdout);
    if (out_path && pp_eval_p_save_json(r, out_path, &err) != PP_OK)
        rc = pp_cli_fail(&err);
done:
    free(r);
    if (have_ds)
        pp_dataset_free(&ds);
    pp_model_free(&m);
    return rc;
}

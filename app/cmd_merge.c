/* pushpull merge OUT.json SHARD.json...: the shards of `eval --shard K/N`
 * joined into the single run's pushpull-eval/1 JSON. */
#include <stdlib.h>
#include <string.h>

#include "analysis/cka_shard.h"
#include "cli.h"
#include "cli_stability.h"
#include "eval/evaluate_p.h"
#include "cli_output.h"
#include "eval/evaluate.h"
#include "make_c_shard.h"

static int run(int argc, char **argv);

const pp_cli_command pp_cmd_merge = {
    .name = "merge",
    .summary = "join the shards of `eval --shard K/N` into one result",
    .usage =
        "usage: pushpull merge OUT.json SHARD.json... [--csv FILE]\n"
        "       pushpull merge OUTDIR OUTDIR/make-c.shard-*.json\n\n"
        "Checks that the shards belong to one run (the same model file by SHA-256, data\n"
        "set and labels, samples, corruptions and severities, seed and preset, batch and\n"
        "N) and that each of the N shards is there once, then adds up their counts and\n"
        "writes the JSON a single `pushpull eval --json` run writes: the same errors, the\n"
        "same bytes apart from \"seconds\" (here the shards' total).\n\n"
        "  --csv FILE   also write corruption,severity,top1_error rows\n\n"
        "The shards of `make-c --shard K/N` (their manifests) are joined into\n"
        "OUTDIR/<corruption>.npy and labels.npy, the files one make-c run writes.\n"
        "Those of `eval-p --shard` give eval-p's JSON; those of `cka --shard` the\n"
        "pushpull-cka/1 JSON of one cka run (the same matrix to the bit; --csv its rows).\n",
    .run = run,
    .writes_files = true,
};

static int merge_make_c(const char *outdir, const char *const *paths, int n, const char *csv_path)
{
    if (csv_path)
        return pp_cli_usage_error(&pp_cmd_merge, "--csv is for evaluation shards, not make-c's");
    pp_make_c_shard *shards = malloc(sizeof *shards * (size_t)n);
    if (!shards)
        return pp_cli_failf("out of memory");
    pp_error err = {0};
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        if (pp_make_c_shard_load(&shards[i], paths[i], &err) != PP_OK)
            rc = pp_cli_fail(&err);
    if (rc == 0)
        rc = pp_cli_output_dir(outdir);
    char path[4096];
    for (int c = 0; c <= shards[0].n_corruptions && rc == 0; c++) {
        snprintf(path, sizeof path, "%s/%s.npy", outdir, c < shards[0].n_corruptions ? shards[0].corruptions[c] : "labels");
        rc = pp_cli_claim_output(path);
    }
    if (rc == 0 && pp_make_c_merge(outdir, shards, paths, n, &err) != PP_OK)
        rc = pp_cli_fail(&err);
    if (rc == 0)
        printf("merged %d make-c shards (%d corruptions x 5 x %lld images) into %s\n", n, shards[0].n_corruptions,
               (long long)shards[0].samples, outdir);
    free(shards);
    return rc;
}

static int merge_cka(const char *out_path, const char *const *paths, int n, const char *csv_path)
{
    if (pp_cli_claim_output(out_path) || pp_cli_claim_output(csv_path))
        return 1;
    pp_cka_result *shards = calloc((size_t)n, sizeof *shards), out = {0};
    if (!shards)
        return pp_cli_failf("out of memory");
    pp_error err = {0};
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        if (pp_cka_shard_load_json(&shards[i], paths[i], &err) != PP_OK)
            rc = pp_cli_fail(&err);
    if (rc == 0 && pp_cka_merge(shards, paths, n, &out, &err) != PP_OK)
        rc = pp_cli_fail(&err);
    if (rc == 0 && pp_cka_result_save_json(&out, out_path, &err) != PP_OK)
        rc = pp_cli_fail(&err);
    if (rc == 0 && csv_path && pp_cka_result_save_csv(&out, csv_path, &err) != PP_OK)
        rc = pp_cli_fail(&err);
    if (rc == 0)
        printf("merged %d CKA shards (%lld batches, %d x %d layers) of %s and %s -> %s\n", n, (long long)out.units,
               out.layers_a, out.layers_b, out.model_a, out.model_b, out_path);
    for (int i = 0; i < n; i++)
        pp_cka_result_free(&shards[i]);
    free(shards);
    pp_cka_result_free(&out);
    return rc;
}

static int run(int argc, char **argv)
{
    const char *csv_path = NULL;
    const char *paths[1 << 12];
    int n_paths = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--csv") == 0) {
            if (++i == argc)
                return pp_cli_usage_error(&pp_cmd_merge, "--csv needs a file");
            csv_path = argv[i];
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return pp_cli_usage_error(&pp_cmd_merge, "unknown option '%s'", argv[i]);
        } else if (n_paths == (int)(sizeof paths / sizeof paths[0])) {
            return pp_cli_usage_error(&pp_cmd_merge, "at most %zu files", sizeof paths / sizeof paths[0]);
        } else {
            paths[n_paths++] = argv[i];
        }
    }
    if (n_paths < 2)
        return pp_cli_usage_error(&pp_cmd_merge, "expected OUT.json and at least one SHARD.json");
    const char *out_path = paths[0];
    for (int i = 1; i < n_paths; i++)
        if (strcmp(paths[i], out_path) == 0)
            return pp_cli_failf("%s is both the output and a shard", out_path);
    int n = n_paths - 1;
    pp_error err = {0};
    pp_make_c_shard probe;
    pp_status kind = pp_make_c_shard_load(&probe, paths[1], &err);
    if (kind != PP_ERR_UNSUPPORTED) {
        if (kind != PP_OK)
            return pp_cli_fail(&err);
        return merge_make_c(out_path, paths + 1, n, csv_path);
    }
    pp_error_clear(&err);
    if (pp_cka_shard_json_is(paths[1]))
        return merge_cka(out_path, paths + 1, n, csv_path);
    if (pp_eval_p_json_is(paths[1])) { /* eval-p's shards */
        if (csv_path)
            return pp_cli_usage_error(&pp_cmd_merge, "--csv is for eval shards, not eval-p's");
        if (pp_cli_claim_output(out_path))
            return 1;
        return pp_cli_merge_eval_p(out_path, paths + 1, n);
    }
    if (pp_cli_claim_output(out_path) || pp_cli_claim_output(csv_path))
        return 1;
    pp_eval_result *shards = malloc(sizeof *shards * (size_t)n), *out = malloc(sizeof *out);
    int rc = 0;
    if (!shards || !out) {
        rc = pp_cli_failf("out of memory");
        goto done;
    }
    for (int i = 0; i < n && rc == 0; i++)
        if (pp_eval_shard_load_json(&shards[i], paths[i + 1], &err) != PP_OK)
            rc = pp_cli_fail(&err);
    if (rc == 0 && pp_eval_merge(shards, paths + 1, n, out, &err) != PP_OK)
        rc = pp_cli_fail(&err);
    if (rc == 0 && pp_eval_result_save_json(out, out_path, &err) != PP_OK)
        rc = pp_cli_fail(&err);
    if (rc == 0 && csv_path && pp_eval_result_save_csv(out, csv_path, &err) != PP_OK)
        rc = pp_cli_fail(&err);
    if (rc == 0)
        printf("merged %d shards of %s on %s (%lld samples): clean error %.4f -> %s\n", n, out->model,
               out->dataset, (long long)out->samples, out->clean_error, out_path);
done:
    free(shards);
    free(out);
    return rc;
}

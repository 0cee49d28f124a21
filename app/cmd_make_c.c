/* `pushpull make-c`: a corrupted copy of a data set in the CIFAR-10-C layout: one
 * <corruption>.npy (uint8, NHWC, the 5 severities stacked along N) per corruption plus
 * labels.npy (int64, the labels repeated 5 times). */
#include <inttypes.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ckpt/npy.h"
#include "cli.h"
#include "cli_first_error.h"
#include "cli_interrupt.h"
#include "cli_output.h"
#include "cli_run_options.h"
#include "cli_shard.h"
#include "make_c_shard.h"
#include "corrupt/corruption.h"
#include "data/dataset.h"
#include "threads.h"

extern const pp_cli_command pp_cmd_make_c;

/* Corrupts all images at all 5 severities into one npy, atomically. */
static pp_status make_one(const pp_corruption *c, const pp_dataset *d, int64_t first_index, const char *path,
                          pp_corruption_preset preset, uint64_t seed, bool jpeg85, pp_error *err)
{
    size_t per = (size_t)d->height * d->width * d->channels;
    int64_t shape[4] = {5 * d->count, d->height, d->width, d->channels};
    uint8_t *block = malloc(per * (size_t)(d->count ? d->count : 1)); /* (n, h, w, c) */
    if (!block)
        return pp_fail(err, PP_ERR_NOMEM, "out of memory for %lld images", (long long)d->count);
    pp_npy_writer wr;
    pp_status st = pp_npy_writer_open(&wr, path, PP_NPY_U8, 4, shape, err);
    if (st) {
        free(block);
        return st;
    }
    for (int sev = 1; sev <= 5 && !st; sev++) {
        pp_first_error first = {0};
#pragma omp parallel for num_threads(pp_threads_default()) schedule(dynamic, 8)
        for (int64_t i = 0; i < d->count; i++) {
            if (pp_cli_first_error_stop(&first))
                continue;
            /* one seed per image, shared by its 5 severities (same noise field) */
            pp_corruption_request req = {.severity = sev, .preset = preset, .jpeg85 = jpeg85,
                                         .seed = pp_corruption_sample_seed(seed, (uint64_t)(first_index + i)),
                                         .cancel = pp_cli_interrupt_cancel};
            pp_image in = {.width = d->width, .height = d->height, .channels = d->channels,
                           .pixels = d->pixels + per * (size_t)i};
            pp_image out = {0};
            pp_error e = {0};
            pp_status s = pp_corruption_apply(c, &req, &in, &out, &e);
            if (!s)
                memcpy(block + per * (size_t)i, out.pixels, per);
            pp_image_free(&out);
            pp_first_error_keep(&first, s, &e);
        }
        char what[96];
        snprintf(what, sizeof what, "%.60s severity %d", c->name, sev);
        st = pp_cli_first_error_report(&first, path, what, err);
        if (st)
            break;
        st = pp_npy_writer_append(&wr, block, per * (size_t)d->count, err);
    }
    free(block);
    if (st) {
        pp_npy_writer_abort(&wr);
        return st;
    }
    return pp_npy_writer_commit(&wr, err);
}

static int shard_k, shard_n; /* --shard K/N; 0 = the whole set */

/* DIR/NAME.npy, or DIR/NAME.shard-K-of-N.npy for a shard */
static char *join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 48;
    char *p = malloc(n);
    if (p && shard_n)
        snprintf(p, n, "%s/%s.shard-%d-of-%d.npy", dir, name, shard_k, shard_n);
    else if (p)
        snprintf(p, n, "%s/%s.npy", dir, name);
    return p;
}

static int run(int argc, char **argv)
{
    const pp_cli_command *cmd = &pp_cmd_make_c;
    const char *outdir = NULL, *npy_images = NULL, *npy_labels = NULL;
    const char *idx_images = NULL, *idx_labels = NULL, *names = NULL;
    long classes = 10;
    bool jpeg85 = false;
    pp_cli_run_options ro =
        pp_cli_run_options_init(PP_RUN_DATA | PP_RUN_LIMIT | PP_RUN_SEED | PP_RUN_PRESET | PP_RUN_SHARD);
    for (int i = 1; i < argc; i++) {
        int rc;
        if (pp_cli_run_argv(cmd, &ro, argc, argv, &i, &rc)) {
            if (rc)
                return rc;
            continue;
        }
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = true;
        if (strcmp(a, "--images") == 0)
            npy_images = next;
        else if (strcmp(a, "--labels") == 0)
            npy_labels = next;
        else if (strcmp(a, "--idx-images") == 0)
            idx_images = next;
        else if (strcmp(a, "--idx-labels") == 0)
            idx_labels = next;
        else if (strcmp(a, "--corruptions") == 0)
            names = next;
        else if (strcmp(a, "--classes") == 0) {
            if (!pp_cli_parse_int(next, 1, 1 << 20, &classes))
                return pp_cli_usage_error(cmd, "--classes needs a positive count");
        } else if (strcmp(a, "--jpeg85") == 0) {
            jpeg85 = true, takes = false;
        } else if (a[0] == '-') {
            return pp_cli_usage_error(cmd, "unknown option '%s'", a);
        } else {
            if (outdir)
                return pp_cli_usage_error(cmd, "unexpected argument '%s'", a);
            outdir = a, takes = false;
        }
        if (takes) {
            if (!next)
                return pp_cli_usage_error(cmd, "%s needs a value", a);
            i++;
        }
    }
    if (!outdir)
        return pp_cli_usage_error(cmd, "needs an output directory");
    const char *data = ro.data;
    const long limit = ro.limit ? (long)ro.limit : -1;
    const uint64_t seed = ro.seed;
    const pp_corruption_preset preset = ro.preset;
    shard_k = ro.shard, shard_n = ro.n_shards;
    if ((npy_images != NULL) != (npy_labels != NULL))
        return pp_cli_usage_error(cmd, "--images and --labels go together");
    if ((idx_images != NULL) != (idx_labels != NULL))
        return pp_cli_usage_error(cmd, "--idx-images and --idx-labels go together");
    if ((npy_images != NULL) + (idx_images != NULL) + (data != NULL) > 1)
        return pp_cli_usage_error(cmd, "give one input: --data, --images/--labels or --idx-images/--idx-labels");

    /* The corruption list, checked before any work. */
    const pp_corruption *list[64];
    int n_list = 0;
    if (!names || strcmp(names, "benchmark") == 0 || strcmp(names, "all") == 0) {
        size_t n = names && strcmp(names, "all") == 0 ? pp_corruption_count() : PP_CORRUPTION_BENCHMARK_COUNT;
        for (size_t i = 0; i < n; i++)
            list[n_list++] = pp_corruption_at(i);
    } else {
        char *copy = strdup(names), *save = NULL;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            const pp_corruption *c = pp_corruption_find(tok);
            if (!c) {
                fprintf(stderr, "pushpull make-c: unknown corruption '%s'; valid names:", tok);
                for (size_t i = 0; i < pp_corruption_count(); i++)
                    fprintf(stderr, "%s %s", i ? "," : "", pp_corruption_at(i)->name);
                fputc('\n', stderr);
                free(copy);
                return 2;
            }
            if (n_list < 64)
                list[n_list++] = c;
        }
        free(copy);
        if (!n_list)
            return pp_cli_usage_error(cmd, "--corruptions is empty");
    }

    /* Every output checked and claimed before the data set is read. */
    if (pp_cli_output_dir(outdir))
        return 1;
    for (int k = 0; k <= n_list; k++) {
        char *path = join_path(outdir, k < n_list ? list[k]->name : "labels");
        int rc = path ? pp_cli_claim_output(path) : pp_cli_failf("out of memory");
        free(path);
        if (rc)
            return rc;
    }
    char manifest[4096] = "";
    if (shard_n) {
        snprintf(manifest, sizeof manifest, "%s/make-c.shard-%d-of-%d.json", outdir, shard_k, shard_n);
        if (pp_cli_claim_output(manifest))
            return 1;
    }
    pp_error err = {0};
    pp_dataset d;
    pp_status st = npy_images   ? pp_dataset_open_npy(&d, npy_images, npy_labels, &err)
                   : idx_images ? pp_dataset_open_idx(&d, idx_images, idx_labels, (int)classes, &err)
                                : pp_dataset_open(&d, data ? data : "fashion-mnist:test", false, &err);
    if (st)
        return pp_cli_fail(&err);
    if (!d.pixels) {
        pp_dataset_free(&d);
        return pp_cli_failf("%s: make-c needs images of one size (.npy, IDX, CIFAR-10, Fashion-MNIST), "
                            "not an image folder", data ? data : "input");
    }
    pp_dataset_limit(&d, limit);
    pp_dataset whole = d; /* d becomes the shard's view of it */
    pp_make_c_shard plan;
    if (shard_n) {
        pp_make_c_shard_describe(&plan, &whole, list, n_list, seed, preset, jpeg85, shard_k, shard_n);
        pp_make_c_shard old;
        char what[400];
        if (access(manifest, F_OK) == 0) {
            const char *diff = pp_make_c_shard_load(&old, manifest, &err) != PP_OK ? err.msg
                               : pp_make_c_shard_mismatch(&plan, &old, what, sizeof what);
            if (!diff && old.index == plan.index) {
                printf("shard %d/%d: complete result in %s, skipped\n", shard_k, shard_n, manifest);
                pp_dataset_free(&whole);
                return 0;
            }
            fprintf(stderr, "pushpull: warning: %s holds another run (%s): making it again\n", manifest,
                    diff ? diff : "another shard");
            pp_error_clear(&err);
        }
        size_t per = (size_t)d.height * d.width * d.channels;
        d.pixels += per * (size_t)plan.lo;
        d.labels += plan.lo;
        d.count = plan.hi - plan.lo;
    }
    const int64_t first_index = shard_n ? plan.lo : 0;
    for (int k = 0; k < n_list && !st; k++) {
        char *path = join_path(outdir, list[k]->name);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        st = path ? make_one(list[k], &d, first_index, path, preset, seed, jpeg85, &err)
                  : pp_fail(&err, PP_ERR_NOMEM, "out of memory");
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (!st)
            fprintf(stderr, "make-c: %-18s %lld x 5 images in %.2f s -> %s\n", list[k]->name,
                    (long long)d.count, (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec), path);
        free(path);
    }
    if (!st) {
        int64_t *lab = malloc(sizeof(int64_t) * (size_t)(d.count ? 5 * d.count : 1));
        char *path = join_path(outdir, "labels");
        if (!lab || !path) {
            st = pp_fail(&err, PP_ERR_NOMEM, "out of memory");
        } else {
            for (int s = 0; s < 5; s++)
                memcpy(lab + s * d.count, d.labels, sizeof(int64_t) * (size_t)d.count);
            int64_t shape[1] = {5 * d.count};
            st = pp_npy_save(path, PP_NPY_I64, 1, shape, lab, &err);
        }
        free(lab), free(path);
    }
    if (!st && shard_n) /* last: its presence says the shard is complete */
        st = pp_make_c_shard_save(&plan, manifest, &err);
    pp_dataset_free(&whole);
    if (st || err.status)
        return pp_cli_fail(&err);
    if (shard_n)
        printf("shard %d/%d: images %lld..%lld of %lld -> %s\n", shard_k, shard_n, (long long)plan.lo,
               (long long)plan.hi, (long long)plan.samples, manifest);
    return 0;
}

const pp_cli_command pp_cmd_make_c = {
    .name = "make-c",
    .summary = "write a corrupted copy of a data set in the CIFAR-10-C layout",
    .usage =
        "usage: pushpull make-c OUTDIR [--data D | --images X.npy --labels Y.npy | --idx-images F --idx-labels F]\n"
        "                       [--corruptions benchmark|all|NAME,...] [--limit N] [--seed N]\n"
        "                       [--preset imagenet|cifar|auto] [--classes K] [--jpeg85]\n\n"
        "Writes OUTDIR/<corruption>.npy (uint8, (5N, H, W, C): severities 1..5 stacked along N;\n"
        "gray data gets C = 1) and OUTDIR/labels.npy (int64, the N labels repeated 5 times).\n"
        "Every file is written atomically; all cores are used (see --threads).\n\n"
        "  --data D               a data set as `eval --data` takes it (default fashion-mnist:test)\n"
        "  --images/--labels      uint8 images (N, H, W) or (N, H, W, C) and integer labels (N)\n"
        "  --idx-images/--idx-labels  IDX files, plain or .gz\n"
        "  --classes K            IDX labels must be below K (default 10)\n"
        "  --corruptions LIST     the 15 benchmark ones (default), all 19, or a comma list\n"
        "  --limit N              only the first N images\n"
        "  --seed N               base seed; image i uses a seed derived from (N, i), the same\n"
        "                         at every severity\n"
        "  --preset P             parameter table (default auto: cifar below 85 px)\n"
        "  --jpeg85               JPEG-85 round trip of every output, as ImageNet-C's files\n"
        "  --shard K/N            make only images [(K-1)n/N, Kn/N) of every corruption and\n"
        "                         severity, into <corruption>.shard-K-of-N.npy, labels.shard-K-of-N.npy\n"
        "                         and, last, make-c.shard-K-of-N.json (a rerun finding it skips);\n"
        "                         `pushpull merge OUTDIR OUTDIR/make-c.shard-*.json` joins them\n",
    .run = run,
    .writes_files = true,
};

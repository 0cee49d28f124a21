/* `pushpull make-p`: perturbation sequences of a data set in the CIFAR-10-P layout:
 * one <perturbation>.npy (uint8 (N, T, H, W, C), sequence i from image i) per
 * perturbation plus labels.npy (int64 (N)). */
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ckpt/npy.h"
#include "cli.h"
#include "cli_first_error.h"
#include "cli_interrupt.h"
#include "cli_output.h"
#include "cli_run_options.h"
#include "data/dataset.h"
#include "eval/evaluate_p.h"
#include "perturb/perturbation.h"
#include "threads.h"

extern const pp_cli_command pp_cmd_make_p;

enum { CHUNK = 64 }; /* sequences made in parallel, then appended */

static void list_perturbations(void)
{
    for (size_t i = 0; i < pp_perturbation_count(); i++) {
        const pp_perturbation *p = pp_perturbation_at(i);
        printf("%-16s %-13s %2d frames at 224, %2d at 32%s  %s\n", p->name, pp_perturbation_set_name(p->set),
               p->frames_imagenet, p->frames_cifar, p->against_first ? ", vs frame 0" : "             ", p->summary);
    }
}

/* All sequences of one perturbation into path, atomically. */
static pp_status make_one(const pp_perturbation *p, const pp_dataset *d, const pp_perturb_request *base_req,
                          uint64_t seed, const char *path, pp_error *err)
{
    pp_image first = {0};
    pp_status st = pp_dataset_image(d, 0, &first, err);
    if (st)
        return st;
    pp_corruption_preset preset = pp_corruption_preset_resolve(base_req->preset, first.width, first.height);
    int w, h, T = pp_perturbation_frames(p, preset), c = first.channels;
    pp_perturbation_frame_size(preset, first.width, first.height, &w, &h);
    pp_image_free(&first);
    size_t per = (size_t)T * h * w * c;
    int64_t shape[5] = {d->count, T, h, w, c};
    uint8_t *block = malloc(per * CHUNK);
    if (!block)
        return pp_fail(err, PP_ERR_NOMEM, "out of memory for %d sequences", CHUNK);
    pp_npy_writer wr;
    if ((st = pp_npy_writer_open(&wr, path, PP_NPY_U8, 5, shape, err))) {
        free(block);
        return st;
    }
    for (int64_t lo = 0; lo < d->count && !st; lo += CHUNK) {
        int n = (int)(d->count - lo < CHUNK ? d->count - lo : CHUNK);
        pp_first_error first = {0};
#pragma omp parallel for num_threads(pp_threads_default()) schedule(dynamic)
        for (int k = 0; k < n; k++) {
            if (pp_cli_first_error_stop(&first))
                continue;
            pp_error e = {0};
            pp_image img = {0};
            pp_sequence seq = {0};
            pp_perturb_request req = *base_req;
            req.preset = preset;
            req.seed = pp_perturbation_sample_seed(seed, (uint64_t)(lo + k));
            pp_status s = pp_dataset_image(d, lo + k, &img, &e);
            if (!s)
                s = pp_perturb_sequence(p, &req, &img, &seq, &e);
            if (!s && (seq.width != w || seq.height != h || seq.channels != c))
                s = pp_fail(&e, PP_ERR_SHAPE, "image %lld is %dx%dx%d, the first %dx%dx%d: make-p needs one size",
                            (long long)(lo + k), img.width, img.height, img.channels, w, h, c);
            if (!s)
                memcpy(block + per * (size_t)k, seq.pixels, per);
            pp_sequence_free(&seq);
            pp_image_free(&img);
            pp_first_error_keep(&first, s, &e);
        }
        st = pp_cli_first_error_report(&first, path, p->name, err);
        if (!st)
            st = pp_npy_writer_append(&wr, block, per * (size_t)n, err);
    }
    free(block);
    if (st) {
        pp_npy_writer_abort(&wr);
        return st;
    }
    return pp_npy_writer_commit(&wr, err);
}

static int run(int argc, char **argv)
{
    const pp_cli_command *cmd = &pp_cmd_make_p;
    const char *outdir = NULL, *list = NULL;
    long difficulty = 1;
    pp_cli_run_options ro = pp_cli_run_options_init(PP_RUN_DATA | PP_RUN_LIMIT | PP_RUN_SEED | PP_RUN_PRESET);
    for (int i = 1; i < argc; i++) {
        int rc;
        if (pp_cli_run_argv(cmd, &ro, argc, argv, &i, &rc)) {
            if (rc)
                return rc;
            continue;
        }
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = true;
        if (strcmp(a, "--list") == 0) {
            list_perturbations();
            return 0;
        } else if (strcmp(a, "--perturbations") == 0) {
            list = next;
        } else if (strcmp(a, "--difficulty") == 0) {
            if (!pp_cli_parse_int(next, 1, 3, &difficulty))
                return pp_cli_usage_error(cmd, "--difficulty is 1, 2 or 3");
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
    const char *data = ro.data;
    const long limit = ro.limit ? (long)ro.limit : -1;
    const uint64_t seed = ro.seed;
    const pp_corruption_preset preset = ro.preset;
    if (!outdir || !data)
        return pp_cli_usage_error(cmd, "needs OUTDIR and --data D");
    pp_error err = {0};
    const char *names[PP_STABILITY_MAX_ROWS];
    int n = 0;
    if (pp_eval_p_parse_list(list, names, PP_STABILITY_MAX_ROWS, &n, &err))
        return pp_cli_usage_error(cmd, "%s", err.msg);
    /* every output checked and claimed before the data set is read */
    if (pp_cli_output_dir(outdir))
        return 1;
    char paths[PP_STABILITY_MAX_ROWS + 1][4200];
    for (int k = 0; k <= n; k++) {
        const pp_perturbation *p = k < n ? pp_perturbation_find(names[k]) : NULL;
        if (p && p->against_first && p->set != PP_PERTURB_REPEATABILITY && difficulty > 1)
            snprintf(paths[k], sizeof paths[k], "%s/%s_%ld.npy", outdir, p->name, difficulty);
        else
            snprintf(paths[k], sizeof paths[k], "%s/%s.npy", outdir, p ? p->name : "labels");
        if (pp_cli_claim_output(paths[k]))
            return 1;
    }
    pp_dataset d;
    if (pp_dataset_open(&d, data, false, &err))
        return pp_cli_fail(&err);
    pp_dataset_limit(&d, limit);
    pp_status st = PP_OK;
    for (int k = 0; k < n && !st; k++) {
        const pp_perturbation *p = pp_perturbation_find(names[k]);
        pp_perturb_request req = {.preset = preset, .level = p->against_first ? (int)difficulty : 1,
                                  .cancel = pp_cli_interrupt_cancel};
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        st = make_one(p, &d, &req, seed, paths[k], &err);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (!st)
            fprintf(stderr, "make-p: %-16s %lld sequences in %.2f s -> %s\n", p->name, (long long)d.count,
                    (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec), paths[k]);
    }
    if (!st) {
        int64_t shape[1] = {d.count};
        st = pp_npy_save(paths[n], PP_NPY_I64, 1, shape, d.labels, &err);
    }
    pp_dataset_free(&d);
    return st ? pp_cli_fail(&err) : 0;
}

const pp_cli_command pp_cmd_make_p = {
    .name = "make-p",
    .summary = "write perturbation sequences of a data set in the CIFAR-10-P layout",
    .usage =
        "usage: pushpull make-p OUTDIR --data D [--perturbations L] [--difficulty d] [--limit N]\n"
        "                       [--seed S] [--preset imagenet|cifar|auto]\n"
        "       pushpull make-p --list\n\n"
        "Writes OUTDIR/<perturbation>.npy (uint8 (N, T, H, W, C): sequence i of T frames from\n"
        "image i, as CIFAR-10-P's files) and OUTDIR/labels.npy (int64 (N)). Every file is\n"
        "written atomically; all cores are used (see --threads). `eval-p --sequences OUTDIR`\n"
        "reads them.\n\n"
        "  --data D            a data set as `eval --data` takes it\n"
        "  --perturbations L   test (the 10 of mFR, default), validation, repeatability, all or\n"
        "                      comma-separated names (--list shows them)\n"
        "  --difficulty d      noise level 1..3 of the noise perturbations, written as\n"
        "                      <p>_d.npy above 1 (CIFAR-10-P's gaussian_noise_2.npy ...)\n"
        "  --limit N           only the first N images\n"
        "  --seed S            base seed; sequence i uses a seed derived from (S, i)\n"
        "  --preset P          schedules: imagenet (Resize 256, 224 frames), cifar (the image\n"
        "                      as it is), auto (default: cifar below 85 px)\n",
    .run = run,
    .writes_files = true,
};

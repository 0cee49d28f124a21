#include "evaluate_p.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../ckpt/npy.h"
#include "../first_error.h"
#include "../forward.h"
#include "../image/video.h"
#include "../preprocess.h"
#include "../threads.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

pp_status pp_eval_p_parse_list(const char *list, const char **names, int max, int *n, pp_error *err)
{
    *n = 0;
    static const char *const sets[] = {"test", "validation", "repeatability", "all"};
    const char *word = list ? list : "test";
    for (int set = 0; set < 4; set++) {
        if (strcmp(word, sets[set]) != 0)
            continue;
        for (size_t i = 0; i < pp_perturbation_count() && *n < max; i++)
            if (set == 3 || (int)pp_perturbation_at(i)->set == set)
                names[(*n)++] = pp_perturbation_at(i)->name;
        return PP_OK;
    }
    const char *p = list;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const pp_perturbation *found = NULL;
        for (size_t i = 0; i < pp_perturbation_count(); i++)
            if (strlen(pp_perturbation_at(i)->name) == len && strncmp(pp_perturbation_at(i)->name, p, len) == 0)
                found = pp_perturbation_at(i);
        if (!found)
            return pp_fail(err, PP_ERR_ARG, "unknown perturbation '%.*s' (test, validation, repeatability, all or "
                           "names from `pushpull make-p --list`)", (int)len, p);
        for (int k = 0; k < *n; k++)
            if (names[k] == found->name)
                return pp_fail(err, PP_ERR_ARG, "perturbation %s is listed twice", found->name);
        if (*n >= max)
            return pp_fail(err, PP_ERR_ARG, "at most %d perturbations", max);
        names[(*n)++] = found->name;
        p += len + (comma != NULL);
    }
    if (*n == 0)
        return pp_fail(err, PP_ERR_ARG, "the perturbation list is empty");
    return PP_OK;
}

/* ---- where one perturbation's sequences come from ---- */

typedef enum { SOURCE_ENGINE, SOURCE_NPY, SOURCE_VIDEO } source_kind;

typedef struct {
    source_kind kind;
    const pp_perturbation *p;
    const pp_dataset *ds;
    pp_perturb_request req;
    char path[4096];     /* the npy file or the perturbation's folder */
    int64_t count;       /* sequences available */
    int frames, width, height, channels;
    char **videos;       /* (count) sorted paths */
    pp_npy block;        /* the npy rows of the current batch */
    int64_t block_lo;
} seq_source;

static void source_free(seq_source *s)
{
    for (int64_t i = 0; s->videos && i < s->count; i++)
        free(s->videos[i]);
    free(s->videos);
    pp_npy_free(&s->block);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* DIR/<wnid>/<image>.mp4, classes then files in sorted order (as the official
 * VideoFolder lists them). */
static pp_status list_videos(seq_source *s, pp_error *err)
{
    DIR *top = opendir(s->path);
    if (!top)
        return pp_fail(err, PP_ERR_IO, "%s: cannot open the folder", s->path);
    char **classes = NULL;
    size_t nc = 0, cap = 0;
    struct dirent *e;
    pp_status st = PP_OK;
    while (!st && (e = readdir(top))) {
        if (e->d_name[0] == '.')
            continue;
        if (nc == cap) {
            cap = cap ? 2 * cap : 64;
            char **c = realloc(classes, sizeof *c * cap);
            if (!c) {
                st = pp_fail(err, PP_ERR_NOMEM, "out of memory listing %s", s->path);
                break;
            }
            classes = c;
        }
        classes[nc] = strdup(e->d_name);
        if (!classes[nc])
            st = pp_fail(err, PP_ERR_NOMEM, "out of memory listing %s", s->path);
        else
            nc++;
    }
    closedir(top);
    if (!st)
        qsort(classes, nc, sizeof *classes, cmp_str);
    size_t nv = 0, vcap = 0;
    for (size_t c = 0; c < nc && !st; c++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s", s->path, classes[c]);
        DIR *d = opendir(dir);
        if (!d)
            continue; /* a stray file beside the class folders */
        size_t first = nv;
        while (!st && (e = readdir(d))) {
            size_t len = strlen(e->d_name);
            if (e->d_name[0] == '.' || len < 5 || strcmp(e->d_name + len - 4, ".mp4") != 0)
                continue;
            if (nv == vcap) {
                vcap = vcap ? 2 * vcap : 256;
                char **v = realloc(s->videos, sizeof *v * vcap);
                if (!v) {
                    st = pp_fail(err, PP_ERR_NOMEM, "out of memory listing %s", dir);
                    break;
                }
                s->videos = v;
            }
            size_t n = strlen(dir) + len + 2;
            s->videos[nv] = malloc(n);
            if (!s->videos[nv]) {
                st = pp_fail(err, PP_ERR_NOMEM, "out of memory listing %s", dir);
                break;
            }
            snprintf(s->videos[nv++], n, "%s/%s", dir, e->d_name);
        }
        closedir(d);
        qsort(s->videos + first, nv - first, sizeof *s->videos, cmp_str);
    }
    for (size_t c = 0; c < nc; c++)
        free(classes[c]);
    free(classes);
    s->count = (int64_t)nv;
    if (!st && nv == 0)
        st = pp_fail(err, PP_ERR_FORMAT, "%s: no <class>/<image>.mp4 sequences", s->path);
    return st;
}

/* <p>, or <p>_<d> for noise sequences above difficulty 1 (test.py's folders). */
static void source_name(const pp_perturbation *p, int difficulty, char *out, size_t len)
{
    if (p->against_first && p->set != PP_PERTURB_REPEATABILITY && difficulty > 1)
        snprintf(out, len, "%s_%d", p->name, difficulty);
    else
        snprintf(out, len, "%s", p->name);
}

static pp_status source_open(seq_source *s, const pp_perturbation *p, const pp_dataset *ds,
                             const pp_eval_p_options *opt, int difficulty, pp_error *err)
{
    memset(s, 0, sizeof *s);
    s->p = p;
    s->ds = ds;
    if (!opt->sequences_dir) {
        if (!ds || ds->count < 1)
            return pp_fail(err, PP_ERR_ARG, "no data set to make %s sequences from", p->name);
        s->kind = SOURCE_ENGINE;
        s->count = ds->count;
        s->req = (pp_perturb_request){.preset = opt->preset, .level = p->against_first ? difficulty : 1};
        snprintf(s->path, sizeof s->path, "engine");
        return PP_OK;
    }
    char name[64];
    source_name(p, difficulty, name, sizeof name);
    struct stat sb;
    snprintf(s->path, sizeof s->path, "%s/%s.npy", opt->sequences_dir, name);
    if (stat(s->path, &sb) == 0) {
        s->kind = SOURCE_NPY;
        int64_t total = 0;
        pp_npy head = {0};
        pp_status st = pp_npy_load_rows(s->path, 0, 0, &total, &head, err);
        if (st)
            return st;
        bool ok = head.dtype == PP_NPY_U8 && head.ndim == 5 && (head.shape[4] == 1 || head.shape[4] == 3) &&
                  head.shape[2] > 0 && head.shape[3] > 0 && head.shape[1] > 0;
        int64_t shape[5];
        memcpy(shape, head.shape, sizeof shape);
        pp_npy_free(&head);
        if (!ok)
            return pp_fail(err, PP_ERR_SHAPE, "%s: expected uint8 sequences (N, T, H, W, 3), not this array", s->path);
        pp_corruption_preset preset = pp_corruption_preset_resolve(opt->preset, (int)shape[3], (int)shape[2]);
        int want = pp_perturbation_frames(p, preset);
        if (shape[1] != want)
            return pp_fail(err, PP_ERR_SHAPE, "%s: %lld frames per sequence, %s has %d (%s)", s->path,
                           (long long)shape[1], p->name, want, pp_corruption_preset_name(preset));
        s->count = total;
        s->frames = want, s->height = (int)shape[2], s->width = (int)shape[3], s->channels = (int)shape[4];
        return PP_OK;
    }
    snprintf(s->path, sizeof s->path, "%s/%s", opt->sequences_dir, name);
    if (stat(s->path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        s->kind = SOURCE_VIDEO;
        s->frames = pp_perturbation_frames(p, PP_PRESET_IMAGENET);
        return list_videos(s, err);
    }
    return pp_fail(err, PP_ERR_IO, "%s: neither %s.npy nor a %s/ folder of videos", opt->sequences_dir, name, name);
}

/* Before a batch of sequences [lo, hi): the npy rows are read at once. */
static pp_status source_prepare(seq_source *s, int64_t lo, int64_t hi, pp_error *err)
{
    if (s->kind != SOURCE_NPY)
        return PP_OK;
    pp_npy_free(&s->block);
    s->block_lo = lo;
    return pp_npy_load_rows(s->path, lo, hi - lo, NULL, &s->block, err);
}

/* Sequence i (within the prepared batch); thread-safe. */
static pp_status source_get(const seq_source *s, uint64_t seed, int64_t i, pp_sequence *out, bool *view, pp_error *err)
{
    *view = false;
    if (s->kind == SOURCE_NPY) {
        size_t per = (size_t)s->frames * s->height * s->width * s->channels;
        *out = (pp_sequence){.n = s->frames, .width = s->width, .height = s->height, .channels = s->channels,
                             .pixels = (uint8_t *)s->block.data + per * (size_t)(i - s->block_lo)};
        *view = true;
        return PP_OK;
    }
    if (s->kind == SOURCE_VIDEO) {
        pp_status st = pp_video_load(s->videos[i], s->frames + 1, out, err);
        if (!st && out->n != s->frames) {
            st = pp_fail(err, PP_ERR_SHAPE, "%s: %d frames, %s has %d", s->videos[i], out->n, s->p->name, s->frames);
            pp_sequence_free(out);
        }
        return st;
    }
    pp_image img = {0};
    pp_status st = pp_dataset_image(s->ds, i, &img, err);
    pp_perturb_request req = s->req;
    req.seed = pp_perturbation_sample_seed(seed, (uint64_t)i);
    if (!st)
        st = pp_perturb_sequence(s->p, &req, &img, out, err);
    pp_image_free(&img);
    return st;
}

pp_status pp_eval_p_put_frame(const pp_preprocess *pre, const pp_image *frame, pp_tensor *batch, int index,
                              pp_error *err)
{
    if (frame->width != pre->size || frame->height != pre->size)
        return pp_preprocess_image(pre, frame, batch, index, err);
    if (frame->channels == pre->channels) {
        pp_preprocess_normalize(pre, frame, batch, index);
        return PP_OK;
    }
    pp_image conv = {0};
    pp_status st = pp_image_convert(&conv, frame, pre->channels, err);
    if (!st)
        pp_preprocess_normalize(pre, &conv, batch, index);
    pp_image_free(&conv);
    return st;
}

static void shard_range(int64_t count, int k, int n, int64_t *lo, int64_t *hi)
{
    if (n <= 0) {
        *lo = 0, *hi = count;
        return;
    }
    *lo = (int64_t)((__int128)count * (k - 1) / n);
    *hi = (int64_t)((__int128)count * k / n);
}

typedef struct {
    const pp_model *m;
    pp_preprocess pre;
    pp_forward_ctx *ctx;
    pp_tensor batch, logits;
    int threads, difficulty, batch_frames;
    uint64_t seed;
    const pp_job *job;
    int64_t done, total;
    double last_report, generate_seconds, forward_seconds;
} eval_p_state;

static pp_status run_perturbation(eval_p_state *s, seq_source *src, int64_t lo, int64_t hi, pp_eval_p_row *row,
                                  pp_error *err)
{
    const int T = row->frames, classes = s->m->arch.num_classes;
    const int per_batch = s->batch_frames / T > 0 ? s->batch_frames / T : 1;
    pp_status st = pp_tensor_alloc4(&s->batch, (int64_t)per_batch * T, s->pre.channels, s->pre.size, s->pre.size, err);
    for (int64_t b = lo; b < hi && !st; b += per_batch) {
        if (pp_job_cancelled(s->job))
            return pp_fail(err, PP_ERR_CANCELLED, "stability evaluation cancelled");
        int n = (int)(hi - b < per_batch ? hi - b : per_batch);
        double t0 = now();
        if ((st = source_prepare(src, b, b + n, err)))
            break;
        pp_first_error first = {0};
        s->batch.shape[0] = (int64_t)n * T;
#pragma omp parallel for schedule(dynamic) num_threads(pp_threads_clamp(s->threads))
        for (int k = 0; k < n; k++) {
            pp_error e = {0};
            pp_sequence seq = {0};
            bool view = false;
            pp_status r = source_get(src, s->seed, b + k, &seq, &view, &e);
            if (!r && seq.n != T)
                r = pp_fail(&e, PP_ERR_SHAPE, "%s: %d frames, expected %d", src->path, seq.n, T);
            for (int f = 0; f < T && !r; f++) {
                pp_image frame = pp_sequence_frame(&seq, f);
                r = pp_eval_p_put_frame(&s->pre, &frame, &s->batch, k * T + f, &e);
            }
            if (!view)
                pp_sequence_free(&seq);
            pp_first_error_keep(&first, r, &e);
        }
        double t1 = now();
        s->generate_seconds += t1 - t0;
        if ((st = pp_first_error_return(&first, err)))
            break;
        if ((st = pp_model_forward(s->m, s->ctx, &s->batch, &s->logits, NULL, err)))
            break;
        s->forward_seconds += now() - t1;
        for (int k = 0; k < n && !st; k++) {
            pp_sequence_stability one;
            st = pp_sequence_stability_compute(s->logits.data + (size_t)k * T * classes, T, classes,
                                               row->against_first, s->difficulty, &one, err);
            if (!st)
                pp_stability_counts_add(&row->counts, &one, T);
        }
        s->done += n;
        double t = now();
        if (t - s->last_report > 0.2 || s->done == s->total) {
            s->last_report = t;
            pp_job_progress p = {.fraction = (double)s->done / (double)(s->total ? s->total : 1), .phase = row->name,
                                 .loss = NAN, .accuracy = NAN};
            pp_job_report(s->job, &p);
        }
    }
    pp_tensor_free(&s->batch);
    return st;
}

pp_status pp_evaluate_p(const pp_model *m, const char *model_name, const pp_dataset *ds, const pp_eval_p_options *opt,
                        const pp_job *job, pp_eval_p_result *out, pp_error *err)
{
    double t0 = now();
    memset(out, 0, sizeof *out);
    const char *names[PP_STABILITY_MAX_ROWS];
    int n = 0;
    if (opt->perturbations) {
        if (opt->n_perturbations > PP_STABILITY_MAX_ROWS)
            return pp_fail(err, PP_ERR_ARG, "at most %d perturbations", PP_STABILITY_MAX_ROWS);
        for (int i = 0; i < opt->n_perturbations; i++) {
            if (!pp_perturbation_find(opt->perturbations[i]))
                return pp_fail(err, PP_ERR_ARG, "unknown perturbation '%s'", opt->perturbations[i]);
            names[n++] = opt->perturbations[i];
        }
    } else {
        pp_status st = pp_eval_p_parse_list(NULL, names, PP_STABILITY_MAX_ROWS, &n, err);
        if (st)
            return st;
    }
    int difficulty = opt->difficulty ? opt->difficulty : 1;
    if (difficulty < 1 || difficulty > 3)
        return pp_fail(err, PP_ERR_ARG, "difficulty %d is not 1, 2 or 3", difficulty);
    if (opt->n_shards < 0 || (opt->n_shards > 0 && (opt->shard < 1 || opt->shard > opt->n_shards)))
        return pp_fail(err, PP_ERR_ARG, "shard %d of %d: K must be from 1 to N", opt->shard, opt->n_shards);
    if (ds && ds->num_classes > m->arch.num_classes)
        return pp_fail(err, PP_ERR_SHAPE, "%s has %d classes but %s has %d: they do not match", model_name,
                       m->arch.num_classes, ds->name, ds->num_classes);
    if (m->arch.num_classes < 2)
        return pp_fail(err, PP_ERR_SHAPE, "%s has %d class: no flips to measure", model_name, m->arch.num_classes);

    snprintf(out->model, sizeof out->model, "%s", model_name);
    snprintf(out->dataset, sizeof out->dataset, "%s", ds ? ds->name : opt->sequences_dir);
    if (opt->sequences_dir)
        snprintf(out->source, sizeof out->source, "%s", opt->sequences_dir);
    else
        snprintf(out->source, sizeof out->source, "engine seed %llu preset %s", (unsigned long long)opt->seed,
                 pp_corruption_preset_name(opt->preset));
    out->difficulty = difficulty;
    out->shard_index = opt->n_shards ? opt->shard : 0;
    out->shard_count = opt->n_shards;
    out->n = n;

    /* every source opened and checked before any forward pass */
    seq_source src[PP_STABILITY_MAX_ROWS];
    int opened = 0;
    pp_status st = PP_OK;
    int64_t lo[PP_STABILITY_MAX_ROWS], hi[PP_STABILITY_MAX_ROWS], total = 0;
    for (int i = 0; i < n && !st; i++) {
        const pp_perturbation *p = pp_perturbation_find(names[i]);
        st = source_open(&src[i], p, ds, opt, difficulty, err);
        opened = i + 1;
        if (st)
            break;
        int64_t count = src[i].count;
        if (opt->limit > 0 && opt->limit < count)
            count = opt->limit;
        if (i == 0)
            out->samples = count;
        pp_eval_p_row *row = &out->rows[i];
        snprintf(row->name, sizeof row->name, "%s", p->name);
        snprintf(row->source, sizeof row->source, "%s", src[i].path);
        row->set = p->set;
        row->against_first = p->against_first;
        if (src[i].kind == SOURCE_ENGINE) {
            int w = 0, h = 0;
            pp_image first = {0};
            st = pp_dataset_image(ds, 0, &first, err); /* the preset follows the data's size */
            if (!st) {
                w = first.width, h = first.height;
                pp_image_free(&first);
            }
            row->frames = pp_perturbation_frames(p, pp_corruption_preset_resolve(opt->preset, w, h));
        } else {
            row->frames = src[i].frames;
        }
        if (!st && !p->against_first && difficulty >= row->frames)
            st = pp_fail(err, PP_ERR_ARG, "difficulty %d needs more than %d frames (%s)", difficulty, row->frames,
                         p->name);
        shard_range(count, opt->shard, opt->n_shards, &lo[i], &hi[i]);
        total += hi[i] - lo[i];
    }
    eval_p_state s = {.m = m, .job = job, .threads = pp_job_threads(job), .difficulty = difficulty,
                      .batch_frames = opt->batch > 0 ? opt->batch : 64, .seed = opt->seed, .total = total,
                      .last_report = now()};
    if (!st)
        st = pp_preprocess_for_model(&s.pre, m, err);
    if (!st && !opt->describe_only) {
        s.ctx = pp_forward_ctx_new(s.threads);
        for (int i = 0; i < n && !st; i++)
            st = run_perturbation(&s, &src[i], lo[i], hi[i], &out->rows[i], err);
        pp_forward_ctx_free(s.ctx);
    }
    for (int i = 0; i < opened; i++)
        source_free(&src[i]);
    pp_tensor_free(&s.logits);
    out->generate_seconds = s.generate_seconds;
    out->forward_seconds = s.forward_seconds;
    out->seconds = now() - t0;
    return st;
}

int pp_eval_p_rows(const pp_eval_p_result *r, pp_stability_row *rows, int max)
{
    int n = 0;
    for (int i = 0; i < r->n && n < max; i++, n++)
        rows[n] = (pp_stability_row){.name = r->rows[i].name,
                                     .fp = pp_stability_flip_probability(&r->rows[i].counts),
                                     .t5d = pp_stability_top5_distance(&r->rows[i].counts),
                                     .repeatability = pp_stability_repeatability(&r->rows[i].counts)};
    return n;
}

#include "pp-probe-update.h"

#include <omp.h>
#include <stdatomic.h>
#include <string.h>

#include "pp-thread-budget.h"
#include "probe_columns.h"

void pp_side_request_clear(gpointer data)
{
    g_mutex_clear(&((SideRequest *)data)->lock);
}

SideRequest *pp_side_request_new(void)
{
    SideRequest *q = g_atomic_rc_box_new0(SideRequest);
    g_mutex_init(&q->lock);
    return q;
}

/* ---- one slider update: a snapshot of the inputs, run in a thread ---- */


void pp_probe_job_free(gpointer data)
{
    ProbeJob *job = data;
    g_free(job->image_path);
    for (guint m = 0; job->stage_shown && m < job->slots->len; m++)
        g_clear_pointer(&job->stage_shown[m], cairo_surface_destroy);
    g_free(job->stage_shown);
    g_ptr_array_unref(job->slots);
    pp_true_label_clear(&job->truth);
    pp_probe_results_free(job->results);
    if (job->side)
        g_atomic_rc_box_release_full(job->side, pp_side_request_clear);
    g_free(job);
}

/* Channel k of an (1, K, H, W) tap, copied (with ReLU when asked). */
static float *copy_plane(const pp_tensor *t, int k, gboolean relu, int *h, int *w)
{
    if (!t->data || t->ndim != 4 || t->shape[0] < 1 || k < 0 || k >= t->shape[1])
        return NULL;
    *h = (int)t->shape[2];
    *w = (int)t->shape[3];
    size_t n = (size_t)*h * (size_t)*w;
    float *dst = g_new(float, n);
    const float *src = t->data + (size_t)k * n;
    for (size_t i = 0; i < n; i++)
        dst[i] = relu && src[i] < 0 ? 0.0f : src[i];
    return dst;
}

/* Runs in the worker, right after pp_probe_run: the probe's taps are only
 * touched here, never on the main thread. */
static void copy_feature_maps(PpProbeModelResult *mr, const pp_probe *p, int channel)
{
    static const pp_tap taps[3] = {PP_TAP_PUSH, PP_TAP_PULL, PP_TAP_CONV1};
    mr->fm_channel = CLAMP(channel, 0, MAX(p->model->arch.width - 1, 0));
    for (int q = 0; q < 3; q++) {
        if (q != PP_FM_OUTPUT && !p->model->arch.push_pull)
            continue;
        for (int j = 0; j < 2; j++) {
            const pp_taps *t = j == 0 ? &p->clean_taps : &p->taps;
            mr->fm[q][j] = copy_plane(&t->out[taps[q]], mr->fm_channel, q != PP_FM_OUTPUT, &mr->fm_h[q], &mr->fm_w[q]);
        }
    }
}

void pp_probe_stage_free(gpointer data)
{
    ProbeStage *st = data;
    for (int i = 0; i < st->n; i++) {
        StageColumn *c = &st->columns[i];
        g_clear_object(&c->entry);
        pp_image_free(&c->corrupted);
        g_clear_pointer(&c->shown, cairo_surface_destroy);
        g_free(c->snr_push_channel);
        g_free(c->snr_output_channel);
    }
    g_free(st->columns);
    g_free(st);
}

/* The stage of every column once its first layer ran (worker thread); the
 * images panel shows the columns marked in `shown` (one per input). The
 * pictures made are also kept in keep (n), for the second stage. */
static ProbeStage *stage_new(const ProbeJob *job, const StageOf *of, const pp_probe_result *pr, const gboolean *shown,
                             int side, cairo_surface_t **keep)
{
    ProbeStage *st = g_new0(ProbeStage, 1);
    st->of = *of;
    st->n = (int)job->slots->len;
    st->columns = g_new0(StageColumn, st->n);
    for (int m = 0; m < st->n; m++) {
        const ProbeSlot *slot = job->slots->pdata[m];
        StageColumn *c = &st->columns[m];
        pp_error err = {0};
        c->entry = g_object_ref(slot->entry);
        c->push_only = slot->push_only;
        c->channels = pp_model_entry_get_model(slot->entry)->arch.width;
        c->snr_push = pr[m].snr_push;
        c->snr_output = pr[m].snr_output;
        c->snr_push_channel = g_memdup2(pr[m].snr_push_channel, sizeof(double) * c->channels);
        c->snr_output_channel = g_memdup2(pr[m].snr_output_channel, sizeof(double) * c->channels);
        if (pp_image_copy(&c->corrupted, &pr[m].corrupted, &err) == PP_OK && shown[m]) {
            PpProbeModelResult tmp = {.corrupted = c->corrupted};
            pp_probe_prepare_image(&tmp, 1, side, job->scale);
            c->shown = tmp.shown[1];
            c->side = tmp.shown_side;
            c->scale = tmp.shown_scale;
            /* the second stage shows the same picture: made once (cairo's references are atomic) */
            if (c->shown)
                keep[m] = cairo_surface_reference(c->shown);
        }
    }
    return st;
}

/* The number of distinct inputs (size and channels) among the columns, as
 * the images panel groups them. */
static int cache_input_groups(const ProbeCache *c)
{
    int groups = 0;
    for (guint m = 0; m < c->slots->len; m++) {
        gboolean seen = FALSE;
        for (guint j = 0; j < m && !seen; j++) {
            const pp_image *a = &c->probes[j].clean, *b = &c->probes[m].clean;
            seen = a->width == b->width && a->height == b->height && a->channels == b->channels;
        }
        groups += !seen;
    }
    return groups;
}

/* Column m's clean and corrupted images at the box size; the clean one
 * from the cache when it was made for this box, the corrupted one from the
 * first stage (`corrupted`, made for this box) when it made one. */
static void prepare_pair(ProbeCache *c, int m, PpProbeModelResult *mr, int side, int scale,
                         cairo_surface_t *corrupted)
{
    if (c->clean_shown[m] && c->clean_side[m] == side && c->clean_scale[m] == MAX(scale, 1)) {
        mr->shown[0] = cairo_surface_reference(c->clean_shown[m]);
    } else {
        pp_probe_prepare_image(mr, 0, side, scale);
        g_clear_pointer(&c->clean_shown[m], cairo_surface_destroy);
        c->clean_shown[m] = mr->shown[0] ? cairo_surface_reference(mr->shown[0]) : NULL;
        c->clean_side[m] = side;
        c->clean_scale[m] = MAX(scale, 1);
    }
    if (corrupted) {
        g_clear_pointer(&mr->shown[1], cairo_surface_destroy);
        mr->shown[1] = cairo_surface_reference(corrupted);
    } else {
        pp_probe_prepare_image(mr, 1, side, scale);
    }
}

static void free_stage_results(pp_probe_result *pr, int n)
{
    for (int m = 0; m < n; m++)
        pp_probe_result_free(&pr[m]);
    g_free(pr);
}

/* How many newer moves' first stages one update's second stage makes at
 * its layer boundaries. Each takes ~10 ms of a column's time at 224, which
 * can put the predictions a frame later. With the columns side by side one
 * is made for a move at least two past the last first stage, where it is
 * free (the predictions still show on the frame they would have without
 * it), or where without it more than SIDE_STAGE_MAX_GAP moves in a row
 * would get no image and SNRs before the next update's own first stage.
 * Else (one column, or more columns than threads) at the first boundary a
 * newer move waits. */
#define SIDE_STAGES_PER_UPDATE 3
#define SIDE_STAGE_MAX_GAP 2
/* The predictions' way from stage two's end to the screen (the results
 * put together, handed to the main thread: well under a ms at 224), and how
 * far off the estimate of that end may be (it comes from the last update,
 * and the host's speed swings); both in us. */
#define STAGE_TWO_TO_SCREEN_US 1500
#define STAGE_TWO_ESTIMATE_SLACK_US 5000

/* Stage two's layer-boundary hook (asked by every column, from its thread):
 * stops a cancelled update, and makes the newest move's first stage when
 * one waits (a side stage), on the cache's second set of probes. Its
 * columns' first layers are claimed one per boundary by whichever column's
 * thread gets there, so that the columns of stage two share the delay. */
typedef struct {
    GCancellable *cancellable;
    PpLatestRun *run;
    ProbeJob *job;
    ProbeCache *cache;
    const int *same; /* (n) the earlier column of the same input, or -1 */
    const gboolean *shown;
    int side, threads;
    gboolean nested; /* the boundaries are asked inside the columns' parallel region */
    GMutex lock;     /* guards the rest */
    int made;        /* side stages begun */
    /* the one being made: its move, its inputs, the columns claimed and finished */
    gboolean making, failed;
    StageOf of;
    guint64 seed;
    pp_image *corrupted;
    pp_probe_result *pr;
    double corrupt_ms, *thread_ms; /* (threads) the first layers' time on each column's thread */
    double *thread_wall_ms;          /* (threads) ... and their wall time, SNRs and all */
    int next, finished;
    /* pacing (probe_pacing.h), when every column runs side by side: each
     * column's boundaries, its time in this hook, its estimated end (us; 0:
     * not known) and this stage two's profile; the move of the newest first
     * stage made */
    gboolean paced;
    gint64 start;
    int boundary[PP_PACING_COLUMNS];
    double hook_ms[PP_PACING_COLUMNS];
    _Atomic gint64 end[PP_PACING_COLUMNS];
    pp_stage_profile now;
    guint newest_stage;
    gint64 newest_posted; /* when that first stage was posted (us): on screen a frame later */
} BoundaryHook;

static int hook_column(const BoundaryHook *h)
{
    return h->nested ? CLAMP(omp_get_thread_num(), 0, h->threads - 1) : 0;
}

/* Column `col` is at its next boundary: where it is in the profile, and
 * when it ends had it gone as the last update's. */
static void note_progress(BoundaryHook *h, int col, gint64 now)
{
    const int k = h->boundary[col]++;
    const double elapsed = (now - h->start) / 1000.0 - h->hook_ms[col];
    pp_stage_profile_record(&h->now, col, k, elapsed);
    const double left = pp_stage_profile_remaining(&h->cache->profile, col, k, elapsed);
    atomic_store(&h->end[col], left >= 0 ? now + (gint64)(left * 1000) : 0);
}

/* Whether to make the newest move's first stage now (under the lock): when
 * paced, for a move at least two past the last one made, where it is free
 * or the gap would grow too long without it. */
static gboolean side_stage_wanted(BoundaryHook *h)
{
    if (!h->paced)
        return TRUE;
    SideRequest *q = h->job->side;
    g_mutex_lock(&q->lock);
    const guint move = q->move;
    const gint64 base = q->frame_base, interval = q->frame_interval, move_time = q->move_time;
    g_mutex_unlock(&q->lock);
    /* one posted within the frame of the last one would replace it before the paint shows it */
    if (move < h->newest_stage + 2 || interval <= 0 || h->cache->side_cost_ms <= 0 ||
        g_get_monotonic_time() - h->newest_posted < interval)
        return FALSE;
    gint64 end = 0;
    for (int c = 0; c < h->threads; c++) {
        const gint64 e = atomic_load(&h->end[c]);
        if (e <= 0) /* no estimate (the first update): by the moves alone */
            return move > h->newest_stage + SIDE_STAGE_MAX_GAP;
        end = MAX(end, e);
    }
    const gint64 now = g_get_monotonic_time(), stage_us = (gint64)(h->cache->side_cost_ms * 1000);
    /* so near the end the next update's own first stage would replace it within the frame */
    if (end - now + stage_us < interval)
        return FALSE;
    /* the moves' pace since this update's own move, at most one a frame and a half */
    const gint64 span = move_time - h->job->move_time;
    const double rate = span > 0 ? MIN((double)(move - h->job->move) / (double)span, 1.5 / (double)interval) : 0;
    if (pp_pacing_gap_if_none(move, h->newest_stage, now, end + STAGE_TWO_ESTIMATE_SLACK_US, rate) > SIDE_STAGE_MAX_GAP)
        return TRUE;
    const gint64 cost = stage_us + STAGE_TWO_ESTIMATE_SLACK_US;
    return pp_pacing_fits(base, interval, end, cost, STAGE_TWO_TO_SCREEN_US);
}

/* Takes the newest move when it is newer than what the update and the cache
 * have, and corrupts its inputs (under the lock). */
static gboolean side_stage_begin(BoundaryHook *h)
{
    ProbeJob *job = h->job;
    ProbeCache *c = h->cache;
    SideRequest *q = job->side;
    const int n = (int)job->slots->len;
    g_mutex_lock(&q->lock);
    const guint newest_made = MAX(job->move, c->staged.valid && c->staged.gen == job->gen ? c->staged.move : 0);
    const gboolean take = q->wanted && q->gen == job->gen && q->move > newest_made;
    h->of = (StageOf){.gen = q->gen, .move = q->move, .move_time = q->move_time, .severity = q->severity};
    h->seed = q->seed;
    if (take)
        q->wanted = FALSE;
    g_mutex_unlock(&q->lock);
    if (!take)
        return FALSE;
    h->made++;
    pp_side_staged_clear(&c->staged, (guint)n);
    pp_corruption_request req = {
        .severity = h->of.severity, .seed = h->seed, .cancel = pp_probe_is_cancelled, .cancel_ctx = h->cancellable};
    h->corrupted = g_new0(pp_image, n);
    h->pr = g_new0(pp_probe_result, n);
    h->thread_ms = g_new0(double, MAX(h->threads, 1));
    h->thread_wall_ms = g_new0(double, MAX(h->threads, 1));
    h->next = h->finished = 0;
    h->failed = FALSE;
    pp_error err = {0};
    const gint64 c0 = g_get_monotonic_time();
    for (int m = 0; m < n && !h->failed; m++) {
        pp_probe *p = &c->side[m];
        /* inside the columns' region a probe has one thread (a nested region is one) */
        pp_probe_set_threads(p, h->nested ? 1 : h->threads);
        p->true_class = c->probes[m].true_class;
        h->failed = (h->same[m] >= 0 ? pp_image_copy(&h->corrupted[m], &h->corrupted[h->same[m]], &err)
                                     : pp_probe_corrupt(p, job->corruption, &req, &h->corrupted[m], &err)) != PP_OK;
    }
    h->corrupt_ms = (g_get_monotonic_time() - c0) / 1000.0;
    h->making = TRUE;
    return TRUE;
}

/* The last column's first layer is in: keep the stage for the update of
 * its move and post it (under the lock). */
static void side_stage_end(BoundaryHook *h)
{
    ProbeCache *c = h->cache;
    const int n = (int)h->job->slots->len;
    for (int m = 0; m < n; m++)
        pp_image_free(&h->corrupted[m]);
    g_clear_pointer(&h->corrupted, g_free);
    double forward_ms = 0, wall_ms = 0; /* the columns' threads side by side: the slowest */
    for (int t = 0; t < MAX(h->threads, 1); t++) {
        forward_ms = MAX(forward_ms, h->thread_ms[t]);
        wall_ms = MAX(wall_ms, h->thread_wall_ms[t]);
    }
    g_clear_pointer(&h->thread_ms, g_free);
    g_clear_pointer(&h->thread_wall_ms, g_free);
    h->making = FALSE;
    if (!h->failed)
        c->side_cost_ms = wall_ms + h->corrupt_ms;
    if (h->failed || g_cancellable_is_cancelled(h->cancellable)) {
        free_stage_results(g_steal_pointer(&h->pr), n);
        return;
    }
    h->newest_stage = h->of.move;
    h->newest_posted = g_get_monotonic_time();
    c->staged = (SideStaged){.valid = TRUE,
                             .gen = h->of.gen,
                             .move = h->of.move,
                             .severity = h->of.severity,
                             .seed = h->seed,
                             .pr = g_steal_pointer(&h->pr),
                             .shown = g_new0(cairo_surface_t *, n),
                             .forward_ms = forward_ms,
                             .corrupt_ms = h->corrupt_ms};
    pp_latest_job_post_lasting(h->run,
                       stage_new(h->job, &h->of, c->staged.pr, h->shown, h->side, c->staged.shown));
}

static bool at_boundary(void *data)
{
    BoundaryHook *h = data;
    if (g_cancellable_is_cancelled(h->cancellable))
        return true;
    const gint64 t0 = g_get_monotonic_time();
    const int col = hook_column(h);
    if (h->paced)
        note_progress(h, col, t0);
    if (!h->job->side || !h->cache->side || !g_mutex_trylock(&h->lock)) /* the other column is at it: go on */
        return false;
    const int n = (int)h->job->slots->len;
    int m = -1;
    if (!h->making && h->made < SIDE_STAGES_PER_UPDATE && side_stage_wanted(h))
        side_stage_begin(h);
    if (h->making && !h->failed && h->next < n)
        m = h->next++;
    g_mutex_unlock(&h->lock);
    if (m >= 0) { /* this column's share: one first layer, outside the lock */
        pp_error err = {0};
        double ms = 0;
        const gint64 w0 = g_get_monotonic_time();
        const pp_status st = pp_probe_first_layer(&h->cache->side[m], &h->corrupted[m], &h->pr[m], &ms, &err);
        g_mutex_lock(&h->lock);
        h->thread_ms[col] += ms;
        h->thread_wall_ms[col] += (g_get_monotonic_time() - w0) / 1000.0;
        h->failed |= st != PP_OK;
        if (++h->finished == n || (h->failed && h->finished == h->next))
            side_stage_end(h);
        g_mutex_unlock(&h->lock);
    }
    h->hook_ms[col] += (g_get_monotonic_time() - t0) / 1000.0;
    return g_cancellable_is_cancelled(h->cancellable);
}

/* After stage two: the columns of a side stage no boundary was left to
 * claim (the forwards ended first) are made here, on the update's threads. */
static void side_stage_finish(BoundaryHook *h)
{
    if (!h->making)
        return;
    const int n = (int)h->job->slots->len;
    for (int m = h->next; m < n && !h->failed && !g_cancellable_is_cancelled(h->cancellable); m++) {
        pp_error err = {0};
        double ms = 0;
        const gint64 w0 = g_get_monotonic_time();
        h->failed = pp_probe_first_layer(&h->cache->side[m], &h->corrupted[m], &h->pr[m], &ms, &err) != PP_OK;
        h->thread_ms[0] += ms;
        h->thread_wall_ms[0] += (g_get_monotonic_time() - w0) / 1000.0;
        h->finished++;
    }
    h->next = n;
    side_stage_end(h);
}

/* The cache's second set of probes, the same as the first (after the
 * update's overrides are applied); a copy made again drops the first stage
 * it held. */
static gboolean cache_side_sync(ProbeCache *c, pp_error *err)
{
    const guint n = c->slots->len;
    if (!c->side)
        c->side = g_new0(pp_probe, n);
    for (guint m = 0; m < n; m++) {
        if (c->side[m].model && pp_probe_same_view(&c->side[m], &c->probes[m]))
            continue;
        pp_side_staged_clear(&c->staged, n);
        pp_probe_free(&c->side[m]);
        if (pp_probe_copy(&c->side[m], &c->probes[m], err) != PP_OK) {
            for (guint j = 0; j < n; j++)
                pp_probe_free(&c->side[j]);
            g_clear_pointer(&c->side, g_free);
            return FALSE;
        }
    }
    return TRUE;
}

/* The update takes over the first stage made for its move at an earlier
 * update's boundary: the two sets of probes trade places. */
static gboolean cache_adopt_staged(ProbeCache *c, const ProbeJob *job)
{
    const SideStaged *st = &c->staged;
    if (!c->side || !st->valid || st->gen != job->gen || st->move != job->move || st->severity != job->severity ||
        st->seed != job->seed)
        return FALSE;
    pp_probe *was = c->probes;
    c->probes = c->side;
    c->side = was;
    return TRUE;
}

/* One slider update (worker thread), in two stages: the corrupted image (once
 * per distinct clean input) and every column's first layer, posted to the
 * screen (or taken over when an earlier update made it); then every
 * column's predictions, stopping at a layer boundary when a newer request
 * supersedes this one, and making a newer move's first stage at one. */
gboolean pp_probe_job_run(PpLatestRun *run, gpointer data, GCancellable *cancellable, GError **error)
{
    ProbeJob *job = data;
    gint64 t0 = g_get_monotonic_time();
    job->times.started = t0;
    ProbeCache **cache = (ProbeCache **)pp_latest_run_state(run);
    if (!pp_probe_cache_matches(*cache, job->image_path, job->slots)) {
        g_clear_pointer(cache, pp_probe_cache_free);
        if (!(*cache = pp_probe_cache_new(job->image_path, job->slots, error)))
            return FALSE;
    }
    const int n = (int)job->slots->len;
    const int side = pp_probe_image_side(job->area_w, job->area_h, cache_input_groups(*cache));
    pp_corruption_request req = {
        .severity = job->severity, .seed = job->seed, .cancel = pp_probe_is_cancelled, .cancel_ctx = cancellable};
    pp_probe_result *pr = NULL;
    const char **sources = g_new0(const char *, n);
    gboolean *shown = g_new0(gboolean, n); /* the first column of each input: the images panel shows its pair */
    int *same = g_new(int, n);
    gboolean ok = TRUE;
    pp_error err = {0};
    const int threads = pp_thread_budget_interactive(); /* fewer while a job runs */
    for (int m = 0; m < n && ok; m++)
        ok = pp_probe_apply_slot(&(*cache)->probes[m], job->slots->pdata[m], &err) == PP_OK;
    /* without a second set, no first stage at the boundaries (a failure here is not the update's) */
    pp_error side_err = {0};
    if (ok && job->side && !cache_side_sync(*cache, &side_err))
        g_printerr("probe: no second set of probes: %s\n", side_err.msg);
    const gboolean adopted = ok && cache_adopt_staged(*cache, job);
    pp_probe *probes = (*cache)->probes;
    for (int m = 0; m < n && ok; m++) {
        pp_probe *p = &probes[m];
        p->true_class = pp_true_class_of(&job->truth, p->model, &sources[m]);
        /* a column whose clean input is an earlier one's runs on its corrupted image */
        same[m] = -1;
        for (int j = 0; j < m && same[m] < 0; j++)
            if (pp_probe_same_input(&probes[j], p))
                same[m] = j;
        shown[m] = same[m] < 0;
    }
    if (adopted) { /* shown already (posted by the update that made it) */
        SideStaged *st = &(*cache)->staged;
        pr = g_steal_pointer(&st->pr);
        job->stage_shown = g_steal_pointer(&st->shown);
        job->times.corrupt_ms = st->corrupt_ms;
        job->times.forward_ms = st->forward_ms;
        pp_side_staged_clear(st, (guint)n);
    } else if (ok) {
        /* the corrupted inputs first, each on all the threads; then the columns' first layers side by side */
        pr = g_new0(pp_probe_result, n);
        pp_image *corrupted = g_new0(pp_image, n);
        const gint64 c0 = g_get_monotonic_time();
        for (int m = 0; m < n && ok; m++) {
            pp_probe *p = &probes[m];
            pp_probe_set_threads(p, threads);
            ok = (same[m] >= 0 ? pp_image_copy(&corrupted[m], &corrupted[same[m]], &err)
                               : pp_probe_corrupt(p, job->corruption, &req, &corrupted[m], &err)) == PP_OK;
        }
        job->times.corrupt_ms += (g_get_monotonic_time() - c0) / 1000.0;
        double stage_ms = 0;
        const gint64 s0 = g_get_monotonic_time();
        ok = ok && !g_cancellable_is_cancelled(cancellable) &&
             pp_probe_columns_first_layer(probes, n, threads, corrupted, pr, &stage_ms, &err) == PP_OK;
        job->times.forward_ms += stage_ms;
        /* a column's share of a side stage as of now: this one's (its corruption on one thread) */
        if (ok)
            (*cache)->side_cost_ms = (g_get_monotonic_time() - s0) / 1000.0 + job->times.corrupt_ms * threads;
        for (int m = 0; m < n; m++)
            pp_image_free(&corrupted[m]);
        g_free(corrupted);
        const StageOf of = {.gen = job->gen, .move = job->move, .move_time = job->move_time, .severity = job->severity};
        job->stage_shown = g_new0(cairo_surface_t *, n);
        if (ok)
            pp_latest_job_post_lasting(run, stage_new(job, &of, pr, shown, side, job->stage_shown));
    }
    if (!pr)
        pr = g_new0(pp_probe_result, n);
    job->times.staged = g_get_monotonic_time();
    BoundaryHook hook = {.cancellable = cancellable,
                         .run = run,
                         .job = job,
                         .cache = *cache,
                         .same = same,
                         .shown = shown,
                         .side = side,
                         .threads = threads,
                         .nested = pp_probe_columns_side_by_side(n, threads) > 0,
                         .start = g_get_monotonic_time(),
                         .newest_stage = job->move,
                         .newest_posted = job->times.staged};
    hook.paced = hook.nested && n == threads && threads <= PP_PACING_COLUMNS;
    g_mutex_init(&hook.lock);

    PpProbeResults *r = g_new0(PpProbeResults, 1);
    job->results = r;
    r->corruption = g_strdup(pp_probe_corruption_name(job->corruption));
    r->severity = job->severity;
    r->seed = job->seed;
    r->n_models = n;
    r->models = g_new0(PpProbeModelResult, n);
    double predict_ms = 0;
    ok = ok && pp_probe_columns_predict(probes, n, threads, at_boundary, &hook, pr, &predict_ms, &err) == PP_OK;
    if (ok && hook.paced) /* the next update's estimates */
        (*cache)->profile = hook.now;
    side_stage_finish(&hook);
    g_mutex_clear(&hook.lock);
    job->times.forward_ms += predict_ms;
    for (int m = 0; m < n && ok; m++) {
        pp_probe *p = &probes[m];
        const ProbeSlot *slot = job->slots->pdata[m];
        PpProbeModelResult *mr = &r->models[m];
        mr->entry = g_object_ref(slot->entry);
        mr->label = g_strdup(slot->label);
        mr->view_note = g_strdup(slot->view_note);
        mr->push_only = slot->push_only;
        mr->true_class = pr[m].true_class;
        mr->true_known = pr[m].true_known;
        mr->true_source = g_strdup(sources[m]);
        mr->push_pull = p->model->arch.push_pull;
        mr->clean_top1 = p->clean_top1;
        memcpy(mr->top_class, pr[m].top_class, sizeof mr->top_class);
        memcpy(mr->top_prob, pr[m].top_prob, sizeof mr->top_prob);
        mr->true_prob = pr[m].true_prob;
        mr->snr_push = pr[m].snr_push;
        mr->snr_output = pr[m].snr_output;
        mr->channels = p->model->arch.width;
        mr->snr_push_channel = g_memdup2(pr[m].snr_push_channel, sizeof(double) * mr->channels);
        mr->snr_output_channel = g_memdup2(pr[m].snr_output_channel, sizeof(double) * mr->channels);
        copy_feature_maps(mr, p, job->channel);
        mr->corrupted = pr[m].corrupted; /* taken over */
        memset(&pr[m].corrupted, 0, sizeof pr[m].corrupted);
        ok = pp_image_copy(&mr->clean, &p->clean, &err) == PP_OK;
        if (ok && shown[m]) /* off the main thread, at the size shown */
            prepare_pair(*cache, m, mr, side, job->scale, job->stage_shown ? job->stage_shown[m] : NULL);
        if (ok)
            pp_probe_prepare_features(mr, job->feature_w, job->feature_h, job->scale);
    }
    free_stage_results(pr, n);
    g_free(sources);
    g_free(shown);
    g_free(same);
    if (!ok)
        return pp_probe_fail_or_cancel(cancellable, &err, error, NULL);
    job->times.finished = g_get_monotonic_time();
    r->compute_ms = (job->times.finished - t0) / 1000.0;
    return TRUE;
}

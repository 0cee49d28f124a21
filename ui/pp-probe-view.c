#include "pp-probe-view.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "corrupt/corruption.h"
#include "number_text.h"
#include "pp-plot.h"
#include "pp-image-chooser.h"
#include "pp-latest-job.h"
#include "pp-layout-check.h"
#include "pp-template-dispose.h"
#include "pp-probe-plots.h"
#include "pp-probe-update.h"
#include "pp-stability-panel.h"
#include "pp-texture-image.h"
#include "pp-thread-budget.h"
#include "pp-window.h"
#include "classes.h"
#include "probe.h"
#include "probe_pacing.h"

#define SWEEP_STEPS 20
/* The panels' scroller (its max-content-height in pp-probe-view.ui), and the
 * margins of the panels inside it. */
#define PANELS_MAX_HEIGHT 400
#define PANELS_MARGINS 16

struct _PpProbeView {
    GtkWidget parent_instance;

    GtkDropDown *image_dropdown;
    GtkStringList *image_names;
    GtkMenuButton *corruption_button;
    GtkAdjustment *severity_adjustment, *seed_adjustment;
    GtkScale *severity_scale;
    GtkButton *sweep_button;
    GtkDrawingArea *images_area, *predictions_area, *snr_area, *sweep_area, *feature_area;
    GtkNotebook *plots_notebook;
    GtkWidget *feature_controls;
    GtkAdjustment *feature_adjustment;
    GtkToggleButton *push_only_button;
    GtkDropDown *truth_dropdown;
    GtkStringList *truth_names; /* "From the file or folder name", then the classes of the loaded models */
    PpModelEntry *selected; /* the model list's selection (feature maps) */
    PpStabilityPanel *stability; /* the Stability tab */

    GPtrArray *image_paths; /* char *, parallel to image_names */
    GPtrArray *entries;     /* PpModelEntry refs, display order */
    char *corruption;
    gboolean syncing, disposed;
    gboolean stale;   /* a change came while the view was hidden */
    gboolean resweep; /* a sweep was shown when its subject changed: run it again once the probe settles */
    char *empty_text; /* said in place of the images when the last probe failed */
    int pasting; /* clipboard reads under way */
    int images_extra; /* px the images panel grows by in a tall window (on_sweep_resize) */
    guint resize_idle;

    /* the slider worker (latest wins: pp-latest-job.h); results come in two
     * stages, the corrupted image and first-layer SNRs, then the predictions */
    PpLatestJob *updates;
    gint64 pending_since;  /* the oldest change not yet served (monotonic us) */
    gboolean superseding;  /* the update being made supersedes the running one (probe_make) */
    guint move;            /* slider moves so far (a change of severity, seed or channel) */
    gint64 move_time;      /* when the last one came */
    PpProbeResults *shown;
    double shown_compute_ms;
    /* what the next paint puts on screen, for the latency log: the move the
     * predictions (full) or the image and SNRs (stage) are of */
    gboolean log_full, log_stage;
    guint serial;          /* updates made so far */
    guint stage_applied, stage_gen; /* the move (of the subject gen) whose first stage the shown images and SNRs are */
    guint subject_gen;     /* the subject's changes so far (SideRequest) */
    SideRequest *side_request; /* (owned ref) the newest move, for the running update's boundaries */
    guint full_move, stage_move;
    gint64 full_move_time, stage_move_time, full_queued;
    UpdateTimes full_times; /* of the predictions the next paint shows */
    struct ProbeBench *bench; /* collected while benchmarking */
    gint64 draw_frame;        /* ... the frame the panels' draws are summed for, and the sum */
    double draw_frame_ms;
    gboolean draw_frame_counts;

    /* the sweep */
    PpLatestJob *sweeps;
    PpProbeSweeps *sweep;
    GtkNativeDialog *dialog;
};

G_DEFINE_FINAL_TYPE(PpProbeView, pp_probe_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_CORRUPTION, N_PROPS };
static GParamSpec *props[N_PROPS];

static gboolean frame_log(void)
{
    static int on = -1;
    if (on < 0)
        on = g_getenv("PP_STUDIO_FRAME_LOG") != NULL;
    return on;
}

static GPtrArray *entries_copy(GPtrArray *src)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(g_object_unref);
    for (guint i = 0; src && i < src->len; i++)
        g_ptr_array_add(a, g_object_ref(src->pdata[i]));
    return a;
}

/* The image pairs (one per distinct model input) and the prediction grid (as
 * many rows as the width needs) get the height they draw in. */
static void size_areas(PpProbeView *self)
{
    int groups = self->shown ? MAX(1, pp_probe_input_groups(self->shown)) : 1;
    /* one input: one pair; two: side by side; more: two columns */
    gtk_drawing_area_set_content_width(self->images_area, groups == 1 ? 380 : 600);
    int n = self->shown ? self->shown->n_models : 1;
    int w = gtk_widget_get_width(GTK_WIDGET(self->predictions_area));
    const int predictions = pp_probe_predictions_height(w > 0 ? w : 600, n);
    gtk_drawing_area_set_content_height(self->predictions_area, predictions);
    /* the SNR cells side by side as the width allows */
    int sw = gtk_widget_get_width(GTK_WIDGET(self->snr_area));
    const int snr = pp_probe_snr_height(GTK_WIDGET(self->snr_area), sw > 0 ? sw : 900, self->shown);
    gtk_drawing_area_set_content_height(self->snr_area, snr);
    /* room for the pictures, three caption lines under them, and the corruption line; for one or
     * two inputs as tall as a row of predictions, so that the SNR panel under them still fits
     * above the sweep on a 720-pixel screen; taller in a tall window, as long as the panels
     * still fit their scroller's PANELS_MAX_HEIGHT without scrolling */
    const int base = groups <= 2 ? 226 : (groups + 1) / 2 * 216 + 20;
    const int room = PANELS_MAX_HEIGHT - PANELS_MARGINS - MAX(base, predictions) - snr;
    gtk_drawing_area_set_content_height(self->images_area, base + CLAMP(room, 0, self->images_extra));
}

static gboolean on_resize_idle(gpointer data)
{
    PpProbeView *self = data;
    self->resize_idle = 0;
    size_areas(self);
    return G_SOURCE_REMOVE;
}

/* The areas' heights follow a new width after this allocation: a size
 * changed during it leaves a parent unallocated for a frame. */
static void size_areas_later(PpProbeView *self)
{
    if (!self->resize_idle)
        self->resize_idle = g_idle_add(on_resize_idle, self);
}

static void on_area_resize(GtkDrawingArea *area, int width, int height, PpProbeView *self)
{
    (void)area;
    (void)width;
    (void)height;
    size_areas_later(self);
}

/* A tall window: the images take part of the sweep's height above 300 px (up
 * to 60 px more). Computed from the sum of both, which the images' share does
 * not change, so that the layout settles at once. */
static void on_sweep_resize(GtkDrawingArea *area, int width, int height, PpProbeView *self)
{
    (void)area;
    (void)width;
    int extra = CLAMP((height + self->images_extra - 300) / 2, 0, 60);
    if (extra != self->images_extra) {
        self->images_extra = extra;
        size_areas_later(self);
    }
}

/* The class picked in the "True class" list, or NULL for "from the name". */
static const char *chosen_truth(PpProbeView *self)
{
    guint i = gtk_drop_down_get_selected(self->truth_dropdown);
    if (i == 0 || i == GTK_INVALID_LIST_POSITION)
        return NULL;
    return gtk_string_list_get_string(self->truth_names, i);
}

/* The panels a first stage changes: the images, the SNRs and the
 * predictions (faded until theirs come); the feature maps and the sweep
 * wait for the full result or a sweep. */
static void redraw_stage(PpProbeView *self)
{
    gtk_widget_queue_draw(GTK_WIDGET(self->images_area));
    gtk_widget_queue_draw(GTK_WIDGET(self->predictions_area));
    gtk_widget_queue_draw(GTK_WIDGET(self->snr_area));
}

static void redraw(PpProbeView *self)
{
    gtk_widget_queue_draw(GTK_WIDGET(self->images_area));
    gtk_widget_queue_draw(GTK_WIDGET(self->predictions_area));
    gtk_widget_queue_draw(GTK_WIDGET(self->snr_area));
    gtk_widget_queue_draw(GTK_WIDGET(self->sweep_area));
    gtk_widget_queue_draw(GTK_WIDGET(self->feature_area));
}

/* The model whose feature maps show: the selected one, else the first
 * push-pull model, else the first; its index in `entries`, or -1. */
static int feature_model(PpProbeView *self, GPtrArray *entries)
{
    for (guint i = 0; self->selected && i < entries->len; i++)
        if (entries->pdata[i] == (gpointer)self->selected)
            return (int)i;
    for (guint i = 0; i < entries->len; i++)
        if (pp_model_entry_is_push_pull(entries->pdata[i]))
            return (int)i;
    return entries->len ? 0 : -1;
}

/* The channel spin button's range: the shown model's first-layer width. */
static void sync_channel_range(PpProbeView *self)
{
    int m = feature_model(self, self->entries);
    int width = m >= 0 ? pp_model_entry_get_model(self->entries->pdata[m])->arch.width : 1;
    gtk_adjustment_set_upper(self->feature_adjustment, MAX(width - 1, 0));
}

static void probe_error(PpProbeView *self, const char *msg)
{
    GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
    if (PP_IS_WINDOW(root))
        pp_window_report_error(PP_WINDOW(root), "probe", msg);
    else
        g_printerr("%s\n", msg);
}

/* A probe that works again takes its old failure's message away. */
static void probe_ok(PpProbeView *self)
{
    GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
    if (PP_IS_WINDOW(root))
        pp_window_clear_error(PP_WINDOW(root), "probe");
}

/* A background job's failure in the window's banner ("what: why"); a
 * cancellation is not a failure. */
static void report_failure(PpProbeView *self, const GError *error, const char *what)
{
    if (!error || g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
    char *msg = g_strdup_printf("%s: %s", what, error->message);
    probe_error(self, msg);
    g_free(msg);
}

static const char *current_image(PpProbeView *self)
{
    guint i = gtk_drop_down_get_selected(self->image_dropdown);
    return i < self->image_paths->len ? self->image_paths->pdata[i] : NULL;
}

/* Moves the shown (newer) first stage's images and SNRs into `into`, the
 * results of an older move, whose predictions are then marked stale; FALSE
 * (nothing moved) when the columns differ. */
static gboolean carry_newer_stage(PpProbeResults *into, PpProbeResults *from)
{
    for (int m = 0; m < into->n_models; m++) {
        const PpProbeModelResult *a = &into->models[m], *b = &from->models[m];
        if (a->entry != b->entry || a->push_only != b->push_only || a->channels != b->channels ||
            a->corrupted.width != b->corrupted.width || a->corrupted.height != b->corrupted.height ||
            a->corrupted.channels != b->corrupted.channels || !b->corrupted.pixels ||
            a->shown_side != b->shown_side || a->shown_scale != b->shown_scale)
            return FALSE;
    }
    for (int m = 0; m < into->n_models; m++) {
        PpProbeModelResult *a = &into->models[m], *b = &from->models[m];
        pp_image swap = a->corrupted;
        a->corrupted = b->corrupted;
        b->corrupted = swap;
        cairo_surface_t *pic = a->shown[1];
        a->shown[1] = b->shown[1];
        b->shown[1] = pic;
        a->snr_push = b->snr_push;
        a->snr_output = b->snr_output;
        memcpy(a->snr_push_channel, b->snr_push_channel, sizeof(double) * a->channels);
        memcpy(a->snr_output_channel, b->snr_output_channel, sizeof(double) * a->channels);
        a->predictions_stale = TRUE;
    }
    into->severity = from->severity;
    return TRUE;
}

/* One update ended (main thread). Latest wins: a superseded update's result
 * is dropped; one for an older slider position of the same subject that was
 * let finish is shown while the newest one computes. */
static void probe_done(gpointer view, gpointer data, gboolean latest, const GError *error)
{
    PpProbeView *self = view;
    ProbeJob *job = data;
    if (latest) {
        /* the images and SNRs on screen are this update's own first stage (same image, seed and
         * corruption): only the predictions and the feature maps change; the fewer panels a
         * frame draws, the sooner it is on screen */
        PpProbeResults *old = self->shown;
        const gboolean same_columns = old && old->n_models == job->results->n_models &&
                                      g_strcmp0(old->corruption, job->results->corruption) == 0;
        gboolean staged = same_columns && self->stage_gen == job->gen && self->stage_applied == job->move &&
                          old->seed == job->results->seed && old->severity == job->results->severity;
        /* a newer move's first stage is on screen (made at this update's boundaries): it stays,
         * with these predictions marked as older */
        if (same_columns && self->stage_gen == job->gen && self->stage_applied > job->move)
            staged = carry_newer_stage(job->results, old);
        pp_probe_results_free(self->shown);
        self->shown = job->results;
        job->results = NULL;
        self->shown_compute_ms = self->shown->compute_ms;
        self->log_full = TRUE;
        self->full_move = job->move;
        self->full_move_time = job->move_time;
        self->full_queued = job->queued;
        self->full_times = job->times;
        self->full_times.delivered = g_get_monotonic_time();
        g_clear_pointer(&self->empty_text, g_free);
        probe_ok(self);
        size_areas(self);
        if (staged) {
            gtk_widget_queue_draw(GTK_WIDGET(self->predictions_area));
            gtk_widget_queue_draw(GTK_WIDGET(self->feature_area));
        } else {
            redraw(self);
        }
    } else if (error && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        char *what = g_strdup_printf("Could not probe “%s”", job->image_path);
        report_failure(self, error, what);
        g_free(what);
        /* the panels no longer show another image's results as if they were this one's */
        g_clear_pointer(&self->shown, pp_probe_results_free);
        char *base = g_path_get_basename(job->image_path);
        g_free(self->empty_text);
        self->empty_text = g_strdup_printf("“%s” could not be probed: see the message above", base);
        g_free(base);
        redraw(self);
    }
    if (!pp_latest_job_is_pending(self->updates) && self->resweep) {
        self->resweep = FALSE;
        pp_probe_view_start_sweep(self);
    }
}

/* The frame clock's current frame time and its interval (us); FALSE
 * without a clock (not realized). */
static gboolean frame_phase(PpProbeView *self, gint64 *base, gint64 *interval)
{
    GdkFrameClock *clock = gtk_widget_get_frame_clock(GTK_WIDGET(self));
    *base = clock ? gdk_frame_clock_get_frame_time(clock) : 0;
    *interval = 0;
    if (!clock)
        return FALSE;
    gdk_frame_clock_get_refresh_info(clock, *base, interval, NULL);
    if (*interval <= 0)
        *interval = G_USEC_PER_SEC / 60;
    return TRUE;
}

/* What superseding an update costs before the newest one runs: the running
 * one stops at its next layer boundary (us; a trace at 224, two ResNet18s:
 * 0.5 to 6 ms, longer while the frame's paint has a core). */
#define SUPERSEDE_DELAY_US 2000

/* A slider move while an update runs: supersede it (cancel it at its next
 * layer boundary; the newest one, queued behind, starts then) when the
 * newest would be on screen no later than the running one: both take what
 * the last update took and show at the first frame after they end. Else
 * the running one goes on and the newest waits behind it. An update made by
 * superseding is never superseded itself: a steady drag always gets
 * predictions, never only cancelled work (were the estimate off). */
static gboolean supersede_running(PpProbeView *self)
{
    gint64 since, base, interval;
    const ProbeJob *running = pp_latest_job_running(self->updates, &since);
    if (!running || running->superseding || !frame_phase(self, &base, &interval) || self->shown_compute_ms <= 0)
        return FALSE;
    const gint64 took = (gint64)(self->shown_compute_ms * 1000);
    return pp_frames_until(base, interval, since + took) >=
           pp_frames_until(base, interval, g_get_monotonic_time() + SUPERSEDE_DELAY_US + took);
}

/* The first stage of the running update: every column's corrupted image
 * and SNRs replace the shown ones; the predictions fade until theirs come. */
static void probe_partial(gpointer view, gpointer part)
{
    PpProbeView *self = view;
    ProbeStage *st = part;
    PpProbeResults *r = self->shown;
    /* a stage of another subject (image, models, corruption) or older than the one shown comes no more:
     * those of superseded updates still come (pp_latest_job_post_lasting) */
    gboolean fits = r && r->n_models == st->n && st->of.gen == self->subject_gen &&
                    !(st->of.gen == self->stage_gen && st->of.move < self->stage_applied);
    for (int m = 0; fits && m < st->n; m++) {
        const PpProbeModelResult *mr = &r->models[m];
        const StageColumn *c = &st->columns[m];
        fits = mr->entry == c->entry && mr->push_only == c->push_only && mr->channels == c->channels &&
               c->corrupted.pixels && mr->corrupted.width == c->corrupted.width &&
               mr->corrupted.height == c->corrupted.height && mr->corrupted.channels == c->corrupted.channels;
    }
    if (fits) { /* else (other columns) the full result follows */
        for (int m = 0; m < st->n; m++) {
            PpProbeModelResult *mr = &r->models[m];
            StageColumn *c = &st->columns[m];
            pp_image_free(&mr->corrupted);
            mr->corrupted = c->corrupted;
            memset(&c->corrupted, 0, sizeof c->corrupted);
            g_clear_pointer(&mr->shown[1], cairo_surface_destroy);
            mr->shown[1] = g_steal_pointer(&c->shown);
            if (mr->shown_side != c->side || mr->shown_scale != c->scale) /* the clean one comes with the result */
                g_clear_pointer(&mr->shown[0], cairo_surface_destroy);
            mr->shown_side = c->side;
            mr->shown_scale = c->scale;
            mr->snr_push = c->snr_push;
            mr->snr_output = c->snr_output;
            memcpy(mr->snr_push_channel, c->snr_push_channel, sizeof(double) * c->channels);
            memcpy(mr->snr_output_channel, c->snr_output_channel, sizeof(double) * c->channels);
            mr->predictions_stale = TRUE;
        }
        r->severity = st->of.severity;
        self->stage_applied = st->of.move;
        self->stage_gen = st->of.gen;
        self->log_stage = TRUE;
        self->stage_move = st->of.move;
        self->stage_move_time = st->of.move_time;
        redraw_stage(self);
    }
    pp_probe_stage_free(st);
}

/* The update for the controls as they are now (main thread), or NULL. */
static gpointer probe_make(gpointer view)
{
    PpProbeView *self = view;
    const char *path = current_image(self);
    const pp_corruption *c;
    const gboolean known = pp_probe_corruption_find(self->corruption, &c);
    /* the Stability tab follows the image and the seed (it computes when shown) */
    pp_stability_panel_set_seed(self->stability, (guint64)gtk_adjustment_get_value(self->seed_adjustment));
    pp_stability_panel_set_image(self->stability, path);
    if (!path || !known || self->entries->len == 0) {
        pp_probe_results_free(self->shown);
        self->shown = NULL;
        self->pending_since = 0;
        redraw(self);
        return NULL;
    }
    ProbeJob *job = g_new0(ProbeJob, 1);
    job->image_path = g_strdup(path);
    job->slots = pp_probe_slots_snapshot(self->entries, gtk_toggle_button_get_active(self->push_only_button));
    pp_true_label_for(&job->truth, path, chosen_truth(self));
    job->corruption = c;
    job->severity = gtk_adjustment_get_value(self->severity_adjustment);
    job->seed = (guint64)gtk_adjustment_get_value(self->seed_adjustment);
    job->channel = (int)gtk_adjustment_get_value(self->feature_adjustment);
    gint64 now = g_get_monotonic_time();
    job->queued = self->pending_since ? self->pending_since : now;
    job->move = self->move;
    job->serial = ++self->serial;
    job->gen = self->subject_gen;
    job->side = g_atomic_rc_box_acquire(self->side_request);
    job->superseding = self->superseding;
    job->move_time = self->move_time ? self->move_time : now;
    job->times.move = job->move_time;
    GtkWidget *area = GTK_WIDGET(self->images_area);
    job->area_w = gtk_widget_get_width(area) > 0 ? gtk_widget_get_width(area)
                                                 : gtk_drawing_area_get_content_width(self->images_area);
    job->area_h = gtk_widget_get_height(area) > 0 ? gtk_widget_get_height(area)
                                                  : gtk_drawing_area_get_content_height(self->images_area);
    job->scale = gtk_widget_get_scale_factor(area);
    job->feature_w = gtk_widget_get_width(GTK_WIDGET(self->feature_area));
    job->feature_h = gtk_widget_get_height(GTK_WIDGET(self->feature_area));
    self->pending_since = 0;
    return job;
}

static void cancel_sweep(PpProbeView *self, gboolean clear);
static void bench_record_move(PpProbeView *self);

/* A control changed. `subject`: the image, the models or the corruption
 * changed, so a running update is stale and is cancelled; a severity, seed or
 * channel change (a move) supersedes it as supersede_running says. */
static void request_update(PpProbeView *self, gboolean subject)
{
    if (self->syncing || !self->updates)
        return;
    if (subject)
        self->subject_gen++;
    if (!subject) {
        self->move++;
        self->move_time = g_get_monotonic_time();
        bench_record_move(self);
    }
    if (!gtk_widget_get_mapped(GTK_WIDGET(self))) {
        /* hidden (another view is shown): computed when it is shown, so that an
         * alpha drag in the spectra view does not run the probe on every frame */
        self->stale = TRUE;
        if (subject)
            cancel_sweep(self, TRUE);
        return;
    }
    if (!self->pending_since)
        self->pending_since = g_get_monotonic_time();
    if (subject && (self->sweep || pp_latest_job_is_wanted(self->sweeps)))
        self->resweep = TRUE; /* e.g. Push only toggled: the sweep follows */
    if (subject)
        cancel_sweep(self, TRUE);
    else if (self->sweep && self->sweep->n_models > 0) /* its severity marker (without a sweep: a caption
                                                         * that does not move); the other panels change when
                                                         * results come */
        gtk_widget_queue_draw(GTK_WIDGET(self->sweep_area));
    const gboolean supersede = !subject && supersede_running(self);
    /* a move that waits behind the running update: its image and SNRs at that one's next boundary */
    SideRequest *q = self->side_request;
    g_mutex_lock(&q->lock);
    q->wanted = !subject && !supersede && pp_latest_job_is_running(self->updates);
    q->gen = self->subject_gen;
    q->move = self->move;
    q->move_time = self->move_time;
    q->severity = gtk_adjustment_get_value(self->severity_adjustment);
    q->seed = (guint64)gtk_adjustment_get_value(self->seed_adjustment);
    if (!frame_phase(self, &q->frame_base, &q->frame_interval))
        q->frame_interval = 0; /* no ticks to pace by */
    g_mutex_unlock(&q->lock);
    self->superseding = supersede;
    pp_latest_job_request(self->updates, subject || supersede);
    self->superseding = FALSE;
}

/* ---- the sweep: every model, in the background, with its own probes ---- */
/* Latest wins as the slider's updates (pp-latest-job.h): a sweep asked for
 * while one runs supersedes it; its subject changing cancels it. */

typedef struct {
    char *image_path;
    GPtrArray *slots; /* ProbeSlot */
    TrueLabel truth;
    const pp_corruption *corruption;
    guint64 seed;
    PpProbeSweeps *sweeps;
} SweepJob;

static void sweep_job_free(gpointer data)
{
    SweepJob *job = data;
    g_free(job->image_path);
    g_ptr_array_unref(job->slots);
    pp_true_label_clear(&job->truth);
    pp_probe_sweeps_free(job->sweeps);
    g_free(job);
}

/* The sweep for the controls as they are now (main thread), or NULL. */
static gpointer sweep_make(gpointer view)
{
    PpProbeView *self = view;
    const char *path = current_image(self);
    const pp_corruption *c;
    if (!path || !pp_probe_corruption_find(self->corruption, &c) || self->entries->len == 0)
        return NULL;
    SweepJob *job = g_new0(SweepJob, 1);
    job->image_path = g_strdup(path);
    job->slots = pp_probe_slots_snapshot(self->entries, gtk_toggle_button_get_active(self->push_only_button));
    pp_true_label_for(&job->truth, path, chosen_truth(self));
    job->corruption = c;
    job->seed = (guint64)gtk_adjustment_get_value(self->seed_adjustment);
    return job;
}

static gboolean sweep_run(PpLatestRun *run, gpointer data, GCancellable *cancellable, GError **error)
{
    (void)run;
    SweepJob *job = data;
    gint64 t0 = g_get_monotonic_time();
    ProbeCache *cache = pp_probe_cache_new(job->image_path, job->slots, error);
    if (!cache)
        return FALSE;
    PpProbeSweeps *s = g_new0(PpProbeSweeps, 1);
    job->sweeps = s;
    s->corruption = g_strdup(pp_probe_corruption_name(job->corruption));
    s->entries = g_new0(PpModelEntry *, job->slots->len);
    s->labels = g_new0(char *, job->slots->len);
    s->true_known = g_new0(gboolean, job->slots->len);
    s->sweeps = g_new0(pp_probe_sweep, job->slots->len);
    pp_corruption_request base = {.seed = job->seed, .cancel = pp_probe_is_cancelled, .cancel_ctx = cancellable};
    for (guint m = 0; m < job->slots->len; m++) {
        pp_error err = {0};
        pp_probe_set_threads(&cache->probes[m], pp_thread_budget_interactive());
        const ProbeSlot *slot = job->slots->pdata[m];
        const char *source;
        cache->probes[m].true_class = pp_true_class_of(&job->truth, cache->probes[m].model, &source);
        s->true_known[m] = cache->probes[m].true_class >= 0;
        if (pp_probe_sweep_run(&cache->probes[m], job->corruption, &base, SWEEP_STEPS, &s->sweeps[m], pp_probe_is_cancelled,
                               cancellable, &err) != PP_OK) {
            pp_probe_cache_free(cache);
            return pp_probe_fail_or_cancel(cancellable, &err, error, NULL);
        }
        s->entries[m] = g_object_ref(slot->entry);
        s->labels[m] = g_strdup(slot->label);
        s->n_models = (int)m + 1;
    }
    pp_probe_cache_free(cache);
    s->compute_ms = (g_get_monotonic_time() - t0) / 1000.0;
    return TRUE;
}

static void sync_sweep_button(PpProbeView *self)
{
    gtk_button_set_label(self->sweep_button, pp_latest_job_is_wanted(self->sweeps) ? "Cancel Sweep" : "Sweep");
}

static void sweep_done(gpointer view, gpointer data, gboolean latest, const GError *error)
{
    PpProbeView *self = view;
    SweepJob *job = data;
    if (latest) {
        pp_probe_sweeps_free(self->sweep);
        self->sweep = g_steal_pointer(&job->sweeps);
        if (frame_log()) /* once the view has it (a test waits for this line) */
            g_printerr("probe sweep: %d models × %d severities in %.1f ms\n", self->sweep->n_models,
                       SWEEP_STEPS + 1, self->sweep->compute_ms);
    } else {
        report_failure(self, error, "Sweep failed");
    }
    sync_sweep_button(self);
    gtk_widget_queue_draw(GTK_WIDGET(self->sweep_area));
}

/* Cancels a sweep on its way (and drops the shown one when `clear`). */
static void cancel_sweep(PpProbeView *self, gboolean clear)
{
    pp_latest_job_cancel(self->sweeps);
    if (clear)
        g_clear_pointer(&self->sweep, pp_probe_sweeps_free);
    if (!self->disposed) {
        sync_sweep_button(self);
        gtk_widget_queue_draw(GTK_WIDGET(self->sweep_area));
    }
}

void pp_probe_view_start_sweep(PpProbeView *self)
{
    pp_latest_job_request(self->sweeps, TRUE);
    sync_sweep_button(self);
    gtk_widget_queue_draw(GTK_WIDGET(self->sweep_area));
}

/* ---- drawing ---- */

/* What --bench-frames collects: per move of the drag whether its image and
 * SNRs (1) or its predictions (2) reached the screen, and the times. */
struct ProbeBench {
    guint first_move;
    GByteArray *shown;               /* per move since first_move: 1 | 2 */
    GArray *full_ms, *stage_ms;      /* move -> its predictions / its first stage on screen */
    GArray *queued_ms;               /* the oldest unserved move -> predictions on screen */
    GArray *forward_ms;              /* the forward passes alone of each shown update */
    /* the breakdown of the same updates: move -> start in the worker, the
     * corruption, start -> first stage posted, stage -> end, end -> paint */
    GArray *wait_ms, *corrupt_ms, *stage_work_ms, *rest_ms, *paint_ms;
    /* and finer: the worker's time besides the forwards and the corruption, end -> main thread,
     * main thread -> paint; the main thread's CPU time in the panels' draws, per frame that drew them */
    GArray *other_ms, *deliver_ms, *frame_ms, *draw_cpu_ms;
};

static void bench_free(struct ProbeBench *b)
{
    if (!b)
        return;
    g_byte_array_unref(b->shown);
    g_array_unref(b->full_ms);
    g_array_unref(b->stage_ms);
    g_array_unref(b->queued_ms);
    g_array_unref(b->forward_ms);
    g_array_unref(b->wait_ms);
    g_array_unref(b->corrupt_ms);
    g_array_unref(b->stage_work_ms);
    g_array_unref(b->rest_ms);
    g_array_unref(b->paint_ms);
    g_array_unref(b->other_ms);
    g_array_unref(b->deliver_ms);
    g_array_unref(b->frame_ms);
    g_array_unref(b->draw_cpu_ms);
    g_free(b);
}

static void bench_record_move(PpProbeView *self)
{
    if (self->bench) {
        guint8 zero = 0;
        g_byte_array_append(self->bench->shown, &zero, 1);
    }
}

static void bench_mark(PpProbeView *self, guint move, guint8 what)
{
    struct ProbeBench *b = self->bench;
    if (b && move >= b->first_move && move - b->first_move < b->shown->len)
        b->shown->data[move - b->first_move] |= what;
}

static gboolean bench_counts(PpProbeView *self, guint move)
{
    return self->bench && move >= self->bench->first_move;
}

/* Called by the paints: an update is on screen. */
static void log_stage(PpProbeView *self)
{
    if (!self->log_stage)
        return;
    self->log_stage = FALSE;
    double ms = (g_get_monotonic_time() - self->stage_move_time) / 1000.0;
    if (bench_counts(self, self->stage_move)) {
        g_array_append_val(self->bench->stage_ms, ms);
        bench_mark(self, self->stage_move, 1);
    }
}

static void log_latency(PpProbeView *self)
{
    if (!self->log_full)
        return;
    self->log_full = FALSE;
    gint64 now = g_get_monotonic_time();
    double ms = (now - self->full_move_time) / 1000.0, queued = (now - self->full_queued) / 1000.0;
    if (bench_counts(self, self->full_move)) {
        g_array_append_val(self->bench->full_ms, ms);
        g_array_append_val(self->bench->queued_ms, queued);
        const UpdateTimes *t = &self->full_times;
        double part[] = {(t->started - t->move) / 1000.0, t->corrupt_ms, (t->staged - t->started) / 1000.0,
                         (t->finished - t->staged) / 1000.0, (now - t->finished) / 1000.0};
        GArray *into[] = {self->bench->wait_ms, self->bench->corrupt_ms, self->bench->stage_work_ms,
                          self->bench->rest_ms, self->bench->paint_ms};
        for (size_t i = 0; i < G_N_ELEMENTS(into); i++)
            g_array_append_val(into[i], part[i]);
        double finer[] = {(t->finished - t->started) / 1000.0 - t->forward_ms - t->corrupt_ms,
                          (t->delivered - t->finished) / 1000.0, (now - t->delivered) / 1000.0};
        GArray *finer_into[] = {self->bench->other_ms, self->bench->deliver_ms, self->bench->frame_ms};
        for (size_t i = 0; i < G_N_ELEMENTS(finer_into); i++)
            g_array_append_val(finer_into[i], finer[i]);
        g_array_append_val(self->bench->forward_ms, t->forward_ms);
        bench_mark(self, self->full_move, 3);
    }
    if (frame_log() && self->shown)
        g_printerr("probe update: severity %.2f, %d models: %.1f ms from the move to the panels (compute %.1f ms, "
                   "forward passes %.1f ms)\n",
                   self->shown->severity, self->shown->n_models, ms, self->shown_compute_ms, self->full_times.forward_ms);
}

static gint64 thread_cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (gint64)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* While benchmarking: the main thread's CPU time in the panels' draws, summed
 * per frame; a frame that put predictions on screen counts (log_latency). */
static void draw_account(PpProbeView *self, GtkWidget *area, gint64 cpu0)
{
    if (!self->bench)
        return;
    GdkFrameClock *clock = gtk_widget_get_frame_clock(area);
    gint64 frame = clock ? gdk_frame_clock_get_frame_counter(clock) : 0;
    if (frame != self->draw_frame) {
        if (self->draw_frame_counts)
            g_array_append_val(self->bench->draw_cpu_ms, self->draw_frame_ms);
        self->draw_frame = frame;
        self->draw_frame_ms = 0;
        self->draw_frame_counts = FALSE;
    }
    self->draw_frame_ms += (thread_cpu_us() - cpu0) / 1000.0;
}

static void draw_images(GtkDrawingArea *a, cairo_t *cr, int w, int h, gpointer data)
{
    PpProbeView *self = data;
    gint64 cpu0 = self->bench ? thread_cpu_us() : 0;
    double need = pp_probe_draw_images(GTK_WIDGET(a), cr, w, h, self->shown, self->empty_text);
    pp_layout_set_drawn_height(GTK_WIDGET(a), need);
    draw_account(self, GTK_WIDGET(a), cpu0);
    log_stage(self);
}

static void draw_predictions(GtkDrawingArea *a, cairo_t *cr, int w, int h, gpointer data)
{
    PpProbeView *self = data;
    gint64 cpu0 = self->bench ? thread_cpu_us() : 0;
    pp_probe_draw_predictions(GTK_WIDGET(a), cr, w, h, self->shown);
    draw_account(self, GTK_WIDGET(a), cpu0);
    self->draw_frame_counts |= self->log_full && bench_counts(self, self->full_move);
    log_latency(self); /* the last panel to paint in a frame: the update is on screen */
    pp_latest_job_drawn(self->updates);
}

static void draw_snr(GtkDrawingArea *a, cairo_t *cr, int w, int h, gpointer data)
{
    PpProbeView *self = data;
    gint64 cpu0 = self->bench ? thread_cpu_us() : 0;
    pp_layout_set_drawn_height(GTK_WIDGET(a), pp_probe_draw_snr(GTK_WIDGET(a), cr, w, h, self->shown));
    draw_account(self, GTK_WIDGET(a), cpu0);
}

static void draw_sweep(GtkDrawingArea *a, cairo_t *cr, int w, int h, gpointer data)
{
    PpProbeView *self = data;
    gint64 cpu0 = self->bench ? thread_cpu_us() : 0;
    pp_probe_draw_sweep(GTK_WIDGET(a), cr, w, h, self->sweep, gtk_adjustment_get_value(self->severity_adjustment),
                        pp_latest_job_is_wanted(self->sweeps));
    draw_account(self, GTK_WIDGET(a), cpu0);
    pp_latest_job_drawn(self->sweeps);
}

static int shown_feature_model(PpProbeView *self)
{
    const PpProbeResults *r = self->shown;
    if (!r)
        return -1;
    int fallback = -1;
    for (int i = 0; i < r->n_models; i++) {
        if (r->models[i].entry == self->selected)
            return i;
        if (fallback < 0 && r->models[i].push_pull)
            fallback = i;
    }
    return fallback >= 0 ? fallback : 0;
}

static void draw_features(GtkDrawingArea *a, cairo_t *cr, int w, int h, gpointer data)
{
    PpProbeView *self = data;
    pp_probe_draw_features(GTK_WIDGET(a), cr, w, h, self->shown, shown_feature_model(self));
}

/* The exported figure is laid out for its own width, not the window's: the
 * images and the predictions side by side, the SNR below, then the sweep (or
 * the feature maps) across the page; each panel at least as tall as on screen. */
static void figure_heights(PpProbeView *self, int *top, int *snr, int *plots)
{
    *top = MAX(MAX(gtk_widget_get_height(GTK_WIDGET(self->images_area)), 240),
               gtk_widget_get_height(GTK_WIDGET(self->predictions_area)));
    *snr = MAX(gtk_widget_get_height(GTK_WIDGET(self->snr_area)), 150);
    *plots = MAX(gtk_widget_get_height(GTK_WIDGET(self->sweep_area)), 300);
}

int pp_probe_view_figure_height(PpProbeView *self)
{
    int top, snr, plots;
    figure_heights(self, &top, &snr, &plots);
    return top + snr + plots + 24;
}

void pp_probe_view_draw(GtkWidget *widget, cairo_t *cr, int width, int height)
{
    PpProbeView *self = PP_PROBE_VIEW(widget);
    int top, snr, plots;
    figure_heights(self, &top, &snr, &plots);
    plots = MAX(height - top - snr - 24, 120);
    const int left_w = MIN(440, width * 2 / 5), gap = 18;
    cairo_save(cr);
    pp_probe_draw_images(GTK_WIDGET(self->images_area), cr, left_w, top, self->shown, self->empty_text);
    cairo_translate(cr, left_w + gap, 0);
    pp_probe_draw_predictions(GTK_WIDGET(self->predictions_area), cr, width - left_w - gap, top, self->shown);
    cairo_restore(cr);
    cairo_save(cr);
    cairo_translate(cr, 0, top + 12);
    pp_probe_draw_snr(GTK_WIDGET(self->snr_area), cr, width, snr, self->shown);
    cairo_translate(cr, 0, snr + 12);
    if (gtk_notebook_get_current_page(self->plots_notebook) == 1)
        pp_probe_draw_features(GTK_WIDGET(self->feature_area), cr, width, plots, self->shown,
                               shown_feature_model(self));
    else
        pp_probe_draw_sweep(GTK_WIDGET(self->sweep_area), cr, width, plots, self->sweep,
                            gtk_adjustment_get_value(self->severity_adjustment), FALSE);
    cairo_restore(cr);
}

char *pp_probe_view_to_csv(PpProbeView *self)
{
    GString *s = g_string_new("model,corruption,severity,seed,rank,class,probability,clean_top1,snr_push_db,"
                              "snr_output_db,variant,input,true_class,true_class_probability\n");
    const PpProbeResults *r = self->shown;
    for (int m = 0; r && m < r->n_models; m++) {
        const PpProbeModelResult *mr = &r->models[m];
        const pp_model *model = pp_model_entry_get_model(mr->entry);
        char push[32], output[32]; /* an SNR is inf for an unchanged image: nan/inf/-inf, never -nan */
        pp_csv_number(push, sizeof push, mr->snr_push, 3);
        pp_csv_number(output, sizeof output, mr->snr_output, 3);
        char truth[32] = ""; /* the true class's probability, empty when the label is unknown */
        if (mr->true_known)
            snprintf(truth, sizeof truth, "%.6f", mr->true_prob);
        for (int k = 0; k < PP_PROBE_TOPK && mr->top_class[k] >= 0; k++)
            g_string_append_printf(s, "%s,%s,%.3f,%" G_GUINT64_FORMAT ",%d,%s,%.6f,%s,%s,%s,%s,%dx%dx%d,%s,%s\n",
                                   pp_model_entry_get_title(mr->entry), r->corruption, r->severity, r->seed, k + 1,
                                   pp_model_class_name(model, mr->top_class[k]), mr->top_prob[k],
                                   pp_model_class_name(model, mr->clean_top1), push, output,
                                   mr->push_only                                       ? "push_only"
                                   : pp_model_entry_view_is_learned(mr->entry) ? "learned"
                                                                                       : "override",
                                   mr->clean.width, mr->clean.height, mr->clean.channels,
                                   mr->true_known ? pp_model_class_name(model, mr->true_class) : "", truth);
    }
    /* the severity sweep, when one has been computed: a second table after a blank line */
    const PpProbeSweeps *sw = self->sweep;
    if (sw && sw->n_models > 0) {
        g_string_append(s, "\nsweep_model,corruption,seed,severity,snr_push_db,snr_output_db,true_class_probability,"
                           "top1,flip\n");
        guint64 seed = (guint64)gtk_adjustment_get_value(self->seed_adjustment);
        for (int m = 0; m < sw->n_models; m++) {
            const pp_probe_sweep *p = &sw->sweeps[m];
            const pp_model *model = pp_model_entry_get_model(sw->entries[m]);
            for (int k = 0; k <= p->steps && k < 64; k++) {
                char push[32], output[32];
                g_string_append_printf(s, "%s,%s,%" G_GUINT64_FORMAT ",%.3f,%s,%s,%.6f,%s,%d\n",
                                       pp_model_entry_get_title(sw->entries[m]), sw->corruption, seed, p->severity[k],
                                       pp_csv_number(push, sizeof push, p->snr_push[k], 3),
                                       pp_csv_number(output, sizeof output, p->snr_output[k], 3),
                                       (double)p->true_prob[k], pp_model_class_name(model, p->top1[k]),
                                       p->flip[k] ? 1 : 0);
            }
        }
    }
    return g_string_free(s, FALSE);
}

/* ---- controls ---- */

static char *corruption_label(const pp_corruption *c)
{
    if (!c)
        return g_strdup("None (clean)");
    char *label = g_strdup(c->name);
    for (char *p = label; *p; p++)
        if (*p == '_')
            *p = ' ';
    label[0] = g_ascii_toupper(label[0]);
    return label;
}

static void build_corruption_menu(PpProbeView *self)
{
    GMenu *menu = g_menu_new();
    static const char *titles[] = {"Noise", "Blur", "Weather", "Digital"};
    GMenuItem *none = g_menu_item_new("None (the clean image)", NULL);
    g_menu_item_set_action_and_target_value(none, "probe.corruption", g_variant_new_string(PP_PROBE_NO_CORRUPTION));
    g_menu_append_item(menu, none);
    g_object_unref(none);
    for (int fam = PP_FAMILY_NOISE; fam <= PP_FAMILY_DIGITAL + 1; fam++) {
        GMenu *section = g_menu_new();
        for (size_t i = 0; i < pp_corruption_count(); i++) {
            const pp_corruption *c = pp_corruption_at(i);
            gboolean bench = i < PP_CORRUPTION_BENCHMARK_COUNT;
            if (fam <= PP_FAMILY_DIGITAL ? !(bench && (int)c->family == fam) : bench)
                continue;
            char *label = corruption_label(c);
            if (!bench) {
                char *l2 = g_strdup_printf("%s (%s)", label, pp_corruption_family_name(c->family));
                g_free(label);
                label = l2;
            }
            GMenuItem *item = g_menu_item_new(label, NULL);
            g_menu_item_set_action_and_target_value(item, "probe.corruption", g_variant_new_string(c->name));
            g_menu_append_item(section, item);
            g_object_unref(item);
            g_free(label);
        }
        g_menu_append_section(menu, fam <= PP_FAMILY_DIGITAL ? titles[fam] : "Extras", G_MENU_MODEL(section));
        g_object_unref(section);
    }
    gtk_menu_button_set_menu_model(self->corruption_button, G_MENU_MODEL(menu));
    g_object_unref(menu);
}

gboolean pp_probe_view_set_corruption(PpProbeView *self, const char *name)
{
    const pp_corruption *c;
    if (!pp_probe_corruption_find(name, &c))
        return FALSE;
    if (g_strcmp0(self->corruption, pp_probe_corruption_name(c)) == 0)
        return TRUE;
    g_free(self->corruption);
    self->corruption = g_strdup(pp_probe_corruption_name(c));
    char *label = corruption_label(c);
    gtk_menu_button_set_label(self->corruption_button, label);
    g_free(label);
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_CORRUPTION]);
    request_update(self, TRUE);
    return TRUE;
}

void pp_probe_view_set_severity(PpProbeView *self, double severity)
{
    gtk_adjustment_set_value(self->severity_adjustment, CLAMP(severity, 0, PP_CORRUPTION_MAX_SEVERITY));
}

void pp_probe_view_set_seed(PpProbeView *self, guint64 seed)
{
    gtk_adjustment_set_value(self->seed_adjustment, (double)MIN(seed, 99999));
}

static void on_severity_changed(GtkAdjustment *adj, PpProbeView *self)
{
    (void)adj;
    request_update(self, FALSE);
}

static void on_seed_changed(GtkAdjustment *adj, PpProbeView *self)
{
    (void)adj;
    cancel_sweep(self, TRUE);
    request_update(self, FALSE);
}

static void on_image_selected(GtkDropDown *dd, GParamSpec *pspec, PpProbeView *self)
{
    (void)dd;
    (void)pspec;
    request_update(self, TRUE);
}

void pp_probe_view_set_image_file(PpProbeView *self, const char *path)
{
    for (guint i = 0; i < self->image_paths->len; i++)
        if (g_strcmp0(self->image_paths->pdata[i], path) == 0) {
            gtk_drop_down_set_selected(self->image_dropdown, i);
            return;
        }
    char *name = g_path_get_basename(path);
    g_ptr_array_add(self->image_paths, g_strdup(path));
    gtk_string_list_append(self->image_names, name);
    g_free(name);
    gtk_drop_down_set_selected(self->image_dropdown, self->image_paths->len - 1);
}

void pp_probe_view_set_selected_entry(PpProbeView *self, PpModelEntry *entry)
{
    if (self->disposed || !g_set_object(&self->selected, entry))
        return;
    sync_channel_range(self);
    gtk_widget_queue_draw(GTK_WIDGET(self->feature_area));
}

void pp_probe_view_set_feature_channel(PpProbeView *self, int channel)
{
    gtk_notebook_set_current_page(self->plots_notebook, 1);
    sync_channel_range(self);
    gtk_adjustment_set_value(self->feature_adjustment, MAX(channel, 0));
}

static void on_feature_channel_changed(GtkAdjustment *adj, PpProbeView *self)
{
    (void)adj;
    request_update(self, FALSE);
}

static void on_map(GtkWidget *widget, PpProbeView *self)
{
    (void)widget;
    if (self->stale) {
        self->stale = FALSE;
        request_update(self, TRUE);
    }
}

static void on_page_switched(GtkNotebook *nb, GtkWidget *page, guint n, PpProbeView *self)
{
    (void)nb;
    (void)page;
    gtk_widget_set_visible(self->feature_controls, n == 1);
}

/* The alpha knob or the pooling switch of a model moved: the probe computes with them. */
static void on_entry_view_changed(PpModelEntry *entry, PpProbeView *self)
{
    (void)entry;
    request_update(self, TRUE);
}

/* The "True class" list: from the name, then the class names of the loaded
 * models (each once, in model order); the chosen name is kept when it still exists. */
static void sync_truth_names(PpProbeView *self)
{
    char *keep = g_strdup(chosen_truth(self));
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    GPtrArray *names = g_ptr_array_new();
    g_ptr_array_add(names, (gpointer) "Auto (file or folder name)");
    guint select = 0;
    for (guint i = 0; i < self->entries->len; i++) {
        const pp_model *m = pp_model_entry_get_model(self->entries->pdata[i]);
        for (int k = 0; k < m->arch.num_classes; k++) {
            const char *n = pp_model_class_name(m, k);
            if (g_hash_table_contains(seen, n))
                continue;
            g_hash_table_add(seen, (gpointer)n);
            if (keep && strcmp(keep, n) == 0)
                select = names->len;
            g_ptr_array_add(names, (gpointer)n);
        }
    }
    g_ptr_array_add(names, NULL);
    gboolean was = self->syncing;
    self->syncing = TRUE;
    guint old = g_list_model_get_n_items(G_LIST_MODEL(self->truth_names));
    gtk_string_list_splice(self->truth_names, 0, old, (const char *const *)names->pdata);
    gtk_drop_down_set_selected(self->truth_dropdown, select);
    self->syncing = was;
    g_ptr_array_unref(names);
    g_hash_table_unref(seen);
    g_free(keep);
}

static void on_truth_selected(GtkDropDown *dd, GParamSpec *pspec, PpProbeView *self)
{
    (void)dd;
    (void)pspec;
    request_update(self, TRUE);
}

static void on_push_only_toggled(GtkToggleButton *button, PpProbeView *self)
{
    (void)button;
    request_update(self, TRUE);
}

void pp_probe_view_set_push_only(PpProbeView *self, gboolean on)
{
    gtk_toggle_button_set_active(self->push_only_button, on);
}

void pp_probe_view_set_true_class(PpProbeView *self, const char *name)
{
    guint n = g_list_model_get_n_items(G_LIST_MODEL(self->truth_names));
    for (guint i = 1; name && i < n; i++)
        if (pp_class_name_matches(gtk_string_list_get_string(self->truth_names, i), name)) {
            gtk_drop_down_set_selected(self->truth_dropdown, i);
            return;
        }
    gtk_drop_down_set_selected(self->truth_dropdown, 0);
}

void pp_probe_view_set_entries(PpProbeView *self, GPtrArray *entries)
{
    gboolean same = entries->len == self->entries->len;
    for (guint i = 0; same && i < entries->len; i++)
        same = entries->pdata[i] == self->entries->pdata[i];
    if (same)
        return;
    for (guint i = 0; i < self->entries->len; i++)
        g_signal_handlers_disconnect_by_data(self->entries->pdata[i], self);
    g_ptr_array_unref(self->entries);
    self->entries = entries_copy(entries);
    for (guint i = 0; i < self->entries->len; i++)
        g_signal_connect(self->entries->pdata[i], "view-changed", G_CALLBACK(on_entry_view_changed), self);
    sync_truth_names(self);
    pp_stability_panel_set_entries(self->stability, self->entries);
    self->syncing = TRUE; /* a clamped channel is served by the update below */
    sync_channel_range(self);
    self->syncing = FALSE;
    request_update(self, TRUE);
}

/* The bundled samples: the Fashion-MNIST test images first, then the drawings
 * made for the app (drawing-*), each by name. */
static int sample_order(const char *a, const char *b)
{
    gboolean da = g_str_has_prefix(a, "drawing-"), db = g_str_has_prefix(b, "drawing-");
    return da != db ? (da ? 1 : -1) : strcmp(a, b);
}

static void add_samples(PpProbeView *self)
{
    char *dir = pp_studio_find_data("assets/images");
    GDir *d = dir ? g_dir_open(dir, 0, NULL) : NULL;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    for (const char *n; d && (n = g_dir_read_name(d));)
        if (g_str_has_suffix(n, ".png") || g_str_has_suffix(n, ".jpg"))
            g_ptr_array_add(names, g_strdup(n));
    for (guint i = 0; i < names->len; i++)
        for (guint j = i + 1; j < names->len; j++)
            if (sample_order(names->pdata[i], names->pdata[j]) > 0) {
                gpointer t = names->pdata[i];
                names->pdata[i] = names->pdata[j];
                names->pdata[j] = t;
            }
    self->syncing = TRUE;
    for (guint i = 0; i < names->len; i++) {
        g_ptr_array_add(self->image_paths, g_build_filename(dir, names->pdata[i], NULL));
        gtk_string_list_append(self->image_names, names->pdata[i]);
    }
    self->syncing = FALSE;
    g_ptr_array_unref(names);
    if (d)
        g_dir_close(d);
    g_free(dir);
}

/* ---- file dialog and drag and drop ---- */

static gboolean is_image_name(const char *name)
{
    static const char *ext[] = {".png", ".jpg", ".jpeg", ".PNG", ".JPG", ".JPEG"};
    for (size_t i = 0; i < G_N_ELEMENTS(ext); i++)
        if (g_str_has_suffix(name, ext[i]))
            return TRUE;
    return FALSE;
}

static void on_image_chosen(GtkWidget *widget, const char *path)
{
    pp_probe_view_set_image_file(PP_PROBE_VIEW(widget), path);
}

static void action_open_image(GtkWidget *widget, const char *name, GVariant *param)
{
    (void)name;
    (void)param;
    pp_image_chooser_open(widget, "Open Image", &PP_PROBE_VIEW(widget)->dialog, on_image_chosen);
}

/* ---- paste: a picture from the clipboard, saved as a PNG in the cache ---- */

static void on_texture_read(GObject *source, GAsyncResult *result, gpointer user_data)
{
    PpProbeView *self = user_data; /* a reference held while reading */
    GError *error = NULL;
    GdkTexture *texture = gdk_clipboard_read_texture_finish(GDK_CLIPBOARD(source), result, &error);
    if (self->disposed) {
        g_clear_object(&texture);
    } else if (!texture) {
        char *msg = g_strdup_printf("The clipboard holds no image to probe (%s)", error ? error->message : "?");
        probe_error(self, msg);
        g_free(msg);
    } else {
        pp_image img;
        pp_error err = {0};
        char *dir = g_build_filename(g_get_user_cache_dir(), "pushpull-studio", NULL);
        char *path = NULL;
        if (pp_image_from_texture(texture, &img, &err) == PP_OK) {
            static int n;
            char name[48];
            snprintf(name, sizeof name, "pasted-%lld-%d.png", (long long)(g_get_real_time() / 1000000), ++n);
            path = g_build_filename(dir, name, NULL);
            if (g_mkdir_with_parents(dir, 0700) != 0 || pp_image_save_png(path, &img, &err) != PP_OK) {
                if (!err.msg[0])
                    snprintf(err.msg, sizeof err.msg, "cannot create %s", dir);
                g_clear_pointer(&path, g_free);
            }
            pp_image_free(&img);
        }
        if (path) {
            pp_probe_view_set_image_file(self, path);
        } else {
            char *msg = g_strdup_printf("Could not paste the image: %s", err.msg);
            probe_error(self, msg);
            g_free(msg);
        }
        g_free(path);
        g_free(dir);
        g_object_unref(texture);
    }
    g_clear_error(&error);
    self->pasting--;
    g_object_unref(self);
}

static void action_paste(GtkWidget *widget, const char *name, GVariant *param)
{
    (void)name;
    (void)param;
    GdkClipboard *cb = gtk_widget_get_clipboard(widget);
    PP_PROBE_VIEW(widget)->pasting++;
    gdk_clipboard_read_texture_async(cb, NULL, on_texture_read, g_object_ref(widget));
}

static void action_sweep(GtkWidget *widget, const char *name, GVariant *param)
{
    (void)name;
    (void)param;
    PpProbeView *self = PP_PROBE_VIEW(widget);
    if (pp_latest_job_is_wanted(self->sweeps))
        cancel_sweep(self, FALSE);
    else
        pp_probe_view_start_sweep(self);
}

static gboolean on_drop(GtkDropTarget *target, const GValue *value, double x, double y, PpProbeView *self)
{
    (void)target;
    (void)x;
    (void)y;
    if (!G_VALUE_HOLDS(value, GDK_TYPE_FILE_LIST))
        return FALSE;
    GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
    for (GSList *l = g_value_get_boxed(value); l; l = l->next) {
        char *path = g_file_get_path(l->data);
        if (path && is_image_name(path))
            pp_probe_view_set_image_file(self, path);
        else if (PP_IS_WINDOW(root)) /* a checkpoint dropped here opens as a model */
            pp_window_open_file(PP_WINDOW(root), l->data);
        g_free(path);
    }
    return TRUE;
}

/* ---- busy state, printing, benchmark ---- */

/* Shown, or about to be: the view and every ancestor is visible and not a
 * hidden page of a stack (the window may not be mapped yet). */
static gboolean about_to_show(GtkWidget *w)
{
    for (; w; w = gtk_widget_get_parent(w))
        if (!gtk_widget_get_visible(w) || !gtk_widget_get_child_visible(w))
            return FALSE;
    return TRUE;
}

gboolean pp_probe_view_is_busy(PpProbeView *self)
{
    /* a change that waits for the map counts while the map is coming (a
     * screenshot right after the loads must not catch the view before it ran) */
    return pp_latest_job_is_busy(self->updates) || pp_latest_job_is_busy(self->sweeps) || self->pasting > 0 ||
           (self->stale && about_to_show(GTK_WIDGET(self))) || pp_stability_panel_is_busy(self->stability);
}

gboolean pp_probe_view_show_stability(PpProbeView *self, const char *perturbation)
{
    gtk_notebook_set_current_page(self->plots_notebook,
                                  gtk_notebook_page_num(self->plots_notebook, GTK_WIDGET(self->stability)));
    return !perturbation || pp_stability_panel_set_perturbation(self->stability, perturbation);
}

PpStabilityPanel *pp_probe_view_get_stability(PpProbeView *self)
{
    return self->stability;
}

void pp_probe_view_print(PpProbeView *self, FILE *out)
{
    pp_stability_panel_print(self->stability, out);
    const PpProbeResults *r = self->shown;
    if (!r) {
        fprintf(out, "probe: no result\n");
        return;
    }
    for (int m = 0; m < r->n_models; m++) {
        const PpProbeModelResult *mr = &r->models[m];
        const pp_model *model = pp_model_entry_get_model(mr->entry);
        fprintf(out,
                "probe %s%s: %s %.3f top1 %s %.4f clean_top1 %s snr_push %.3f snr_output %.3f input %dx%dx%d "
                "true %s %s %.4f view %s\n",
                pp_model_entry_get_title(mr->entry), mr->push_only ? " (push only)" : "", r->corruption, r->severity,
                pp_model_class_name(model, mr->top_class[0]), mr->top_prob[0],
                pp_model_class_name(model, mr->clean_top1), mr->snr_push, mr->snr_output, mr->clean.width,
                mr->clean.height, mr->clean.channels, mr->true_known ? mr->true_source : "unknown",
                pp_model_class_name(model, mr->true_class), mr->true_prob, mr->view_note);
    }
    fflush(out);
}

typedef struct {
    PpProbeView *self;
    int frames, done_frames;
    gint64 cpu0, wall0; /* the main thread's CPU time and the clock when the drag started (us) */
    gint64 last_tick;   /* the frame time of the drag's last move (us) */
    GArray *frame_ms;   /* the frame clock's intervals between moves */
    GCallback done;
    gpointer data;
    guint idle;
} Bench;

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The q-quantile of v (sorted in place); NAN when empty. */
static double quantile(GArray *v, double q)
{
    if (!v->len)
        return NAN;
    qsort(v->data, v->len, sizeof(double), compare_doubles);
    return g_array_index(v, double, (guint)lround(q * (v->len - 1)));
}

static gboolean bench_finish(gpointer user_data)
{
    Bench *b = user_data;
    PpProbeView *self = b->self;
    if (pp_probe_view_is_busy(self) || self->log_full || self->log_stage)
        return G_SOURCE_CONTINUE; /* the last request is still on its way */
    struct ProbeBench *pb = self->bench;
    self->bench = NULL;
    struct timespec cpu_ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu_ts);
    const double main_cpu = ((gint64)cpu_ts.tv_sec * 1000000 + cpu_ts.tv_nsec / 1000 - b->cpu0) / 1000.0,
                 drag_wall = (g_get_monotonic_time() - b->wall0) / 1000.0;
    guint got = 0, predicted = 0, longest_gap = 0, gap = 0;
    for (guint i = 0; i < pb->shown->len; i++) {
        got += pb->shown->data[i] != 0;
        predicted += (pb->shown->data[i] & 2) != 0;
        gap = pb->shown->data[i] ? 0 : gap + 1;
        longest_gap = MAX(longest_gap, gap);
    }
    const double full = quantile(pb->full_ms, 0.5), forward = quantile(pb->forward_ms, 0.5),
                 frame = quantile(b->frame_ms, 0.5);
    if (pb->full_ms->len)
        printf("severity sweep: %d slider moves, %u panel updates (%u moves got the image and first-layer SNR, %u "
               "the predictions too; at most %u moves in a row without); slider to panels: median %.1f ms "
               "(%.2f frames of the frame clock's %.1f ms), p90 %.1f ms, max %.1f ms; image and SNR: median %.1f "
               "ms; the %d models' forward passes alone: median "
               "%.1f ms; ratio %.2f (target at most 1.3; the frame clock's floor %.2f: the forwards rounded up to whole "
               "frames); from the oldest unserved move: median %.1f ms; last "
               "compute %.1f ms; where it went (medians): move to start %.1f ms, corruption %.1f ms, start to first "
               "stage %.1f ms, first stage to end %.1f ms, end to paint %.1f ms (end to main thread %.1f ms, main "
               "thread to paint %.1f ms; the panels' draws %.1f ms of main-thread CPU per frame); the worker's time "
               "besides the forwards and the corruption %.1f ms\n",
               b->frames, got, got, predicted, longest_gap, full, full / frame, frame, quantile(pb->full_ms, 0.9),
               quantile(pb->full_ms, 1.0), quantile(pb->stage_ms, 0.5), self->shown ? self->shown->n_models : 0,
               forward, full / forward, ceil(forward / frame) * frame / forward, quantile(pb->queued_ms, 0.5), self->shown_compute_ms,
               quantile(pb->wait_ms, 0.5), quantile(pb->corrupt_ms, 0.5), quantile(pb->stage_work_ms, 0.5),
               quantile(pb->rest_ms, 0.5), quantile(pb->paint_ms, 0.5), quantile(pb->deliver_ms, 0.5),
               quantile(pb->frame_ms, 0.5), quantile(pb->draw_cpu_ms, 0.5), quantile(pb->other_ms, 0.5));
    else
        printf("severity sweep: no update reached the screen\n");
    printf("main thread: %.0f ms CPU over the drag's %.0f ms (%.0f %%)\n", main_cpu, drag_wall,
           100 * main_cpu / drag_wall);
    fflush(stdout);
    bench_free(pb);
    ((void (*)(PpProbeView *, gpointer))b->done)(self, b->data);
    g_array_unref(b->frame_ms);
    g_free(b);
    return G_SOURCE_REMOVE;
}

static gboolean bench_tick(GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
    (void)widget;
    Bench *b = user_data;
    const gint64 tick = gdk_frame_clock_get_frame_time(clock);
    if (b->last_tick) {
        double ms = (tick - b->last_tick) / 1000.0;
        g_array_append_val(b->frame_ms, ms);
    }
    b->last_tick = tick;
    if (b->done_frames == b->frames) {
        g_timeout_add(20, bench_finish, b);
        return G_SOURCE_REMOVE;
    }
    /* a drag: 0 -> 5 -> 0 in steps of 0.05 */
    int i = b->done_frames % 200;
    pp_probe_view_set_severity(b->self, (i < 100 ? i : 200 - i) * 0.05);
    b->done_frames++;
    return G_SOURCE_CONTINUE;
}

/* The drag starts once the view is idle (the models' first update drawn), so
 * that the first moves do not wait behind the loads. */
static gboolean bench_start(gpointer user_data)
{
    Bench *b = user_data;
    PpProbeView *self = b->self;
    if (pp_probe_view_is_busy(self) || self->log_full)
        return G_SOURCE_CONTINUE;
    bench_free(self->bench);
    self->bench = g_new0(struct ProbeBench, 1);
    self->bench->first_move = self->move + 1; /* updates asked for before do not count */
    self->bench->shown = g_byte_array_new();
    self->bench->full_ms = g_array_new(FALSE, FALSE, sizeof(double));
    self->bench->stage_ms = g_array_new(FALSE, FALSE, sizeof(double));
    self->bench->queued_ms = g_array_new(FALSE, FALSE, sizeof(double));
    self->bench->forward_ms = g_array_new(FALSE, FALSE, sizeof(double));
    GArray **parts[] = {&self->bench->wait_ms,  &self->bench->corrupt_ms, &self->bench->stage_work_ms,
                        &self->bench->rest_ms,  &self->bench->paint_ms,   &self->bench->other_ms,
                        &self->bench->deliver_ms, &self->bench->frame_ms, &self->bench->draw_cpu_ms};
    for (size_t i = 0; i < G_N_ELEMENTS(parts); i++)
        *parts[i] = g_array_new(FALSE, FALSE, sizeof(double));
    struct timespec cpu_ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu_ts);
    b->cpu0 = (gint64)cpu_ts.tv_sec * 1000000 + cpu_ts.tv_nsec / 1000;
    b->wall0 = g_get_monotonic_time();
    gtk_widget_add_tick_callback(GTK_WIDGET(self), bench_tick, b, NULL);
    return G_SOURCE_REMOVE;
}

void pp_probe_view_benchmark(PpProbeView *self, int frames, GCallback done, gpointer data)
{
    Bench *b = g_new0(Bench, 1);
    b->self = self;
    b->frames = MAX(frames, 2);
    b->frame_ms = g_array_new(FALSE, FALSE, sizeof(double));
    b->done = done;
    b->data = data;
    g_timeout_add(20, bench_start, b);
}

/* ---- class ---- */

static void pp_probe_view_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
    PpProbeView *self = PP_PROBE_VIEW(object);
    if (id == PROP_CORRUPTION)
        g_value_set_string(value, self->corruption);
    else
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void pp_probe_view_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
    PpProbeView *self = PP_PROBE_VIEW(object);
    if (id == PROP_CORRUPTION)
        pp_probe_view_set_corruption(self, g_value_get_string(value));
    else
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void pp_probe_view_dispose(GObject *object)
{
    PpProbeView *self = PP_PROBE_VIEW(object);
    self->disposed = TRUE;
    g_clear_handle_id(&self->resize_idle, g_source_remove);
    g_clear_pointer(&self->updates, pp_latest_job_free);
    g_clear_pointer(&self->sweeps, pp_latest_job_free);
    if (self->side_request)
        g_atomic_rc_box_release_full(g_steal_pointer(&self->side_request), pp_side_request_clear);
    cancel_sweep(self, TRUE);
    g_clear_object(&self->dialog);
    g_clear_pointer(&self->shown, pp_probe_results_free);
    g_clear_pointer(&self->bench, bench_free);
    g_clear_object(&self->selected);
    if (self->feature_adjustment)
        g_signal_handlers_disconnect_by_data(self->feature_adjustment, self);
    if (self->plots_notebook)
        g_signal_handlers_disconnect_by_data(self->plots_notebook, self);
    for (guint i = 0; self->entries && i < self->entries->len; i++)
        g_signal_handlers_disconnect_by_data(self->entries->pdata[i], self);
    if (self->entries)
        g_ptr_array_set_size(self->entries, 0);
    if (self->truth_dropdown)
        g_signal_handlers_disconnect_by_data(self->truth_dropdown, self);
    if (self->push_only_button)
        g_signal_handlers_disconnect_by_data(self->push_only_button, self);
    if (self->predictions_area)
        g_signal_handlers_disconnect_by_data(self->predictions_area, self);
    if (self->snr_area)
        g_signal_handlers_disconnect_by_data(self->snr_area, self);
    if (self->sweep_area)
        g_signal_handlers_disconnect_by_data(self->sweep_area, self);
    if (self->severity_adjustment)
        g_signal_handlers_disconnect_by_data(self->severity_adjustment, self);
    if (self->seed_adjustment)
        g_signal_handlers_disconnect_by_data(self->seed_adjustment, self);
    if (self->image_dropdown)
        g_signal_handlers_disconnect_by_data(self->image_dropdown, self);
    pp_template_dispose_children(GTK_WIDGET(object), PP_TYPE_PROBE_VIEW);
    G_OBJECT_CLASS(pp_probe_view_parent_class)->dispose(object);
}

static void pp_probe_view_finalize(GObject *object)
{
    PpProbeView *self = PP_PROBE_VIEW(object);
    g_ptr_array_unref(self->entries);
    g_ptr_array_unref(self->image_paths);
    g_free(self->corruption);
    g_free(self->empty_text);
    G_OBJECT_CLASS(pp_probe_view_parent_class)->finalize(object);
}

static void pp_probe_view_class_init(PpProbeViewClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    oc->dispose = pp_probe_view_dispose;
    oc->finalize = pp_probe_view_finalize;
    oc->get_property = pp_probe_view_get_property;
    oc->set_property = pp_probe_view_set_property;
    props[PROP_CORRUPTION] = g_param_spec_string("corruption", NULL, NULL, "gaussian_noise",
                                                 G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
    g_object_class_install_properties(oc, N_PROPS, props);
    gtk_widget_class_set_template_from_resource(wc, "/io/github/PushPullStudio/pp-probe-view.ui");
#define BIND(name) gtk_widget_class_bind_template_child(wc, PpProbeView, name)
    BIND(image_dropdown);
    BIND(image_names);
    BIND(corruption_button);
    BIND(severity_adjustment);
    BIND(seed_adjustment);
    BIND(severity_scale);
    BIND(sweep_button);
    BIND(images_area);
    BIND(predictions_area);
    BIND(snr_area);
    BIND(sweep_area);
    BIND(feature_area);
    BIND(plots_notebook);
    BIND(feature_controls);
    BIND(feature_adjustment);
    BIND(push_only_button);
    BIND(truth_dropdown);
    BIND(truth_names);
#undef BIND
    gtk_widget_class_install_property_action(wc, "probe.corruption", "corruption");
    gtk_widget_class_install_action(wc, "probe.open-image", NULL, action_open_image);
    gtk_widget_class_install_action(wc, "probe.sweep", NULL, action_sweep);
    gtk_widget_class_install_action(wc, "probe.paste", NULL, action_paste);
    gtk_widget_class_add_binding_action(wc, GDK_KEY_i, GDK_CONTROL_MASK, "probe.open-image", NULL);
    gtk_widget_class_add_binding_action(wc, GDK_KEY_v, GDK_CONTROL_MASK, "probe.paste", NULL);
    gtk_widget_class_add_binding_action(wc, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "probe.sweep", NULL);
    gtk_widget_class_set_css_name(wc, "probeview");
}

static void pp_probe_view_init(PpProbeView *self)
{
    self->corruption = g_strdup("gaussian_noise"); /* the property action reads it from now on */
    self->side_request = pp_side_request_new();
    gtk_widget_init_template(GTK_WIDGET(self));
    static const PpLatestJobFuncs update_funcs = {.make = probe_make,
                                                  .run = pp_probe_job_run,
                                                  .done = probe_done,
                                                  .partial = probe_partial,
                                                  .job_free = pp_probe_job_free,
                                                  .part_free = pp_probe_stage_free,
                                                  .state_free = pp_probe_cache_free};
    self->updates = pp_latest_job_new(self, GTK_WIDGET(self->predictions_area), &update_funcs);
    /* one warm worker for the slider, a little below the main thread: the panels paint at once */
    pp_latest_job_use_own_thread(self->updates, 5);
    static const PpLatestJobFuncs sweep_funcs = {
        .make = sweep_make, .run = sweep_run, .done = sweep_done, .job_free = sweep_job_free};
    self->sweeps = pp_latest_job_new(self, GTK_WIDGET(self->sweep_area), &sweep_funcs);
    self->entries = g_ptr_array_new_with_free_func(g_object_unref);
    self->image_paths = g_ptr_array_new_with_free_func(g_free);
    gtk_drawing_area_set_draw_func(self->images_area, draw_images, self, NULL);
    gtk_drawing_area_set_draw_func(self->predictions_area, draw_predictions, self, NULL);
    gtk_drawing_area_set_draw_func(self->snr_area, draw_snr, self, NULL);
    gtk_drawing_area_set_draw_func(self->sweep_area, draw_sweep, self, NULL);
    gtk_drawing_area_set_draw_func(self->feature_area, draw_features, self, NULL);
    for (int i = 0; i <= 5; i++) {
        char t[4];
        snprintf(t, sizeof t, "%d", i);
        gtk_scale_add_mark(self->severity_scale, i, GTK_POS_BOTTOM, t);
    }
    build_corruption_menu(self);
    self->syncing = TRUE;
    char *label = corruption_label(pp_corruption_find(self->corruption));
    gtk_menu_button_set_label(self->corruption_button, label);
    g_free(label);
    add_samples(self);
    gtk_adjustment_set_value(self->severity_adjustment, 2.0);
    self->syncing = FALSE;
    self->pending_since = 0;
    g_signal_connect(self->severity_adjustment, "value-changed", G_CALLBACK(on_severity_changed), self);
    g_signal_connect(self->seed_adjustment, "value-changed", G_CALLBACK(on_seed_changed), self);
    g_signal_connect(self->image_dropdown, "notify::selected", G_CALLBACK(on_image_selected), self);
    g_signal_connect(self->feature_adjustment, "value-changed", G_CALLBACK(on_feature_channel_changed), self);
    g_signal_connect(self->plots_notebook, "switch-page", G_CALLBACK(on_page_switched), self);
    self->stability = PP_STABILITY_PANEL(pp_stability_panel_new());
    gtk_notebook_append_page(self->plots_notebook, GTK_WIDGET(self->stability), gtk_label_new("Stability"));
    g_signal_connect(self->truth_dropdown, "notify::selected", G_CALLBACK(on_truth_selected), self);
    g_signal_connect(self, "map", G_CALLBACK(on_map), self);
    g_signal_connect(self->push_only_button, "toggled", G_CALLBACK(on_push_only_toggled), self);
    g_signal_connect(self->predictions_area, "resize", G_CALLBACK(on_area_resize), self);
    g_signal_connect(self->snr_area, "resize", G_CALLBACK(on_area_resize), self);
    g_signal_connect(self->sweep_area, "resize", G_CALLBACK(on_sweep_resize), self);
    GtkDropTarget *drop = gtk_drop_target_new(GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
    g_signal_connect(drop, "drop", G_CALLBACK(on_drop), self);
    gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(drop));
}

const char *pp_probe_view_get_image_file(PpProbeView *self)
{
    return current_image(self);
}

guint64 pp_probe_view_get_seed(PpProbeView *self)
{
    return (guint64)gtk_adjustment_get_value(self->seed_adjustment);
}

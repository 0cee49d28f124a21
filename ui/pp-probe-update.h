/* One update of the probe's slider in the view's worker (pp-latest-job.h):
 * a snapshot of the inputs (ProbeJob), run in two stages, the corrupted
 * image and first-layer SNRs posted first (ProbeStage), then every column's
 * predictions, stopping at a layer boundary when superseded and making a
 * newer move's first stage at one where it is free or the images would fall
 * behind (probe_pacing.h). */
#pragma once

#include "pp-latest-job.h"
#include "pp-probe-cache.h"
#include "pp-probe-plots.h"

G_BEGIN_DECLS

/* Where one slider update's time went (monotonic us; the bench's breakdown):
 * the move came, its update started in the worker, its first stage was
 * posted, the update ended; and the corruption's and the forwards' share. */
typedef struct {
    gint64 move, started, staged, finished, delivered; /* delivered: the main thread took the result */
    double corrupt_ms, forward_ms; /* the forward passes alone, all columns */
} UpdateTimes;

/* The newest slider move, for the running update to make its first stage
 * (the image and SNRs) at a layer boundary of its own second stage, while
 * the update for that move waits: written by the main thread, taken by the
 * worker. `gen` counts the subject's changes (image, models, corruption): a
 * move of another subject is not the running update's to make. */
typedef struct {
    GMutex lock;
    gboolean wanted;
    guint gen, move;
    gint64 move_time;
    double severity;
    guint64 seed;
    gint64 frame_base, frame_interval; /* the frame clock's ticks (us) when it came */
} SideRequest;

typedef struct {
    char *image_path;
    GPtrArray *slots;                /* ProbeSlot */
    TrueLabel truth;
    const pp_corruption *corruption; /* registry entries are static */
    double severity;
    guint64 seed;
    int channel; /* the feature-map channel (clamped per model) */
    gint64 queued;        /* the oldest change it serves */
    guint move;           /* the slider move it is of, and when that came */
    gint64 move_time;
    guint serial;         /* which update it is (from 1) */
    guint gen;            /* the subject's (SideRequest) */
    SideRequest *side;    /* (owned ref) the view's */
    gboolean superseding; /* made by a move that superseded the running one */
    int area_w, area_h, scale; /* the images panel's size and screen scale: the images are made for it */
    int feature_w, feature_h;  /* the feature panel's size (0: not laid out), ditto */
    UpdateTimes times;
    cairo_surface_t **stage_shown; /* (n) the corrupted images the first stage made, for the second to reuse */
    PpProbeResults *results;
} ProbeJob;

/* The first stage of an update, posted by the worker (pp_latest_job_post)
 * and patched into the shown results by the main thread: per column its
 * corrupted image (and the surface it is shown from) and its SNRs. */
typedef struct {
    PpModelEntry *entry; /* (owned ref) which column it is of */
    gboolean push_only;
    pp_image corrupted;
    cairo_surface_t *shown;
    int side, scale;
    double snr_push, snr_output;
    int channels;
    double *snr_push_channel, *snr_output_channel;
} StageColumn;

typedef struct {
    guint gen, move;
    gint64 move_time;
    double severity;
} StageOf; /* which move a first stage is of */

typedef struct {
    StageOf of;
    int n;
    StageColumn *columns;
} ProbeStage;

SideRequest *pp_side_request_new(void);
void pp_side_request_clear(gpointer request);
void pp_probe_job_free(gpointer job);
void pp_probe_stage_free(gpointer stage);
/* pp_latest_job's run: the update, its state the ProbeCache (pp_probe_cache_free). */
gboolean pp_probe_job_run(PpLatestRun *run, gpointer job, GCancellable *cancellable, GError **error);

G_END_DECLS

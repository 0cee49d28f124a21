/* The probes of one (image, columns) pair in the probe view's worker, the
 * clean side computed once, as the slider's updates (pp-probe-update.h) and
 * the sweep share them; the columns snapshotted from the model entries; the
 * true label matched against each model's classes. Worker side: nothing here
 * touches a widget. */
#pragma once

#include <gtk/gtk.h>

#include "corrupt/corruption.h"
#include "pp-model-entry.h"
#include "probe.h"
#include "probe_pacing.h"

G_BEGIN_DECLS

/* One column of the probe: a loaded model with the alpha and pooling its
 * views are set to, or its "push only" twin (alpha = 0). Snapshotted on the
 * main thread; the worker only reads it. */
typedef struct {
    PpModelEntry *entry; /* (owned ref) */
    gboolean push_only;
    float *alpha;        /* (K) the alpha to run with; NULL for a baseline */
    int avg;             /* the pull pooling to run with (-1: the file's) */
    char *label, *view_note;
} ProbeSlot;

/* A newer move's first stage made at a running update's layer boundary on
 * the cache's second set of probes (pp-probe-update.c): the update for that
 * move, when it starts, takes it over (its second stage runs on that set)
 * instead of making it again. */
typedef struct {
    gboolean valid;
    guint gen, move;
    double severity;
    guint64 seed;
    pp_probe_result *pr;     /* (n) */
    cairo_surface_t **shown; /* (n) the corrupted pictures it was shown with */
    double forward_ms, corrupt_ms;
} SideStaged;

/* The true label of an image, as candidates the worker matches against each
 * model's class names: the chosen class, else the file name (the bundled
 * samples are "fmnist-0000-ankle-boot.png"), else the folder name (a class-folder
 * data set). */
typedef struct {
    char *label[3];
    const char *source[3];
} TrueLabel;

/* The probes of one (image, slots) pair: the clean side computed once. The
 * slider's worker keeps it from one update to the next (pp_latest_run_state). */
typedef struct {
    char *image_path;
    GPtrArray *slots;   /* ProbeSlot (refs to the snapshot it was made for) */
    pp_probe *probes;   /* (slots->len) */
    /* (slots->len) each probe's clean image as last shown, and the box it was made for */
    cairo_surface_t **clean_shown;
    int *clean_side, *clean_scale;
    /* (slots->len) a second set of the same probes, for a newer move's first
     * stage while an update's second stage runs on `probes` (NULL until the
     * first update makes it); the two sets trade places when an update takes
     * over the first stage made on it */
    pp_probe *side;
    SideStaged staged;
    /* the last update's second stage, and what a first stage at one of its
     * boundaries delays a column by (ms): when one is free (probe_pacing.h) */
    pp_stage_profile profile;
    double side_cost_ms;
} ProbeCache;

/* The columns for the model entries (each push-pull one followed by its
 * push-only twin when `twins`): ProbeSlot, owned by the array. */
GPtrArray *pp_probe_slots_snapshot(GPtrArray *entries, gboolean twins);
/* Loads the image and computes every column's clean side; NULL with *error set. */
ProbeCache *pp_probe_cache_new(const char *path, GPtrArray *slots, GError **error);
void pp_probe_cache_free(gpointer cache);
gboolean pp_probe_cache_matches(const ProbeCache *c, const char *path, GPtrArray *slots);
/* The slot's alpha and pooling on the probe. */
pp_status pp_probe_apply_slot(pp_probe *p, const ProbeSlot *slot, pp_error *err);
void pp_side_staged_clear(SideStaged *st, guint n);

void pp_true_label_for(TrueLabel *t, const char *path, const char *chosen);
void pp_true_label_clear(TrueLabel *t);
/* The class of m the label names, the first candidate m knows (-1: none;
 * *source: which candidate, or NULL). */
int pp_true_class_of(const TrueLabel *t, const pp_model *m, const char **source);

const char *pp_probe_corruption_name(const pp_corruption *c);
/* A pp_corruption_request's cancel: data is the GCancellable. */
bool pp_probe_is_cancelled(void *data);
/* FALSE with *error: cancelled (G_IO_ERROR_CANCELLED), else err's message after `what`. */
gboolean pp_probe_fail_or_cancel(GCancellable *cancellable, const pp_error *err, GError **error, const char *what);

G_END_DECLS

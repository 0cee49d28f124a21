/* Latest-wins background work for a view (the probe's slider, the corruption
 * grid, the inhibition lab, the compare view): one job at a time in a worker
 * thread. A request made while a job runs is queued, and the job is built
 * from the view's inputs only when it starts, so the newest inputs win and
 * the ones in between are never computed; a request may also supersede the
 * running job (cancel it: its results are dropped). Partial results the
 * worker posts reach the view only while their job still counts. The view is
 * busy until the results are drawn (screenshots and tests wait on that).
 * On a thread of its own (pp_latest_job_use_own_thread) a request made while
 * a job runs makes its job at once and queues it behind (replacing one
 * queued before), so that the worker goes on to it without waiting for the
 * main thread. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct _PpLatestJob PpLatestJob;
typedef struct _PpLatestRun PpLatestRun; /* one job in its worker */

typedef struct {
    /* main thread: the job for the view's inputs now, or NULL (nothing to compute) */
    gpointer (*make)(gpointer view);
    /* worker thread: computes into job; FALSE with *error set on failure (a
     * cancellation is G_IO_ERROR_CANCELLED) */
    gboolean (*run)(PpLatestRun *run, gpointer job, GCancellable *cancellable, GError **error);
    /* main thread, for every job that ends: `latest` FALSE when it was
     * superseded or cancelled (drop its results; take back what it borrowed) */
    void (*done)(gpointer view, gpointer job, gboolean latest, const GError *error);
    /* main thread: a partial result of the current job (may be NULL) */
    void (*partial)(gpointer view, gpointer part);
    GDestroyNotify job_free;
    GDestroyNotify part_free;
    GDestroyNotify state_free; /* pp_latest_run_state's, at the end (any thread) */
} PpLatestJobFuncs;

/* `area`: the widget that puts the results on screen; the view calls
 * pp_latest_job_drawn from its draw function. */
PpLatestJob *pp_latest_job_new(gpointer view, GtkWidget *area, const PpLatestJobFuncs *funcs);
/* Runs the jobs on a thread of their own, made now and kept until the free,
 * at `nice` (Linux; 0: the process's priority) rather than in GLib's pool: a
 * view that starts a job on every frame of a drag (the probe's slider) keeps
 * one warm worker with one OpenMP team, and the main thread's paints go
 * first. */
void pp_latest_job_use_own_thread(PpLatestJob *l, int nice);
/* The view's dispose: cancels the running job; no callback reaches the view after. */
void pp_latest_job_free(PpLatestJob *l);

/* The inputs changed: a job starts now, or when the running one ends;
 * `supersede` cancels the running one. */
void pp_latest_job_request(PpLatestJob *l, gboolean supersede);
/* A view that computes only while shown: `view_widget` (the view itself)
 * makes pp_latest_job_request_shown wait for its map. */
void pp_latest_job_defer_while_hidden(PpLatestJob *l, GtkWidget *view_widget);
/* pp_latest_job_request now, or, while the view widget is not mapped (a
 * hidden page: no work for it), once it is mapped (superseding). */
void pp_latest_job_request_shown(PpLatestJob *l, gboolean supersede);
/* Cancels the running job and drops a queued request (the user's Cancel). */
void pp_latest_job_cancel(PpLatestJob *l);
gboolean pp_latest_job_is_running(PpLatestJob *l);
/* A job runs and has not been cancelled, or one waits: what a Cancel
 * button stands for (a cancelled job may still be on its way out). */
gboolean pp_latest_job_is_wanted(PpLatestJob *l);
/* A request waits for the running job to end (own thread: a job is queued). */
gboolean pp_latest_job_is_pending(PpLatestJob *l);
/* Running, queued, or results taken but not drawn while the area is mapped. */
gboolean pp_latest_job_is_busy(PpLatestJob *l);
/* The view took new results (done or partial) outside the helper's callbacks. */
void pp_latest_job_set_undrawn(PpLatestJob *l);
void pp_latest_job_drawn(PpLatestJob *l);

/* Worker thread: hands `part` to the view's partial() on the main thread,
 * or frees it if the job no longer counts by then. */
void pp_latest_job_post(PpLatestRun *run, gpointer part);
/* The same, but the part still reaches the view when a newer request
 * superseded its job (not when the job was cancelled outright, nor after it
 * ended): the view's partial() judges it (the probe's image of a move newer
 * than the one shown is worth showing though that move's predictions were
 * dropped). */
void pp_latest_job_post_lasting(PpLatestRun *run, gpointer part);
GCancellable *pp_latest_run_get_cancellable(PpLatestRun *run);
/* Worker thread: what the runs keep from one to the next (one runs at a
 * time), e.g. the probe's clean side: freed by state_free at the end. */
gpointer *pp_latest_run_state(PpLatestRun *run);
/* The job the worker runs now and when it started it (monotonic us), or
 * NULL and 0 when it runs none that still counts. Main thread; only what
 * make() set may be read from the job. */
gpointer pp_latest_job_running(PpLatestJob *l, gint64 *since);

G_END_DECLS

#include "pp-latest-job.h"

#include <stdatomic.h>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* Shared by the view and the jobs in flight: a job that ends after the
 * view's dispose finds view == NULL and only frees itself. */
struct _PpLatestJob {
    gint refs;
    PpLatestJobFuncs f;
    gpointer view;
    GtkWidget *area; /* (weak) */
    GtkWidget *shown_by; /* (weak) the view: requests wait for its map */
    gboolean stale;   /* a request came while shown_by was hidden */
    /* the runs made and not yet done, oldest first: in GLib's pool at most
     * one; on the own thread the one it runs and those queued behind it */
    GQueue runs;
    gboolean pending, undrawn;
    /* pp_latest_job_use_own_thread: the worker, and the tasks it runs (NULL: GLib's pool) */
    GThread *thread;
    GAsyncQueue *queue;
    int nice;
    gpointer state; /* what the runs keep between them (pp_latest_run_state) */
};

/* Where a run is: set by the thread that runs it, read by the main thread. */
enum { RUN_QUEUED, RUN_RUNNING, RUN_ENDED };

struct _PpLatestRun {
    PpLatestJob *l;
    gpointer job;
    GCancellable *cancellable;
    GTask *task; /* (unowned) the task owning this run */
    atomic_int where;
    atomic_llong started_at; /* monotonic us */
    gboolean done; /* main thread: its end was handled (no partial lands after) */
    gboolean superseded; /* main thread: cancelled by a newer request, not outright */
};

static PpLatestJob *latest_ref(PpLatestJob *l)
{
    g_atomic_int_inc(&l->refs);
    return l;
}

static void latest_unref(PpLatestJob *l)
{
    if (!g_atomic_int_dec_and_test(&l->refs))
        return;
    if (l->state && l->f.state_free)
        l->f.state_free(l->state);
    g_clear_pointer(&l->queue, g_async_queue_unref);
    g_free(l);
}

static void run_free(gpointer data)
{
    PpLatestRun *r = data;
    if (r->job && r->l->f.job_free)
        r->l->f.job_free(r->job);
    g_object_unref(r->cancellable);
    latest_unref(r->l);
    g_free(r);
}

/* Every function below takes NULL (a view past its dispose) as "nothing". */

static void on_area_unmap(GtkWidget *area, PpLatestJob *l)
{
    (void)area;
    l->undrawn = FALSE; /* a hidden page is not waited for */
}

PpLatestJob *pp_latest_job_new(gpointer view, GtkWidget *area, const PpLatestJobFuncs *funcs)
{
    PpLatestJob *l = g_new0(PpLatestJob, 1);
    l->refs = 1;
    l->f = *funcs;
    l->view = view;
    l->area = area;
    if (area) {
        g_object_add_weak_pointer(G_OBJECT(area), (gpointer *)&l->area);
        g_signal_connect(area, "unmap", G_CALLBACK(on_area_unmap), l);
    }
    return l;
}

static void job_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable);

/* The own worker: runs the tasks queued to it, one at a time, until it pops
 * the PpLatestJob itself (its free). Its OpenMP team is made once, by its
 * first parallel region, and inherits its priority. */
static gpointer own_thread(gpointer data)
{
    PpLatestJob *l = data;
#ifdef __linux__
    /* below the main thread's: a frame's paint does not wait for the worker's threads to yield */
    if (l->nice > 0)
        (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), l->nice);
#endif
    for (;;) {
        gpointer item = g_async_queue_pop(l->queue);
        if (item == l)
            break;
        GTask *task = item;
        job_thread(task, NULL, g_task_get_task_data(task), g_task_get_cancellable(task));
        g_object_unref(task);
    }
    latest_unref(l);
    return NULL;
}

void pp_latest_job_use_own_thread(PpLatestJob *l, int nice)
{
    if (!l || l->queue)
        return;
    l->nice = nice;
    l->queue = g_async_queue_new();
    l->thread = g_thread_new("pp-latest-job", own_thread, latest_ref(l));
}

void pp_latest_job_free(PpLatestJob *l)
{
    if (!l)
        return;
    if (l->thread) { /* it ends after the job it runs (cancelled below) */
        g_async_queue_push(l->queue, l);
        g_thread_unref(l->thread);
        l->thread = NULL;
    }
    l->view = NULL;
    pp_latest_job_cancel(l);
    if (l->area) {
        g_signal_handlers_disconnect_by_data(l->area, l);
        g_object_remove_weak_pointer(G_OBJECT(l->area), (gpointer *)&l->area);
        l->area = NULL;
    }
    if (l->shown_by) {
        g_signal_handlers_disconnect_by_data(l->shown_by, l);
        g_object_remove_weak_pointer(G_OBJECT(l->shown_by), (gpointer *)&l->shown_by);
        l->shown_by = NULL;
    }
    latest_unref(l);
}

void pp_latest_job_set_undrawn(PpLatestJob *l)
{
    if (!l)
        return;
    l->undrawn = l->area && gtk_widget_get_mapped(l->area);
}

void pp_latest_job_drawn(PpLatestJob *l)
{
    if (!l)
        return;
    l->undrawn = FALSE;
}

static gboolean is_running(PpLatestJob *l)
{
    return l->runs.length > 0;
}

gboolean pp_latest_job_is_running(PpLatestJob *l)
{
    if (!l)
        return FALSE;
    return is_running(l);
}

/* A run in flight that still counts, and (queued_only) has not started. */
static gboolean counts(PpLatestRun *r, gboolean queued_only)
{
    return !g_cancellable_is_cancelled(r->cancellable) && (!queued_only || atomic_load(&r->where) == RUN_QUEUED);
}

static gboolean any_counts(PpLatestJob *l, gboolean queued_only)
{
    for (GList *i = l->runs.head; i; i = i->next)
        if (counts(i->data, queued_only))
            return TRUE;
    return FALSE;
}

gboolean pp_latest_job_is_wanted(PpLatestJob *l)
{
    if (!l)
        return FALSE;
    return l->pending || any_counts(l, FALSE);
}

gboolean pp_latest_job_is_pending(PpLatestJob *l)
{
    if (!l)
        return FALSE;
    return l->pending || any_counts(l, TRUE);
}

gboolean pp_latest_job_is_busy(PpLatestJob *l)
{
    if (!l)
        return FALSE;
    return is_running(l) || l->pending || l->undrawn;
}

gpointer pp_latest_job_running(PpLatestJob *l, gint64 *since)
{
    for (GList *i = l ? l->runs.head : NULL; i; i = i->next) {
        PpLatestRun *r = i->data;
        if (atomic_load(&r->where) == RUN_RUNNING && counts(r, FALSE)) {
            *since = atomic_load(&r->started_at);
            return r->job;
        }
    }
    *since = 0;
    return NULL;
}

gpointer *pp_latest_run_state(PpLatestRun *run)
{
    return &run->l->state;
}

GCancellable *pp_latest_run_get_cancellable(PpLatestRun *run)
{
    return run->cancellable;
}

static void job_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
    (void)source;
    PpLatestRun *r = data;
    GError *error = NULL;
    atomic_store(&r->started_at, g_get_monotonic_time());
    atomic_store(&r->where, RUN_RUNNING);
    gboolean ok = !g_cancellable_is_cancelled(cancellable) && r->l->f.run(r, r->job, cancellable, &error);
    atomic_store(&r->where, RUN_ENDED);
    if (ok)
        g_task_return_boolean(task, TRUE);
    else if (error)
        g_task_return_error(task, error);
    else
        g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
}

static void start(PpLatestJob *l);

static void job_done(GObject *source, GAsyncResult *result, gpointer data)
{
    (void)source;
    (void)data;
    GTask *task = G_TASK(result);
    PpLatestRun *r = g_task_get_task_data(task);
    PpLatestJob *l = r->l;
    GError *error = NULL;
    gboolean ok = g_task_propagate_boolean(task, &error);
    const gboolean latest = ok && !g_cancellable_is_cancelled(r->cancellable);
    r->done = TRUE;
    g_queue_remove(&l->runs, r);
    if (l->view) {
        l->f.done(l->view, r->job, latest, error);
        if (latest)
            pp_latest_job_set_undrawn(l);
        if (l->pending && !is_running(l))
            start(l);
    }
    g_clear_error(&error);
}

static void start(PpLatestJob *l)
{
    l->pending = FALSE;
    gpointer job = l->f.make(l->view);
    if (!job)
        return;
    PpLatestRun *r = g_new0(PpLatestRun, 1);
    r->l = latest_ref(l);
    r->job = job;
    r->cancellable = g_cancellable_new();
    atomic_init(&r->where, RUN_QUEUED);
    atomic_init(&r->started_at, 0);
    g_queue_push_tail(&l->runs, r);
    GTask *task = g_task_new(NULL, r->cancellable, job_done, NULL);
    r->task = task;
    g_task_set_task_data(task, r, run_free);
    g_task_set_return_on_cancel(task, FALSE);
    if (l->queue)
        g_async_queue_push(l->queue, task); /* the worker owns this reference */
    else {
        g_task_run_in_thread(task, job_thread);
        g_object_unref(task);
    }
}

/* Cancels the runs in flight that are no further than `upto` (RUN_QUEUED:
 * those not started; RUN_RUNNING: and the one running, whose result is not
 * made yet; RUN_ENDED: all, also a result on its way to the main thread). */
static void cancel_runs(PpLatestJob *l, int upto, gboolean superseded)
{
    for (GList *i = l->runs.head; i; i = i->next) {
        PpLatestRun *r = i->data;
        if (atomic_load(&r->where) <= upto) {
            /* an outright cancel overrides an earlier supersede, not the other way round */
            r->superseded = superseded && (r->superseded || !g_cancellable_is_cancelled(r->cancellable));
            g_cancellable_cancel(r->cancellable);
        }
    }
}

void pp_latest_job_request(PpLatestJob *l, gboolean supersede)
{
    if (!l || !l->view)
        return;
    if (is_running(l)) {
        if (supersede)
            cancel_runs(l, RUN_RUNNING, TRUE);
        if (l->queue) {
            /* made now and queued behind (a queued one is replaced): the worker starts it as
             * soon as it is free, without waiting for the main thread's next turn */
            cancel_runs(l, RUN_QUEUED, TRUE);
            start(l);
        } else {
            l->pending = TRUE;
        }
        return;
    }
    start(l);
}

static void on_view_map(GtkWidget *view_widget, PpLatestJob *l)
{
    (void)view_widget;
    if (l->stale) {
        l->stale = FALSE;
        pp_latest_job_request(l, TRUE);
    }
}

void pp_latest_job_defer_while_hidden(PpLatestJob *l, GtkWidget *view_widget)
{
    if (!l || l->shown_by)
        return;
    l->shown_by = view_widget;
    g_object_add_weak_pointer(G_OBJECT(view_widget), (gpointer *)&l->shown_by);
    /* after the class's map: the widget counts as mapped when the request runs */
    g_signal_connect(view_widget, "map", G_CALLBACK(on_view_map), l);
}

void pp_latest_job_request_shown(PpLatestJob *l, gboolean supersede)
{
    if (!l || !l->view)
        return;
    if (l->shown_by && !gtk_widget_get_mapped(l->shown_by)) {
        l->stale = TRUE;
        return;
    }
    pp_latest_job_request(l, supersede);
}

void pp_latest_job_cancel(PpLatestJob *l)
{
    if (!l)
        return;
    l->pending = FALSE;
    cancel_runs(l, RUN_ENDED, FALSE);
}

typedef struct {
    PpLatestRun *run; /* kept alive by the task reference below */
    GTask *task;
    gpointer part;
    gboolean lasting; /* pp_latest_job_post_lasting */
} Posted;

static gboolean deliver(gpointer data)
{
    Posted *p = data;
    PpLatestJob *l = p->run->l;
    /* only while its job runs and counts (or, lasting, was superseded): a part never lands after the final result */
    const gboolean counts = !g_cancellable_is_cancelled(p->run->cancellable) || (p->lasting && p->run->superseded);
    if (l->view && l->f.partial && !p->run->done && counts) {
        l->f.partial(l->view, p->part);
        pp_latest_job_set_undrawn(l);
    } else if (p->part && l->f.part_free) {
        l->f.part_free(p->part);
    }
    g_object_unref(p->task);
    g_free(p);
    return G_SOURCE_REMOVE;
}

static void post(PpLatestRun *run, gpointer part, gboolean lasting)
{
    Posted *p = g_new0(Posted, 1);
    p->run = run;
    p->part = part;
    p->lasting = lasting;
    p->task = g_object_ref(run->task); /* it owns the run: held until the part is delivered */
    g_main_context_invoke(NULL, deliver, p);
}

void pp_latest_job_post(PpLatestRun *run, gpointer part)
{
    post(run, part, FALSE);
}

void pp_latest_job_post_lasting(PpLatestRun *run, gpointer part)
{
    post(run, part, TRUE);
}

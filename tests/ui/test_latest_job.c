/* The latest-wins helper the views share (ui/pp-latest-job.c), without a
 * display: requests made while a job runs coalesce into one job built from
 * the newest inputs; a superseding request cancels the running job, whose
 * result is reported as not latest; a part posted by a job reaches the view
 * only while that job counts; busy until nothing runs or waits; a Cancel
 * leaves nothing wanted at once; after the
 * view frees the helper, no callback reaches it. All of it in GLib's pool
 * and on a thread of its own (pp_latest_job_use_own_thread), where every job
 * runs on the one worker, at the priority asked for, and a request made
 * while a job runs is made at once and queued (replacing one queued before),
 * so that the worker goes on to it without a turn of the main loop; and
 * what the runs keep between them (pp_latest_run_state) lasts until the free;
 * a lasting part of a superseded job still reaches the view. */
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "pp-latest-job.h"

static int failures;
#define CHECK(cond, ...)                                                                                      \
    do {                                                                                                      \
        if (!(cond)) {                                                                                        \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                                       \
            printf(__VA_ARGS__);                                                                              \
            printf("\n");                                                                                     \
            failures++;                                                                                       \
        }                                                                                                     \
    } while (0)

typedef struct {
    int input;               /* the view's input now */
    int made, done, latest, parts;
    int last_made, last_shown, last_part;
    GMutex lock;
    GCond cond;
    gboolean release;        /* lets the running job finish */
    GThread *threads[16];    /* the thread of each job run, and its nice value */
    int nice[16], runs;
    int state_seen;          /* the value of the runs' state as the last run found it */
} View;

static int states_freed;

static void state_free(gpointer data)
{
    g_free(data);
    states_freed++;
}

typedef struct {
    int input;
    View *view;
} Job;

static gpointer make(gpointer view)
{
    View *v = view;
    Job *j = g_new0(Job, 1);
    j->input = v->input;
    j->view = v;
    v->made++;
    v->last_made = v->input;
    return j;
}

/* Under the view's lock: waits until the test releases the job or it is
 * cancelled; unlocks. */
static void wait_for_release(View *v, GCancellable *cancellable)
{
    while (!v->release && !g_cancellable_is_cancelled(cancellable)) {
        gint64 until = g_get_monotonic_time() + 2000;
        g_cond_wait_until(&v->cond, &v->lock, until);
    }
    v->release = FALSE;
    g_mutex_unlock(&v->lock);
}

/* Waits to be released (or cancelled), posting its input as a part first. */
static gboolean run(PpLatestRun *r, gpointer data, GCancellable *cancellable, GError **error)
{
    (void)error;
    Job *j = data;
    pp_latest_job_post(r, GINT_TO_POINTER(j->input + 1000));
    int **state = (int **)pp_latest_run_state(r);
    if (!*state)
        *state = g_new0(int, 1);
    ++**state; /* counts the runs that started */
    g_mutex_lock(&j->view->lock);
    j->view->state_seen = **state;
    if (j->view->runs < 16) {
        j->view->threads[j->view->runs] = g_thread_self();
#ifdef __linux__
        j->view->nice[j->view->runs] = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
#endif
        j->view->runs++;
    }
    wait_for_release(j->view, cancellable);
    return !g_cancellable_is_cancelled(cancellable);
}

static void done(gpointer view, gpointer data, gboolean latest, const GError *error)
{
    View *v = view;
    Job *j = data;
    v->done++;
    if (latest) {
        v->latest++;
        v->last_shown = j->input;
    } else {
        CHECK(error && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED), "a superseded job ends cancelled");
    }
}

static void partial(gpointer view, gpointer part)
{
    View *v = view;
    v->parts++;
    v->last_part = GPOINTER_TO_INT(part);
}

static void release(View *v)
{
    g_mutex_lock(&v->lock);
    v->release = TRUE;
    g_cond_broadcast(&v->cond);
    g_mutex_unlock(&v->lock);
}

/* Runs the main loop until cond holds (or a generous time passed). */
#define SPIN_UNTIL(cond)                                                                                      \
    do {                                                                                                      \
        gint64 end_ = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;                                           \
        while (!(cond) && g_get_monotonic_time() < end_)                                                      \
            g_main_context_iteration(NULL, FALSE), g_usleep(1000);                                            \
    } while (0)

static const PpLatestJobFuncs funcs = {
    .make = make, .run = run, .done = done, .partial = partial, .job_free = g_free, .state_free = state_free};

static int runs_started(View *v)
{
    g_mutex_lock(&v->lock);
    int n = v->runs;
    g_mutex_unlock(&v->lock);
    return n;
}

/* A fresh view and its helper, in GLib's pool or on its own thread at `nice`. */
static PpLatestJob *view_start(View *v, const PpLatestJobFuncs *f, const char *what, gboolean own, int nice)
{
    memset(v, 0, sizeof *v);
    g_mutex_init(&v->lock);
    g_cond_init(&v->cond);
    printf("%s%s\n", what, own ? "on a thread of its own" : "in GLib's thread pool");
    PpLatestJob *l = pp_latest_job_new(v, NULL, f);
    if (own)
        pp_latest_job_use_own_thread(l, nice);
    return l;
}

static void scenario(gboolean own)
{
    static View v;
    PpLatestJob *l = view_start(&v, &funcs, "", own, 3);
    CHECK(!pp_latest_job_is_busy(l), "idle at first");
    states_freed = 0;
    /* own thread: the two requests replaced in the queue are made (and end cancelled) */
    const int replaced = own ? 2 : 0;

    /* one job; its part arrives; three requests while it runs coalesce */
    v.input = 1;
    pp_latest_job_request(l, FALSE);
    CHECK(v.made == 1 && pp_latest_job_is_running(l) && pp_latest_job_is_busy(l), "a request starts a job");
    SPIN_UNTIL(v.parts == 1);
    CHECK(v.parts == 1 && v.last_part == 1001, "the running job's part reaches the view (%d)", v.last_part);
    SPIN_UNTIL(runs_started(&v) == 1);
    gint64 since;
    Job *running = pp_latest_job_running(l, &since);
    CHECK(running && running->input == 1 && since > 0, "it runs since it started");
    for (v.input = 2; v.input <= 4; v.input++)
        pp_latest_job_request(l, FALSE);
    v.input = 4;
    if (own)
        CHECK(v.made == 4 && pp_latest_job_is_pending(l), "requests while it runs are made and queued (made %d)",
              v.made);
    else
        CHECK(v.made == 1 && pp_latest_job_is_pending(l), "requests while it runs wait");
    release(&v);
    if (own) { /* no turn of the main loop here */
        gint64 end = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
        while (runs_started(&v) < 2 && g_get_monotonic_time() < end)
            g_usleep(1000);
        CHECK(runs_started(&v) == 2, "the worker goes on to the queued job by itself");
    }
    SPIN_UNTIL(v.done == 1 + replaced && v.made == 2 + replaced);
    CHECK(v.latest == 1 && v.last_shown == 1, "the first job's result is shown (not superseded)");
    CHECK(v.made == 2 + replaced && v.last_made == 4, "then one job for the newest input runs (made %d, of %d)",
          v.made, v.last_made);
    CHECK(v.done == 1 + replaced, "the replaced ones end, not shown (%d done)", v.done);

    /* a superseding request cancels the running job: not latest, and the newest runs */
    SPIN_UNTIL(v.parts == 2);
    v.input = 5;
    pp_latest_job_request(l, TRUE);
    SPIN_UNTIL(v.done == 2 + replaced && v.made == 3 + replaced);
    CHECK(v.latest == 1 && v.done == 2 + replaced, "the superseded job is reported, not shown");
    CHECK(v.last_made == 5, "the newest input runs");
    SPIN_UNTIL(runs_started(&v) == 3);
    CHECK(v.state_seen == 3, "the runs share their state (%d runs seen it)", v.state_seen);
    release(&v);
    SPIN_UNTIL(v.done == 3 + replaced);
    CHECK(v.latest == 2 && v.last_shown == 5, "and is shown");
    CHECK(!pp_latest_job_running(l, &since) && since == 0, "nothing runs");
    SPIN_UNTIL(!pp_latest_job_is_busy(l));
    CHECK(!pp_latest_job_is_busy(l), "idle once nothing runs or waits");

    /* a user cancel drops a waiting request too */
    v.input = 6;
    pp_latest_job_request(l, FALSE);
    CHECK(pp_latest_job_is_wanted(l), "a running job is wanted");
    v.input = 7;
    pp_latest_job_request(l, FALSE);
    pp_latest_job_cancel(l);
    CHECK(!pp_latest_job_is_wanted(l), "a cancelled job on its way out and no request: nothing wanted");
    /* own thread: the request for 7 was made and queued, and ends cancelled */
    const int queued = own ? 1 : 0;
    SPIN_UNTIL(v.done == 4 + replaced + queued);
    g_usleep(20000);
    g_main_context_iteration(NULL, FALSE);
    CHECK(v.done == 4 + replaced + queued && v.made == 4 + replaced + queued && v.latest == 2,
          "a cancel drops the queued request (made %d)", v.made);

    /* freed while a job runs: no callback reaches the view after */
    v.input = 8;
    int done_before = v.done, parts_before = v.parts;
    pp_latest_job_request(l, FALSE);
    SPIN_UNTIL(v.parts == parts_before + 1);
    CHECK(v.last_part == 1008, "its part came (%d)", v.last_part);
    parts_before = v.parts;
    pp_latest_job_free(l);
    g_usleep(50000);
    for (int i = 0; i < 100; i++)
        g_main_context_iteration(NULL, FALSE), g_usleep(1000);
    CHECK(v.done == done_before && v.parts == parts_before, "no callback after the free");
    for (int i = 0; own && i < v.runs; i++) {
        CHECK(v.threads[i] == v.threads[0] && v.threads[i] != g_thread_self(), "job %d ran on the one worker", i);
#ifdef __linux__
        CHECK(v.nice[i] == 3, "job %d ran at nice %d, asked 3", i, v.nice[i]);
#endif
    }
    CHECK(v.runs >= 4, "%d jobs ran (one cancelled before it started does not)", v.runs);
    for (int i = 0; i < 100 && !states_freed; i++)
        g_usleep(1000); /* the own worker frees it as it ends */
    CHECK(states_freed == 1, "the runs' state is freed once, after the free (%d)", states_freed);
    g_mutex_clear(&v.lock);
    g_cond_clear(&v.cond);
}

/* As run(), but posts only once cancelled: a plain part and a lasting one. */
static gboolean run_late_parts(PpLatestRun *r, gpointer data, GCancellable *cancellable, GError **error)
{
    (void)error;
    Job *j = data;
    g_mutex_lock(&j->view->lock);
    j->view->runs++;
    wait_for_release(j->view, cancellable);
    if (!g_cancellable_is_cancelled(cancellable))
        return TRUE;
    pp_latest_job_post(r, GINT_TO_POINTER(j->input + 2000));
    pp_latest_job_post_lasting(r, GINT_TO_POINTER(j->input + 3000));
    return FALSE;
}

/* A lasting part (pp_latest_job_post_lasting) of a superseded job reaches
 * the view, a plain one does not; neither does any part of a job cancelled
 * outright. */
static void late_parts(gboolean own)
{
    static View v;
    const PpLatestJobFuncs late = {.make = make, .run = run_late_parts, .done = done, .partial = partial, .job_free = g_free};
    PpLatestJob *l = view_start(&v, &late, "late parts ", own, 0);
    v.input = 1;
    pp_latest_job_request(l, FALSE);
    SPIN_UNTIL(runs_started(&v) == 1);
    v.input = 2;
    pp_latest_job_request(l, TRUE);
    SPIN_UNTIL(v.done == 1 && runs_started(&v) == 2);
    for (int i = 0; i < 50; i++)
        g_main_context_iteration(NULL, FALSE), g_usleep(1000);
    CHECK(v.parts == 1 && v.last_part == 3001, "the superseded job's lasting part came, its plain one not (%d parts, %d)",
          v.parts, v.last_part);
    release(&v);
    SPIN_UNTIL(v.done == 2);
    CHECK(v.latest == 1 && v.last_shown == 2, "the superseding job's result is shown");
    v.input = 3;
    pp_latest_job_request(l, FALSE);
    SPIN_UNTIL(runs_started(&v) == 3);
    pp_latest_job_cancel(l);
    SPIN_UNTIL(v.done == 3);
    for (int i = 0; i < 50; i++)
        g_main_context_iteration(NULL, FALSE), g_usleep(1000);
    CHECK(v.parts == 1, "a job cancelled outright: no part, lasting or not (%d parts)", v.parts);
    pp_latest_job_free(l);
    g_mutex_clear(&v.lock);
    g_cond_clear(&v.cond);
}

int main(void)
{
    scenario(FALSE);
    scenario(TRUE);
    late_parts(FALSE);
    late_parts(TRUE);
    printf("%s test_latest_job\n", failures ? "FAIL" : "ok  ");
    return failures ? 1 : 0;
}

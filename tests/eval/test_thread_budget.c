/* One thread budget (DESIGN.md, Threads): a job (an evaluation) and a probe
 * running at once on two threads with counts a and b never have more than
 * a + b threads at work between them, whatever the process's OpenMP default
 * (this test runs with OMP_NUM_THREADS=8). The process's threads are sampled
 * from /proc/self/task while both run; at the end, before either exits, their
 * OpenMP pools are counted exactly: libgomp keeps (largest team - 1) threads
 * per thread that started a region, so a + b extra threads means each used its
 * count and nothing more. If this fails, the studio's job and interactive
 * workers oversubscribe the CPU. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "../fixture.h"
#include "../test_util.h"
#include "../thread_count.h"
#include "eval/evaluate.h"
#include "model_file.h"
#include "probe.h"

enum { JOB_THREADS = 2, PROBE_THREADS = 2 };

typedef struct {
    const pp_model *m;
    const pp_dataset *ds;
    pthread_barrier_t *done; /* both workers and the sampler */
    atomic_int *finished;
    atomic_bool *probe_ran;
    int rounds;
    bool ok;
} worker;

static void *job_worker(void *arg)
{
    worker *w = arg;
    pp_job job = {.threads = JOB_THREADS};
    pp_eval_options opt = {.corruptions = (const char *const[]){"gaussian_noise", "fog"}, .n_corruptions = 2,
                           .batch = 16};
    pp_error err = {0};
    w->ok = true;
    /* at least 3 evaluations, and on until the probe has run alongside */
    for (w->rounds = 0; w->ok && (w->rounds < 3 || !atomic_load(w->probe_ran)) && w->rounds < 1000; w->rounds++) {
        pp_eval_result r;
        w->ok = pp_evaluate(w->m, "m", w->ds, &opt, &job, &r, &err) == PP_OK;
    }
    if (!w->ok)
        fprintf(stderr, "evaluation: %s\n", err.msg);
    atomic_fetch_add(w->finished, 1);
    pthread_barrier_wait(w->done);
    pthread_barrier_wait(w->done); /* released once the pools are counted */
    return NULL;
}

static void *probe_worker(void *arg)
{
    worker *w = arg;
    pp_error err = {0};
    pp_image img;
    pp_probe p;
    w->ok = pp_image_load(fixture_path("images", "rgb_40x30.png"), &img, &err) == PP_OK &&
            pp_probe_init(&p, w->m, &img, PROBE_THREADS, &err) == PP_OK;
    if (w->ok) {
        pp_corruption_request base = {.seed = 3};
        pp_probe_sweep sweep;
        /* sweeps while the evaluation runs */
        for (w->rounds = 0; w->ok && atomic_load(w->finished) == 0 && w->rounds < 100000; w->rounds++) {
            w->ok = pp_probe_sweep_run(&p, pp_corruption_find("gaussian_noise"), &base, 5, &sweep, NULL, NULL,
                                       &err) == PP_OK;
            atomic_store(w->probe_ran, true);
        }
        pp_probe_free(&p);
        pp_image_free(&img);
    }
    if (!w->ok)
        fprintf(stderr, "probe: %s\n", err.msg);
    atomic_store(w->probe_ran, true);
    atomic_fetch_add(w->finished, 1);
    pthread_barrier_wait(w->done);
    pthread_barrier_wait(w->done);
    return NULL;
}

static void test_job_and_probe_stay_within_budget(void)
{
    pp_model m;
    pp_dataset ds;
    pp_error err = {0};
    char notes[256];
    pp_arch_hints hints = {.avg_kernel = -1};
    if (pp_model_open(&m, fixture_path("core", "r18_cifar_gray_pp5.safetensors"), &hints, notes, sizeof notes,
                      &err) ||
        pp_dataset_open(&ds, fixture_path("core", "jobs_images.npy"), false, &err)) {
        CHECK(false, "%s", err.msg);
        return;
    }
    const int base = pp_test_task_count(), budget = JOB_THREADS + PROBE_THREADS;
    int before[256]; /* this thread, OpenBLAS's: not the workers' */
    const int n_before = pp_test_task_ids(before, 256);
    pthread_barrier_t done;
    pthread_barrier_init(&done, NULL, 3);
    atomic_int finished = 0;
    atomic_bool probe_ran = false;
    worker job = {.m = &m, .ds = &ds, .done = &done, .finished = &finished, .probe_ran = &probe_ran};
    worker probe = job;
    pthread_t tj, tp;
    pthread_create(&tj, NULL, job_worker, &job);
    pthread_create(&tp, NULL, probe_worker, &probe);
    int max_threads = 0, max_running = 0, samples = 0;
    while (atomic_load(&finished) < 2) {
        int extra = pp_test_task_count() - base, running = pp_test_running_count(before, n_before);
        max_threads = extra > max_threads ? extra : max_threads;
        max_running = running > max_running ? running : max_running;
        samples++;
        nanosleep(&(struct timespec){0, 500000}, NULL);
    }
    pthread_barrier_wait(&done); /* both idle, their pools alive */
    const int pools = pp_test_task_count() - base;
    pthread_barrier_wait(&done);
    pthread_join(tj, NULL);
    pthread_join(tp, NULL);
    pthread_barrier_destroy(&done);
    printf("  budgets: job %d + probe %d = %d; %d evaluations, %d sweeps alongside; %d samples:\n"
           "  at most %d extra threads, %d running at once (state R, the workers' threads);\n"
           "  %d threads in the two teams at the end\n",
           JOB_THREADS, PROBE_THREADS, budget, job.rounds, probe.rounds, samples, max_threads, max_running, pools);
    CHECK(job.ok && probe.ok, "both workers ran");
    CHECK(probe.rounds >= 1, "the probe ran while the evaluation did");
    CHECK(max_threads <= budget, "%d threads worked at once, budget %d", max_threads, budget);
    CHECK(max_running <= budget, "%d threads were running at once, budget %d", max_running, budget);
    CHECK(pools == budget, "the two workers' teams hold %d threads; their counts say %d", pools, budget);
    pp_dataset_free(&ds);
    pp_model_free(&m);
}

int main(void)
{
    if (pp_test_task_count() < 1) {
        printf("SKIP: no /proc/self/task\n");
        return 77;
    }
    RUN_TEST(test_job_and_probe_stay_within_budget);
    return TEST_EXIT();
}

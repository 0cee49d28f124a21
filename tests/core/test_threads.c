/* The thread count travels with each call (threads.h): a forward pass, a
 * training step and a probe run on a fresh thread start OpenMP teams of
 * exactly the count they were given, never the process's OpenMP default
 * (this test runs with OMP_NUM_THREADS=8, so a region without num_threads
 * would show up as 7 extra threads). If this fails, some parallel region in
 * core/ ignores its caller's count and the studio's workers oversubscribe. */
#include <pthread.h>
#include <string.h>

#include "../fixture.h"
#include "../test_util.h"
#include "../thread_count.h"
#include "forward.h"
#include "model_file.h"
#include "probe.h"
#include "train/train_step.h"

typedef enum { WORK_FORWARD, WORK_TRAIN, WORK_PROBE } work_kind;

typedef struct {
    pp_model *m;
    work_kind kind;
    int threads;
    int gained; /* threads the process had beyond those at the start of the work, after it */
    bool ok;
} work;

static void *run_work(void *arg)
{
    work *w = arg;
    const int before = pp_test_task_count(); /* this thread included */
    pp_error err = {0};
    pp_tensor x = {0}, logits = {0};
    const int n = w->kind == WORK_TRAIN ? 4 : 2;
    w->ok = pp_tensor_alloc4(&x, n, 1, 28, 28, &err) == PP_OK;
    for (size_t i = 0; w->ok && i < (size_t)pp_tensor_numel(&x); i++)
        x.data[i] = (float)((i * 7919) % 255) / 255.0f - 0.5f;
    if (w->ok && w->kind == WORK_FORWARD) {
        pp_forward_ctx *ctx = pp_forward_ctx_new(w->threads);
        w->ok = ctx && pp_model_forward(w->m, ctx, &x, &logits, NULL, &err) == PP_OK;
        pp_forward_ctx_free(ctx);
    } else if (w->ok && w->kind == WORK_TRAIN) {
        pp_train_ctx *ctx = NULL;
        int32_t labels[4] = {0, 1, 2, 3};
        pp_sgd_config cfg = {.momentum = 0.9f, .weight_decay = 1e-5f};
        pp_train_stats stats;
        w->ok = pp_train_ctx_new(&ctx, w->m, w->threads, &err) == PP_OK &&
                pp_train_step(ctx, w->m, &x, labels, &cfg, 0.01f, &stats, &err) == PP_OK;
        pp_train_ctx_free(ctx);
    } else if (w->ok) {
        pp_image img;
        pp_probe p;
        pp_probe_result r;
        pp_corruption_request req = {.severity = 3, .seed = 1};
        w->ok = pp_image_load(fixture_path("images", "rgb_40x30.png"), &img, &err) == PP_OK &&
                pp_probe_init(&p, w->m, &img, w->threads, &err) == PP_OK;
        if (w->ok) {
            w->ok = pp_probe_run(&p, pp_corruption_find("gaussian_noise"), &req, &r, &err) == PP_OK;
            if (w->ok)
                pp_probe_result_free(&r);
            pp_probe_free(&p);
        }
        pp_image_free(&img);
    }
    if (!w->ok)
        fprintf(stderr, "work failed: %s\n", err.msg);
    w->gained = pp_test_task_count() - before;
    pp_tensor_free(&x);
    pp_tensor_free(&logits);
    return NULL;
}

/* Threads the largest team of `kind` with `threads` needed, on a fresh pthread. */
static int team_size(pp_model *m, work_kind kind, int threads)
{
    const int base = pp_test_task_count();
    work w = {.m = m, .kind = kind, .threads = threads};
    pthread_t t;
    if (pthread_create(&t, NULL, run_work, &w) != 0)
        return -1;
    pthread_join(t, NULL);
    CHECK(pp_test_wait_task_count(base), "the pool of a finished thread winds down");
    CHECK(w.ok, "the work ran");
    return w.gained + 1; /* the pool plus the thread itself */
}

static bool open_model(pp_model *m)
{
    pp_error err = {0};
    char notes[256];
    pp_arch_hints hints = {.avg_kernel = -1};
    if (pp_model_open(m, fixture_path("core", "r18_cifar_gray_pp5.safetensors"), &hints, notes, sizeof notes,
                      &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return false;
    }
    return true;
}

static void test_forward_team_is_its_count(void)
{
    pp_model m;
    if (!open_model(&m))
        return;
    for (int threads = 1; threads <= 3; threads++) {
        int team = team_size(&m, WORK_FORWARD, threads);
        printf("  forward, threads=%d: largest team %d\n", threads, team);
        CHECK(team == threads, "a forward with threads=%d ran a team of %d", threads, team);
    }
    pp_model_free(&m);
}

static void test_train_step_team_is_its_count(void)
{
    pp_model m;
    if (!open_model(&m))
        return;
    for (int threads = 1; threads <= 2; threads++) {
        int team = team_size(&m, WORK_TRAIN, threads);
        printf("  training step, threads=%d: largest team %d\n", threads, team);
        CHECK(team == threads, "a training step with threads=%d ran a team of %d", threads, team);
    }
    pp_model_free(&m);
}

static void test_probe_team_is_its_count(void)
{
    pp_model m;
    if (!open_model(&m))
        return;
    for (int threads = 1; threads <= 2; threads++) {
        int team = team_size(&m, WORK_PROBE, threads);
        printf("  probe, threads=%d: largest team %d\n", threads, team);
        CHECK(team == threads, "a probe with threads=%d ran a team of %d", threads, team);
    }
    pp_model_free(&m);
}

int main(void)
{
    if (pp_test_task_count() < 1) {
        printf("SKIP: no /proc/self/task\n");
        return 77;
    }
    RUN_TEST(test_forward_team_is_its_count);
    RUN_TEST(test_train_step_team_is_its_count);
    RUN_TEST(test_probe_team_is_its_count);
    return TEST_EXIT();
}

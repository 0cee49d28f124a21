/* corrupt/scratch.c: the per-thread reuse of the corruptions' float buffers. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../test_util.h"
#include "corrupt/scratch.h"

static void reuse_and_alignment(void)
{
    pp_error err = {0};
    float *a = pp_floats_alloc(224 * 224 * 3, &err);
    CHECK(a && (uintptr_t)a % 64 == 0, "first buffer %p", (void *)a);
    memset(a, 0, sizeof(float) * 224 * 224 * 3);
    pp_floats_free(a);
    float *b = pp_floats_alloc(224 * 224, &err); /* smaller: the kept buffer serves */
    CHECK(b == a, "the kept buffer was not reused");
    float *c = pp_floats_alloc(224 * 224 * 3, &err); /* none kept: a new one */
    CHECK(c && c != b && (uintptr_t)c % 64 == 0, "second buffer %p", (void *)c);
    pp_floats_free(b);
    pp_floats_free(c);
    float *d = pp_floats_alloc(10, &err), *e = pp_floats_alloc(10, &err);
    CHECK(d && e && d != e, "two live buffers share memory");
    free(d); /* plain free stays valid */
    pp_floats_free(e);
    pp_floats_free(NULL);
    float *z = pp_floats_alloc(0, &err);
    CHECK(z != NULL, "zero floats gave NULL");
    pp_floats_free(z);
}

static void best_fit_and_limits(void)
{
    pp_error err = {0};
    float *small = pp_floats_alloc(1000, &err), *big = pp_floats_alloc(100000, &err);
    pp_floats_free(big);
    pp_floats_free(small);
    float *s = pp_floats_alloc(900, &err), *b = pp_floats_alloc(90000, &err);
    CHECK(s == small && b == big, "best fit: the smallest large-enough buffer");
    pp_floats_free(s);
    pp_floats_free(b);
    /* over the size kept: back to malloc (nothing to check but that it works) */
    float *huge = pp_floats_alloc((size_t)4 << 20, &err);
    CHECK(huge != NULL, "16 MB buffer");
    pp_floats_free(huge);
    /* more buffers than slots: the smallest ones go */
    float *many[10];
    for (int i = 0; i < 10; i++)
        many[i] = pp_floats_alloc((size_t)1000 * (i + 1), &err);
    for (int i = 0; i < 10; i++)
        pp_floats_free(many[i]);
    float *top = pp_floats_alloc(10000, &err);
    CHECK(top == many[9], "the largest buffer was not kept");
    pp_floats_free(top);
    CHECK(pp_floats_alloc(SIZE_MAX / 2, &err) == NULL && err.status == PP_ERR_NOMEM, "overflowing size accepted");
}

/* Each check on a new thread: its pool starts empty, whatever ran before. */
static void *run_body(void *body)
{
    ((void (*)(void))body)();
    return NULL; /* the pool is drained here (LeakSanitizer builds would say otherwise) */
}

static void on_new_thread(void (*body)(void))
{
    pthread_t t;
    CHECK(pthread_create(&t, NULL, run_body, (void *)body) == 0, "pthread_create");
    pthread_join(t, NULL);
}

static void test_reuse_and_alignment(void) { on_new_thread(reuse_and_alignment); }
static void test_best_fit_and_limits(void) { on_new_thread(best_fit_and_limits); }

static void keep_one(void)
{
    pp_error err = {0};
    pp_floats_free(pp_floats_alloc(50000, &err));
}

/* Buffers kept by other threads are theirs: a thread ending frees its pool. */
static void test_threads_have_their_own(void)
{
    pp_error err = {0};
    float *mine = pp_floats_alloc(50000, &err);
    pp_floats_free(mine);
    for (int i = 0; i < 4; i++)
        on_new_thread(keep_one);
    float *again = pp_floats_alloc(50000, &err);
    CHECK(again == mine, "this thread's kept buffer was lost");
    pp_floats_free(again);
}

int main(void)
{
    RUN_TEST(test_reuse_and_alignment);
    RUN_TEST(test_best_fit_and_limits);
    RUN_TEST(test_threads_have_their_own);
    return TEST_EXIT();
}

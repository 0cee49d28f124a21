#include "scratch.h"

#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

/* Enough for the most buffers one corruption holds at once (elastic_transform,
 * spatter: four); buffers over MAX_BYTES go straight back to malloc, so a thread
 * keeps at most SLOTS x MAX_BYTES. */
#define SLOTS 6
#define MAX_BYTES ((size_t)8 << 20)

typedef struct {
    float *buf[SLOTS];
    size_t bytes[SLOTS]; /* malloc_usable_size of each */
    int registered;
} scratch_pool;

static _Thread_local scratch_pool pool;
static pthread_key_t pool_key;
static pthread_once_t pool_key_once = PTHREAD_ONCE_INIT;

static void pool_drain(void *arg)
{
    scratch_pool *p = arg;
    for (int i = 0; i < SLOTS; i++) {
        free(p->buf[i]);
        p->buf[i] = NULL;
    }
}

static void pool_key_make(void)
{
    if (pthread_key_create(&pool_key, pool_drain))
        pool_key = (pthread_key_t)-1;
}

/* A thread's pool is drained when the thread ends (worker threads come and go). */
static bool pool_register(void)
{
    if (!pool.registered) {
        pthread_once(&pool_key_once, pool_key_make);
        if (pool_key == (pthread_key_t)-1 || pthread_setspecific(pool_key, &pool))
            return false;
        pool.registered = 1;
    }
    return true;
}

float *pp_floats_alloc(size_t n, pp_error *err)
{
    if (n > SIZE_MAX / sizeof(float) - 64) {
        pp_fail(err, PP_ERR_NOMEM, "corruption buffer of %zu floats is too large", n);
        return NULL;
    }
    size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
    if (!bytes)
        bytes = 64;
    int best = -1; /* the smallest kept buffer that is large enough */
    for (int i = 0; i < SLOTS; i++)
        if (pool.buf[i] && pool.bytes[i] >= bytes && (best < 0 || pool.bytes[i] < pool.bytes[best]))
            best = i;
    if (best >= 0) {
        float *f = pool.buf[best];
        pool.buf[best] = NULL;
        return f;
    }
    float *f = aligned_alloc(64, bytes);
    if (!f)
        pp_fail(err, PP_ERR_NOMEM, "out of memory for a %zu-float corruption buffer", n);
    return f;
}

void pp_floats_free(float *f)
{
    if (!f)
        return;
    size_t bytes = malloc_usable_size(f);
    if (bytes > MAX_BYTES || !pool_register()) {
        free(f);
        return;
    }
    int slot = -1; /* an empty slot, else the smallest buffer if smaller than f */
    for (int i = 0; i < SLOTS && slot < 0; i++)
        if (!pool.buf[i])
            slot = i;
    if (slot < 0) {
        slot = 0;
        for (int i = 1; i < SLOTS; i++)
            if (pool.bytes[i] < pool.bytes[slot])
                slot = i;
        if (pool.bytes[slot] >= bytes) {
            free(f);
            return;
        }
        free(pool.buf[slot]);
    }
    pool.buf[slot] = f;
    pool.bytes[slot] = bytes;
}

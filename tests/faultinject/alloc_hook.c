/* The allocation hook of alloc_hook.h: __wrap_ functions for the linker's
 * --wrap, a failure counter and a table of live blocks. */
#include "alloc_hook.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t count, size_t n);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
int __real_posix_memalign(void **out, size_t align, size_t n);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *__real_mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __real_munmap(void *addr, size_t len);

typedef struct {
    void *p;
    size_t size;
    long seq;
} block;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bool armed;
static long fail_at, count;
static bool injected;
static block *table; /* open addressing, linear probing; p == NULL: empty */
static size_t table_cap, table_len;

static size_t slot_of(const void *p)
{
    uintptr_t h = (uintptr_t)p;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (size_t)h & (table_cap - 1);
}

static void table_put(void *p, size_t size, long seq);

static void table_grow(void)
{
    block *old = table;
    size_t old_cap = table_cap;
    table_cap = old_cap ? old_cap * 2 : 4096;
    table = __real_calloc(table_cap, sizeof *table);
    if (!table) {
        fputs("alloc_hook: cannot grow the block table\n", stderr);
        abort();
    }
    table_len = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].p)
            table_put(old[i].p, old[i].size, old[i].seq);
    __real_free(old);
}

static void table_put(void *p, size_t size, long seq)
{
    if ((table_len + 1) * 2 > table_cap)
        table_grow();
    size_t i = slot_of(p);
    while (table[i].p && table[i].p != p)
        i = (i + 1) & (table_cap - 1);
    if (!table[i].p)
        table_len++;
    table[i] = (block){p, size, seq};
}

/* Removes p if tracked (backward-shift deletion keeps probe chains whole). */
static bool table_del(const void *p, long *seq)
{
    if (!table_len || !p)
        return false;
    size_t i = slot_of(p);
    while (table[i].p != p) {
        if (!table[i].p)
            return false;
        i = (i + 1) & (table_cap - 1);
    }
    if (seq)
        *seq = table[i].seq;
    table_len--;
    for (size_t j = (i + 1) & (table_cap - 1); table[j].p; j = (j + 1) & (table_cap - 1)) {
        size_t home = slot_of(table[j].p);
        /* Move j into the hole at i unless its home lies cyclically in (i, j]. */
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            table[i] = table[j];
            i = j;
        }
    }
    table[i] = (block){0};
    return true;
}

/* FI_TRACE=1 in the environment prints where each injected failure happens
 * (in a sanitizer build; a debugging aid). */
void __sanitizer_print_stack_trace(void) __attribute__((weak));

static void trace_injection(void)
{
    static int want = -1;
    if (want < 0)
        want = getenv("FI_TRACE") != NULL;
    if (want && __sanitizer_print_stack_trace) {
        fprintf(stderr, "alloc_hook: failing allocation #%ld here:\n", fail_at);
        __sanitizer_print_stack_trace();
    }
}

/* One allocation attempt: false when this is the one to fail. */
static bool attempt(long *seq)
{
    pthread_mutex_lock(&lock);
    bool ok = true;
    *seq = 0;
    if (armed) {
        *seq = ++count;
        if (count == fail_at) {
            injected = true;
            ok = false;
        }
    }
    pthread_mutex_unlock(&lock);
    if (!ok)
        trace_injection();
    return ok;
}

static void *track(void *p, size_t size, long seq)
{
    if (p && seq) {
        pthread_mutex_lock(&lock);
        table_put(p, size, seq);
        pthread_mutex_unlock(&lock);
    }
    return p;
}

/* Forgets p; returns whether it was tracked (and its sequence number). */
static bool untrack(const void *p, long *seq)
{
    if (!p)
        return false;
    pthread_mutex_lock(&lock);
    bool was = table_del(p, seq);
    pthread_mutex_unlock(&lock);
    return was;
}

void *__wrap_malloc(size_t n)
{
    long seq;
    if (!attempt(&seq)) {
        errno = ENOMEM;
        return NULL;
    }
    return track(__real_malloc(n), n, seq);
}

void *__wrap_calloc(size_t count_, size_t n)
{
    long seq;
    if (!attempt(&seq)) {
        errno = ENOMEM;
        return NULL;
    }
    return track(__real_calloc(count_, n), count_ * n, seq);
}

void *__wrap_realloc(void *p, size_t n)
{
    long seq;
    if (!attempt(&seq)) {
        errno = ENOMEM;
        return NULL; /* p stays valid, as with a real failure */
    }
    /* Track the new block if the old one was tracked or there was none
     * (a block from before the window keeps being nobody's business). */
    long old_seq = 0;
    bool was = untrack(p, &old_seq);
    void *q = __real_realloc(p, n);
    if (!q && p && n) {
        if (was)
            track(p, 0, old_seq);
        return NULL;
    }
    if (was)
        return track(q, n, seq ? seq : old_seq);
    return p ? q : track(q, n, seq);
}

void __wrap_free(void *p)
{
    untrack(p, NULL);
    __real_free(p);
}

char *__wrap_strdup(const char *s)
{
    long seq;
    if (!attempt(&seq)) {
        errno = ENOMEM;
        return NULL;
    }
    return track(__real_strdup(s), strlen(s) + 1, seq);
}

char *__wrap_strndup(const char *s, size_t n)
{
    long seq;
    if (!attempt(&seq)) {
        errno = ENOMEM;
        return NULL;
    }
    return track(__real_strndup(s, n), n + 1, seq);
}

void *__wrap_aligned_alloc(size_t align, size_t n)
{
    long seq;
    if (!attempt(&seq)) {
        errno = ENOMEM;
        return NULL;
    }
    return track(__real_aligned_alloc(align, n), n, seq);
}

int __wrap_posix_memalign(void **out, size_t align, size_t n)
{
    long seq;
    if (!attempt(&seq))
        return ENOMEM;
    int r = __real_posix_memalign(out, align, n);
    if (r == 0)
        track(*out, n, seq);
    return r;
}

/* Anonymous mappings are allocations (pp_zeroed_alloc); file mappings are not. */
static void *mmap_common(void *(*real)(void *, size_t, int, int, int, off_t), void *addr, size_t len,
                         int prot, int flags, int fd, off_t off)
{
    long seq = 0;
    if ((flags & MAP_ANONYMOUS) && !attempt(&seq)) {
        errno = ENOMEM;
        return MAP_FAILED;
    }
    void *p = real(addr, len, prot, flags, fd, off);
    if (p != MAP_FAILED)
        track(p, len, seq);
    return p;
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    return mmap_common(__real_mmap, addr, len, prot, flags, fd, off);
}

void *__wrap_mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    return mmap_common(__real_mmap64, addr, len, prot, flags, fd, off);
}

int __wrap_munmap(void *addr, size_t len)
{
    untrack(addr, NULL);
    return __real_munmap(addr, len);
}

void fi_arm(long n)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < table_cap; i++)
        table[i] = (block){0};
    table_len = 0;
    count = 0;
    fail_at = n;
    injected = false;
    armed = true;
    pthread_mutex_unlock(&lock);
}

void fi_disarm(void)
{
    pthread_mutex_lock(&lock);
    armed = false;
    pthread_mutex_unlock(&lock);
}

long fi_count(void)
{
    pthread_mutex_lock(&lock);
    long n = count;
    pthread_mutex_unlock(&lock);
    return n;
}

bool fi_injected(void)
{
    pthread_mutex_lock(&lock);
    bool r = injected;
    pthread_mutex_unlock(&lock);
    return r;
}

size_t fi_live(size_t *bytes, long *first_seq)
{
    pthread_mutex_lock(&lock);
    size_t total = 0;
    long first = 0;
    for (size_t i = 0; i < table_cap; i++) {
        if (!table[i].p)
            continue;
        total += table[i].size;
        if (!first || table[i].seq < first)
            first = table[i].seq;
    }
    size_t n = table_len;
    pthread_mutex_unlock(&lock);
    if (bytes)
        *bytes = total;
    if (first_seq)
        *first_seq = first;
    return n;
}

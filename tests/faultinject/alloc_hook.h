/* Test-only allocation fault injection (sqlite's discipline: make the Nth
 * allocation fail, for every N).
 *
 * A test executable links the core objects with
 *   -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free,--wrap=strdup,...
 * so every allocation call *in our objects* goes to alloc_hook.c; shared
 * libraries (libc, libpng, libjpeg, libzip, zlib, OpenMP, OpenBLAS, ASan) keep
 * their own allocator. jansson allocates through core/json_alloc.c, i.e.
 * through malloc in our objects, so its allocations are counted too. Anonymous
 * mmap (pp_zeroed_alloc) counts as an allocation; file mappings do not.
 *
 * While armed, the hook numbers allocations 1, 2, ... and fails number N (only
 * that one: later ones succeed, as in sqlite's "one-shot" mode, so the error
 * path itself runs with memory). It also tracks every block allocated while
 * armed and not yet freed, so a test can tell after a failed call that
 * nothing it allocated is left behind. */
#ifndef PP_ALLOC_HOOK_H
#define PP_ALLOC_HOOK_H

#include <stdbool.h>
#include <stddef.h>

/* Starts counting (and tracking) allocations; fail_at = N fails the Nth one
 * from now, 0 fails none. Forgets what an earlier window tracked. */
void fi_arm(long fail_at);
/* Stops counting; tracked blocks stay tracked until freed or the next arm. */
void fi_disarm(void);

long fi_count(void);     /* allocations since fi_arm */
bool fi_injected(void);  /* whether the window's failure happened */
/* Blocks allocated since fi_arm and still live; *bytes and the sequence
 * number of the oldest (if non-NULL). */
size_t fi_live(size_t *bytes, long *first_seq);

#endif

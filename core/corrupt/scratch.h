/* Scratch float buffers for the corruptions, kept per thread between calls. A
 * corruption of a 224x224 image needs a few 0.2-0.6 MB buffers; from malloc they
 * come back as fresh pages on most calls (glibc returns the freed top of the heap
 * to the system past its trim threshold), and faulting them in cost up to half of
 * zoom_blur's time. Buffers given back with pp_floats_free are reused instead. */
#ifndef PP_CORRUPT_SCRATCH_H
#define PP_CORRUPT_SCRATCH_H

#include <stddef.h>

#include "../status.h"

/* Scratch float buffer of n elements, 64-byte aligned, contents undefined; NULL
 * with err set on failure. */
float *pp_floats_alloc(size_t n, pp_error *err);
/* Gives a pp_floats_alloc buffer back for reuse by this thread (NULL: nothing).
 * free() stays valid on such buffers: it only skips the reuse. */
void pp_floats_free(float *f);

#endif

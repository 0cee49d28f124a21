/* Winograd kernels for layers too wide to keep them in the model.
 *
 * model.c stores transformed 3x3 kernels only up to 256 x 256 channels: they
 * take four times the weights' memory, and at batch 1 the wide layers do not
 * use them (too few tiles). At large batches the wide layers do run by
 * Winograd; a forward context then transforms their kernels once and keeps
 * them while the model's parameters stay the same (pp_model.generation). */
#ifndef PP_KERNEL_CACHE_H
#define PP_KERNEL_CACHE_H

#include "model.h"

typedef struct pp_kernel_cache pp_kernel_cache;

/* The transformed kernels of layer c of m, made on first use; NULL when they
 * cannot be had (no memory), and the caller then convolves without them. */
const float *pp_kernel_cache_get(pp_kernel_cache **cache, const pp_model *m, const pp_conv_layer *c, int threads);
void pp_kernel_cache_free(pp_kernel_cache *cache);

#endif

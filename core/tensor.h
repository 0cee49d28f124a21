/* A float32 tensor: a shape and a contiguous C-order buffer.
 * Image batches are NCHW; weights are (out, in, kh, kw). */
#ifndef PP_TENSOR_H
#define PP_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define PP_MAX_DIMS 8

typedef struct {
    int ndim;
    int64_t shape[PP_MAX_DIMS];
    float *data;      /* numel floats, C order */
    int64_t capacity; /* floats allocated; resize reuses the buffer up to this */
} pp_tensor;

/* Product of dims; -1 if it overflows or a dim is negative. */
int64_t pp_shape_numel(int ndim, const int64_t *shape);
int64_t pp_tensor_numel(const pp_tensor *t);

/* Allocates a zeroed tensor. Returns PP_ERR_NOMEM on overflow/failure. */
pp_status pp_tensor_alloc(pp_tensor *t, int ndim, const int64_t *shape, pp_error *err);
pp_status pp_tensor_alloc4(pp_tensor *t, int64_t n, int64_t c, int64_t h, int64_t w, pp_error *err);
/* Reuses the buffer when the new shape fits in the old allocation size. */
pp_status pp_tensor_resize(pp_tensor *t, int ndim, const int64_t *shape, pp_error *err);
void pp_tensor_free(pp_tensor *t);
bool pp_tensor_same_shape(const pp_tensor *a, const pp_tensor *b);
/* "(2, 3, 4)" into buf. */
const char *pp_shape_string(int ndim, const int64_t *shape, char *buf, size_t len);

/* Checked size arithmetic: false on overflow. */
bool pp_mul_size(size_t a, size_t b, size_t *out);

/* 64-byte aligned allocation for SIMD/BLAS buffers; NULL on failure. */
void *pp_aligned_alloc(size_t bytes);
/* Page-aligned, zero-filled memory straight from the kernel: no memset pass
 * over big parameter arenas. Free with pp_zeroed_free and the same size. */
void *pp_zeroed_alloc(size_t bytes);
void pp_zeroed_free(void *p, size_t bytes);

#endif

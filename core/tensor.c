#include "tensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

bool pp_mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return false;
    *out = a * b;
    return true;
}

int64_t pp_shape_numel(int ndim, const int64_t *shape)
{
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0)
            return -1;
        if (shape[i] != 0 && n > INT64_MAX / shape[i])
            return -1;
        n *= shape[i];
    }
    return n;
}

int64_t pp_tensor_numel(const pp_tensor *t)
{
    return pp_shape_numel(t->ndim, t->shape);
}

void *pp_aligned_alloc(size_t bytes)
{
    size_t rounded = (bytes + 63) & ~(size_t)63;
    if (rounded < bytes)
        return NULL;
    return aligned_alloc(64, rounded ? rounded : 64);
}

void *pp_zeroed_alloc(size_t bytes)
{
    void *p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void pp_zeroed_free(void *p, size_t bytes)
{
    if (p)
        munmap(p, bytes ? bytes : 1);
}

pp_status pp_tensor_alloc(pp_tensor *t, int ndim, const int64_t *shape, pp_error *err)
{
    memset(t, 0, sizeof *t);
    if (ndim < 0 || ndim > PP_MAX_DIMS)
        return pp_fail(err, PP_ERR_ARG, "tensor with %d dimensions (at most %d)", ndim, PP_MAX_DIMS);
    int64_t n = pp_shape_numel(ndim, shape);
    size_t bytes;
    if (n < 0 || !pp_mul_size((size_t)n, sizeof(float), &bytes))
        return pp_fail(err, PP_ERR_NOMEM, "tensor size overflows");
    float *data = pp_aligned_alloc(bytes);
    if (!data)
        return pp_fail(err, PP_ERR_NOMEM, "cannot allocate %zu bytes for a tensor", bytes);
    memset(data, 0, bytes);
    t->ndim = ndim;
    memcpy(t->shape, shape, (size_t)ndim * sizeof shape[0]);
    t->data = data;
    t->capacity = n;
    return PP_OK;
}

pp_status pp_tensor_alloc4(pp_tensor *t, int64_t n, int64_t c, int64_t h, int64_t w, pp_error *err)
{
    int64_t shape[4] = {n, c, h, w};
    return pp_tensor_alloc(t, 4, shape, err);
}

pp_status pp_tensor_resize(pp_tensor *t, int ndim, const int64_t *shape, pp_error *err)
{
    int64_t want = pp_shape_numel(ndim, shape);
    if (t->data && want >= 0 && want <= t->capacity) {
        t->ndim = ndim;
        memcpy(t->shape, shape, (size_t)ndim * sizeof shape[0]);
        return PP_OK;
    }
    pp_tensor_free(t);
    return pp_tensor_alloc(t, ndim, shape, err);
}

void pp_tensor_free(pp_tensor *t)
{
    if (!t)
        return;
    free(t->data);
    memset(t, 0, sizeof *t);
}

bool pp_tensor_same_shape(const pp_tensor *a, const pp_tensor *b)
{
    if (a->ndim != b->ndim)
        return false;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i])
            return false;
    return true;
}

const char *pp_shape_string(int ndim, const int64_t *shape, char *buf, size_t len)
{
    size_t used = 0;
    used += (size_t)snprintf(buf + used, len - used, "(");
    for (int i = 0; i < ndim && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, i ? ", %lld" : "%lld", (long long)shape[i]);
    if (used < len)
        snprintf(buf + used, len - used, ")");
    return buf;
}

#include "torch_tensor.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "storages are read in place as little-endian");

void *pp_torch_tensor_alloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    if (p && bytes >= 2 * huge) {
        uintptr_t begin = ((uintptr_t)p + huge - 1) & ~(huge - 1);
        uintptr_t end = ((uintptr_t)p + bytes) & ~(huge - 1);
        if (end > begin)
            madvise((void *)begin, end - begin, MADV_HUGEPAGE); /* advice only */
    }
#endif
    return p;
}

pp_dtype pp_torch_tensor_out_dtype(pp_raw_dtype d)
{
    return pp_raw_dtype_target(d);
}

bool pp_torch_tensor_is_whole_storage(const pp_pv_tensor *t)
{
    if (t->storage->u.storage.dtype != PP_RAW_F32 && t->storage->u.storage.dtype != PP_RAW_I64)
        return false;
    if (t->offset != 0 || t->storage->u.storage.view_offset != 0 ||
        t->numel != t->storage->u.storage.root_numel)
        return false;
    int64_t expect = 1;
    for (int i = t->ndim - 1; i >= 0; i--) {
        if (t->size[i] != 1 && t->stride[i] != expect)
            return false;
        expect *= t->size[i];
    }
    return true;
}

/* Converts `count` elements starting at element index `at`, `stride` apart. */
static void convert_run(pp_raw_dtype dt, const uint8_t *src, int64_t at, int64_t stride,
                        int64_t count, void *dst)
{
    if (stride == 1) {
        pp_raw_convert(dst, src + (size_t)at * pp_raw_dtype_size(dt), (size_t)count, dt);
        return;
    }
    for (int64_t i = 0; i < count; i++)
        pp_raw_convert_one(dst, (size_t)i, src, (size_t)(at + i * stride), dt);
}

pp_status pp_torch_tensor_copy(const pp_pv_tensor *t, const void *storage, void **out,
                               pp_error *err)
{
    *out = NULL;
    pp_raw_dtype dt = t->storage->u.storage.dtype;
    size_t osz = pp_dtype_size(pp_torch_tensor_out_dtype(dt)), bytes;
    if (t->numel < 0 || !pp_mul_size((size_t)t->numel, osz, &bytes))
        return pp_fail(err, PP_ERR_NOMEM, "tensor of %lld elements is too large",
                       (long long)t->numel);
    uint8_t *dst = pp_torch_tensor_alloc(bytes);
    if (!dst)
        return pp_fail(err, PP_ERR_NOMEM, "cannot allocate %zu bytes for a tensor", bytes);
    if (t->numel > 0) {
        /* Odometer over all but the last dimension; the last is one strided run. */
        int nd = t->ndim;
        int64_t run = nd ? t->size[nd - 1] : 1, rstride = run > 1 ? t->stride[nd - 1] : 0;
        int64_t idx[PP_MAX_DIMS] = {0}, stride[PP_MAX_DIMS] = {0};
        /* A dimension of size 1 never moves; its stride (unchecked by the view
         * bounds, possibly huge) must not enter the index arithmetic. */
        for (int d = 0; d < nd; d++)
            stride[d] = t->size[d] == 1 ? 0 : t->stride[d];
        int64_t base = t->offset;
        uint8_t *o = dst;
        for (;;) {
            convert_run(dt, storage, base, rstride, run, o);
            o += (size_t)run * osz;
            int d = nd - 2;
            for (; d >= 0; d--) {
                idx[d]++;
                base += stride[d];
                if (idx[d] < t->size[d])
                    break;
                base -= stride[d] * t->size[d];
                idx[d] = 0;
            }
            if (d < 0)
                break;
        }
    }
    *out = dst;
    return PP_OK;
}

/* Tensor rebuild: copies a checked view of a torch storage (offset, sizes,
 * strides; possibly non-contiguous) into a new C-order buffer, converting
 * float16/bfloat16/float64 to float32 and every integer or bool type to int64. */
#ifndef PP_TORCH_TENSOR_H
#define PP_TORCH_TENSOR_H

#include <stdbool.h>

#include "pickle.h"
#include "state_dict.h"

/* The state-dict type a storage of dtype d becomes. */
pp_dtype pp_torch_tensor_out_dtype(pp_raw_dtype d);

/* True when the view is the whole stored storage in C order with no conversion
 * needed, so the storage buffer itself can become the tensor. */
bool pp_torch_tensor_is_whole_storage(const pp_pv_tensor *t);

/* malloc() for tensor data (free() releases it). Large buffers are advised
 * to use transparent huge pages: filling fresh memory is otherwise dominated
 * by 4 KiB page faults, several times the cost of reading the bytes. */
void *pp_torch_tensor_alloc(size_t bytes);

/* storage: the raw bytes t's offsets count from (the storage's numel elements,
 * little-endian: for a legacy storage view, the view's first element),
 * already checked to hold the view (pickle.c checks view vs numel). Allocates
 * *out with t->numel elements of pp_torch_tensor_out_dtype(). */
pp_status pp_torch_tensor_copy(const pp_pv_tensor *t, const void *storage, void **out,
                               pp_error *err);

#endif

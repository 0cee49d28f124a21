/* Element types found in checkpoint files, and their conversion to the two
 * in-memory types of a state dict (float32 for floats, int64 for integers). */
#ifndef PP_RAW_DTYPE_H
#define PP_RAW_DTYPE_H

#include <stddef.h>
#include <stdint.h>

#include "state_dict.h"

typedef enum {
    PP_RAW_F32, PP_RAW_F16, PP_RAW_BF16, PP_RAW_F64,
    PP_RAW_I64, PP_RAW_I32, PP_RAW_I16, PP_RAW_I8, PP_RAW_U8, PP_RAW_BOOL,
    PP_RAW_INVALID
} pp_raw_dtype;

size_t pp_raw_dtype_size(pp_raw_dtype t);
/* The state-dict type a raw type converts to. */
pp_dtype pp_raw_dtype_target(pp_raw_dtype t);
/* safetensors names: "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL". */
pp_raw_dtype pp_raw_dtype_from_safetensors(const char *name);

/* Converts element `index` of little-endian src into dst (float or int64 slot). */
void pp_raw_convert_one(void *dst, size_t dst_index, const uint8_t *src, size_t src_index, pp_raw_dtype t);
/* Converts n contiguous little-endian elements. dst has n elements of the target type. */
void pp_raw_convert(void *dst, const uint8_t *src, size_t n, pp_raw_dtype t);

#endif

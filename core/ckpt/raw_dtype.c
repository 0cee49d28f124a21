#include "raw_dtype.h"

#include <string.h>

#include "float_convert.h"

size_t pp_raw_dtype_size(pp_raw_dtype t)
{
    switch (t) {
    case PP_RAW_F64: case PP_RAW_I64: return 8;
    case PP_RAW_F32: case PP_RAW_I32: return 4;
    case PP_RAW_F16: case PP_RAW_BF16: case PP_RAW_I16: return 2;
    case PP_RAW_I8: case PP_RAW_U8: case PP_RAW_BOOL: return 1;
    case PP_RAW_INVALID: break;
    }
    return 0;
}

pp_dtype pp_raw_dtype_target(pp_raw_dtype t)
{
    return (t == PP_RAW_F32 || t == PP_RAW_F16 || t == PP_RAW_BF16 || t == PP_RAW_F64) ? PP_DTYPE_F32
                                                                                       : PP_DTYPE_I64;
}

pp_raw_dtype pp_raw_dtype_from_safetensors(const char *name)
{
    static const struct { const char *name; pp_raw_dtype t; } table[] = {
        {"F32", PP_RAW_F32}, {"F16", PP_RAW_F16}, {"BF16", PP_RAW_BF16}, {"F64", PP_RAW_F64},
        {"I64", PP_RAW_I64}, {"I32", PP_RAW_I32}, {"I16", PP_RAW_I16}, {"I8", PP_RAW_I8},
        {"U8", PP_RAW_U8}, {"BOOL", PP_RAW_BOOL},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(name, table[i].name) == 0)
            return table[i].t;
    return PP_RAW_INVALID;
}

void pp_raw_convert_one(void *dst, size_t di, const uint8_t *src, size_t si, pp_raw_dtype t)
{
    const uint8_t *p = src + si * pp_raw_dtype_size(t);
    float *f = dst;
    int64_t *i = dst;
    switch (t) {
    case PP_RAW_F32: f[di] = pp_bits_to_f32(pp_load_u32le(p)); break;
    case PP_RAW_F16: f[di] = pp_f16_to_f32(pp_load_u16le(p)); break;
    case PP_RAW_BF16: f[di] = pp_bf16_to_f32(pp_load_u16le(p)); break;
    case PP_RAW_F64: {
        uint64_t bits = pp_load_u64le(p);
        double d;
        memcpy(&d, &bits, sizeof d);
        f[di] = (float)d;
        break;
    }
    case PP_RAW_I64: i[di] = (int64_t)pp_load_u64le(p); break;
    case PP_RAW_I32: i[di] = (int32_t)pp_load_u32le(p); break;
    case PP_RAW_I16: i[di] = (int16_t)pp_load_u16le(p); break;
    case PP_RAW_I8: i[di] = (int8_t)p[0]; break;
    case PP_RAW_U8: i[di] = p[0]; break;
    case PP_RAW_BOOL: i[di] = p[0] != 0; break;
    case PP_RAW_INVALID: break;
    }
}

void pp_raw_convert(void *dst, const uint8_t *src, size_t n, pp_raw_dtype t)
{
    if (t == PP_RAW_F32 || t == PP_RAW_I64) {
        memcpy(dst, src, n * 8 / (t == PP_RAW_F32 ? 2 : 1)); /* little-endian host */
        return;
    }
    for (size_t k = 0; k < n; k++)
        pp_raw_convert_one(dst, k, src, k, t);
}

/* Conversions of stored floating-point formats to float32. */
#ifndef PP_FLOAT_CONVERT_H
#define PP_FLOAT_CONVERT_H

#include <stdint.h>
#include <string.h>

static inline float pp_bits_to_f32(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* IEEE half: subnormals, infinities and NaN handled. */
static inline float pp_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    if (exp == 0) {
        if (mant == 0)
            return pp_bits_to_f32(sign);
        float v = (float)mant * (1.0f / 16777216.0f); /* mant * 2^-24 */
        return sign ? -v : v;
    }
    if (exp == 31)
        return pp_bits_to_f32(sign | 0x7f800000u | (mant << 13));
    return pp_bits_to_f32(sign | ((exp + 112) << 23) | (mant << 13));
}

/* bfloat16 is the top half of a float32. */
static inline float pp_bf16_to_f32(uint16_t b)
{
    return pp_bits_to_f32((uint32_t)b << 16);
}

static inline uint16_t pp_load_u16le(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t pp_load_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t pp_load_u64le(const uint8_t *p)
{
    return (uint64_t)pp_load_u32le(p) | (uint64_t)pp_load_u32le(p + 4) << 32;
}

#endif

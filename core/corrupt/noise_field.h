/* The per-value random fields of the noise corruptions (and the Gaussian
 * fields of snow, frost and spatter): counter-based like rng.h, value i a pure
 * function of (key, i), but built from 32-bit hashes and float polynomials that
 * the compiler turns into whole-vector AVX2 code, about 10x the scalar
 * splitmix64 + libm fill. Bit-identical on every x86-64-v3 CPU and path (no
 * libm calls, one build). */
#ifndef PP_NOISE_FIELD_H
#define PP_NOISE_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Value i of the 32-bit hash stream under key (any 64-bit key, rng.h's). */
static inline uint32_t pp_noise_mix32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

static inline uint32_t pp_noise_u32(uint64_t key, uint32_t i)
{
    return pp_noise_mix32(pp_noise_mix32(i ^ (uint32_t)key) + (uint32_t)(key >> 32));
}

/* out[i] = value first + i of a standard normal field, i < n (first + n <=
 * 2^32; first a multiple of PP_NOISE_CHUNK, so a field can be made in chunks). */
#define PP_NOISE_CHUNK 1024
void pp_noise_normal_fill(uint64_t key, size_t first, float *out, size_t n);

/* Gaussian noise added to n bytes, chunk by chunk (no field buffer to fault
 * in): out = x + c z, or x + x c z when `relative` (speckle), with x = in / 255
 * and z the normal field under key, back to bytes as the corruptions do. */
void pp_noise_add_normal(uint64_t key, const uint8_t *in, uint8_t *out, size_t n, float c, bool relative);

/* out[i] = value first + i of the hash stream (first + n <= 2^32). */
void pp_noise_u32_fill(uint64_t key, size_t first, uint32_t *out, size_t n);

#endif

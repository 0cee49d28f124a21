/* Counter-based random numbers (corruptions, weight initialisation, augmentation,
 * shuffling): value i of stream s under seed k is a pure function hash(k, s, i)
 * (splitmix64 finaliser over a Weyl sequence). No
 * state, so fields can be filled in any order or in parallel, are the same on every
 * run and machine, and do not depend on the severity that will scale them. */
#ifndef PP_RNG_H
#define PP_RNG_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t pp_rng_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A stream key: distinct streams of one seed are independent. */
static inline uint64_t pp_rng_key(uint64_t seed, uint64_t stream)
{
    return pp_rng_mix(seed * 0x9e3779b97f4a7c15ull + pp_rng_mix(stream + 0x632be59bd9b4e019ull));
}

static inline uint64_t pp_rng_u64(uint64_t key, uint64_t i)
{
    return pp_rng_mix(key + (i + 1) * 0x9e3779b97f4a7c15ull);
}

/* Uniform in [0, 1) with 53 bits. */
static inline double pp_rng_uniform(uint64_t key, uint64_t i)
{
    return (double)(pp_rng_u64(key, i) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [lo, hi] (hi >= lo). */
static inline int pp_rng_int(uint64_t key, uint64_t i, int lo, int hi)
{
    return lo + (int)(((pp_rng_u64(key, i) >> 32) * (uint64_t)(hi - lo + 1)) >> 32);
}

/* out[i] = U(0, 1) for i in [0, n), i.e. element i of the stream. */
void pp_rng_uniform_fill(uint64_t key, float *out, size_t n);
/* Standard normals (Box-Muller over pairs of the stream). */
void pp_rng_normal_fill(uint64_t key, float *out, size_t n);

#endif

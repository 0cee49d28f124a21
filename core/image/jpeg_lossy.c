/* A baseline JPEG round trip without the file: only the steps that lose
 * information, done as libjpeg-turbo 2.1 does them with PIL's settings
 * (quality-scaled standard tables, 4:2:0, islow DCT, fancy upsampling).
 * Huffman coding is lossless, so encoding and decoding a file gives the same
 * pixels; skipping it, libjpeg's per-call set-up and its page-faulting pools
 * makes a 224x224 round trip several times faster.
 *
 * Encoder: RGB -> YCbCr (jccolor.c's 16-bit fixed point), chroma averaged
 * 2x2 with the alternating 1, 2 bias (jcsample.c), edges replicated as
 * jcprepct.c / jcsample.c pad them (the input's last column, the Y plane's and
 * the subsampled chroma's last rows), forward islow DCT (jfdctint.c),
 * quantisation by reciprocal (jcdctmgr.c). Decoder: dequantisation, islow
 * IDCT (jidctint.c; the SIMD build saturates out-of-range samples, as done
 * here), h2v2 fancy upsampling with the first/last chroma rows duplicated
 * as context (jdsample.c, jdmainct.c; plain replication when the subsampled
 * width is 2 or less), YCbCr -> RGB (jdcolor.c). tests/image checks the
 * bytes against libjpeg itself over many sizes and qualities.
 *
 * Vectorised with AVX2 (the engine's x86-64-v3 baseline): one 8x8 block is
 * eight rows of eight int32 lanes, each 1-D pass works on all eight lines at
 * once, and transposes switch between the row and column passes. On the
 * avx512 path the same passes (jpeg_islow_passes.h) take two blocks at once in
 * sixteen lanes: neighbouring Y blocks, a block's Cb with its Cr. */
#include "jpeg_lossy.h"

#include "../cpu.h"

#include <immintrin.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define FIX16(x) ((int32_t)((x) * 65536 + 0.5)) /* jccolor.c / jdcolor.c's FIX */

/* jfdctint.c / jidctint.c's CONST_BITS = 13 constants */
#define F_0_298 2446
#define F_0_390 3196
#define F_0_541 4433
#define F_0_765 6270
#define F_0_899 7373
#define F_1_175 9633
#define F_1_501 12299
#define F_1_847 15137
#define F_1_961 16069
#define F_2_053 16819
#define F_2_562 20995
#define F_3_072 25172

static const unsigned std_luminance[64] = {
    16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
    14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
    18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};
static const unsigned std_chrominance[64] = {
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99};

/* Per coefficient (natural order): the quantiser's reciprocal, rounding
 * correction and shift (jcdctmgr.c's compute_reciprocal for divisor 8 q, as
 * its SIMD quantiser uses them), and q for dequantising. */
typedef struct {
    int32_t recip[64], corr[64], shift[64], q[64];
} quant_table;

static void quant_table_make(quant_table *t, const unsigned *basic, int quality)
{
    int scale = quality < 50 ? 5000 / quality : 200 - 2 * quality; /* jpeg_quality_scaling */
    for (int i = 0; i < 64; i++) {
        long q = ((long)basic[i] * scale + 50) / 100; /* jpeg_add_quant_table, baseline */
        q = q < 1 ? 1 : q > 255 ? 255 : q;
        uint32_t d = (uint32_t)q << 3;
        int b = 31 - __builtin_clz(d), r = 16 + b;
        uint32_t fq = (1u << r) / d, fr = (1u << r) % d, c = d / 2;
        if (fr == 0) { /* power of two */
            fq >>= 1;
            r--;
        } else if (fr <= d / 2) {
            c++;
        } else {
            fq++;
        }
        t->recip[i] = (int32_t)fq;
        t->corr[i] = (int32_t)c;
        t->shift[i] = r;
        t->q[i] = (int32_t)q;
    }
}

/* int32 lanes held unsigned, so that sums wrap as the intrinsics' do and GCC keeps
 * them as written (signed overflow would let it reassociate: more instructions) */
typedef uint32_t u32x8 __attribute__((vector_size(32)));
typedef int32_t i32x8 __attribute__((vector_size(32)));
typedef uint32_t u32x16 __attribute__((vector_size(64)));
typedef int32_t i32x16 __attribute__((vector_size(64)));

/* Eight lanes (the avx2 and portable paths): one block, lanes = its eight lines. */
static inline u32x8 mul_v8(u32x8 x, int32_t c) { return (u32x8)_mm256_mullo_epi32((__m256i)x, _mm256_set1_epi32(c)); }
static inline u32x8 madd_v8(u32x8 x, u32x8 v) { return (u32x8)_mm256_madd_epi16((__m256i)x, (__m256i)v); }
static inline u32x8 row_v8(const int32_t *p) { return (u32x8)_mm256_loadu_si256((const __m256i *)p); }
static inline u32x8 abs_v8(u32x8 x) { return (u32x8)_mm256_abs_epi32((__m256i)x); }
/* psignd's zero for a zero x is m's own: a zero coefficient quantises to zero */
static inline u32x8 sign_of_v8(u32x8 m, u32x8 x) { return (u32x8)_mm256_sign_epi32((__m256i)m, (__m256i)x); }

static inline void transpose_v8(u32x8 d[8])
{
    __m256i r[8];
    for (int i = 0; i < 8; i++)
        r[i] = (__m256i)d[i];
    __m256i t0 = _mm256_unpacklo_epi32(r[0], r[1]), t1 = _mm256_unpackhi_epi32(r[0], r[1]);
    __m256i t2 = _mm256_unpacklo_epi32(r[2], r[3]), t3 = _mm256_unpackhi_epi32(r[2], r[3]);
    __m256i t4 = _mm256_unpacklo_epi32(r[4], r[5]), t5 = _mm256_unpackhi_epi32(r[4], r[5]);
    __m256i t6 = _mm256_unpacklo_epi32(r[6], r[7]), t7 = _mm256_unpackhi_epi32(r[6], r[7]);
    __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
    __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
    __m256i u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);
    __m256i u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);
    d[0] = (u32x8)_mm256_permute2x128_si256(u0, u4, 0x20);
    d[1] = (u32x8)_mm256_permute2x128_si256(u1, u5, 0x20);
    d[2] = (u32x8)_mm256_permute2x128_si256(u2, u6, 0x20);
    d[3] = (u32x8)_mm256_permute2x128_si256(u3, u7, 0x20);
    d[4] = (u32x8)_mm256_permute2x128_si256(u0, u4, 0x31);
    d[5] = (u32x8)_mm256_permute2x128_si256(u1, u5, 0x31);
    d[6] = (u32x8)_mm256_permute2x128_si256(u2, u6, 0x31);
    d[7] = (u32x8)_mm256_permute2x128_si256(u3, u7, 0x31);
}

/* The IDCT of a DC-only block, everywhere: its two passes' descales of DC << PASS1_BITS. */
static inline int dc_value(int dc)
{
    int v = ((dc * 4 + 16) >> 5) + 128;
    return v < 0 ? 0 : v > 255 ? 255 : v;
}

static inline void fill_block(uint8_t *p, size_t stride, int v)
{
    for (int r = 0; r < 8; r++)
        memset(p + r * stride, v, 8);
}

/* DC only: most blocks at low qualities */
static inline bool dc_only_v8(u32x8 d0, u32x8 rest, uint8_t *p0, uint8_t *p1, size_t stride)
{
    (void)p1;
    __m256i ac = (__m256i)(rest | (d0 & (u32x8){0, -1, -1, -1, -1, -1, -1, -1}));
    if (!_mm256_testz_si256(ac, ac))
        return false;
    fill_block(p0, stride, dc_value((int)d0[0]));
    return true;
}

/* The 8x8 bytes at p transposed (out[k] byte r = p[r stride + k]): byte unpacks are
 * far fewer shuffles than transposing the widened int32 rows. */
static inline void transpose_bytes_v8(const uint8_t *p, size_t stride, __m128i out[4])
{
    __m128i a[8];
    for (int r = 0; r < 8; r++)
        a[r] = _mm_loadl_epi64((const __m128i *)(p + r * stride));
    __m128i t0 = _mm_unpacklo_epi8(a[0], a[1]), t1 = _mm_unpacklo_epi8(a[2], a[3]);
    __m128i t2 = _mm_unpacklo_epi8(a[4], a[5]), t3 = _mm_unpacklo_epi8(a[6], a[7]);
    __m128i u0 = _mm_unpacklo_epi16(t0, t1), u1 = _mm_unpackhi_epi16(t0, t1);
    __m128i u2 = _mm_unpacklo_epi16(t2, t3), u3 = _mm_unpackhi_epi16(t2, t3);
    /* columns 0-1, 2-3, 4-5, 6-7, eight bytes each */
    out[0] = _mm_unpacklo_epi32(u0, u2), out[1] = _mm_unpackhi_epi32(u0, u2);
    out[2] = _mm_unpacklo_epi32(u1, u3), out[3] = _mm_unpackhi_epi32(u1, u3);
}

static inline void load_t_v8(u32x8 d[8], const uint8_t *p0, const uint8_t *p1, size_t stride)
{
    (void)p1;
    __m128i c[4];
    transpose_bytes_v8(p0, stride, c);
    for (int k = 0; k < 4; k++) {
        d[2 * k] = (u32x8)_mm256_cvtepu8_epi32(c[k]) - 128;
        d[2 * k + 1] = (u32x8)_mm256_cvtepu8_epi32(_mm_unpackhi_epi64(c[k], c[k])) - 128;
    }
}

/* The saturating packs are the 0..255 range limit (int32 -> int16 -> uint8 saturates
 * as one clamp), then the columns' bytes are transposed back into rows. */
static inline void store_t_v8(const u32x8 d[8], uint8_t *p0, uint8_t *p1, size_t stride)
{
    (void)p1;
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    uint8_t cols[64]; /* column k's eight bytes at 8 k */
    for (int h = 0; h < 2; h++) {
        __m256i w01 = _mm256_packs_epi32((__m256i)(d[4 * h] + 128), (__m256i)(d[4 * h + 1] + 128));
        __m256i w23 = _mm256_packs_epi32((__m256i)(d[4 * h + 2] + 128), (__m256i)(d[4 * h + 3] + 128));
        __m256i b = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(w01, w23), order);
        _mm256_storeu_si256((__m256i *)(cols + 32 * h), b);
    }
    __m128i r[4];
    transpose_bytes_v8(cols, 8, r);
    for (int k = 0; k < 4; k++) {
        _mm_storel_epi64((__m128i *)(p0 + 2 * k * stride), r[k]);
        _mm_storeh_pi((__m64 *)(p0 + (2 * k + 1) * stride), _mm_castsi128_ps(r[k]));
    }
}

#define PASS_V u32x8
#define PASS_S i32x8
#define PASS_ISA
#define PASS_NAME(f) f##_v8
#include "jpeg_islow_passes.h"
#undef PASS_V
#undef PASS_S
#undef PASS_ISA
#undef PASS_NAME

/* Sixteen lanes (the avx512 path): two blocks, p0's in lanes 0-7, p1's in 8-15
 * (the 256-bit halves), at the cost of one. */
PP_ISA_V4 static inline u32x16 mul_v16(u32x16 x, int32_t c) { return (u32x16)_mm512_mullo_epi32((__m512i)x, _mm512_set1_epi32(c)); }
PP_ISA_V4 static inline u32x16 madd_v16(u32x16 x, u32x16 v) { return (u32x16)_mm512_madd_epi16((__m512i)x, (__m512i)v); }
PP_ISA_V4 static inline u32x16 row_v16(const int32_t *p)
{
    return (u32x16)_mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)p));
}

PP_ISA_V4 static inline u32x16 abs_v16(u32x16 x) { return (u32x16)_mm512_abs_epi32((__m512i)x); }
PP_ISA_V4 static inline u32x16 sign_of_v16(u32x16 m, u32x16 x)
{
    return (u32x16)_mm512_mask_sub_epi32((__m512i)m, _mm512_movepi32_mask((__m512i)x), _mm512_setzero_si512(), (__m512i)m);
}

PP_ISA_V4 static inline void load_rows_v16(u32x16 d[8], const uint8_t *p0, const uint8_t *p1, size_t stride)
{
    for (int r = 0; r < 8; r++) {
        __m128i a = _mm_loadl_epi64((const __m128i *)(p0 + r * stride));
        __m128i b = _mm_loadl_epi64((const __m128i *)(p1 + r * stride));
        d[r] = (u32x16)_mm512_cvtepu8_epi32(_mm_unpacklo_epi64(a, b)) - 128;
    }
}

/* transpose_v8 in each 256-bit half: the unpacks work per 128-bit lane already,
 * the last step pairs 128-bit lanes within each half. */
PP_ISA_V4 static inline void transpose_v16(u32x16 d[8])
{
    __m512i r[8];
    for (int i = 0; i < 8; i++)
        r[i] = (__m512i)d[i];
    __m512i t0 = _mm512_unpacklo_epi32(r[0], r[1]), t1 = _mm512_unpackhi_epi32(r[0], r[1]);
    __m512i t2 = _mm512_unpacklo_epi32(r[2], r[3]), t3 = _mm512_unpackhi_epi32(r[2], r[3]);
    __m512i t4 = _mm512_unpacklo_epi32(r[4], r[5]), t5 = _mm512_unpackhi_epi32(r[4], r[5]);
    __m512i t6 = _mm512_unpacklo_epi32(r[6], r[7]), t7 = _mm512_unpackhi_epi32(r[6], r[7]);
    __m512i u0 = _mm512_unpacklo_epi64(t0, t2), u1 = _mm512_unpackhi_epi64(t0, t2);
    __m512i u2 = _mm512_unpacklo_epi64(t1, t3), u3 = _mm512_unpackhi_epi64(t1, t3);
    __m512i u4 = _mm512_unpacklo_epi64(t4, t6), u5 = _mm512_unpackhi_epi64(t4, t6);
    __m512i u6 = _mm512_unpacklo_epi64(t5, t7), u7 = _mm512_unpackhi_epi64(t5, t7);
    const __m512i lo = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13), hi = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
    d[0] = (u32x16)_mm512_permutex2var_epi64(u0, lo, u4);
    d[1] = (u32x16)_mm512_permutex2var_epi64(u1, lo, u5);
    d[2] = (u32x16)_mm512_permutex2var_epi64(u2, lo, u6);
    d[3] = (u32x16)_mm512_permutex2var_epi64(u3, lo, u7);
    d[4] = (u32x16)_mm512_permutex2var_epi64(u0, hi, u4);
    d[5] = (u32x16)_mm512_permutex2var_epi64(u1, hi, u5);
    d[6] = (u32x16)_mm512_permutex2var_epi64(u2, hi, u6);
    d[7] = (u32x16)_mm512_permutex2var_epi64(u3, hi, u7);
}

/* Both blocks DC only, or neither shortcut: the full IDCT gives a DC-only block
 * the same values. */
PP_ISA_V4 static inline bool dc_only_v16(u32x16 d0, u32x16 rest, uint8_t *p0, uint8_t *p1, size_t stride)
{
    u32x16 ac = rest | (d0 & (u32x16){0, -1, -1, -1, -1, -1, -1, -1, 0, -1, -1, -1, -1, -1, -1, -1});
    if (_mm512_test_epi32_mask((__m512i)ac, (__m512i)ac))
        return false;
    fill_block(p0, stride, dc_value((int)d0[0]));
    fill_block(p1, stride, dc_value((int)d0[8]));
    return true;
}

PP_ISA_V4 static inline void store_rows_v16(const u32x16 d[8], uint8_t *p0, uint8_t *p1, size_t stride)
{
    const __m512i zero = _mm512_setzero_si512(), top = _mm512_set1_epi32(255);
    for (int r = 0; r < 8; r++) {
        __m512i v = _mm512_min_epi32(_mm512_max_epi32((__m512i)(d[r] + 128), zero), top);
        __m128i b = _mm512_cvtepi32_epi8(v);
        _mm_storel_epi64((__m128i *)(p0 + r * stride), b);
        _mm_storeh_pi((__m64 *)(p1 + r * stride), _mm_castsi128_ps(b));
    }
}

PP_ISA_V4 static inline void load_t_v16(u32x16 d[8], const uint8_t *p0, const uint8_t *p1, size_t stride)
{
    load_rows_v16(d, p0, p1, stride);
    transpose_v16(d);
}

PP_ISA_V4 static inline void store_t_v16(u32x16 d[8], uint8_t *p0, uint8_t *p1, size_t stride)
{
    transpose_v16(d);
    store_rows_v16(d, p0, p1, stride);
}

#define PASS_V u32x16
#define PASS_S i32x16
#define PASS_ISA PP_ISA_V4
#define PASS_NAME(f) f##_v16
#include "jpeg_islow_passes.h"
#undef PASS_V
#undef PASS_S
#undef PASS_ISA
#undef PASS_NAME

/* RGB row -> Y row and full-width Cb, Cr rows (jccolor.c), w pixels. The
 * vector loop forms jccolor.c's sums by pairs of 16-bit products (pmaddwd),
 * the same integers: 38470 g = 19235 g + 19235 g, 32768 b = 16384 b + 16384 b. */
static void rgb_to_ycc_row(const uint8_t *rgb, int w, uint8_t *y, uint8_t *cb, uint8_t *cr)
{
    const int32_t yr = FIX16(0.29900), yg = FIX16(0.58700), yb = FIX16(0.11400);
    const int32_t br = -FIX16(0.16874), bg = -FIX16(0.33126), half = FIX16(0.50000);
    const int32_t rg = -FIX16(0.41869), rb = -FIX16(0.08131);
    const int32_t yoff = 1 << 15, coff = (128 << 16) + (1 << 15) - 1;
    const __m256i spread = _mm256_setr_epi32(0, 1, 2, 3, 3, 4, 5, 6);
    /* int16 pairs (first, second channel) of each pixel, from its bytes k and k + d */
#define PAIR(k, d) _mm256_setr_epi8(k, -1, k + d, -1, k + 3, -1, k + d + 3, -1, k + 6, -1, k + d + 6, -1, k + 9, -1, k + d + 9, -1, \
                                    k, -1, k + d, -1, k + 3, -1, k + d + 3, -1, k + 6, -1, k + d + 6, -1, k + 9, -1, k + d + 9, -1)
    const __m256i prg = PAIR(0, 1), pgb = PAIR(1, 1), prb = PAIR(0, 2);
#undef PAIR
#define W2(a, b) _mm256_set1_epi32((int32_t)(((uint32_t)(uint16_t)(int16_t)(b) << 16) | (uint16_t)(int16_t)(a)))
    const __m256i y_rg = W2(yr, yg / 2), y_gb = W2(yg - yg / 2, yb);
    const __m256i cb_rb = W2(br, half / 2), cb_gb = W2(bg, half - half / 2);
    const __m256i cr_rg = W2(half / 2, rg), cr_rb = W2(half - half / 2, rb);
#undef W2
    const __m256i vyoff = _mm256_set1_epi32(yoff), vcoff = _mm256_set1_epi32(coff);
    const __m256i gather = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    int x = 0;
    for (; x + 11 <= w; x += 8) { /* a 32-byte load per 8 pixels: stay 8 bytes inside */
        __m256i v = _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i *)(rgb + 3 * x)), spread);
        __m256i RG = _mm256_shuffle_epi8(v, prg), GB = _mm256_shuffle_epi8(v, pgb), RB = _mm256_shuffle_epi8(v, prb);
        __m256i Y = _mm256_add_epi32(_mm256_add_epi32(_mm256_madd_epi16(RG, y_rg), _mm256_madd_epi16(GB, y_gb)), vyoff);
        __m256i Cb = _mm256_add_epi32(_mm256_add_epi32(_mm256_madd_epi16(RB, cb_rb), _mm256_madd_epi16(GB, cb_gb)), vcoff);
        __m256i Cr = _mm256_add_epi32(_mm256_add_epi32(_mm256_madd_epi16(RG, cr_rg), _mm256_madd_epi16(RB, cr_rb)), vcoff);
        Y = _mm256_srli_epi32(Y, 16), Cb = _mm256_srli_epi32(Cb, 16), Cr = _mm256_srli_epi32(Cr, 16);
        /* bytes Y0-3 Cb0-3 Cr0-3 Cr0-3 | Y4-7 Cb4-7 Cr4-7 Cr4-7 -> Y0-7 Cb0-7 Cr0-7 */
        __m256i p = _mm256_packus_epi16(_mm256_packs_epi32(Y, Cb), _mm256_packs_epi32(Cr, Cr));
        p = _mm256_permutevar8x32_epi32(p, gather);
        __m128i lo = _mm256_castsi256_si128(p);
        _mm_storel_epi64((__m128i *)(y + x), lo);
        _mm_storeh_pi((__m64 *)(cb + x), _mm_castsi128_ps(lo));
        _mm_storel_epi64((__m128i *)(cr + x), _mm256_extracti128_si256(p, 1));
    }
    for (; x < w; x++) {
        int r = rgb[3 * x], g = rgb[3 * x + 1], b = rgb[3 * x + 2];
        y[x] = (uint8_t)((yr * r + yg * g + yb * b + yoff) >> 16);
        cb[x] = (uint8_t)((br * r + bg * g + half * b + coff) >> 16);
        cr[x] = (uint8_t)((half * r + rg * g + rb * b + coff) >> 16);
    }
}

/* jcsample.c's h2v2_downsample of two full rows into n samples. */
static void downsample_row(const uint8_t *a, const uint8_t *b, uint8_t *out, int n)
{
    const __m256i ones = _mm256_set1_epi8(1), bias = _mm256_set1_epi32(0x00020001);
    int c = 0;
    for (; c + 16 <= n; c += 16) {
        __m256i s = _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_loadu_si256((const __m256i *)(a + 2 * c)), ones),
                                     _mm256_maddubs_epi16(_mm256_loadu_si256((const __m256i *)(b + 2 * c)), ones));
        s = _mm256_srli_epi16(_mm256_add_epi16(s, bias), 2);
        __m128i lo = _mm256_castsi256_si128(s), hi = _mm256_extracti128_si256(s, 1);
        _mm_storeu_si128((__m128i *)(out + c), _mm_packus_epi16(lo, hi));
    }
    for (; c < n; c++)
        out[c] = (uint8_t)((a[2 * c] + a[2 * c + 1] + b[2 * c] + b[2 * c + 1] + 1 + (c & 1)) >> 2);
}

/* jdsample.c's h2v2 fancy upsampling of one output row: near is the closer
 * chroma row, far the other; n = downsampled width (> 2), 2 n outputs. cs has
 * room for n + 2 + 16 sums. */
static void fancy_row(const uint8_t *near, const uint8_t *far, int n, int16_t *cs, uint8_t *out)
{
    int16_t *s = cs + 1; /* s[-1] and s[n] replicate the edges */
    int c = 0;
    for (; c + 16 <= n; c += 16) {
        __m256i a = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(near + c)));
        __m256i b = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(far + c)));
        _mm256_storeu_si256((__m256i *)(s + c), _mm256_add_epi16(_mm256_add_epi16(a, _mm256_add_epi16(a, a)), b));
    }
    for (; c < n; c++)
        s[c] = (int16_t)(3 * near[c] + far[c]);
    s[-1] = s[0];
    s[n] = s[n - 1];
    const __m128i b8 = _mm_set1_epi16(8), b7 = _mm_set1_epi16(7);
    c = 0;
    for (; c + 8 <= n; c += 8) {
        __m128i m = _mm_loadu_si128((const __m128i *)(s + c));
        __m128i m3 = _mm_add_epi16(m, _mm_add_epi16(m, m));
        __m128i l = _mm_srli_epi16(_mm_add_epi16(_mm_add_epi16(m3, _mm_loadu_si128((const __m128i *)(s + c - 1))), b8), 4);
        __m128i r = _mm_srli_epi16(_mm_add_epi16(_mm_add_epi16(m3, _mm_loadu_si128((const __m128i *)(s + c + 1))), b7), 4);
        _mm_storeu_si128((__m128i *)(out + 2 * c), _mm_packus_epi16(_mm_unpacklo_epi16(l, r), _mm_unpackhi_epi16(l, r)));
    }
    for (; c < n; c++) {
        out[2 * c] = (uint8_t)((3 * s[c] + s[c - 1] + 8) >> 4);
        out[2 * c + 1] = (uint8_t)((3 * s[c] + s[c + 1] + 7) >> 4);
    }
}

/* jdcolor.c's YCbCr -> RGB of one row of w pixels. The vector loop takes 16
 * pixels in 16-bit lanes as libjpeg-turbo's SIMD does, with the same integers:
 * with x = Cr - 128, (91881 x + 2^15) >> 16 = x + ((mulhi(2 x, 26345) + 1) >> 1)
 * (91881 = 2^16 + 26345, and floor(floor(a / 2^15 + 1) / 2) = floor((a + 2^15) / 2^16));
 * B likewise with 116130 = 2^17 - 14942; G's two products by pmaddwd, -46802 =
 * 18734 - 2^16. Saturating packs are the range limit. */
static void ycc_to_rgb_row(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, int w, uint8_t *rgb)
{
    const int32_t crr = FIX16(1.40200), cbb = FIX16(1.77200), cbg = -FIX16(0.34414), crg = -FIX16(0.71414);
    const int32_t half = 1 << 15;
    const __m256i c128 = _mm256_set1_epi16(128), one = _mm256_set1_epi16(1);
    const __m256i f_r = _mm256_set1_epi16((int16_t)(crr - 65536)), f_b = _mm256_set1_epi16((int16_t)(cbb - 131072));
    const __m256i f_g = _mm256_set1_epi32((int32_t)(((uint32_t)(uint16_t)(int16_t)(crg + 65536) << 16) | (uint16_t)(int16_t)cbg));
    const __m256i vhalf = _mm256_set1_epi32(half);
    /* per 128-bit lane: rg = r0-7 g0-7, bb = b0-7 b0-7 -> r0 g0 b0 ... r5 | g5 b5 r6 g6 b6 r7 g7 b7 */
    const __m256i m_rg0 = _mm256_setr_epi8(0, 8, -1, 1, 9, -1, 2, 10, -1, 3, 11, -1, 4, 12, -1, 5,
                                           0, 8, -1, 1, 9, -1, 2, 10, -1, 3, 11, -1, 4, 12, -1, 5);
    const __m256i m_b0 = _mm256_setr_epi8(-1, -1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1,
                                          -1, -1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1);
    const __m256i m_rg1 = _mm256_setr_epi8(13, -1, 6, 14, -1, 7, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                           13, -1, 6, 14, -1, 7, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m256i m_b1 = _mm256_setr_epi8(-1, 5, -1, -1, 6, -1, -1, 7, -1, -1, -1, -1, -1, -1, -1, -1,
                                          -1, 5, -1, -1, 6, -1, -1, 7, -1, -1, -1, -1, -1, -1, -1, -1);
    int x = 0;
    for (; x + 16 <= w; x += 16) {
        __m256i Y = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(y + x)));
        __m256i B = _mm256_sub_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(cb + x))), c128);
        __m256i R = _mm256_sub_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(cr + x))), c128);
        __m256i r = _mm256_srai_epi16(_mm256_add_epi16(_mm256_mulhi_epi16(_mm256_add_epi16(R, R), f_r), one), 1);
        r = _mm256_add_epi16(_mm256_add_epi16(Y, R), r);
        __m256i b = _mm256_srai_epi16(_mm256_add_epi16(_mm256_mulhi_epi16(_mm256_add_epi16(B, B), f_b), one), 1);
        b = _mm256_add_epi16(_mm256_add_epi16(Y, _mm256_add_epi16(B, B)), b);
        __m256i glo = _mm256_srai_epi32(_mm256_add_epi32(_mm256_madd_epi16(_mm256_unpacklo_epi16(B, R), f_g), vhalf), 16);
        __m256i ghi = _mm256_srai_epi32(_mm256_add_epi32(_mm256_madd_epi16(_mm256_unpackhi_epi16(B, R), f_g), vhalf), 16);
        __m256i g = _mm256_add_epi16(_mm256_sub_epi16(Y, R), _mm256_packs_epi32(glo, ghi));
        __m256i rg = _mm256_packus_epi16(r, g), bb = _mm256_packus_epi16(b, b);
        __m256i p0 = _mm256_or_si256(_mm256_shuffle_epi8(rg, m_rg0), _mm256_shuffle_epi8(bb, m_b0));
        __m256i p1 = _mm256_or_si256(_mm256_shuffle_epi8(rg, m_rg1), _mm256_shuffle_epi8(bb, m_b1));
        uint8_t *d = rgb + 3 * x;
        _mm_storeu_si128((__m128i *)d, _mm256_castsi256_si128(p0));
        _mm_storel_epi64((__m128i *)(d + 16), _mm256_castsi256_si128(p1));
        _mm_storeu_si128((__m128i *)(d + 24), _mm256_extracti128_si256(p0, 1));
        _mm_storel_epi64((__m128i *)(d + 40), _mm256_extracti128_si256(p1, 1));
    }
    for (; x < w; x++) {
        int Yv = y[x], Bv = cb[x] - 128, Rv = cr[x] - 128;
        int v[3] = {Yv + ((crr * Rv + half) >> 16), Yv + ((cbg * Bv + half + crg * Rv) >> 16), Yv + ((cbb * Bv + half) >> 16)};
        for (int k = 0; k < 3; k++)
            rgb[3 * x + k] = (uint8_t)(v[k] < 0 ? 0 : v[k] > 255 ? 255 : v[k]);
    }
}

static void replicate_right(uint8_t *row, int from, int to)
{
    if (from < to)
        memset(row + from, row[from - 1], (size_t)(to - from));
}

pp_status pp_jpeg_lossy(const pp_image *in, pp_image *out, int quality, pp_error *err)
{
    if (in->channels != 3 || out->channels != 3 || out->width != in->width || out->height != in->height)
        return pp_fail(err, PP_ERR_SHAPE, "the in-process JPEG round trip takes RGB to RGB of one size, not %d to %d channels",
                       in->channels, out->channels);
    quality = quality < 1 ? 1 : quality > 100 ? 100 : quality;
    int w = in->width, h = in->height;
    /* Full-size planes: Y padded to whole blocks, stride a whole MCU; the
     * subsampled chroma planes (sw x ch blocks' worth). */
    int mw = (w + 15) / 16, mh = (h + 15) / 16;
    int stride = 16 * mw, yrows = 8 * ((h + 7) / 8);
    int cstride = 8 * mw, crows = 8 * mh, dsw = (w + 1) / 2, dsh = (h + 1) / 2;
    size_t slack = 64; /* vector loads past a row's end */
    size_t ybytes = (size_t)stride * yrows, cbytes = (size_t)cstride * crows;
    uint8_t *buf = malloc(ybytes + 2 * cbytes + 4 * (size_t)stride + 2 * ((size_t)w + slack) + slack);
    int16_t *cs = malloc(sizeof(int16_t) * ((size_t)dsw + 2 + 16));
    quant_table *tabs = aligned_alloc(32, sizeof(quant_table) * 2);
    if (!buf || !cs || !tabs) {
        free(buf), free(cs), free(tabs);
        return pp_fail(err, PP_ERR_NOMEM, "out of memory for a %dx%d JPEG round trip", w, h);
    }
    uint8_t *Y = buf, *Cb = Y + ybytes, *Cr = Cb + cbytes;
    uint8_t *full = Cr + cbytes; /* two full-width Cb rows, then two Cr rows */
    uint8_t *ucb = full + 4 * (size_t)stride, *ucr = ucb + w + slack;
    quant_table_make(&tabs[0], std_luminance, quality);
    quant_table_make(&tabs[1], std_chrominance, quality);

    /* Encoder: colour conversion and 2x2 averaging, two image rows at a time
     * (an odd last row is paired with itself, as jcprepct.c pads it). */
    for (int j = 0; j < dsh; j++) {
        for (int k = 0; k < 2; k++) {
            int row = 2 * j + k < h ? 2 * j + k : h - 1;
            uint8_t *yr = Y + (size_t)(2 * j + k) * stride, *fb = full + (size_t)k * stride;
            uint8_t *fr = full + (size_t)(2 + k) * stride;
            rgb_to_ycc_row(in->pixels + (size_t)row * w * 3, w, yr, fb, fr);
            replicate_right(yr, w, stride);
            replicate_right(fb, w, stride);
            replicate_right(fr, w, stride);
        }
        downsample_row(full, full + stride, Cb + (size_t)j * cstride, cstride);
        downsample_row(full + 2 * (size_t)stride, full + 3 * (size_t)stride, Cr + (size_t)j * cstride, cstride);
    }
    for (int r = 2 * dsh; r < yrows; r++) /* rows 2 dsh .. (h odd: row h is row h - 1's copy) */
        memcpy(Y + (size_t)r * stride, Y + (size_t)(2 * dsh - 1) * stride, stride);
    for (int r = dsh; r < crows; r++) {
        memcpy(Cb + (size_t)r * cstride, Cb + (size_t)(dsh - 1) * cstride, cstride);
        memcpy(Cr + (size_t)r * cstride, Cr + (size_t)(dsh - 1) * cstride, cstride);
    }
    /* The blocks: Y's up to the image's blocks, chroma's all (the MCUs'). */
    int ybw = (w + 7) / 8, ybh = (h + 7) / 8;
    const bool pairs = pp_cpu_path() == PP_CPU_AVX512;
    for (int by = 0; by < ybh; by++) {
        uint8_t *row = Y + (size_t)8 * by * stride;
        int bx = 0;
        for (; pairs && bx + 2 <= ybw; bx += 2)
            block_roundtrip_v16(row + 8 * bx, row + 8 * bx + 8, stride, &tabs[0]);
        for (; bx < ybw; bx++)
            block_roundtrip_v8(row + 8 * bx, NULL, stride, &tabs[0]);
    }
    for (int by = 0; by < mh; by++)
        for (int bx = 0; bx < mw; bx++) {
            size_t at = (size_t)8 * by * cstride + 8 * bx;
            if (pairs) {
                block_roundtrip_v16(Cb + at, Cr + at, cstride, &tabs[1]);
            } else {
                block_roundtrip_v8(Cb + at, NULL, cstride, &tabs[1]);
                block_roundtrip_v8(Cr + at, NULL, cstride, &tabs[1]);
            }
        }
    /* Decoder: upsampling and colour conversion, a row at a time. */
    for (int y = 0; y < h; y++) {
        int i = y / 2, other = y & 1 ? (i + 1 < dsh ? i + 1 : dsh - 1) : (i > 0 ? i - 1 : 0);
        const uint8_t *cbn = Cb + (size_t)i * cstride, *crn = Cr + (size_t)i * cstride;
        if (dsw > 2) {
            fancy_row(cbn, Cb + (size_t)other * cstride, dsw, cs, ucb);
            fancy_row(crn, Cr + (size_t)other * cstride, dsw, cs, ucr);
        } else {
            for (int x = 0; x < w; x++)
                ucb[x] = cbn[x / 2], ucr[x] = crn[x / 2];
        }
        ycc_to_rgb_row(Y + (size_t)y * stride, ucb, ucr, w, out->pixels + (size_t)y * w * 3);
    }
    free(buf), free(cs), free(tabs);
    return PP_OK;
}

pp_status pp_jpeg_lossy_roundtrip(pp_image *img, int quality, pp_error *err)
{
    return pp_jpeg_lossy(img, img, quality, err);
}

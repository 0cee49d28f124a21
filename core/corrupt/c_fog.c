/* fog: a diamond-square plasma fractal (toroidal, side = next power of two of the
 * longest image side) added to the image, rescaled by max / (max + strength). Each map
 * point's random draw is tied to its position, so the decay (severity) reshapes one
 * fixed fractal instead of drawing a new one. */
#include "corrupt_impl.h"

#include <immintrin.h>

/* The least (or greatest) of n floats and start, in eight lanes where n allows: GCC
 * leaves the scalar `a < b ? a : b` reduction unvectorised (NaN rules; there are
 * no NaNs here, and a NaN-free min's value does not depend on the order). */
static float extreme_of(const float *v, size_t n, float start, bool greatest)
{
    float e = start;
    size_t i = 0;
    if (n >= 8) {
        __m256 m = _mm256_set1_ps(start);
        for (; i + 8 <= n; i += 8)
            m = greatest ? _mm256_max_ps(m, _mm256_loadu_ps(v + i)) : _mm256_min_ps(m, _mm256_loadu_ps(v + i));
        float l[8];
        _mm256_storeu_ps(l, m);
        for (int k = 0; k < 8; k++)
            e = (greatest ? l[k] > e : l[k] < e) ? l[k] : e;
    }
    for (; i < n; i++)
        e = (greatest ? v[i] > e : v[i] < e) ? v[i] : e;
    return e;
}

/* plasma_fractal(mapsize = n, wibbledecay = decay), normalised to [0, 1]. */
static void plasma(uint64_t key, int n, double decay, float *map /* (n, n) */)
{
    int mask = n - 1;
#define AT(y, x) map[(size_t)((y) & mask) * n + ((x) & mask)]
#define WIB(y, x) (wibble * wibble * (2.0 * pp_rng_uniform(key, (uint64_t)((y) & mask) * n + ((x) & mask)) - 1.0))
    map[0] = 0;
    double wibble = 100;
    for (int step = n; step >= 2; step /= 2, wibble /= decay) {
        int half = step / 2;
        for (int y = 0; y < n; y += step)
            for (int x = 0; x < n; x += step)
                AT(y + half, x + half) = (float)((AT(y, x) + AT(y + step, x) + AT(y, x + step) +
                                                  AT(y + step, x + step)) / 4.0 + WIB(y + half, x + half));
        for (int y = 0; y < n; y += step)
            for (int x = 0; x < n; x += step) {
                /* (grid row, half column): centres above/below, corners left/right */
                AT(y, x + half) = (float)((AT(y + half, x + half) + AT(y - half, x + half) +
                                           AT(y, x) + AT(y, x + step)) / 4.0 + WIB(y, x + half));
            }
        for (int y = 0; y < n; y += step)
            for (int x = 0; x < n; x += step)
                AT(y + half, x) = (float)((AT(y + half, x + half) + AT(y + half, x - half) +
                                           AT(y, x) + AT(y + step, x)) / 4.0 + WIB(y + half, x));
    }
#undef AT
#undef WIB
    size_t nn = (size_t)n * n;
    float lo = extreme_of(map, nn, map[0], false);
    for (size_t i = 0; i < nn; i++)
        map[i] -= lo;
    float hi = extreme_of(map, nn, 0, true);
    if (hi > 0)
        for (size_t i = 0; i < nn; i++)
            map[i] /= hi;
}

static pp_status apply(const pp_corruption_ctx *ctx, const pp_image *in, pp_image *out,
                       pp_error *err)
{
    double strength = ctx->p[0], decay = ctx->p[1];
    int h = in->height, w = in->width, c = in->channels;
    int side = h > w ? h : w, n = 1;
    while (n < side)
        n *= 2;
    if (n < 2)
        n = 2;
    float *map = pp_floats_alloc((size_t)n * n, err); /* (n, n) */
    if (!map)
        return PP_ERR_NOMEM;
    plasma(pp_rng_key(ctx->seed, PP_STREAM_FOG), n, decay, map);
    size_t npx = (size_t)h * w * c;
    int mx = 0;
    for (size_t i = 0; i < npx; i++)
        mx = in->pixels[i] > mx ? in->pixels[i] : mx;
    double m = mx / 255.0;
    float k = m + strength > 0 ? (float)(m / (m + strength)) : 1.f;
    float s = (float)strength;
    /* restrict: a byte store may alias anything, and the compiler would reload */
    const uint8_t *restrict src = in->pixels;
    uint8_t *restrict dst = out->pixels;
    /* a row of the haze per channel value, so that the row's loop is one vector loop */
    float *haze = pp_floats_alloc((size_t)w * c, err);
    if (!haze) {
        pp_floats_free(map);
        return PP_ERR_NOMEM;
    }
    const size_t rowlen = (size_t)w * c;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++)
            for (int ch = 0; ch < c; ch++)
                haze[(size_t)x * c + ch] = s * map[(size_t)y * n + x];
        const uint8_t *restrict sr = src + (size_t)y * rowlen;
        uint8_t *restrict dr = dst + (size_t)y * rowlen;
        for (size_t i = 0; i < rowlen; i++)
            dr[i] = pp_unit_to_u8((sr[i] * (1.f / 255.f) + haze[i]) * k);
    }
    pp_floats_free(haze);
    pp_floats_free(map);
    return PP_OK;
}

const pp_corruption pp_corruption_fog = {
    .name = "fog",
    .summary = "fog: a plasma fractal haze",
    .family = PP_FAMILY_WEATHER,
    .band = PP_BAND_LOW,
    .random = true,
    .n_params = 2,
    .params = {{"strength", "weight of the fractal haze", 0, 10, 0, 0,
                {1.5, 2, 2.5, 2.5, 3}, {.2, .5, .75, 1, 1.5}},
               {"decay", "wibble decay per octave (lower = rougher)", 1, 8, 2, 0,
                {2, 2, 1.7, 1.5, 1.4}, {3, 3, 2.5, 2, 1.75}}},
    .apply = apply,
};

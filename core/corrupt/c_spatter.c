/* spatter (extra): water drops or mud from a thresholded, blurred Gaussian field.
 * Mud follows the reference. Water follows its OpenCV chain (Canny 50/150, 5x5 chamfer
 * distance transform, equalised, embossed). */
#include "corrupt_impl.h"
#include "noise_field.h"
#include "spatter_water.h"

/* cv2.distanceTransform(DIST_L2, 5): the 5x5 chamfer distance (weights 1, 1.4,
 * 2.1969) to the nearest edge pixel, two passes, outside the image counts as far. */
static inline void relax(float *p, float candidate)
{
    *p = candidate < *p ? candidate : *p;
}

static void chamfer(const uint8_t *edge, float *d, int h, int w)
{
    static const int off[4][2] = {{0, -1}, {-1, -1}, {-1, 0}, {-1, 1}}; /* (dy, dx), forward */
    static const int knight[4][2] = {{-2, -1}, {-2, 1}, {-1, -2}, {-1, 2}};
    const float a = 1.f, b = 1.4f, c = 2.1969f, big = 1e9f;
    for (size_t i = 0; i < (size_t)h * w; i++)
        d[i] = edge[i] ? 0.f : big;
    for (int pass = 0; pass < 2; pass++) {
        int sgn = pass ? -1 : 1;
        /* neighbour offsets in the array, in the order the checks run */
        long step[8];
        float add[8];
        for (int k = 0; k < 4; k++) {
            step[2 * k] = sgn * ((long)off[k][0] * w + off[k][1]), add[2 * k] = (k & 1) ? b : a;
            step[2 * k + 1] = sgn * ((long)knight[k][0] * w + knight[k][1]), add[2 * k + 1] = c;
        }
        for (int yy = 0; yy < h; yy++) {
            int y = pass ? h - 1 - yy : yy;
            const bool inner_row = y >= 2 && y < h - 2;
            for (int xx = 0; xx < w; xx++) {
                int x = pass ? w - 1 - xx : xx;
                float *p = d + (size_t)y * w + x;
                if (inner_row && x >= 2 && x < w - 2) { /* every neighbour inside */
                    /* in a register: no neighbour is p itself, so the minima are the same.
                     * The previous pixel (k = 0, just written) last: the other seven do
                     * not wait for it, and the chain from pixel to pixel is one add and
                     * one min (a minimum is exact, so the order changes no value) */
                    float v = *p;
                    for (int k = 1; k < 8; k++) {
                        float cand = p[step[k]] + add[k];
                        v = cand < v ? cand : v;
                    }
                    const float left = p[step[0]] + add[0];
                    *p = left < v ? left : v;
                    continue;
                }
                for (int k = 0; k < 4; k++) {
                    int ny = y + sgn * off[k][0], nx = x + sgn * off[k][1];
                    if (ny >= 0 && ny < h && nx >= 0 && nx < w)
                        relax(p, d[(size_t)ny * w + nx] + ((k & 1) ? b : a));
                    ny = y + sgn * knight[k][0], nx = x + sgn * knight[k][1];
                    if (ny >= 0 && ny < h && nx >= 0 && nx < w)
                        relax(p, d[(size_t)ny * w + nx] + c);
                }
            }
        }
    }
}

/* A copy of a plane with a one-pixel border (mode), so 3x3 windows need no
 * index checks: (h + 2, w + 2). */
static void pad1_float(const float *s, float *p, int h, int w, pp_border mode)
{
    for (int y = -1; y <= h; y++) {
        const float *row = s + (size_t)pp_border_index(y, h, mode) * w;
        float *o = p + (size_t)(y + 1) * (w + 2);
        o[0] = row[pp_border_index(-1, w, mode)];
        memcpy(o + 1, row, sizeof(float) * (size_t)w);
        o[w + 1] = row[pp_border_index(w, w, mode)];
    }
}

static void pad1_u8(const uint8_t *s, uint8_t *p, int h, int w, pp_border mode)
{
    for (int y = -1; y <= h; y++) {
        const uint8_t *row = s + (size_t)pp_border_index(y, h, mode) * w;
        uint8_t *o = p + (size_t)(y + 1) * (w + 2);
        o[0] = row[pp_border_index(-1, w, mode)];
        memcpy(o + 1, row, (size_t)w);
        o[w + 1] = row[pp_border_index(w, w, mode)];
    }
}

/* cv2.blur 3x3, border reflect-101; pad: (h + 2) (w + 2) floats of scratch. */
static void box3(const float *s, float *d, float *pad, int h, int w)
{
    pad1_float(s, pad, h, w, PP_BORDER_REFLECT101);
    const size_t pw = (size_t)w + 2;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float acc = 0;
            for (int j = 0; j < 3; j++)
                for (int i = 0; i < 3; i++)
                    acc += pad[(y + j) * pw + x + i];
            d[(size_t)y * w + x] = acc / 9.f;
        }
}

/* cv2.Canny(img, 50, 150) with a 3x3 Sobel (replicated border), L1 magnitude,
 * non-maximum suppression in 4 directions and 8-connected hysteresis. edge: 1 = edge. */
static void canny(const uint8_t *img, uint8_t *pad, uint8_t *edge, int *mag, int *gx, int *gy, int h, int w,
                  int low, int high)
{
    pad1_u8(img, pad, h, w, PP_BORDER_NEAREST);
#define PX(y, x) pad[(size_t)((y) + 1) * (w + 2) + (x) + 1]
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int dx = (PX(y - 1, x + 1) + 2 * PX(y, x + 1) + PX(y + 1, x + 1)) -
                     (PX(y - 1, x - 1) + 2 * PX(y, x - 1) + PX(y + 1, x - 1));
            int dy = (PX(y + 1, x - 1) + 2 * PX(y + 1, x) + PX(y + 1, x + 1)) -
                     (PX(y - 1, x - 1) + 2 * PX(y - 1, x) + PX(y - 1, x + 1));
            size_t i = (size_t)y * w + x;
            gx[i] = dx, gy[i] = dy, mag[i] = abs(dx) + abs(dy);
        }
#undef PX
    /* 0 = no, 1 = candidate, 2 = edge */
    const int TG22 = (int)(0.4142135623730950488 * (1 << 15) + 0.5);
#define MAG(y, x) (((y) < 0 || (y) >= h || (x) < 0 || (x) >= w) ? 0 : mag[(size_t)(y) * w + (x)])
    size_t n = (size_t)h * w, top = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            int m = mag[i];
            edge[i] = 0;
            if (m <= low)
                continue;
            int xs = gx[i], ys = gy[i], ax = abs(xs), ay = abs(ys) << 15;
            int tg22x = ax * TG22;
            bool keep;
            if (ay < tg22x) {
                keep = m > MAG(y, x - 1) && m >= MAG(y, x + 1);
            } else {
                int tg67x = tg22x + (ax << 16);
                if (ay > tg67x) {
                    keep = m > MAG(y - 1, x) && m >= MAG(y + 1, x);
                } else {
                    int sgn = (xs ^ ys) < 0 ? -1 : 1;
                    keep = m > MAG(y - 1, x - sgn) && m > MAG(y + 1, x + sgn);
                }
            }
            if (keep)
                edge[i] = m > high ? 2 : 1;
        }
#undef MAG
    /* hysteresis: grow strong edges into 8-connected candidates (gx reused as a stack) */
    int *st = gx;
    for (size_t i = 0; i < n; i++)
        if (edge[i] == 2)
            st[top++] = (int)i;
    while (top) {
        int i = st[--top], y = i / w, x = i % w;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) {
                int yy = y + dy, xx = x + dx;
                if (yy < 0 || yy >= h || xx < 0 || xx >= w)
                    continue;
                size_t j = (size_t)yy * w + xx;
                if (edge[j] == 1) {
                    edge[j] = 2;
                    st[top++] = (int)j;
                }
            }
    }
    for (size_t i = 0; i < n; i++)
        edge[i] = edge[i] == 2;
}

void pp_spatter_water_mask(const float *liquid, float *m, float *t1, float *t2, uint8_t *u8, int h, int w)
{
    size_t hw = (size_t)h * w;
    /* cv2.Canny on the 8-bit liquid (values above 1 saturate rather than wrap) */
    const size_t padded = (size_t)(h + 2) * (w + 2);
    uint8_t *l8 = calloc(hw, 1), *pad8 = malloc(padded);
    int *ibuf = malloc(sizeof(int) * 3 * hw);
    float *padf = malloc(sizeof(float) * padded);
    if (!l8 || !ibuf || !pad8 || !padf) {
        free(l8), free(ibuf), free(pad8), free(padf);
        memset(m, 0, sizeof(float) * hw);
        return;
    }
    for (size_t i = 0; i < hw; i++) {
        float v = liquid[i] * 255.f;
        l8[i] = (uint8_t)(v >= 255.f ? 255.f : v);
    }
    canny(l8, pad8, u8, ibuf, ibuf + hw, ibuf + 2 * hw, h, w, 50, 150);
    free(l8), free(ibuf);
    chamfer(u8, t1, h, w);
    for (size_t i = 0; i < hw; i++)
        t1[i] = t1[i] < 20.f ? t1[i] : 20.f;
    box3(t1, t2, padf, h, w);
    /* uint8 cast, then cv2.equalizeHist */
    int hist[256] = {0};
    for (size_t i = 0; i < hw; i++) {
        u8[i] = (uint8_t)t2[i];
        hist[u8[i]]++;
    }
    uint8_t lut[256] = {0};
    int first = 0;
    while (first < 255 && !hist[first])
        first++;
    if ((size_t)hist[first] == hw) {
        for (int i = 0; i < 256; i++)
            lut[i] = (uint8_t)first;
    } else {
        float scale = 255.f / (float)(hw - hist[first]);
        int sum = 0;
        for (int i = first + 1; i < 256; i++) {
            sum += hist[i];
            float v = rintf(sum * scale);
            lut[i] = (uint8_t)(v > 255 ? 255 : v);
        }
    }
    /* emboss [[-2 -1 0] [-1 1 1] [0 1 2]] into CV_8U (saturating), then blur 3x3 */
    static const int ker[9] = {-2, -1, 0, -1, 1, 1, 0, 1, 2};
    for (size_t i = 0; i < hw; i++)
        u8[i] = lut[u8[i]];
    pad1_u8(u8, pad8, h, w, PP_BORDER_REFLECT101);
    const size_t pw = (size_t)w + 2;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int acc = 0;
            for (int j = 0; j < 3; j++)
                for (int i = 0; i < 3; i++)
                    acc += ker[j * 3 + i] * pad8[(y + j) * pw + x + i];
            t1[(size_t)y * w + x] = (float)(acc < 0 ? 0 : acc > 255 ? 255 : acc);
        }
    box3(t1, t2, padf, h, w);
    free(pad8), free(padf);
    float mx = 0;
    for (size_t i = 0; i < hw; i++) {
        m[i] = liquid[i] * t2[i];
        mx = m[i] > mx ? m[i] : mx;
    }
    for (size_t i = 0; i < hw; i++)
        m[i] = mx > 0 ? m[i] / mx : 0;
}

/* min(x, 1) as a select, not a libm fminf call per value */
static inline float min1(float x)
{
    return x < 1.f ? x : 1.f;
}

static pp_status apply(const pp_corruption_ctx *ctx, const pp_image *in, pp_image *out,
                       pp_error *err)
{
    const double *p = ctx->p;
    double mean = p[0], sd = p[1], sigma = p[2], thr = p[3], intensity = p[4], mud_sigma = p[5];
    bool mud = p[6] >= 0.5;
    int h = in->height, w = in->width, c = in->channels;
    size_t hw = (size_t)h * w;
    float *liquid = pp_floats_alloc(hw, err), *m = pp_floats_alloc(hw, err); /* (H, W) */
    float *t1 = pp_floats_alloc(hw, err), *t2 = pp_floats_alloc(hw, err);
    uint8_t *u8 = malloc(hw);
    pp_status st = PP_OK;
    if (!liquid || !m || !t1 || !t2 || !u8) {
        st = pp_fail(err, PP_ERR_NOMEM, "out of memory for spatter");
        goto done;
    }
    pp_noise_normal_fill(pp_rng_key(ctx->seed, PP_STREAM_SPATTER), 0, liquid, hw);
    for (size_t i = 0; i < hw; i++)
        liquid[i] = (float)(mean + sd * liquid[i]);
    if ((st = pp_gaussian_plane(liquid, liquid, h, w, sigma, 4.0, PP_BORDER_NEAREST, err)))
        goto done;
    for (size_t i = 0; i < hw; i++)
        if (liquid[i] < thr)
            liquid[i] = 0;
    static const float water[3] = {175 / 255.f, 238 / 255.f, 238 / 255.f};
    static const float brown[3] = {63 / 255.f, 42 / 255.f, 20 / 255.f};
    if (!mud) {
        pp_spatter_water_mask(liquid, m, t1, t2, u8, h, w);
        for (size_t i = 0; i < hw; i++) {
            float k = m[i] * (float)intensity;
            const uint8_t *s = in->pixels + i * c;
            uint8_t *d = out->pixels + i * c;
            if (c == 3) {
                for (int ch = 0; ch < 3; ch++)
                    d[ch] = pp_unit_to_u8(s[ch] / 255.f + min1(k * water[ch]));
            } else {
                float g = 0.2989f * min1(k * water[0]) + 0.587f * min1(k * water[1]) +
                          0.114f * min1(k * water[2]);
                d[0] = pp_unit_to_u8(s[0] / 255.f + g);
            }
        }
    } else {
        for (size_t i = 0; i < hw; i++)
            m[i] = liquid[i] > thr ? 1.f : 0.f;
        if ((st = pp_gaussian_plane(m, m, h, w, mud_sigma, 4.0, PP_BORDER_NEAREST, err)))
            goto done;
        for (size_t i = 0; i < hw; i++) {
            float k = m[i] < 0.8f ? 0.f : m[i];
            const uint8_t *s = in->pixels + i * c;
            uint8_t *d = out->pixels + i * c;
            if (c == 3) {
                for (int ch = 0; ch < 3; ch++)
                    d[ch] = pp_unit_to_u8(s[ch] / 255.f * (1 - k) + k * brown[ch]);
            } else {
                float g = 0.2989f * brown[0] + 0.587f * brown[1] + 0.114f * brown[2];
                d[0] = pp_unit_to_u8(s[0] / 255.f * (1 - k) + k * g);
            }
        }
    }
done:
    pp_floats_free(liquid), pp_floats_free(m), pp_floats_free(t1), pp_floats_free(t2), free(u8);
    return st;
}

const pp_corruption pp_corruption_spatter = {
    .name = "spatter",
    .summary = "(extra) water drops (s1-3) or mud (s4-5) on the lens",
    .family = PP_FAMILY_WEATHER,
    .band = PP_BAND_MID,
    .random = true,
    .n_params = 7,
    .params = {{"mean", "mean of the liquid field", -2, 2, NAN, 0,
                {.65, .65, .65, .65, .67}, {.62, .65, .65, .65, .65}},
               {"std", "std of the liquid field", 0, 2, NAN, 0,
                {.3, .3, .3, .3, .4}, {.1, .1, .3, .1, .1}},
               {"sigma", "blur of the liquid field in pixels", 0, 64, NAN, PP_PARAM_PIXELS,
                {4, 3, 2, 1, 1}, {.7, .8, 1, .7, .5}},
               {"threshold", "liquid below this is dry", 0, 2, NAN, 0,
                {.69, .68, .68, .65, .65}, {.7, .7, .69, .69, .68}},
               {"intensity", "water: strength of the tint", 0, 4, NAN, 0,
                {.6, .6, .5, .5, .5}, {.5, .5, .5, .5, .5}},
               {"mud_sigma", "mud: blur of the mud mask in pixels", 0, 64, NAN, PP_PARAM_PIXELS,
                {1.5, 1.5, 1.5, 1.5, 1.5}, {.6, .6, .6, .6, .6}},
               {"mud", "0 = water drops, 1 = mud", 0, 1, NAN, PP_PARAM_INTEGER,
                {0, 0, 0, 1, 1}, {0, 0, 0, 1, 1}}},
    .apply = apply,
};

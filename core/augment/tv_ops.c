#include "tv_ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = {
    [PP_TV_IDENTITY] = "Identity",         [PP_TV_SHEAR_X] = "ShearX",     [PP_TV_SHEAR_Y] = "ShearY",
    [PP_TV_TRANSLATE_X] = "TranslateX",    [PP_TV_TRANSLATE_Y] = "TranslateY", [PP_TV_ROTATE] = "Rotate",
    [PP_TV_BRIGHTNESS] = "Brightness",     [PP_TV_COLOR] = "Color",        [PP_TV_CONTRAST] = "Contrast",
    [PP_TV_SHARPNESS] = "Sharpness",       [PP_TV_POSTERIZE] = "Posterize", [PP_TV_SOLARIZE] = "Solarize",
    [PP_TV_AUTOCONTRAST] = "AutoContrast", [PP_TV_EQUALIZE] = "Equalize",  [PP_TV_INVERT] = "Invert",
};

const char *pp_tv_op_name(pp_tv_op op)
{
    return op <= PP_TV_INVERT ? names[op] : "?";
}

void pp_torch_linspace(float *out, float start, float end, int steps)
{
    if (steps == 1) {
        out[0] = start;
        return;
    }
    const float step = (end - start) / (float)(steps - 1);
    const int half = steps / 2;
    int i = 0;
    /* the vectorised loop: chunks of two 8-wide vectors, each Vectorized::arange(base, step) */
    for (; i + 16 <= steps; i += 16)
        for (int v = i; v < i + 16; v += 8) {
            float base = v < half ? fmaf(step, (float)v, start) : fmaf(-step, (float)(steps - v - 1), end);
            for (int k = 0; k < 8; k++)
                out[v + k] = base + (float)k * step;
        }
    /* the scalar tail (compiled with contraction: fused multiply-adds) */
    for (; i < steps; i++)
        out[i] = i < half ? fmaf(step, (float)i, start) : fmaf(-step, (float)(steps - i - 1), end);
}

/* ---- geometric ops: _get_inverse_affine_matrix, _gen_affine_grid, grid_sample ---- */

static double radians(double deg)
{
    return deg * (M_PI / 180.0);
}

static double degrees(double rad)
{
    return rad * (180.0 / M_PI);
}

/* torchvision's inverse affine matrix (centre relative to the image centre) */
static void inverse_affine(double m[6], double cx, double cy, double angle, double tx, double ty, double shear_x,
                           double shear_y)
{
    double rot = radians(angle), sx = radians(shear_x), sy = radians(shear_y);
    double a = cos(rot - sy) / cos(sy);
    double b = -cos(rot - sy) * tan(sx) / cos(sy) - sin(rot);
    double c = sin(rot - sy) / cos(sy);
    double d = -sin(rot - sy) * tan(sx) / cos(sy) + cos(rot);
    m[0] = d, m[1] = -b, m[2] = 0.0, m[3] = -c, m[4] = a, m[5] = 0.0;
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
    m[2] += cx;
    m[5] += cy;
}

static void warp(pp_image *out, const pp_image *in, const double matrix[6], bool bilinear)
{
    const int W = in->width, H = in->height, ch = in->channels;
    float theta[6];
    for (int i = 0; i < 6; i++)
        theta[i] = (float)matrix[i];
    const float hw = 0.5f * (float)W, hh = 0.5f * (float)H;
    /* rescaled_theta = theta^T / [W/2, H/2]: column 0 for x, column 1 for y */
    const float rx[3] = {theta[0] / hw, theta[1] / hw, theta[2] / hw};
    const float ry[3] = {theta[3] / hh, theta[4] / hh, theta[5] / hh};
    for (int i = 0; i < H; i++) {
        const float y = (float)i - (float)H * 0.5f + 0.5f; /* linspace(-H/2 + 1/2, H/2 - 1/2) */
        for (int j = 0; j < W; j++) {
            const float x = (float)j - (float)W * 0.5f + 0.5f;
            /* base_grid.bmm(rescaled_theta) runs as BLAS sgemm: a chain of fused multiply-adds */
            const float gx = fmaf(y, rx[1], x * rx[0]) + rx[2];
            const float gy = fmaf(y, ry[1], x * ry[0]) + ry[2];
            /* grid_sample, align_corners=False: ((g + 1) * size / 2) - 1/2 */
            const float ix = fmaf(gx + 1.0f, hw, -0.5f), iy = fmaf(gy + 1.0f, hh, -0.5f); /* contracted too */
            uint8_t *dst = out->pixels + ((size_t)i * W + j) * ch;
            if (!bilinear) {
                const float nx = nearbyintf(ix), ny = nearbyintf(iy);
                const bool inside = nx >= 0 && nx < W && ny >= 0 && ny < H;
                for (int c = 0; c < ch; c++)
                    dst[c] = inside ? in->pixels[((size_t)ny * W + (size_t)nx) * ch + c] : 0;
                continue;
            }
            const float fx = floorf(ix), fy = floorf(iy);
            const float we = ix - fx, ee = 1.0f - we, wn = iy - fy, ws = 1.0f - wn;
            const float w_nw = ws * ee, w_ne = ws * we, w_sw = wn * ee, w_se = wn * we;
            const int x0 = (int)fx, y0 = (int)fy, x1 = x0 + 1, y1 = y0 + 1;
            const bool in_x0 = x0 >= 0 && x0 < W, in_x1 = x1 >= 0 && x1 < W;
            const bool in_y0 = y0 >= 0 && y0 < H, in_y1 = y1 >= 0 && y1 < H;
            for (int c = 0; c < ch; c++) {
#define PX(yy, xx) ((float)in->pixels[((size_t)(yy) * W + (size_t)(xx)) * ch + c])
                const float nw = in_y0 && in_x0 ? PX(y0, x0) : 0.0f, ne = in_y0 && in_x1 ? PX(y0, x1) : 0.0f;
                const float sw = in_y1 && in_x0 ? PX(y1, x0) : 0.0f, se = in_y1 && in_x1 ? PX(y1, x1) : 0.0f;
#undef PX
                /* torch's AVX2 kernel is compiled with contraction: the sum is a chain of FMAs */
                const float v = nearbyintf(fmaf(se, w_se, fmaf(sw, w_sw, fmaf(ne, w_ne, nw * w_nw))));
                dst[c] = (uint8_t)(v <= 0.0f ? 0.0f : v >= 255.0f ? 255.0f : v);
            }
        }
    }
}

/* ---- point and colour ops ---- */

static inline uint8_t clamp_trunc(float v)
{
    return (uint8_t)(v <= 0.0f ? 0.0f : v >= 255.0f ? 255.0f : v);
}

/* _blend(img, other, ratio) = clamp(ratio img + (1 - ratio) other).to(uint8);
 * other is per pixel (other_stride 1 over H*W, shared by the channels), per
 * element (stride = channels), or one value (NULL). */
static void blend(pp_image *out, const pp_image *in, double ratio, const uint8_t *other, int per_element,
                  float other_value)
{
    const float r1 = (float)ratio, r2 = (float)(1.0 - ratio);
    const int ch = in->channels;
    const size_t n = (size_t)in->width * in->height;
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < ch; c++) {
            float o = other ? (float)other[per_element ? i * ch + c : i] : other_value;
            out->pixels[i * ch + c] = clamp_trunc(r1 * (float)in->pixels[i * ch + c] + r2 * o);
        }
}

/* rgb_to_grayscale: (0.2989 r + 0.587 g + 0.114 b).to(uint8), per pixel (H*W) */
static void grayscale(uint8_t *gray, const pp_image *in)
{
    const size_t n = (size_t)in->width * in->height;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = in->pixels + i * in->channels;
        gray[i] = in->channels == 3 ? (uint8_t)(0.2989f * p[0] + 0.587f * p[1] + 0.114f * p[2]) : p[0];
    }
}

static void adjust_saturation(pp_image *out, const pp_image *in, double factor, uint8_t *scratch)
{
    if (in->channels == 1) { /* torchvision returns gray images unchanged, as PIL */
        memcpy(out->pixels, in->pixels, (size_t)in->width * in->height);
        return;
    }
    grayscale(scratch, in);
    blend(out, in, factor, scratch, 0, 0);
}

static void adjust_contrast(pp_image *out, const pp_image *in, double factor, uint8_t *scratch)
{
    const size_t n = (size_t)in->width * in->height;
    uint64_t sum = 0; /* float32 sums of integers below 2^24 are exact: order-free */
    if (in->channels == 3) {
        grayscale(scratch, in);
        for (size_t i = 0; i < n; i++)
            sum += scratch[i];
    } else {
        for (size_t i = 0; i < n; i++)
            sum += in->pixels[i];
    }
    float mean = (float)sum / (float)n;
    blend(out, in, factor, NULL, 0, mean);
}

static void adjust_sharpness(pp_image *out, const pp_image *in, double factor, uint8_t *degenerate)
{
    const int W = in->width, H = in->height, ch = in->channels;
    if (W <= 2 || H <= 2) {
        memcpy(out->pixels, in->pixels, (size_t)W * H * ch);
        return;
    }
    memcpy(degenerate, in->pixels, (size_t)W * H * ch);
    for (int y = 1; y < H - 1; y++)
        for (int x = 1; x < W - 1; x++)
            for (int c = 0; c < ch; c++) {
                int s = 0;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                        s += in->pixels[((size_t)(y + dy) * W + x + dx) * ch + c] * (dx || dy ? 1 : 5);
                /* the [[1,1,1],[1,5,1],[1,1,1]]/13 conv, torch.round: s/13 is never a tie */
                degenerate[((size_t)y * W + x) * ch + c] = (uint8_t)nearbyint(s / 13.0);
            }
    blend(out, in, factor, degenerate, 1, 0);
}

static void autocontrast(pp_image *out, const pp_image *in)
{
    const int ch = in->channels;
    const size_t n = (size_t)in->width * in->height;
    for (int c = 0; c < ch; c++) {
        uint8_t lo = 255, hi = 0;
        for (size_t i = 0; i < n; i++) {
            uint8_t v = in->pixels[i * ch + c];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        /* bound / (max - min) runs as Tensor.__rtruediv__: reciprocal, then times 255 */
        float minimum = lo, scale = (1.0f / ((float)hi - (float)lo)) * 255.0f;
        if (!isfinite(scale))
            minimum = 0.0f, scale = 1.0f;
        for (size_t i = 0; i < n; i++)
            out->pixels[i * ch + c] = clamp_trunc(((float)in->pixels[i * ch + c] - minimum) * scale);
    }
}

static void equalize(pp_image *out, const pp_image *in)
{
    const int ch = in->channels;
    const size_t n = (size_t)in->width * in->height;
    for (int c = 0; c < ch; c++) {
        uint64_t hist[256] = {0}, total = 0, last = 0;
        for (size_t i = 0; i < n; i++)
            hist[in->pixels[i * ch + c]]++;
        for (int i = 0; i < 256; i++)
            if (hist[i])
                total += hist[i], last = hist[i];
        const uint64_t step = (total - last) / 255;
        uint8_t lut[256];
        uint64_t cum = 0;
        for (int i = 0; i < 256; i++) {
            /* lut = (cumsum + step // 2) // step, shifted right by one, clamped */
            uint64_t v = step ? (cum + step / 2) / step : (uint64_t)i;
            lut[i] = (uint8_t)(v > 255 ? 255 : v);
            cum += hist[i];
        }
        for (size_t i = 0; i < n; i++)
            out->pixels[i * ch + c] = lut[in->pixels[i * ch + c]];
    }
}

void pp_tv_apply(pp_image *out, const pp_image *in, pp_tv_op op, float magnitude, bool bilinear)
{
    const int W = in->width, H = in->height;
    const size_t bytes = (size_t)W * H * in->channels;
    const double mag = magnitude;
    double m[6];
    uint8_t scratch_small[64 * 64 * 3];
    uint8_t *scratch = NULL;
    switch (op) {
    case PP_TV_SHEAR_X:
    case PP_TV_SHEAR_Y: {
        double s = degrees(atan(mag));
        inverse_affine(m, 0.0 - W * 0.5, 0.0 - H * 0.5, 0.0, 0.0, 0.0, op == PP_TV_SHEAR_X ? s : 0.0,
                       op == PP_TV_SHEAR_Y ? s : 0.0);
        warp(out, in, m, bilinear);
        return;
    }
    case PP_TV_TRANSLATE_X:
    case PP_TV_TRANSLATE_Y:
        inverse_affine(m, 0.0, 0.0, 0.0, op == PP_TV_TRANSLATE_X ? (double)(int)mag : 0.0,
                       op == PP_TV_TRANSLATE_Y ? (double)(int)mag : 0.0, 0.0, 0.0);
        warp(out, in, m, bilinear);
        return;
    case PP_TV_ROTATE:
        inverse_affine(m, 0.0, 0.0, -mag, 0.0, 0.0, 0.0, 0.0);
        warp(out, in, m, bilinear);
        return;
    case PP_TV_BRIGHTNESS: blend(out, in, 1.0 + mag, NULL, 0, 0.0f); return;
    case PP_TV_POSTERIZE: {
        const uint8_t mask = (uint8_t)(-(1 << (8 - (int)mag)));
        for (size_t i = 0; i < bytes; i++)
            out->pixels[i] = in->pixels[i] & mask;
        return;
    }
    case PP_TV_SOLARIZE:
        for (size_t i = 0; i < bytes; i++)
            out->pixels[i] = (float)in->pixels[i] >= magnitude ? (uint8_t)(255 - in->pixels[i]) : in->pixels[i];
        return;
    case PP_TV_INVERT:
        for (size_t i = 0; i < bytes; i++)
            out->pixels[i] = (uint8_t)(255 - in->pixels[i]);
        return;
    case PP_TV_AUTOCONTRAST: autocontrast(out, in); return;
    case PP_TV_EQUALIZE: equalize(out, in); return;
    case PP_TV_COLOR:
    case PP_TV_CONTRAST:
    case PP_TV_SHARPNESS:
        scratch = bytes <= sizeof scratch_small ? scratch_small : malloc(bytes);
        if (!scratch) { /* out of memory for the scratch plane: leave the image as it is */
            memcpy(out->pixels, in->pixels, bytes);
            return;
        }
        if (op == PP_TV_COLOR)
            adjust_saturation(out, in, 1.0 + mag, scratch);
        else if (op == PP_TV_CONTRAST)
            adjust_contrast(out, in, 1.0 + mag, scratch);
        else
            adjust_sharpness(out, in, 1.0 + mag, scratch);
        if (scratch != scratch_small)
            free(scratch);
        return;
    case PP_TV_IDENTITY:
    default: memcpy(out->pixels, in->pixels, bytes); return;
    }
}

/* ---- augmentation spaces ---- */

#include "tv_space.h"

void pp_tv_space_linear(pp_tv_space_op *op, pp_tv_op kind, float start, float end, int bins, bool is_signed)
{
    op->op = kind;
    op->bins = bins;
    op->is_signed = is_signed;
    pp_torch_linspace(op->magnitudes, start, end, bins);
}

void pp_tv_space_posterize(pp_tv_space_op *op, int top, double divisions, int bins)
{
    op->op = PP_TV_POSTERIZE;
    op->bins = bins;
    op->is_signed = false;
    const float div = (float)((bins - 1) / divisions);
    for (int i = 0; i < bins; i++)
        op->magnitudes[i] = (float)(top - (int)nearbyintf((float)i / div));
}

void pp_tv_space_plain(pp_tv_space_op *op, pp_tv_op kind)
{
    op->op = kind;
    op->bins = 0;
    op->is_signed = false;
}

/* gaussian_blur (validation): skimage gaussian with sigma 0.25 + 0.035 i at 224
 * (truncate 6) and 0.3 + 0.015 i at 32 (truncate 7), edge replicated; 31 frames, no
 * clean frame; np.uint8(255 x) truncation.
 *
 * Near sigma 0.25 the blur moves values by far less than a level, so which pixels
 * truncate to k - 1 is decided by the last bits of the float64 sums. The filter is
 * therefore scipy's own arithmetic: its kernel (normalised by numpy's pairwise sum),
 * rows (axis 0) then columns, each symmetric pair added before it is weighted. */
#include <stddef.h>

#include "perturb_impl.h"

#define MAX_RADIUS 16

/* numpy's pairwise sum for fewer than 128 values: eight running sums when n >= 8. */
static double numpy_sum(const double *a, int n)
{
    if (n < 8) {
        double s = 0.;
        for (int i = 0; i < n; i++)
            s += a[i];
        return s;
    }
    double r[8];
    memcpy(r, a, sizeof r);
    int i = 8;
    for (; i < n - n % 8; i += 8)
        for (int j = 0; j < 8; j++)
            r[j] += a[i + j];
    double s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++)
        s += a[i];
    return s;
}

/* scipy.ndimage._gaussian_kernel1d(sigma, 0, radius): w[radius + k] for k in -radius..radius. */
static int scipy_kernel(double sigma, double truncate, double *w)
{
    int radius = (int)(truncate * sigma + 0.5);
    if (radius > MAX_RADIUS)
        radius = MAX_RADIUS;
    double a = -0.5 / (sigma * sigma);
    for (int k = -radius; k <= radius; k++)
        w[k + radius] = exp(a * (double)(k * k));
    double s = numpy_sum(w, 2 * radius + 1);
    for (int k = 0; k <= 2 * radius; k++)
        w[k] /= s;
    return radius;
}

/* correlate1d, mode 'nearest', symmetric kernel: out = x0 w0 + sum_j (x-j + x+j) w_j,
 * j from the outermost in. Both passes run over whole contiguous rows (every element
 * of a row takes the same steps in the same order, so the sums are scipy's to the
 * bit) rather than down strided lines, which is what keeps them in cache. */

/* Axis 0 of an (h, rowlen) array: out row i from the rows i - r .. i + r, edge rows repeated. */
static void correlate_axis0(const double *src, double *dst, int h, size_t rowlen, const double *w, int radius)
{
    const double *fw = w + radius;
    for (int i = 0; i < h; i++) {
        double *d = dst + (size_t)i * rowlen;
        const double *c0 = src + (size_t)i * rowlen;
        for (size_t e = 0; e < rowlen; e++)
            d[e] = c0[e] * fw[0];
        for (int j = -radius; j < 0; j++) {
            int lo = i + j < 0 ? 0 : i + j, hi = i - j >= h ? h - 1 : i - j;
            const double *a = src + (size_t)lo * rowlen, *b = src + (size_t)hi * rowlen;
            const double k = fw[j];
            for (size_t e = 0; e < rowlen; e++)
                d[e] += (a[e] + b[e]) * k;
        }
    }
}

/* Axis 1 of an (h, w, c) array, in place: each row is copied into pad with its edge
 * pixels repeated radius times, then filtered element by element. */
static void correlate_axis1(double *x, int h, int w, int c, const double *wk, int radius, double *pad)
{
    const double *fw = wk + radius;
    const size_t rowlen = (size_t)w * c, rc = (size_t)radius * c;
    for (int y = 0; y < h; y++) {
        double *row = x + (size_t)y * rowlen;
        for (int i = -radius; i < w + radius; i++) {
            const double *s = row + (size_t)(i < 0 ? 0 : i >= w ? w - 1 : i) * c;
            for (int ch = 0; ch < c; ch++)
                pad[(size_t)(i + radius) * c + ch] = s[ch];
        }
        const double *p = pad + rc;
        for (size_t e = 0; e < rowlen; e++)
            row[e] = p[e] * fw[0];
        for (int j = -radius; j < 0; j++) {
            const double *a = p + (ptrdiff_t)j * c, *b = p - (ptrdiff_t)j * c;
            const double k = fw[j];
            for (size_t e = 0; e < rowlen; e++)
                row[e] += (a[e] + b[e]) * k;
        }
    }
}

static pp_status generate(const pp_perturb_ctx *ctx, const pp_image *base, pp_sequence *out, pp_error *err)
{
    const bool cifar = pp_perturb_cifar(ctx);
    const int h = base->height, w = base->width, c = base->channels;
    const size_t n = (size_t)h * w * c;
    double *x = malloc(sizeof(double) * n), *t = malloc(sizeof(double) * n);
    double *pad = malloc(sizeof(double) * (size_t)(w + 2 * MAX_RADIUS + 1) * c);
    pp_status st = PP_OK;
    if (!x || !t || !pad) {
        st = pp_fail(err, PP_ERR_NOMEM, "out of memory for gaussian_blur");
        goto done;
    }
    for (size_t j = 0; j < n; j++)
        x[j] = base->pixels[j] / 255.;
    for (int i = 0; i < out->n; i++) {
        if (ctx->cancel && ctx->cancel(ctx->cancel_ctx)) {
            st = pp_fail(err, PP_ERR_CANCELLED, "gaussian_blur: cancelled");
            break;
        }
        double k[2 * MAX_RADIUS + 1];
        int r = scipy_kernel(cifar ? 0.3 + 0.015 * i : 0.25 + 0.035 * i, cifar ? 7.0 : 6.0, k);
        pp_image f = pp_sequence_frame(out, i);
        /* (H, W, C): axis 0 first, then axis 1 */
        correlate_axis0(x, t, h, (size_t)w * c, k, r);
        correlate_axis1(t, h, w, c, k, r, pad);
        for (size_t j = 0; j < n; j++) {
            double v = 255. * t[j];
            f.pixels[j] = (uint8_t)(v <= 0 ? 0 : v >= 255 ? 255 : v);
        }
    }
done:
    free(x), free(t), free(pad);
    return st;
}

const pp_perturbation pp_perturbation_gaussian_blur = {
    .name = "gaussian_blur",
    .summary = "(validation) defocus growing frame by frame",
    .set = PP_PERTURB_VALIDATION,
    .frames_imagenet = 31,
    .frames_cifar = 31,
    .generate = generate,
};

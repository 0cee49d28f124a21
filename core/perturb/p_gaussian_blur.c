/* gaussian_blur (validation): skimage gaussian with sigma 0.25 + 0.035 i at 224
 * (truncate 6) and 0.3 + 0.015 i at 32 (truncate 7), edge replicated; 31 frames, no
 * clean frame; np.uint8(255 x) truncation.
 *
 * Near sigma 0.25 the blur moves values by far less than a level, so which pixels
 * truncate to k - 1 is decided by the last bits of the float64 sums. The filter is
 * therefore scipy's own arithmetic: its kernel (normalised by numpy's pairwise sum),
 * rows (axis 0) then columns, each symmetric pair added before it is weighted. */
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
 * j from the outermost in, along lines of n values `stride` apart. */
static void correlate_lines(const double *src, double *dst, int lines, int n, size_t line_step, size_t stride,
                            const double *w, int radius, double *pad)
{
    const double *fw = w + radius;
    for (int l = 0; l < lines; l++) {
        const double *s = src + (size_t)l * line_step;
        for (int i = -radius; i < n + radius; i++)
            pad[i + radius] = s[(size_t)(i < 0 ? 0 : i >= n ? n - 1 : i) * stride];
        double *d = dst + (size_t)l * line_step;
        for (int i = 0; i < n; i++) {
            const double *c = pad + i + radius;
            double acc = c[0] * fw[0];
            for (int j = -radius; j < 0; j++)
                acc += (c[j] + c[-j]) * fw[j];
            d[(size_t)i * stride] = acc;
        }
    }
}

static pp_status generate(const pp_perturb_ctx *ctx, const pp_image *base, pp_sequence *out, pp_error *err)
{
    const bool cifar = pp_perturb_cifar(ctx);
    const int h = base->height, w = base->width, c = base->channels;
    const size_t n = (size_t)h * w * c;
    double *x = malloc(sizeof(double) * n), *t = malloc(sizeof(double) * n);
    double *pad = malloc(sizeof(double) * (size_t)((h > w ? h : w) + 2 * MAX_RADIUS + 1));
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
        for (int ch = 0; ch < c; ch++) { /* (H, W, C): axis 0 first, then axis 1 */
            correlate_lines(x + ch, t + ch, w, h, (size_t)c, (size_t)w * c, k, r, pad);
            correlate_lines(t + ch, t + ch, h, w, (size_t)w * c, (size_t)c, k, r, pad);
        }
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

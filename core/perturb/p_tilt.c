/* tilt: the picture plane turned about both axes by phi = theta = i - 15 degrees at 224
 * (0.75 (i - 15) at 32), projected with focal length sqrt(w^2 + h^2):
 * mat = P2 T RX(theta) RY(phi) P1 of the whole image, cv2.warpPerspective, then the crop. */
#include "perturb_impl.h"

static void mat_mul(const double *a, const double *b, double *r, int n, int k, int m)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++) {
            double s = 0;
            for (int t = 0; t < k; t++)
                s += a[i * k + t] * b[t * m + j];
            r[i * m + j] = s;
        }
}

/* The script's 3 x 3 matrix for angles phi = theta (radians) and a w x h image. */
static void tilt_matrix(double ang, int w, int h, double mat[9])
{
    const double f = sqrt((double)w * w + (double)h * h), c = cos(ang), s = sin(ang);
    const double P1[12] = {1, 0, -w / 2.0, 0, 1, -h / 2.0, 0, 0, 1, 0, 0, 1};  /* 4 x 3 */
    const double RX[16] = {1, 0, 0, 0, 0, c, -s, 0, 0, s, c, 0, 0, 0, 0, 1};   /* theta */
    const double RY[16] = {c, 0, -s, 0, 0, 1, 0, 0, s, 0, c, 0, 0, 0, 0, 1};   /* phi */
    const double T[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, f, 0, 0, 0, 1};
    const double P2[12] = {f, 0, w / 2.0, 0, 0, f, h / 2.0, 0, 0, 0, 1, 0};     /* 3 x 4 */
    double a[12], b[12], d[12], e[12];
    mat_mul(RY, P1, a, 4, 4, 3);
    mat_mul(RX, a, b, 4, 4, 3);
    mat_mul(T, b, d, 4, 4, 3);
    mat_mul(P2, d, e, 3, 4, 3);
    memcpy(mat, e, sizeof(double) * 9);
}

static pp_status generate(const pp_perturb_ctx *ctx, const pp_image *base, pp_sequence *out, pp_error *err)
{
    double step = pp_perturb_pick(ctx, 1.0, 0.75);
    for (int i = 0; i < out->n; i++) {
        PP_PERTURB_CHECK_CANCEL(ctx, err, "tilt");
        double mat[9];
        tilt_matrix(step * (i - 15) * M_PI / 180, base->width, base->height, mat);
        pp_image f = pp_sequence_frame(out, i);
        pp_warp_perspective(base, mat, pp_center_crop_offset(base->width, f.width),
                            pp_center_crop_offset(base->height, f.height), &f);
    }
    return PP_OK;
}

const pp_perturbation pp_perturbation_tilt = {
    .name = "tilt",
    .summary = "the camera tilts in perspective, a degree per frame",
    .set = PP_PERTURB_TEST,
    .geometric = true,
    .frames_imagenet = 31,
    .frames_cifar = 31,
    .generate = generate,
};

/* Attacks that follow the gradient with respect to the input image
 * (pp_model_backward, eval mode: running BN statistics, the model untouched):
 *  - FGSM (Goodfellow et al. 2015): x' = clip01(x + eps sign(dCE/dx));
 *  - PGD, L-inf (Madry et al. 2018): optional random start x + U(-eps, eps)
 *    clipped, then `steps` times x += alpha sign(dCE/dx), projected to the
 *    eps ball around x and to [0, 1] (step, then clamp to +-eps, then to [0,1]);
 *  - fooling images (the RobustNet paper, after Szegedy et al.): per image a
 *    target class; while the model does not predict it, at most max_iters
 *    times, x += lr g / ||g||_2 with g the gradient of the target's
 *    pre-softmax score with respect to the normalised image (no clipping, as
 *    the course-assignment loop the paper extended).
 * FGSM and PGD work in [0, 1] pixel space (the model's mean/std undo and redo
 * the normalisation; sign(0) = 0 as torch.sign); fooling in the normalised
 * space the network sees. x is the normalised batch (N, C, H, W), replaced.
 * `job` (may be NULL) is polled between iterations: PP_ERR_CANCELLED, x then
 * holds the last finished iterate. */
#ifndef PP_ATTACK_H
#define PP_ATTACK_H

#include <stdbool.h>
#include <stdint.h>

#include "../job.h"
#include "../model.h"
#include "../tensor.h"
#include "../train/train_step.h"

typedef struct {
    const float *mean, *std; /* (C) the model's normalisation */
} pp_pixel_space;

pp_status pp_attack_fgsm(pp_train_ctx *ctx, const pp_model *m, const pp_pixel_space *px, pp_tensor *x,
                         const int32_t *labels, double eps, const pp_job *job, pp_error *err);

pp_status pp_attack_pgd(pp_train_ctx *ctx, const pp_model *m, const pp_pixel_space *px, pp_tensor *x,
                        const int32_t *labels, double eps, double alpha, int steps, bool random_start,
                        uint64_t seed, const pp_job *job, pp_error *err);

/* targets (N) in [0, classes); lr (N) per image; iterations (N, may be NULL)
 * gets the updates each image took (max_iters when it was never fooled);
 * *fooled (may be NULL) the count the model finally predicts as targeted. */
pp_status pp_attack_fooling(pp_train_ctx *ctx, const pp_model *m, pp_tensor *x, const int32_t *targets,
                            const double *lr, int max_iters, int *iterations, int *fooled, const pp_job *job,
                            pp_error *err);

#endif

/* Losses over several views of one batch, from the logits alone:
 *  - AugMix's Jensen-Shannon consistency (official cifar.py): rows (3B, O) are
 *    clean, aug1, aug2; L = CE(clean, y) + lambda/3 [KL(p_c||M) + KL(p_1||M) +
 *    KL(p_2||M)], M = clamp((p_c + p_1 + p_2)/3, 1e-7, 1), KL batch-mean,
 *    gradients through every branch and M (nothing detached); lambda = 12.
 *  - Stability training (Zheng et al. CVPR 2016): rows (2B, O) are clean and
 *    perturbed; L = CE(clean, y) + alpha KL(P(.|x) || P(.|x')), the true KL as
 *    F.kl_div(log_softmax(f(x')), softmax(f(x)), 'batchmean') computes it (the
 *    paper's form, -sum P(x) log P(x'), differs by the clean entropy), with the
 *    clean branch not detached.
 * dlogits gets d(loss)/d(logits) for all rows; returns the loss (NAN if not
 * finite). labels: (B). Computed in double. */
#ifndef PP_CONSISTENCY_LOSS_H
#define PP_CONSISTENCY_LOSS_H

#include <stdint.h>

#define PP_JSD_LAMBDA 12.0

double pp_jsd_loss(float *dlogits, const float *logits, const int32_t *labels, int batch, int classes,
                   double lambda);
double pp_stability_loss(float *dlogits, const float *logits, const int32_t *labels, int batch, int classes,
                         double alpha);

#endif

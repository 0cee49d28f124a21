/* Attack recipes in training: the last round(B x fraction) rows of a batch are
 * replaced by fooling images, FGSM or PGD images of themselves, made with the
 * current weights in eval mode (core/attack/), their true labels kept, before
 * the training step (a Kurakin-style mix, regenerated every step). */
#ifndef PP_ADVERSARIAL_BATCH_H
#define PP_ADVERSARIAL_BATCH_H

#include "../attack/attack.h"
#include "recipe.h"

/* batch (B, C, H, W) normalised with mean/std; labels (B). Fooling targets
 * and PGD's random start come from (seed, step); `job` is polled between the
 * attack's iterations. No-op for other recipes. */
pp_status pp_adversarial_batch(const pp_train_recipe *r, pp_train_ctx *ctx, const pp_model *m,
                               const pp_pixel_space *px, pp_tensor *batch, const int32_t *labels, uint64_t seed,
                               int64_t step, const pp_job *job, pp_error *err);

#endif

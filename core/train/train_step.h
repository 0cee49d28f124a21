/* One training step of a model: a training-mode forward over its plan
 * (model/plan.h) that keeps what the backward needs, the backward (the plan's
 * steps in reverse), the cross-entropy loss, and the SGD update. Also the
 * gradient of a seed (on the logits or on a tapped activation) with respect
 * to the input image and tapped activations, in eval mode, for attacks and
 * saliency (pp_model_backward).
 *
 * A training context owns the gradient and momentum arenas (allocated when
 * training starts; they mirror the model's parameter arena, so the gradient
 * of params[i] sits at the same offset as its data) and the activation
 * buffers, sized on the first step for an input shape and reused after.
 * The model's BN running statistics and num_batches_tracked are updated by
 * every training forward, as in PyTorch's train() mode. */
#ifndef PP_TRAIN_STEP_H
#define PP_TRAIN_STEP_H

#include <stdint.h>

#include "../forward.h"
#include "../model.h"
#include "../tensor.h"
#include "sgd.h"

typedef struct pp_train_ctx pp_train_ctx;

typedef struct {
    double loss; /* mean cross-entropy over the batch */
    int correct; /* top-1 hits in the batch */
    int n;       /* batch size */
} pp_train_stats;

/* Allocates zeroed gradients and momentum for this model. Every step through
 * the context runs on `threads` threads (below 1: one; threads.h). */
pp_status pp_train_ctx_new(pp_train_ctx **ctx, const pp_model *m, int threads, pp_error *err);
void pp_train_ctx_free(pp_train_ctx *ctx);

/* Clears every gradient (backward passes accumulate). */
void pp_train_zero_grad(pp_train_ctx *ctx);
/* The seed of the drop-connect masks (EfficientNet's residual branches in
 * training): each training forward draws its masks from the seed and the
 * count of forwards since it was set. 0 at creation. */
void pp_train_set_seed(pp_train_ctx *ctx, uint64_t seed);
/* The gradient of a parameter of the model the context was made for:
 * same shape as p->data. */
float *pp_train_grad(pp_train_ctx *ctx, const pp_model *m, const pp_param *p);

/* A loss over the logits in place of the cross-entropy (the JSD and stability
 * losses of consistency_loss.h): fills dlogits (N, O) with d(loss)/d(logits)
 * and returns the loss. Only the first `scored` rows (the clean view; 0 = all)
 * count for the accuracy. */
typedef struct {
    double (*fn)(float *dlogits, const float *logits, const int32_t *labels, int n, int classes, void *ctx);
    void *ctx;
    int scored;
} pp_loss_hook;

/* Forward in training mode and backward; gradients accumulate (call
 * pp_train_zero_grad before). input: (N, C, H, W) normalised; labels: (N) in
 * [0, classes). Updates the BN running statistics. */
pp_status pp_train_forward_backward(pp_train_ctx *ctx, pp_model *m, const pp_tensor *input,
                                    const int32_t *labels, pp_train_stats *stats, pp_error *err);

/* As pp_train_forward_backward with `loss` (NULL: cross-entropy). */
pp_status pp_train_forward_backward_loss(pp_train_ctx *ctx, pp_model *m, const pp_tensor *input,
                                         const int32_t *labels, const pp_loss_hook *loss, pp_train_stats *stats,
                                         pp_error *err);

/* The SGD update from the accumulated gradients, then pp_model_prepare. */
void pp_train_apply_sgd(pp_train_ctx *ctx, pp_model *m, const pp_sgd_config *cfg, float lr);

/* Zero-grad, forward, backward, SGD update with learning rate lr, and
 * pp_model_prepare. A non-finite loss stops before the update (PP_ERR_ARG,
 * the model's weights untouched; its running statistics have moved). */
pp_status pp_train_step(pp_train_ctx *ctx, pp_model *m, const pp_tensor *input, const int32_t *labels,
                        const pp_sgd_config *cfg, float lr, pp_train_stats *stats, pp_error *err);
/* As pp_train_step with `loss` (NULL: cross-entropy). */
pp_status pp_train_step_loss(pp_train_ctx *ctx, pp_model *m, const pp_tensor *input, const int32_t *labels,
                             const pp_loss_hook *loss, const pp_sgd_config *cfg, float lr, pp_train_stats *stats,
                             pp_error *err);

/* What pp_model_backward computes. */
typedef struct {
    /* Where the gradient enters: PP_TAP_LOGITS, or a tap on a step's output
     * (conv1, stem, layer1..layer4, features); the steps after it are not run
     * backward. */
    pp_tap seed_tap;
    /* The gradient of that tap's activation, shaped as the tap (NCHW; (N,
     * classes) for the logits). NULL with labels: the gradient of the mean
     * cross-entropy of the logits (seed_tap must be PP_TAP_LOGITS). */
    const pp_tensor *seed;
    const int32_t *labels; /* (N), when seed is NULL */
    pp_tensor *input_grad; /* NULL, or resized to (N, C, H, W): d seed / d input */
    pp_taps *grads;        /* NULL, or grads->requested taps receive their gradients */
    pp_taps *activations;  /* NULL, or activations->requested taps receive the forward's values */
    pp_tensor *logits;     /* NULL, or resized to (N, classes) */
    double loss;           /* out: the mean cross-entropy when labels were given */
} pp_grad_request;

/* An eval-mode forward (running BN statistics; the model, its statistics and
 * the context's parameter gradients stay untouched) and the backward of the
 * seed: the gradients of the input and of tapped activations. No optimiser
 * step. FGSM/PGD: labels (or a seed on the logits) and input_grad; Grad-CAM:
 * a one-hot seed on the logits, grads and activations of layer4.
 * The tap gradients of PUSH, PULL and KERNELS are not offered. */
pp_status pp_model_backward(pp_train_ctx *ctx, const pp_model *m, const pp_tensor *input, pp_grad_request *req,
                            pp_error *err);

#endif

/* Inference through a model: a walk over its plan (model/plan.h), with named
 * intermediate outputs ("taps") the app shows. A context owns the activation buffers; they are sized on the first
 * call for an input shape and reused after, so steady-state forward passes do
 * not allocate. One context per thread; the model itself is read-only here. */
#ifndef PP_FORWARD_H
#define PP_FORWARD_H

#include "model.h"
#include "tensor.h"

/* pp_tap (the taps) is defined with the plan, model/plan.h: each is a mark
 * on the step it is read from. */

const char *pp_tap_name(pp_tap t);
/* Accepts the names above ("conv1", "push", "pull", "kernels", "stem",
 * "layer1".."layer4", "features", "logits"). */
pp_status pp_tap_from_name(const char *name, pp_tap *t, pp_error *err);

typedef struct {
    unsigned requested;              /* bit (1u << tap) for each tap wanted */
    pp_tensor out[PP_TAP_COUNT];     /* filled for requested taps, NCHW */
    /* Besides the taps, the outputs of any plan steps (the analyses' per-block
     * layers, analysis/model_layers.h): step_out[i] gets the output of plan
     * step steps[i] (NCHW; (N, C) when flat). The caller owns both arrays;
     * pp_taps_free frees the tensors' data. */
    const int *steps;
    pp_tensor *step_out;
    int step_count;
} pp_taps;

void pp_taps_free(pp_taps *taps);

typedef struct pp_forward_ctx pp_forward_ctx;

/* Every forward through this context runs on `threads` threads (below 1: one;
 * threads.h), its buffers sized for that count. */
pp_forward_ctx *pp_forward_ctx_new(int threads);
void pp_forward_ctx_free(pp_forward_ctx *ctx);
int pp_forward_ctx_threads(const pp_forward_ctx *ctx);
/* Changes the count for the next forwards (buffers are resized as needed). */
void pp_forward_ctx_set_threads(pp_forward_ctx *ctx, int threads);

/* Asked between plan steps (after `done` of the plan's steps have run and
 * their taps are captured): true stops the pass there, and pp_model_forward
 * returns PP_ERR_CANCELLED (the logits are then not valid; pp_model_forward_resume
 * continues). Lets a newer request supersede a running forward at a layer
 * boundary, and a caller read an early tap before the rest runs. NULL: none. */
typedef bool (*pp_forward_stop_fn)(void *data, int done);
void pp_forward_ctx_set_stop(pp_forward_ctx *ctx, pp_forward_stop_fn stop, void *data);

/* input: (N, C, H, W) float32 in the model's input space (normalised).
 * logits (optional): resized to (N, classes). taps (optional). */
pp_status pp_model_forward(const pp_model *m, pp_forward_ctx *ctx, const pp_tensor *input,
                           pp_tensor *logits, pp_taps *taps, pp_error *err);
/* Continues the last forward of m through ctx from the step it stopped at
 * (a stop hook returned true), with the same logits (and taps) it was given:
 * the result is that of an uninterrupted pass. Lets a caller read an early
 * tap of several models before running the rest of any. */
pp_status pp_model_forward_resume(const pp_model *m, pp_forward_ctx *ctx, pp_tensor *logits, pp_taps *taps,
                                  pp_error *err);

#endif

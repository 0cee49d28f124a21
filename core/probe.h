/* The probe path the severity slider drives (DESIGN.md): an image at the
 * model's geometry -> corrupt(name, severity, seed) -> normalise -> forward
 * with first-layer taps -> top-k and the first-layer SNR against the clean
 * image. The clean side is computed once per (image, model) and cached; a
 * slider move recomputes only the corrupted side. One probe per model and
 * thread; the model is only read. */
#ifndef PP_PROBE_H
#define PP_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "corrupt/corruption.h"
#include "forward.h"
#include "image/image.h"
#include "model.h"
#include "preprocess.h"

#define PP_PROBE_TOPK 5

typedef struct {
    pp_image corrupted;          /* at the model's geometry */
    int top_class[PP_PROBE_TOPK];
    float top_prob[PP_PROBE_TOPK];
    float true_prob;             /* probability of the probe's true class (or of the clean top-1) */
    int true_class;              /* the class true_prob is of */
    bool true_known;             /* true_class is the image's label, not the clean top-1 */
    /* First-layer SNR in dB against the clean image (+inf at severity 0):
     * push-pull models: the push-only path relu(conv(x, W)) and the unit output;
     * baselines: the plain conv1 output (in snr_output; snr_push is NAN). */
    double snr_push, snr_output;
    double *snr_push_channel, *snr_output_channel; /* (K) each, owned by the probe */
} pp_probe_result;

/* What the probe runs in place of the learned first layer (the views' alpha
 * knob and pooling switch, or the "push only" counterfactual alpha = 0):
 * alpha per output channel (NULL: the learned values) and the pull pooling
 * (-1: the file's). Ignored for a baseline. */
typedef struct {
    const float *alpha; /* (K) or NULL */
    int avg_kernel;     /* 0, 3, 5 or -1 */
} pp_probe_overrides;

typedef struct {
    const pp_model *model;       /* the learned model, only read */
    pp_model view;               /* what runs: *model with the overrides' alpha and pooling (shares its weights) */
    float *alpha;                /* (K) the view's alpha */
    float *learned;              /* (K) the model's alpha as applied (ReLU(alpha) for the 2020 layer) */
    bool overridden;             /* the view differs from the learned model */
    pp_preprocess pre;
    pp_forward_ctx *ctx;         /* runs on `threads` */
    int threads;                 /* the forward's and the corruption's count */
    pp_image clean;              /* at the model's geometry */
    pp_taps clean_taps, taps;    /* conv1 (+ push, pull) of the clean and current input */
    pp_tensor input, logits;
    int clean_top1;
    int true_class;              /* -1: use the clean top-1 */
    double *channel_buffers;     /* (2K) */
    double *channel_sums;        /* (2K) the SNRs' signal and noise per channel */
    bool staged;                 /* stage one ran: pp_probe_predict may follow */
    bool resume;                 /* ... and its forward stopped after the first layer */
} pp_probe;

/* Caches the clean side for `img` (any size; brought to the model's geometry).
 * Every run of the probe uses `threads` threads (below 1: one; threads.h). */
pp_status pp_probe_init(pp_probe *p, const pp_model *m, const pp_image *img, int threads, pp_error *err);
void pp_probe_free(pp_probe *p);
/* The count of the probe's next runs (the studio lowers it while a job runs). */
void pp_probe_set_threads(pp_probe *p, int threads);

/* A second probe of src's model, image and view (overrides), for a caller
 * that runs two corrupted inputs at once (the studio's slider makes a newer
 * move's first stage while an older one's second stage runs): the clean side
 * is copied, not recomputed. */
pp_status pp_probe_copy(pp_probe *dst, const pp_probe *src, pp_error *err);
/* a and b run the same view (model, alpha, pooling) of the same clean image. */
bool pp_probe_same_view(const pp_probe *a, const pp_probe *b);

/* Runs the probe with other alpha / pooling from now on (o == NULL: the learned
 * ones); recomputes the clean side when they change. */
pp_status pp_probe_set_overrides(pp_probe *p, const pp_probe_overrides *o, pp_error *err);

/* The corruption a probe runs, by name: a registry entry, or NULL for
 * "none" (the clean image; the severity is ignored), as pp_probe_run takes
 * it. False for a name that is neither. */
#define PP_PROBE_NO_CORRUPTION "none"
bool pp_probe_corruption_find(const char *name, const pp_corruption **out);

/* Corrupts the cached image and runs the model. c == NULL or severity 0 gives
 * the clean result. The result's buffers belong to the probe: valid until the
 * next call. req->severity etc. as in pp_corruption_apply (its threads are the
 * probe's). */
pp_status pp_probe_run(pp_probe *p, const pp_corruption *c, const pp_corruption_request *req,
                       pp_probe_result *out, pp_error *err);

/* The two halves of pp_probe_run, for a caller that shows results in stages
 * (the studio's slider) or feeds one corrupted image to several probes whose
 * clean images are the same (pp_probe_same_input). */
pp_status pp_probe_corrupt(const pp_probe *p, const pp_corruption *c, const pp_corruption_request *req,
                           pp_image *out, pp_error *err);
bool pp_probe_same_input(const pp_probe *a, const pp_probe *b);

/* pp_probe_run in two stages, for a caller that shows the corrupted image
 * and the SNRs first (the studio's slider). Stage one: the first layer on
 * `corrupted` (the probe's geometry; copied into out), then out has the
 * image and the SNRs. Stage two: the rest of that forward pass and the
 * predictions into the same out; `cancelled` (may be NULL) is asked at each
 * layer boundary, and true stops it with PP_ERR_CANCELLED (out is freed).
 * *forward_ms (may be NULL): the time of that stage's forward pass alone (not
 * the time spent in `cancelled`). */
pp_status pp_probe_first_layer(pp_probe *p, const pp_image *corrupted, pp_probe_result *out, double *forward_ms,
                               pp_error *err);
pp_status pp_probe_predict(pp_probe *p, bool (*cancelled)(void *data), void *data, pp_probe_result *out,
                           double *forward_ms, pp_error *err);
void pp_probe_result_free(pp_probe_result *r);

/* A severity sweep (paper Fig. 4 made interactive): steps + 1 severities from 0
 * to 5; per step the pooled SNRs, the true-class probability and the top-1.
 * Flip points are where the top-1 differs from the previous step. */
typedef struct {
    int steps;
    double severity[64];
    double snr_push[64], snr_output[64];
    float true_prob[64];
    int top1[64];
    bool flip[64];
} pp_probe_sweep;

pp_status pp_probe_sweep_run(pp_probe *p, const pp_corruption *c, const pp_corruption_request *base, int steps,
                             pp_probe_sweep *out, bool (*cancel)(void *), void *cancel_ctx, pp_error *err);

#endif

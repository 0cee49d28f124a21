/* What the probe view shows, and the cairo drawings of it: the clean and
 * corrupted input enlarged, the top-5 predictions of every loaded model, the
 * pooled and per-channel first-layer SNR, and the severity sweep (paper Fig. 4).
 * Plain data filled by the probe worker; the drawings only read it, so the same
 * code paints the screen and the exports. */
#pragma once

#include <gtk/gtk.h>

#include "pp-model-entry.h"
#include "probe.h"

G_BEGIN_DECLS

typedef struct {
    PpModelEntry *entry; /* (owned ref) */
    char *label;         /* the model's name, "… · push only (α = 0)" for the counterfactual */
    char *view_note;     /* the alpha and pooling it ran with, in words */
    gboolean push_only;  /* the counterfactual twin of `entry` with alpha = 0 */
    pp_image clean, corrupted; /* what this model receives: its input size and channels */
    int true_class;      /* the class true_prob is of */
    gboolean true_known; /* ... the image's label (else the clean top-1) */
    char *true_source;   /* where the label came from ("file name", "folder name", "chosen"), or NULL */
    gboolean push_pull;
    int clean_top1;
    int top_class[PP_PROBE_TOPK];
    float top_prob[PP_PROBE_TOPK];
    float true_prob;
    double snr_push, snr_output; /* dB; +inf at severity 0; snr_push NAN for a baseline */
    int channels;
    double *snr_push_channel, *snr_output_channel; /* (channels) each */
    /* One channel's first-layer feature maps, copied out by the worker:
     * fm[PP_FM_*][0] clean, [1] corrupted, (fm_h, fm_w) each; push and pull
     * after ReLU; NULL where the model has none (push and pull of a baseline). */
    int fm_channel;
    int fm_h[3], fm_w[3];
    float *fm[3][2];
    /* clean [0] and corrupted [1] made by the worker at the size they are
     * shown (pp_probe_prepare_images), so a paint is a copy; NULL: none */
    cairo_surface_t *shown[2];
    int shown_side, shown_scale; /* the box side and the screen scale they were made for */
    gboolean predictions_stale;  /* the image and SNRs are newer than the predictions (a staged update) */
    cairo_surface_t *fm_shown[3][2];  /* fm as the feature panel of the size below shows them (worker-made) */
    int fm_shown_width, fm_shown_height, fm_shown_scale;
} PpProbeModelResult;

enum { PP_FM_PUSH, PP_FM_PULL, PP_FM_OUTPUT };

/* One slider position computed for every model. */
typedef struct {
    int n_models;
    PpProbeModelResult *models;  /* (n_models) */
    char *corruption;            /* descriptor name */
    double severity;
    guint64 seed;
    double compute_ms;
} PpProbeResults;

void pp_probe_results_free(PpProbeResults *r);

/* A severity sweep of every model. */
typedef struct {
    int n_models;
    PpModelEntry **entries;  /* (n_models) owned refs */
    char **labels;           /* (n_models) as in PpProbeModelResult */
    gboolean *true_known;    /* (n_models) the sweep's probability is of the true class, else the clean top-1 */
    pp_probe_sweep *sweeps;  /* (n_models) */
    char *corruption;
    double compute_ms;       /* the worker's time for all of it */
} PpProbeSweeps;

void pp_probe_sweeps_free(PpProbeSweeps *s);

/* Layout of the drawings, for the view to size its areas: the input pairs
 * (one per distinct input size and channels), the prediction grid's columns
 * and height for a width. */
int pp_probe_input_groups(const PpProbeResults *r);
int pp_probe_prediction_columns(int width, int n_models);
int pp_probe_predictions_height(int width, int n_models);
/* The SNR panel's height for a width (its title, then a grid of model cells). */
int pp_probe_snr_height(GtkWidget *widget, int width, const PpProbeResults *r);
/* The side of each image's box in the images panel of (width, height). */
int pp_probe_image_side(int width, int height, int groups);
/* Makes mr's shown surfaces for boxes of `side` on a screen of `scale`
 * (worker thread: the area-average or nearest resampling happens here). */
void pp_probe_prepare_images(PpProbeModelResult *mr, int side, int scale);
void pp_probe_prepare_image(PpProbeModelResult *mr, int which, int side, int scale);
/* The same for the feature maps, in a feature panel of (width, height). */
void pp_probe_prepare_features(PpProbeModelResult *mr, int width, int height, int scale);
/* Area-averaging downscale of src to (tw, th) into a new image (g_malloc'd pixels). */
void pp_probe_image_downscale(const pp_image *src, pp_image *dst, int tw, int th);

/* `severity` marks the slider's position on the sweep plots (< 0: none). */
/* empty: what to say without a result (NULL: "Open a model and pick an image"). */
/* Returns the height its captions needed (more than `height`: some were cut). */
double pp_probe_draw_images(GtkWidget *widget, cairo_t *cr, int width, int height, const PpProbeResults *r,
                            const char *empty);
void pp_probe_draw_predictions(GtkWidget *widget, cairo_t *cr, int width, int height, const PpProbeResults *r);
/* Returns the height it drew (pp_probe_snr_height). */
double pp_probe_draw_snr(GtkWidget *widget, cairo_t *cr, int width, int height, const PpProbeResults *r);
void pp_probe_draw_sweep(GtkWidget *widget, cairo_t *cr, int width, int height, const PpProbeSweeps *s,
                         double severity, gboolean running);
/* The feature maps of model `model` (an index into r->models; < 0: none). */
void pp_probe_draw_features(GtkWidget *widget, cairo_t *cr, int width, int height, const PpProbeResults *r,
                            int model);

G_END_DECLS

/* The probe view: an input image, clean and corrupted side by side at the
 * models' input size, a corruption picker, a severity slider and a seed; the
 * top-5 predictions and the first-layer SNR of every loaded model, updated
 * live off the main thread (latest wins), and a severity sweep (Fig. 4). */
#pragma once

#include <gtk/gtk.h>

#include "pp-model-entry.h"
#include "pp-stability-panel.h"

G_BEGIN_DECLS

#define PP_TYPE_PROBE_VIEW (pp_probe_view_get_type())
G_DECLARE_FINAL_TYPE(PpProbeView, pp_probe_view, PP, PROBE_VIEW, GtkWidget)

/* The models to probe, in display order (PpModelEntry*; the array is copied). */
void pp_probe_view_set_entries(PpProbeView *self, GPtrArray *entries);
/* Probes a PNG/JPEG file (added to the image drop-down). */
void pp_probe_view_set_image_file(PpProbeView *self, const char *path);
/* FALSE when there is no corruption of that name. */
gboolean pp_probe_view_set_corruption(PpProbeView *self, const char *name);
void pp_probe_view_set_severity(PpProbeView *self, double severity);
void pp_probe_view_set_seed(PpProbeView *self, guint64 seed);
/* The model whose feature maps show (the model list's selection; NULL: the
 * first push-pull model). */
void pp_probe_view_set_selected_entry(PpProbeView *self, PpModelEntry *entry);
/* Shows the feature-maps tab at first-layer channel `channel` (clamped to the
 * model's width). */
void pp_probe_view_set_feature_channel(PpProbeView *self, int channel);
/* Starts (or restarts) the severity sweep of every model in the background. */
void pp_probe_view_start_sweep(PpProbeView *self);
/* Shows the Stability tab, with that perturbation when not NULL (FALSE: no such name). */
gboolean pp_probe_view_show_stability(PpProbeView *self, const char *perturbation);
PpStabilityPanel *pp_probe_view_get_stability(PpProbeView *self);
/* TRUE while a probe update, a sweep or a stability sequence is running or queued. */
gboolean pp_probe_view_is_busy(PpProbeView *self);
/* Prints the shown result: per model the top-1 and the pooled SNRs. */
void pp_probe_view_print(PpProbeView *self, FILE *out);
/* Moves the severity slider once per frame for `frames` frames, then prints
 * the slider-to-panels latency statistics and calls done(view, data). */
void pp_probe_view_benchmark(PpProbeView *self, int frames, GCallback done, gpointer data);
/* Paints every panel (for exports) laid out for width x height: images and
 * predictions side by side, the SNR, then the sweep or the feature maps. */
void pp_probe_view_draw(GtkWidget *widget, cairo_t *cr, int width, int height);
/* The height that figure wants (each panel at least as tall as on screen). */
int pp_probe_view_figure_height(PpProbeView *self);
/* The shown result as CSV: model, rank, class, probability, SNRs; when a
 * sweep has been computed, a blank line and a second table: per model and
 * severity the pooled SNRs (push, output), the true-class probability, the
 * top-1 and whether it flipped there. */
char *pp_probe_view_to_csv(PpProbeView *self);
/* Shows every push-pull model's "push only" twin (the same model with alpha = 0) next to it. */
void pp_probe_view_set_push_only(PpProbeView *self, gboolean on);
/* The image's true class by name (NULL or unknown: taken from the file or folder name). */
void pp_probe_view_set_true_class(PpProbeView *self, const char *name);

/* The image being probed (its path; NULL when none) and the seed, for the
 * corruption grid. */
const char *pp_probe_view_get_image_file(PpProbeView *self);
guint64 pp_probe_view_get_seed(PpProbeView *self);

G_END_DECLS

/* The Compare view (issue 17): the first two loaded models side by side (one
 * model: with itself) — layer-by-layer CKA heat maps on N images of a data
 * set, clean and under the chosen corruption; weight histograms of one tensor
 * of both and the per-tensor relative change (or std); every channel of a
 * chosen layer on the probe's image, clean and corrupted, one colour range per
 * channel pair, the value under the pointer shown; Grad-CAM of the top-1 of
 * every loaded model on the clean and the corrupted image, as overlays.
 * Computed off the main thread with a progress bar and Cancel; a newer input
 * cancels the running computation (latest wins). */
#pragma once

#include <gtk/gtk.h>
#include <stdio.h>

#include "pp-model-entry.h"

G_BEGIN_DECLS

#define PP_TYPE_COMPARE_VIEW (pp_compare_view_get_type())
G_DECLARE_FINAL_TYPE(PpCompareView, pp_compare_view, PP, COMPARE_VIEW, GtkWidget)

/* The models, in display order (PpModelEntry*; the first two are compared). */
void pp_compare_view_set_entries(PpCompareView *self, GPtrArray *entries);
/* Picks loaded models a and b (0-based, as the model list; a == b: the model
 * with itself) as models 1 and 2; FALSE when one is not loaded. */
gboolean pp_compare_view_set_models(PpCompareView *self, guint a, guint b);
/* The image of the feature maps (a PNG/JPEG path; usually the probe's). */
void pp_compare_view_set_image_file(PpCompareView *self, const char *path);
void pp_compare_view_set_seed(PpCompareView *self, guint64 seed);
/* NULL or "none": clean only. FALSE for an unknown name. */
gboolean pp_compare_view_set_corruption(PpCompareView *self, const char *name);
void pp_compare_view_set_severity(PpCompareView *self, double severity);
/* stem, layer1..layer4 or conv1; FALSE otherwise. */
gboolean pp_compare_view_set_layer(PpCompareView *self, const char *layer);
/* The CKA's data set (as `pushpull cka --data`) and image count. */
void pp_compare_view_set_data(PpCompareView *self, const char *spec, int images);
/* Cancels the running computation (the view then says it was cancelled). */
void pp_compare_view_cancel(PpCompareView *self);
/* TRUE while a computation runs or is queued. */
gboolean pp_compare_view_is_busy(PpCompareView *self);
void pp_compare_view_draw(GtkWidget *widget, cairo_t *cr, int width, int height);
/* condition,layer_a,layer_b,cka rows of the shown CKA matrices. */
char *pp_compare_view_to_csv(PpCompareView *self);
/* .png/.svg/.pdf: the figure at the view's width; .csv: the CKA table. */
gboolean pp_compare_view_export(PpCompareView *self, const char *path, GError **error);
/* The value under the pointer as the view shows it (tests: as if it hovered
 * at (x, y) of the drawing); NULL when there is none. */
const char *pp_compare_view_hover(PpCompareView *self, double x, double y);
/* "state: Done" (or Cancelled, Stopped), the CSV, then "hover cka: ..." at
 * the first CKA cell, "hover map: ..." at the middle of model 1's corrupted
 * map of channel 0, and per model "gradcam: TITLE clean CLASS P corrupted
 * CLASS P" (tests). */
void pp_compare_view_print(PpCompareView *self, FILE *out);

G_END_DECLS

/* The corruption grid: the probe's current image under every corruption (the
 * 15 benchmark ones, then the 4 extras) at one severity, as thumbnails of
 * what the first model receives, each with every loaded model's top-1 (a
 * top-1 that differs from the model's clean top-1 in red). Computed off the
 * main thread (latest wins); a click emits "corruption-activated"; Play
 * animates the severity from 0 to 5. */
#pragma once

#include <gtk/gtk.h>

#include "pp-model-entry.h"

G_BEGIN_DECLS

#define PP_TYPE_CORRUPTION_GRID_VIEW (pp_corruption_grid_view_get_type())
G_DECLARE_FINAL_TYPE(PpCorruptionGridView, pp_corruption_grid_view, PP, CORRUPTION_GRID_VIEW, GtkWidget)

/* The models, in display order (PpModelEntry*; the array is copied). */
void pp_corruption_grid_view_set_entries(PpCorruptionGridView *self, GPtrArray *entries);
/* The image to corrupt (a PNG/JPEG path; usually the probe's). */
void pp_corruption_grid_view_set_image_file(PpCorruptionGridView *self, const char *path);
void pp_corruption_grid_view_set_severity(PpCorruptionGridView *self, double severity);
double pp_corruption_grid_view_get_severity(PpCorruptionGridView *self);
void pp_corruption_grid_view_set_seed(PpCorruptionGridView *self, guint64 seed);
/* Highlights one corruption's cell (NULL: none). */
void pp_corruption_grid_view_set_selected(PpCorruptionGridView *self, const char *corruption);
/* What a click on a thumbnail does: highlights it and emits
 * "corruption-activated" (name, the grid's severity). FALSE for an unknown name. */
gboolean pp_corruption_grid_view_activate(PpCorruptionGridView *self, const char *corruption);
/* Starts or stops the severity animation (0 to 5, then it stops). */
void pp_corruption_grid_view_set_playing(PpCorruptionGridView *self, gboolean playing);
/* TRUE while an update runs or is queued, or the animation plays. */
gboolean pp_corruption_grid_view_is_busy(PpCorruptionGridView *self);
/* Number of cells with a computed result (19 once done). */
int pp_corruption_grid_view_get_cell_count(PpCorruptionGridView *self);
void pp_corruption_grid_view_draw(GtkWidget *widget, cairo_t *cr, int width, int height);
/* One tidy table: corruption, family, severity, seed, model, top1 (class name),
 * top1_index, top1_prob, clean_top1, changed (0/1). */
char *pp_corruption_grid_view_to_csv(PpCorruptionGridView *self);
/* .png/.svg/.pdf: the grid at the view's width (no hints); .csv: the table. */
gboolean pp_corruption_grid_view_export(PpCorruptionGridView *self, const char *path, GError **error);
/* Prints the CSV table to out. */
void pp_corruption_grid_view_print(PpCorruptionGridView *self, FILE *out);

G_END_DECLS

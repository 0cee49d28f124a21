/* All first-layer kernels of a model as a grid (diverging colour map, one
 * scale for the whole layer, with a legend); a click selects a kernel. */
#pragma once

#include <gtk/gtk.h>

#include "pp-model-entry.h"

G_BEGIN_DECLS

#define PP_TYPE_KERNEL_GRID (pp_kernel_grid_get_type())
G_DECLARE_FINAL_TYPE(PpKernelGrid, pp_kernel_grid, PP, KERNEL_GRID, GtkWidget)

GtkWidget *pp_kernel_grid_new(void);
void pp_kernel_grid_set_entry(PpKernelGrid *self, PpModelEntry *entry);
int pp_kernel_grid_get_selected(PpKernelGrid *self);
void pp_kernel_grid_set_selected(PpKernelGrid *self, int k);
/* PpPlotDrawFunc */
void pp_kernel_grid_draw(GtkWidget *widget, cairo_t *cr, int width, int height);

G_END_DECLS

/* A bin that zooms its child like a browser zooms a page: the child is laid
 * out at (width, height) / zoom and drawn (and hit-tested) scaled by zoom,
 * so text, controls and the Cairo plots grow together (Ctrl+plus/minus/0). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PP_TYPE_ZOOM_BIN (pp_zoom_bin_get_type())
G_DECLARE_FINAL_TYPE(PpZoomBin, pp_zoom_bin, PP, ZOOM_BIN, GtkWidget)

GtkWidget *pp_zoom_bin_new(void);
void pp_zoom_bin_set_child(PpZoomBin *self, GtkWidget *child);
GtkWidget *pp_zoom_bin_get_child(PpZoomBin *self);
/* Clamped to [PP_ZOOM_MIN, PP_ZOOM_MAX]. */
void pp_zoom_bin_set_zoom(PpZoomBin *self, double zoom);
double pp_zoom_bin_get_zoom(PpZoomBin *self);

#define PP_ZOOM_MIN 0.5
#define PP_ZOOM_MAX 2.0

G_END_DECLS

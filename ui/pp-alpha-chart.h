/* The alpha of every output channel of a PushPull unit as a bar chart
 * (paper Fig. 6): learned values as bars, overrides as markers. */
#pragma once

#include <gtk/gtk.h>

#include "pp-model-entry.h"

G_BEGIN_DECLS

#define PP_TYPE_ALPHA_CHART (pp_alpha_chart_get_type())
G_DECLARE_FINAL_TYPE(PpAlphaChart, pp_alpha_chart, PP, ALPHA_CHART, GtkWidget)

GtkWidget *pp_alpha_chart_new(void);
void pp_alpha_chart_set_entry(PpAlphaChart *self, PpModelEntry *entry);
int pp_alpha_chart_get_selected(PpAlphaChart *self);
void pp_alpha_chart_set_selected(PpAlphaChart *self, int k);
void pp_alpha_chart_draw(GtkWidget *widget, cairo_t *cr, int width, int height);

G_END_DECLS

/* The facts of one model: architecture, stem, width, classes, parameters,
 * push-pull settings and alpha statistics (what `pushpull info` prints). */
#pragma once

#include <gtk/gtk.h>

#include "pp-model-entry.h"

G_BEGIN_DECLS

#define PP_TYPE_MODEL_SUMMARY (pp_model_summary_get_type())
G_DECLARE_FINAL_TYPE(PpModelSummary, pp_model_summary, PP, MODEL_SUMMARY, GtkWidget)

void pp_model_summary_set_entry(PpModelSummary *self, PpModelEntry *entry);

G_END_DECLS

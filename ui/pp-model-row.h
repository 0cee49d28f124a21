/* One row of the model list: file name, architecture and a star that marks the
 * model as the baseline (one at a time: rows share a toggle group). */
#pragma once

#include <gtk/gtk.h>

#include "pp-model-entry.h"

G_BEGIN_DECLS

#define PP_TYPE_MODEL_ROW (pp_model_row_get_type())
G_DECLARE_FINAL_TYPE(PpModelRow, pp_model_row, PP, MODEL_ROW, GtkListBoxRow)

/* group: another row whose baseline toggle this one joins, or NULL. */
GtkWidget *pp_model_row_new(PpModelEntry *entry, PpModelRow *group);
PpModelEntry *pp_model_row_get_entry(PpModelRow *self);
void pp_model_row_set_baseline(PpModelRow *self, gboolean baseline);

G_END_DECLS

/* The end of a templated widget's dispose, the same in every view: the
 * template's children and any child added in code go before the parent
 * class's dispose runs. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void pp_template_dispose_children(GtkWidget *widget, GType type);

G_END_DECLS

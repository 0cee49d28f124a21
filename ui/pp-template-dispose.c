#include "pp-template-dispose.h"

void pp_template_dispose_children(GtkWidget *widget, GType type)
{
    gtk_widget_dispose_template(widget, type);
    for (GtkWidget *child; (child = gtk_widget_get_first_child(widget));)
        gtk_widget_unparent(child);
}

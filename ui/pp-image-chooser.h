/* The Open dialog for one picture (PNG or JPEG) that the probe and the
 * inhibition lab show: modal on the widget's window, the path handed to
 * `chosen` when one is picked. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* *slot (the view's) holds the dialog while it is open: the view's dispose
 * clears it, and with it the dialog, so `chosen` never reaches a disposed view. */
void pp_image_chooser_open(GtkWidget *widget, const char *title, GtkNativeDialog **slot,
                           void (*chosen)(GtkWidget *widget, const char *path));

G_END_DECLS

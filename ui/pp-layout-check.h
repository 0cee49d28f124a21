/* --check-layout: after the window has been laid out, walks its widget tree
 * and reports every shown control that a user could not reach: a size of
 * (nearly) zero, a place outside the window (or outside a parent that clips)
 * that no scrolled window can bring into view, labels cut with an ellipsis,
 * drawn views without an accessible summary of their values (each summary is
 * printed as an "accessible: ..." line); also a window that could not shrink
 * to the size asked for; a drawn view whose last draw needed more height
 * than it has (pp_layout_set_drawn_height). Drawn views that a scrolled
 * window shows only in part until scrolled are listed as "scrolled: ..."
 * lines, not counted as problems. */
#pragma once

#include <gtk/gtk.h>
#include <stdio.h>

G_BEGIN_DECLS

/* Prints one "layout: ..." line per problem to out; returns their number. */
int pp_layout_check(GtkWindow *window, int want_width, int want_height, FILE *out);

/* A drawn view's draw function tells the check how tall its content was. */
void pp_layout_set_drawn_height(GtkWidget *widget, double height);

G_END_DECLS

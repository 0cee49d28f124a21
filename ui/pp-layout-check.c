#include "pp-layout-check.h"

#include <math.h>

#include "pp-alpha-chart.h"
#include "pp-kernel-detail.h"
#include "pp-kernel-grid.h"
#include "pp-plot.h"
#include "pp-spectrum-view.h"

static gboolean is_control(GtkWidget *w)
{
    return GTK_IS_BUTTON(w) || GTK_IS_CHECK_BUTTON(w) || GTK_IS_MENU_BUTTON(w) || GTK_IS_DROP_DOWN(w) ||
           GTK_IS_SCALE(w) || GTK_IS_SPIN_BUTTON(w) || GTK_IS_SWITCH(w) || GTK_IS_ENTRY(w) || GTK_IS_TEXT(w);
}

static gboolean is_plot(GtkWidget *w)
{
    return GTK_IS_DRAWING_AREA(w) || PP_IS_KERNEL_GRID(w) || PP_IS_KERNEL_DETAIL(w) || PP_IS_ALPHA_CHART(w) ||
           PP_IS_SPECTRUM_VIEW(w);
}

static char *describe(GtkWidget *w)
{
    const char *text = NULL;
    if (GTK_IS_BUTTON(w))
        text = gtk_button_get_label(GTK_BUTTON(w));
    if (!text && GTK_IS_BUTTON(w))
        text = gtk_button_get_icon_name(GTK_BUTTON(w));
    if (!text && GTK_IS_CHECK_BUTTON(w))
        text = gtk_check_button_get_label(GTK_CHECK_BUTTON(w));
    if (!text && GTK_IS_LABEL(w))
        text = gtk_label_get_text(GTK_LABEL(w));
    if (!text)
        text = gtk_buildable_get_buildable_id(GTK_BUILDABLE(w));
    if (!text)
        text = gtk_widget_get_tooltip_text(w);
    char *t = g_strdup(text ? text : "");
    if (g_utf8_strlen(t, -1) > 60) {
        char *cut = g_utf8_substring(t, 0, 60);
        g_free(t);
        t = cut;
    }
    for (char *p = t; *p; p++)
        if (*p == '\n')
            *p = ' ';
    char *s = g_strdup_printf("%s “%s”", G_OBJECT_TYPE_NAME(w), t);
    g_free(t);
    return s;
}

static gboolean inside(const graphene_rect_t *a, const graphene_rect_t *outer)
{
    const float slack = 1.0f;
    return a->origin.x >= outer->origin.x - slack && a->origin.y >= outer->origin.y - slack &&
           a->origin.x + a->size.width <= outer->origin.x + outer->size.width + slack &&
           a->origin.y + a->size.height <= outer->origin.y + outer->size.height + slack;
}

/* Where w can be seen: the window, or the nearest scrolled window (which can
 * scroll it into view) or clipping parent. NULL when w is fine. */
static const char *unreachable(GtkWidget *w, GtkWidget *root)
{
    graphene_rect_t b;
    if (!gtk_widget_compute_bounds(w, root, &b))
        return "has no place in the window";
    for (GtkWidget *p = gtk_widget_get_parent(w); p && p != root; p = gtk_widget_get_parent(p)) {
        if (GTK_IS_VIEWPORT(p) || GTK_IS_SCROLLED_WINDOW(p)) {
            while (p && !GTK_IS_SCROLLED_WINDOW(p))
                p = gtk_widget_get_parent(p);
            return p ? unreachable(p, root) : NULL; /* reachable inside it: is the scroller itself on screen? */
        }
        if (gtk_widget_get_overflow(p) == GTK_OVERFLOW_HIDDEN) {
            graphene_rect_t pb;
            if (gtk_widget_compute_bounds(p, root, &pb) && !inside(&b, &pb))
                return "is cut off by its parent";
        }
    }
    graphene_rect_t win = GRAPHENE_RECT_INIT(0, 0, gtk_widget_get_width(root), gtk_widget_get_height(root));
    return inside(&b, &win) ? NULL : "lies outside the window";
}

void pp_layout_set_drawn_height(GtkWidget *widget, double height)
{
    g_object_set_data(G_OBJECT(widget), "pp-layout-drawn-height", GINT_TO_POINTER((int)ceil(height)));
}

/* How much of w a scrolled window above it shows without scrolling: its
 * bounds cut to every scrolled window's; FALSE when all of it shows. */
static gboolean needs_scrolling(GtkWidget *w, GtkWidget *root, const graphene_rect_t *b, graphene_rect_t *seen)
{
    *seen = *b;
    gboolean cut = FALSE;
    for (GtkWidget *p = gtk_widget_get_parent(w); p && p != root; p = gtk_widget_get_parent(p)) {
        graphene_rect_t pb;
        if (!GTK_IS_SCROLLED_WINDOW(p) || !gtk_widget_compute_bounds(p, root, &pb))
            continue;
        if (!inside(seen, &pb)) {
            cut = TRUE;
            if (!graphene_rect_intersection(seen, &pb, seen))
                *seen = GRAPHENE_RECT_INIT(b->origin.x, b->origin.y, 0, 0);
        }
    }
    return cut;
}

static int walk(GtkWidget *w, GtkWidget *root, FILE *out)
{
    if (!gtk_widget_get_mapped(w) || !gtk_widget_get_child_visible(w))
        return 0;
    int problems = 0;
    gboolean control = is_control(w), plot = is_plot(w);
    if (control || plot) {
        int width = gtk_widget_get_width(w), height = gtk_widget_get_height(w);
        int min = plot ? 40 : 2;
        const char *why = NULL;
        if (width < min || height < min)
            why = "is clipped to (nearly) zero";
        else
            why = unreachable(w, root);
        if (why) {
            char *d = describe(w);
            graphene_rect_t b = GRAPHENE_RECT_INIT(0, 0, 0, 0);
            if (!gtk_widget_compute_bounds(w, root, &b))
                b = GRAPHENE_RECT_INIT(0, 0, 0, 0);
            fprintf(out, "layout: %s %s (%.0f,%.0f %.0fx%.0f)\n", d, why, b.origin.x, b.origin.y, b.size.width,
                    b.size.height);
            g_free(d);
            problems++;
        }
        int drawn = GPOINTER_TO_INT(g_object_get_data(G_OBJECT(w), "pp-layout-drawn-height"));
        if (plot && !why && drawn > height + 1) {
            char *d = describe(w);
            fprintf(out, "layout: %s draws past its bottom (its last draw needed %d px, it has %d)\n", d, drawn, height);
            g_free(d);
            problems++;
        }
        graphene_rect_t b, seen;
        if (plot && !why && gtk_widget_compute_bounds(w, root, &b) && needs_scrolling(w, root, &b, &seen)) {
            /* reachable, so not a problem; a test may still want it in view without scrolling */
            char *d = describe(w);
            fprintf(out, "scrolled: %s shows %.0f of its %.0f px height until scrolled\n", d, seen.size.height,
                    b.size.height);
            g_free(d);
        }
        if (plot) { /* a drawn view tells a screen reader what it shows */
            const char *summary = pp_plot_get_summary(w);
            char *d = describe(w);
            if (!summary || !*summary) {
                fprintf(out, "layout: %s has no accessible summary of its values\n", d);
                problems++;
            } else
                fprintf(out, "accessible: %s: %s\n", d, summary);
            g_free(d);
        }
        if (control)
            return problems; /* a control's own parts are not controls of their own */
    }
    if (GTK_IS_LABEL(w) && gtk_label_get_ellipsize(GTK_LABEL(w)) != PANGO_ELLIPSIZE_NONE &&
        pango_layout_is_ellipsized(gtk_label_get_layout(GTK_LABEL(w))) && !gtk_widget_get_has_tooltip(w)) {
        char *d = describe(w);
        fprintf(out, "layout: %s is ellipsised without a tooltip\n", d);
        g_free(d);
        problems++;
    }
    for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c))
        problems += walk(c, root, out);
    return problems;
}

static void debug_widths(GtkWidget *w, int depth, int over, FILE *out)
{
    int m;
    gtk_widget_measure(w, GTK_ORIENTATION_HORIZONTAL, -1, &m, NULL, NULL, NULL);
    if (m < over)
        return;
    char *d = describe(w);
    fprintf(out, "layout debug: %*s%s needs %d px\n", 2 * depth, "", d, m);
    g_free(d);
    for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c))
        debug_widths(c, depth + 1, over, out);
}

int pp_layout_check(GtkWindow *window, int want_width, int want_height, FILE *out)
{
    GtkWidget *root = GTK_WIDGET(window);
    int problems = 0;
    int w = gtk_widget_get_width(root), h = gtk_widget_get_height(root);
    int minw, minh;
    gtk_widget_measure(root, GTK_ORIENTATION_HORIZONTAL, -1, &minw, NULL, NULL, NULL);
    gtk_widget_measure(root, GTK_ORIENTATION_VERTICAL, want_width > 0 ? want_width : w, &minh, NULL, NULL, NULL);
    if (want_width > 0 && (w > want_width + 1 || minw > want_width)) {
        fprintf(out, "layout: the window is %d px wide (its content needs %d), asked for %d\n", w, minw, want_width);
        problems++;
    }
    if (want_height > 0 && (h > want_height + 1 || minh > want_height)) {
        fprintf(out, "layout: the window is %d px high (its content needs %d), asked for %d\n", h, minh, want_height);
        problems++;
    }
    if (g_getenv("PP_LAYOUT_DEBUG")) /* which widgets ask for the width */
        debug_widths(root, 0, want_width > 0 ? want_width * 3 / 5 : 500, out);
    problems += walk(root, root, out);
    fprintf(out, "layout checked: %s at %dx%d, %d problem%s\n", gtk_window_get_title(window), w, h, problems,
            problems == 1 ? "" : "s");
    return problems;
}

/* Drawing helpers shared by the plot widgets: colours read from the widget's
 * style (so dark mode works), colour maps, text and a colour-scale legend.
 * Every plot draws through cairo so that the same code paints the screen and
 * the PNG/SVG/PDF exports. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct {
    GdkRGBA fg;     /* text and axes */
    GdkRGBA bg;     /* window background (filled only for exports) */
    GdkRGBA accent; /* selection */
    GdkRGBA dim;    /* grid lines, frames */
    GdkRGBA series[3];
} PpPlotColors;

/* Also marks the start of a draw of the widget: the texts that
 * pp_plot_text_max had to cut in its last draw are forgotten (see
 * pp_plot_install_tooltip) and its accessible summary is refreshed. */
void pp_plot_colors(GtkWidget *widget, PpPlotColors *c);

/* Secondary text colour: fg at an opacity that keeps 4.5:1 contrast or better
 * on the window background in the light and the dark style. */
void pp_plot_secondary(const PpPlotColors *c, GdkRGBA *out);

/* TRUE while pp_plot_export draws: the figure leaves out screen-only hints
 * ("click to select") and pp_plot_text_max never cuts text. */
gboolean pp_plot_exporting(void);

/* The widget's tooltip: its help text (may be NULL) followed by the full text
 * of every label that pp_plot_text_max had to cut in the last draw. */
void pp_plot_install_tooltip(GtkWidget *widget, const char *help);

/* A drawn view's accessible description: summary(widget) (a new string) is
 * asked for after each draw, and set as GTK_ACCESSIBLE_PROPERTY_DESCRIPTION;
 * label becomes the accessible label. */
typedef char *(*PpPlotSummaryFunc)(GtkWidget *widget);
void pp_plot_set_accessible(GtkWidget *widget, const char *label, PpPlotSummaryFunc summary);
/* Sets the accessible description directly (views that compute their own
 * summary), remembered like a summary. */
void pp_plot_set_description(GtkWidget *widget, const char *text);
/* The summary of what was last drawn (NULL before the first draw). */
const char *pp_plot_get_summary(GtkWidget *widget);

/* Diverging blue-white-red map, t in [-1, 1] (0 = white). */
void pp_plot_diverging(double t, double rgb[3]);
/* Sequential map (dark purple to yellow, magma-like), t in [0, 1]. */
void pp_plot_sequential(double t, double rgb[3]);

/* Paints a (rows, cols) array as crisp cells into the rectangle; values map by
 * t = v / range on the diverging map. */
void pp_plot_kernel(cairo_t *cr, const float *v, int rows, int cols, double x, double y, double w, double h,
                    float range);
/* Same, with t = (v - lo) / (hi - lo) on the sequential map. */
void pp_plot_heat(cairo_t *cr, const float *v, int rows, int cols, double x, double y, double w, double h,
                  float lo, float hi);

typedef enum { PP_ALIGN_START, PP_ALIGN_CENTER, PP_ALIGN_END } PpAlign;
/* Text in the widget's font, scaled; y is the top; returns the text height. */
double pp_plot_text(cairo_t *cr, GtkWidget *widget, const char *text, double x, double y, PpAlign align,
                    double scale, gboolean bold, const GdkRGBA *color);
/* Same, fitted into max_width pixels: the font shrinks down to 85 % first;
 * text still too long is cut with an ellipsis on screen (the full text goes
 * into the tooltip) and drawn in full in exports. */
double pp_plot_text_max(cairo_t *cr, GtkWidget *widget, const char *text, double x, double y, double max_width,
                        double scale, gboolean bold, const GdkRGBA *color);
double pp_plot_text_width(GtkWidget *widget, const char *text, double scale, gboolean bold);

/* A vertical colour bar with min/0/max ticks and a caption below it. */
void pp_plot_legend_diverging(cairo_t *cr, GtkWidget *widget, const PpPlotColors *c, double x, double y,
                              double w, double h, float range, const char *caption);
void pp_plot_legend_sequential(cairo_t *cr, GtkWidget *widget, const PpPlotColors *c, double x, double y,
                               double w, double h, float lo, float hi, const char *unit);

void pp_plot_set_color(cairo_t *cr, const GdkRGBA *c);

/* A widget that can paint itself into any cairo context (for exports). */
typedef void (*PpPlotDrawFunc)(GtkWidget *widget, cairo_t *cr, int width, int height);
/* Writes the drawing as PNG, SVG or PDF (from the file's extension); FALSE
 * with error set when the extension or the write fails. */
gboolean pp_plot_export(GtkWidget *widget, PpPlotDrawFunc draw, int width, int height, const char *path,
                        GError **error);
/* Same, with a caption line above the figure (the model(s) it shows; NULL:
 * none). */
gboolean pp_plot_export_figure(GtkWidget *widget, PpPlotDrawFunc draw, int width, int height, const char *caption,
                               const char *path, GError **error);

G_END_DECLS

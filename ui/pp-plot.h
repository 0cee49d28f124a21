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

void pp_plot_colors(GtkWidget *widget, PpPlotColors *c);

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
/* Same, cut with an ellipsis to max_width pixels. */
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

G_END_DECLS

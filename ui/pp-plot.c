#include "pp-plot.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <math.h>

static void lookup(GtkStyleContext *ctx, const char *name, GdkRGBA *out, const char *fallback)
{
    if (!gtk_style_context_lookup_color(ctx, name, out))
        gdk_rgba_parse(out, fallback);
}

static gboolean exporting;

gboolean pp_plot_exporting(void)
{
    return exporting;
}

static gboolean refresh_summary(gpointer data);

void pp_plot_colors(GtkWidget *widget, PpPlotColors *c)
{
    if (!exporting) {
        GPtrArray *cut = g_object_get_data(G_OBJECT(widget), "pp-plot-cut");
        if (cut)
            g_ptr_array_set_size(cut, 0);
        if (g_object_get_data(G_OBJECT(widget), "pp-plot-summary") &&
            !g_object_get_data(G_OBJECT(widget), "pp-plot-summary-queued")) {
            g_object_set_data(G_OBJECT(widget), "pp-plot-summary-queued", GINT_TO_POINTER(1));
            g_idle_add_full(G_PRIORITY_LOW, refresh_summary, g_object_ref(widget), g_object_unref);
        }
    }
    G_GNUC_BEGIN_IGNORE_DEPRECATIONS
    GtkStyleContext *ctx = gtk_widget_get_style_context(widget);
    gtk_style_context_get_color(ctx, &c->fg);
    lookup(ctx, "window_bg_color", &c->bg, "#fafafa");
    lookup(ctx, "accent_color", &c->accent, "#1c71d8");
    G_GNUC_END_IGNORE_DEPRECATIONS
    c->dim = c->fg;
    c->dim.alpha *= 0.18f;
    gboolean dark = (c->fg.red + c->fg.green + c->fg.blue) > 1.5f;
    gdk_rgba_parse(&c->series[0], dark ? "#78aeed" : "#1c71d8"); /* push: blue */
    gdk_rgba_parse(&c->series[1], dark ? "#ffa348" : "#c64600"); /* pull: orange */
    gdk_rgba_parse(&c->series[2], dark ? "#8ff0a4" : "#26a269"); /* effective: green */
}

void pp_plot_secondary(const PpPlotColors *c, GdkRGBA *out)
{
    /* light: fg rgba(0,0,0,0.8) x 0.75 on #fafafa is 5.0:1; dark: white x 0.75 on #242424 is 8:1 */
    *out = c->fg;
    out->alpha *= 0.75f;
}

static void remember_cut(GtkWidget *widget, const char *text)
{
    GPtrArray *cut = g_object_get_data(G_OBJECT(widget), "pp-plot-cut");
    if (!cut) {
        cut = g_ptr_array_new_with_free_func(g_free);
        g_object_set_data_full(G_OBJECT(widget), "pp-plot-cut", cut, (GDestroyNotify)g_ptr_array_unref);
    }
    for (guint i = 0; i < cut->len; i++)
        if (g_str_equal(cut->pdata[i], text))
            return;
    g_ptr_array_add(cut, g_strdup(text));
}

static gboolean on_query_tooltip(GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip,
                                 gpointer data)
{
    (void)x;
    (void)y;
    (void)keyboard;
    (void)data;
    GString *s = g_string_new(g_object_get_data(G_OBJECT(widget), "pp-plot-help"));
    GPtrArray *cut = g_object_get_data(G_OBJECT(widget), "pp-plot-cut");
    for (guint i = 0; cut && i < cut->len; i++)
        g_string_append_printf(s, "%s%s", s->len ? "\n\n" : "", (const char *)cut->pdata[i]);
    gboolean show = s->len > 0;
    if (show)
        gtk_tooltip_set_text(tooltip, s->str);
    g_string_free(s, TRUE);
    return show;
}

void pp_plot_install_tooltip(GtkWidget *widget, const char *help)
{
    g_object_set_data_full(G_OBJECT(widget), "pp-plot-help", g_strdup(help), g_free);
    if (!g_object_get_data(G_OBJECT(widget), "pp-plot-tooltip")) {
        g_object_set_data(G_OBJECT(widget), "pp-plot-tooltip", GINT_TO_POINTER(1));
        g_signal_connect(widget, "query-tooltip", G_CALLBACK(on_query_tooltip), NULL);
    }
    gtk_widget_set_has_tooltip(widget, TRUE);
}

static gboolean refresh_summary(gpointer data)
{
    GtkWidget *widget = data;
    g_object_set_data(G_OBJECT(widget), "pp-plot-summary-queued", NULL);
    PpPlotSummaryFunc f = (PpPlotSummaryFunc)g_object_get_data(G_OBJECT(widget), "pp-plot-summary");
    if (!f)
        return G_SOURCE_REMOVE;
    char *text = f(widget);
    const char *old = g_object_get_data(G_OBJECT(widget), "pp-plot-summary-text");
    if (g_strcmp0(old, text) != 0) {
        gtk_accessible_update_property(GTK_ACCESSIBLE(widget), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text ? text : "",
                                       -1);
        g_object_set_data_full(G_OBJECT(widget), "pp-plot-summary-text", text, g_free);
    } else
        g_free(text);
    return G_SOURCE_REMOVE;
}

void pp_plot_set_description(GtkWidget *widget, const char *text)
{
    gtk_accessible_update_property(GTK_ACCESSIBLE(widget), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text ? text : "", -1);
    g_object_set_data_full(G_OBJECT(widget), "pp-plot-summary-text", g_strdup(text), g_free);
}

const char *pp_plot_get_summary(GtkWidget *widget)
{
    /* a draw queued a refresh that has not run yet (a low-priority idle that a
     * busy main loop postpones): the summary asked for is that of what is drawn */
    if (g_object_get_data(G_OBJECT(widget), "pp-plot-summary-queued"))
        refresh_summary(widget);
    return g_object_get_data(G_OBJECT(widget), "pp-plot-summary-text");
}

void pp_plot_set_accessible(GtkWidget *widget, const char *label, PpPlotSummaryFunc summary)
{
    gtk_accessible_update_property(GTK_ACCESSIBLE(widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
    g_object_set_data(G_OBJECT(widget), "pp-plot-summary", (gpointer)summary);
    if (summary && !g_object_get_data(G_OBJECT(widget), "pp-plot-summary-queued")) {
        g_object_set_data(G_OBJECT(widget), "pp-plot-summary-queued", GINT_TO_POINTER(1));
        g_idle_add_full(G_PRIORITY_LOW, refresh_summary, g_object_ref(widget), g_object_unref);
    }
}

void pp_plot_set_color(cairo_t *cr, const GdkRGBA *c)
{
    cairo_set_source_rgba(cr, c->red, c->green, c->blue, c->alpha);
}

static void interp(const double stops[][3], int n, double t, double rgb[3])
{
    if (!(t > 0))
        t = 0;
    if (t > 1)
        t = 1;
    double p = t * (n - 1);
    int i = (int)floor(p);
    if (i >= n - 1)
        i = n - 2;
    double f = p - i;
    for (int j = 0; j < 3; j++)
        rgb[j] = (stops[i][j] * (1 - f) + stops[i + 1][j] * f) / 255.0;
}

void pp_plot_diverging(double t, double rgb[3])
{
    static const double stops[][3] = {{33, 102, 172}, {103, 169, 207}, {247, 247, 247}, {239, 138, 98}, {178, 24, 43}};
    interp(stops, 5, (t + 1) / 2, rgb);
}

void pp_plot_sequential(double t, double rgb[3])
{
    static const double stops[][3] = {{0, 0, 4}, {59, 15, 112}, {140, 41, 129}, {222, 73, 104}, {254, 159, 109}, {252, 253, 191}};
    interp(stops, 6, t, rgb);
}

/* One pixel per value in an image surface, scaled up with nearest-neighbour
 * filtering: crisp cells without seams on screen and in PNG/SVG/PDF. */
static void cells(cairo_t *cr, const float *v, int rows, int cols, double x, double y, double w, double h,
                  gboolean diverging, float a, float b)
{
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, cols, rows);
    unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    double rgb[3];
    cairo_surface_flush(img);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            float val = v[i * cols + j];
            if (diverging)
                pp_plot_diverging(a > 0 ? val / a : 0, rgb);
            else
                pp_plot_sequential(b > a ? (val - a) / (b - a) : 0, rgb);
            uint32_t px = 0xff000000u | ((uint32_t)(rgb[0] * 255 + 0.5) << 16) | ((uint32_t)(rgb[1] * 255 + 0.5) << 8) |
                          (uint32_t)(rgb[2] * 255 + 0.5);
            ((uint32_t *)(data + (size_t)i * stride))[j] = px;
        }
    cairo_surface_mark_dirty(img);
    cairo_surface_type_t target = cairo_surface_get_type(cairo_get_target(cr));
    if (target == CAIRO_SURFACE_TYPE_SVG) {
        /* SVG viewers smooth a scaled image whatever cairo's filter says:
         * one rectangle per value, each reaching under its right and lower
         * neighbours so no seam shows */
        double cw = w / cols, ch = h / rows;
        cairo_save(cr);
        cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) {
                uint32_t px = ((uint32_t *)(data + (size_t)i * stride))[j];
                cairo_set_source_rgb(cr, ((px >> 16) & 255) / 255.0, ((px >> 8) & 255) / 255.0, (px & 255) / 255.0);
                cairo_rectangle(cr, x + j * cw, y + i * ch, j + 1 < cols ? cw * 1.02 : cw, i + 1 < rows ? ch * 1.02 : ch);
                cairo_fill(cr);
            }
        cairo_restore(cr);
        cairo_surface_destroy(img);
        return;
    }
    cairo_save(cr);
    cairo_rectangle(cr, x, y, w, h);
    cairo_clip(cr);
    cairo_translate(cr, x, y);
    cairo_scale(cr, w / cols, h / rows);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(img);
}

void pp_plot_kernel(cairo_t *cr, const float *v, int rows, int cols, double x, double y, double w, double h,
                    float range)
{
    cells(cr, v, rows, cols, x, y, w, h, TRUE, range, 0);
}

void pp_plot_heat(cairo_t *cr, const float *v, int rows, int cols, double x, double y, double w, double h,
                  float lo, float hi)
{
    cells(cr, v, rows, cols, x, y, w, h, FALSE, lo, hi);
}

static PangoLayout *layout_for(cairo_t *cr, GtkWidget *widget, const char *text, double scale, gboolean bold)
{
    PangoLayout *layout = cr ? pango_cairo_create_layout(cr) : gtk_widget_create_pango_layout(widget, NULL);
    PangoFontDescription *fd =
        pango_font_description_copy(pango_context_get_font_description(gtk_widget_get_pango_context(widget)));
    pango_font_description_set_size(fd, (int)(pango_font_description_get_size(fd) * scale));
    if (bold)
        pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
    pango_layout_set_font_description(layout, fd);
    pango_font_description_free(fd);
    pango_layout_set_text(layout, text, -1);
    return layout;
}

double pp_plot_text(cairo_t *cr, GtkWidget *widget, const char *text, double x, double y, PpAlign align,
                    double scale, gboolean bold, const GdkRGBA *color)
{
    PangoLayout *layout = layout_for(cr, widget, text, scale, bold);
    int tw, th;
    pango_layout_get_pixel_size(layout, &tw, &th);
    if (align == PP_ALIGN_CENTER)
        x -= tw / 2.0;
    else if (align == PP_ALIGN_END)
        x -= tw;
    pp_plot_set_color(cr, color);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, layout);
    g_object_unref(layout);
    return th;
}

double pp_plot_text_max(cairo_t *cr, GtkWidget *widget, const char *text, double x, double y, double max_width,
                        double scale, gboolean bold, const GdkRGBA *color)
{
    max_width = MAX(max_width, 10);
    PangoLayout *layout = NULL;
    int tw, th;
    /* shrink the font a little before anything is cut */
    for (double f = 1.0; f > 0.84; f -= 0.05) {
        g_clear_object(&layout);
        layout = layout_for(cr, widget, text, scale * f, bold);
        pango_layout_get_pixel_size(layout, &tw, &th);
        if (tw <= max_width)
            break;
    }
    if (tw > max_width && !exporting) {
        pango_layout_set_width(layout, (int)(max_width * PANGO_SCALE));
        pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
        remember_cut(widget, text);
    }
    pango_layout_get_pixel_size(layout, &tw, &th);
    pp_plot_set_color(cr, color);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, layout);
    g_object_unref(layout);
    return th;
}

/* The widths measured with a widget's Pango context, by text, scale and
 * weight: a panel measures the same labels on every frame of a drag, and
 * each measure lays the text out anew. Dropped when the context changes
 * (its serial: fonts, resolution) and when it grows past a few thousand. */
typedef struct {
    guint serial;
    GHashTable *widths; /* "scale bold text" -> width (px, as a pointer-sized int) */
} WidthCache;

static void width_cache_free(gpointer data)
{
    WidthCache *c = data;
    g_hash_table_unref(c->widths);
    g_free(c);
}

static WidthCache *width_cache_of(PangoContext *context)
{
    WidthCache *c = g_object_get_data(G_OBJECT(context), "pp-plot-widths");
    if (!c) {
        c = g_new0(WidthCache, 1);
        c->widths = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_object_set_data_full(G_OBJECT(context), "pp-plot-widths", c, width_cache_free);
    }
    const guint serial = pango_context_get_serial(context);
    if (c->serial != serial || g_hash_table_size(c->widths) > 4096) {
        g_hash_table_remove_all(c->widths);
        c->serial = serial;
    }
    return c;
}

double pp_plot_text_width(GtkWidget *widget, const char *text, double scale, gboolean bold)
{
    WidthCache *c = width_cache_of(gtk_widget_get_pango_context(widget));
    char *key = g_strdup_printf("%.4f %d %s", scale, bold ? 1 : 0, text);
    gpointer found;
    if (g_hash_table_lookup_extended(c->widths, key, NULL, &found)) {
        g_free(key);
        return GPOINTER_TO_INT(found);
    }
    PangoLayout *layout = layout_for(NULL, widget, text, scale, bold);
    int tw, th;
    pango_layout_get_pixel_size(layout, &tw, &th);
    g_object_unref(layout);
    g_hash_table_insert(c->widths, key, GINT_TO_POINTER(tw));
    return tw;
}

static void legend_frame(cairo_t *cr, const PpPlotColors *c, double x, double y, double w, double h)
{
    pp_plot_set_color(cr, &c->dim);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, x + 0.5, y + 0.5, w - 1, h - 1);
    cairo_stroke(cr);
}

void pp_plot_legend_diverging(cairo_t *cr, GtkWidget *widget, const PpPlotColors *c, double x, double y,
                              double w, double h, float range, const char *caption)
{
    double rgb[3];
    for (int i = 0; i < (int)h; i++) {
        pp_plot_diverging(1.0 - 2.0 * i / (h - 1), rgb);
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        cairo_rectangle(cr, x, y + i, w, 1);
        cairo_fill(cr);
    }
    legend_frame(cr, c, x, y, w, h);
    char buf[32];
    double th = pp_plot_text_width(widget, "0", 0.8, FALSE) * 0 + 7;
    snprintf(buf, sizeof buf, "%+.3g", range);
    pp_plot_text(cr, widget, buf, x + w + 4, y - th, PP_ALIGN_START, 0.8, FALSE, &c->fg);
    pp_plot_text(cr, widget, "0", x + w + 4, y + h / 2 - th, PP_ALIGN_START, 0.8, FALSE, &c->fg);
    snprintf(buf, sizeof buf, "%+.3g", -range);
    pp_plot_text(cr, widget, buf, x + w + 4, y + h - th, PP_ALIGN_START, 0.8, FALSE, &c->fg);
    if (caption)
        pp_plot_text(cr, widget, caption, x + w / 2, y + h + 6, PP_ALIGN_CENTER, 0.75, FALSE, &c->fg);
}

void pp_plot_legend_sequential(cairo_t *cr, GtkWidget *widget, const PpPlotColors *c, double x, double y,
                               double w, double h, float lo, float hi, const char *unit)
{
    double rgb[3];
    for (int i = 0; i < (int)h; i++) {
        pp_plot_sequential(1.0 - (double)i / (h - 1), rgb);
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        cairo_rectangle(cr, x, y + i, w, 1);
        cairo_fill(cr);
    }
    legend_frame(cr, c, x, y, w, h);
    char buf[32];
    snprintf(buf, sizeof buf, "%.0f %s", hi, unit);
    pp_plot_text(cr, widget, buf, x + w + 4, y - 7, PP_ALIGN_START, 0.8, FALSE, &c->fg);
    snprintf(buf, sizeof buf, "%.0f %s", lo, unit);
    pp_plot_text(cr, widget, buf, x + w + 4, y + h - 7, PP_ALIGN_START, 0.8, FALSE, &c->fg);
}

gboolean pp_plot_export(GtkWidget *widget, PpPlotDrawFunc draw, int width, int height, const char *path,
                        GError **error)
{
    return pp_plot_export_figure(widget, draw, width, height, NULL, path, error);
}

gboolean pp_plot_export_figure(GtkWidget *widget, PpPlotDrawFunc draw, int width, int height, const char *caption,
                               const char *path, GError **error)
{
    cairo_surface_t *surface;
    const double margin = 12; /* a page margin around the figure */
    const double cap_h = caption ? 30 : 0;
    const double full_w = width + 2 * margin, full_h = height + cap_h + 2 * margin;
    gboolean png = g_str_has_suffix(path, ".png") || g_str_has_suffix(path, ".PNG");
    if (png)
        surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)full_w * 2, (int)full_h * 2);
    else if (g_str_has_suffix(path, ".svg") || g_str_has_suffix(path, ".SVG"))
        surface = cairo_svg_surface_create(path, full_w, full_h);
    else if (g_str_has_suffix(path, ".pdf") || g_str_has_suffix(path, ".PDF"))
        surface = cairo_pdf_surface_create(path, full_w, full_h);
    else {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: use a .png, .svg or .pdf name", path);
        return FALSE;
    }
    cairo_t *cr = cairo_create(surface);
    if (png)
        cairo_scale(cr, 2, 2);
    PpPlotColors c;
    pp_plot_colors(widget, &c);
    exporting = TRUE;
    pp_plot_set_color(cr, &c.bg);
    cairo_paint(cr);
    cairo_translate(cr, margin, margin);
    if (caption) {
        GdkRGBA sub;
        pp_plot_secondary(&c, &sub);
        pp_plot_text_max(cr, widget, caption, 0, 0, width, 0.9, FALSE, &sub);
        cairo_translate(cr, 0, cap_h);
    }
    draw(widget, cr, width, height);
    exporting = FALSE;
    cairo_destroy(cr);
    cairo_status_t st = png ? cairo_surface_write_to_png(surface, path) : CAIRO_STATUS_SUCCESS;
    cairo_surface_finish(surface);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(surface);
    cairo_surface_destroy(surface);
    if (st != CAIRO_STATUS_SUCCESS) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", path, cairo_status_to_string(st));
        return FALSE;
    }
    return TRUE;
}

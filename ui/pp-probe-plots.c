#include "pp-probe-plots.h"

#include <math.h>

#include "pp-plot.h"

void pp_probe_results_free(PpProbeResults *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->n_models; i++) {
        g_clear_object(&r->models[i].entry);
        g_free(r->models[i].label);
        g_free(r->models[i].view_note);
        g_free(r->models[i].true_source);
        pp_image_free(&r->models[i].clean);
        pp_image_free(&r->models[i].corrupted);
        g_free(r->models[i].snr_push_channel);
        g_free(r->models[i].snr_output_channel);
        for (int j = 0; j < 2; j++)
            g_clear_pointer(&r->models[i].shown[j], cairo_surface_destroy);
        for (int q = 0; q < 3; q++)
            for (int j = 0; j < 2; j++)
                g_clear_pointer(&r->models[i].fm_shown[q][j], cairo_surface_destroy);
        for (int q = 0; q < 3; q++)
            for (int j = 0; j < 2; j++)
                g_free(r->models[i].fm[q][j]);
    }
    g_free(r->models);
    g_free(r->corruption);
    g_free(r);
}

void pp_probe_sweeps_free(PpProbeSweeps *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n_models; i++) {
        g_clear_object(&s->entries[i]);
        g_free(s->labels ? s->labels[i] : NULL);
    }
    g_free(s->entries);
    g_free(s->labels);
    g_free(s->true_known);
    g_free(s->sweeps);
    g_free(s->corruption);
    g_free(s);
}

/* ---- helpers ---- */

/* The palette's three series colours, then the same mixed a third of the way
 * to the text colour, then two thirds: five or more models stay apart. */
static GdkRGBA model_color(const PpPlotColors *c, int i)
{
    GdkRGBA a = c->series[i % 3];
    float t = (float)((i / 3) % 3) / 3.0f;
    a.red += (c->fg.red - a.red) * t;
    a.green += (c->fg.green - a.green) * t;
    a.blue += (c->fg.blue - a.blue) * t;
    return a;
}

static GdkRGBA faded(GdkRGBA c, float a)
{
    c.alpha *= a;
    return c;
}

static const char *class_name(PpModelEntry *e, int k)
{
    return k >= 0 ? pp_model_class_name(pp_model_entry_get_model(e), k) : "–";
}

/* Text at `scale`, shrunk (down to 70 %) to fit max_width rather than cut;
 * ellipsised only past that. Returns the height. */
static double fit_text(cairo_t *cr, GtkWidget *widget, const char *text, double x, double y, double max_width,
                       double scale, gboolean bold, const GdkRGBA *color)
{
    double w = pp_plot_text_width(widget, text, scale, bold);
    if (w > max_width && max_width > 0)
        scale = fmax(scale * 0.7, scale * max_width / w);
    return pp_plot_text_max(cr, widget, text, x, y, max_width + 1, scale, bold, color);
}

/* Text split at " · " onto as many lines (at most max_lines) as the width needs;
 * returns the height used. */
static double wrap_at(cairo_t *cr, GtkWidget *widget, const char *text, const char *sep, double x, double y,
                      double max_width, double scale, const GdkRGBA *color, int max_lines)
{
    if (pp_plot_text_width(widget, text, scale, FALSE) <= max_width || max_lines <= 1)
        return fit_text(cr, widget, text, x, y, max_width, scale, FALSE, color);
    char **parts = g_strsplit(text, sep, -1);
    GString *line = g_string_new(NULL);
    double h = 0;
    int lines = 0;
    for (int i = 0; parts[i]; i++) {
        GString *next = g_string_new(line->str);
        if (next->len)
            g_string_append(next, sep);
        g_string_append(next, parts[i]);
        if (line->len && pp_plot_text_width(widget, next->str, scale, FALSE) > max_width && lines < max_lines - 1) {
            h += fit_text(cr, widget, line->str, x, y + h, max_width, scale, FALSE, color);
            lines++;
            g_string_assign(line, parts[i]);
        } else {
            g_string_assign(line, next->str);
        }
        g_string_free(next, TRUE);
    }
    if (line->len)
        h += fit_text(cr, widget, line->str, x, y + h, max_width, scale, FALSE, color);
    g_string_free(line, TRUE);
    g_strfreev(parts);
    return h;
}

/* Word wrap: lines break at spaces (the last line shrinks to fit if it must). */
static double wrap_text(cairo_t *cr, GtkWidget *widget, const char *text, double x, double y, double max_width,
                        double scale, const GdkRGBA *color, int max_lines)
{
    return wrap_at(cr, widget, text, " ", x, y, max_width, scale, color, max_lines);
}

/* An 8-bit image as a cairo surface (gray replicated to RGB). */
static cairo_surface_t *image_surface(const pp_image *img)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, img->width, img->height);
    unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    cairo_surface_flush(s);
    for (int y = 0; y < img->height; y++) {
        uint32_t *row = (uint32_t *)(data + (size_t)y * stride);
        const uint8_t *src = img->pixels + (size_t)y * img->width * img->channels;
        for (int x = 0; x < img->width; x++) {
            const uint8_t *p = src + (size_t)x * img->channels;
            uint32_t r = p[0], g = img->channels == 3 ? p[1] : p[0], b = img->channels == 3 ? p[2] : p[0];
            row[x] = 0xff000000u | r << 16 | g << 8 | b;
        }
    }
    cairo_surface_mark_dirty(s);
    return s;
}

/* The input cells one output cell of an axis covers: cell o spans [o * step,
 * o * step + step), which starts in input cell first[o] and covers count[o]
 * of them, by weight[at[o] ...] each (the part covered). */
typedef struct {
    int *first, *count, *at;
    double *weight;
} area_axis;

static void area_axis_make(area_axis *a, int in, int out)
{
    const double step = (double)in / out;
    a->first = g_new(int, out);
    a->count = g_new(int, out);
    a->at = g_new(int, out);
    size_t total = 0;
    for (int o = 0; o < out; o++) {
        const double lo = o * step, hi = lo + step;
        int i = (int)lo;
        while (i < in && i < hi)
            i++;
        a->first[o] = (int)lo;
        a->count[o] = i - (int)lo;
        a->at[o] = (int)total;
        total += (size_t)a->count[o];
    }
    a->weight = g_new(double, MAX(total, 1));
    for (int o = 0; o < out; o++) {
        const double lo = o * step, hi = lo + step;
        for (int j = 0; j < a->count[o]; j++) {
            const int i = a->first[o] + j;
            a->weight[a->at[o] + j] = fmin(i + 1, hi) - fmax(i, lo);
        }
    }
}

static void area_axis_free(area_axis *a)
{
    g_free(a->first);
    g_free(a->count);
    g_free(a->at);
    g_free(a->weight);
}

/* One output pixel of `c` channels from the cells the axes give (c a
 * constant where inlined: the channel loop unrolls). */
static inline __attribute__((always_inline)) void area_pixel(const pp_image *src, int c, const area_axis *ax,
                                                             const area_axis *ay, int ox, int oy, uint8_t *q)
{
    const double *wxs = ax->weight + ax->at[ox], *wys = ay->weight + ay->at[oy];
    double acc[3] = {0, 0, 0}, wsum = 0;
    for (int j = 0; j < ay->count[oy]; j++) {
        const double wy = wys[j];
        const uint8_t *row = src->pixels + ((size_t)(ay->first[oy] + j) * src->width + ax->first[ox]) * c;
        for (int i = 0; i < ax->count[ox]; i++) {
            const double w = wy * wxs[i];
            for (int k = 0; k < c; k++)
                acc[k] += w * row[(size_t)i * c + k];
            wsum += w;
        }
    }
    for (int k = 0; k < c; k++)
        q[k] = (uint8_t)CLAMP(lround(acc[k] / fmax(wsum, 1e-12)), 0, 255);
}

/* Area averaging: each output pixel is the mean of the input area it covers,
 * partly covered input pixels weighted by the part. The weights are separable:
 * each axis's are computed once (not per pixel) and multiplied in the same
 * order as before, so the pixels are the same. dst: (tw, th), same channels.
 * The slider's worker runs this on every move's corrupted image. */
void pp_probe_image_downscale(const pp_image *src, pp_image *dst, int tw, int th)
{
    const int c = src->channels;
    dst->width = tw;
    dst->height = th;
    dst->channels = c;
    dst->pixels = g_malloc((size_t)tw * th * c);
    area_axis ax, ay;
    area_axis_make(&ax, src->width, tw);
    area_axis_make(&ay, src->height, th);
    for (int oy = 0; oy < th; oy++)
        for (int ox = 0; ox < tw; ox++) {
            uint8_t *q = dst->pixels + ((size_t)oy * tw + ox) * c;
            if (c == 3)
                area_pixel(src, 3, &ax, &ay, ox, oy, q);
            else if (c == 1)
                area_pixel(src, 1, &ax, &ay, ox, oy, q);
            else
                area_pixel(src, c, &ax, &ay, ox, oy, q);
        }
    area_axis_free(&ax);
    area_axis_free(&ay);
}

/* img resampled to fit a side x side box (device pixels: side * scale):
 * area-averaged when it shrinks, nearest neighbour when it grows. */
static cairo_surface_t *resampled_surface(const pp_image *img, int side, int scale, double *shown_scale)
{
    const int box = side * scale;
    double f = (double)box / MAX(img->width, img->height);
    *shown_scale = f / scale;
    const int tw = MAX(1, (int)lround(img->width * f)), th = MAX(1, (int)lround(img->height * f));
    cairo_surface_t *s;
    if (f < 1) {
        pp_image small = {0};
        pp_probe_image_downscale(img, &small, tw, th);
        s = image_surface(&small);
        g_free(small.pixels);
    } else {
        cairo_surface_t *src = image_surface(img);
        s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, tw, th);
        cairo_t *cr = cairo_create(s);
        cairo_scale(cr, (double)tw / img->width, (double)th / img->height);
        cairo_set_source_surface(cr, src, 0, 0);
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
        cairo_paint(cr);
        cairo_destroy(cr);
        cairo_surface_destroy(src);
    }
    cairo_surface_set_device_scale(s, scale, scale);
    return s;
}

void pp_probe_prepare_image(PpProbeModelResult *mr, int which, int side, int scale)
{
    const pp_image *img = which == 0 ? &mr->clean : &mr->corrupted;
    g_clear_pointer(&mr->shown[which], cairo_surface_destroy);
    double f;
    if (img->pixels && side > 0)
        mr->shown[which] = resampled_surface(img, side, MAX(scale, 1), &f);
    mr->shown_side = side;
    mr->shown_scale = MAX(scale, 1);
}

void pp_probe_prepare_images(PpProbeModelResult *mr, int side, int scale)
{
    for (int i = 0; i < 2; i++)
        pp_probe_prepare_image(mr, i, side, scale);
}

/* The image into a side x side box: the worker's surface when it was made
 * for this box (a copy), else resampled here (an export at another size).
 * Returns the scale shown. */
static double paint_image(cairo_t *cr, const PpProbeModelResult *mr, int which, double x, double y, double side,
                          int screen_scale)
{
    const pp_image *img = which == 0 ? &mr->clean : &mr->corrupted;
    if (!img->pixels)
        return 0;
    double scale = side / MAX(img->width, img->height);
    cairo_surface_t *s = mr->shown[which];
    if (s && mr->shown_side == (int)side && mr->shown_scale == screen_scale)
        cairo_surface_reference(s);
    else
        s = resampled_surface(img, (int)side, screen_scale, &scale);
    cairo_save(cr);
    cairo_set_source_surface(cr, s, x, y);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(s);
    return scale;
}

static void format_db(char *buf, size_t n, double db)
{
    if (isnan(db))
        snprintf(buf, n, "–");
    else if (isinf(db))
        snprintf(buf, n, "∞ (clean)");
    else
        snprintf(buf, n, "%.1f dB", db);
}

/* ---- what each model receives: one clean/corrupted pair per input geometry ---- */

static gboolean same_input(const PpProbeModelResult *a, const PpProbeModelResult *b)
{
    return a->clean.width == b->clean.width && a->clean.height == b->clean.height &&
           a->clean.channels == b->clean.channels;
}

int pp_probe_input_groups(const PpProbeResults *r)
{
    int groups = 0;
    for (int m = 0; r && m < r->n_models; m++) {
        gboolean seen = FALSE;
        for (int j = 0; j < m && !seen; j++)
            seen = same_input(&r->models[j], &r->models[m]);
        groups += !seen;
    }
    return groups;
}

#define IMAGE_PAD 12.0
#define IMAGE_TOP 20.0
#define IMAGE_CAPTION 60.0 /* three caption lines (the input and scale, who receives it) and the corruption line */
#define IMAGE_GAP 20.0
#define IMAGE_COLS(groups, width) ((groups) >= 2 && (width) >= 500 ? 2 : 1)

int pp_probe_image_side(int width, int height, int groups)
{
    groups = MAX(1, groups);
    const int cols = IMAGE_COLS(groups, width), rows = (groups + cols - 1) / cols;
    const double cell_w = (width - IMAGE_GAP * (cols - 1)) / cols, cell_h = (height - 18.0) / rows;
    return (int)fmax(floor(fmin((cell_w - IMAGE_PAD) / 2, cell_h - IMAGE_TOP - IMAGE_CAPTION)), 24);
}

double pp_probe_draw_images(GtkWidget *widget, cairo_t *cr, int width, int height, const PpProbeResults *r,
                            const char *empty)
{
    PpPlotColors c;
    pp_plot_colors(widget, &c);
    GdkRGBA sub = faded(c.fg, 0.75f);
    if (!r || r->n_models == 0) {
        wrap_text(cr, widget, empty ? empty : "Open a model and pick an image", 8, height / 2.0 - 20, width - 16, 1.0,
                  &sub, 3);
        return 0;
    }
    const gboolean clean_only = g_strcmp0(r->corruption, "none") == 0; /* --corruption none */
    const int groups = MAX(1, pp_probe_input_groups(r));
    const int cols = IMAGE_COLS(groups, width), rows = (groups + cols - 1) / cols;
    const double cell_w = (width - IMAGE_GAP * (cols - 1)) / cols, cell_h = (height - 18.0) / rows;
    const double side = pp_probe_image_side(width, height, groups), pad = IMAGE_PAD, top = IMAGE_TOP, gap = IMAGE_GAP;
    const int screen_scale = gtk_widget_get_scale_factor(widget);
    double captions_end = 0;
    char label[256];
    int g = 0;
    for (int m = 0; m < r->n_models; m++) {
        const PpProbeModelResult *mr = &r->models[m];
        gboolean seen = FALSE;
        for (int j = 0; j < m && !seen; j++)
            seen = same_input(&r->models[j], mr);
        if (seen)
            continue;
        double x0 = floor((g % cols) * (cell_w + gap) + (cell_w - 2 * side - pad) / 2), y = (g / cols) * cell_h;
        g++;
        double scale = 0;
        for (int i = 0; i < 2; i++) {
            double x = x0 + i * (side + pad);
            if (i == 0)
                snprintf(label, sizeof label, "Clean");
            else if (clean_only)
                snprintf(label, sizeof label, "No corruption");
            else
                snprintf(label, sizeof label, "Corrupted · %.2f", r->severity);
            fit_text(cr, widget, label, x, y, side, 0.85, TRUE, &c.fg);
            scale = paint_image(cr, mr, i, x, y + top, side, screen_scale);
            pp_plot_set_color(cr, &c.dim);
            cairo_set_line_width(cr, 1);
            cairo_rectangle(cr, x - 0.5, y + top - 0.5, side + 1, side + 1);
            cairo_stroke(cr);
        }
        /* who receives it ("every model" when all do: a short line), and at what scale it is shown */
        GString *who = g_string_new(NULL);
        int receivers = 0;
        for (int j = m; j < r->n_models; j++)
            if (same_input(&r->models[j], mr) && !r->models[j].push_only) {
                receivers++;
                g_string_append_printf(who, "%s%s", who->len ? ", " : "", pp_model_entry_get_title(r->models[j].entry));
            }
        if (groups == 1 && receivers > 1)
            g_string_printf(who, "%s", receivers == 2 ? "both models" : "every model");
        if (scale >= 1)
            snprintf(label, sizeof label, "%d×%d %s model input · shown ×%.3g (nearest)", mr->clean.width,
                     mr->clean.height, mr->clean.channels == 1 ? "grey" : "colour", scale);
        else
            snprintf(label, sizeof label, "%d×%d %s model input · shown at %.0f %% (area average)", mr->clean.width,
                     mr->clean.height, mr->clean.channels == 1 ? "grey" : "colour", 100 * scale);
        /* the captions may run on to the cell's right edge */
        const double cap_w = fmax(2 * side + pad, (g - 1) % cols * (cell_w + gap) + cell_w - x0);
        double h = wrap_text(cr, widget, label, x0, y + top + side + 3, cap_w, 0.75, &sub, 2);
        g_string_prepend(who, "for ");
        h += wrap_at(cr, widget, who->str, ", ", x0, y + top + side + 3 + h, cap_w, 0.75, &sub, 2);
        captions_end = fmax(captions_end, y + top + side + 3 + h);
        g_string_free(who, TRUE);
    }
    if (clean_only) /* the clean image: no severity, no seed */
        snprintf(label, sizeof label, "no corruption: the clean image on both sides");
    else
        snprintf(label, sizeof label, "%s, severity %.2f, seed %" G_GUINT64_FORMAT, r->corruption, r->severity,
                 r->seed);
    fit_text(cr, widget, label, 0, fmax(height - 16, captions_end + 2), width, 0.75, FALSE, &sub); /* never over a caption */
    return captions_end + 18;
}

/* ---- top-5 predictions, one cell per model, in a grid that wraps ---- */

#define PRED_MIN_COL 240.0
#define PRED_GAP 18.0
#define PRED_CELL_H 226.0

int pp_probe_prediction_columns(int width, int n_models)
{
    int cols = (int)floor((width + PRED_GAP) / (PRED_MIN_COL + PRED_GAP));
    return CLAMP(cols, 1, MAX(n_models, 1));
}

int pp_probe_predictions_height(int width, int n_models)
{
    int cols = pp_probe_prediction_columns(width, n_models);
    return (int)(PRED_CELL_H * ((MAX(n_models, 1) + cols - 1) / cols));
}

void pp_probe_draw_predictions(GtkWidget *widget, cairo_t *cr, int width, int height, const PpProbeResults *r)
{
    (void)height;
    PpPlotColors c;
    pp_plot_colors(widget, &c);
    GdkRGBA sub = faded(c.fg, 0.75f), warn;
    gboolean dark = (c.fg.red + c.fg.green + c.fg.blue) > 1.5f;
    gdk_rgba_parse(&warn, dark ? "#ff7b63" : "#c01c28");
    if (!r || r->n_models == 0)
        return;
    const int cols = pp_probe_prediction_columns(width, r->n_models);
    const double colw = (width - PRED_GAP * (cols - 1)) / cols;
    for (int m = 0; m < r->n_models; m++) {
        const PpProbeModelResult *mr = &r->models[m];
        double x = (m % cols) * (colw + PRED_GAP), y = (m / cols) * PRED_CELL_H;
        if (mr->predictions_stale) /* the image moved on; these are the previous position's: faded */
            cairo_push_group(cr);
        GdkRGBA mc = model_color(&c, m);
        pp_plot_set_color(cr, &mc);
        cairo_rectangle(cr, x, y + 3, 4, 14);
        cairo_fill(cr);
        fit_text(cr, widget, pp_model_entry_get_title(mr->entry), x + 10, y, colw - 10, 0.95, TRUE, &c.fg);
        y += 20;
        const char *kind = mr->push_only ? "push only (α = 0): the counterfactual"
                           : mr->push_pull ? "push-pull"
                                           : "baseline";
        fit_text(cr, widget, kind, x + 10, y, colw - 10, 0.8, mr->push_only, mr->push_only ? &mc : &sub);
        y += 16;
        char input[64];
        snprintf(input, sizeof input, " · input %d×%d %s", mr->clean.width, mr->clean.height,
                 mr->clean.channels == 1 ? "grey" : "colour");
        char *note = g_strconcat(mr->view_note ? mr->view_note : "", input, NULL);
        double nh = wrap_text(cr, widget, note, x + 10, y, colw - 10, 0.72, &sub, 2);
        g_free(note);
        y += MAX(nh, 30) + 4;
        gboolean flipped = mr->top_class[0] != mr->clean_top1;
        /* the names get the room they need (up to 55 % of the cell), shrunk to fit past that */
        double namew = 0;
        for (int k = 0; k < PP_PROBE_TOPK && mr->top_class[k] >= 0; k++)
            namew = fmax(namew, pp_plot_text_width(widget, class_name(mr->entry, mr->top_class[k]), 0.85, k == 0));
        namew = fmin(namew + 10, colw * 0.55);
        double barw = colw - namew - 56;
        for (int k = 0; k < PP_PROBE_TOPK && mr->top_class[k] >= 0; k++) {
            double rowh = 22, ry = y + k * rowh;
            if (k == 0 && flipped) {
                pp_plot_set_color(cr, &(GdkRGBA){warn.red, warn.green, warn.blue, 0.16f});
                cairo_rectangle(cr, x, ry - 2, colw, rowh);
                cairo_fill(cr);
            }
            gboolean clean_class = mr->top_class[k] == mr->clean_top1;
            fit_text(cr, widget, class_name(mr->entry, mr->top_class[k]), x + 4, ry + 1, namew - 6, 0.85, k == 0,
                     k == 0 && flipped ? &warn : &c.fg);
            pp_plot_set_color(cr, &c.dim);
            cairo_rectangle(cr, x + namew, ry + 3, barw, rowh - 10);
            cairo_fill(cr);
            GdkRGBA bc = clean_class ? mc : faded(mc, 0.55f);
            pp_plot_set_color(cr, k == 0 && flipped ? &warn : &bc);
            cairo_rectangle(cr, x + namew, ry + 3, barw * mr->top_prob[k], rowh - 10);
            cairo_fill(cr);
            char pct[32];
            snprintf(pct, sizeof pct, "%.1f%%", 100.0 * mr->top_prob[k]);
            pp_plot_text(cr, widget, pct, x + colw - 2, ry + 1, PP_ALIGN_END, 0.8, FALSE, &c.fg);
        }
        y += PP_PROBE_TOPK * 22 + 4;
        char line[320];
        if (flipped) {
            snprintf(line, sizeof line, "top-1 changed · clean top-1: %s", class_name(mr->entry, mr->clean_top1));
            fit_text(cr, widget, line, x + 4, y, colw - 4, 0.8, TRUE, &warn);
        } else {
            fit_text(cr, widget, "top-1 as on the clean image", x + 4, y, colw - 4, 0.8, FALSE, &sub);
        }
        if (mr->true_known)
            snprintf(line, sizeof line, "true class %s (%s): %.1f %%", class_name(mr->entry, mr->true_class),
                     mr->true_source ? mr->true_source : "given", 100.0 * mr->true_prob);
        else
            snprintf(line, sizeof line, "true class unknown: clean top-1 %s at %.1f %%",
                     class_name(mr->entry, mr->true_class), 100.0 * mr->true_prob);
        fit_text(cr, widget, line, x + 4, y + 16, colw - 4, 0.75, FALSE, &sub);
        if (mr->predictions_stale) {
            cairo_pop_group_to_source(cr);
            cairo_paint_with_alpha(cr, 0.5);
        }
    }
}

/* ---- pooled and per-channel SNR: one cell per model, in a grid that wraps ---- */
/* Each cell: the model's name, its pooled bars and, beside them, a strip of
 * its channels' output SNR. Side by side the cells keep the panel a few lines
 * tall, so that it fits under the images on a 720-pixel screen. */

#define SNR_MIN_CELL 330.0
#define SNR_GAP 24.0
#define SNR_LINE 17.0

#define SNR_VALUE_W 66.0
#define SNR_MIN_BAR 50.0

/* One pooled SNR: its label in the first labw px, the bar, the value at the end. */
static void snr_bar(cairo_t *cr, GtkWidget *widget, const PpPlotColors *c, const char *label, double db,
                    double range, double x, double y, double w, double labw, const GdkRGBA *color)
{
    const double valw = SNR_VALUE_W, barw = fmax(w - labw - valw, 0);
    pp_plot_text_max(cr, widget, label, x, y, labw - 6, 0.8, FALSE, &c->fg);
    pp_plot_set_color(cr, &c->dim);
    cairo_rectangle(cr, x + labw, y + 3, barw, 10);
    cairo_fill(cr);
    double f = isinf(db) && db > 0 ? 1 : isnan(db) ? 0 : CLAMP(db / range, 0, 1);
    pp_plot_set_color(cr, color);
    cairo_rectangle(cr, x + labw, y + 3, barw * f, 10);
    cairo_fill(cr);
    char v[32];
    format_db(v, sizeof v, db);
    pp_plot_text(cr, widget, v, x + w, y, PP_ALIGN_END, 0.8, FALSE, &c->fg);
}

static int snr_columns(int width, int n_models)
{
    int cols = (int)floor((width + SNR_GAP) / (SNR_MIN_CELL + SNR_GAP));
    return CLAMP(cols, 1, MAX(n_models, 1));
}

/* A cell's height: the name, one bar per pooled value, a gap. */
static double snr_cell_height(const PpProbeModelResult *mr)
{
    return SNR_LINE * (mr->push_pull ? 3 : 2) + 6;
}

#define SNR_TITLE "First-layer SNR, corrupted vs clean"
#define SNR_PUSH_LABEL "push only"

static const char *snr_output_label(const PpProbeModelResult *mr)
{
    return !mr->push_pull ? "conv1 output" : mr->push_only ? "output with α = 0" : "push-pull output";
}

/* The widest bar label the cells show, with a gap after it. */
static double snr_label_width(GtkWidget *widget, const PpProbeResults *r)
{
    double w = 0;
    for (int m = 0; m < r->n_models; m++) {
        const PpProbeModelResult *mr = &r->models[m];
        w = fmax(w, pp_plot_text_width(widget, snr_output_label(mr), 0.8, FALSE));
        if (mr->push_pull)
            w = fmax(w, pp_plot_text_width(widget, SNR_PUSH_LABEL, 0.8, FALSE));
    }
    return ceil(w) + 8;
}

static void snr_subtitle(char *buf, size_t n, double range)
{
    snprintf(buf, n, "pooled over channels · beside each: its channels' output SNR, 0 to %.0f dB · higher is more robust",
             range);
}

/* The title takes one line when the subtitle fits beside it, else two. */
static double snr_head(GtkWidget *widget, int width, double range, double *sub_x, double *sub_y)
{
    char sub[160];
    snr_subtitle(sub, sizeof sub, range);
    double tw = pp_plot_text_width(widget, SNR_TITLE, 0.9, TRUE) + 12;
    if (tw + pp_plot_text_width(widget, sub, 0.75, FALSE) <= width) {
        *sub_x = tw;
        *sub_y = 2;
        return 22;
    }
    *sub_x = 0;
    *sub_y = 18;
    return 40;
}

/* The dB range the bars run over: the largest finite value, in tens (at least 10). */
static double snr_range(const PpProbeResults *r)
{
    double range = 10;
    for (int m = 0; m < r->n_models; m++) {
        const PpProbeModelResult *mr = &r->models[m];
        double v[2] = {mr->snr_push, mr->snr_output};
        for (int i = 0; i < 2; i++)
            if (isfinite(v[i]))
                range = fmax(range, v[i]);
        for (int k = 0; k < mr->channels; k++)
            if (isfinite(mr->snr_output_channel[k]))
                range = fmax(range, mr->snr_output_channel[k]);
    }
    return ceil(range / 10) * 10;
}

int pp_probe_snr_height(GtkWidget *widget, int width, const PpProbeResults *r)
{
    if (!r || r->n_models == 0)
        return 60;
    double sx, sy, h = snr_head(widget, width, snr_range(r), &sx, &sy);
    const int cols = snr_columns(width, r->n_models);
    for (int row = 0; row * cols < r->n_models; row++) {
        double rh = 0;
        for (int m = row * cols; m < MIN((row + 1) * cols, r->n_models); m++)
            rh = fmax(rh, snr_cell_height(&r->models[m]));
        h += rh;
    }
    return (int)ceil(h);
}

double pp_probe_draw_snr(GtkWidget *widget, cairo_t *cr, int width, int height, const PpProbeResults *r)
{
    (void)height;
    PpPlotColors c;
    pp_plot_colors(widget, &c);
    GdkRGBA sub = faded(c.fg, 0.75f);
    if (!r || r->n_models == 0)
        return 0;
    const double range = snr_range(r);
    double sub_x, sub_y;
    double y = snr_head(widget, width, range, &sub_x, &sub_y);
    char subtitle[160];
    snr_subtitle(subtitle, sizeof subtitle, range);
    pp_plot_text(cr, widget, SNR_TITLE, 0, 0, PP_ALIGN_START, 0.9, TRUE, &c.fg);
    pp_plot_text_max(cr, widget, subtitle, sub_x, sub_y, width - sub_x, 0.75, FALSE, &sub);
    const int cols = snr_columns(width, r->n_models);
    const double cell_w = (width - SNR_GAP * (cols - 1)) / cols;
    /* the pooled bars get most of a cell, at least room for their widest label; the channel
     * strip the rest, when there is room for one */
    const double label_w = snr_label_width(widget, r);
    double pooled_w = fmax(fmin(cell_w * 0.62, 420), label_w + SNR_VALUE_W + SNR_MIN_BAR), strip_w = cell_w - pooled_w - 16;
    if (strip_w < 60) {
        pooled_w = cell_w;
        strip_w = 0;
    }
    const double labw = fmin(label_w, pooled_w * 0.5);
    for (int row = 0; row * cols < r->n_models; row++) {
        double rh = 0; /* the row's height: its channel strips all as tall */
        for (int m = row * cols; m < MIN((row + 1) * cols, r->n_models); m++)
            rh = fmax(rh, snr_cell_height(&r->models[m]));
        for (int m = row * cols; m < MIN((row + 1) * cols, r->n_models); m++) {
            const PpProbeModelResult *mr = &r->models[m];
            const double x = (m % cols) * (cell_w + SNR_GAP);
            double yy = y;
            GdkRGBA mc = model_color(&c, m);
            fit_text(cr, widget, mr->label, x, yy, cell_w, 0.8, TRUE, &mc);
            yy += SNR_LINE;
            if (mr->push_pull) {
                GdkRGBA light = faded(mc, 0.5f);
                snr_bar(cr, widget, &c, SNR_PUSH_LABEL, mr->snr_push, range, x, yy, pooled_w, labw, &light);
                yy += SNR_LINE;
                snr_bar(cr, widget, &c, snr_output_label(mr), mr->snr_output, range, x, yy, pooled_w, labw, &mc);
            } else {
                snr_bar(cr, widget, &c, snr_output_label(mr), mr->snr_output, range, x, yy, pooled_w, labw, &mc);
            }
            if (strip_w <= 0 || mr->channels <= 0)
                continue;
            /* the channels' output SNR, 0 at the bottom of the strip, `range` at its top */
            const double px = x + pooled_w + 16, py = y + SNR_LINE + 2, ph = rh - SNR_LINE - 8;
            pp_plot_set_color(cr, &c.dim);
            cairo_rectangle(cr, px, py, strip_w, ph);
            cairo_fill(cr);
            double bw = strip_w / mr->channels;
            pp_plot_set_color(cr, &mc);
            for (int k = 0; k < mr->channels; k++) {
                double db = mr->snr_output_channel[k];
                double f = isinf(db) && db > 0 ? 1 : isnan(db) ? 0 : CLAMP(db / range, 0, 1);
                cairo_rectangle(cr, px + k * bw + (bw > 3 ? 0.5 : 0), py + ph * (1 - f), bw > 3 ? bw - 1 : bw, ph * f);
            }
            cairo_fill(cr);
        }
        y += rh;
    }
    return y;
}

/* ---- the severity sweep (paper Fig. 4) ---- */

/* The title's width with the unit beside it (the plot's top is one line shorter when it fits). */
static double sweep_title_width(GtkWidget *widget, const char *title, const char *unit)
{
    return pp_plot_text_width(widget, title, 0.9, TRUE) + 12 + pp_plot_text_width(widget, unit, 0.75, FALSE);
}

static void sweep_axes(cairo_t *cr, GtkWidget *widget, const PpPlotColors *c, double x, double y, double w, double h,
                       double lo, double hi, double step, const char *title, const char *unit, gboolean one_line)
{
    GdkRGBA sub = faded(c->fg, 0.75f);
    if (one_line) {
        pp_plot_text(cr, widget, title, x, y - 24, PP_ALIGN_START, 0.9, TRUE, &c->fg);
        pp_plot_text(cr, widget, unit, x + pp_plot_text_width(widget, title, 0.9, TRUE) + 12, y - 22, PP_ALIGN_START,
                     0.75, FALSE, &sub);
    } else {
        pp_plot_text(cr, widget, title, x, y - 40, PP_ALIGN_START, 0.9, TRUE, &c->fg);
        pp_plot_text(cr, widget, unit, x, y - 20, PP_ALIGN_START, 0.75, FALSE, &sub);
    }
    cairo_set_line_width(cr, 1);
    for (double v = lo; v <= hi + 1e-9; v += step) {
        double yy = floor(y + h - (v - lo) / (hi - lo) * h) + 0.5;
        pp_plot_set_color(cr, &c->dim);
        cairo_move_to(cr, x, yy);
        cairo_line_to(cr, x + w, yy);
        cairo_stroke(cr);
        char t[32];
        snprintf(t, sizeof t, step < 1 ? "%.1f" : "%.0f", v);
        pp_plot_text(cr, widget, t, x - 4, yy - 7, PP_ALIGN_END, 0.7, FALSE, &sub);
    }
    for (int s = 0; s <= 5; s++) {
        double xx = floor(x + s / 5.0 * w) + 0.5;
        char t[8];
        snprintf(t, sizeof t, "%d", s);
        pp_plot_text(cr, widget, t, xx, y + h + 3, PP_ALIGN_CENTER, 0.7, FALSE, &sub);
    }
    pp_plot_text(cr, widget, "severity", x + w / 2, y + h + 17, PP_ALIGN_CENTER, 0.75, FALSE, &sub);
}

static void sweep_line(cairo_t *cr, const pp_probe_sweep *sw, const double *v, double x, double y, double w,
                       double h, double lo, double hi, gboolean dashed, gboolean flips)
{
    gboolean on = FALSE;
    for (int i = 0; i <= sw->steps; i++) {
        if (!isfinite(v[i])) {
            on = FALSE;
            continue;
        }
        double px = x + sw->severity[i] / 5.0 * w, py = y + h - (CLAMP(v[i], lo, hi) - lo) / (hi - lo) * h;
        if (on)
            cairo_line_to(cr, px, py);
        else
            cairo_move_to(cr, px, py);
        on = TRUE;
    }
    static const double dash[] = {5, 3};
    cairo_set_dash(cr, dash, dashed ? 2 : 0, 0);
    cairo_set_line_width(cr, 2);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    if (!flips)
        return;
    for (int i = 1; i <= sw->steps; i++)
        if (sw->flip[i] && isfinite(v[i])) {
            double px = x + sw->severity[i] / 5.0 * w, py = y + h - (CLAMP(v[i], lo, hi) - lo) / (hi - lo) * h;
            cairo_arc(cr, px, py, 5, 0, 2 * G_PI);
            cairo_stroke(cr);
            cairo_move_to(cr, px - 3.5, py - 3.5);
            cairo_line_to(cr, px + 3.5, py + 3.5);
            cairo_move_to(cr, px + 3.5, py - 3.5);
            cairo_line_to(cr, px - 3.5, py + 3.5);
            cairo_stroke(cr);
        }
}

void pp_probe_draw_sweep(GtkWidget *widget, cairo_t *cr, int width, int height, const PpProbeSweeps *s,
                         double severity, gboolean running)
{
    PpPlotColors c;
    pp_plot_colors(widget, &c);
    GdkRGBA sub = faded(c.fg, 0.75f);
    if (!s || s->n_models == 0) {
        pp_plot_text(cr, widget,
                     running ? "Sweeping severity 0…5…"
                             : "Sweep: SNR and true-class probability against severity 0…5 (press Sweep)",
                     width / 2.0, height / 2.0 - 8, PP_ALIGN_CENTER, 0.9, FALSE, &sub);
        return;
    }
    /* the legend takes two rows when one does not hold every model */
    double legend_need = 0;
    for (int m = 0; m < s->n_models; m++)
        legend_need += 44 + pp_plot_text_width(widget, s->labels ? s->labels[m] : pp_model_entry_get_title(s->entries[m]),
                                               0.8, FALSE);
    const int legend_rows = legend_need > width - 44 - 160 ? 2 : 1;
    int known = 0;
    for (int m = 0; m < s->n_models; m++)
        known += s->true_known && s->true_known[m];
    const char *titles[2] = {"First-layer SNR", "True-class probability"};
    const char *units[2] = {"dB; solid: output, dashed: push only; ⊗ top-1 flip",
                            known == s->n_models ? "softmax probability of the image's true class; ⊗ top-1 flip"
                            : known == 0         ? "true class unknown: the clean top-1's probability; ⊗ top-1 flip"
                                                 : "true class where known, else the clean top-1's; ⊗ top-1 flip"};
    const double left = 44, gap = 64, legend = 22 * legend_rows;
    double pw = (width - left - gap - 12) / 2;
    /* each unit beside its title when both fit: the plots one line taller */
    const gboolean one_line = sweep_title_width(widget, titles[0], units[0]) <= pw + gap - 8 &&
                              sweep_title_width(widget, titles[1], units[1]) <= pw + 8;
    const double top = one_line ? 30 : 48;
    double ph = height - top - 36 - legend;
    if (pw < 60 || ph < 40)
        return;
    /* SNR range over every finite value */
    double lo = 1e30, hi = -1e30;
    for (int m = 0; m < s->n_models; m++)
        for (int i = 0; i <= s->sweeps[m].steps; i++) {
            double v[2] = {s->sweeps[m].snr_push[i], s->sweeps[m].snr_output[i]};
            for (int j = 0; j < 2; j++)
                if (isfinite(v[j])) {
                    lo = fmin(lo, v[j]);
                    hi = fmax(hi, v[j]);
                }
        }
    if (lo > hi)
        lo = 0, hi = 10;
    double step = hi - lo > 40 ? 10 : hi - lo > 16 ? 5 : 2;
    lo = floor(lo / step) * step;
    hi = fmax(ceil(hi / step) * step, lo + step);
    double x1 = left, x2 = left + pw + gap;
    sweep_axes(cr, widget, &c, x1, top, pw, ph, lo, hi, step, titles[0], units[0], one_line);
    sweep_axes(cr, widget, &c, x2, top, pw, ph, 0, 1, 0.2, titles[1], units[1], one_line);
    for (int m = 0; m < s->n_models; m++) {
        const pp_probe_sweep *sw = &s->sweeps[m];
        GdkRGBA mc = model_color(&c, m);
        pp_plot_set_color(cr, &mc);
        sweep_line(cr, sw, sw->snr_output, x1, top, pw, ph, lo, hi, FALSE, TRUE);
        if (pp_model_entry_is_push_pull(s->entries[m]))
            sweep_line(cr, sw, sw->snr_push, x1, top, pw, ph, lo, hi, TRUE, FALSE);
        double p[64];
        for (int i = 0; i <= sw->steps; i++)
            p[i] = sw->true_prob[i];
        sweep_line(cr, sw, p, x2, top, pw, ph, 0, 1, FALSE, TRUE);
    }
    if (severity >= 0) {
        GdkRGBA mark = faded(c.fg, 0.5f);
        pp_plot_set_color(cr, &mark);
        cairo_set_line_width(cr, 1);
        for (int i = 0; i < 2; i++) {
            double xx = floor((i ? x2 : x1) + severity / 5.0 * pw) + 0.5;
            cairo_move_to(cr, xx, top);
            cairo_line_to(cr, xx, top + ph);
        }
        cairo_stroke(cr);
    }
    /* legend, its text shrunk to fit the width next to the corruption's name */
    char note[160];
    snprintf(note, sizeof note, "%s%s", s->corruption, running ? " · updating…" : "");
    double lx = x1, ly = height - legend + 2, need = legend_need / legend_rows, ls = 0.8;
    double room = width - x1 - pp_plot_text_width(widget, note, 0.8, FALSE) - 16;
    if (need > room && need > 0)
        ls = fmax(0.55, 0.8 * room / need);
    for (int m = 0; m < s->n_models; m++) {
        if (legend_rows == 2 && m == (s->n_models + 1) / 2) {
            lx = x1;
            ly += 22;
        }
        GdkRGBA mc = model_color(&c, m);
        pp_plot_set_color(cr, &mc);
        cairo_rectangle(cr, lx, ly + 5, 14, 4);
        cairo_fill(cr);
        const char *t = s->labels ? s->labels[m] : pp_model_entry_get_title(s->entries[m]);
        pp_plot_text(cr, widget, t, lx + 20, ly, PP_ALIGN_START, ls, FALSE, &c.fg);
        lx += 20 + pp_plot_text_width(widget, t, ls, FALSE) + 24 * ls / 0.8;
    }
    pp_plot_text(cr, widget, note, width - 4, ly, PP_ALIGN_END, 0.8, FALSE, &sub);
}

/* ---- feature maps of one channel ---- */

/* A vertical bar with the values at its ends (and 0 in the middle of a
 * diverging one); returns the width it took. */
static double value_legend(cairo_t *cr, GtkWidget *widget, const PpPlotColors *c, double x, double y, double h,
                           gboolean diverging, float range, float hi)
{
    const double bw = 9;
    double rgb[3];
    for (int i = 0; i < (int)h; i++) {
        double t = 1.0 - (double)i / (h - 1);
        if (diverging)
            pp_plot_diverging(2 * t - 1, rgb);
        else
            pp_plot_sequential(t, rgb);
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        cairo_rectangle(cr, x, y + i, bw, 1);
        cairo_fill(cr);
    }
    pp_plot_set_color(cr, &c->dim);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, x + 0.5, y + 0.5, bw - 1, h - 1);
    cairo_stroke(cr);
    char top[32], bottom[32];
    snprintf(top, sizeof top, diverging ? "%+.3g" : "%.3g", diverging ? range : hi);
    snprintf(bottom, sizeof bottom, diverging ? "%+.3g" : "0", -range);
    pp_plot_text(cr, widget, top, x + bw + 4, y - 2, PP_ALIGN_START, 0.75, FALSE, &c->fg);
    pp_plot_text(cr, widget, bottom, x + bw + 4, y + h - 12, PP_ALIGN_START, 0.75, FALSE, &c->fg);
    if (diverging)
        pp_plot_text(cr, widget, "0", x + bw + 4, y + h / 2 - 7, PP_ALIGN_START, 0.75, FALSE, &c->fg);
    return bw + 4 + fmax(pp_plot_text_width(widget, top, 0.75, FALSE), pp_plot_text_width(widget, bottom, 0.75, FALSE));
}

static void plane_range(const PpProbeModelResult *mr, int q, float *lo, float *hi)
{
    *lo = 0;
    *hi = 0;
    size_t n = (size_t)mr->fm_h[q] * (size_t)mr->fm_w[q];
    for (int j = 0; j < 2; j++)
        for (size_t i = 0; mr->fm[q][j] && i < n; i++) {
            *lo = fminf(*lo, mr->fm[q][j][i]);
            *hi = fmaxf(*hi, mr->fm[q][j][i]);
        }
}

#define FM_TOP 26.0
#define FM_HEAD 20.0
#define FM_CAPTION 22.0
#define FM_GAP 10.0
#define FM_GROUP_GAP 28.0
#define FM_LEGEND_W 58.0

/* The maps shown (qs, nq), a group's width and a map's box side for (width, height). */
static void features_layout(const PpProbeModelResult *mr, int width, int height, int qs[3], int *nq, double *group_w,
                            double *side)
{
    *nq = 0;
    for (int q = 0; q < 3; q++)
        if (mr->fm[q][0] && mr->fm[q][1])
            qs[(*nq)++] = q;
    *group_w = (width - (3 - 1) * FM_GROUP_GAP) / 3.0; /* a baseline's one group keeps the size */
    *side = fmax(floor(fmin((*group_w - FM_LEGEND_W - FM_GAP) / 2, height - FM_TOP - FM_HEAD - FM_CAPTION - 4)), 16);
}

void pp_probe_prepare_features(PpProbeModelResult *mr, int width, int height, int scale)
{
    int qs[3], nq;
    double group_w, side;
    if (width <= 0 || height <= 0)
        return;
    scale = MAX(scale, 1);
    features_layout(mr, width, height, qs, &nq, &group_w, &side);
    for (int g = 0; g < nq; g++) {
        const int q = qs[g], rows = mr->fm_h[q], cols = mr->fm_w[q];
        float lo, hi;
        plane_range(mr, q, &lo, &hi);
        const gboolean diverging = lo < 0;
        const float range = fmaxf(fmaxf(-lo, hi), 1e-6f);
        if (!diverging)
            hi = fmaxf(hi, 1e-6f);
        const double s = side / MAX(rows, cols), w = cols * s, h = rows * s;
        for (int j = 0; j < 2; j++) {
            cairo_surface_t *surf =
                cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)ceil(w * scale), (int)ceil(h * scale));
            cairo_surface_set_device_scale(surf, scale, scale);
            cairo_t *cr = cairo_create(surf);
            if (diverging)
                pp_plot_kernel(cr, mr->fm[q][j], rows, cols, 0, 0, w, h, range);
            else
                pp_plot_heat(cr, mr->fm[q][j], rows, cols, 0, 0, w, h, 0, hi);
            cairo_destroy(cr);
            g_clear_pointer(&mr->fm_shown[q][j], cairo_surface_destroy);
            mr->fm_shown[q][j] = surf;
        }
    }
    mr->fm_shown_width = width;
    mr->fm_shown_height = height;
    mr->fm_shown_scale = scale;
}

void pp_probe_draw_features(GtkWidget *widget, cairo_t *cr, int width, int height, const PpProbeResults *r,
                            int model)
{
    PpPlotColors c;
    pp_plot_colors(widget, &c);
    GdkRGBA sub = faded(c.fg, 0.75f);
    if (!r || model < 0 || model >= r->n_models) {
        pp_plot_text(cr, widget, "Feature maps: open a model and pick an image", width / 2.0, height / 2.0 - 10,
                     PP_ALIGN_CENTER, 1.0, FALSE, &sub);
        return;
    }
    const PpProbeModelResult *mr = &r->models[model];
    char buf[256];
    snprintf(buf, sizeof buf, "%s · channel %d (of 0–%d)", mr->label, mr->fm_channel,
             mr->channels - 1);
    double y = 2;
    GdkRGBA mc = model_color(&c, model);
    pp_plot_set_color(cr, &mc);
    cairo_rectangle(cr, 0, y + 3, 4, 14);
    cairo_fill(cr);
    pp_plot_text(cr, widget, buf, 10, y, PP_ALIGN_START, 1.0, TRUE, &c.fg);
    double sub_x = 10 + pp_plot_text_width(widget, buf, 1.0, TRUE) + 12;
    static const char *titles[3] = {"Push  relu(conv(x, W))", "Pull  relu(pooled conv(x, P))",
                                    "Unit output  (conv1 tap)"};
    static const char *base_title = "conv1 output  (plain conv)";
    int qs[3], nq = 0;
    double group_w, side;
    features_layout(mr, width, height, qs, &nq, &group_w, &side);
    const int screen_scale = gtk_widget_get_scale_factor(widget);
    const gboolean prepared = mr->fm_shown_width == width && mr->fm_shown_height == height &&
                              mr->fm_shown_scale == screen_scale;
    if (nq == 0) {
        pp_plot_text(cr, widget, "no first-layer maps for this model", width / 2.0, height / 2.0, PP_ALIGN_CENTER,
                     1.0, FALSE, &sub);
        return;
    }
    const double top = FM_TOP, head = FM_HEAD, gap = FM_GAP, group_gap = FM_GROUP_GAP;
    int scale = (int)floor(side / MAX(mr->fm_h[qs[0]], mr->fm_w[qs[0]]));
    snprintf(buf, sizeof buf, "clean vs %s %.2f · %d×%d ×%d · a scale per pair", r->corruption, r->severity,
             mr->fm_w[qs[0]], mr->fm_h[qs[0]], MAX(scale, 1));
    pp_plot_text_max(cr, widget, buf, sub_x, y + 2, width - sub_x, 0.85, FALSE, &sub);
    for (int g = 0; g < nq; g++) {
        int q = qs[g];
        double x = g * (group_w + group_gap);
        double yy = top + 4;
        pp_plot_text_max(cr, widget, mr->push_pull ? titles[q] : base_title, x, yy, group_w, 0.9, TRUE, &c.fg);
        yy += head;
        float lo, hi;
        plane_range(mr, q, &lo, &hi);
        gboolean diverging = lo < 0;
        float range = fmaxf(fmaxf(-lo, hi), 1e-6f);
        if (!diverging)
            hi = fmaxf(hi, 1e-6f);
        for (int j = 0; j < 2; j++) {
            double ix = x + j * (side + gap);
            int rows = mr->fm_h[q], cols = mr->fm_w[q];
            double s = side / MAX(rows, cols);
            double w = cols * s, h = rows * s;
            if (prepared && mr->fm_shown[q][j]) { /* the worker's, at this size: a copy */
                cairo_set_source_surface(cr, mr->fm_shown[q][j], ix, yy);
                cairo_paint(cr);
            } else if (diverging)
                pp_plot_kernel(cr, mr->fm[q][j], rows, cols, ix, yy, w, h, range);
            else
                pp_plot_heat(cr, mr->fm[q][j], rows, cols, ix, yy, w, h, 0, hi);
            pp_plot_set_color(cr, &c.dim);
            cairo_set_line_width(cr, 1);
            cairo_rectangle(cr, ix - 0.5, yy - 0.5, w + 1, h + 1);
            cairo_stroke(cr);
            pp_plot_text(cr, widget, j == 0 ? "clean" : "corrupted", ix + w / 2, yy + side + 3, PP_ALIGN_CENTER, 0.8,
                         FALSE, &sub);
        }
        value_legend(cr, widget, &c, x + 2 * side + gap + 8, yy, side, diverging, range, hi);
    }
    if (!mr->push_pull)
        pp_plot_text_max(cr, widget, "a baseline has no push or pull response: only its conv1 output is shown",
                         group_w + group_gap, top + head + side / 2, width - group_w - group_gap, 0.9, FALSE, &sub);
}

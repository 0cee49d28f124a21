#include "pp-image-paint.h"

#include "pp-plot.h"

static void paint_surface(cairo_t *cr, cairo_surface_t *s, int cols, int rows, double x, double y, double w,
                          double h)
{
    cairo_save(cr);
    cairo_rectangle(cr, x, y, w, h);
    cairo_clip(cr);
    cairo_translate(cr, x, y);
    cairo_scale(cr, w / cols, h / rows);
    cairo_set_source_surface(cr, s, 0, 0);
    cairo_pattern_t *p = cairo_get_source(cr);
    cairo_pattern_set_filter(p, w >= cols ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_GOOD);
    cairo_pattern_set_extend(p, CAIRO_EXTEND_PAD);
    cairo_paint(cr);
    cairo_restore(cr);
}

void pp_paint_image(cairo_t *cr, const pp_image *img, double x, double y, double w, double h)
{
    if (!img || !img->pixels || img->width <= 0 || img->height <= 0)
        return;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, img->width, img->height);
    unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    cairo_surface_flush(s);
    for (int r = 0; r < img->height; r++) {
        guint32 *row = (guint32 *)(data + (size_t)r * stride);
        const guint8 *src = img->pixels + (size_t)r * img->width * img->channels;
        for (int c = 0; c < img->width; c++, src += img->channels) {
            guint8 R = src[0], G = img->channels >= 3 ? src[1] : src[0], B = img->channels >= 3 ? src[2] : src[0];
            row[c] = 0xff000000u | (guint32)R << 16 | (guint32)G << 8 | B;
        }
    }
    cairo_surface_mark_dirty(s);
    paint_surface(cr, s, img->width, img->height, x, y, w, h);
    cairo_surface_destroy(s);
}

void pp_paint_plane(cairo_t *cr, const float *plane, int rows, int cols, double x, double y, double w, double h,
                    float lo, float hi, gboolean diverging)
{
    if (!plane || rows <= 0 || cols <= 0)
        return;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, cols, rows);
    unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    cairo_surface_flush(s);
    float span = hi - lo;
    for (int r = 0; r < rows; r++) {
        guint32 *row = (guint32 *)(data + (size_t)r * stride);
        for (int c = 0; c < cols; c++) {
            float v = plane[(size_t)r * cols + c];
            double rgb[3];
            if (diverging)
                pp_plot_diverging(hi > 0 ? v / hi : 0, rgb);
            else
                pp_plot_sequential(span > 0 ? (v - lo) / span : 0, rgb);
            row[c] = 0xff000000u | (guint32)(rgb[0] * 255 + 0.5) << 16 | (guint32)(rgb[1] * 255 + 0.5) << 8 |
                     (guint32)(rgb[2] * 255 + 0.5);
        }
    }
    cairo_surface_mark_dirty(s);
    paint_surface(cr, s, cols, rows, x, y, w, h);
    cairo_surface_destroy(s);
}

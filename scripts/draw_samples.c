/* Draws the probe view's bundled drawings (assets/images/drawing-*.png):
 * simple grayscale silhouettes made for the app, 112 x 112, light garments on
 * black like Fashion-MNIST (4x its 28 x 28), so that the demo models have a
 * fair chance and a person sees at once what they are.
 *
 *   build/ui/draw_samples assets/images      (built with the studio)
 *
 * Deterministic: running it again gives the same files. */
#include <cairo.h>
#include <math.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#include <stdio.h>

#define SIDE 112

typedef void (*DrawFunc)(cairo_t *cr);

/* a vertical light-grey gradient: the fabric, brighter at the top */
static void fabric(cairo_t *cr, double top, double bottom, double hi, double lo)
{
    cairo_pattern_t *p = cairo_pattern_create_linear(0, top, 0, bottom);
    cairo_pattern_add_color_stop_rgb(p, 0, hi, hi, hi);
    cairo_pattern_add_color_stop_rgb(p, 1, lo, lo, lo);
    cairo_set_source(cr, p);
    cairo_pattern_destroy(p);
}

static void seam(cairo_t *cr, double grey, double width)
{
    cairo_set_source_rgb(cr, grey, grey, grey);
    cairo_set_line_width(cr, width);
    cairo_stroke(cr);
}

static void draw_trouser(cairo_t *cr)
{
    /* waistband, then two legs that part below the crotch */
    cairo_move_to(cr, 34, 10);
    cairo_line_to(cr, 78, 10);
    cairo_line_to(cr, 82, 104);
    cairo_line_to(cr, 62, 104);
    cairo_line_to(cr, 56, 40);
    cairo_line_to(cr, 50, 104);
    cairo_line_to(cr, 30, 104);
    cairo_close_path(cr);
    fabric(cr, 10, 104, 0.85, 0.6);
    cairo_fill(cr);
    cairo_move_to(cr, 34, 17);
    cairo_line_to(cr, 78, 17);
    seam(cr, 0.35, 1.5); /* the waistband's seam */
    cairo_move_to(cr, 56, 17);
    cairo_line_to(cr, 56, 36);
    seam(cr, 0.45, 1.2); /* the fly */
}

static void draw_bag(cairo_t *cr)
{
    /* a handle arc above a trapezoid body with a flap */
    cairo_new_sub_path(cr);
    cairo_arc(cr, 56, 42, 22, M_PI, 2 * M_PI);
    cairo_set_source_rgb(cr, 0.7, 0.7, 0.7);
    cairo_set_line_width(cr, 6);
    cairo_stroke(cr);
    cairo_move_to(cr, 22, 42);
    cairo_line_to(cr, 90, 42);
    cairo_line_to(cr, 100, 96);
    cairo_line_to(cr, 12, 96);
    cairo_close_path(cr);
    fabric(cr, 42, 96, 0.8, 0.55);
    cairo_fill(cr);
    cairo_move_to(cr, 22, 42);
    cairo_line_to(cr, 90, 42);
    cairo_line_to(cr, 92, 60);
    cairo_curve_to(cr, 70, 66, 42, 66, 20, 60);
    cairo_close_path(cr);
    cairo_set_source_rgb(cr, 0.92, 0.92, 0.92);
    cairo_fill(cr);
    cairo_rectangle(cr, 52, 60, 8, 8); /* the clasp */
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_fill(cr);
}

static void draw_sneaker(cairo_t *cr)
{
    /* side view, toe to the left: the upper, then a thick sole */
    cairo_move_to(cr, 8, 78);
    cairo_curve_to(cr, 8, 64, 22, 60, 40, 56);
    cairo_line_to(cr, 62, 42);
    cairo_curve_to(cr, 70, 38, 80, 38, 86, 40);
    cairo_line_to(cr, 102, 44);
    cairo_line_to(cr, 104, 80);
    cairo_close_path(cr);
    fabric(cr, 38, 80, 0.9, 0.65);
    cairo_fill(cr);
    cairo_move_to(cr, 6, 78);
    cairo_line_to(cr, 106, 78);
    cairo_line_to(cr, 106, 88);
    cairo_curve_to(cr, 60, 92, 20, 92, 8, 88);
    cairo_close_path(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill(cr);
    for (int i = 0; i < 4; i++) { /* the laces */
        double x = 46 + 7 * i, y = 56 - 4.2 * i;
        cairo_move_to(cr, x, y);
        cairo_line_to(cr, x + 8, y + 5);
    }
    seam(cr, 0.3, 2);
    cairo_move_to(cr, 30, 74); /* a side stripe */
    cairo_curve_to(cr, 50, 60, 70, 62, 90, 70);
    seam(cr, 0.4, 3);
}

static void draw_shirt(cairo_t *cr)
{
    /* a T-shirt: shoulders, short sleeves, a round neck */
    cairo_move_to(cr, 40, 12);
    cairo_curve_to(cr, 46, 22, 66, 22, 72, 12);
    cairo_line_to(cr, 98, 24);
    cairo_line_to(cr, 106, 48);
    cairo_line_to(cr, 86, 54);
    cairo_line_to(cr, 84, 102);
    cairo_line_to(cr, 28, 102);
    cairo_line_to(cr, 26, 54);
    cairo_line_to(cr, 6, 48);
    cairo_line_to(cr, 14, 24);
    cairo_close_path(cr);
    fabric(cr, 12, 102, 0.8, 0.55);
    cairo_fill(cr);
    cairo_move_to(cr, 40, 12);
    cairo_curve_to(cr, 46, 22, 66, 22, 72, 12);
    seam(cr, 0.95, 3); /* the collar */
    cairo_move_to(cr, 26, 54);
    cairo_line_to(cr, 27, 34);
    cairo_move_to(cr, 86, 54);
    cairo_line_to(cr, 85, 34);
    seam(cr, 0.4, 1.2); /* the sleeve seams */
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "assets/images";
    static const struct {
        const char *name;
        DrawFunc draw;
    } drawings[] = {{"bag", draw_bag}, {"shirt", draw_shirt}, {"sneaker", draw_sneaker}, {"trouser", draw_trouser}};
    int rc = 0;
    for (size_t i = 0; i < sizeof drawings / sizeof drawings[0]; i++) {
        cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, SIDE, SIDE);
        cairo_t *cr = cairo_create(s);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_paint(cr);
        drawings[i].draw(cr);
        cairo_destroy(cr);
        char path[4096];
        snprintf(path, sizeof path, "%s/drawing-%s.png", dir, drawings[i].name);
        if (cairo_surface_write_to_png(s, path) != CAIRO_STATUS_SUCCESS) {
            fprintf(stderr, "draw_samples: cannot write %s\n", path);
            rc = 1;
        } else {
            printf("%s\n", path);
        }
        cairo_surface_destroy(s);
    }
    return rc;
}

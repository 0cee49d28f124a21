/* Secondary text keeps WCAG 2 contrast of 4.5:1 or better in the light and
 * the dark style: the plots' secondary colour (pp_plot_secondary) and the
 * opacity ui/style.css gives .dim-label, over Adwaita's window colours
 * (libadwaita 1.2: light fg rgba(0,0,0,0.8) on #fafafa, dark #ffffff on
 * #242424). If this fails, captions and dim labels are too faint to read. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pp-plot.h"

static double lin(double c)
{
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double luminance(double r, double g, double b)
{
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/* text colour fg (with its alpha) over an opaque background */
static double contrast(GdkRGBA fg, GdkRGBA bg)
{
    double a = fg.alpha;
    double r = fg.red * a + bg.red * (1 - a), g = fg.green * a + bg.green * (1 - a), b = fg.blue * a + bg.blue * (1 - a);
    double l1 = luminance(r, g, b), l2 = luminance(bg.red, bg.green, bg.blue);
    return (fmax(l1, l2) + 0.05) / (fmin(l1, l2) + 0.05);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_contrast STYLE.CSS\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    char css[8192];
    size_t n = fread(css, 1, sizeof css - 1, f);
    fclose(f);
    css[n] = 0;
    const char *rule = strstr(css, ".dim-label");
    const char *op = rule ? strstr(rule, "opacity:") : NULL;
    if (!op) {
        fprintf(stderr, "FAIL: style.css sets no .dim-label opacity (Adwaita's 0.55 gives 3.2:1)\n");
        return 1;
    }
    double dim = atof(op + strlen("opacity:"));
    struct {
        const char *name, *fg, *bg;
    } styles[] = {{"light", "rgba(0,0,0,0.8)", "#fafafa"}, {"dark", "#ffffff", "#242424"}};
    int fail = 0;
    for (int i = 0; i < 2; i++) {
        PpPlotColors c;
        memset(&c, 0, sizeof c);
        gdk_rgba_parse(&c.fg, styles[i].fg);
        gdk_rgba_parse(&c.bg, styles[i].bg);
        GdkRGBA sec, lab = c.fg;
        pp_plot_secondary(&c, &sec);
        lab.alpha *= (float)dim;
        double cs = contrast(sec, c.bg), cl = contrast(lab, c.bg);
        printf("%s: plot secondary text %.2f:1, .dim-label (opacity %.2f) %.2f:1\n", styles[i].name, cs, dim, cl);
        if (cs < 4.5 || cl < 4.5) {
            printf("FAIL: %s secondary text below 4.5:1\n", styles[i].name);
            fail = 1;
        }
    }
    return fail;
}

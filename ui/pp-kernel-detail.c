#include "pp-kernel-detail.h"

#include <math.h>
#include <string.h>

#include "pp-help.h"
#include "pp-plot.h"

struct _PpKernelDetail {
    GtkWidget parent_instance;
    PpModelEntry *entry;
    gulong view_handler;
    int kernel;
};

G_DEFINE_FINAL_TYPE(PpKernelDetail, pp_kernel_detail, GTK_TYPE_WIDGET)

static void rgb_composite(cairo_t *cr, const float *v, int side, int channels, double x, double y, double s,
                          float range)
{
    /* channel c of pixel i -> 0.5 + 0.5 v / range: grey is zero */
    double cw = s / side;
    for (int i = 0; i < side; i++)
        for (int j = 0; j < side; j++) {
            double rgb[3];
            for (int c = 0; c < 3; c++) {
                double t = 0.5 + 0.5 * v[(size_t)(c % channels) * side * side + i * side + j] / range;
                rgb[c] = t < 0 ? 0 : t > 1 ? 1 : t;
            }
            cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
            cairo_rectangle(cr, round(x + j * cw), round(y + i * cw), round(x + (j + 1) * cw) - round(x + j * cw),
                            round(y + (i + 1) * cw) - round(y + i * cw));
            cairo_fill(cr);
        }
}

static void frame(cairo_t *cr, const PpPlotColors *c, double x, double y, double s)
{
    pp_plot_set_color(cr, &c->dim);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, x - 0.5, y - 0.5, s + 1, s + 1);
    cairo_stroke(cr);
}

void pp_kernel_detail_draw(GtkWidget *widget, cairo_t *cr, int width, int height)
{
    PpKernelDetail *self = PP_KERNEL_DETAIL(widget);
    PpPlotColors c;
    pp_plot_colors(widget, &c);
    PpModelEntry *e = self->entry;
    if (!e)
        return;
    const int C = pp_model_entry_in_channels(e), ks = pp_model_entry_kernel_size(e);
    const int es = pp_model_entry_effective_size(e), ps = pp_model_entry_pull_size(e), k = self->kernel;
    const gboolean pp = pp_model_entry_is_push_pull(e), pp2020 = pp_model_entry_is_pp2020(e);
    const float *W = pp_model_entry_push(e, k), *P = pp_model_entry_pull(e, k);
    float *E = g_new(float, (size_t)C * es * es); /* (C, es, es) */
    pp_model_entry_effective(e, k, E);
    float range = 1e-12f;
    for (int i = 0; i < C * ks * ks; i++)
        range = fmaxf(range, fabsf(W[i]));
    for (int i = 0; P && i < C * ps * ps; i++)
        range = fmaxf(range, fabsf(P[i]));
    for (int i = 0; i < C * es * es; i++)
        range = fmaxf(range, fabsf(E[i]));

    char title[300], sub[200];
    snprintf(title, sizeof title, "Kernel %d · %s", k, pp_model_entry_get_title(e));
    if (pp2020)
        snprintf(sub, sizeof sub, "α = %.3f %s · 2020 layer: pull = −W bilinearly upsampled ×2 to %d×%d · one colour scale",
                 pp_model_entry_view_alpha(e, k), pp_model_entry_alpha_origin(e, k), ps, ps);
    else if (pp)
        snprintf(sub, sizeof sub, "α = %.3f %s · pull pooling %s%s · one colour scale", pp_model_entry_view_alpha(e, k),
                 pp_model_entry_alpha_origin(e, k),
                 pp_model_entry_view_avg(e) ? (pp_model_entry_view_avg(e) == 3 ? "3×3" : "5×5") : "off",
                 pp_model_entry_view_avg(e) == pp_model_entry_file_avg(e) ? ""
                 : pp_model_entry_file_avg(e) == 0                        ? " (override; file: off)"
                 : pp_model_entry_file_avg(e) == 3                        ? " (override; file: 3×3)"
                                                                                          : " (override; file: 5×5)");
    else if (strcmp(pp_model_entry_get_model(e)->arch.family, "perturb_resnet") == 0)
        snprintf(sub, sizeof sub, "%s · α: none", pp_model_entry_get_model(e)->arch.pnn.first_filter
                                                      ? "3x3 convolution of a perturbative network"
                                                      : "a fixed noise mask of a perturbative network (unscaled)");
    else
        snprintf(sub, sizeof sub, "plain convolution (baseline model) · α: none");
    pp_plot_text_max(cr, widget, title, 8, 4, width - 16, 1.0, TRUE, &c.fg);
    GdkRGBA subc;
    pp_plot_secondary(&c, &subc);
    pp_plot_text_max(cr, widget, sub, 8, 24, width - 16, 0.8, FALSE, &subc);
    /* the teaching formula on a line of its own: never cut */
    if (pp)
        pp_plot_text_max(cr, widget, pp2020 ? "effective = W − α·P,  P = −upsample×2(W)" : "effective = W − α·(P∗box)", 8,
                         40, width - 16, 0.85, TRUE, &c.fg);

    static const char *kinds[3] = {"Push W", "Pull P", "Effective"};
    static const char *rgb_names[] = {"R", "G", "B"};
    const int nk = pp ? 3 : 1, nc = C + (C == 3 ? 1 : 0); /* kinds; channels (+ RGB) */
    const double legend_w = 80, top = 82, gap = 16;
    /* Kinds across and channels down, or the transpose: whichever gives larger panels. */
    double lab_a = C > 1 ? 54 : 8, lab_b = 84;
    double s_a = fmin((width - legend_w - lab_a - gap * nk) / nk, (height - top - 8) / nc - gap);
    double s_b = fmin((width - legend_w - lab_b - gap * nc) / nc, (height - top + 22 - (C > 1 ? 0 : 22) - 8) / nk - gap);
    gboolean across = s_a >= s_b;
    double label_w = across ? lab_a : lab_b;
    double s = floor(fmax(across ? s_a : s_b, 24));
    double y0 = across || C > 1 ? top : top - 22;
    int ncols = across ? nk : nc, nrows = across ? nc : nk;
    char buf[32];
    for (int col = 0; col < ncols; col++) {
        double x = label_w + col * (s + gap);
        const char *head = NULL;
        if (across)
            head = pp ? kinds[col] : "Kernel W";
        else if (C > 1) {
            if (col == C)
                head = "RGB";
            else if (C == 3)
                head = rgb_names[col];
            else {
                snprintf(buf, sizeof buf, "in %d", col);
                head = buf;
            }
        }
        if (head)
            pp_plot_text(cr, widget, head, x + s / 2, y0 - 20, PP_ALIGN_CENTER, 0.85, !across, &c.fg);
        for (int row = 0; row < nrows; row++) {
            double y = y0 + row * (s + gap);
            int kind = across ? col : row, ch = across ? row : col;
            int side = kind == 2 ? es : kind == 1 ? ps : ks;
            const float *src = kind == 0 ? W : kind == 1 ? P : E;
            if (ch < C)
                pp_plot_kernel(cr, src + (size_t)ch * side * side, side, side, x, y, s, s, range);
            else
                rgb_composite(cr, src, side, C, x, y, s, range);
            frame(cr, &c, x, y, s);
        }
    }
    for (int row = 0; row < nrows; row++) {
        const char *label = NULL;
        if (!across)
            label = pp ? kinds[row] : "Kernel W";
        else if (C > 1) {
            if (row == C)
                label = "RGB";
            else if (C == 3)
                label = rgb_names[row];
            else {
                snprintf(buf, sizeof buf, "in %d", row);
                label = buf;
            }
        }
        if (label)
            pp_plot_text(cr, widget, label, label_w - 10, y0 + row * (s + gap) + s / 2 - 9, PP_ALIGN_END, 0.85,
                         across, &c.fg);
    }
    double lx = label_w + ncols * (s + gap) + 4;
    pp_plot_legend_diverging(cr, widget, &c, lx, y0 + 8, 14, fmin(200, fmax(nrows * (s + gap) - 40, 60)), range,
                             "weight");
    g_free(E);
}

static char *summary(GtkWidget *widget)
{
    PpKernelDetail *self = PP_KERNEL_DETAIL(widget);
    PpModelEntry *e = self->entry;
    if (!e)
        return g_strdup("No model loaded.");
    const int C = pp_model_entry_in_channels(e), ks = pp_model_entry_kernel_size(e);
    const int es = pp_model_entry_effective_size(e), k = self->kernel;
    const float *W = pp_model_entry_push(e, k), *P = pp_model_entry_pull(e, k);
    float *E = g_new(float, (size_t)C * es * es);
    pp_model_entry_effective(e, k, E);
    GString *s = g_string_new(NULL);
    const float *src[3] = {W, P, E};
    const int side[3] = {ks, pp_model_entry_pull_size(e), es};
    const char *names[3] = {"push W", "pull P", "effective"};
    g_string_append_printf(s, "Kernel %d of %s", k, pp_model_entry_get_title(e));
    if (pp_model_entry_is_pp2020(e))
        g_string_append_printf(s, ", alpha %.3f; the 2020 layer: pull P = −W upsampled ×2; effective = W − alpha·P",
                               pp_model_entry_view_alpha(e, k));
    else if (pp_model_entry_is_push_pull(e))
        g_string_append_printf(s, ", alpha %.3f, pull pooling %d; effective = W − alpha·(P∗box)",
                               pp_model_entry_view_alpha(e, k), pp_model_entry_view_avg(e));
    for (int t = 0; t < 3; t++) {
        if (!src[t] || (t > 0 && !P))
            continue;
        float lo = src[t][0], hi = src[t][0];
        for (int i = 0; i < C * side[t] * side[t]; i++) {
            lo = MIN(lo, src[t][i]);
            hi = MAX(hi, src[t][i]);
        }
        g_string_append_printf(s, "; %s %d×%d from %.3g to %.3g", names[t], side[t], side[t], lo, hi);
    }
    g_string_append(s, ".");
    g_free(E);
    return g_string_free(s, FALSE);
}

static void pp_kernel_detail_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
    int w = gtk_widget_get_width(widget), h = gtk_widget_get_height(widget);
    cairo_t *cr = gtk_snapshot_append_cairo(snapshot, &GRAPHENE_RECT_INIT(0, 0, w, h));
    pp_kernel_detail_draw(widget, cr, w, h);
    cairo_destroy(cr);
}

static void pp_kernel_detail_dispose(GObject *object)
{
    PpKernelDetail *self = PP_KERNEL_DETAIL(object);
    if (self->entry)
        g_clear_signal_handler(&self->view_handler, self->entry);
    g_clear_object(&self->entry);
    G_OBJECT_CLASS(pp_kernel_detail_parent_class)->dispose(object);
}

static void pp_kernel_detail_class_init(PpKernelDetailClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = pp_kernel_detail_dispose;
    GTK_WIDGET_CLASS(klass)->snapshot = pp_kernel_detail_snapshot;
    gtk_widget_class_set_css_name(GTK_WIDGET_CLASS(klass), "kerneldetail");
    gtk_widget_class_set_accessible_role(GTK_WIDGET_CLASS(klass), GTK_ACCESSIBLE_ROLE_IMG);
}

static void pp_kernel_detail_init(PpKernelDetail *self)
{
    gtk_widget_set_size_request(GTK_WIDGET(self), 320, 256);
    pp_plot_set_accessible(GTK_WIDGET(self), "Push, pull and effective kernel of the selected channel", summary);
    pp_plot_install_tooltip(GTK_WIDGET(self), NULL);
    char *help = g_strdup_printf("Push W: %s\n\nPull P: %s\n\nEffective: %s\n\nα: %s", pp_help_term("push"),
                                 pp_help_term("pull"), pp_help_term("effective"), pp_help_term("alpha"));
    pp_plot_install_tooltip(GTK_WIDGET(self), help);
    g_free(help);
    gtk_widget_set_hexpand(GTK_WIDGET(self), TRUE);
    gtk_widget_set_vexpand(GTK_WIDGET(self), TRUE);
}

GtkWidget *pp_kernel_detail_new(void)
{
    return g_object_new(PP_TYPE_KERNEL_DETAIL, NULL);
}

void pp_kernel_detail_set_entry(PpKernelDetail *self, PpModelEntry *entry)
{
    if (self->entry)
        g_clear_signal_handler(&self->view_handler, self->entry);
    g_set_object(&self->entry, entry);
    if (entry)
        self->view_handler = g_signal_connect_swapped(entry, "view-changed", G_CALLBACK(gtk_widget_queue_draw), self);
    self->kernel = 0;
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

void pp_kernel_detail_set_kernel(PpKernelDetail *self, int k)
{
    self->kernel = k;
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

char *pp_kernel_detail_to_csv(PpKernelDetail *self)
{
    PpModelEntry *e = self->entry;
    if (!e)
        return g_strdup("");
    /* one tidy table: a row per kernel value, alpha and pooling as columns */
    GString *s = g_string_new("model,kernel,alpha,pull_pooling,kind,channel,row,col,value\n");
    const int K = pp_model_entry_kernel_count(e), C = pp_model_entry_in_channels(e);
    const int ks = pp_model_entry_kernel_size(e), es = pp_model_entry_effective_size(e);
    float *E = g_new(float, (size_t)C * es * es);
    for (int k = 0; k < K; k++) {
        const float *W = pp_model_entry_push(e, k), *P = pp_model_entry_pull(e, k);
        pp_model_entry_effective(e, k, E);
        const float *src[3] = {W, P, E};
        const char *kind[3] = {"push", "pull", "effective"};
        char alpha[32] = "", pool[8] = "";
        if (pp_model_entry_is_push_pull(e)) {
            g_snprintf(alpha, sizeof alpha, "%.8g", pp_model_entry_view_alpha(e, k));
            g_snprintf(pool, sizeof pool, "%d", pp_model_entry_view_avg(e));
        }
        for (int t = 0; t < 3; t++) {
            if (!src[t] || (t == 2 && !P))
                continue;
            int side = t == 2 ? es : ks;
            for (int c = 0; c < C; c++)
                for (int i = 0; i < side; i++)
                    for (int j = 0; j < side; j++)
                        g_string_append_printf(s, "%s,%d,%s,%s,%s,%d,%d,%d,%.8g\n", pp_model_entry_get_title(e), k,
                                               alpha, pool, kind[t], c, i, j,
                                               src[t][((size_t)c * side + i) * side + j]);
        }
    }
    g_free(E);
    return g_string_free(s, FALSE);
}

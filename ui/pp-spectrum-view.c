#include "pp-spectrum-view.h"

#include <math.h>

#include "analysis/spectrum.h"
#include "pp-help.h"
#include "pp-plot.h"

#define N PP_SPECTRUM_VIEW_N
#define BINS (N / 2 + 1)
#define FLOOR_DB 60.0f /* dynamic range shown below the strongest component */

struct _PpSpectrumView {
    GtkWidget parent_instance;
    PpModelEntry *entry;
    gulong view_handler;
    int kernel;
    gboolean valid;
    int count; /* 3 for push-pull, 1 for a baseline */
    float db[3][N * N];     /* (N, N) log-magnitude, DC centred */
    float prof[3][BINS];    /* radial profile, linear magnitude */
    float prof_db[3][BINS];
    pp_pass_kind pass[3];
    gint64 last_frame_us;
};

G_DEFINE_FINAL_TYPE(PpSpectrumView, pp_spectrum_view, GTK_TYPE_WIDGET)

/* out: (side, side) sum over the C input channels of src (C, side, side). */
static void channel_sum(float *out, const float *src, int C, int side)
{
    for (int i = 0; i < side * side; i++) {
        out[i] = 0;
        for (int c = 0; c < C; c++)
            out[i] += src[(size_t)c * side * side + i];
    }
}

static void compute(PpSpectrumView *self)
{
    self->valid = FALSE;
    PpModelEntry *e = self->entry;
    if (!e)
        return;
    const int C = pp_model_entry_in_channels(e), ks = pp_model_entry_kernel_size(e);
    const int es = pp_model_entry_effective_size(e), k = self->kernel;
    float *eff = g_new(float, (size_t)C * es * es), sum[N * N], mag[N * N];
    pp_model_entry_effective(e, k, eff);
    self->count = pp_model_entry_is_push_pull(e) ? 3 : 1;
    for (int t = 0; t < self->count; t++) {
        int side = t == 2 ? es : t == 1 ? pp_model_entry_pull_size(e) : ks;
        const float *src = t == 0 ? pp_model_entry_push(e, k) : t == 1 ? pp_model_entry_pull(e, k) : eff;
        channel_sum(sum, src, C, side);
        pp_error err = {0};
        if (side > N || pp_spectrum_magnitude(mag, sum, side, side, N, &err) != PP_OK) {
            g_free(eff);
            return;
        }
        pp_spectrum_radial_profile(self->prof[t], mag, N);
        self->pass[t] = pp_spectrum_classify(self->prof[t], BINS);
        pp_spectrum_to_db(self->db[t], mag, N * N, 1e-6f);
        pp_spectrum_to_db(self->prof_db[t], self->prof[t], BINS, 1e-6f);
    }
    g_free(eff);
    self->valid = TRUE;
}

static double nice_step(double span)
{
    double raw = span / 5, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

void pp_spectrum_view_draw(GtkWidget *widget, cairo_t *cr, int width, int height)
{
    PpSpectrumView *self = PP_SPECTRUM_VIEW(widget);
    PpPlotColors c;
    pp_plot_colors(widget, &c);
    if (!self->entry || !self->valid)
        return;
    PpModelEntry *e = self->entry;
    GdkRGBA subc;
    pp_plot_secondary(&c, &subc);
    static const char *names[3] = {"Push W", "Pull P", "Effective"};
    char title[400];
    snprintf(title, sizeof title, "Spectra of kernel %d · %s", self->kernel, pp_model_entry_get_title(e));
    pp_plot_text_max(cr, widget, title, 8, 4, width - 16, 1.0, TRUE, &c.fg);
    snprintf(title, sizeof title, "|FFT| zero-padded to %d×%d, DC at the centre%s · α = %.3f %s, pull pooling %s%s", N,
             N, pp_model_entry_in_channels(e) > 1 ? ", summed over input channels" : "",
             pp_model_entry_view_alpha(e, self->kernel),
             pp_model_entry_view_alpha(e, self->kernel) != pp_model_entry_learned_alpha(e, self->kernel) ? "(override)"
                                                                                                       : "(learned)",
             pp_model_entry_view_avg(e) ? (pp_model_entry_view_avg(e) == 3 ? "3×3" : "5×5") : "off",
             pp_model_entry_view_avg(e) == pp_model_entry_file_avg(e) ? "" : " (override)");
    if (pp_model_entry_is_pp2020(e))
        snprintf(title, sizeof title, "|FFT| zero-padded to %d×%d, DC at the centre%s · α = %.3f %s · 2020 layer: P = −W upsampled ×2",
                 N, N, pp_model_entry_in_channels(e) > 1 ? ", summed over input channels" : "",
                 pp_model_entry_view_alpha(e, self->kernel),
                 pp_model_entry_view_alpha(e, self->kernel) != pp_model_entry_learned_alpha(e, self->kernel)
                     ? "(override)"
                     : "(learned)");
    if (!pp_model_entry_is_push_pull(e))
        snprintf(title, sizeof title, "|FFT| zero-padded to %d×%d, DC at the centre · plain kernel (baseline)", N, N);
    pp_plot_text_max(cr, widget, title, 8, 24, width - 16, 0.8, FALSE, &subc);

    /* top: the 2-D spectra on one dB scale */
    float hi = -1e30f;
    for (int t = 0; t < self->count; t++)
        for (int i = 0; i < N * N; i++)
            hi = fmaxf(hi, self->db[t][i]);
    hi = ceilf(hi / 10) * 10;
    float lo = hi - FLOOR_DB;
    const double top = 72, legend_w = 90;
    double img = floor(fmin((width - legend_w - 16 - 24.0 * self->count) / self->count, height * 0.42));
    img = fmax(img, 48);
    for (int t = 0; t < self->count; t++) {
        double x = 16 + t * (img + 24);
        char head[64];
        snprintf(head, sizeof head, "%s", self->count == 1 ? "Kernel W" : names[t]);
        pp_plot_text(cr, widget, head, x + img / 2, top - 20, PP_ALIGN_CENTER, 0.85, TRUE, &c.fg);
        pp_plot_heat(cr, self->db[t], N, N, x, top, img, img, lo, hi);
        /* crosshair through DC */
        cairo_set_source_rgba(cr, 1, 1, 1, 0.25);
        cairo_set_line_width(cr, 1);
        cairo_move_to(cr, x + img / 2 + 0.5, top);
        cairo_line_to(cr, x + img / 2 + 0.5, top + img);
        cairo_move_to(cr, x, top + img / 2 + 0.5);
        cairo_line_to(cr, x + img, top + img / 2 + 0.5);
        cairo_stroke(cr);
        GdkRGBA sc = c.series[self->count == 1 ? 0 : t];
        pp_plot_set_color(cr, &sc);
        cairo_rectangle(cr, x + 0.5, top + img + 6, 10, 10);
        cairo_fill(cr);
        pp_plot_text(cr, widget, pp_pass_name(self->pass[t]), x + 16, top + img + 3, PP_ALIGN_START, 0.85, FALSE,
                     &c.fg);
    }
    pp_plot_text(cr, widget, "fx, fy: −0.5 to 0.5 cycles/pixel", 16, top + img + 22, PP_ALIGN_START, 0.75, FALSE,
                 &subc);
    /* the rule behind the labels, where the labels are */
    pp_plot_text_max(cr, widget,
                     "Label rule: f = the radial profile's peak ÷ Nyquist (0 = DC, 1 = Nyquist); f ≤ 0.2 low-pass, "
                     "f ≥ 0.8 high-pass,",
                     16, top + img + 40, width - 32, 0.75, FALSE, &subc);
    pp_plot_text_max(cr, widget, "otherwise band-pass unless DC (or Nyquist alone) stays within 70 % of the peak.", 16,
                     top + img + 54, width - 32, 0.75, FALSE, &subc);
    pp_plot_legend_sequential(cr, widget, &c, width - legend_w + 8, top + 6, 14, img - 12, lo, hi, "dB");

    /* bottom: radial profiles */
    const double left = 64, right = 24, ptop = top + img + 100, bottom = 44;
    double pw = width - left - right, ph = height - ptop - bottom;
    if (pw < 40 || ph < 40)
        return;
    float phi = -1e30f;
    for (int t = 0; t < self->count; t++)
        for (int r = 0; r < BINS; r++)
            phi = fmaxf(phi, self->prof_db[t][r]);
    phi = ceilf(phi / 10) * 10;
    float plo = phi - FLOOR_DB;
    double step = nice_step(phi - plo);
#define XOF(f) (left + pw * (f) / 0.5)
#define YOF(v) (ptop + ph * (1 - ((v)-plo) / (phi - plo)))
    cairo_set_line_width(cr, 1);
    for (double v = plo; v <= phi + step / 2; v += step) {
        pp_plot_set_color(cr, &c.dim);
        cairo_move_to(cr, left, round(YOF(v)) + 0.5);
        cairo_line_to(cr, left + pw, round(YOF(v)) + 0.5);
        cairo_stroke(cr);
        char buf[32];
        snprintf(buf, sizeof buf, "%.0f", v);
        pp_plot_text(cr, widget, buf, left - 6, YOF(v) - 8, PP_ALIGN_END, 0.75, FALSE, &c.fg);
    }
    for (int i = 0; i <= 5; i++) {
        double f = i * 0.1;
        pp_plot_set_color(cr, &c.dim);
        cairo_move_to(cr, round(XOF(f)) + 0.5, ptop);
        cairo_line_to(cr, round(XOF(f)) + 0.5, ptop + ph);
        cairo_stroke(cr);
        char buf[32];
        snprintf(buf, sizeof buf, "%.1f", f);
        pp_plot_text(cr, widget, buf, XOF(f), ptop + ph + 4, PP_ALIGN_CENTER, 0.75, FALSE, &c.fg);
    }
    pp_plot_text(cr, widget, "spatial frequency (cycles/pixel; 0.5 = Nyquist)", left + pw / 2, ptop + ph + 20,
                 PP_ALIGN_CENTER, 0.8, FALSE, &subc);
    cairo_save(cr);
    cairo_translate(cr, 12, ptop + ph / 2);
    cairo_rotate(cr, -M_PI / 2);
    pp_plot_text(cr, widget, "radial mean |FFT| (dB)", 0, -6, PP_ALIGN_CENTER, 0.8, FALSE, &subc);
    cairo_restore(cr);
    pp_plot_set_color(cr, &c.dim);
    cairo_rectangle(cr, left + 0.5, ptop + 0.5, pw, ph);
    cairo_stroke(cr);

    cairo_save(cr);
    cairo_rectangle(cr, left, ptop, pw + 1, ph + 1);
    cairo_clip(cr);
    for (int t = 0; t < self->count; t++) {
        pp_plot_set_color(cr, &c.series[t]);
        cairo_set_line_width(cr, t == 2 ? 3 : 2);
        for (int r = 0; r < BINS; r++) {
            double x = XOF((double)r / N), y = YOF(fmaxf(self->prof_db[t][r], plo - 5));
            if (r == 0)
                cairo_move_to(cr, x, y);
            else
                cairo_line_to(cr, x, y);
        }
        cairo_stroke(cr);
    }
    cairo_restore(cr);
    /* legend: one line above the plot, right-aligned, clear of the curves */
    double lx = left + pw;
    for (int t = self->count - 1; t >= 0; t--) {
        char buf[80];
        snprintf(buf, sizeof buf, "%s — %s", self->count == 1 ? "kernel" : names[t], pp_pass_name(self->pass[t]));
        double tw = pp_plot_text_width(widget, buf, 0.8, FALSE);
        lx -= tw;
        pp_plot_text(cr, widget, buf, lx, ptop - 22, PP_ALIGN_START, 0.8, FALSE, &c.fg);
        pp_plot_set_color(cr, &c.series[t]);
        cairo_set_line_width(cr, 3);
        cairo_move_to(cr, lx - 28, ptop - 13);
        cairo_line_to(cr, lx - 6, ptop - 13);
        cairo_stroke(cr);
        lx -= 28 + 20;
    }
#undef XOF
#undef YOF
}

static void pp_spectrum_view_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
    PpSpectrumView *self = PP_SPECTRUM_VIEW(widget);
    int w = gtk_widget_get_width(widget), h = gtk_widget_get_height(widget);
    gint64 t0 = g_get_monotonic_time();
    cairo_t *cr = gtk_snapshot_append_cairo(snapshot, &GRAPHENE_RECT_INIT(0, 0, w, h));
    pp_spectrum_view_draw(widget, cr, w, h);
    cairo_destroy(cr);
    /* frame-time log for the 60 Hz target: PP_STUDIO_FRAME_LOG=1 */
    if (g_getenv("PP_STUDIO_FRAME_LOG")) {
        gint64 t1 = g_get_monotonic_time();
        g_printerr("spectrum frame: draw %.2f ms, since last %.2f ms\n", (t1 - t0) / 1000.0,
                   self->last_frame_us ? (t0 - self->last_frame_us) / 1000.0 : 0.0);
        self->last_frame_us = t0;
    }
}

static void on_view_changed(PpSpectrumView *self)
{
    gint64 t0 = g_get_monotonic_time();
    compute(self);
    if (g_getenv("PP_STUDIO_FRAME_LOG"))
        g_printerr("spectrum compute: %.2f ms\n", (g_get_monotonic_time() - t0) / 1000.0);
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void pp_spectrum_view_dispose(GObject *object)
{
    PpSpectrumView *self = PP_SPECTRUM_VIEW(object);
    if (self->entry)
        g_clear_signal_handler(&self->view_handler, self->entry);
    g_clear_object(&self->entry);
    G_OBJECT_CLASS(pp_spectrum_view_parent_class)->dispose(object);
}

static char *summary(GtkWidget *widget)
{
    PpSpectrumView *self = PP_SPECTRUM_VIEW(widget);
    if (!self->entry || !self->valid)
        return g_strdup("No model loaded.");
    static const char *names[3] = {"push W", "pull P", "effective"};
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "Spectra of kernel %d of %s:", self->kernel, pp_model_entry_get_title(self->entry));
    for (int t = 0; t < self->count; t++) {
        int peak = 0;
        for (int r = 1; r < BINS; r++)
            if (self->prof_db[t][r] > self->prof_db[t][peak])
                peak = r;
        g_string_append_printf(s, "%s %s %s (profile peak at %.2f cycles/pixel, %.1f dB)", t ? ";" : "",
                               self->count == 1 ? "kernel" : names[t], pp_pass_name(self->pass[t]), (double)peak / N,
                               self->prof_db[t][peak]);
    }
    g_string_append(s, ". " PP_BAND_RULE ".");
    return g_string_free(s, FALSE);
}

static void pp_spectrum_view_class_init(PpSpectrumViewClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = pp_spectrum_view_dispose;
    GTK_WIDGET_CLASS(klass)->snapshot = pp_spectrum_view_snapshot;
    gtk_widget_class_set_css_name(GTK_WIDGET_CLASS(klass), "spectrumview");
    gtk_widget_class_set_accessible_role(GTK_WIDGET_CLASS(klass), GTK_ACCESSIBLE_ROLE_IMG);
}

static void pp_spectrum_view_init(PpSpectrumView *self)
{
    gtk_widget_set_size_request(GTK_WIDGET(self), 420, 560);
    pp_plot_set_accessible(GTK_WIDGET(self), "Spectra of the push, pull and effective kernels", summary);
    char *help = g_strdup_printf("|FFT|: %s\n\n%s.", pp_help_term("fft"), PP_BAND_RULE);
    pp_plot_install_tooltip(GTK_WIDGET(self), help);
    g_free(help);
    gtk_widget_set_hexpand(GTK_WIDGET(self), TRUE);
    gtk_widget_set_vexpand(GTK_WIDGET(self), TRUE);
}

GtkWidget *pp_spectrum_view_new(void)
{
    return g_object_new(PP_TYPE_SPECTRUM_VIEW, NULL);
}

void pp_spectrum_view_set_entry(PpSpectrumView *self, PpModelEntry *entry)
{
    if (self->entry)
        g_clear_signal_handler(&self->view_handler, self->entry);
    g_set_object(&self->entry, entry);
    if (entry)
        self->view_handler = g_signal_connect_swapped(entry, "view-changed", G_CALLBACK(on_view_changed), self);
    self->kernel = 0;
    on_view_changed(self);
}

void pp_spectrum_view_set_kernel(PpSpectrumView *self, int k)
{
    self->kernel = k;
    on_view_changed(self);
}

char *pp_spectrum_view_to_csv(PpSpectrumView *self)
{
    if (!self->valid)
        return g_strdup("");
    /* one tidy table: a row per frequency, with the model, kernel, alpha and
     * pooling it was computed for */
    PpModelEntry *e = self->entry;
    gboolean pp = pp_model_entry_is_push_pull(e);
    GString *s = g_string_new(self->count == 3 ? "model,kernel,alpha,pull_pooling,frequency,push_db,pull_db,effective_db\n"
                                               : "model,kernel,alpha,pull_pooling,frequency,kernel_db\n");
    char alpha[32] = "", pool[8] = "";
    if (pp) {
        g_snprintf(alpha, sizeof alpha, "%.6g", pp_model_entry_view_alpha(e, self->kernel));
        g_snprintf(pool, sizeof pool, "%d", pp_model_entry_view_avg(e));
    }
    for (int r = 0; r < BINS; r++) {
        g_string_append_printf(s, "%s,%d,%s,%s,%.6f", pp_model_entry_get_title(e), self->kernel, alpha, pool,
                               (double)r / N);
        for (int t = 0; t < self->count; t++)
            g_string_append_printf(s, ",%.6f", self->prof_db[t][r]);
        g_string_append_c(s, '\n');
    }
    return g_string_free(s, FALSE);
}

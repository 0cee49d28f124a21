#include "pp-inhibition-lab-view.h"

#include <math.h>
#include <string.h>

#include "corrupt/corruption.h"
#include "pp-image-paint.h"
#include "pp-image-chooser.h"
#include "pp-latest-job.h"
#include "pp-template-dispose.h"
#include "pp-plot.h"
#include "pp-thread-budget.h"
#include "pushpull_lab.h"

#define LAB_MAX_SIDE 320 /* a user's photo is reduced to this (interactive speed) */

static const char *const bundled_photos[] = {"camera", "astronaut", "coffee"};

/* What one update computed, with the inputs it was computed from. */
typedef struct {
    pp_image photo, corrupted;
    const pp_corruption *corruption;
    double severity;
    guint64 seed;
    pp_lab_unit unit;
    double orientation, frequency, phase; /* degrees, cycles/px, degrees: as the sliders say */
    char *photo_name;
    pp_lab_result result;
    gboolean computed;
} LabJob;

struct _PpInhibitionLabView {
    GtkWidget parent_instance;

    GtkFlowBox *controls;
    GtkDropDown *photo_dropdown, *corruption_dropdown;
    GtkStringList *photo_names, *corruption_names;
    GtkAdjustment *severity_adjustment, *orientation_adjustment, *frequency_adjustment, *phase_adjustment,
        *size_adjustment, *alpha_adjustment;
    GtkToggleButton *avg0, *avg3, *avg5;
    GtkLabel *explanation;
    GtkDrawingArea *figure;
    GtkWidget *figure_scroller;

    GPtrArray *photos; /* pp_image *, parallel to photo_names */
    guint64 seed;
    char *explanation_text;

    GtkNativeDialog *dialog;
    PpLatestJob *updates; /* latest wins (pp-latest-job.h) */
    LabJob *shown;
};

G_DEFINE_FINAL_TYPE(PpInhibitionLabView, pp_inhibition_lab_view, GTK_TYPE_WIDGET)

static void lab_job_free(gpointer data)
{
    LabJob *job = data;
    if (!job)
        return;
    pp_image_free(&job->photo);
    pp_image_free(&job->corrupted);
    pp_lab_result_free(&job->result);
    g_free(job->photo_name);
    g_free(job);
}

static void photo_free(gpointer data)
{
    pp_image_free(data);
    g_free(data);
}

/* ---- the unit the controls describe ---- */

static int odd_size(double v)
{
    int s = 2 * (int)floor((v - 1) / 2 + 0.5) + 1;
    return CLAMP(s, 3, 31);
}

static pp_lab_unit controls_unit(PpInhibitionLabView *self)
{
    pp_lab_unit u = {0};
    u.gabor.size = odd_size(gtk_adjustment_get_value(self->size_adjustment));
    u.gabor.theta = gtk_adjustment_get_value(self->orientation_adjustment) * G_PI / 180.0;
    u.gabor.lambda = 1.0 / gtk_adjustment_get_value(self->frequency_adjustment);
    u.gabor.psi = gtk_adjustment_get_value(self->phase_adjustment) * G_PI / 180.0;
    u.gabor.sigma = pp_gabor_default_sigma(u.gabor.lambda, u.gabor.size);
    u.gabor.gamma = 1.0;
    u.alpha = (float)gtk_adjustment_get_value(self->alpha_adjustment);
    u.avg = gtk_toggle_button_get_active(self->avg5) ? 5 : gtk_toggle_button_get_active(self->avg0) ? 0 : 3;
    return u;
}

static const pp_corruption *controls_corruption(PpInhibitionLabView *self)
{
    guint i = gtk_drop_down_get_selected(self->corruption_dropdown);
    return i < pp_corruption_count() ? pp_corruption_at(i) : pp_corruption_find("gaussian_noise");
}

/* ---- the worker ---- */

static bool is_cancelled(void *data)
{
    return g_cancellable_is_cancelled(data);
}

static gboolean lab_run(PpLatestRun *run, gpointer data, GCancellable *cancellable, GError **error)
{
    (void)run;
    LabJob *job = data;
    pp_error err = {0};
    const int threads = pp_thread_budget_interactive(); /* fewer while a job runs */
    pp_corruption_request req = {.severity = job->severity,
                                 .seed = job->seed,
                                 .cancel = is_cancelled,
                                 .cancel_ctx = cancellable,
                                 .threads = threads};
    job->unit.threads = threads;
    if (pp_corruption_apply(job->corruption, &req, &job->photo, &job->corrupted, &err) != PP_OK ||
        g_cancellable_is_cancelled(cancellable) ||
        pp_lab_run(&job->result, &job->unit, &job->photo, &job->corrupted, &err) != PP_OK) {
        if (!g_cancellable_is_cancelled(cancellable) && err.status != PP_ERR_CANCELLED)
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", err.msg);
        return FALSE;
    }
    job->computed = TRUE;
    return TRUE;
}

static char *make_explanation(const LabJob *job)
{
    const pp_lab_result *r = &job->result;
    double gain = r->snr_out - r->snr_push;
    float wmax = 0;
    for (int i = 0; i < r->size * r->size; i++)
        wmax = MAX(wmax, fabsf(r->kernel_push[i]));
    gboolean zero_mean = fabsf(r->pull_offset) < 0.1f * wmax;
    if (job->severity <= 0 || !isfinite(r->snr_push))
        return g_strdup("The photo is clean at severity 0, so nothing differs from the clean responses (the SNR is "
                        "infinite). Move the severity slider to add the corruption.");
    if (job->unit.alpha == 0)
        return g_strdup_printf("α = 0: the pull response is computed but not subtracted, so the output is the push "
                               "response and both keep %.1f dB SNR. Raise α to switch the inhibition on.",
                               r->snr_push);
    if (gain > 0.5 && !zero_mean)
        return g_strdup_printf(
            "The output keeps %.1f dB more signal than push alone (%.1f vs %.1f dB). The pull kernel P = −W + c "
            "(c = max W + min W = %.2f) answers the opposite contrast plus c times the local brightness, which "
            "the %s barely changes; subtracting α·relu(pull) leaves an output that follows that steadier part.",
            gain, r->snr_out, r->snr_push, r->pull_offset, job->corruption->name);
    if (gain > 0.5)
        return g_strdup_printf("Inhibition raises the SNR by %.1f dB (%.1f vs %.1f dB): the pooled pull response is "
                               "strongest where the noise makes the opposite contrast, and subtracting it removes "
                               "responses the push kernel alone would pass.",
                               gain, r->snr_out, r->snr_push);
    if (zero_mean)
        return g_strdup_printf(
            "With a zero-mean push kernel (c = max W + min W = %.2f) the pull response is about −push: where push "
            "is positive the pull's ReLU is zero, so inhibition only adds the negative half back and the SNR stays "
            "near push alone (%.1f vs %.1f dB). Try phase 0° (a kernel with an offset) or more pooling.",
            r->pull_offset, r->snr_out, r->snr_push);
    return g_strdup_printf("Here inhibition does not help (%.1f vs %.1f dB push alone): at α = %.2f the pull "
                           "removes signal as well as noise. Try a smaller α, more pooling or another corruption.",
                           r->snr_out, r->snr_push, job->unit.alpha);
}

static void update_height(PpInhibitionLabView *self, int width);

static void lab_done(gpointer view, gpointer data, gboolean latest, const GError *error)
{
    PpInhibitionLabView *self = view;
    LabJob *job = data;
    if (latest) {
        /* the view takes the job's result; the helper frees an empty job */
        LabJob *keep = g_new0(LabJob, 1);
        *keep = *job;
        memset(job, 0, sizeof *job);
        lab_job_free(self->shown);
        self->shown = keep;
        g_free(self->explanation_text);
        self->explanation_text = make_explanation(keep);
        const pp_lab_result *r = &keep->result;
        char *summary = g_strdup_printf("SNR against the clean photo: push %.1f dB, pull %.1f dB, output %.1f dB. %s",
                                        r->snr_push, r->snr_pull, r->snr_out, self->explanation_text);
        pp_plot_set_description(GTK_WIDGET(self->figure), summary);
        g_free(summary);
    } else if (error && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        g_free(self->explanation_text);
        self->explanation_text = g_strdup_printf("Could not compute the lab: %s", error->message);
    } else {
        return; /* superseded: the newest inputs are on their way */
    }
    gtk_label_set_text(self->explanation, self->explanation_text);
    update_height(self, gtk_widget_get_width(GTK_WIDGET(self->figure)));
    gtk_widget_queue_draw(GTK_WIDGET(self->figure));
}

/* The job for the controls now (main thread), or NULL. */
static gpointer lab_make(gpointer view)
{
    PpInhibitionLabView *self = view;
    guint i = gtk_drop_down_get_selected(self->photo_dropdown);
    if (i >= self->photos->len)
        return NULL;
    LabJob *job = g_new0(LabJob, 1);
    pp_error err = {0};
    if (pp_image_copy(&job->photo, self->photos->pdata[i], &err) != PP_OK) {
        lab_job_free(job);
        return NULL;
    }
    job->photo_name = g_strdup(gtk_string_list_get_string(self->photo_names, i));
    job->corruption = controls_corruption(self);
    job->severity = gtk_adjustment_get_value(self->severity_adjustment);
    job->seed = self->seed;
    job->unit = controls_unit(self);
    job->orientation = gtk_adjustment_get_value(self->orientation_adjustment);
    job->frequency = gtk_adjustment_get_value(self->frequency_adjustment);
    job->phase = gtk_adjustment_get_value(self->phase_adjustment);
    return job;
}

/* Latest wins: a running update is cancelled and the newest inputs queued. */
/* computed when the view is shown: no work for a hidden page */
static void request_update(PpInhibitionLabView *self)
{
    pp_latest_job_request_shown(self->updates, TRUE);
}

static void on_changed(PpInhibitionLabView *self)
{
    request_update(self);
}

static void on_avg_toggled(GtkToggleButton *button, PpInhibitionLabView *self)
{
    if (gtk_toggle_button_get_active(button))
        request_update(self);
}

/* ---- drawing ---- */

typedef struct {
    double title_h, label_h, side1, w2, h2, snr_h, legend_h, gap, explain_h, total;
} Layout;

static void layout_for(PpInhibitionLabView *self, int width, gboolean with_explanation, Layout *l)
{
    const LabJob *job = self->shown;
    double aspect = job ? (double)job->photo.height / job->photo.width : 1.0;
    l->gap = 16;
    l->title_h = 44;
    l->label_h = 20;
    l->side1 = MIN((width - 3 * l->gap) / 4.0, 150);
    l->w2 = MIN((width - 2 * l->gap) / 3.0, 300);
    /* on screen, the responses shrink (to 160 px) before the figure needs scrolling */
    int room = with_explanation ? 0 : gtk_widget_get_height(self->figure_scroller) - 16;
    double fixed = l->title_h + l->label_h + l->side1 + l->gap + 2 * l->label_h + 26 + 18 + 4;
    if (room > 0 && fixed + l->w2 * aspect > room)
        l->w2 = MAX(160, (room - fixed) / aspect);
    l->h2 = l->w2 * aspect;
    l->snr_h = 26;
    l->legend_h = 18 + 38; /* the colour ranges, then two lines on the kernels */
    l->explain_h = 0;
    if (with_explanation && self->explanation_text) {
        PangoLayout *pl = gtk_widget_create_pango_layout(GTK_WIDGET(self), self->explanation_text);
        pango_layout_set_width(pl, (int)(width * PANGO_SCALE));
        pango_layout_set_wrap(pl, PANGO_WRAP_WORD_CHAR);
        int pw, ph;
        pango_layout_get_pixel_size(pl, &pw, &ph);
        l->explain_h = ph + 12;
        g_object_unref(pl);
    }
    l->total = l->title_h + l->label_h + l->side1 + l->gap + 2 * l->label_h + l->h2 + l->snr_h + l->legend_h +
               l->explain_h + 4;
}

static void update_height(PpInhibitionLabView *self, int width)
{
    if (width <= 0)
        return;
    Layout l;
    layout_for(self, width, FALSE, &l);
    int h = (int)ceil(l.total);
    if (gtk_drawing_area_get_content_height(self->figure) != h)
        gtk_drawing_area_set_content_height(self->figure, h);
}

static void on_figure_resize(GtkDrawingArea *area, int width, int height, PpInhibitionLabView *self)
{
    (void)area;
    (void)height;
    update_height(self, width);
}

static void fit(double bw, double bh, int iw, int ih, double *w, double *h)
{
    double s = MIN(bw / iw, bh / ih);
    *w = iw * s;
    *h = ih * s;
}

static void frame(cairo_t *cr, const PpPlotColors *c, double x, double y, double w, double h)
{
    pp_plot_set_color(cr, &c->dim);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, x - 0.5, y - 0.5, w + 1, h + 1);
    cairo_stroke(cr);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

/* The q-quantile of |v| (at least 1e-6). */
static float percentile(const float *v, size_t n, double q)
{
    float *a = g_new(float, n);
    for (size_t i = 0; i < n; i++)
        a[i] = fabsf(v[i]);
    qsort(a, n, sizeof(float), cmp_float);
    float r = n ? a[(size_t)(q * (n - 1))] : 0;
    g_free(a);
    return MAX(r, 1e-6f);
}

static char *snr_text(double snr)
{
    return isinf(snr) && snr > 0 ? g_strdup("SNR ∞ (clean)") : g_strdup_printf("SNR %.1f dB", snr);
}

/* Text wrapped at `width`, in the widget's font scaled by `scale`. */
static void draw_wrapped(cairo_t *cr, GtkWidget *wd, const char *text, double x, double y, double width, double scale,
                         const GdkRGBA *color)
{
    PangoLayout *pl = pango_cairo_create_layout(cr);
    PangoFontDescription *fd =
        pango_font_description_copy(pango_context_get_font_description(gtk_widget_get_pango_context(wd)));
    pango_font_description_set_size(fd, (int)(pango_font_description_get_size(fd) * scale));
    pango_layout_set_font_description(pl, fd);
    pango_font_description_free(fd);
    pango_layout_set_text(pl, text, -1);
    pango_layout_set_width(pl, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(pl, PANGO_WRAP_WORD_CHAR);
    pp_plot_set_color(cr, color);
    cairo_move_to(cr, x, y);
    pango_cairo_show_layout(cr, pl);
    g_object_unref(pl);
}

static void draw_figure(PpInhibitionLabView *self, cairo_t *cr, int width, int height, gboolean for_export)
{
    (void)height;
    GtkWidget *wd = GTK_WIDGET(self);
    PpPlotColors c;
    pp_plot_colors(wd, &c);
    const LabJob *job = self->shown;
    if (!job) {
        pp_plot_text(cr, wd, "Computing the push-pull unit…", 0, 0, PP_ALIGN_START, 1.0, FALSE, &c.fg);
        return;
    }
    const pp_lab_result *r = &job->result;
    Layout l;
    layout_for(self, width, for_export, &l);
    char *title = g_strdup_printf("Gabor push kernel: θ = %.0f°, f = %.2f cycles/px (λ = %.1f px), φ = %.0f°, "
                                  "σ = %.1f px, %d×%d",
                                  job->orientation, job->frequency, job->unit.gabor.lambda, job->phase,
                                  job->unit.gabor.sigma, r->size, r->size);
    char *title2 = g_strdup_printf("α = %.2f · pull pooling %s · photo %s, %s at severity %.1f (seed %" G_GUINT64_FORMAT
                                   ")",
                                   job->unit.alpha, job->unit.avg ? (job->unit.avg == 3 ? "3×3" : "5×5") : "off",
                                   job->photo_name, job->corruption->name, job->severity, job->seed);
    pp_plot_text_max(cr, wd, title, 0, 0, width, 0.9, TRUE, &c.fg);
    pp_plot_text_max(cr, wd, title2, 0, 19, width, 0.9, FALSE, &c.fg);
    g_free(title);
    g_free(title2);

    /* row 1: the kernels and the inputs */
    double y = l.title_h;
    float krange = 0;
    for (int i = 0; i < r->size * r->size; i++)
        krange = MAX(krange, MAX(fabsf(r->kernel_push[i]), fabsf(r->kernel_pull[i])));
    const char *labels1[4] = {"Push kernel W", "Pull kernel P", "Clean photo", "Corrupted photo"};
    for (int i = 0; i < 4; i++) {
        double x = i * (l.side1 + l.gap);
        pp_plot_text_max(cr, wd, labels1[i], x, y, l.side1, 0.85, TRUE, &c.fg);
        double py = y + l.label_h, w, h;
        if (i < 2) {
            pp_paint_plane(cr, i == 0 ? r->kernel_push : r->kernel_pull, r->size, r->size, x, py, l.side1, l.side1,
                           -krange, krange, TRUE);
            frame(cr, &c, x, py, l.side1, l.side1);
        } else {
            const pp_image *img = i == 2 ? &job->photo : &job->corrupted;
            fit(l.side1, l.side1, img->width, img->height, &w, &h);
            pp_paint_image(cr, img, x, py, w, h);
            frame(cr, &c, x, py, w, h);
        }
    }
    char *krange_text = g_strdup_printf("P = −W + c, c = max W + min W = %.2f. Kernels: blue −%.2f to red +%.2f. "
                                        "Responses to the corrupted photo, %d px margins cut (zero padding), colours "
                                        "up to the 99.5th percentile; each SNR compares with the clean photo's.",
                                        r->pull_offset, krange, krange, r->margin);
    (void)krange_text;

    /* row 2: the responses to the corrupted photo */
    y += l.label_h + l.side1 + l.gap;
    size_t plane = (size_t)r->width * r->height;
    /* each panel's own range: the 99.5th percentile of its values (|output|), so a
     * few extreme pixels do not leave the rest dark; brighter ones saturate */
    float range[3] = {percentile(r->corrupted.push, plane, 0.995), percentile(r->corrupted.pull, plane, 0.995),
                      percentile(r->corrupted.out, plane, 0.995)};
    const char *labels2[3] = {"Push response", "Pull response", "Output"};
    const char *formulas[3] = {"relu(W ∗ x)", "relu(pool(P ∗ x))", "relu(push) − α·relu(pull)"};
    double snrs[3] = {r->snr_push, r->snr_pull, r->snr_out};
    const float *planes[3] = {r->corrupted.push, r->corrupted.pull, r->corrupted.out};
    double w2, h2;
    fit(l.w2, l.h2, r->width, r->height, &w2, &h2);
    for (int i = 0; i < 3; i++) {
        double x = i * (l.w2 + l.gap);
        pp_plot_text_max(cr, wd, labels2[i], x, y, l.w2, 0.85, TRUE, &c.fg);
        pp_plot_text_max(cr, wd, formulas[i], x, y + l.label_h - 2, l.w2, 0.8, FALSE, &c.fg);
        double py = y + 2 * l.label_h;
        pp_paint_plane(cr, planes[i], r->height, r->width, x, py, w2, h2, 0, range[i], i == 2);
        frame(cr, &c, x, py, w2, h2);
        char *s = snr_text(snrs[i]);
        pp_plot_text(cr, wd, s, x, py + h2 + 3, PP_ALIGN_START, 1.15, TRUE, i == 2 ? &c.series[2] : &c.fg);
        g_free(s);
        char *legend = i < 2 ? g_strdup_printf("black 0 to yellow %.2f", range[i])
                             : g_strdup_printf("blue −%.2f to red +%.2f", range[i], range[i]);
        pp_plot_text_max(cr, wd, legend, x, py + h2 + 3 + l.snr_h, l.w2, 0.75, FALSE, &c.fg);
        g_free(legend);
    }
    double ybottom = y + 2 * l.label_h + h2 + l.snr_h + l.legend_h;
    draw_wrapped(cr, wd, krange_text, 0, ybottom - 36, width, 0.75, &c.fg);
    g_free(krange_text);
    if (for_export && self->explanation_text)
        draw_wrapped(cr, wd, self->explanation_text, 0, ybottom + 8, width, 1.0, &c.fg);
}

static void draw_screen(GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
    (void)area;
    draw_figure(PP_INHIBITION_LAB_VIEW(data), cr, width, height, FALSE);
    pp_latest_job_drawn(PP_INHIBITION_LAB_VIEW(data)->updates);
}

#define EXPORT_MARGIN 16

void pp_inhibition_lab_view_draw(GtkWidget *widget, cairo_t *cr, int width, int height)
{
    cairo_save(cr);
    cairo_translate(cr, EXPORT_MARGIN, EXPORT_MARGIN);
    draw_figure(PP_INHIBITION_LAB_VIEW(widget), cr, width - 2 * EXPORT_MARGIN, height - 2 * EXPORT_MARGIN, TRUE);
    cairo_restore(cr);
}

/* ---- export ---- */

char *pp_inhibition_lab_view_to_csv(PpInhibitionLabView *self)
{
    GString *s = g_string_new("photo,corruption,severity,seed,orientation_deg,frequency_cycles_per_px,"
                              "wavelength_px,phase_deg,sigma_px,size,alpha,pull_pooling,pull_offset_c,response,"
                              "snr_db\n");
    const LabJob *job = self->shown;
    if (!job)
        return g_string_free(s, FALSE);
    const pp_lab_result *r = &job->result;
    const char *names[3] = {"push", "pull", "output"};
    double snrs[3] = {r->snr_push, r->snr_pull, r->snr_out};
    for (int i = 0; i < 3; i++) {
        char snr[32];
        if (isinf(snrs[i]))
            g_strlcpy(snr, snrs[i] > 0 ? "inf" : "-inf", sizeof snr);
        else
            g_ascii_formatd(snr, sizeof snr, "%.4f", snrs[i]);
        g_string_append_printf(s, "%s,%s,%.2f,%" G_GUINT64_FORMAT ",%.1f,%.4f,%.4f,%.1f,%.4f,%d,%.4f,%d,%.5f,%s,%s\n",
                               job->photo_name, job->corruption->name, job->severity, job->seed, job->orientation,
                               job->frequency, job->unit.gabor.lambda, job->phase, job->unit.gabor.sigma, r->size,
                               job->unit.alpha, job->unit.avg, r->pull_offset, names[i], snr);
    }
    return g_string_free(s, FALSE);
}

gboolean pp_inhibition_lab_view_export(PpInhibitionLabView *self, const char *path, GError **error)
{
    if (g_str_has_suffix(path, ".csv")) {
        char *csv = pp_inhibition_lab_view_to_csv(self);
        gboolean ok = g_file_set_contents(path, csv, -1, error);
        g_free(csv);
        return ok;
    }
    int width = MAX(gtk_widget_get_width(GTK_WIDGET(self->figure)), 900);
    Layout l;
    layout_for(self, width, TRUE, &l);
    return pp_plot_export(GTK_WIDGET(self), pp_inhibition_lab_view_draw, width + 2 * EXPORT_MARGIN,
                          (int)ceil(l.total) + 8 + 2 * EXPORT_MARGIN, path, error);
}

/* ---- setters ---- */

gboolean pp_inhibition_lab_view_set_corruption(PpInhibitionLabView *self, const char *name)
{
    for (size_t i = 0; i < pp_corruption_count(); i++)
        if (g_strcmp0(pp_corruption_at(i)->name, name) == 0) {
            gtk_drop_down_set_selected(self->corruption_dropdown, (guint)i);
            return TRUE;
        }
    return FALSE;
}

void pp_inhibition_lab_view_set_severity(PpInhibitionLabView *self, double severity)
{
    gtk_adjustment_set_value(self->severity_adjustment, CLAMP(severity, 0, PP_CORRUPTION_MAX_SEVERITY));
}

void pp_inhibition_lab_view_set_seed(PpInhibitionLabView *self, guint64 seed)
{
    self->seed = seed;
    request_update(self);
}

void pp_inhibition_lab_view_set_alpha(PpInhibitionLabView *self, double alpha)
{
    if (alpha >= 0)
        gtk_adjustment_set_value(self->alpha_adjustment, alpha);
}

void pp_inhibition_lab_view_set_pooling(PpInhibitionLabView *self, int avg)
{
    if (avg == 0 || avg == 3 || avg == 5)
        gtk_toggle_button_set_active(avg == 0 ? self->avg0 : avg == 3 ? self->avg3 : self->avg5, TRUE);
}

void pp_inhibition_lab_view_set_gabor(PpInhibitionLabView *self, double orientation, double frequency, double phase,
                                      int size)
{
    if (orientation >= 0)
        gtk_adjustment_set_value(self->orientation_adjustment, orientation);
    if (frequency >= 0)
        gtk_adjustment_set_value(self->frequency_adjustment, frequency);
    if (phase >= 0)
        gtk_adjustment_set_value(self->phase_adjustment, phase);
    if (size >= 0)
        gtk_adjustment_set_value(self->size_adjustment, odd_size(size));
}

static pp_image *load_photo(const char *name_or_path, GError **error)
{
    pp_error err = {0};
    pp_image img = {0};
    pp_status st;
    if (!strchr(name_or_path, '/') && !strchr(name_or_path, '.')) {
        char *res = g_strdup_printf("/io/github/PushPullStudio/photos/%s.png", name_or_path);
        GBytes *bytes = g_resources_lookup_data(res, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
        g_free(res);
        if (!bytes)
            return NULL;
        gsize len;
        const guint8 *data = g_bytes_get_data(bytes, &len);
        st = pp_image_decode(data, len, name_or_path, &img, &err);
        g_bytes_unref(bytes);
    } else {
        st = pp_image_load(name_or_path, &img, &err);
    }
    if (st == PP_OK && MAX(img.width, img.height) > LAB_MAX_SIDE) {
        double s = (double)LAB_MAX_SIDE / MAX(img.width, img.height);
        pp_image small = {0};
        st = pp_image_resize(&small, &img, MAX(1, (int)lround(img.width * s)), MAX(1, (int)lround(img.height * s)),
                             &err);
        pp_image_free(&img);
        img = small;
    }
    if (st != PP_OK) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", err.msg);
        return NULL;
    }
    pp_image *out = g_new(pp_image, 1);
    *out = img;
    return out;
}

gboolean pp_inhibition_lab_view_set_photo(PpInhibitionLabView *self, const char *name_or_path, GError **error)
{
    guint n = g_list_model_get_n_items(G_LIST_MODEL(self->photo_names));
    char *base = g_path_get_basename(name_or_path);
    for (guint i = 0; i < n; i++)
        if (g_strcmp0(gtk_string_list_get_string(self->photo_names, i), base) == 0 && !strchr(name_or_path, '/')) {
            gtk_drop_down_set_selected(self->photo_dropdown, i);
            g_free(base);
            return TRUE;
        }
    pp_image *img = load_photo(name_or_path, error);
    if (!img) {
        g_free(base);
        return FALSE;
    }
    g_ptr_array_add(self->photos, img);
    gtk_string_list_append(self->photo_names, base);
    g_free(base);
    gtk_drop_down_set_selected(self->photo_dropdown, n);
    return TRUE;
}

gboolean pp_inhibition_lab_view_is_busy(PpInhibitionLabView *self)
{
    /* until the newest figure is drawn: a screenshot waits for it */
    return pp_latest_job_is_busy(self->updates);
}

const char *pp_inhibition_lab_view_get_explanation(PpInhibitionLabView *self)
{
    return self->explanation_text;
}

static void on_photo_chosen(GtkWidget *widget, const char *path)
{
    PpInhibitionLabView *self = PP_INHIBITION_LAB_VIEW(widget);
    GError *error = NULL;
    if (!pp_inhibition_lab_view_set_photo(self, path, &error)) {
        g_free(self->explanation_text);
        self->explanation_text = g_strdup_printf("Could not open the photo: %s", error->message);
        gtk_label_set_text(self->explanation, self->explanation_text);
        g_error_free(error);
    }
}

static void action_open_photo(GtkWidget *widget, const char *name, GVariant *param)
{
    (void)name;
    (void)param;
    pp_image_chooser_open(widget, "Open a Photograph", &PP_INHIBITION_LAB_VIEW(widget)->dialog, on_photo_chosen);
}

/* ---- class ---- */

static void pp_inhibition_lab_view_dispose(GObject *object)
{
    PpInhibitionLabView *self = PP_INHIBITION_LAB_VIEW(object);
    g_clear_object(&self->dialog);
    g_clear_pointer(&self->updates, pp_latest_job_free);
    GObject *senders[] = {G_OBJECT(self->photo_dropdown), G_OBJECT(self->corruption_dropdown),
                          G_OBJECT(self->severity_adjustment), G_OBJECT(self->orientation_adjustment),
                          G_OBJECT(self->frequency_adjustment), G_OBJECT(self->phase_adjustment),
                          G_OBJECT(self->size_adjustment), G_OBJECT(self->alpha_adjustment), G_OBJECT(self->avg0),
                          G_OBJECT(self->avg3), G_OBJECT(self->avg5)};
    for (size_t i = 0; i < G_N_ELEMENTS(senders); i++)
        if (senders[i])
            g_signal_handlers_disconnect_by_data(senders[i], self);
    pp_template_dispose_children(GTK_WIDGET(object), PP_TYPE_INHIBITION_LAB_VIEW);
    G_OBJECT_CLASS(pp_inhibition_lab_view_parent_class)->dispose(object);
}

static void pp_inhibition_lab_view_finalize(GObject *object)
{
    PpInhibitionLabView *self = PP_INHIBITION_LAB_VIEW(object);
    lab_job_free(self->shown);
    g_ptr_array_unref(self->photos);
    g_free(self->explanation_text);
    G_OBJECT_CLASS(pp_inhibition_lab_view_parent_class)->finalize(object);
}

static void pp_inhibition_lab_view_class_init(PpInhibitionLabViewClass *klass)
{
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    G_OBJECT_CLASS(klass)->dispose = pp_inhibition_lab_view_dispose;
    G_OBJECT_CLASS(klass)->finalize = pp_inhibition_lab_view_finalize;
    gtk_widget_class_set_template_from_resource(wc, "/io/github/PushPullStudio/pp-inhibition-lab-view.ui");
    gtk_widget_class_set_css_name(wc, "inhibitionlab");
    gtk_widget_class_install_action(wc, "lab.open-photo", NULL, action_open_photo);
    gtk_widget_class_set_accessible_role(wc, GTK_ACCESSIBLE_ROLE_GROUP);
#define BIND(name) gtk_widget_class_bind_template_child(wc, PpInhibitionLabView, name)
    BIND(controls);
    BIND(photo_dropdown);
    BIND(photo_names);
    BIND(corruption_dropdown);
    BIND(corruption_names);
    BIND(severity_adjustment);
    BIND(orientation_adjustment);
    BIND(frequency_adjustment);
    BIND(phase_adjustment);
    BIND(size_adjustment);
    BIND(alpha_adjustment);
    BIND(avg0);
    BIND(avg3);
    BIND(avg5);
    BIND(explanation);
    BIND(figure);
    BIND(figure_scroller);
#undef BIND
}

static void pp_inhibition_lab_view_init(PpInhibitionLabView *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->photos = g_ptr_array_new_with_free_func(photo_free);
    self->seed = 1;
    for (size_t i = 0; i < G_N_ELEMENTS(bundled_photos); i++) {
        GError *error = NULL;
        pp_image *img = load_photo(bundled_photos[i], &error);
        if (!img) {
            g_warning("lab photo %s: %s", bundled_photos[i], error->message);
            g_error_free(error);
            continue;
        }
        g_ptr_array_add(self->photos, img);
        gtk_string_list_append(self->photo_names, bundled_photos[i]);
    }
    for (size_t i = 0; i < pp_corruption_count(); i++)
        gtk_string_list_append(self->corruption_names, pp_corruption_at(i)->name);
    gtk_drop_down_set_selected(self->corruption_dropdown, 0); /* gaussian_noise */
    static const PpLatestJobFuncs funcs = {.make = lab_make, .run = lab_run, .done = lab_done, .job_free = lab_job_free};
    self->updates = pp_latest_job_new(self, GTK_WIDGET(self->figure), &funcs);
    pp_latest_job_defer_while_hidden(self->updates, GTK_WIDGET(self));
    gtk_drawing_area_set_draw_func(self->figure, draw_screen, self, NULL);
    g_signal_connect(self->figure, "resize", G_CALLBACK(on_figure_resize), self);
    g_signal_connect_swapped(self->photo_dropdown, "notify::selected", G_CALLBACK(on_changed), self);
    g_signal_connect_swapped(self->corruption_dropdown, "notify::selected", G_CALLBACK(on_changed), self);
    GtkAdjustment *adjs[] = {self->severity_adjustment, self->orientation_adjustment, self->frequency_adjustment,
                             self->phase_adjustment, self->size_adjustment, self->alpha_adjustment};
    for (size_t i = 0; i < G_N_ELEMENTS(adjs); i++)
        g_signal_connect_swapped(adjs[i], "value-changed", G_CALLBACK(on_changed), self);
    GtkToggleButton *avgs[] = {self->avg0, self->avg3, self->avg5};
    for (size_t i = 0; i < G_N_ELEMENTS(avgs); i++)
        g_signal_connect(avgs[i], "toggled", G_CALLBACK(on_avg_toggled), self);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self->figure), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   "Inhibition lab figure: push kernel, pull kernel, the photo clean and corrupted, "
                                   "push response, pull response and output with their SNRs",
                                   -1);
    request_update(self);
}

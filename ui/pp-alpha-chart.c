#include "pp-alpha-chart.h"

#include <math.h>

#include "pp-help.h"
#include "pp-plot.h"

struct _PpAlphaChart {
    GtkWidget parent_instance;
    PpModelEntry *entry;
    gulong view_handler;
    int selected;
    double plot_x, plot_w; /* last layout, for clicks */
};

G_DEFINE_FINAL_TYPE(PpAlphaChart, pp_alpha_chart, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_SELECTED, N_PROPS };
static GParamSpec *props[N_PROPS];

static double nice_step(double span)
{
    double raw = span / 4, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

void pp_alpha_chart_draw(GtkWidget *widget, cairo_t *cr, int width, int height)
{
    PpAlphaChart *self = PP_ALPHA_CHART(widget);
    PpPlotColors c;
    pp_plot_colors(widget, &c);
    PpModelEntry *e = self->entry;
    if (!e)
        return;
    GdkRGBA subc;
    pp_plot_secondary(&c, &subc);
    if (!pp_model_entry_is_push_pull(e)) {
        pp_plot_text(cr, widget, "Inhibition strength α", 8, 4, PP_ALIGN_START, 1.0, TRUE, &c.fg);
        pp_plot_text(cr, widget, "A baseline model has no push-pull inhibition.", 8, 26, PP_ALIGN_START, 0.85,
                     FALSE, &subc);
        return;
    }
    const int K = pp_model_entry_kernel_count(e);
    float lo = 0, hi = 0, sum = 0;
    for (int k = 0; k < K; k++) {
        float a = pp_model_entry_learned_alpha(e, k), v = pp_model_entry_view_alpha(e, k);
        hi = fmaxf(hi, fmaxf(a, v));
        lo = fminf(lo, fminf(a, v));
        sum += a;
    }
    if (hi - lo < 1e-6f)
        hi = lo + 1;
    char title[400];
    snprintf(title, sizeof title, "Learned α per channel (mean %.3f) · %s", sum / K, pp_model_entry_get_title(e));
    pp_plot_text(cr, widget, "Inhibition strength α", 8, 4, PP_ALIGN_START, 1.0, TRUE, &c.fg);
    pp_plot_text_max(cr, widget, title, 8, 24, width - 16, 0.8, FALSE, &subc);

    const double left = 52, right = 12, top = 50, bottom = 34;
    double pw = width - left - right, ph = height - top - bottom;
    double step = nice_step(hi - lo);
    while (ph * step / (hi - lo) < 22) /* at least 22 px between labelled grid lines */
        step *= 2;
    double top_v = ceil(hi / step) * step, bot_v = floor(lo / step) * step;
    if (pw < 20 || ph < 20)
        return;
    if (!pp_plot_exporting()) { /* the screen layout, for clicks */
        self->plot_x = left;
        self->plot_w = pw;
    }
#define YOF(v) (top + ph * (1 - ((v)-bot_v) / (top_v - bot_v)))
    cairo_set_line_width(cr, 1);
    for (double v = bot_v; v <= top_v + step / 2; v += step) {
        double y = round(YOF(v)) + 0.5;
        pp_plot_set_color(cr, &c.dim);
        cairo_move_to(cr, left, y);
        cairo_line_to(cr, left + pw, y);
        cairo_stroke(cr);
        char buf[32];
        snprintf(buf, sizeof buf, "%.3g", fabs(v) < step / 100 ? 0.0 : v);
        pp_plot_text(cr, widget, buf, left - 6, y - 8, PP_ALIGN_END, 0.75, FALSE, &c.fg);
    }
    double bw = pw / K, y0 = YOF(0);
    for (int k = 0; k < K; k++) {
        float a = pp_model_entry_learned_alpha(e, k);
        GdkRGBA col = k == self->selected ? c.accent : c.series[0];
        if (k != self->selected)
            col.alpha *= 0.55f;
        pp_plot_set_color(cr, &col);
        double x = left + k * bw + (bw > 4 ? 1 : 0), y = YOF(a);
        cairo_rectangle(cr, x, fmin(y, y0), fmax(bw - (bw > 4 ? 2 : 0), 1), fabs(y - y0));
        cairo_fill(cr);
        float v = pp_model_entry_view_alpha(e, k);
        if (v != a) { /* an override: a tick at the value in use */
            pp_plot_set_color(cr, &c.series[1]);
            cairo_set_line_width(cr, 2);
            cairo_move_to(cr, x - 1, YOF(v));
            cairo_line_to(cr, x + bw, YOF(v));
            cairo_stroke(cr);
        }
    }
    /* mean line */
    pp_plot_set_color(cr, &c.fg);
    double dash[] = {4, 3};
    cairo_set_dash(cr, dash, 2, 0);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, left, round(YOF(sum / K)) + 0.5);
    cairo_line_to(cr, left + pw, round(YOF(sum / K)) + 0.5);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    /* x ticks every 8 or 16 channels */
    int xt = K > 64 ? 32 : K > 16 ? 8 : 1;
    for (int k = 0; k < K; k += xt) {
        char buf[16];
        snprintf(buf, sizeof buf, "%d", k);
        pp_plot_text(cr, widget, buf, left + (k + 0.5) * bw, top + ph + 3, PP_ALIGN_CENTER, 0.75, FALSE, &c.fg);
    }
    pp_plot_text(cr, widget, "output channel", left + pw / 2, top + ph + 17, PP_ALIGN_CENTER, 0.75, FALSE, &subc);
#undef YOF
}

static void pp_alpha_chart_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
    int w = gtk_widget_get_width(widget), h = gtk_widget_get_height(widget);
    cairo_t *cr = gtk_snapshot_append_cairo(snapshot, &GRAPHENE_RECT_INIT(0, 0, w, h));
    pp_alpha_chart_draw(widget, cr, w, h);
    cairo_destroy(cr);
}

static void on_pressed(GtkGestureClick *gesture, int n_press, double x, double y, PpAlphaChart *self)
{
    (void)gesture;
    (void)n_press;
    (void)y;
    if (!self->entry || self->plot_w <= 0)
        return;
    int K = pp_model_entry_kernel_count(self->entry);
    int k = (int)floor((x - self->plot_x) / (self->plot_w / K));
    if (k >= 0 && k < K)
        pp_alpha_chart_set_selected(self, k);
}

static void pp_alpha_chart_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
    if (id == PROP_SELECTED)
        g_value_set_int(value, PP_ALPHA_CHART(object)->selected);
    else
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void pp_alpha_chart_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
    if (id == PROP_SELECTED)
        pp_alpha_chart_set_selected(PP_ALPHA_CHART(object), g_value_get_int(value));
    else
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void pp_alpha_chart_dispose(GObject *object)
{
    PpAlphaChart *self = PP_ALPHA_CHART(object);
    if (self->entry)
        g_clear_signal_handler(&self->view_handler, self->entry);
    g_clear_object(&self->entry);
    G_OBJECT_CLASS(pp_alpha_chart_parent_class)->dispose(object);
}

static char *summary(GtkWidget *widget)
{
    PpAlphaChart *self = PP_ALPHA_CHART(widget);
    PpModelEntry *e = self->entry;
    if (!e)
        return g_strdup("No model loaded.");
    if (!pp_model_entry_is_push_pull(e))
        return g_strdup_printf("%s is a baseline: no push-pull inhibition, no alpha.", pp_model_entry_get_title(e));
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "Learned alpha of the %d channels of %s:", pp_model_entry_kernel_count(e),
                           pp_model_entry_get_title(e));
    for (int k = 0; k < pp_model_entry_kernel_count(e); k++) {
        g_string_append_printf(s, "%s %d: %.3f", k ? "," : "", k, pp_model_entry_learned_alpha(e, k));
        if (pp_model_entry_view_alpha(e, k) != pp_model_entry_learned_alpha(e, k))
            g_string_append_printf(s, " (shown with %.3f)", pp_model_entry_view_alpha(e, k));
    }
    g_string_append_printf(s, "; channel %d selected.", self->selected);
    return g_string_free(s, FALSE);
}

static void pp_alpha_chart_class_init(PpAlphaChartClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    object_class->dispose = pp_alpha_chart_dispose;
    object_class->get_property = pp_alpha_chart_get_property;
    object_class->set_property = pp_alpha_chart_set_property;
    props[PROP_SELECTED] = g_param_spec_int("selected", NULL, NULL, -1, G_MAXINT, 0,
                                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
    g_object_class_install_properties(object_class, N_PROPS, props);
    GTK_WIDGET_CLASS(klass)->snapshot = pp_alpha_chart_snapshot;
    gtk_widget_class_set_css_name(GTK_WIDGET_CLASS(klass), "alphachart");
    gtk_widget_class_set_accessible_role(GTK_WIDGET_CLASS(klass), GTK_ACCESSIBLE_ROLE_IMG);
}

static void pp_alpha_chart_init(PpAlphaChart *self)
{
    GtkGesture *click = gtk_gesture_click_new();
    g_signal_connect(click, "pressed", G_CALLBACK(on_pressed), self);
    gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(click));
    gtk_widget_set_size_request(GTK_WIDGET(self), 260, 170);
    pp_plot_set_accessible(GTK_WIDGET(self), "Inhibition strength alpha per channel", summary);
    char *help = g_strdup_printf("α: %s Click a bar to select its channel.", pp_help_term("alpha"));
    pp_plot_install_tooltip(GTK_WIDGET(self), help);
    g_free(help);
    gtk_widget_set_hexpand(GTK_WIDGET(self), TRUE);
}

GtkWidget *pp_alpha_chart_new(void)
{
    return g_object_new(PP_TYPE_ALPHA_CHART, NULL);
}

void pp_alpha_chart_set_entry(PpAlphaChart *self, PpModelEntry *entry)
{
    if (self->entry)
        g_clear_signal_handler(&self->view_handler, self->entry);
    g_set_object(&self->entry, entry);
    if (entry)
        self->view_handler = g_signal_connect_swapped(entry, "view-changed", G_CALLBACK(gtk_widget_queue_draw), self);
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

int pp_alpha_chart_get_selected(PpAlphaChart *self)
{
    return self->selected;
}

void pp_alpha_chart_set_selected(PpAlphaChart *self, int k)
{
    if (k == self->selected)
        return;
    self->selected = k;
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_SELECTED]);
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

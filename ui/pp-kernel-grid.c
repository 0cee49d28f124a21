#include "pp-kernel-grid.h"

#include <math.h>
#include <string.h>

#include "pp-plot.h"

struct _PpKernelGrid {
    GtkWidget parent_instance;
    PpModelEntry *entry;
    int selected;
    /* layout of the last draw, for hit tests */
    double x0, y0, cell;
    int cols;
};

G_DEFINE_FINAL_TYPE(PpKernelGrid, pp_kernel_grid, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_SELECTED, N_PROPS };
static GParamSpec *props[N_PROPS];

#define LEGEND_W 78.0
#define HEADER_H 44.0

void pp_kernel_grid_draw(GtkWidget *widget, cairo_t *cr, int width, int height)
{
    PpKernelGrid *self = PP_KERNEL_GRID(widget);
    PpPlotColors c;
    pp_plot_colors(widget, &c);
    if (!self->entry) {
        pp_plot_text(cr, widget, "No model", width / 2.0, height / 2.0 - 10, PP_ALIGN_CENTER, 1.2, FALSE, &c.dim);
        return;
    }
    PpModelEntry *e = self->entry;
    const int K = pp_model_entry_kernel_count(e), C = pp_model_entry_in_channels(e);
    const int ks = pp_model_entry_kernel_size(e), per = ks * ks;
    float *mean = g_new0(float, (size_t)K * per); /* (K, ks, ks) mean over input channels */
    float range = 0;
    for (int k = 0; k < K; k++) {
        const float *w = pp_model_entry_push(e, k);
        for (int c2 = 0; c2 < C; c2++)
            for (int i = 0; i < per; i++)
                mean[(size_t)k * per + i] += w[c2 * per + i] / C;
    }
    for (size_t i = 0; i < (size_t)K * per; i++)
        range = fmaxf(range, fabsf(mean[i]));

    char title[160], sub[400];
    const pp_arch *arch = &pp_model_entry_get_model(e)->arch;
    const bool masks = strcmp(arch->family, "perturb_resnet") == 0 && arch->pnn.first_filter == 0;
    if (masks) /* a perturbative first layer: its fixed noise masks (model/pnn_builder.c) */
        snprintf(title, sizeof title, "Noise masks of the first layer (level %.3g)", arch->pnn.first_level);
    else
        snprintf(title, sizeof title, "%s kernels of the first layer", pp_model_entry_is_push_pull(e) ? "Push" : "Plain");
    snprintf(sub, sizeof sub, "%d kernels, %d×%d%s · one colour scale%s", K, ks, ks,
             C > 1 ? ", mean over the input channels" : "", pp_plot_exporting() ? "" : " · click to select");
    pp_plot_text(cr, widget, title, 8, 4, PP_ALIGN_START, 1.0, TRUE, &c.fg);
    GdkRGBA subc;
    pp_plot_secondary(&c, &subc);
    pp_plot_text_max(cr, widget, sub, 8, 24, width - 16, 0.8, FALSE, &subc);

    double aw = width - LEGEND_W - 16, ah = height - HEADER_H - 8;
    /* the largest cells, but among layouts within 15 % of them the one with the
     * fewest empty places (64 kernels: 8 x 8 rather than 7 x 10 with one left over) */
    double best_cell = 0;
    for (int cols = 1; cols <= K; cols++) {
        int rows = (K + cols - 1) / cols;
        best_cell = fmax(best_cell, fmin(aw / cols, ah / rows));
    }
    int best_cols = 1, best_waste = K + 1;
    for (int cols = 1; cols <= K; cols++) {
        int rows = (K + cols - 1) / cols, waste = rows * cols - K;
        double cell = fmin(aw / cols, ah / rows);
        if (cell >= 0.85 * best_cell && waste < best_waste) {
            best_waste = waste;
            best_cols = cols;
        }
    }
    best_cell = fmin(aw / best_cols, ah / ((K + best_cols - 1) / best_cols));
    double gap = fmax(3.0, floor(best_cell * 0.1));
    double cell = floor(best_cell);
    int rows = (K + best_cols - 1) / best_cols;
    double x0 = 8 + floor((aw - cell * best_cols) / 2), y0 = HEADER_H;
    if (!pp_plot_exporting()) { /* the screen layout, for clicks and arrow keys */
        self->x0 = x0;
        self->y0 = y0;
        self->cell = cell;
        self->cols = best_cols;
    }
    for (int k = 0; k < K; k++) {
        double x = x0 + (k % best_cols) * cell, y = y0 + (k / best_cols) * cell;
        pp_plot_kernel(cr, mean + (size_t)k * per, ks, ks, x + gap / 2, y + gap / 2, cell - gap, cell - gap, range);
        pp_plot_set_color(cr, &c.dim);
        cairo_set_line_width(cr, 1);
        cairo_rectangle(cr, x + gap / 2 - 0.5, y + gap / 2 - 0.5, cell - gap + 1, cell - gap + 1);
        cairo_stroke(cr);
    }
    if (self->selected >= 0 && self->selected < K) {
        double x = x0 + (self->selected % best_cols) * cell, y = y0 + (self->selected / best_cols) * cell;
        pp_plot_set_color(cr, &c.accent);
        cairo_set_line_width(cr, 3);
        cairo_rectangle(cr, x, y, cell, cell);
        cairo_stroke(cr);
    }
    /* the keyboard focus: a ring around the gallery and a second, dashed one
     * around the selected kernel (never in exports) */
    if (!pp_plot_exporting() && gtk_widget_has_visible_focus(widget)) {
        GdkRGBA ring = c.accent;
        ring.alpha = 0.6f;
        pp_plot_set_color(cr, &ring);
        cairo_set_line_width(cr, 2);
        cairo_rectangle(cr, x0 - 4, y0 - 4, cell * best_cols + 8, cell * rows + 8);
        cairo_stroke(cr);
        if (self->selected >= 0 && self->selected < K) {
            double x = x0 + (self->selected % best_cols) * cell, y = y0 + (self->selected / best_cols) * cell;
            static const double dash[] = {4, 3};
            pp_plot_set_color(cr, &c.fg);
            cairo_set_line_width(cr, 1.5);
            cairo_set_dash(cr, dash, 2, 0);
            cairo_rectangle(cr, x - 3, y - 3, cell + 6, cell + 6);
            cairo_stroke(cr);
            cairo_set_dash(cr, NULL, 0, 0);
        }
    }
    double lh = fmin(220, ah - 40);
    pp_plot_legend_diverging(cr, widget, &c, width - LEGEND_W + 6, HEADER_H + 10, 14, lh, range, "weight");
    g_free(mean);
}

static char *summary(GtkWidget *widget)
{
    PpKernelGrid *self = PP_KERNEL_GRID(widget);
    PpModelEntry *e = self->entry;
    if (!e)
        return g_strdup("No model loaded.");
    const int K = pp_model_entry_kernel_count(e), C = pp_model_entry_in_channels(e);
    const int ks = pp_model_entry_kernel_size(e);
    float lo = 0, hi = 0;
    for (int k = 0; k < K; k++) {
        const float *w = pp_model_entry_push(e, k);
        for (int i = 0; i < C * ks * ks; i++) {
            lo = MIN(lo, w[i]);
            hi = MAX(hi, w[i]);
        }
    }
    return g_strdup_printf("%s: %d %s kernels of %d×%d over %d input channel%s, weights from %.3g to %.3g; kernel %d "
                           "selected (arrow keys move the selection).",
                           pp_model_entry_get_title(e), K, pp_model_entry_is_push_pull(e) ? "push" : "plain", ks, ks,
                           C, C == 1 ? "" : "s", lo, hi, self->selected);
}

static void on_focus_changed(GtkEventControllerFocus *focus, PpKernelGrid *self)
{
    (void)focus;
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void pp_kernel_grid_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
    int w = gtk_widget_get_width(widget), h = gtk_widget_get_height(widget);
    cairo_t *cr = gtk_snapshot_append_cairo(snapshot, &GRAPHENE_RECT_INIT(0, 0, w, h));
    pp_kernel_grid_draw(widget, cr, w, h);
    cairo_destroy(cr);
}

static void on_pressed(GtkGestureClick *gesture, int n_press, double x, double y, PpKernelGrid *self)
{
    (void)gesture;
    (void)n_press;
    if (!self->entry || self->cell <= 0)
        return;
    gtk_widget_grab_focus(GTK_WIDGET(self));
    int col = (int)floor((x - self->x0) / self->cell), row = (int)floor((y - self->y0) / self->cell);
    int k = row * self->cols + col;
    if (col >= 0 && col < self->cols && row >= 0 && k < pp_model_entry_kernel_count(self->entry))
        pp_kernel_grid_set_selected(self, k);
}

static gboolean on_key(GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state,
                       PpKernelGrid *self)
{
    (void)key;
    (void)keycode;
    (void)state;
    if (!self->entry)
        return FALSE;
    int K = pp_model_entry_kernel_count(self->entry), cols = MAX(self->cols, 1), k = self->selected;
    switch (keyval) {
    case GDK_KEY_Left: k--; break;
    case GDK_KEY_Right: k++; break;
    case GDK_KEY_Up: k -= cols; break;
    case GDK_KEY_Down: k += cols; break;
    case GDK_KEY_Home: k = 0; break;
    case GDK_KEY_End: k = K - 1; break;
    default: return FALSE;
    }
    if (k >= 0 && k < K)
        pp_kernel_grid_set_selected(self, k);
    return TRUE;
}

static void pp_kernel_grid_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
    PpKernelGrid *self = PP_KERNEL_GRID(object);
    if (id == PROP_SELECTED)
        g_value_set_int(value, self->selected);
    else
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void pp_kernel_grid_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
    if (id == PROP_SELECTED)
        pp_kernel_grid_set_selected(PP_KERNEL_GRID(object), g_value_get_int(value));
    else
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void pp_kernel_grid_dispose(GObject *object)
{
    g_clear_object(&PP_KERNEL_GRID(object)->entry);
    G_OBJECT_CLASS(pp_kernel_grid_parent_class)->dispose(object);
}

static void pp_kernel_grid_class_init(PpKernelGridClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    object_class->dispose = pp_kernel_grid_dispose;
    object_class->get_property = pp_kernel_grid_get_property;
    object_class->set_property = pp_kernel_grid_set_property;
    props[PROP_SELECTED] = g_param_spec_int("selected", NULL, NULL, -1, G_MAXINT, 0,
                                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
    g_object_class_install_properties(object_class, N_PROPS, props);
    GTK_WIDGET_CLASS(klass)->snapshot = pp_kernel_grid_snapshot;
    gtk_widget_class_set_css_name(GTK_WIDGET_CLASS(klass), "kernelgrid");
    gtk_widget_class_set_accessible_role(GTK_WIDGET_CLASS(klass), GTK_ACCESSIBLE_ROLE_IMG);
}

static void pp_kernel_grid_init(PpKernelGrid *self)
{
    GtkGesture *click = gtk_gesture_click_new();
    g_signal_connect(click, "pressed", G_CALLBACK(on_pressed), self);
    gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(click));
    /* arrow keys, Home and End move the selection */
    GtkEventController *key = gtk_event_controller_key_new();
    g_signal_connect(key, "key-pressed", G_CALLBACK(on_key), self);
    gtk_widget_add_controller(GTK_WIDGET(self), key);
    gtk_widget_set_focusable(GTK_WIDGET(self), TRUE);
    GtkEventController *focus = gtk_event_controller_focus_new();
    g_signal_connect(focus, "enter", G_CALLBACK(on_focus_changed), self);
    g_signal_connect(focus, "leave", G_CALLBACK(on_focus_changed), self);
    gtk_widget_add_controller(GTK_WIDGET(self), focus);
    pp_plot_set_accessible(GTK_WIDGET(self), "Push kernels of the first layer", summary);
    pp_plot_install_tooltip(GTK_WIDGET(self), "Every first-layer kernel on one blue-white-red scale (white is 0). "
                                              "Push kernel W: " "the trained kernel; click one to see its push, pull "
                                              "and effective kernels.");
    gtk_widget_set_size_request(GTK_WIDGET(self), 260, 220);
    gtk_widget_set_hexpand(GTK_WIDGET(self), TRUE);
    gtk_widget_set_vexpand(GTK_WIDGET(self), TRUE);
}

GtkWidget *pp_kernel_grid_new(void)
{
    return g_object_new(PP_TYPE_KERNEL_GRID, NULL);
}

void pp_kernel_grid_set_entry(PpKernelGrid *self, PpModelEntry *entry)
{
    g_set_object(&self->entry, entry);
    self->selected = 0;
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_SELECTED]);
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

int pp_kernel_grid_get_selected(PpKernelGrid *self)
{
    return self->selected;
}

void pp_kernel_grid_set_selected(PpKernelGrid *self, int k)
{
    if (k == self->selected)
        return;
    self->selected = k;
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_SELECTED]);
    gtk_widget_queue_draw(GTK_WIDGET(self));
}

#include "pp-zoom-bin.h"

struct _PpZoomBin {
    GtkWidget parent_instance;
    GtkWidget *child;
    double zoom;
};

enum { PROP_0, PROP_CHILD, PROP_ZOOM, N_PROPS };
static GParamSpec *props[N_PROPS];

static void pp_zoom_bin_buildable_init(GtkBuildableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(PpZoomBin, pp_zoom_bin, GTK_TYPE_WIDGET,
                              G_IMPLEMENT_INTERFACE(GTK_TYPE_BUILDABLE, pp_zoom_bin_buildable_init))

static GtkBuildableIface *parent_buildable;

static void add_child(GtkBuildable *buildable, GtkBuilder *builder, GObject *child, const char *type)
{
    if (GTK_IS_WIDGET(child))
        pp_zoom_bin_set_child(PP_ZOOM_BIN(buildable), GTK_WIDGET(child));
    else
        parent_buildable->add_child(buildable, builder, child, type);
}

static void pp_zoom_bin_buildable_init(GtkBuildableIface *iface)
{
    parent_buildable = g_type_interface_peek_parent(iface);
    iface->add_child = add_child;
}

static void measure(GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum, int *natural,
                    int *minimum_baseline, int *natural_baseline)
{
    PpZoomBin *self = PP_ZOOM_BIN(widget);
    *minimum = *natural = 0;
    *minimum_baseline = *natural_baseline = -1;
    if (!self->child || !gtk_widget_should_layout(self->child))
        return;
    int m, n;
    gtk_widget_measure(self->child, orientation, for_size < 0 ? -1 : (int)(for_size / self->zoom), &m, &n, NULL,
                       NULL);
    *minimum = (int)(m * self->zoom + 0.999);
    *natural = (int)(n * self->zoom + 0.999);
}

static void size_allocate(GtkWidget *widget, int width, int height, int baseline)
{
    (void)baseline;
    PpZoomBin *self = PP_ZOOM_BIN(widget);
    if (!self->child || !gtk_widget_should_layout(self->child))
        return;
    GskTransform *t = self->zoom != 1.0 ? gsk_transform_scale(NULL, (float)self->zoom, (float)self->zoom) : NULL;
    gtk_widget_allocate(self->child, (int)(width / self->zoom), (int)(height / self->zoom), -1, t);
}

static void pp_zoom_bin_dispose(GObject *object)
{
    PpZoomBin *self = PP_ZOOM_BIN(object);
    g_clear_pointer(&self->child, gtk_widget_unparent);
    G_OBJECT_CLASS(pp_zoom_bin_parent_class)->dispose(object);
}

static void get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
    PpZoomBin *self = PP_ZOOM_BIN(object);
    if (id == PROP_CHILD)
        g_value_set_object(value, self->child);
    else if (id == PROP_ZOOM)
        g_value_set_double(value, self->zoom);
    else
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
    PpZoomBin *self = PP_ZOOM_BIN(object);
    if (id == PROP_CHILD)
        pp_zoom_bin_set_child(self, g_value_get_object(value));
    else if (id == PROP_ZOOM)
        pp_zoom_bin_set_zoom(self, g_value_get_double(value));
    else
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

static void pp_zoom_bin_class_init(PpZoomBinClass *klass)
{
    GObjectClass *oc = G_OBJECT_CLASS(klass);
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    oc->dispose = pp_zoom_bin_dispose;
    oc->get_property = get_property;
    oc->set_property = set_property;
    wc->measure = measure;
    wc->size_allocate = size_allocate;
    props[PROP_CHILD] = g_param_spec_object("child", NULL, NULL, GTK_TYPE_WIDGET,
                                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
    props[PROP_ZOOM] = g_param_spec_double("zoom", NULL, NULL, PP_ZOOM_MIN, PP_ZOOM_MAX, 1.0,
                                           G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
    g_object_class_install_properties(oc, N_PROPS, props);
    gtk_widget_class_set_css_name(wc, "zoombin");
}

static void pp_zoom_bin_init(PpZoomBin *self)
{
    self->zoom = 1.0;
}

GtkWidget *pp_zoom_bin_new(void)
{
    return g_object_new(PP_TYPE_ZOOM_BIN, NULL);
}

void pp_zoom_bin_set_child(PpZoomBin *self, GtkWidget *child)
{
    if (self->child == child)
        return;
    g_clear_pointer(&self->child, gtk_widget_unparent);
    if (child) {
        self->child = child;
        gtk_widget_set_parent(child, GTK_WIDGET(self));
    }
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_CHILD]);
}

GtkWidget *pp_zoom_bin_get_child(PpZoomBin *self)
{
    return self->child;
}

void pp_zoom_bin_set_zoom(PpZoomBin *self, double zoom)
{
    zoom = CLAMP(zoom, PP_ZOOM_MIN, PP_ZOOM_MAX);
    if (zoom == self->zoom)
        return;
    self->zoom = zoom;
    gtk_widget_queue_resize(GTK_WIDGET(self));
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_ZOOM]);
}

double pp_zoom_bin_get_zoom(PpZoomBin *self)
{
    return self->zoom;
}

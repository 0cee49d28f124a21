#include "pp-model-summary.h"

#include <string.h>

#include "model/families.h"

struct _PpModelSummary {
    GtkWidget parent_instance;
    GtkWidget *box;
    GtkLabel *title, *notes;
    GtkGrid *grid;
};

G_DEFINE_FINAL_TYPE(PpModelSummary, pp_model_summary, GTK_TYPE_WIDGET)

static void pp_model_summary_dispose(GObject *object)
{
    gtk_widget_dispose_template(GTK_WIDGET(object), PP_TYPE_MODEL_SUMMARY);
    G_OBJECT_CLASS(pp_model_summary_parent_class)->dispose(object);
}

static void pp_model_summary_class_init(PpModelSummaryClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
    G_OBJECT_CLASS(klass)->dispose = pp_model_summary_dispose;
    gtk_widget_class_set_template_from_resource(widget_class, "/io/github/PushPullStudio/pp-model-summary.ui");
    gtk_widget_class_bind_template_child(widget_class, PpModelSummary, box);
    gtk_widget_class_bind_template_child(widget_class, PpModelSummary, title);
    gtk_widget_class_bind_template_child(widget_class, PpModelSummary, notes);
    gtk_widget_class_bind_template_child(widget_class, PpModelSummary, grid);
    gtk_widget_class_set_layout_manager_type(widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void pp_model_summary_init(PpModelSummary *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
}

static void add_row(PpModelSummary *self, int row, const char *key, const char *value)
{
    GtkWidget *k = gtk_label_new(key), *v = gtk_label_new(value);
    gtk_label_set_xalign(GTK_LABEL(k), 1);
    gtk_label_set_yalign(GTK_LABEL(k), 0);
    gtk_widget_add_css_class(k, "dim-label");
    gtk_label_set_xalign(GTK_LABEL(v), 0);
    gtk_label_set_wrap(GTK_LABEL(v), TRUE);
    gtk_label_set_selectable(GTK_LABEL(v), TRUE);
    gtk_widget_set_hexpand(v, TRUE);
    gtk_grid_attach(self->grid, k, 0, row, 1, 1);
    gtk_grid_attach(self->grid, v, 1, row, 1, 1);
}

/* How the file was read (the loader's checkpoint.* metadata): format, where
 * the tensors were, and how many pickled objects were kept as text (listed
 * in the tooltip), as `pushpull info` shows them. */
static void add_source_row(PpModelSummary *self, int row, const pp_model *m)
{
    const char *format = pp_sd_meta_get(&m->meta, PP_SD_SOURCE_META "format");
    if (!format)
        return;
    const char *container = pp_sd_meta_get(&m->meta, PP_SD_SOURCE_META "container");
    const char *inert = pp_sd_meta_get(&m->meta, PP_SD_SOURCE_META "inert_objects");
    int objects = 0;
    for (const char *p = inert; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        objects++;
    GString *text = g_string_new(format);
    if (container && strcmp(container, "top level") != 0)
        g_string_append_printf(text, " · %s", container);
    if (objects)
        g_string_append_printf(text, " · %d object%s (not run)", objects, objects == 1 ? "" : "s");
    add_row(self, row, "File", text->str);
    if (objects) {
        char *tip = g_strdup_printf("Never run:\n%s", inert);
        gtk_widget_set_tooltip_text(gtk_grid_get_child_at(self->grid, 1, row), tip);
        g_free(tip);
    }
    g_string_free(text, TRUE);
}

void pp_model_summary_set_entry(PpModelSummary *self, PpModelEntry *entry)
{
    GtkWidget *child;
    while ((child = gtk_widget_get_first_child(GTK_WIDGET(self->grid))))
        gtk_grid_remove(self->grid, child);
    gtk_widget_set_visible(GTK_WIDGET(self->notes), FALSE);
    if (!entry) {
        gtk_label_set_text(self->title, "No model");
        return;
    }
    const pp_model *m = pp_model_entry_get_model(entry);
    const pp_arch *a = &m->arch;
    gtk_label_set_text(self->title, pp_model_entry_get_title(entry));
    gtk_widget_set_tooltip_text(GTK_WIDGET(self->title), pp_model_entry_get_path(entry));
    char buf[256];
    int row = 0;
    if (pp_arch_is_efficientnet(a))
        snprintf(buf, sizeof buf, "%s (MBConv blocks %d-%d-%d-%d-%d-%d-%d, head %d)", pp_arch_name(a),
                 a->effnet_blocks[0], a->effnet_blocks[1], a->effnet_blocks[2], a->effnet_blocks[3],
                 a->effnet_blocks[4], a->effnet_blocks[5], a->effnet_blocks[6], a->effnet_head);
    else if (pp_arch_stages(a) == 3)
        snprintf(buf, sizeof buf, "%s (%s blocks %d-%d-%d)", pp_arch_name(a),
                 a->block == PP_BLOCK_BASIC ? "basic" : "bottleneck", a->blocks[0], a->blocks[1], a->blocks[2]);
    else
        snprintf(buf, sizeof buf, "%s (%s blocks %d-%d-%d-%d%s)", pp_arch_name(a),
                 a->block == PP_BLOCK_BASIC ? "basic" : "bottleneck", a->blocks[0], a->blocks[1], a->blocks[2],
                 a->blocks[3], pp_arch_groups(a) > 1 ? ", grouped" : "");
    add_row(self, row++, "Architecture", buf);
    const pp_family *family = pp_family_of_arch(a);
    add_row(self, row++, "Family", family->name);
    gtk_widget_set_tooltip_text(gtk_grid_get_child_at(self->grid, 1, row - 1), family->description);
    if (a->blur_filter) {
        snprintf(buf, sizeof buf, "BlurPool, filter %d%s", a->blur_filter,
                 a->blur_stem ? ", stem blurred" : "");
        add_row(self, row++, "Anti-aliasing", buf);
    }
    if (pp_arch_is_efficientnet(a))
        snprintf(buf, sizeof buf, "3x3/2, width %d", a->width);
    else
        snprintf(buf, sizeof buf, "%s, width %d", pp_stem_name(a->stem), a->width);
    add_row(self, row++, "Stem", buf);
    snprintf(buf, sizeof buf, "%d (%s)", a->in_channels, a->in_channels == 1 ? "grey" : "colour");
    add_row(self, row++, "Input channels", buf);
    snprintf(buf, sizeof buf, "%d%s%s%s", a->num_classes, a->dataset[0] ? " · " : "", a->dataset,
             "");
    add_row(self, row++, "Classes", buf);
    long long n = (long long)pp_model_param_count(m);
    snprintf(buf, sizeof buf, "%lld (%.2f M)", n, n / 1e6);
    add_row(self, row++, "Parameters", buf);
    if (a->push_pull) {
        float lo, mean, hi;
        pp_model_alpha_stats(m, &lo, &mean, &hi);
        snprintf(buf, sizeof buf, "push-pull unit%s", a->conv1_bias ? ", bias" : "");
        add_row(self, row++, "First layer", buf);
        if (a->avg_kernel)
            snprintf(buf, sizeof buf, "%d×%d average", a->avg_kernel, a->avg_kernel);
        else
            snprintf(buf, sizeof buf, "none");
        add_row(self, row++, "Pull pooling", buf);
        add_row(self, row++, "α", a->alpha_trainable ? "trainable, per channel" : "fixed");
        snprintf(buf, sizeof buf, "%.3f / %.3f / %.3f", lo, mean, hi);
        add_row(self, row++, "α min/mean/max", buf);
    } else if (a->pp2020) {
        float lo, mean, hi;
        pp_model_alpha_stats(m, &lo, &mean, &hi);
        snprintf(buf, sizeof buf, "2020 push-pull layer, %d×%d push, %d×%d pull%s", m->pp2020.push.kh,
                 m->pp2020.push.kw, m->pp2020.pull.kh, m->pp2020.pull.kw, a->conv1_bias ? ", bias" : "");
        add_row(self, row++, "First layer", buf);
        add_row(self, row++, "α", a->alpha_trainable ? "trainable, per channel (ReLU(α))" : "fixed");
        snprintf(buf, sizeof buf, "%.3f / %.3f / %.3f", lo, mean, hi);
        add_row(self, row++, "α min/mean/max", buf);
    } else if (strcmp(a->family, "perturb_resnet") == 0) {
        snprintf(buf, sizeof buf, "%s (%d %s mask%s per channel, level %.3g)",
                 a->pnn.first_filter ? "3x3 convolution" : "noise masks + 1x1 convolution", a->pnn.masks,
                 a->pnn.unique ? "unique" : "shared", a->pnn.masks == 1 ? "" : "s", a->pnn.first_level);
        add_row(self, row++, "First layer", buf);
    } else {
        add_row(self, row++, "First layer", a->conv1_bias ? "plain convolution, bias" : "plain convolution");
    }
    const char *augment = pp_sd_meta_get(&m->meta, "train_augment");
    if (augment)
        add_row(self, row++, "Trained with", augment);
    add_row(self, row++, "Baseline", pp_model_entry_get_baseline(entry) ? "yes (marked)" : "no");
    add_source_row(self, row++, m);
    const char *notes = pp_model_entry_get_notes(entry);
    if (notes && *notes) {
        char *t = g_strstrip(g_strdup(notes));
        char *msg = g_strdup_printf("Assumed: %s", t);
        gtk_label_set_text(self->notes, msg);
        gtk_widget_set_visible(GTK_WIDGET(self->notes), TRUE);
        g_free(msg);
        g_free(t);
    }
}

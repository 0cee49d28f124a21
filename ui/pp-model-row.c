#include "pp-model-row.h"

struct _PpModelRow {
    GtkListBoxRow parent_instance;
    PpModelEntry *entry;
    GtkWidget *star;
    GtkWidget *overrides; /* "overrides: pooling 5×5 (file: 3×3)", hidden while the view is learned */
    GtkWidget *title;
};

G_DEFINE_FINAL_TYPE(PpModelRow, pp_model_row, GTK_TYPE_LIST_BOX_ROW)

enum { SIGNAL_BASELINE_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void pp_model_row_dispose(GObject *object)
{
    PpModelRow *self = PP_MODEL_ROW(object);
    if (self->entry)
        g_signal_handlers_disconnect_by_data(self->entry, self);
    g_clear_object(&self->entry);
    G_OBJECT_CLASS(pp_model_row_parent_class)->dispose(object);
}

static void pp_model_row_class_init(PpModelRowClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = pp_model_row_dispose;
    signals[SIGNAL_BASELINE_CHANGED] = g_signal_new("baseline-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void pp_model_row_init(PpModelRow *self)
{
    (void)self;
}

static void on_star_toggled(GtkToggleButton *button, PpModelRow *self)
{
    gboolean on = gtk_toggle_button_get_active(button);
    pp_model_entry_set_baseline(self->entry, on);
    gtk_button_set_icon_name(GTK_BUTTON(button), on ? "starred-symbolic" : "non-starred-symbolic");
    g_signal_emit(self, signals[SIGNAL_BASELINE_CHANGED], 0);
}

/* The views' alpha / pooling overrides, as the probe and the drawings use them. */
static void sync_overrides(PpModelEntry *entry, PpModelRow *self)
{
    char *o = pp_model_entry_describe_overrides(entry);
    char *text = o ? g_strdup_printf("overrides: %s", o) : NULL;
    gtk_label_set_text(GTK_LABEL(self->overrides), text ? text : "");
    gtk_widget_set_tooltip_text(self->overrides, text);
    gtk_widget_set_visible(self->overrides, o != NULL);
    g_free(text);
    g_free(o);
}

static void on_renamed(PpModelEntry *entry, PpModelRow *self)
{
    gtk_label_set_text(GTK_LABEL(self->title), pp_model_entry_get_title(entry));
    gtk_widget_set_tooltip_text(GTK_WIDGET(self), pp_model_entry_get_path(entry));
}

GtkWidget *pp_model_row_new(PpModelEntry *entry, PpModelRow *group)
{
    PpModelRow *self = g_object_new(PP_TYPE_MODEL_ROW, NULL);
    self->entry = g_object_ref(entry);
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
    gtk_widget_set_margin_top(box, 6);
    gtk_widget_set_margin_bottom(box, 6);
    gtk_widget_set_margin_start(box, 6);
    gtk_widget_set_margin_end(box, 6);
    GtkWidget *icon = gtk_image_new_from_icon_name(pp_model_entry_is_push_pull(entry) ? "view-grid-symbolic"
                                                                                      : "view-app-grid-symbolic");
    gtk_box_append(GTK_BOX(box), icon);
    GtkWidget *labels = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
    gtk_widget_set_hexpand(labels, TRUE);
    GtkWidget *title = self->title = gtk_label_new(pp_model_entry_get_title(entry));
    gtk_label_set_xalign(GTK_LABEL(title), 0);
    gtk_label_set_wrap(GTK_LABEL(title), TRUE); /* model names are never cut */
    gtk_label_set_wrap_mode(GTK_LABEL(title), PANGO_WRAP_WORD_CHAR);
    GtkWidget *sub = gtk_label_new(pp_model_entry_get_subtitle(entry));
    gtk_label_set_xalign(GTK_LABEL(sub), 0);
    gtk_label_set_wrap(GTK_LABEL(sub), TRUE);
    gtk_label_set_wrap_mode(GTK_LABEL(sub), PANGO_WRAP_WORD_CHAR);
    gtk_widget_add_css_class(sub, "dim-label");
    gtk_widget_add_css_class(sub, "caption");
    self->overrides = gtk_label_new(NULL);
    gtk_label_set_xalign(GTK_LABEL(self->overrides), 0);
    gtk_label_set_wrap(GTK_LABEL(self->overrides), TRUE);
    gtk_label_set_wrap_mode(GTK_LABEL(self->overrides), PANGO_WRAP_WORD_CHAR);
    gtk_widget_add_css_class(self->overrides, "caption");
    gtk_widget_add_css_class(self->overrides, "warning");
    gtk_box_append(GTK_BOX(labels), title);
    gtk_box_append(GTK_BOX(labels), sub);
    gtk_box_append(GTK_BOX(labels), self->overrides);
    sync_overrides(entry, self);
    g_signal_connect(entry, "view-changed", G_CALLBACK(sync_overrides), self);
    g_signal_connect(entry, "renamed", G_CALLBACK(on_renamed), self);
    gtk_box_append(GTK_BOX(box), labels);
    self->star = gtk_toggle_button_new();
    gtk_button_set_icon_name(GTK_BUTTON(self->star), "non-starred-symbolic");
    gtk_widget_set_tooltip_text(self->star, "Mark as the baseline: CE, mCE and R_net are measured against it");
    gtk_accessible_update_property(GTK_ACCESSIBLE(self->star), GTK_ACCESSIBLE_PROPERTY_LABEL, "Baseline", -1);
    gtk_widget_add_css_class(self->star, "flat");
    gtk_widget_set_valign(self->star, GTK_ALIGN_CENTER);
    if (group)
        gtk_toggle_button_set_group(GTK_TOGGLE_BUTTON(self->star), GTK_TOGGLE_BUTTON(group->star));
    g_signal_connect(self->star, "toggled", G_CALLBACK(on_star_toggled), self);
    gtk_box_append(GTK_BOX(box), self->star);
    /* move up / down, remove: win.model-* with the row's order number */
    GMenu *menu = g_menu_new();
    guint order = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(entry), "pp-order"));
    static const char *items[][2] = {{"Move _Up", "win.model-up"}, {"Move _Down", "win.model-down"},
                                     {"_Remove", "win.model-remove"}};
    for (size_t i = 0; i < G_N_ELEMENTS(items); i++) {
        GMenuItem *item = g_menu_item_new(items[i][0], NULL);
        g_menu_item_set_action_and_target_value(item, items[i][1], g_variant_new_uint32(order));
        g_menu_append_item(menu, item);
        g_object_unref(item);
    }
    GtkWidget *more = gtk_menu_button_new();
    gtk_menu_button_set_icon_name(GTK_MENU_BUTTON(more), "view-more-symbolic");
    gtk_menu_button_set_menu_model(GTK_MENU_BUTTON(more), G_MENU_MODEL(menu));
    gtk_widget_set_tooltip_text(more, "Move or remove this model");
    gtk_accessible_update_property(GTK_ACCESSIBLE(more), GTK_ACCESSIBLE_PROPERTY_LABEL, "Move or remove this model", -1);
    gtk_widget_add_css_class(more, "flat");
    gtk_widget_set_valign(more, GTK_ALIGN_CENTER);
    g_object_unref(menu);
    gtk_box_append(GTK_BOX(box), more);
    gtk_list_box_row_set_child(GTK_LIST_BOX_ROW(self), box);
    gtk_widget_set_tooltip_text(GTK_WIDGET(self), pp_model_entry_get_path(entry));
    return GTK_WIDGET(self);
}

PpModelEntry *pp_model_row_get_entry(PpModelRow *self)
{
    return self->entry;
}

void pp_model_row_set_baseline(PpModelRow *self, gboolean baseline)
{
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(self->star), baseline);
}

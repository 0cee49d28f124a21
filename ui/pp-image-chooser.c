#include "pp-image-chooser.h"

typedef struct {
    GtkWidget *widget;
    GtkNativeDialog **slot;
    void (*chosen)(GtkWidget *widget, const char *path);
} Chooser;

static void on_response(GtkNativeDialog *dialog, int response, Chooser *c)
{
    if (response == GTK_RESPONSE_ACCEPT) {
        GFile *file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
        char *path = file ? g_file_get_path(file) : NULL;
        if (path)
            c->chosen(c->widget, path);
        g_free(path);
        g_clear_object(&file);
    }
    if (*c->slot == dialog)
        g_clear_object(c->slot); /* the last reference: frees c too */
}

static void chooser_free(gpointer data, GClosure *closure)
{
    (void)closure;
    g_free(data);
}

void pp_image_chooser_open(GtkWidget *widget, const char *title, GtkNativeDialog **slot,
                           void (*chosen)(GtkWidget *widget, const char *path))
{
    GtkRoot *root = gtk_widget_get_root(widget);
    /* GTK 4.8: GtkFileDialog (4.10) is not there yet */
    GtkFileChooserNative *dialog = gtk_file_chooser_native_new(
        title, GTK_IS_WINDOW(root) ? GTK_WINDOW(root) : NULL, GTK_FILE_CHOOSER_ACTION_OPEN, "_Open", "_Cancel");
    GtkFileFilter *filter = gtk_file_filter_new();
    gtk_file_filter_set_name(filter, "Images (PNG, JPEG)");
    gtk_file_filter_add_mime_type(filter, "image/png");
    gtk_file_filter_add_mime_type(filter, "image/jpeg");
    gtk_file_filter_add_suffix(filter, "png");
    gtk_file_filter_add_suffix(filter, "jpg");
    gtk_file_filter_add_suffix(filter, "jpeg");
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(dialog), filter);
    g_object_unref(filter);
    Chooser *c = g_new0(Chooser, 1);
    c->widget = widget;
    c->slot = slot;
    c->chosen = chosen;
    g_signal_connect_data(dialog, "response", G_CALLBACK(on_response), c, chooser_free, 0);
    g_clear_object(slot);
    *slot = GTK_NATIVE_DIALOG(dialog);
    gtk_native_dialog_show(*slot);
}

#include "pp-augment-preview.h"

#include "augment/augment_grid.h"
#include "data/dataset.h"
#include "pp-texture-image.h"
#include "train/recipe.h"

typedef struct {
    char *dataset;
    pp_train_recipe recipe;
    pp_image sample; /* the data set's first image, when known */
    pp_image grid;
    char *error;
} Preview;

/* The first image of the last data set previewed (main thread only): changing
 * the method does not open the data set again. */
static char *cached_spec;
static pp_image cached_sample;

static void preview_free(gpointer data)
{
    Preview *p = data;
    g_free(p->dataset);
    pp_image_free(&p->sample);
    pp_image_free(&p->grid);
    g_free(p->error);
    g_free(p);
}

static void preview_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
    (void)source;
    Preview *p = data;
    pp_error err = {0};
    pp_status st = PP_OK;
    if (!p->sample.pixels) {
        pp_dataset ds;
        st = pp_dataset_open(&ds, p->dataset, true, &err);
        if (st == PP_OK) {
            st = ds.count > 0 ? pp_dataset_image(&ds, 0, &p->sample, &err)
                              : pp_fail(&err, PP_ERR_FORMAT, "%s has no images", p->dataset);
            pp_dataset_free(&ds);
        }
    }
    if (st == PP_OK && !g_cancellable_is_cancelled(cancellable))
        /* attacks depend on the weights of the moment: only the clean image to show */
        st = p->recipe.kind != PP_RECIPE_AUGMENT && p->recipe.kind != PP_RECIPE_STABILITY
                 ? pp_image_copy(&p->grid, &p->sample, &err)
                 : pp_augment_grid(&p->recipe.augment, 0, &p->sample, PP_AUGMENT_PREVIEW_SAMPLES, PP_AUGMENT_PREVIEW_SAMPLES + 1,
                                   &p->grid, &err);
    if (st != PP_OK)
        p->error = g_strdup(err.msg);
    g_task_return_boolean(task, TRUE);
}

static void preview_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GtkPicture *picture = GTK_PICTURE(source);
    (void)user_data;
    GTask *task = G_TASK(result);
    Preview *p = g_task_get_task_data(task);
    if (g_cancellable_is_cancelled(g_task_get_cancellable(task)))
        return;
    if (p->sample.pixels && g_strcmp0(cached_spec, p->dataset) != 0) {
        g_free(cached_spec);
        cached_spec = g_strdup(p->dataset);
        pp_image_free(&cached_sample);
        pp_error err = {0};
        pp_image_copy(&cached_sample, &p->sample, &err);
    }
    if (p->error) {
        gtk_picture_set_paintable(picture, NULL);
        gtk_widget_set_tooltip_text(GTK_WIDGET(picture), p->error);
        return;
    }
    /* small training images shown at about 56 px a tile, pixels kept sharp */
    int zoom = MAX(1, 56 / MAX(1, p->sample.height));
    GdkTexture *t = pp_texture_from_image(&p->grid, zoom);
    gtk_picture_set_paintable(picture, GDK_PAINTABLE(t));
    gtk_widget_set_size_request(GTK_WIDGET(picture), -1, MIN(p->grid.height * zoom, 64));
    const bool attack = p->recipe.kind != PP_RECIPE_AUGMENT && p->recipe.kind != PP_RECIPE_STABILITY &&
                        p->recipe.kind != PP_RECIPE_PLAIN;
    gtk_widget_set_tooltip_text(GTK_WIDGET(picture),
                                attack ? "Attacked images are made with the model's weights at each training step"
                                       : "The first training image, clean, then augmented samples");
    g_object_unref(t);
}

void pp_augment_preview_request(GtkPicture *picture, const char *dataset_spec, const char *augment_spec,
                                GCancellable **current)
{
    if (*current)
        g_cancellable_cancel(*current);
    g_clear_object(current);
    Preview *p = g_new0(Preview, 1);
    p->dataset = g_strdup(dataset_spec);
    pp_error err = {0};
    if (pp_train_recipe_parse(&p->recipe, augment_spec, false, &err) != PP_OK) {
        gtk_widget_set_tooltip_text(GTK_WIDGET(picture), err.msg);
        preview_free(p);
        return;
    }
    if (cached_spec && g_strcmp0(cached_spec, dataset_spec) == 0)
        pp_image_copy(&p->sample, &cached_sample, &err);
    *current = g_cancellable_new();
    GTask *task = g_task_new(picture, *current, preview_done, NULL);
    g_task_set_task_data(task, p, preview_free);
    g_task_run_in_thread(task, preview_thread);
    g_object_unref(task);
}

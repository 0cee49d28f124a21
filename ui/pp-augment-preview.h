/* The jobs view's preview of a training augmentation: the first image of the
 * training data set, clean, then a few augmented samples (the same seeds as
 * `pushpull augment --grid`), computed off the main thread; latest wins. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PP_AUGMENT_PREVIEW_SAMPLES 5

/* Shows in `picture` the preview of `augment_spec` ("none", "augmix", ...,
 * "stability") on data set `dataset_spec`; cancels the previous request held
 * in *current. On an error the picture is cleared and its tooltip says why. */
void pp_augment_preview_request(GtkPicture *picture, const char *dataset_spec, const char *augment_spec,
                                GCancellable **current);

G_END_DECLS

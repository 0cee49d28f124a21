/* The probe view's Stability panel: a perturbation sequence (ImageNet-P /
 * CIFAR-10-P, or the repeatability set) played on the current image frame by
 * frame (play / pause / scrub), each loaded model's top-1 class per frame as a
 * strip of colours with the flips marked and the image's flip probability, and
 * the repeatability set in one click. Sequences and forward passes run off the
 * main thread (GTask, latest wins). */
#pragma once

#include <gtk/gtk.h>
#include <stdio.h>

G_BEGIN_DECLS

#define PP_TYPE_STABILITY_PANEL (pp_stability_panel_get_type())
G_DECLARE_FINAL_TYPE(PpStabilityPanel, pp_stability_panel, PP, STABILITY_PANEL, GtkWidget)

GtkWidget *pp_stability_panel_new(void);
/* The models (PpModelEntry*, copied) and the image file the sequence starts from. */
void pp_stability_panel_set_entries(PpStabilityPanel *self, GPtrArray *entries);
void pp_stability_panel_set_image(PpStabilityPanel *self, const char *path);
void pp_stability_panel_set_seed(PpStabilityPanel *self, guint64 seed);
/* FALSE when there is no perturbation of that name. */
gboolean pp_stability_panel_set_perturbation(PpStabilityPanel *self, const char *name);
void pp_stability_panel_set_frame(PpStabilityPanel *self, int frame);
void pp_stability_panel_toggle_play(PpStabilityPanel *self);
/* Runs the repeatability set (JPEG re-saves, 1-pixel shifts, +-1 % light, sensor noise) on every model. */
void pp_stability_panel_run_repeatability(PpStabilityPanel *self);
gboolean pp_stability_panel_is_busy(PpStabilityPanel *self);
/* Per model: the top-1 strip as class numbers, the flip probability, and the repeatability result. */
void pp_stability_panel_print(PpStabilityPanel *self, FILE *out);

G_END_DECLS

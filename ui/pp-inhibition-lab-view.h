/* The inhibition lab (teaching, no trained model needed): one PushPull unit
 * built by hand — a Gabor push kernel (orientation, spatial frequency, phase,
 * size), its pull kernel by the paper's rule, alpha and the pull pooling —
 * applied to a bundled photograph under any corruption; push response, pull
 * response and output side by side with their SNRs and a sentence saying what
 * the learner sees. Computed off the main thread, latest wins. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PP_TYPE_INHIBITION_LAB_VIEW (pp_inhibition_lab_view_get_type())
G_DECLARE_FINAL_TYPE(PpInhibitionLabView, pp_inhibition_lab_view, PP, INHIBITION_LAB_VIEW, GtkWidget)

/* FALSE when there is no corruption of that name. */
gboolean pp_inhibition_lab_view_set_corruption(PpInhibitionLabView *self, const char *name);
void pp_inhibition_lab_view_set_severity(PpInhibitionLabView *self, double severity);
void pp_inhibition_lab_view_set_seed(PpInhibitionLabView *self, guint64 seed);
void pp_inhibition_lab_view_set_alpha(PpInhibitionLabView *self, double alpha);
/* 0, 3 or 5; other values are ignored. */
void pp_inhibition_lab_view_set_pooling(PpInhibitionLabView *self, int avg);
/* Orientation in degrees, spatial frequency in cycles per pixel, phase in
 * degrees, odd size; a negative value keeps that parameter. */
void pp_inhibition_lab_view_set_gabor(PpInhibitionLabView *self, double orientation, double frequency,
                                      double phase, int size);
/* A bundled photograph by name (camera, astronaut, coffee) or any PNG/JPEG
 * path; FALSE (and nothing changes) when it cannot be read. */
gboolean pp_inhibition_lab_view_set_photo(PpInhibitionLabView *self, const char *name_or_path, GError **error);
/* TRUE while an update runs or is queued. */
gboolean pp_inhibition_lab_view_is_busy(PpInhibitionLabView *self);
/* The figure (title line, kernels, inputs, responses with SNRs, explanation). */
void pp_inhibition_lab_view_draw(GtkWidget *widget, cairo_t *cr, int width, int height);
/* Writes the figure at the view's width (.png/.svg/.pdf) or the numbers (.csv:
 * one row per response with the unit's parameters and its SNR). */
gboolean pp_inhibition_lab_view_export(PpInhibitionLabView *self, const char *path, GError **error);
char *pp_inhibition_lab_view_to_csv(PpInhibitionLabView *self);
/* The sentence on screen. */
const char *pp_inhibition_lab_view_get_explanation(PpInhibitionLabView *self);

G_END_DECLS

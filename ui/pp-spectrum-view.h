/* Spectra of one kernel: log-magnitude 2-D spectra (zero-padded to 64x64, DC
 * centred) of the push, pull and effective kernels, their radial profiles in
 * one plot, and a low/band/high-pass label for each. Multi-channel kernels are
 * summed over input channels (the response to a grey-level input). Redraws
 * when the entry's alpha / pooling view changes. */
#pragma once

#include <gtk/gtk.h>

#include "pp-model-entry.h"

G_BEGIN_DECLS

#define PP_TYPE_SPECTRUM_VIEW (pp_spectrum_view_get_type())
G_DECLARE_FINAL_TYPE(PpSpectrumView, pp_spectrum_view, PP, SPECTRUM_VIEW, GtkWidget)

#define PP_SPECTRUM_VIEW_N 64

GtkWidget *pp_spectrum_view_new(void);
void pp_spectrum_view_set_entry(PpSpectrumView *self, PpModelEntry *entry);
void pp_spectrum_view_set_kernel(PpSpectrumView *self, int k);
void pp_spectrum_view_draw(GtkWidget *widget, cairo_t *cr, int width, int height);
/* Radial profiles (frequency, push, pull, effective in dB) as CSV. */
char *pp_spectrum_view_to_csv(PpSpectrumView *self);

G_END_DECLS

/* What the studio's terms mean: one glossary that feeds the tooltips and the
 * help window (F1), plus the link to the paper. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PP_PAPER_URI "https://arxiv.org/abs/2408.04077"
#define PP_PAPER_CITE "Bennabhaktula, Alegre, Strisciuglio, Azzopardi: PushPull-Net: Inhibition-driven ResNet robust to image corruptions, ICPR 2024 (arXiv:2408.04077)"

/* The band-pass rule of core/analysis/spectrum.h, in one sentence. */
#define PP_BAND_RULE                                                                                                   \
    "Label rule: f is the place of the radial profile's peak between DC (0) and Nyquist (1); f ≤ 0.2 low-pass, "   \
    "f ≥ 0.8 high-pass, otherwise band-pass unless DC (or Nyquist alone) stays within 70 % of the peak"

/* The explanation of a term ("push", "pull", "alpha", "effective", "fft",
 * "band", "snr", "ce", "mce", "relative-ce", "rnet", "severity", "preset"),
 * or NULL. Plain text, fit for a tooltip. */
const char *pp_help_term(const char *key);

/* Sets the widget's tooltip to the explanations of the keys (NULL-terminated),
 * one paragraph each. */
void pp_help_set_tooltip(GtkWidget *widget, ...) G_GNUC_NULL_TERMINATED;

/* The help window: the glossary and the paper. */
void pp_help_show(GtkWindow *parent);

G_END_DECLS

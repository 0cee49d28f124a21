/* The jobs view's stability result: per test perturbation the flip probability
 * (and the ★ baseline's), FR = FP / FP_baseline coloured like the CE table, the
 * top-5 distance, then mFR / mT5D (or the mean FP without a baseline). */
#pragma once

#include <gtk/gtk.h>

#include "eval/evaluate_p.h"
#include "pp-plot.h"

G_BEGIN_DECLS

/* base may be NULL. */
void pp_stability_table_draw(GtkWidget *w, cairo_t *cr, int width, int height, const PpPlotColors *c,
                             const pp_eval_p_result *model, const pp_eval_p_result *base);
/* perturbation,fp,baseline_fp,fr,t5d,baseline_t5d,t5d_ratio rows, then mFR and mT5D. */
char *pp_stability_table_csv(const pp_eval_p_result *model, const pp_eval_p_result *base);
/* The FR / CE colour: green below 1 (better than the baseline), red above. */
void pp_ratio_colour(double ratio, const PpPlotColors *c, double rgba[4]);

G_END_DECLS

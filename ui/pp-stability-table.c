#include "pp-stability-table.h"

#include <math.h>

#include "number_text.h"
#include "pp-score-table.h"

void pp_ratio_colour(double ratio, const PpPlotColors *c, double rgba[4])
{
    /* green below 100 % of the baseline, red above; stronger further away */
    gboolean dark = (c->fg.red + c->fg.green + c->fg.blue) > 1.5f;
    double t = CLAMP(fabs(ratio - 1) / 0.4, 0, 1);
    if (ratio < 1) {
        rgba[0] = dark ? 0.15 : 0.18, rgba[1] = dark ? 0.65 : 0.63, rgba[2] = dark ? 0.35 : 0.30;
    } else {
        rgba[0] = dark ? 0.88 : 0.85, rgba[1] = dark ? 0.27 : 0.15, rgba[2] = dark ? 0.25 : 0.15;
    }
    rgba[3] = 0.12 + 0.5 * t;
}

typedef struct {
    pp_stability_row m[PP_STABILITY_MAX_ROWS], b[PP_STABILITY_MAX_ROWS];
    int nm, nb;
    pp_stability_summary s;
} table_data;

static void table_compute(const pp_eval_p_result *model, const pp_eval_p_result *base, table_data *t)
{
    t->nm = pp_eval_p_rows(model, t->m, PP_STABILITY_MAX_ROWS);
    t->nb = base ? pp_eval_p_rows(base, t->b, PP_STABILITY_MAX_ROWS) : 0;
    if (pp_stability_summarize(t->m, t->nm, base ? t->b : NULL, t->nb, &t->s, NULL) != PP_OK)
        memset(&t->s, 0, sizeof t->s);
}

static double base_value(const table_data *t, const char *name, gboolean fp)
{
    for (int k = 0; k < t->nb; k++)
        if (strcmp(t->b[k].name, name) == 0)
            return fp ? t->b[k].fp : t->b[k].t5d;
    return NAN;
}

void pp_stability_table_draw(GtkWidget *w, cairo_t *cr, int width, int height, const PpPlotColors *c,
                             const pp_eval_p_result *model, const pp_eval_p_result *base)
{
    table_data t;
    table_compute(model, base, &t);
    char *title = base ? g_strdup_printf("Stability of %s against ★ %s", model->model, base->model)
                       : g_strdup_printf("Stability of %s (star a baseline for flip rates)", model->model);
    char *info = g_strdup_printf("%s · first %lld samples · %d perturbation sequences each · %s", model->dataset,
                                 (long long)model->samples, model->n, model->source);
    const char *heads[] = {"Perturbation", base ? "Baseline FP" : "", "FP", base ? "FR" : "", "T5D",
                           base ? "T5D ratio" : ""};
    const double colx[] = {0, 280, 380, 480, 580, 690};
    PpScoreTable st;
    pp_score_table_begin(&st, cr, w, width, height, t.nm, 90, title, info, heads, colx, 6, 1, 700, 96, c);
    g_free(title);
    g_free(info);
    const GdkRGBA *colors[] = {NULL, &st.sub, NULL, NULL, NULL, NULL};
    for (int i = 0; i < t.nm; i++) {
        double ratios[2] = {t.s.fr[i], t.s.t5d[i]};
        for (int k = 0; k < 2 && base; k++)
            if (isfinite(ratios[k])) {
                double rgba[4];
                pp_ratio_colour(ratios[k], c, rgba);
                pp_score_table_cell(&st, cr, 3 + 2 * k, rgba);
            }
        char v[5][32];
        snprintf(v[0], 32, "%.4f", base_value(&t, t.m[i].name, TRUE));
        snprintf(v[1], 32, "%.4f", t.m[i].fp);
        snprintf(v[2], 32, isfinite(ratios[0]) ? "%.1f %%" : "—", 100 * ratios[0]);
        snprintf(v[3], 32, isfinite(t.m[i].t5d) ? "%.3f" : "—", t.m[i].t5d);
        snprintf(v[4], 32, isfinite(ratios[1]) ? "%.1f %%" : "—", 100 * ratios[1]);
        const char *cells[] = {t.m[i].name, base ? v[0] : NULL, v[1], base ? v[2] : NULL, v[3], base ? v[4] : NULL};
        pp_score_table_row(&st, cr, w, cells, colors, c);
    }
    char *line;
    if (!base)
        line = g_strdup_printf("mean FP %.4f over the test perturbations", t.s.mean_fp);
    else if (t.s.test_used)
        line = g_strdup_printf("mFR %.1f %% (over the %d test perturbations the baseline flips on)   ·   "
                               "mT5D %.1f %%   ·   mean FP %.4f",
                               100 * t.s.mfr, t.s.test_used, 100 * t.s.mt5d, t.s.mean_fp);
    else
        line = g_strdup_printf("mFR —: the baseline never flipped on these samples (more samples give rates)   ·   "
                               "mT5D %.1f %%   ·   mean FP %.4f",
                               100 * t.s.mt5d, t.s.mean_fp);
    pp_score_table_end(&st, cr, w, line,
                       "FP: how often the top-1 class changes from frame to frame (noise: against the clean frame). "
                       "FR = FP ÷ the baseline's. Green: steadier, red: less steady.",
                       c);
    g_free(line);
}

char *pp_stability_table_csv(const pp_eval_p_result *model, const pp_eval_p_result *base)
{
    table_data t;
    table_compute(model, base, &t);
    GString *s = g_string_new("perturbation,fp,baseline_fp,fr,t5d,baseline_t5d,t5d_ratio\n");
    char n[6][32];
    for (int i = 0; i < t.nm; i++) {
        double v[6] = {t.m[i].fp, base_value(&t, t.m[i].name, TRUE), t.s.fr[i], t.m[i].t5d,
                       base_value(&t, t.m[i].name, FALSE), t.s.t5d[i]};
        for (int k = 0; k < 6; k++)
            pp_csv_number(n[k], sizeof n[k], v[k], 6);
        g_string_append_printf(s, "%s,%s,%s,%s,%s,%s,%s\n", t.m[i].name, n[0], n[1], n[2], n[3], n[4], n[5]);
    }
    g_string_append_printf(s, "mFR,%s,,,,,\n", pp_csv_number(n[0], sizeof n[0], t.s.mfr, 6));
    g_string_append_printf(s, "mT5D,%s,,,,,\n", pp_csv_number(n[0], sizeof n[0], t.s.mt5d, 6));
    return g_string_free(s, FALSE);
}

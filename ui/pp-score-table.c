#include "pp-score-table.h"

#include <string.h>

static double column_x(const PpScoreTable *t, int i)
{
    return t->x0 + t->colx[i] - (i >= t->text_cols ? 4 : 0);
}

static PpAlign column_align(const PpScoreTable *t, int i)
{
    return i >= t->text_cols ? PP_ALIGN_END : PP_ALIGN_START;
}

static void rule(const PpScoreTable *t, cairo_t *cr, double y, const PpPlotColors *c)
{
    pp_plot_set_color(cr, &c->dim);
    cairo_rectangle(cr, t->x0, y, t->table_w, 1);
    cairo_fill(cr);
}

void pp_score_table_begin(PpScoreTable *t, cairo_t *cr, GtkWidget *w, int width, int height, int n_rows,
                          double reserve, const char *title, const char *info, const char *const *heads,
                          const double *colx, int n_cols, int text_cols, double table_w, double cell_w,
                          const PpPlotColors *c)
{
    memset(t, 0, sizeof *t);
    t->n_cols = MIN(n_cols, PP_SCORE_TABLE_COLS);
    t->text_cols = text_cols;
    memcpy(t->colx, colx, sizeof(double) * t->n_cols);
    t->table_w = table_w;
    t->cell_w = cell_w;
    t->width = width;
    t->row = MIN(22, (height - reserve) / (n_rows + 3.0));
    t->scale = t->row >= 20 ? 1.0 : t->row / 20;
    t->text_scale = 0.9 * t->scale;
    t->x0 = MAX(0, (width - table_w) / 2);
    pp_plot_secondary(c, &t->sub);
    pp_plot_text_max(cr, w, title, 0, 0, width, 1.0, TRUE, &c->fg);
    pp_plot_text_max(cr, w, info, 0, 22, width, 0.85, FALSE, &t->sub);
    t->y = 52;
    for (int i = 0; i < t->n_cols; i++)
        pp_plot_text(cr, w, heads[i], column_x(t, i), t->y, column_align(t, i), t->text_scale, TRUE, &c->fg);
    t->y += t->row + 2;
    rule(t, cr, t->y - 3, c);
}

void pp_score_table_cell(const PpScoreTable *t, cairo_t *cr, int col, const double rgba[4])
{
    cairo_set_source_rgba(cr, rgba[0], rgba[1], rgba[2], rgba[3]);
    cairo_rectangle(cr, t->x0 + t->colx[col] - t->cell_w, t->y, t->cell_w, t->row - 2);
    cairo_fill(cr);
}

void pp_score_table_row(PpScoreTable *t, cairo_t *cr, GtkWidget *w, const char *const *cells,
                        const GdkRGBA *const *colors, const PpPlotColors *c)
{
    double ty = t->y + (t->row - 2 - 16 * t->text_scale) / 2 - 1;
    for (int i = 0; i < t->n_cols; i++)
        if (cells[i])
            pp_plot_text(cr, w, cells[i], column_x(t, i), ty, column_align(t, i), t->text_scale, FALSE,
                         colors && colors[i] ? colors[i] : &c->fg);
    t->y += t->row;
}

void pp_score_table_end(PpScoreTable *t, cairo_t *cr, GtkWidget *w, const char *summary, const char *note,
                        const PpPlotColors *c)
{
    rule(t, cr, t->y + 1, c);
    t->y += 8;
    pp_plot_text_max(cr, w, summary, t->x0, t->y, t->width - t->x0, 0.9 * t->scale, TRUE, &c->fg);
    t->y += t->row + 4;
    pp_plot_text_max(cr, w, note, t->x0, t->y, t->width - t->x0, 0.8 * t->scale, FALSE, &t->sub);
}

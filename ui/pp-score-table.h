/* The score tables of the Jobs view (corruption errors) and the Stability
 * tab (flip rates), drawn the same way: a title and an info line, column
 * heads over a rule, one row per corruption or perturbation with coloured
 * cells behind the scores, a rule, a bold summary line and a note. Text
 * columns are left-aligned at their x, number columns right-aligned there. */
#pragma once

#include "pp-plot.h"

G_BEGIN_DECLS

#define PP_SCORE_TABLE_COLS 6

typedef struct {
    double x0, y, row, scale, text_scale;
    double colx[PP_SCORE_TABLE_COLS]; /* text: its left edge; a number: its right edge */
    int n_cols, text_cols;            /* the first text_cols are text */
    double table_w, cell_w;
    int width;
    GdkRGBA sub;                      /* the secondary text colour */
} PpScoreTable;

/* Draws the title, the info line and the heads ("" for none); rows are
 * at most 22 px, fewer when n_rows and `reserve` px must fit in height. */
void pp_score_table_begin(PpScoreTable *t, cairo_t *cr, GtkWidget *w, int width, int height, int n_rows,
                          double reserve, const char *title, const char *info, const char *const *heads,
                          const double *colx, int n_cols, int text_cols, double table_w, double cell_w,
                          const PpPlotColors *c);
/* A coloured cell behind column col of the next row. */
void pp_score_table_cell(const PpScoreTable *t, cairo_t *cr, int col, const double rgba[4]);
/* The next row: cells[i] (NULL: none) in colors[i] (NULL: the foreground). */
void pp_score_table_row(PpScoreTable *t, cairo_t *cr, GtkWidget *w, const char *const *cells,
                        const GdkRGBA *const *colors, const PpPlotColors *c);
/* The closing rule, the summary line (bold) and the note under it. */
void pp_score_table_end(PpScoreTable *t, cairo_t *cr, GtkWidget *w, const char *summary, const char *note,
                        const PpPlotColors *c);

G_END_DECLS

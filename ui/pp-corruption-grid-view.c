#include "pp-corruption-grid-view.h"

#include <math.h>
#include <string.h>

#include "corrupt/corruption.h"
#include "pp-image-paint.h"
#include "pp-latest-job.h"
#include "pp-template-dispose.h"
#include "pp-plot.h"
#include "pp-thread-budget.h"
#include "probe.h"

#define PLAY_INTERVAL_MS 150
#define PLAY_STEP 0.25

/* The probes of one (image, models) pair: clean sides computed once. A task
 * owns the cache while it runs; the view holds it in between. */
typedef struct {
    char *image_path;
    GPtrArray *entries; /* PpModelEntry refs */
    pp_probe *probes;   /* (entries->len) */
} GridCache;

typedef struct {
    const pp_corruption *corruption;
    pp_image thumb; /* what the first model receives */
    int *top1;      /* (models) */
    float *prob;    /* (models) */
} GridCell;

/* One update: a snapshot of the inputs and, once run, one cell per corruption. */
typedef struct {
    char *image_path;
    GPtrArray *entries;
    double severity;
    guint64 seed;
    GridCache *cache;
    GridCell *cells; /* (n_cells) */
    int n_cells;
    int *clean_top1; /* (models) */
} GridJob;

struct _PpCorruptionGridView {
    GtkWidget parent_instance;

    GtkAdjustment *severity_adjustment;
    GtkToggleButton *play_button;
    GtkDrawingArea *grid;

    GPtrArray *entries; /* PpModelEntry refs */
    char *image_path;
    guint64 seed;
    char *selected; /* highlighted corruption */
    int focus;      /* the cell the arrow keys move (Enter activates it) */
    gboolean exporting;

    PpLatestJob *updates;  /* latest wins (pp-latest-job.h) */
    GridCache *cache;      /* NULL while a job holds it */
    GridJob *shown;
    guint play_source;
};

G_DEFINE_FINAL_TYPE(PpCorruptionGridView, pp_corruption_grid_view, GTK_TYPE_WIDGET)

enum { SIGNAL_CORRUPTION_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- worker side ---- */

static void cache_free(GridCache *c)
{
    if (!c)
        return;
    for (guint i = 0; c->probes && i < c->entries->len; i++)
        pp_probe_free(&c->probes[i]);
    g_free(c->probes);
    g_ptr_array_unref(c->entries);
    g_free(c->image_path);
    g_free(c);
}

static gboolean cache_matches(const GridCache *c, const char *path, GPtrArray *entries)
{
    if (!c || g_strcmp0(c->image_path, path) || c->entries->len != entries->len)
        return FALSE;
    for (guint i = 0; i < entries->len; i++)
        if (c->entries->pdata[i] != entries->pdata[i])
            return FALSE;
    return TRUE;
}

static GPtrArray *entries_copy(GPtrArray *src)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(g_object_unref);
    for (guint i = 0; src && i < src->len; i++)
        g_ptr_array_add(a, g_object_ref(src->pdata[i]));
    return a;
}

static GridCache *cache_new(const char *path, GPtrArray *entries, GError **error)
{
    pp_error err = {0};
    pp_image img;
    if (pp_image_load(path, &img, &err) != PP_OK) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", err.msg);
        return NULL;
    }
    GridCache *c = g_new0(GridCache, 1);
    c->image_path = g_strdup(path);
    c->entries = entries_copy(entries);
    c->probes = g_new0(pp_probe, entries->len);
    for (guint i = 0; i < entries->len; i++)
        if (pp_probe_init(&c->probes[i], pp_model_entry_get_model(entries->pdata[i]), &img,
                          pp_thread_budget_interactive(), &err) != PP_OK) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s",
                        pp_model_entry_get_title(entries->pdata[i]), err.msg);
            g_ptr_array_set_size(c->entries, i);
            cache_free(c);
            pp_image_free(&img);
            return NULL;
        }
    pp_image_free(&img);
    return c;
}

static void grid_job_free(gpointer data)
{
    GridJob *job = data;
    if (!job)
        return;
    for (int i = 0; i < job->n_cells; i++) {
        pp_image_free(&job->cells[i].thumb);
        g_free(job->cells[i].top1);
        g_free(job->cells[i].prob);
    }
    g_free(job->cells);
    g_free(job->clean_top1);
    cache_free(job->cache);
    if (job->entries)
        g_ptr_array_unref(job->entries);
    g_free(job->image_path);
    g_free(job);
}

static bool is_cancelled(void *data)
{
    return g_cancellable_is_cancelled(data);
}

static gboolean grid_run(PpLatestRun *run, gpointer data, GCancellable *cancellable, GError **error)
{
    (void)run;
    GridJob *job = data;
    if (!cache_matches(job->cache, job->image_path, job->entries)) {
        cache_free(job->cache);
        job->cache = cache_new(job->image_path, job->entries, error);
        if (!job->cache)
            return FALSE;
    }
    const guint models = job->entries->len;
    job->clean_top1 = g_new0(int, models);
    for (guint j = 0; j < models; j++)
        job->clean_top1[j] = job->cache->probes[j].clean_top1;
    const int n = (int)pp_corruption_count();
    job->cells = g_new0(GridCell, n);
    pp_corruption_request req = {
        .severity = job->severity, .seed = job->seed, .cancel = is_cancelled, .cancel_ctx = cancellable};
    for (guint j = 0; j < models; j++) /* fewer while a job runs */
        pp_probe_set_threads(&job->cache->probes[j], pp_thread_budget_interactive());
    for (int i = 0; i < n; i++) {
        GridCell *cell = &job->cells[i];
        cell->corruption = pp_corruption_at(i);
        cell->top1 = g_new0(int, models);
        cell->prob = g_new0(float, models);
        job->n_cells = i + 1;
        for (guint j = 0; j < models; j++) {
            if (g_cancellable_is_cancelled(cancellable))
                return FALSE;
            pp_probe_result r = {0};
            pp_error err = {0};
            if (pp_probe_run(&job->cache->probes[j], cell->corruption, &req, &r, &err) != PP_OK) {
                pp_probe_result_free(&r);
                if (err.status != PP_ERR_CANCELLED && !g_cancellable_is_cancelled(cancellable))
                    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s, %s: %s",
                                pp_model_entry_get_title(job->entries->pdata[j]), cell->corruption->name, err.msg);
                return FALSE;
            }
            cell->top1[j] = r.top_class[0];
            cell->prob[j] = r.top_prob[0];
            if (j == 0)
                pp_image_copy(&cell->thumb, &r.corrupted, &err);
            pp_probe_result_free(&r);
        }
    }
    return TRUE;
}

static void update_height(PpCorruptionGridView *self, int width);
static void update_accessible(PpCorruptionGridView *self);

static void grid_done(gpointer view, gpointer data, gboolean latest, const GError *error)
{
    PpCorruptionGridView *self = view;
    GridJob *job = data;
    /* the cache comes back whatever happened */
    if (!self->cache && job->cache) {
        self->cache = job->cache;
        job->cache = NULL;
    }
    if (latest) {
        GridJob *keep = g_new0(GridJob, 1);
        *keep = *job;
        memset(job, 0, sizeof *job);
        grid_job_free(self->shown);
        self->shown = keep;
        self->focus = MIN(self->focus, MAX(keep->n_cells - 1, 0));
        update_accessible(self);
        update_height(self, gtk_widget_get_width(GTK_WIDGET(self->grid)));
        gtk_widget_queue_draw(GTK_WIDGET(self->grid));
    } else if (error && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        g_warning("corruption grid: %s", error->message);
    }
}

/* The job for the inputs now (main thread), or NULL. */
static gpointer grid_make(gpointer view)
{
    PpCorruptionGridView *self = view;
    if (!self->image_path || !self->entries->len) {
        grid_job_free(self->shown);
        self->shown = NULL;
        gtk_widget_queue_draw(GTK_WIDGET(self->grid));
        return NULL;
    }
    GridJob *job = g_new0(GridJob, 1);
    job->image_path = g_strdup(self->image_path);
    job->entries = entries_copy(self->entries);
    job->severity = gtk_adjustment_get_value(self->severity_adjustment);
    job->seed = self->seed;
    job->cache = self->cache;
    self->cache = NULL;
    return job;
}

/* Latest wins: a running update is cancelled and the newest inputs queued. */
/* computed when the view is shown: no work for a hidden page */
static void request_update(PpCorruptionGridView *self)
{
    pp_latest_job_request_shown(self->updates, TRUE);
}

/* ---- layout and drawing ---- */

typedef struct {
    int cols, rows;
    double cell_w, cell_h, thumb, gap, header_h, total;
} Layout;

static int model_count(PpCorruptionGridView *self)
{
    return self->shown ? (int)self->shown->entries->len : (int)self->entries->len;
}

static void layout_for(PpCorruptionGridView *self, int width, Layout *l)
{
    const int n = (int)pp_corruption_count();
    l->gap = 14;
    l->header_h = 42 + 18 * model_count(self) + 8;
    l->cols = MAX(1, (int)((width + l->gap) / (150 + l->gap)));
    l->cols = MIN(l->cols, n);
    l->rows = (n + l->cols - 1) / l->cols;
    l->cell_w = (width - (l->cols - 1) * l->gap) / l->cols;
    l->thumb = MIN(l->cell_w, 150);
    l->cell_h = l->thumb + 4 + 18 + 17 * model_count(self) + 4;
    l->total = l->header_h + l->rows * l->cell_h + (l->rows - 1) * l->gap + 2;
}

static void update_height(PpCorruptionGridView *self, int width)
{
    if (width <= 0)
        return;
    Layout l;
    layout_for(self, width, &l);
    int h = (int)ceil(l.total);
    if (gtk_drawing_area_get_content_height(self->grid) != h)
        gtk_drawing_area_set_content_height(self->grid, h);
}

static void on_grid_resize(GtkDrawingArea *area, int width, int height, PpCorruptionGridView *self)
{
    (void)area;
    (void)height;
    update_height(self, width);
}

static const char *class_name(GridJob *job, guint model, int index)
{
    return pp_model_class_name(pp_model_entry_get_model(job->entries->pdata[model]), index);
}

static gboolean widget_is_focused(PpCorruptionGridView *self)
{
    return gtk_widget_has_focus(GTK_WIDGET(self->grid));
}

void pp_corruption_grid_view_draw(GtkWidget *widget, cairo_t *cr, int width, int height)
{
    (void)height;
    PpCorruptionGridView *self = PP_CORRUPTION_GRID_VIEW(widget);
    PpPlotColors c;
    pp_plot_colors(widget, &c);
    GdkRGBA red;
    gboolean dark = (c.fg.red + c.fg.green + c.fg.blue) > 1.5f;
    gdk_rgba_parse(&red, dark ? "#ff7b63" : "#c01c28");
    GridJob *job = self->shown;
    if (!job) {
        pp_plot_text(cr, widget, self->entries->len ? "Corrupting the image…" : "Open a model to see its predictions.",
                     0, 0, PP_ALIGN_START, 1.0, FALSE, &c.fg);
        return;
    }
    Layout l;
    layout_for(self, width, &l);
    char *name = g_path_get_basename(job->image_path);
    const pp_image *t0 = job->n_cells ? &job->cells[0].thumb : NULL;
    char *title = g_strdup_printf("%s under every corruption at severity %.2f (seed %" G_GUINT64_FORMAT ")", name,
                                  job->severity, job->seed);
    char *title2 = g_strdup_printf("Thumbnails: model 1's input (%d×%d%s, enlarged). Red ✗: the top-1 differs from the "
                                   "clean top-1.",
                                   t0 ? t0->width : 0, t0 ? t0->height : 0, t0 && t0->channels == 1 ? " gray" : "");
    pp_plot_text_max(cr, widget, title, 0, 0, width, 0.95, TRUE, &c.fg);
    pp_plot_text_max(cr, widget, title2, 0, 20, width, 0.85, FALSE, &c.fg);
    g_free(title);
    g_free(title2);
    g_free(name);
    for (guint j = 0; j < job->entries->len; j++) {
        char *line = g_strdup_printf("%u  %s: clean top-1 %s", j + 1, pp_model_entry_get_title(job->entries->pdata[j]),
                                     class_name(job, j, job->clean_top1[j]));
        pp_plot_text_max(cr, widget, line, 0, 42 + 18 * j, width, 0.85, FALSE, &c.fg);
        g_free(line);
    }
    for (int i = 0; i < job->n_cells; i++) {
        GridCell *cell = &job->cells[i];
        int col = i % l.cols, row = i / l.cols;
        double x = col * (l.cell_w + l.gap), y = l.header_h + row * (l.cell_h + l.gap);
        gboolean selected = self->selected && g_strcmp0(self->selected, cell->corruption->name) == 0;
        if (i == self->focus && widget_is_focused(self) && !self->exporting) {
            pp_plot_set_color(cr, &c.fg);
            cairo_set_line_width(cr, 1);
            double dash = 3;
            cairo_set_dash(cr, &dash, 1, 0);
            cairo_rectangle(cr, x - 7.5, y - 7.5, l.cell_w + 15, l.cell_h + 12);
            cairo_stroke(cr);
            cairo_set_dash(cr, NULL, 0, 0);
        }
        if (selected) {
            pp_plot_set_color(cr, &c.accent);
            cairo_set_line_width(cr, 3);
            cairo_rectangle(cr, x - 4, y - 4, l.cell_w + 8, l.cell_h + 6);
            cairo_stroke(cr);
        }
        double tw = l.thumb, th = l.thumb;
        if (cell->thumb.width > 0) {
            double s = MIN(l.thumb / cell->thumb.width, l.thumb / cell->thumb.height);
            tw = cell->thumb.width * s;
            th = cell->thumb.height * s;
            pp_paint_image(cr, &cell->thumb, x, y, tw, th);
        }
        pp_plot_set_color(cr, &c.dim);
        cairo_set_line_width(cr, 1);
        cairo_rectangle(cr, x - 0.5, y - 0.5, tw + 1, th + 1);
        cairo_stroke(cr);
        double ty = y + l.thumb + 4;
        char *label = i < PP_CORRUPTION_BENCHMARK_COUNT ? g_strdup(cell->corruption->name)
                                                        : g_strdup_printf("%s (extra)", cell->corruption->name);
        pp_plot_text_max(cr, widget, label, x, ty, l.cell_w, 0.85, TRUE, &c.fg);
        g_free(label);
        ty += 18;
        for (guint j = 0; j < job->entries->len; j++) {
            gboolean changed = cell->top1[j] != job->clean_top1[j];
            char *line = g_strdup_printf("%u %s %.0f%%%s", j + 1, class_name(job, j, cell->top1[j]),
                                         100.0 * cell->prob[j], changed ? " ✗" : "");
            pp_plot_text_max(cr, widget, line, x, ty, l.cell_w, 0.8, changed, changed ? &red : &c.fg);
            g_free(line);
            ty += 17;
        }
    }
}

#define EXPORT_MARGIN 16

static void draw_export(GtkWidget *widget, cairo_t *cr, int width, int height)
{
    PpCorruptionGridView *self = PP_CORRUPTION_GRID_VIEW(widget);
    cairo_save(cr);
    cairo_translate(cr, EXPORT_MARGIN, EXPORT_MARGIN);
    self->exporting = TRUE; /* no focus ring in a figure */
    pp_corruption_grid_view_draw(widget, cr, width - 2 * EXPORT_MARGIN, height - 2 * EXPORT_MARGIN);
    self->exporting = FALSE;
    cairo_restore(cr);
}

static void draw_screen(GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
    (void)area;
    pp_corruption_grid_view_draw(GTK_WIDGET(data), cr, width, height);
    pp_latest_job_drawn(PP_CORRUPTION_GRID_VIEW(data)->updates);
}

static void on_click(GtkGestureClick *gesture, int n_press, double px, double py, PpCorruptionGridView *self)
{
    (void)gesture;
    (void)n_press;
    GridJob *job = self->shown;
    if (!job)
        return;
    Layout l;
    layout_for(self, gtk_widget_get_width(GTK_WIDGET(self->grid)), &l);
    if (py < l.header_h)
        return;
    int col = (int)(px / (l.cell_w + l.gap)), row = (int)((py - l.header_h) / (l.cell_h + l.gap));
    int i = row * l.cols + col;
    if (col >= l.cols || i < 0 || i >= job->n_cells)
        return;
    self->focus = i;
    gtk_widget_grab_focus(GTK_WIDGET(self->grid));
    pp_corruption_grid_view_activate(self, job->cells[i].corruption->name);
}

gboolean pp_corruption_grid_view_activate(PpCorruptionGridView *self, const char *corruption)
{
    const pp_corruption *c = pp_corruption_find(corruption);
    if (!c)
        return FALSE;
    pp_corruption_grid_view_set_selected(self, c->name);
    g_signal_emit(self, signals[SIGNAL_CORRUPTION_ACTIVATED], 0, c->name,
                  gtk_adjustment_get_value(self->severity_adjustment));
    return TRUE;
}

static gboolean on_key(GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state,
                       PpCorruptionGridView *self)
{
    (void)key;
    (void)keycode;
    if (state & (GDK_CONTROL_MASK | GDK_ALT_MASK))
        return FALSE;
    GridJob *job = self->shown;
    if (!job || !job->n_cells)
        return FALSE;
    Layout l;
    layout_for(self, gtk_widget_get_width(GTK_WIDGET(self->grid)), &l);
    int f = self->focus;
    switch (keyval) {
    case GDK_KEY_Left: f--; break;
    case GDK_KEY_Right: f++; break;
    case GDK_KEY_Up: f -= l.cols; break;
    case GDK_KEY_Down: f += l.cols; break;
    case GDK_KEY_Home: f = 0; break;
    case GDK_KEY_End: f = job->n_cells - 1; break;
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_space:
        pp_corruption_grid_view_activate(self, job->cells[self->focus].corruption->name);
        return TRUE;
    default:
        return FALSE;
    }
    self->focus = CLAMP(f, 0, job->n_cells - 1);
    gtk_widget_queue_draw(GTK_WIDGET(self->grid));
    return TRUE;
}

/* The grid as text for screen readers: per corruption every model's top-1. */
static void update_accessible(PpCorruptionGridView *self)
{
    GridJob *job = self->shown;
    if (!job)
        return;
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "Severity %.2f. ", job->severity);
    for (int i = 0; i < job->n_cells; i++) {
        g_string_append_printf(s, "%s:", job->cells[i].corruption->name);
        for (guint j = 0; j < job->entries->len; j++)
            g_string_append_printf(s, " %s %s%s;", pp_model_entry_get_title(job->entries->pdata[j]),
                                   class_name(job, j, job->cells[i].top1[j]),
                                   job->cells[i].top1[j] != job->clean_top1[j] ? " (changed)" : "");
        g_string_append_c(s, ' ');
    }
    pp_plot_set_description(GTK_WIDGET(self->grid), s->str);
    g_string_free(s, TRUE);
}

/* ---- the severity animation ---- */

static gboolean play_step(gpointer data)
{
    PpCorruptionGridView *self = data;
    double s = gtk_adjustment_get_value(self->severity_adjustment) + PLAY_STEP;
    if (s >= PP_CORRUPTION_MAX_SEVERITY) {
        gtk_adjustment_set_value(self->severity_adjustment, PP_CORRUPTION_MAX_SEVERITY);
        self->play_source = 0;
        gtk_toggle_button_set_active(self->play_button, FALSE);
        return G_SOURCE_REMOVE;
    }
    gtk_adjustment_set_value(self->severity_adjustment, s);
    return G_SOURCE_CONTINUE;
}

static void on_play_toggled(GtkToggleButton *button, PpCorruptionGridView *self)
{
    gboolean on = gtk_toggle_button_get_active(button);
    gtk_button_set_icon_name(GTK_BUTTON(button), on ? "media-playback-pause-symbolic" : "media-playback-start-symbolic");
    gtk_widget_set_tooltip_text(GTK_WIDGET(button), on ? "Stop the animation" : "Animate the severity from 0 to 5");
    if (on && !self->play_source) {
        if (gtk_adjustment_get_value(self->severity_adjustment) >= PP_CORRUPTION_MAX_SEVERITY)
            gtk_adjustment_set_value(self->severity_adjustment, 0);
        self->play_source = g_timeout_add(PLAY_INTERVAL_MS, play_step, self);
    } else if (!on && self->play_source) {
        g_source_remove(self->play_source);
        self->play_source = 0;
    }
}

void pp_corruption_grid_view_set_playing(PpCorruptionGridView *self, gboolean playing)
{
    gtk_toggle_button_set_active(self->play_button, playing);
}

/* ---- public API ---- */

void pp_corruption_grid_view_set_entries(PpCorruptionGridView *self, GPtrArray *entries)
{
    g_ptr_array_unref(self->entries);
    self->entries = entries_copy(entries);
    request_update(self);
}

void pp_corruption_grid_view_set_image_file(PpCorruptionGridView *self, const char *path)
{
    if (g_strcmp0(self->image_path, path) == 0)
        return;
    g_free(self->image_path);
    self->image_path = g_strdup(path);
    request_update(self);
}

void pp_corruption_grid_view_set_severity(PpCorruptionGridView *self, double severity)
{
    gtk_adjustment_set_value(self->severity_adjustment, CLAMP(severity, 0, PP_CORRUPTION_MAX_SEVERITY));
}

double pp_corruption_grid_view_get_severity(PpCorruptionGridView *self)
{
    return gtk_adjustment_get_value(self->severity_adjustment);
}

void pp_corruption_grid_view_set_seed(PpCorruptionGridView *self, guint64 seed)
{
    if (self->seed == seed)
        return;
    self->seed = seed;
    request_update(self);
}

void pp_corruption_grid_view_set_selected(PpCorruptionGridView *self, const char *corruption)
{
    g_free(self->selected);
    self->selected = g_strdup(corruption);
    gtk_widget_queue_draw(GTK_WIDGET(self->grid));
}

gboolean pp_corruption_grid_view_is_busy(PpCorruptionGridView *self)
{
    /* until the newest cells are drawn: a screenshot waits for them */
    return pp_latest_job_is_busy(self->updates) || self->play_source;
}

int pp_corruption_grid_view_get_cell_count(PpCorruptionGridView *self)
{
    return self->shown ? self->shown->n_cells : 0;
}

static void csv_field(GString *s, const char *text)
{
    if (strpbrk(text, ",\"\n")) {
        g_string_append_c(s, '"');
        for (const char *p = text; *p; p++) {
            if (*p == '"')
                g_string_append_c(s, '"');
            g_string_append_c(s, *p);
        }
        g_string_append_c(s, '"');
    } else {
        g_string_append(s, text);
    }
}

char *pp_corruption_grid_view_to_csv(PpCorruptionGridView *self)
{
    GString *s = g_string_new("corruption,family,severity,seed,model,top1,top1_index,top1_prob,clean_top1,changed\n");
    GridJob *job = self->shown;
    for (int i = 0; job && i < job->n_cells; i++) {
        GridCell *cell = &job->cells[i];
        for (guint j = 0; j < job->entries->len; j++) {
            g_string_append_printf(s, "%s,%s,%.2f,%" G_GUINT64_FORMAT ",", cell->corruption->name,
                                   pp_corruption_family_name(cell->corruption->family), job->severity, job->seed);
            csv_field(s, pp_model_entry_get_title(job->entries->pdata[j]));
            g_string_append_c(s, ',');
            csv_field(s, class_name(job, j, cell->top1[j]));
            g_string_append_printf(s, ",%d,%.5f,", cell->top1[j], cell->prob[j]);
            csv_field(s, class_name(job, j, job->clean_top1[j]));
            g_string_append_printf(s, ",%d\n", cell->top1[j] != job->clean_top1[j]);
        }
    }
    return g_string_free(s, FALSE);
}

void pp_corruption_grid_view_print(PpCorruptionGridView *self, FILE *out)
{
    char *csv = pp_corruption_grid_view_to_csv(self);
    fputs(csv, out);
    g_free(csv);
}

gboolean pp_corruption_grid_view_export(PpCorruptionGridView *self, const char *path, GError **error)
{
    if (g_str_has_suffix(path, ".csv")) {
        char *csv = pp_corruption_grid_view_to_csv(self);
        gboolean ok = g_file_set_contents(path, csv, -1, error);
        g_free(csv);
        return ok;
    }
    int width = MAX(gtk_widget_get_width(GTK_WIDGET(self->grid)), 900);
    Layout l;
    layout_for(self, width, &l);
    return pp_plot_export(GTK_WIDGET(self), draw_export, width + 2 * EXPORT_MARGIN,
                          (int)ceil(l.total) + 8 + 2 * EXPORT_MARGIN, path, error);
}

/* ---- class ---- */

static void pp_corruption_grid_view_dispose(GObject *object)
{
    PpCorruptionGridView *self = PP_CORRUPTION_GRID_VIEW(object);
    g_clear_pointer(&self->updates, pp_latest_job_free);
    if (self->play_source) {
        g_source_remove(self->play_source);
        self->play_source = 0;
    }
    if (self->severity_adjustment)
        g_signal_handlers_disconnect_by_data(self->severity_adjustment, self);
    if (self->play_button)
        g_signal_handlers_disconnect_by_data(self->play_button, self);
    pp_template_dispose_children(GTK_WIDGET(object), PP_TYPE_CORRUPTION_GRID_VIEW);
    G_OBJECT_CLASS(pp_corruption_grid_view_parent_class)->dispose(object);
}

static void pp_corruption_grid_view_finalize(GObject *object)
{
    PpCorruptionGridView *self = PP_CORRUPTION_GRID_VIEW(object);
    cache_free(self->cache);
    grid_job_free(self->shown);
    g_ptr_array_unref(self->entries);
    g_free(self->image_path);
    g_free(self->selected);
    G_OBJECT_CLASS(pp_corruption_grid_view_parent_class)->finalize(object);
}

static void pp_corruption_grid_view_class_init(PpCorruptionGridViewClass *klass)
{
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    G_OBJECT_CLASS(klass)->dispose = pp_corruption_grid_view_dispose;
    G_OBJECT_CLASS(klass)->finalize = pp_corruption_grid_view_finalize;
    /* "corruption-activated" (name, severity): a thumbnail was clicked */
    signals[SIGNAL_CORRUPTION_ACTIVATED] =
        g_signal_new("corruption-activated", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_DOUBLE);
    gtk_widget_class_set_template_from_resource(wc, "/io/github/PushPullStudio/pp-corruption-grid-view.ui");
    gtk_widget_class_set_css_name(wc, "corruptiongrid");
    gtk_widget_class_set_accessible_role(wc, GTK_ACCESSIBLE_ROLE_GROUP);
    gtk_widget_class_bind_template_child(wc, PpCorruptionGridView, severity_adjustment);
    gtk_widget_class_bind_template_child(wc, PpCorruptionGridView, play_button);
    gtk_widget_class_bind_template_child(wc, PpCorruptionGridView, grid);
}

static void pp_corruption_grid_view_init(PpCorruptionGridView *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->entries = g_ptr_array_new_with_free_func(g_object_unref);
    static const PpLatestJobFuncs funcs = {
        .make = grid_make, .run = grid_run, .done = grid_done, .job_free = grid_job_free};
    self->updates = pp_latest_job_new(self, GTK_WIDGET(self->grid), &funcs);
    pp_latest_job_defer_while_hidden(self->updates, GTK_WIDGET(self));
    gtk_drawing_area_set_draw_func(self->grid, draw_screen, self, NULL);
    g_signal_connect(self->grid, "resize", G_CALLBACK(on_grid_resize), self);
    g_signal_connect_swapped(self->severity_adjustment, "value-changed", G_CALLBACK(request_update), self);
    g_signal_connect(self->play_button, "toggled", G_CALLBACK(on_play_toggled), self);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self->play_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   "Animate the severity", -1);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self->grid), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   "Corruption grid: one thumbnail per corruption with every model's top-1", -1);
    GtkGesture *click = gtk_gesture_click_new();
    g_signal_connect(click, "pressed", G_CALLBACK(on_click), self);
    gtk_widget_add_controller(GTK_WIDGET(self->grid), GTK_EVENT_CONTROLLER(click));
    GtkEventController *keys = gtk_event_controller_key_new();
    g_signal_connect(keys, "key-pressed", G_CALLBACK(on_key), self);
    gtk_widget_add_controller(GTK_WIDGET(self->grid), keys);
    GtkEventController *focus = gtk_event_controller_focus_new();
    g_signal_connect_swapped(focus, "enter", G_CALLBACK(gtk_widget_queue_draw), self->grid);
    g_signal_connect_swapped(focus, "leave", G_CALLBACK(gtk_widget_queue_draw), self->grid);
    gtk_widget_add_controller(GTK_WIDGET(self->grid), focus);
}

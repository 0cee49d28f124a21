#include "pp-stability-panel.h"

#include <math.h>
#include <string.h>

#include "eval/evaluate_p.h"
#include "eval/stability.h"
#include "forward.h"
#include "perturb/perturbation.h"
#include "pp-image-paint.h"
#include "pp-latest-job.h"
#include "pp-model-entry.h"
#include "pp-plot.h"
#include "pp-thread-budget.h"
#include "preprocess.h"

#define MAX_MODELS 8
#define REPEAT_SETS 4

/* What one model did on one sequence. */
typedef struct {
    char *title;
    int *top1;         /* (frames) */
    char *label0;      /* frame 0's class name */
    double fp;
    gboolean consistent;
} ModelRun;

/* A worker's snapshot and its results. */
typedef struct {
    char *image_path;
    const pp_perturbation *p;      /* NULL: the repeatability set */
    PpModelEntry *entries[MAX_MODELS];
    int n;
    guint64 seed;
    pp_sequence shown;             /* the first model's frames */
    int frames;
    gboolean against_first;
    ModelRun runs[MAX_MODELS];
    /* repeatability: per model and sequence, consistent and FP */
    gboolean rep_ok[MAX_MODELS][REPEAT_SETS];
    double rep_fp[MAX_MODELS][REPEAT_SETS];
} StabilityJob;

struct _PpStabilityPanel {
    GtkWidget parent_instance;
    GtkWidget *scroller, *box; /* box: the panel's content, inside the scroller */
    GtkDropDown *perturbation_dd;
    GtkToggleButton *play;
    GtkScale *scrub;
    GtkAdjustment *frame_adj;
    GtkButton *repeat_button;
    GtkDrawingArea *frame_area, *strip_area;
    GtkLabel *status, *repeat_label;

    GPtrArray *entries;
    char *image_path;
    guint64 seed;
    gboolean syncing;
    /* one worker, latest wins (pp-latest-job.h): the sequence for the inputs
     * now, computed while the panel is shown; the repeatability set when
     * asked for, after a running sequence (never cancelled by one) */
    PpLatestJob *jobs;
    gboolean sequence_wanted, repeat_wanted, running_repeat;
    StabilityJob *shown;  /* the last sequence result */
    char *repeat_text;
    guint timer;
};

G_DEFINE_FINAL_TYPE(PpStabilityPanel, pp_stability_panel, GTK_TYPE_WIDGET)

static void job_free(gpointer data)
{
    StabilityJob *j = data;
    if (!j)
        return;
    g_free(j->image_path);
    for (int i = 0; i < j->n; i++) {
        g_clear_object(&j->entries[i]);
        g_free(j->runs[i].title);
        g_free(j->runs[i].top1);
        g_free(j->runs[i].label0);
    }
    pp_sequence_free(&j->shown);
    g_free(j);
}

/* ---- worker ---- */

/* The sequence a model sees: CIFAR-10-P's schedule on the image at the model's
 * geometry for small inputs, ImageNet-P's (Resize 256, 224 frames) otherwise. */
static pp_status model_sequence(const pp_perturbation *p, const pp_preprocess *pre, const pp_image *img, guint64 seed,
                                pp_sequence *seq, pp_error *err)
{
    pp_image src = {0};
    pp_status st;
    pp_perturb_request req = {.seed = seed, .level = 1};
    if (pre->size < 85) {
        req.preset = PP_PRESET_CIFAR;
        st = pp_preprocess_geometry(pre, img, &src, err);
    } else {
        req.preset = PP_PRESET_IMAGENET;
        st = pp_image_convert(&src, img, pre->channels, err);
    }
    if (!st)
        st = pp_perturb_sequence(p, &req, &src, seq, err);
    pp_image_free(&src);
    return st;
}

/* Top-1 per frame and the stability of one model on one perturbation. */
static pp_status run_model(const pp_model *m, const pp_perturbation *p, const pp_image *img, guint64 seed,
                           GCancellable *cancel, int **top1_out, pp_sequence_stability *out, pp_sequence *keep,
                           pp_error *err)
{
    pp_preprocess pre;
    pp_sequence seq = {0};
    pp_tensor batch = {0}, logits = {0};
    pp_status st = pp_preprocess_for_model(&pre, m, err);
    if (!st)
        st = model_sequence(p, &pre, img, seed, &seq, err);
    if (!st)
        st = pp_tensor_alloc4(&batch, seq.n, pre.channels, pre.size, pre.size, err);
    for (int f = 0; f < seq.n && !st; f++) {
        pp_image frame = pp_sequence_frame(&seq, f);
        st = pp_eval_p_put_frame(&pre, &frame, &batch, f, err);
    }
    if (!st && g_cancellable_is_cancelled(cancel))
        st = pp_fail(err, PP_ERR_CANCELLED, "cancelled");
    if (!st) {
        pp_forward_ctx *ctx = pp_forward_ctx_new(pp_thread_budget_interactive());
        st = pp_model_forward(m, ctx, &batch, &logits, NULL, err);
        pp_forward_ctx_free(ctx);
    }
    const int classes = m->arch.num_classes;
    if (!st)
        st = pp_sequence_stability_compute(logits.data, seq.n, classes, p->against_first, 1, out, err);
    if (!st && top1_out) {
        int *top1 = g_new(int, seq.n);
        for (int f = 0; f < seq.n; f++) {
            const float *row = logits.data + (size_t)f * classes;
            int best = 0;
            for (int k = 1; k < classes; k++)
                best = row[k] > row[best] ? k : best;
            top1[f] = best;
        }
        *top1_out = top1;
    }
    if (!st && keep && !keep->pixels) {
        *keep = seq;
        seq = (pp_sequence){0};
    }
    pp_sequence_free(&seq);
    pp_tensor_free(&batch);
    pp_tensor_free(&logits);
    return st;
}

static gboolean stability_run(PpLatestRun *run, gpointer data, GCancellable *cancel, GError **error)
{
    (void)run;
    StabilityJob *j = data;
    pp_error err = {0};
    pp_image img = {0};
    pp_status st = pp_image_load(j->image_path, &img, &err);
    for (int i = 0; i < j->n && !st; i++) {
        const pp_model *m = pp_model_entry_get_model(j->entries[i]);
        j->runs[i].title = g_strdup(pp_model_entry_get_title(j->entries[i]));
        if (j->p) {
            pp_sequence_stability s;
            st = run_model(m, j->p, &img, j->seed, cancel, &j->runs[i].top1, &s, &j->shown, &err);
            if (!st) {
                j->runs[i].fp = s.flip;
                j->runs[i].consistent = s.consistent;
                int c0 = j->runs[i].top1[0];
                j->runs[i].label0 = g_strdup(m->class_names && c0 < m->arch.num_classes && m->class_names[c0]
                                                 ? m->class_names[c0]
                                                 : "");
            }
        } else {
            int k = 0;
            for (size_t r = 0; r < pp_perturbation_count() && !st; r++) {
                const pp_perturbation *p = pp_perturbation_at(r);
                if (p->set != PP_PERTURB_REPEATABILITY || k >= REPEAT_SETS)
                    continue;
                pp_sequence_stability s;
                st = run_model(m, p, &img, j->seed, cancel, NULL, &s, NULL, &err);
                j->rep_ok[i][k] = s.consistent;
                j->rep_fp[i][k++] = s.flip;
            }
        }
    }
    if (j->p && j->shown.pixels)
        j->frames = j->shown.n;
    pp_image_free(&img);
    if (st == PP_OK)
        return TRUE;
    if (err.status == PP_ERR_CANCELLED || g_cancellable_is_cancelled(cancel))
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
    else
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", err.msg);
    return FALSE;
}

/* ---- main thread ---- */

static const pp_perturbation *chosen(PpStabilityPanel *self)
{
    return pp_perturbation_at(gtk_drop_down_get_selected(self->perturbation_dd));
}

/* The job to run now (main thread): the sequence when its inputs changed and
 * the panel is shown, else the repeatability set when asked for, else none. */
static gpointer stability_make(gpointer view)
{
    PpStabilityPanel *self = view;
    if (!self->image_path || self->entries->len == 0)
        return NULL;
    const gboolean sequence = self->sequence_wanted && gtk_widget_get_mapped(GTK_WIDGET(self));
    if (!sequence && !self->repeat_wanted)
        return NULL;
    StabilityJob *j = g_new0(StabilityJob, 1);
    j->image_path = g_strdup(self->image_path);
    j->p = sequence ? chosen(self) : NULL;
    j->against_first = j->p && j->p->against_first;
    j->seed = self->seed;
    for (guint i = 0; i < self->entries->len && j->n < MAX_MODELS; i++)
        j->entries[j->n++] = g_object_ref(self->entries->pdata[i]);
    if (sequence)
        self->sequence_wanted = FALSE;
    else
        self->repeat_wanted = FALSE;
    self->running_repeat = !sequence;
    gtk_label_set_text(sequence ? self->status : self->repeat_label,
                       sequence ? "Computing the sequence…" : "Running the repeatability set…");
    return j;
}

static void show_repeatability(PpStabilityPanel *self, const StabilityJob *j)
{
    GString *s = g_string_new("Repeatability (same part, same answer):");
    for (int i = 0; i < j->n; i++) {
        int good = 0;
        GString *which = g_string_new("");
        int k = 0;
        for (size_t r = 0; r < pp_perturbation_count(); r++) {
            const pp_perturbation *p = pp_perturbation_at(r);
            if (p->set != PP_PERTURB_REPEATABILITY || k >= REPEAT_SETS)
                continue;
            good += j->rep_ok[i][k];
            g_string_append_printf(which, "%s%s %s", k ? ", " : "", p->name, j->rep_ok[i][k] ? "✓" : "✗");
            k++;
        }
        g_string_append_printf(s, "\n%s: %d of %d sequences keep their class (%s)", j->runs[i].title, good, k,
                               which->str);
        g_string_free(which, TRUE);
    }
    g_free(self->repeat_text);
    self->repeat_text = g_string_free(s, FALSE);
    gtk_label_set_text(self->repeat_label, self->repeat_text);
}

static void stability_done(gpointer view, gpointer data, gboolean latest, const GError *error)
{
    PpStabilityPanel *self = view;
    StabilityJob *j = data;
    const gboolean cancelled = !latest && (!error || g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
    GtkLabel *label = j->p ? self->status : self->repeat_label;
    if (latest && j->p) {
        /* the results are the panel's from here on; the helper frees the emptied job */
        job_free(self->shown);
        self->shown = g_memdup2(j, sizeof *j);
        memset(j, 0, sizeof *j);
        gtk_label_set_text(label, self->shown->against_first
                                      ? "Noise: every frame against the clean frame 0; changed frames are marked."
                                      : "Flips between consecutive frames are marked in red.");
    } else if (latest) {
        show_repeatability(self, j);
    } else if (!cancelled) {
        gtk_label_set_text(label, error->message);
    } else if (!j->p) { /* cancelled by a sequence made on the map: the set runs after it */
        self->repeat_wanted = TRUE;
    }
    if (self->shown && self->shown->frames > 0) {
        self->syncing = TRUE;
        gtk_adjustment_set_upper(self->frame_adj, self->shown->frames - 1);
        self->syncing = FALSE;
    }
    self->running_repeat = FALSE;
    gtk_widget_queue_draw(GTK_WIDGET(self->frame_area));
    gtk_widget_queue_draw(GTK_WIDGET(self->strip_area));
    if (self->repeat_wanted || (self->sequence_wanted && gtk_widget_get_mapped(GTK_WIDGET(self))))
        pp_latest_job_request(self->jobs, FALSE); /* the other kind asked for meanwhile */
}

/* The sequence's inputs changed: computed now (superseding a running
 * sequence, after a running repeatability set) or when the panel is shown. */
static void sequence_changed(PpStabilityPanel *self)
{
    self->sequence_wanted = TRUE;
    pp_latest_job_request_shown(self->jobs, !self->running_repeat);
}

/* ---- drawing ---- */

/* A class's colour: hues spread by the golden angle so neighbours differ. */
static void class_colour(int k, double rgb[3])
{
    double h = fmod(k * 0.618033988749895, 1.0) * 6, s = 0.55, v = 0.85;
    int i = (int)h;
    double f = h - i, p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
    double tab[6][3] = {{v, t, p}, {q, v, p}, {p, v, t}, {p, q, v}, {t, p, v}, {v, p, q}};
    rgb[0] = tab[i % 6][0], rgb[1] = tab[i % 6][1], rgb[2] = tab[i % 6][2];
}

static int current_frame(PpStabilityPanel *self)
{
    return (int)gtk_adjustment_get_value(self->frame_adj);
}

static void draw_frame(GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
    (void)area;
    PpStabilityPanel *self = data;
    PpPlotColors c;
    pp_plot_colors(GTK_WIDGET(self->frame_area), &c);
    if (!self->shown || !self->shown->shown.pixels) {
        pp_plot_text(cr, GTK_WIDGET(self->frame_area),
                     self->image_path ? "Open the Stability tab with models loaded" : "No image", 8, 8,
                     PP_ALIGN_START, 1, FALSE, &c.fg);
        return;
    }
    int f = CLAMP(current_frame(self), 0, self->shown->frames - 1);
    pp_image img = pp_sequence_frame(&self->shown->shown, f);
    double side = MIN(width, height - 20);
    double sx = (width - side) / 2;
    pp_paint_image(cr, &img, sx, 0, side, side);
    char cap[96];
    snprintf(cap, sizeof cap, "frame %d / %d", f, self->shown->frames - 1);
    pp_plot_text_max(cr, GTK_WIDGET(self->frame_area), cap, sx, side + 2, side, 0.85, FALSE, &c.fg);
}

/* Was frame f a flip (against the previous frame, or against frame 0 for noise)? */
static gboolean flipped(const StabilityJob *j, const ModelRun *r, int f)
{
    if (f == 0)
        return FALSE;
    return r->top1[f] != r->top1[j->against_first ? 0 : f - 1];
}

static void draw_strip(GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
    (void)area;
    (void)height;
    PpStabilityPanel *self = data;
    GtkWidget *w = GTK_WIDGET(self->strip_area);
    pp_latest_job_drawn(self->jobs);
    PpPlotColors c;
    pp_plot_colors(w, &c);
    const StabilityJob *j = self->shown;
    if (!j || j->frames == 0)
        return;
    const double label_w = MIN(220, width * 0.35), row_h = 26, x0 = label_w + 8;
    const double cell = (width - x0 - 4) / j->frames;
    const int cur = CLAMP(current_frame(self), 0, j->frames - 1);
    GdkRGBA flip = {0.86, 0.15, 0.15, 1};
    for (int i = 0; i < j->n; i++) {
        const ModelRun *r = &j->runs[i];
        double y = 4 + i * (row_h + 10);
        char head[160];
        snprintf(head, sizeof head, "FP %.3f · %s", r->fp, r->title);
        pp_plot_text_max(cr, w, head, 0, y + 4, label_w, 0.9, TRUE, &c.fg);
        for (int f = 0; f < j->frames; f++) {
            double rgb[3];
            class_colour(r->top1[f], rgb);
            cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
            cairo_rectangle(cr, x0 + f * cell, y, MAX(1, cell - 1), row_h);
            cairo_fill(cr);
            if (flipped(j, r, f)) { /* a red bar on the frame's left edge and a tick below */
                pp_plot_set_color(cr, &flip);
                cairo_rectangle(cr, x0 + f * cell - 1, y - 3, 3, row_h + 6);
                cairo_fill(cr);
            }
        }
        if (cell >= 14)
            for (int f = 0; f < j->frames; f++) {
                char k[12];
                snprintf(k, sizeof k, "%d", r->top1[f]);
                GdkRGBA black = {0, 0, 0, 0.85};
                pp_plot_text(cr, w, k, x0 + (f + 0.5) * cell, y + 5, PP_ALIGN_CENTER, 0.75, FALSE, &black);
            }
    }
    /* the current frame */
    pp_plot_set_color(cr, &c.accent);
    cairo_set_line_width(cr, 2);
    cairo_rectangle(cr, x0 + cur * cell, 1, cell, j->n * (row_h + 10) - 4);
    cairo_stroke(cr);
    double y = 6 + j->n * (row_h + 10);
    GdkRGBA sec;
    pp_plot_secondary(&c, &sec);
    pp_plot_text_max(cr, w, "colour = top-1 class per frame (number on the cell); red bar = a flip", x0, y,
                     width - x0, 0.8, FALSE, &sec);
}

/* ---- accessible summaries (what the drawn areas show, in words) ---- */

static char *strip_summary(GtkWidget *w)
{
    PpStabilityPanel *self = PP_STABILITY_PANEL(gtk_widget_get_ancestor(w, PP_TYPE_STABILITY_PANEL));
    const StabilityJob *j = self ? self->shown : NULL;
    if (!j)
        return g_strdup("No sequence computed yet");
    GString *s = g_string_new("");
    g_string_append_printf(s, "%s, %d frames.", j->p->name, j->frames);
    for (int i = 0; i < j->n; i++) {
        int flips = 0;
        for (int f = 1; f < j->frames; f++)
            flips += flipped(j, &j->runs[i], f);
        g_string_append_printf(s, " %s: flip probability %.3f, %d flipped frames, top-1 class %d at frame 0.",
                               j->runs[i].title, j->runs[i].fp, flips, j->runs[i].top1[0]);
    }
    return g_string_free(s, FALSE);
}

static char *frame_summary(GtkWidget *w)
{
    PpStabilityPanel *self = PP_STABILITY_PANEL(gtk_widget_get_ancestor(w, PP_TYPE_STABILITY_PANEL));
    if (!self || !self->shown || !self->shown->frames)
        return g_strdup("No frame");
    return g_strdup_printf("Frame %d of %d of the %s sequence", current_frame(self), self->shown->frames - 1,
                           self->shown->p->name);
}

/* ---- signals and API ---- */

static void on_perturbation(GtkDropDown *dd, GParamSpec *pspec, PpStabilityPanel *self)
{
    (void)dd, (void)pspec;
    if (!self->syncing) {
        gtk_adjustment_set_value(self->frame_adj, 0);
        sequence_changed(self);
    }
}

static void on_frame(GtkAdjustment *adj, PpStabilityPanel *self)
{
    (void)adj;
    gtk_widget_queue_draw(GTK_WIDGET(self->frame_area));
    gtk_widget_queue_draw(GTK_WIDGET(self->strip_area));
}

static gboolean tick(gpointer data)
{
    PpStabilityPanel *self = data;
    if (!self->shown || self->shown->frames == 0)
        return G_SOURCE_CONTINUE;
    int f = current_frame(self) + 1;
    gtk_adjustment_set_value(self->frame_adj, f >= self->shown->frames ? 0 : f);
    return G_SOURCE_CONTINUE;
}

static void on_play(GtkToggleButton *b, PpStabilityPanel *self)
{
    gboolean on = gtk_toggle_button_get_active(b);
    gtk_button_set_icon_name(GTK_BUTTON(b), on ? "media-playback-pause-symbolic" : "media-playback-start-symbolic");
    if (on && !self->timer)
        self->timer = g_timeout_add(250, tick, self);
    else if (!on && self->timer) {
        g_source_remove(self->timer);
        self->timer = 0;
    }
}

static void on_repeat(GtkButton *b, PpStabilityPanel *self)
{
    (void)b;
    pp_stability_panel_run_repeatability(self);
}

void pp_stability_panel_set_entries(PpStabilityPanel *self, GPtrArray *entries)
{
    g_ptr_array_set_size(self->entries, 0);
    for (guint i = 0; i < entries->len; i++)
        g_ptr_array_add(self->entries, g_object_ref(entries->pdata[i]));
    sequence_changed(self);
}

void pp_stability_panel_set_image(PpStabilityPanel *self, const char *path)
{
    if (g_strcmp0(path, self->image_path) == 0)
        return;
    g_free(self->image_path);
    self->image_path = g_strdup(path);
    g_clear_pointer(&self->repeat_text, g_free);
    gtk_label_set_text(self->repeat_label, "");
    sequence_changed(self);
}

void pp_stability_panel_set_seed(PpStabilityPanel *self, guint64 seed)
{
    if (seed == self->seed)
        return;
    self->seed = seed;
    if (chosen(self) && chosen(self)->random)
        sequence_changed(self);
}

gboolean pp_stability_panel_set_perturbation(PpStabilityPanel *self, const char *name)
{
    for (size_t i = 0; i < pp_perturbation_count(); i++)
        if (g_strcmp0(pp_perturbation_at(i)->name, name) == 0) {
            gtk_drop_down_set_selected(self->perturbation_dd, (guint)i);
            return TRUE;
        }
    return FALSE;
}

void pp_stability_panel_set_frame(PpStabilityPanel *self, int frame)
{
    gtk_adjustment_set_value(self->frame_adj, frame);
}

void pp_stability_panel_toggle_play(PpStabilityPanel *self)
{
    gtk_toggle_button_set_active(self->play, !gtk_toggle_button_get_active(self->play));
}

void pp_stability_panel_run_repeatability(PpStabilityPanel *self)
{
    self->repeat_wanted = TRUE;
    pp_latest_job_request(self->jobs, FALSE); /* after a running job */
}

gboolean pp_stability_panel_is_busy(PpStabilityPanel *self)
{
    return pp_latest_job_is_busy(self->jobs);
}

void pp_stability_panel_print(PpStabilityPanel *self, FILE *out)
{
    const StabilityJob *j = self->shown;
    if (j)
        for (int i = 0; i < j->n; i++) {
            fprintf(out, "stability %s %s: FP %.4f top-1", j->p->name, j->runs[i].title, j->runs[i].fp);
            for (int f = 0; f < j->frames; f++)
                fprintf(out, " %d", j->runs[i].top1[f]);
            fputc('\n', out);
        }
    if (self->repeat_text)
        fprintf(out, "%s\n", self->repeat_text);
}

static void pp_stability_panel_dispose(GObject *object)
{
    PpStabilityPanel *self = PP_STABILITY_PANEL(object);
    if (self->timer) {
        g_source_remove(self->timer);
        self->timer = 0;
    }
    g_clear_pointer(&self->jobs, pp_latest_job_free);
    self->box = NULL; /* the scroller's child */
    g_clear_pointer(&self->scroller, gtk_widget_unparent);
    G_OBJECT_CLASS(pp_stability_panel_parent_class)->dispose(object);
}

static void pp_stability_panel_finalize(GObject *object)
{
    PpStabilityPanel *self = PP_STABILITY_PANEL(object);
    job_free(self->shown);
    g_ptr_array_unref(self->entries);
    g_free(self->image_path);
    g_free(self->repeat_text);
    G_OBJECT_CLASS(pp_stability_panel_parent_class)->finalize(object);
}

static void action_play(GtkWidget *widget, const char *name, GVariant *param)
{
    (void)name, (void)param;
    pp_stability_panel_toggle_play(PP_STABILITY_PANEL(widget));
}

static void action_repeatability(GtkWidget *widget, const char *name, GVariant *param)
{
    (void)name, (void)param;
    pp_stability_panel_run_repeatability(PP_STABILITY_PANEL(widget));
}

static void pp_stability_panel_class_init(PpStabilityPanelClass *klass)
{
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    G_OBJECT_CLASS(klass)->dispose = pp_stability_panel_dispose;
    G_OBJECT_CLASS(klass)->finalize = pp_stability_panel_finalize;
    gtk_widget_class_set_layout_manager_type(wc, GTK_TYPE_BIN_LAYOUT);
    gtk_widget_class_install_action(wc, "stability.play", NULL, action_play);
    gtk_widget_class_install_action(wc, "stability.repeatability", NULL, action_repeatability);
    gtk_widget_class_add_binding_action(wc, GDK_KEY_p, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "stability.play", NULL);
    gtk_widget_class_add_binding_action(wc, GDK_KEY_r, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "stability.repeatability",
                                        NULL);
}

static void pp_stability_panel_init(PpStabilityPanel *self)
{
    self->entries = g_ptr_array_new_with_free_func(g_object_unref);
    /* the panel scrolls: a notebook page taller than the other tabs would raise the
     * probe view's minimum height, and with it the window's */
    self->scroller = gtk_scrolled_window_new();
    gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(self->scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
    gtk_widget_set_parent(self->scroller, GTK_WIDGET(self));
    self->box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
    gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(self->scroller), self->box);
    gtk_widget_set_margin_start(self->box, 12);
    gtk_widget_set_margin_end(self->box, 12);
    gtk_widget_set_margin_top(self->box, 8);

    GtkWidget *controls = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
    GtkStringList *names = gtk_string_list_new(NULL);
    for (size_t i = 0; i < pp_perturbation_count(); i++) {
        const pp_perturbation *p = pp_perturbation_at(i);
        char *label = g_strdup_printf("%s (%s)", p->name, pp_perturbation_set_name(p->set));
        gtk_string_list_append(names, label);
        g_free(label);
    }
    self->perturbation_dd = GTK_DROP_DOWN(gtk_drop_down_new(G_LIST_MODEL(names), NULL));
    gtk_widget_set_tooltip_text(GTK_WIDGET(self->perturbation_dd),
                                "The perturbation sequence: ImageNet-P / CIFAR-10-P's test and validation ones, or the "
                                "repeatability set");
    self->play = GTK_TOGGLE_BUTTON(gtk_toggle_button_new());
    gtk_button_set_icon_name(GTK_BUTTON(self->play), "media-playback-start-symbolic");
    gtk_widget_set_tooltip_text(GTK_WIDGET(self->play), "Play / pause the sequence (Ctrl+Shift+P)");
    self->frame_adj = gtk_adjustment_new(0, 0, 30, 1, 5, 0);
    self->scrub = GTK_SCALE(gtk_scale_new(GTK_ORIENTATION_HORIZONTAL, self->frame_adj));
    gtk_scale_set_digits(self->scrub, 0);
    gtk_scale_set_draw_value(self->scrub, TRUE);
    gtk_widget_set_hexpand(GTK_WIDGET(self->scrub), TRUE);
    gtk_widget_set_tooltip_text(GTK_WIDGET(self->scrub), "Scrub through the frames");
    self->repeat_button = GTK_BUTTON(gtk_button_new_with_label("Repeatability set"));
    gtk_widget_set_tooltip_text(GTK_WIDGET(self->repeat_button),
                                "Same part, same answer? JPEG re-saves, 1-pixel shifts, ±1 % lighting and fresh sensor "
                                "noise on this image, for every model");
    /* the sequence and its buttons on one line, the frame slider on the next: the
     * panel stays narrow enough for an 800 px window */
    gtk_box_append(GTK_BOX(controls), GTK_WIDGET(self->perturbation_dd));
    gtk_box_append(GTK_BOX(controls), GTK_WIDGET(self->play));
    gtk_box_append(GTK_BOX(controls), GTK_WIDGET(self->repeat_button));
    gtk_box_append(GTK_BOX(self->box), controls);
    gtk_box_append(GTK_BOX(self->box), GTK_WIDGET(self->scrub));

    GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
    self->frame_area = GTK_DRAWING_AREA(gtk_drawing_area_new());
    gtk_drawing_area_set_content_width(self->frame_area, 120);
    gtk_drawing_area_set_content_height(self->frame_area, 140);
    self->strip_area = GTK_DRAWING_AREA(gtk_drawing_area_new());
    gtk_widget_set_hexpand(GTK_WIDGET(self->strip_area), TRUE);
    gtk_drawing_area_set_content_height(self->strip_area, 120);
    gtk_box_append(GTK_BOX(row), GTK_WIDGET(self->frame_area));
    gtk_box_append(GTK_BOX(row), GTK_WIDGET(self->strip_area));
    gtk_box_append(GTK_BOX(self->box), row);
    self->status = GTK_LABEL(gtk_label_new(""));
    self->repeat_label = GTK_LABEL(gtk_label_new(""));
    gtk_label_set_xalign(self->status, 0);
    gtk_label_set_xalign(self->repeat_label, 0);
    gtk_label_set_wrap(self->repeat_label, TRUE);
    gtk_label_set_wrap(self->status, TRUE); /* long messages wrap instead of widening the window */
    gtk_label_set_wrap_mode(self->status, PANGO_WRAP_WORD_CHAR);
    gtk_label_set_wrap_mode(self->repeat_label, PANGO_WRAP_WORD_CHAR);
    gtk_widget_add_css_class(GTK_WIDGET(self->status), "dim-label");
    gtk_box_append(GTK_BOX(self->box), GTK_WIDGET(self->status));
    gtk_box_append(GTK_BOX(self->box), GTK_WIDGET(self->repeat_label));

    gtk_drawing_area_set_draw_func(self->frame_area, draw_frame, self, NULL);
    gtk_drawing_area_set_draw_func(self->strip_area, draw_strip, self, NULL);
    pp_plot_set_accessible(GTK_WIDGET(self->strip_area), "Top-1 class per frame of every model", strip_summary);
    pp_plot_set_accessible(GTK_WIDGET(self->frame_area), "The current frame of the sequence", frame_summary);
    g_signal_connect(self->perturbation_dd, "notify::selected", G_CALLBACK(on_perturbation), self);
    g_signal_connect(self->frame_adj, "value-changed", G_CALLBACK(on_frame), self);
    g_signal_connect(self->play, "toggled", G_CALLBACK(on_play), self);
    g_signal_connect(self->repeat_button, "clicked", G_CALLBACK(on_repeat), self);
    static const PpLatestJobFuncs funcs = {
        .make = stability_make, .run = stability_run, .done = stability_done, .job_free = job_free};
    self->jobs = pp_latest_job_new(self, GTK_WIDGET(self->strip_area), &funcs);
    pp_latest_job_defer_while_hidden(self->jobs, GTK_WIDGET(self));
}

GtkWidget *pp_stability_panel_new(void)
{
    return g_object_new(PP_TYPE_STABILITY_PANEL, NULL);
}

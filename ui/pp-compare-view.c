#include "pp-compare-view.h"

#include <math.h>
#include <string.h>

#include "analysis/cka_layers.h"
#include "analysis/feature_maps.h"
#include "analysis/saliency.h"
#include "analysis/weight_stats.h"
#include "corrupt/corruption.h"
#include "data/dataset.h"
#include "pp-image-paint.h"
#include "pp-latest-job.h"
#include "pp-template-dispose.h"
#include "pp-plot.h"
#include "pp-thread-budget.h"

#define WEIGHT_BINS 60
#define PROGRESS_MS 100

/* One computation: a snapshot of the inputs and, once run, its results. Each
 * section keeps its own error, so a data set that does not fit the models
 * leaves the weights and the maps standing. */
typedef struct {
    GPtrArray *entries; /* the compared models (1 or 2 PpModelEntry refs) */
    char *image_path, *data_spec;
    guint64 seed;
    const pp_corruption *corruption; /* NULL: clean only */
    double severity;
    int images;
    pp_cka_kind kind;
    char layer[24]; /* the feature maps' layer (analysis/model_layers.h) */
    gint progress_permille; /* written by the worker, read by the progress timer */

    GPtrArray *cam_entries; /* every loaded model: Grad-CAM of each */
    pp_weight_report weights;
    pp_feature_maps maps;
    int cams;                       /* models with both overlays */
    pp_image *cam_clean, *cam_corrupted; /* (cams) overlays of the top-1's Grad-CAM */
    int *cam_class;                 /* (2 cams): clean and corrupted top-1 */
    float *cam_prob;                /* (2 cams) */
    char *cam_error;
    pp_cka_result cka[2]; /* clean, corrupted */
    gboolean has_weights, has_maps, has_cka[2];
    char *weights_error, *maps_error, *cka_error;
} CompareJob;

struct _PpCompareView {
    GtkWidget parent_instance;

    GtkDropDown *corruption_dropdown, *layer_dropdown, *kind_dropdown, *tensor_dropdown;
    GtkDropDown *model_a_dropdown, *model_b_dropdown; /* which loaded models are 1 and 2 */
    GtkStringList *corruption_names, *tensor_names, *model_names, *model_names_b;
    GtkAdjustment *severity_adjustment, *images_adjustment;
    GtkEntry *data_entry;
    GtkProgressBar *progress;
    GtkButton *cancel_button;
    GtkLabel *hover_label;
    GtkDrawingArea *area;

    GPtrArray *entries;
    char *image_path;
    guint64 seed;
    gboolean cancelled_by_user, filling_tensors;
    PpLatestJob *updates; /* latest wins (pp-latest-job.h); busy until the results are drawn */
    gboolean syncing_models; /* the model dropdowns are being refilled: no new comparison for that */
    gboolean models_chosen;  /* a person (or --compare-models) picked models 1 and 2 */
    CompareJob *running_job; /* the worker's (for the progress timer); owned by its task */
    CompareJob *shown;
    guint progress_source;
    char *hover;
};

G_DEFINE_FINAL_TYPE(PpCompareView, pp_compare_view, GTK_TYPE_WIDGET)

/* ---- worker side ---- */

static void job_free(gpointer data)
{
    CompareJob *job = data;
    if (!job)
        return;
    pp_weight_report_free(&job->weights);
    pp_feature_maps_free(&job->maps);
    for (int i = 0; i < 2; i++)
        pp_cka_result_free(&job->cka[i]);
    if (job->entries)
        g_ptr_array_unref(job->entries);
    if (job->cam_entries)
        g_ptr_array_unref(job->cam_entries);
    for (int i = 0; i < job->cams; i++) {
        pp_image_free(&job->cam_clean[i]);
        pp_image_free(&job->cam_corrupted[i]);
    }
    g_free(job->cam_clean);
    g_free(job->cam_corrupted);
    g_free(job->cam_class);
    g_free(job->cam_prob);
    g_free(job->cam_error);
    g_free(job->image_path);
    g_free(job->data_spec);
    g_free(job->weights_error);
    g_free(job->maps_error);
    g_free(job->cka_error);
    g_free(job);
}

static const pp_model *job_model(const CompareJob *job, guint i)
{
    return pp_model_entry_get_model(job->entries->pdata[MIN(i, job->entries->len - 1)]);
}

static const char *job_title(const CompareJob *job, guint i)
{
    return pp_model_entry_get_title(job->entries->pdata[MIN(i, job->entries->len - 1)]);
}

typedef struct {
    CompareJob *job;
    GCancellable *cancellable;
    double lo, span; /* this phase's share of the whole */
} ProgressCtx;

static void on_progress(const pp_job_progress *p, void *data)
{
    ProgressCtx *pc = data;
    g_atomic_int_set(&pc->job->progress_permille, (gint)(1000 * (pc->lo + pc->span * p->fraction)));
}

static bool on_cancel(void *data)
{
    return g_cancellable_is_cancelled(((ProgressCtx *)data)->cancellable);
}

static bool is_cancelled(void *data)
{
    return g_cancellable_is_cancelled(data);
}

static void set_progress(CompareJob *job, double fraction)
{
    g_atomic_int_set(&job->progress_permille, (gint)(1000 * fraction));
}

static void compute_maps(CompareJob *job, GCancellable *cancellable, int threads)
{
    pp_error err = {0};
    pp_image img;
    if (!job->image_path) {
        job->maps_error = g_strdup("No image: open one in the probe.");
        return;
    }
    if (pp_image_load(job->image_path, &img, &err) != PP_OK) {
        job->maps_error = g_strdup(err.msg);
        return;
    }
    const guint n = MIN(job->entries->len, 2);
    const pp_model *models[2] = {job_model(job, 0), job_model(job, 1)};
    const char *names[2] = {job_title(job, 0), job_title(job, 1)};
    pp_corruption_request req = {.severity = job->severity, .seed = job->seed, .cancel = is_cancelled,
                                 .cancel_ctx = cancellable};
    if (pp_feature_maps_compute(models, names, (int)n, &img, job->corruption, &req, job->layer, threads, &job->maps,
                                &err) == PP_OK)
        job->has_maps = TRUE;
    else
        job->maps_error = g_strdup(err.msg);
    pp_image_free(&img);
}

/* Grad-CAM (layer4, the top-1) of every loaded model on the clean and the
 * corrupted image, as overlays. */
static void compute_cams(CompareJob *job, GCancellable *cancellable, int threads)
{
    pp_error err = {0};
    pp_image img;
    if (!job->image_path || pp_image_load(job->image_path, &img, &err) != PP_OK) {
        job->cam_error = g_strdup(job->image_path ? err.msg : "No image: open one in the probe.");
        return;
    }
    const guint n = job->cam_entries->len;
    job->cam_clean = g_new0(pp_image, n);
    job->cam_corrupted = g_new0(pp_image, n);
    job->cam_class = g_new0(int, 2 * n);
    job->cam_prob = g_new0(float, 2 * n);
    pp_corruption_request req = {.severity = job->severity, .seed = job->seed, .cancel = is_cancelled,
                                 .cancel_ctx = cancellable, .threads = threads};
    pp_saliency_options opt = {.method = PP_SALIENCY_GRADCAM, .layer = PP_TAP_LAYER4, .target_class = -1};
    for (guint i = 0; i < n && !g_cancellable_is_cancelled(cancellable); i++) {
        const pp_model *m = pp_model_entry_get_model(job->cam_entries->pdata[i]);
        pp_train_ctx *ctx = NULL;
        pp_status st = pp_train_ctx_new(&ctx, m, threads, &err);
        for (int side = 0; side < 2 && st == PP_OK; side++) {
            pp_saliency_map s;
            pp_image shown;
            st = pp_saliency_of_image(m, ctx, &img, side ? job->corruption : NULL, &req, &opt, &s, &shown, &err);
            if (st == PP_OK)
                st = pp_saliency_overlay(&shown, &s, 112, side ? &job->cam_corrupted[i] : &job->cam_clean[i], &err);
            if (st == PP_OK) {
                job->cam_class[2 * i + side] = s.target_class;
                job->cam_prob[2 * i + side] = s.prob;
            }
            pp_saliency_map_free(&s);
            pp_image_free(&shown);
        }
        pp_train_ctx_free(ctx);
        if (st != PP_OK) {
            job->cam_error = g_strdup_printf("%s: %s", pp_model_entry_get_title(job->cam_entries->pdata[i]), err.msg);
            break;
        }
        job->cams = (int)i + 1;
    }
    pp_image_free(&img);
}

/* Clean, then (with a corruption) corrupted CKA of the first images of the data set. */
static void compute_cka(CompareJob *job, GCancellable *cancellable, int threads)
{
    pp_error err = {0};
    pp_dataset ds;
    if (pp_dataset_open(&ds, job->data_spec, false, &err) != PP_OK) {
        job->cka_error = g_strdup(err.msg);
        return;
    }
    const gboolean two = job->entries->len > 1;
    const int conditions = job->corruption && job->severity > 0 ? 2 : 1;
    for (int k = 0; k < conditions && !g_cancellable_is_cancelled(cancellable); k++) {
        ProgressCtx pc = {.job = job, .cancellable = cancellable, .lo = 0.2 + 0.8 * k / conditions,
                          .span = 0.8 / conditions};
        pp_job pj = {.progress = on_progress, .cancel = on_cancel, .ctx = &pc, .threads = threads};
        pp_cka_options opt = {.kind = job->kind, .limit = job->images, .seed = job->seed,
                              .corruption = k ? job->corruption->name : NULL, .severity = job->severity};
        if (pp_cka_models(job_model(job, 0), job_title(job, 0), two ? job_model(job, 1) : NULL, job_title(job, 1), &ds,
                          &opt, &pj, &job->cka[k], &err) == PP_OK)
            job->has_cka[k] = TRUE;
        else if (err.status != PP_ERR_CANCELLED)
            job->cka_error = g_strdup(err.msg);
        if (err.status != PP_OK)
            break;
    }
    pp_dataset_free(&ds);
}

static gboolean compare_run(PpLatestRun *run, gpointer data, GCancellable *cancellable, GError **error)
{
    (void)run;
    (void)error; /* a part that fails says so in its panel */
    CompareJob *job = data;
    const int threads = pp_thread_budget_interactive();
    pp_error err = {0};
    const gboolean two = job->entries->len > 1;
    if (pp_weights_compare(job_model(job, 0), job_title(job, 0), two ? job_model(job, 1) : NULL, job_title(job, 1),
                           WEIGHT_BINS, false, &job->weights, &err) == PP_OK)
        job->has_weights = TRUE;
    else
        job->weights_error = g_strdup(err.msg);
    set_progress(job, 0.05);
    if (!g_cancellable_is_cancelled(cancellable))
        compute_maps(job, cancellable, threads);
    set_progress(job, 0.12);
    if (!g_cancellable_is_cancelled(cancellable))
        compute_cams(job, cancellable, threads);
    set_progress(job, 0.2);
    if (!g_cancellable_is_cancelled(cancellable))
        compute_cka(job, cancellable, threads);
    return !g_cancellable_is_cancelled(cancellable);
}

/* ---- main-thread side ---- */

static void update_height(PpCompareView *self, int width);
static void fill_tensor_names(PpCompareView *self);

static gboolean progress_tick(gpointer data)
{
    PpCompareView *self = data;
    if (!self->running_job) {
        self->progress_source = 0;
        return G_SOURCE_REMOVE;
    }
    double f = g_atomic_int_get(&self->running_job->progress_permille) / 1000.0;
    gtk_progress_bar_set_fraction(self->progress, f);
    char *text = g_strdup_printf("Comparing… %.0f%%", 100 * f);
    gtk_progress_bar_set_text(self->progress, text);
    g_free(text);
    return G_SOURCE_CONTINUE;
}

static void set_running(PpCompareView *self, gboolean running)
{
    gtk_widget_set_sensitive(GTK_WIDGET(self->cancel_button), running);
    if (running && !self->progress_source)
        self->progress_source = g_timeout_add(PROGRESS_MS, progress_tick, self);
}

static void compare_done(gpointer view, gpointer data, gboolean latest, const GError *error)
{
    (void)error;
    PpCompareView *self = view;
    CompareJob *job = data;
    self->running_job = NULL;
    set_running(self, FALSE);
    const gboolean superseded = !latest && pp_latest_job_is_pending(self->updates) && !self->cancelled_by_user;
    if (superseded)
        return; /* the newest inputs are on their way */
    gtk_progress_bar_set_fraction(self->progress, latest ? 1 : 0);
    gtk_progress_bar_set_text(self->progress, latest ? "Done" : self->cancelled_by_user ? "Cancelled" : "Stopped");
    if (latest) {
        CompareJob *keep = g_new0(CompareJob, 1);
        *keep = *job;
        memset(job, 0, sizeof *job);
        job_free(self->shown);
        self->shown = keep;
        fill_tensor_names(self);
        update_height(self, gtk_widget_get_width(GTK_WIDGET(self->area)));
    }
    gtk_widget_queue_draw(GTK_WIDGET(self->area));
}

static const char *dropdown_text(GtkDropDown *d)
{
    GObject *item = gtk_drop_down_get_selected_item(d);
    return item ? gtk_string_object_get_string(GTK_STRING_OBJECT(item)) : NULL;
}

/* The loaded models picked as 1 and 2 (indices into self->entries). */
static void selected_models(PpCompareView *self, guint *a, guint *b)
{
    const guint n = self->entries->len;
    *a = gtk_drop_down_get_selected(self->model_a_dropdown);
    *b = gtk_drop_down_get_selected(self->model_b_dropdown);
    *a = *a < n ? *a : 0;
    *b = *b < n ? *b : MIN(1, n - 1);
}

/* The job for the inputs now (main thread), or NULL. */
static gpointer compare_make(gpointer view)
{
    PpCompareView *self = view;
    self->cancelled_by_user = FALSE;
    if (!self->entries->len) {
        job_free(self->shown);
        self->shown = NULL;
        gtk_widget_queue_draw(GTK_WIDGET(self->area));
        return NULL;
    }
    CompareJob *job = g_new0(CompareJob, 1);
    job->entries = g_ptr_array_new_with_free_func(g_object_unref);
    job->cam_entries = g_ptr_array_new_with_free_func(g_object_unref);
    guint a = 0, b = 0;
    selected_models(self, &a, &b);
    g_ptr_array_add(job->entries, g_object_ref(self->entries->pdata[a]));
    if (b != a) /* one entry: the model with itself */
        g_ptr_array_add(job->entries, g_object_ref(self->entries->pdata[b]));
    for (guint i = 0; i < self->entries->len; i++)
        g_ptr_array_add(job->cam_entries, g_object_ref(self->entries->pdata[i]));
    job->image_path = g_strdup(self->image_path);
    job->data_spec = g_strdup(gtk_editable_get_text(GTK_EDITABLE(self->data_entry)));
    job->seed = self->seed;
    const char *c = dropdown_text(self->corruption_dropdown);
    job->corruption = c && strcmp(c, "none") ? pp_corruption_find(c) : NULL;
    job->severity = gtk_adjustment_get_value(self->severity_adjustment);
    job->images = (int)gtk_adjustment_get_value(self->images_adjustment);
    const char *kind = dropdown_text(self->kind_dropdown);
    if (!kind || !pp_cka_kind_parse(kind, &job->kind))
        job->kind = PP_CKA_LINEAR;
    const char *layer = dropdown_text(self->layer_dropdown);
    g_snprintf(job->layer, sizeof job->layer, "%s", layer ? layer : "stem");
    self->running_job = job;
    set_running(self, TRUE);
    return job;
}

/* Latest wins: a running computation is cancelled and the newest inputs queued. */
/* computed when the view is shown: no work for a hidden page */
static void request_update(PpCompareView *self)
{
    pp_latest_job_request_shown(self->updates, TRUE);
}

/* ---- layout ---- */

typedef struct {
    double width;
    double cka_y, cka_cell, cka_label_w, cka_panel_w, cka_h;
    int panels;
    double weights_y, weights_h;
    double maps_y, maps_h, tile, group_w, group_h, group_gap;
    int tiles, groups_per_row, groups;
    double gradcam_y, cam_tile, cam_group_w;
    int cams_per_row;
    double total;
} Layout;

#define TITLE_H 44
#define SECTION_GAP 22
#define SECTION_TITLE_H 22
#define CKA_LAYERS PP_CKA_MAX_LAYERS
#define DIFF_HIST_H 100 /* the B − A histogram under the tensor's histograms */

static const pp_weight_layer *selected_tensor(PpCompareView *self);

static int cka_panels(const CompareJob *job)
{
    return job ? job->has_cka[0] + job->has_cka[1] : 0;
}

static void layout_for(PpCompareView *self, int width, Layout *l)
{
    const CompareJob *job = self->shown;
    memset(l, 0, sizeof *l);
    l->width = width;
    l->panels = cka_panels(job);
    int layers = job && job->has_cka[0] ? MAX(job->cka[0].layers_a, job->cka[0].layers_b) : 11;
    l->cka_label_w = 70;
    l->cka_y = TITLE_H;
    double per_panel = (width - 20.0 * (MAX(l->panels, 1) - 1)) / MAX(l->panels, 1);
    l->cka_cell = CLAMP((per_panel - l->cka_label_w) / layers, 16, 46);
    l->cka_panel_w = l->cka_label_w + layers * l->cka_cell;
    l->cka_h = SECTION_TITLE_H + (l->panels ? layers * l->cka_cell + 22 : 24);
    l->weights_y = l->cka_y + l->cka_h + SECTION_GAP;
    const pp_weight_layer *t = selected_tensor(self);
    l->weights_h = SECTION_TITLE_H + 190 + (t && t->same_shape ? DIFF_HIST_H : 0);
    l->maps_y = l->weights_y + l->weights_h + SECTION_GAP;
    l->tiles = job && job->has_maps ? 2 * job->maps.models : 0;
    l->groups = job && job->has_maps ? job->maps.pairs : 0;
    l->tile = 44;
    l->group_gap = 12;
    l->group_w = l->tiles * l->tile + (l->tiles - 1) * 2;
    l->group_h = 14 + l->tile;
    l->groups_per_row = l->tiles ? MAX(1, (int)((width + l->group_gap) / (l->group_w + l->group_gap))) : 1;
    int rows = (l->groups + l->groups_per_row - 1) / l->groups_per_row;
    l->maps_h = SECTION_TITLE_H + 20 + (l->groups ? rows * (l->group_h + 8) : 24);
    l->gradcam_y = l->maps_y + l->maps_h + SECTION_GAP;
    l->cam_tile = 112;
    l->cam_group_w = 2 * l->cam_tile + 4;
    l->cams_per_row = MAX(1, (int)((width + 16) / (l->cam_group_w + 16)));
    int cams = job ? job->cams : 0, cam_rows = (cams + l->cams_per_row - 1) / l->cams_per_row;
    l->total = l->gradcam_y + SECTION_TITLE_H + 20 + (cams ? cam_rows * (l->cam_tile + 40) : 24);
}

static void update_height(PpCompareView *self, int width)
{
    if (width <= 0)
        return;
    Layout l;
    layout_for(self, width, &l);
    int h = (int)ceil(l.total);
    if (gtk_drawing_area_get_content_height(self->area) != h)
        gtk_drawing_area_set_content_height(self->area, h);
}

static void on_area_resize(GtkDrawingArea *area, int width, int height, PpCompareView *self)
{
    (void)area;
    (void)height;
    update_height(self, width);
}

/* ---- drawing ---- */

static const char *short_layer(const char *name)
{
    static const struct {
        const char *name, *abbrev;
    } abbrevs[] = {{"layer1", "l1"}, {"layer2", "l2"}, {"layer3", "l3"}, {"layer4", "l4"},
                   {"features", "feat"}, {"logits", "logit"}};
    for (size_t i = 0; i < G_N_ELEMENTS(abbrevs); i++)
        if (strcmp(name, abbrevs[i].name) == 0)
            return abbrevs[i].abbrev;
    if (g_str_has_prefix(name, "layer") && strchr(name, '.')) /* a block: "layer2.1" as "2.1" */
        return name + strlen("layer");
    return name;
}

static void draw_cka_panel(cairo_t *cr, GtkWidget *widget, const PpPlotColors *c, const pp_cka_result *r,
                           const char *caption, double x, double y, const Layout *l)
{
    const double cell = l->cka_cell;
    pp_plot_text_max(cr, widget, caption, x, y, l->cka_panel_w, 0.8, TRUE, &c->fg);
    y += 18;
    for (int i = 0; i < r->layers_a; i++) {
        pp_plot_text_max(cr, widget, r->names_a[i].name, x, y + i * cell + cell / 2 - 7, l->cka_label_w - 6, 0.75,
                         FALSE, &c->fg);
        for (int j = 0; j < r->layers_b; j++) {
            double v = r->matrix[(size_t)i * r->layers_b + j], rgb[3];
            pp_plot_sequential(isfinite(v) ? CLAMP(v, 0, 1) : 0, rgb);
            cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
            double cx = x + l->cka_label_w + j * cell, cy = y + i * cell;
            cairo_rectangle(cr, cx, cy, cell - 1, cell - 1);
            cairo_fill(cr);
            if (cell >= 30) { /* the value in the cell, dark on light colours */
                GdkRGBA ink = {.alpha = 1};
                ink.red = ink.green = ink.blue = v > 0.6 ? 0.0 : 1.0;
                char num[16];
                g_snprintf(num, sizeof num, "%.2f", v);
                pp_plot_text(cr, widget, num, cx + (cell - 1) / 2, cy + cell / 2 - 7, PP_ALIGN_CENTER, 0.65, FALSE,
                             &ink);
            }
        }
        if (r->match[i] >= 0) { /* the matched pair of this row */
            pp_plot_set_color(cr, &c->accent);
            cairo_set_line_width(cr, 2);
            cairo_rectangle(cr, x + l->cka_label_w + r->match[i] * cell + 1, y + i * cell + 1, cell - 3, cell - 3);
            cairo_stroke(cr);
        }
    }
    for (int j = 0; j < r->layers_b; j++)
        pp_plot_text(cr, widget, short_layer(r->names_b[j].name), x + l->cka_label_w + j * cell + cell / 2,
                     y + r->layers_a * cell + 2, PP_ALIGN_CENTER, 0.7, FALSE, &c->fg);
}

static void draw_cka(cairo_t *cr, GtkWidget *widget, const PpPlotColors *c, const CompareJob *job, const Layout *l)
{
    double y = l->cka_y;
    char *title = job->has_cka[0]
                      ? g_strdup_printf("CKA (%s, %s, %lld images of %s): rows model 1, columns model 2%s",
                                        pp_cka_kind_name(job->cka[0].kind), job->cka[0].minibatch ? "minibatch" : "exact",
                                        (long long)job->cka[0].samples, job->data_spec,
                                        job->cka[0].matched_by_position ? "; no layer name in common: by position" : "")
                      : g_strdup("CKA");
    pp_plot_text_max(cr, widget, title, 0, y, l->width, 0.9, TRUE, &c->fg);
    g_free(title);
    y += SECTION_TITLE_H;
    if (!l->panels) {
        GdkRGBA sec;
        pp_plot_secondary(c, &sec);
        pp_plot_text_max(cr, widget, job->cka_error ? job->cka_error : "Not computed.", 0, y, l->width, 0.85, FALSE,
                         &sec);
        return;
    }
    int p = 0;
    for (int k = 0; k < 2; k++) {
        if (!job->has_cka[k])
            continue;
        char *caption = k ? g_strdup_printf("%s, severity %.1f", job->corruption->name, job->severity)
                          : g_strdup("clean");
        draw_cka_panel(cr, widget, c, &job->cka[k], caption, p * (l->cka_panel_w + 20), y, l);
        g_free(caption);
        p++;
    }
}

static const pp_weight_layer *selected_tensor(PpCompareView *self)
{
    const CompareJob *job = self->shown;
    const char *name = dropdown_text(self->tensor_dropdown);
    for (int i = 0; job && job->has_weights && i < job->weights.count; i++)
        if (name && strcmp(job->weights.layers[i].name, name) == 0)
            return &job->weights.layers[i];
    return job && job->has_weights && job->weights.count ? &job->weights.layers[0] : NULL;
}

static void draw_histogram(cairo_t *cr, GtkWidget *widget, const PpPlotColors *c, const pp_weight_layer *t, int bins,
                           double x, double y, double w, double h)
{
    int64_t top = 1;
    for (int k = 0; k < bins; k++)
        top = MAX(top, MAX(t->hist_a[k], t->hist_b ? t->hist_b[k] : 0));
    const double bw = w / bins;
    for (int s = 0; s < (t->hist_b ? 2 : 1); s++) {
        const int64_t *hist = s ? t->hist_b : t->hist_a;
        cairo_set_source_rgba(cr, c->series[s].red, c->series[s].green, c->series[s].blue, 0.6);
        for (int k = 0; k < bins; k++) {
            double bh = h * (double)hist[k] / (double)top;
            cairo_rectangle(cr, x + k * bw, y + h - bh, MAX(bw - 0.5, 0.5), bh);
        }
        cairo_fill(cr);
    }
    pp_plot_set_color(cr, &c->dim);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, x, y + h + 0.5);
    cairo_line_to(cr, x + w, y + h + 0.5);
    cairo_stroke(cr);
    char lo[32], hi[32];
    g_snprintf(lo, sizeof lo, "%.3g", t->lo);
    g_snprintf(hi, sizeof hi, "%.3g", t->hi);
    pp_plot_text(cr, widget, lo, x, y + h + 2, PP_ALIGN_START, 0.7, FALSE, &c->fg);
    pp_plot_text(cr, widget, hi, x + w, y + h + 2, PP_ALIGN_END, 0.7, FALSE, &c->fg);
}

/* Per weight tensor (conv and linear weights): ‖B − A‖/‖A‖ when the two are of
 * one architecture, else the std of each. */
static void draw_tensor_bars(cairo_t *cr, GtkWidget *widget, const PpPlotColors *c, const pp_weight_report *r,
                             double x, double y, double w, double h)
{
    int n = 0;
    gboolean change = r->has_b;
    double top = 1e-12;
    for (int i = 0; i < r->count; i++) {
        const pp_weight_layer *t = &r->layers[i];
        if (t->ndim < 2)
            continue;
        n++;
        change &= t->same_shape;
    }
    for (int i = 0; i < r->count; i++) {
        const pp_weight_layer *t = &r->layers[i];
        if (t->ndim >= 2)
            top = MAX(top, change ? t->relative_change : MAX(t->a.std, t->in_b ? t->b.std : 0));
    }
    pp_plot_text_max(cr, widget,
                     change ? "Relative change ‖B − A‖ / ‖A‖ per weight tensor, conv1 to classifier"
                            : "Std of each weight tensor, conv1 to classifier (model 1 | model 2)",
                     x, y, w, 0.8, FALSE, &c->fg);
    y += 18;
    h -= 36;
    const double bw = n ? w / n : w;
    int k = 0;
    for (int i = 0; i < r->count; i++) {
        const pp_weight_layer *t = &r->layers[i];
        if (t->ndim < 2)
            continue;
        for (int s = 0; s < (change || !t->in_b ? 1 : 2); s++) {
            double v = change ? t->relative_change : s ? t->b.std : t->a.std;
            double bh = isfinite(v) ? h * v / top : 0;
            double sw = change || !t->in_b ? bw - 1 : (bw - 1) / 2;
            pp_plot_set_color(cr, &c->series[change ? 2 : s]);
            cairo_rectangle(cr, x + k * bw + s * sw, y + h - bh, MAX(sw, 0.5), bh);
            cairo_fill(cr);
        }
        k++;
    }
    char num[32];
    g_snprintf(num, sizeof num, "max %.3g", top);
    pp_plot_text(cr, widget, num, x + w, y + h + 2, PP_ALIGN_END, 0.7, FALSE, &c->fg);
}

static void draw_weights(PpCompareView *self, cairo_t *cr, GtkWidget *widget, const PpPlotColors *c,
                         const CompareJob *job, const Layout *l)
{
    double y = l->weights_y;
    const pp_weight_layer *t = selected_tensor(self);
    char *title = t ? g_strdup_printf("Weights: %s, %s", t->name, t->in_b ? "model 1 and model 2 overlaid" : "model 1")
                    : g_strdup("Weights");
    pp_plot_text_max(cr, widget, title, 0, y, l->width, 0.9, TRUE, &c->fg);
    g_free(title);
    y += SECTION_TITLE_H;
    if (!t) {
        GdkRGBA sec;
        pp_plot_secondary(c, &sec);
        pp_plot_text_max(cr, widget, job->weights_error ? job->weights_error : "No weights.", 0, y, l->width, 0.85,
                         FALSE, &sec);
        return;
    }
    const double half = (l->width - 24) / 2;
    for (int s = 0; s < (t->in_b ? 2 : 1); s++) {
        const pp_weight_stats *st = s ? &t->b : &t->a;
        char *line = g_strdup_printf("■ model %u: mean %.3g  std %.3g  near 0 %.1f%%  zero %.1f%%  ‖w‖ %.3g", s + 1,
                                     st->mean, st->std, 100 * st->near_zero, 100 * st->sparsity, st->norm);
        pp_plot_text_max(cr, widget, line, 0, y + 15 * s, half, 0.75, FALSE, &c->series[s]);
        g_free(line);
    }
    if (t->same_shape) {
        char *line = g_strdup_printf("relative change ‖B − A‖/‖A‖ = %.4g", t->relative_change);
        pp_plot_text_max(cr, widget, line, 0, y + 30, half, 0.75, FALSE, &c->fg);
        g_free(line);
    }
    draw_histogram(cr, widget, c, t, job->weights.bins, 0, y + 50, half, 120);
    if (t->same_shape) { /* what changed between the two checkpoints */
        pp_weight_layer diff = {.lo = t->diff_lo, .hi = t->diff_hi, .hist_a = t->hist_diff};
        double dy = y + 190;
        pp_plot_text_max(cr, widget, "B − A, per weight", 0, dy, half, 0.75, FALSE, &c->fg);
        PpPlotColors dc = *c;
        dc.series[0] = c->series[2];
        draw_histogram(cr, widget, &dc, &diff, job->weights.bins, 0, dy + 16, half, DIFF_HIST_H - 40);
    }
    draw_tensor_bars(cr, widget, c, &job->weights, half + 24, y, half, 190);
}

/* Where tile (channel k, model m, corrupted) of the maps lies. */
static void tile_origin(const Layout *l, int k, int m, int corrupted, double *x, double *y)
{
    int col = k % l->groups_per_row, row = k / l->groups_per_row;
    *x = col * (l->group_w + l->group_gap) + (2 * m + corrupted) * (l->tile + 2);
    *y = l->maps_y + SECTION_TITLE_H + 20 + row * (l->group_h + 8) + 14;
}

static void draw_maps(cairo_t *cr, GtkWidget *widget, const PpPlotColors *c, const CompareJob *job, const Layout *l)
{
    double y = l->maps_y;
    char *title = g_strdup_printf("Feature maps of %s: every channel, %s", job->layer,
                                  job->corruption ? "clean | corrupted per model" : "clean (no corruption chosen)");
    pp_plot_text_max(cr, widget, title, 0, y, l->width, 0.9, TRUE, &c->fg);
    g_free(title);
    y += SECTION_TITLE_H;
    GdkRGBA sec;
    pp_plot_secondary(c, &sec);
    if (!job->has_maps) {
        pp_plot_text_max(cr, widget, job->maps_error ? job->maps_error : "Not computed.", 0, y, l->width, 0.85, FALSE,
                         &sec);
        return;
    }
    char *name = job->image_path ? g_path_get_basename(job->image_path) : g_strdup("");
    char *line = g_strdup_printf("%s%s%s. Per channel: model 1 clean, corrupted%s; one colour range per channel.",
                                 name, job->corruption ? ", " : "", job->corruption ? job->corruption->name : "",
                                 job->maps.models > 1 ? ", model 2 clean, corrupted" : "");
    pp_plot_text_max(cr, widget, line, 0, y, l->width, 0.75, FALSE, &sec);
    g_free(line);
    g_free(name);
    const pp_feature_maps *fm = &job->maps;
    for (int k = 0; k < fm->pairs; k++) {
        double gx, gy;
        tile_origin(l, k, 0, 0, &gx, &gy);
        char label[32];
        g_snprintf(label, sizeof label, "ch %d", k);
        pp_plot_text(cr, widget, label, gx, gy - 14, PP_ALIGN_START, 0.65, FALSE, &c->fg);
        for (int m = 0; m < fm->models; m++) {
            if (k >= fm->channels[m])
                continue;
            size_t plane = (size_t)fm->height[m] * fm->width[m];
            for (int corrupted = 0; corrupted < 2; corrupted++) {
                double tx, ty;
                tile_origin(l, k, m, corrupted, &tx, &ty);
                const float *maps = corrupted ? fm->corrupted[m] : fm->clean[m];
                float lo = fm->lo[k], hi = fm->hi[k] > fm->lo[k] ? fm->hi[k] : fm->lo[k] + 1e-6f;
                pp_paint_plane(cr, maps + k * plane, fm->height[m], fm->width[m], tx, ty, l->tile, l->tile, lo, hi,
                               FALSE);
            }
        }
    }
}

static void draw_cams(cairo_t *cr, GtkWidget *widget, const PpPlotColors *c, const CompareJob *job, const Layout *l)
{
    double y = l->gradcam_y;
    pp_plot_text_max(cr, widget, "Grad-CAM of the top-1 (layer4), every loaded model", 0, y, l->width, 0.9, TRUE,
                     &c->fg);
    y += SECTION_TITLE_H;
    GdkRGBA sec;
    pp_plot_secondary(c, &sec);
    char *line = g_strdup_printf("Clean | %s%s; blue 0 to red 1 (the map divided by its max).",
                                 job->corruption ? job->corruption->name : "clean again",
                                 job->corruption ? "" : " (no corruption chosen)");
    pp_plot_text_max(cr, widget, job->cam_error ? job->cam_error : line, 0, y, l->width, 0.75, FALSE, &sec);
    g_free(line);
    y += 20;
    for (int i = 0; i < job->cams; i++) {
        int col = i % l->cams_per_row, row = i / l->cams_per_row;
        double x = col * (l->cam_group_w + 16), ty = y + row * (l->cam_tile + 40);
        const pp_model *m = pp_model_entry_get_model(job->cam_entries->pdata[i]);
        pp_plot_text_max(cr, widget, pp_model_entry_get_title(job->cam_entries->pdata[i]), x, ty, l->cam_group_w, 0.75,
                         TRUE, &c->fg);
        for (int side = 0; side < 2; side++) {
            const pp_image *overlay = side ? &job->cam_corrupted[i] : &job->cam_clean[i];
            double tx = x + side * (l->cam_tile + 4);
            pp_paint_image(cr, overlay, tx, ty + 16, l->cam_tile, l->cam_tile);
            char *label = g_strdup_printf("%s %.0f%%", pp_model_class_name(m, job->cam_class[2 * i + side]),
                                          100.0 * job->cam_prob[2 * i + side]);
            pp_plot_text_max(cr, widget, label, tx, ty + 18 + l->cam_tile, l->cam_tile, 0.7, FALSE, &c->fg);
            g_free(label);
        }
    }
}

void pp_compare_view_draw(GtkWidget *widget, cairo_t *cr, int width, int height)
{
    (void)height;
    PpCompareView *self = PP_COMPARE_VIEW(widget);
    PpPlotColors c;
    pp_plot_colors(widget, &c);
    const CompareJob *job = self->shown;
    if (!job) {
        const char *text = !self->entries->len      ? "Open one or two models to compare them."
                           : self->cancelled_by_user ? "Cancelled. Change an input to compare again."
                                                     : "Comparing the models…";
        pp_plot_text(cr, widget, text, 0, 0, PP_ALIGN_START, 1.0, FALSE, &c.fg);
        return;
    }
    Layout l;
    layout_for(self, width, &l);
    char *title = job->entries->len > 1
                      ? g_strdup_printf("Model 1: %s    Model 2: %s", job_title(job, 0), job_title(job, 1))
                      : g_strdup_printf("Model 1: %s, with itself (%s)", job_title(job, 0),
                                        job->cam_entries->len > 1 ? "pick another Model 2 to compare two"
                                                                  : "open a second model to compare two");
    pp_plot_text_max(cr, widget, title, 0, 0, width, 1.0, TRUE, &c.fg);
    g_free(title);
    draw_cka(cr, widget, &c, job, &l);
    draw_weights(self, cr, widget, &c, job, &l);
    draw_maps(cr, widget, &c, job, &l);
    draw_cams(cr, widget, &c, job, &l);
}

static void draw_screen(GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
    (void)area;
    pp_compare_view_draw(GTK_WIDGET(data), cr, width, height);
    pp_latest_job_drawn(PP_COMPARE_VIEW(data)->updates);
}

/* ---- hover ---- */

const char *pp_compare_view_hover(PpCompareView *self, double px, double py)
{
    g_clear_pointer(&self->hover, g_free);
    const CompareJob *job = self->shown;
    if (!job)
        return NULL;
    Layout l;
    layout_for(self, gtk_widget_get_width(GTK_WIDGET(self->area)), &l);
    double top = l.cka_y + SECTION_TITLE_H + 18;
    int p = 0;
    for (int k = 0; k < 2 && !self->hover; k++) {
        if (!job->has_cka[k])
            continue;
        const pp_cka_result *r = &job->cka[k];
        double x0 = p * (l.cka_panel_w + 20) + l.cka_label_w;
        int j = (int)floor((px - x0) / l.cka_cell), i = (int)floor((py - top) / l.cka_cell);
        if (px >= x0 && py >= top && i < r->layers_a && j < r->layers_b)
            self->hover = g_strdup_printf("CKA %s: model 1 %s × model 2 %s = %.4f",
                                          k ? job->corruption->name : "clean", r->names_a[i].name, r->names_b[j].name,
                                          r->matrix[(size_t)i * r->layers_b + j]);
        p++;
    }
    const pp_feature_maps *fm = &job->maps;
    for (int k = 0; job->has_maps && k < fm->pairs && !self->hover; k++)
        for (int m = 0; m < fm->models && !self->hover; m++)
            for (int corrupted = 0; corrupted < 2 && !self->hover; corrupted++) {
                double tx, ty;
                tile_origin(&l, k, m, corrupted, &tx, &ty);
                if (k >= fm->channels[m] || px < tx || py < ty || px >= tx + l.tile || py >= ty + l.tile)
                    continue;
                int x = (int)((px - tx) / l.tile * fm->width[m]), y = (int)((py - ty) / l.tile * fm->height[m]);
                self->hover = g_strdup_printf("%s, model %d %s, channel %d at (%d, %d): %.4g (range %.3g to %.3g)",
                                              fm->layer, m + 1, corrupted ? "corrupted" : "clean", k, x,
                                              y, pp_feature_maps_value(fm, m, corrupted, k, x, y), fm->lo[k],
                                              fm->hi[k]);
            }
    return self->hover;
}

static void on_motion(GtkEventControllerMotion *motion, double x, double y, PpCompareView *self)
{
    (void)motion;
    const char *text = pp_compare_view_hover(self, x, y);
    if (text) { /* cut to the label's width, whole in its tooltip */
        gtk_label_set_text(self->hover_label, text);
        gtk_widget_set_tooltip_text(GTK_WIDGET(self->hover_label), text);
    }
}

/* ---- inputs ---- */

static void fill_tensor_names(PpCompareView *self)
{
    const CompareJob *job = self->shown;
    if (!job || !job->has_weights)
        return;
    const char *keep = dropdown_text(self->tensor_dropdown);
    char *wanted = g_strdup(keep);
    self->filling_tensors = TRUE;
    guint n = g_list_model_get_n_items(G_LIST_MODEL(self->tensor_names));
    const char **names = g_new0(const char *, job->weights.count + 1);
    int selected = -1, first_shared = -1; /* keep the choice, else the first tensor both models have */
    for (int i = 0; i < job->weights.count; i++) {
        names[i] = job->weights.layers[i].name;
        if (wanted && strcmp(wanted, names[i]) == 0)
            selected = i;
        if (first_shared < 0 && job->weights.layers[i].in_b && job->weights.layers[i].ndim >= 2)
            first_shared = i;
    }
    if (selected < 0)
        selected = first_shared >= 0 ? first_shared : 0;
    gtk_string_list_splice(self->tensor_names, 0, n, names);
    gtk_drop_down_set_selected(self->tensor_dropdown, (guint)selected);
    self->filling_tensors = FALSE;
    g_free(names);
    g_free(wanted);
}

static void on_tensor_selected(PpCompareView *self)
{
    if (!self->filling_tensors)
        gtk_widget_queue_draw(GTK_WIDGET(self->area)); /* drawn from the results: nothing to compute */
}

static void on_cancel_clicked(PpCompareView *self)
{
    pp_compare_view_cancel(self);
}

void pp_compare_view_cancel(PpCompareView *self)
{
    if (!pp_latest_job_is_running(self->updates))
        return;
    self->cancelled_by_user = TRUE;
    pp_latest_job_cancel(self->updates);
}

static gboolean select_string(GtkDropDown *d, const char *text);

/* The "Maps of" list: the stage outputs and conv1 (the .ui's six), then
 * every residual block of model 1 (layer1.0, ...). The layer shown stays
 * when model 1 has it, else the stem. */
#define FIXED_MAP_LAYERS 6
static void fill_map_layers(PpCompareView *self)
{
    GtkStringList *list = GTK_STRING_LIST(gtk_drop_down_get_model(self->layer_dropdown));
    char *keep = g_strdup(dropdown_text(self->layer_dropdown));
    pp_model_layer layers[PP_MODEL_LAYERS_MAX];
    const char *blocks[PP_MODEL_LAYERS_MAX + 1] = {0};
    int count = 0, n_blocks = 0;
    if (self->entries->len) {
        guint a, b;
        selected_models(self, &a, &b);
        count = MIN(pp_model_layers_per_block(pp_model_entry_get_model(self->entries->pdata[a]), layers,
                                              PP_MODEL_LAYERS_MAX),
                    PP_MODEL_LAYERS_MAX);
    }
    for (int i = 0; i < count; i++)
        if (layers[i].map && strchr(layers[i].name, '.'))
            blocks[n_blocks++] = layers[i].name;
    const guint n = g_list_model_get_n_items(G_LIST_MODEL(list));
    gtk_string_list_splice(list, FIXED_MAP_LAYERS, n > FIXED_MAP_LAYERS ? n - FIXED_MAP_LAYERS : 0, blocks);
    if (!keep || !select_string(self->layer_dropdown, keep))
        gtk_drop_down_set_selected(self->layer_dropdown, 0);
    g_free(keep);
}

/* The index of `entry` in entries, or `fallback`. */
static guint index_of(GPtrArray *entries, gpointer entry, guint fallback)
{
    guint i;
    return entry && g_ptr_array_find(entries, entry, &i) ? i : fallback;
}

void pp_compare_view_set_entries(PpCompareView *self, GPtrArray *entries)
{
    /* the models picked stay picked when others come or go; until someone picks,
     * models 1 and 2 are the list's first two, whichever finished loading first */
    guint a = 0, b = 0;
    gpointer picked_a = NULL, picked_b = NULL;
    if (self->entries->len && self->models_chosen) {
        selected_models(self, &a, &b);
        picked_a = g_object_ref(self->entries->pdata[a]);
        /* with one model, model 2 was that one by necessity, not a choice */
        picked_b = self->entries->len > 1 ? g_object_ref(self->entries->pdata[b]) : NULL;
    }
    g_ptr_array_set_size(self->entries, 0);
    for (guint i = 0; entries && i < entries->len; i++)
        g_ptr_array_add(self->entries, g_object_ref(entries->pdata[i]));
    const guint n = self->entries->len;
    self->syncing_models = TRUE;
    const char **titles = g_new0(const char *, n + 1);
    for (guint i = 0; i < n; i++)
        titles[i] = pp_model_entry_get_title(self->entries->pdata[i]);
    gtk_string_list_splice(self->model_names, 0, g_list_model_get_n_items(G_LIST_MODEL(self->model_names)), titles);
    gtk_string_list_splice(self->model_names_b, 0, g_list_model_get_n_items(G_LIST_MODEL(self->model_names_b)),
                           titles);
    g_free(titles);
    if (n) {
        a = index_of(self->entries, picked_a, 0);
        b = index_of(self->entries, picked_b, MIN(1, n - 1));
        if (!picked_b && n > 1)
            b = a == 0 ? 1 : 0;
        gtk_drop_down_set_selected(self->model_a_dropdown, a);
        gtk_drop_down_set_selected(self->model_b_dropdown, b);
    }
    fill_map_layers(self);
    self->syncing_models = FALSE;
    g_clear_object(&picked_a);
    g_clear_object(&picked_b);
    request_update(self);
}

gboolean pp_compare_view_set_models(PpCompareView *self, guint a, guint b)
{
    if (a >= self->entries->len || b >= self->entries->len)
        return FALSE;
    gtk_drop_down_set_selected(self->model_a_dropdown, a);
    gtk_drop_down_set_selected(self->model_b_dropdown, b);
    self->models_chosen = TRUE;
    request_update(self);
    return TRUE;
}

static void on_model_picked(PpCompareView *self)
{
    if (self->syncing_models)
        return;
    self->models_chosen = TRUE;
    fill_map_layers(self);
    request_update(self);
}

void pp_compare_view_set_image_file(PpCompareView *self, const char *path)
{
    if (g_strcmp0(self->image_path, path) == 0)
        return;
    g_free(self->image_path);
    self->image_path = g_strdup(path);
    request_update(self);
}

void pp_compare_view_set_seed(PpCompareView *self, guint64 seed)
{
    if (self->seed == seed)
        return;
    self->seed = seed;
    request_update(self);
}

static gboolean select_string(GtkDropDown *d, const char *text)
{
    GListModel *model = gtk_drop_down_get_model(d);
    for (guint i = 0; i < g_list_model_get_n_items(model); i++) {
        GtkStringObject *s = g_list_model_get_item(model, i);
        gboolean hit = strcmp(gtk_string_object_get_string(s), text) == 0;
        g_object_unref(s);
        if (hit) {
            gtk_drop_down_set_selected(d, i);
            return TRUE;
        }
    }
    return FALSE;
}

gboolean pp_compare_view_set_corruption(PpCompareView *self, const char *name)
{
    return select_string(self->corruption_dropdown, name ? name : "none");
}

void pp_compare_view_set_severity(PpCompareView *self, double severity)
{
    gtk_adjustment_set_value(self->severity_adjustment, CLAMP(severity, 0, PP_CORRUPTION_MAX_SEVERITY));
}

gboolean pp_compare_view_set_layer(PpCompareView *self, const char *layer)
{
    return select_string(self->layer_dropdown, layer);
}

void pp_compare_view_set_data(PpCompareView *self, const char *spec, int images)
{
    if (spec)
        gtk_editable_set_text(GTK_EDITABLE(self->data_entry), spec);
    if (images > 0)
        gtk_adjustment_set_value(self->images_adjustment, images);
    request_update(self);
}

gboolean pp_compare_view_is_busy(PpCompareView *self)
{
    return pp_latest_job_is_busy(self->updates);
}

/* ---- export ---- */

char *pp_compare_view_to_csv(PpCompareView *self)
{
    GString *s = g_string_new("condition,kind,images,layer_a,layer_b,cka\n");
    const CompareJob *job = self->shown;
    for (int k = 0; job && k < 2; k++) {
        if (!job->has_cka[k])
            continue;
        const pp_cka_result *r = &job->cka[k];
        for (int i = 0; i < r->layers_a; i++)
            for (int j = 0; j < r->layers_b; j++) {
                char condition[64];
                if (k)
                    g_snprintf(condition, sizeof condition, "%s %.2f", job->corruption->name, job->severity);
                else
                    g_strlcpy(condition, "clean", sizeof condition);
                g_string_append_printf(s, "%s,%s,%lld,%s,%s,%.6f\n", condition, pp_cka_kind_name(r->kind),
                                       (long long)r->samples, r->names_a[i].name, r->names_b[j].name,
                                       r->matrix[(size_t)i * r->layers_b + j]);
            }
    }
    return g_string_free(s, FALSE);
}

void pp_compare_view_print(PpCompareView *self, FILE *out)
{
    fprintf(out, "state: %s\n", gtk_progress_bar_get_text(self->progress) ? gtk_progress_bar_get_text(self->progress) : "");
    char *csv = pp_compare_view_to_csv(self);
    fputs(csv, out);
    g_free(csv);
    const CompareJob *job = self->shown;
    if (!job)
        return;
    Layout l;
    layout_for(self, gtk_widget_get_width(GTK_WIDGET(self->area)), &l);
    /* the middle of the first CKA cell and of model 1's corrupted map of channel 0 */
    const char *h = pp_compare_view_hover(self, l.cka_label_w + l.cka_cell / 2,
                                          l.cka_y + SECTION_TITLE_H + 18 + l.cka_cell / 2);
    fprintf(out, "models: %s × %s\n", job_title(job, 0), job_title(job, 1));
    fprintf(out, "hover cka: %s\n", h ? h : "none");
    double tx, ty;
    tile_origin(&l, 0, 0, 1, &tx, &ty);
    h = pp_compare_view_hover(self, tx + l.tile / 2, ty + l.tile / 2);
    fprintf(out, "hover map: %s\n", h ? h : "none");
    for (int i = 0; i < job->cams; i++)
        fprintf(out, "gradcam: %s clean %d %.4f corrupted %d %.4f\n",
                pp_model_entry_get_title(job->cam_entries->pdata[i]), job->cam_class[2 * i], job->cam_prob[2 * i],
                job->cam_class[2 * i + 1], job->cam_prob[2 * i + 1]);
}

#define EXPORT_MARGIN 16

static void draw_export(GtkWidget *widget, cairo_t *cr, int width, int height)
{
    cairo_save(cr);
    cairo_translate(cr, EXPORT_MARGIN, EXPORT_MARGIN);
    pp_compare_view_draw(widget, cr, width - 2 * EXPORT_MARGIN, height - 2 * EXPORT_MARGIN);
    cairo_restore(cr);
}

gboolean pp_compare_view_export(PpCompareView *self, const char *path, GError **error)
{
    if (g_str_has_suffix(path, ".csv")) {
        char *csv = pp_compare_view_to_csv(self);
        gboolean ok = g_file_set_contents(path, csv, -1, error);
        g_free(csv);
        return ok;
    }
    int width = MAX(gtk_widget_get_width(GTK_WIDGET(self->area)), 900);
    Layout l;
    layout_for(self, width, &l);
    return pp_plot_export(GTK_WIDGET(self), draw_export, width + 2 * EXPORT_MARGIN,
                          (int)ceil(l.total) + 2 * EXPORT_MARGIN, path, error);
}

/* ---- class ---- */

static void pp_compare_view_dispose(GObject *object)
{
    PpCompareView *self = PP_COMPARE_VIEW(object);
    g_clear_pointer(&self->updates, pp_latest_job_free);
    self->running_job = NULL; /* freed with its job */
    if (self->progress_source) {
        g_source_remove(self->progress_source);
        self->progress_source = 0;
    }
    GObject *senders[] = {G_OBJECT(self->severity_adjustment), G_OBJECT(self->images_adjustment),
                          G_OBJECT(self->corruption_dropdown), G_OBJECT(self->layer_dropdown),
                          G_OBJECT(self->kind_dropdown), G_OBJECT(self->tensor_dropdown), G_OBJECT(self->data_entry),
                          G_OBJECT(self->cancel_button)};
    for (size_t i = 0; i < G_N_ELEMENTS(senders); i++)
        if (senders[i])
            g_signal_handlers_disconnect_by_data(senders[i], self);
    pp_template_dispose_children(GTK_WIDGET(object), PP_TYPE_COMPARE_VIEW);
    G_OBJECT_CLASS(pp_compare_view_parent_class)->dispose(object);
}

static void pp_compare_view_finalize(GObject *object)
{
    PpCompareView *self = PP_COMPARE_VIEW(object);
    job_free(self->shown);
    g_ptr_array_unref(self->entries);
    g_free(self->image_path);
    g_free(self->hover);
    G_OBJECT_CLASS(pp_compare_view_parent_class)->finalize(object);
}

static char *summary(GtkWidget *widget)
{
    PpCompareView *self = PP_COMPARE_VIEW(gtk_widget_get_ancestor(widget, PP_TYPE_COMPARE_VIEW));
    const CompareJob *job = self ? self->shown : NULL;
    if (!job || !job->has_cka[0])
        return g_strdup("Model comparison: not computed");
    GString *s = g_string_new("CKA of matched layers:");
    const pp_cka_result *r = &job->cka[0];
    for (int i = 0; i < r->layers_a; i++)
        if (r->match[i] >= 0)
            g_string_append_printf(s, " %s %.2f;", r->names_a[i].name, r->matrix[(size_t)i * r->layers_b + r->match[i]]);
    return g_string_free(s, FALSE);
}

static void pp_compare_view_class_init(PpCompareViewClass *klass)
{
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    G_OBJECT_CLASS(klass)->dispose = pp_compare_view_dispose;
    G_OBJECT_CLASS(klass)->finalize = pp_compare_view_finalize;
    gtk_widget_class_set_template_from_resource(wc, "/io/github/PushPullStudio/pp-compare-view.ui");
    gtk_widget_class_set_css_name(wc, "compareview");
    gtk_widget_class_set_accessible_role(wc, GTK_ACCESSIBLE_ROLE_GROUP);
#define BIND(name) gtk_widget_class_bind_template_child(wc, PpCompareView, name)
    BIND(corruption_dropdown);
    BIND(corruption_names);
    BIND(model_a_dropdown);
    BIND(model_b_dropdown);
    BIND(model_names);
    BIND(model_names_b);
    BIND(layer_dropdown);
    BIND(kind_dropdown);
    BIND(tensor_dropdown);
    BIND(tensor_names);
    BIND(severity_adjustment);
    BIND(images_adjustment);
    BIND(data_entry);
    BIND(progress);
    BIND(cancel_button);
    BIND(hover_label);
    BIND(area);
#undef BIND
}

static void pp_compare_view_init(PpCompareView *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->entries = g_ptr_array_new_with_free_func(g_object_unref);
    gtk_string_list_append(self->corruption_names, "none");
    for (size_t i = 0; i < pp_corruption_count(); i++)
        gtk_string_list_append(self->corruption_names, pp_corruption_at(i)->name);
    gtk_drop_down_set_selected(self->corruption_dropdown, 1); /* gaussian_noise, as the probe starts */
    static const PpLatestJobFuncs funcs = {
        .make = compare_make, .run = compare_run, .done = compare_done, .job_free = job_free};
    self->updates = pp_latest_job_new(self, GTK_WIDGET(self->area), &funcs);
    pp_latest_job_defer_while_hidden(self->updates, GTK_WIDGET(self));
    gtk_drawing_area_set_draw_func(self->area, draw_screen, self, NULL);
    g_signal_connect(self->area, "resize", G_CALLBACK(on_area_resize), self);
    g_signal_connect_swapped(self->severity_adjustment, "value-changed", G_CALLBACK(request_update), self);
    g_signal_connect_swapped(self->images_adjustment, "value-changed", G_CALLBACK(request_update), self);
    g_signal_connect_swapped(self->corruption_dropdown, "notify::selected", G_CALLBACK(request_update), self);
    g_signal_connect_swapped(self->layer_dropdown, "notify::selected", G_CALLBACK(request_update), self);
    g_signal_connect_swapped(self->kind_dropdown, "notify::selected", G_CALLBACK(request_update), self);
    g_signal_connect_swapped(self->model_a_dropdown, "notify::selected", G_CALLBACK(on_model_picked), self);
    g_signal_connect_swapped(self->model_b_dropdown, "notify::selected", G_CALLBACK(on_model_picked), self);
    g_signal_connect_swapped(self->tensor_dropdown, "notify::selected", G_CALLBACK(on_tensor_selected), self);
    g_signal_connect_swapped(self->data_entry, "activate", G_CALLBACK(request_update), self);
    g_signal_connect_swapped(self->cancel_button, "clicked", G_CALLBACK(on_cancel_clicked), self);
    GtkEventController *motion = gtk_event_controller_motion_new();
    g_signal_connect(motion, "motion", G_CALLBACK(on_motion), self);
    gtk_widget_add_controller(GTK_WIDGET(self->area), motion);
    pp_plot_set_accessible(GTK_WIDGET(self->area), "Model comparison: CKA, weights and feature maps", summary);
    gtk_accessible_update_property(GTK_ACCESSIBLE(self->cancel_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   "Cancel the comparison", -1);
}

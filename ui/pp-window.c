#include "pp-window.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_file.h"
#include "pp-alpha-chart.h"
#include "pp-kernel-detail.h"
#include "pp-jobs-view.h"
#include "pp-kernel-grid.h"
#include "pp-model-entry.h"
#include "pp-model-row.h"
#include "pp-model-summary.h"
#include "pp-plot.h"
#include "pp-probe-view.h"
#include "pp-spectrum-view.h"

struct _PpWindow {
    GtkApplicationWindow parent_instance;

    GtkSpinner *spinner;
    GtkInfoBar *banner;
    GtkLabel *banner_label;
    GtkListBox *model_list;
    PpModelSummary *summary;
    GtkStack *stack;
    PpKernelGrid *kernel_grid;
    PpKernelDetail *kernel_detail;
    PpAlphaChart *alpha_chart;
    PpSpectrumView *spectrum_view;
    PpProbeView *probe_view;
    PpJobsView *jobs_view;
    PpCorruptionGridView *grid_view;
    PpInhibitionLabView *lab_view;
    GtkWidget *spectra_controls;
    GtkAdjustment *kernel_adjustment, *alpha_adjustment;
    GtkScale *alpha_scale;
    GtkCheckButton *alpha_all;
    GtkToggleButton *avg0, *avg3, *avg5;

    PpModelEntry *current;
    PpModelRow *first_row; /* toggle group of the baseline stars */
    int pending;
    guint next_order;
    gboolean syncing; /* controls being set from the model, not by the user */
    gboolean had_error;
    GtkNativeDialog *dialog;
    GMenu *recent_menu;
    gboolean close_after_job; /* the user confirmed closing during a job */
    char *error_owner;        /* who showed the banner's message ("load", "probe", ...) */
    gboolean startup_done;    /* the first loads finished: models opened from now on are selected */
    gboolean batch_failed;    /* a load of the running batch failed: its message stays */
    GHashTable *loading;      /* canonical paths being loaded */
};

G_DEFINE_FINAL_TYPE(PpWindow, pp_window, GTK_TYPE_APPLICATION_WINDOW)

enum { SIGNAL_LOADS_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- data files ---- */

char *pp_studio_find_data(const char *relative)
{
    char *path = g_build_filename(PP_SOURCE_DIR, relative, NULL);
    if (g_file_test(path, G_FILE_TEST_EXISTS))
        return path;
    g_free(path);
    path = g_build_filename(PP_DATADIR, "pushpull-studio", relative, NULL);
    if (g_file_test(path, G_FILE_TEST_EXISTS))
        return path;
    g_free(path);
    return NULL;
}

/* ---- errors ---- */

void pp_window_report_error(PpWindow *self, const char *owner, const char *message)
{
    g_free(self->error_owner);
    self->error_owner = g_strdup(owner);
    self->had_error = TRUE;
    gtk_label_set_text(self->banner_label, message);
    /* Shown at once rather than revealed: an error must be visible in the very
     * next frame (and in --screenshot renders), not after an animation. */
    gtk_widget_set_visible(GTK_WIDGET(self->banner), TRUE);
}

void pp_window_show_error(PpWindow *self, const char *message)
{
    pp_window_report_error(self, NULL, message);
}

void pp_window_clear_error(PpWindow *self, const char *owner)
{
    if (owner && g_strcmp0(owner, self->error_owner) != 0)
        return;
    gtk_widget_set_visible(GTK_WIDGET(self->banner), FALSE);
    g_clear_pointer(&self->error_owner, g_free);
}

const char *pp_window_get_error(PpWindow *self)
{
    return gtk_widget_get_visible(GTK_WIDGET(self->banner)) ? gtk_label_get_text(self->banner_label) : NULL;
}

gboolean pp_window_has_error(PpWindow *self)
{
    return self->had_error;
}

static void on_banner_response(GtkInfoBar *bar, int response, PpWindow *self)
{
    (void)response;
    (void)self;
    gtk_widget_set_visible(GTK_WIDGET(bar), FALSE);
}

/* ---- selection and controls ---- */

static void sync_controls(PpWindow *self)
{
    PpModelEntry *e = self->current;
    self->syncing = TRUE;
    gboolean pp = e && pp_model_entry_is_push_pull(e);
    int k = pp_kernel_grid_get_selected(self->kernel_grid);
    if (e) {
        gtk_adjustment_set_upper(self->kernel_adjustment, pp_model_entry_kernel_count(e) - 1);
        gtk_adjustment_set_value(self->kernel_adjustment, k);
    }
    gtk_widget_set_sensitive(GTK_WIDGET(self->alpha_scale), pp);
    gtk_widget_set_sensitive(GTK_WIDGET(self->alpha_all), pp);
    gtk_widget_set_sensitive(GTK_WIDGET(self->avg0), pp);
    gtk_widget_set_sensitive(GTK_WIDGET(self->avg3), pp);
    gtk_widget_set_sensitive(GTK_WIDGET(self->avg5), pp);
    if (pp) {
        float hi = 0;
        for (int i = 0; i < pp_model_entry_kernel_count(e); i++)
            hi = MAX(hi, pp_model_entry_learned_alpha(e, i));
        gtk_adjustment_set_upper(self->alpha_adjustment, MAX(2.0, 1.5 * hi));
        gtk_adjustment_set_value(self->alpha_adjustment, pp_model_entry_view_alpha(e, k));
        int avg = pp_model_entry_view_avg(e);
        gtk_toggle_button_set_active(avg == 5 ? self->avg5 : avg == 3 ? self->avg3 : self->avg0, TRUE);
    }
    GAction *reset = g_action_map_lookup_action(G_ACTION_MAP(self), "reset-view");
    g_simple_action_set_enabled(G_SIMPLE_ACTION(reset), pp && !pp_model_entry_view_is_learned(e));
    self->syncing = FALSE;
}

static void select_kernel(PpWindow *self, int k)
{
    pp_kernel_grid_set_selected(self->kernel_grid, k);
    pp_alpha_chart_set_selected(self->alpha_chart, k);
    pp_kernel_detail_set_kernel(self->kernel_detail, k);
    pp_spectrum_view_set_kernel(self->spectrum_view, k);
    sync_controls(self);
}

static void on_grid_selected(PpKernelGrid *grid, GParamSpec *pspec, PpWindow *self)
{
    (void)pspec;
    select_kernel(self, pp_kernel_grid_get_selected(grid));
}

static void on_chart_selected(PpAlphaChart *chart, GParamSpec *pspec, PpWindow *self)
{
    (void)pspec;
    select_kernel(self, pp_alpha_chart_get_selected(chart));
}

static void on_kernel_spin(GtkSpinButton *spin, PpWindow *self)
{
    if (!self->syncing && self->current)
        select_kernel(self, gtk_spin_button_get_value_as_int(spin));
}

static void on_alpha_changed(GtkRange *range, PpWindow *self)
{
    if (self->syncing || !self->current || !pp_model_entry_is_push_pull(self->current))
        return;
    int k = gtk_check_button_get_active(self->alpha_all) ? -1 : pp_kernel_grid_get_selected(self->kernel_grid);
    pp_model_entry_set_view_alpha(self->current, k, (float)gtk_range_get_value(range));
    sync_controls(self);
}

static void on_avg_toggled(GtkToggleButton *button, PpWindow *self)
{
    if (self->syncing || !self->current || !gtk_toggle_button_get_active(button))
        return;
    int avg = button == self->avg5 ? 5 : button == self->avg3 ? 3 : 0;
    pp_model_entry_set_view_avg(self->current, avg);
    sync_controls(self);
}

static void show_entry(PpWindow *self, PpModelEntry *entry)
{
    g_set_object(&self->current, entry);
    pp_model_summary_set_entry(self->summary, entry);
    pp_kernel_grid_set_entry(self->kernel_grid, entry);
    pp_kernel_detail_set_entry(self->kernel_detail, entry);
    pp_alpha_chart_set_entry(self->alpha_chart, entry);
    pp_spectrum_view_set_entry(self->spectrum_view, entry);
    pp_probe_view_set_selected_entry(self->probe_view, entry);
    pp_jobs_view_set_selected_entry(self->jobs_view, entry);
    gtk_widget_set_visible(GTK_WIDGET(self->alpha_chart), !entry || pp_model_entry_is_push_pull(entry));
    select_kernel(self, 0);
    char *title = entry ? g_strdup_printf("%s — PushPull Studio", pp_model_entry_get_title(entry))
                        : g_strdup("PushPull Studio");
    gtk_window_set_title(GTK_WINDOW(self), title);
    g_free(title);
}

void pp_window_select_kernel(PpWindow *self, int k)
{
    if (self->current && k >= 0 && k < pp_model_entry_kernel_count(self->current))
        select_kernel(self, k);
}

void pp_window_override_view(PpWindow *self, double alpha, int avg)
{
    if (!self->current || !pp_model_entry_is_push_pull(self->current))
        return;
    if (alpha >= 0)
        pp_model_entry_set_view_alpha(self->current, -1, (float)alpha);
    if (avg == 0 || avg == 3 || avg == 5)
        pp_model_entry_set_view_avg(self->current, avg);
    sync_controls(self);
}

/* ---- the 60 Hz target: one alpha change per frame ---- */

typedef struct {
    PpWindow *self;
    int frames, done_frames;
    gint64 last;
    double *interval_ms, *work_ms;
    GCallback done;
    gpointer data;
} Bench;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static gboolean bench_tick(GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
    (void)widget;
    Bench *b = user_data;
    gint64 now = gdk_frame_clock_get_frame_time(clock);
    if (b->last && b->done_frames > 0)
        b->interval_ms[b->done_frames - 1] = (now - b->last) / 1000.0;
    b->last = now;
    if (b->done_frames == b->frames) {
        int n = b->frames - 1;
        qsort(b->interval_ms, n, sizeof(double), cmp_double);
        qsort(b->work_ms, b->frames, sizeof(double), cmp_double);
        double mean = 0, wmean = 0;
        for (int i = 0; i < n; i++)
            mean += b->interval_ms[i] / n;
        for (int i = 0; i < b->frames; i++)
            wmean += b->work_ms[i] / b->frames;
        printf("alpha sweep: %d frames; frame interval mean %.2f ms, p95 %.2f ms, max %.2f ms (%.1f Hz); "
               "spectra update mean %.3f ms, max %.3f ms\n",
               b->frames, mean, b->interval_ms[(int)(0.95 * (n - 1))], b->interval_ms[n - 1], 1000.0 / mean, wmean,
               b->work_ms[b->frames - 1]);
        fflush(stdout);
        ((void (*)(PpWindow *, gpointer))b->done)(b->self, b->data);
        g_free(b->interval_ms);
        g_free(b->work_ms);
        g_free(b);
        return G_SOURCE_REMOVE;
    }
    double upper = gtk_adjustment_get_upper(b->self->alpha_adjustment);
    gint64 t0 = g_get_monotonic_time();
    pp_window_override_view(b->self, upper * (b->done_frames % 120) / 120.0, -1);
    b->work_ms[b->done_frames] = (g_get_monotonic_time() - t0) / 1000.0;
    b->done_frames++;
    return G_SOURCE_CONTINUE;
}

void pp_window_benchmark_alpha(PpWindow *self, int frames, GCallback done, gpointer data)
{
    Bench *b = g_new0(Bench, 1);
    b->self = self;
    b->frames = MAX(frames, 2);
    b->interval_ms = g_new0(double, b->frames);
    b->work_ms = g_new0(double, b->frames);
    b->done = done;
    b->data = data;
    pp_window_set_view(self, "spectra");
    gtk_widget_add_tick_callback(GTK_WIDGET(self->spectrum_view), bench_tick, b, NULL);
}

static int row_order(GtkListBoxRow *a, GtkListBoxRow *b, gpointer data)
{
    (void)data;
    guint x = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(a), "pp-order"));
    guint y = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(b), "pp-order"));
    return x < y ? -1 : x > y;
}

static void on_row_selected(GtkListBox *box, GtkListBoxRow *row, PpWindow *self)
{
    (void)box;
    show_entry(self, row ? pp_model_row_get_entry(PP_MODEL_ROW(row)) : NULL);
}

/* The probe view probes every loaded model, in the list's order. */
static void sync_probe_entries(PpWindow *self)
{
    GPtrArray *entries = g_ptr_array_new();
    for (GtkWidget *w = gtk_widget_get_first_child(GTK_WIDGET(self->model_list)); w;
         w = gtk_widget_get_next_sibling(w))
        if (PP_IS_MODEL_ROW(w))
            g_ptr_array_add(entries, pp_model_row_get_entry(PP_MODEL_ROW(w)));
    pp_probe_view_set_entries(self->probe_view, entries);
    pp_jobs_view_set_entries(self->jobs_view, entries);
    pp_corruption_grid_view_set_entries(self->grid_view, entries);
    g_ptr_array_unref(entries);
}

PpProbeView *pp_window_get_probe_view(PpWindow *self)
{
    return self->probe_view;
}

static void on_baseline_changed(PpModelRow *row, PpWindow *self)
{
    if (self->current == pp_model_row_get_entry(row))
        pp_model_summary_set_entry(self->summary, self->current);
    pp_jobs_view_refresh(self->jobs_view);
}

PpJobsView *pp_window_get_jobs_view(PpWindow *self)
{
    return self->jobs_view;
}

PpCorruptionGridView *pp_window_get_grid_view(PpWindow *self)
{
    return self->grid_view;
}

PpInhibitionLabView *pp_window_get_lab_view(PpWindow *self)
{
    return self->lab_view;
}

gboolean pp_window_is_busy(PpWindow *self)
{
    return pp_probe_view_is_busy(self->probe_view) || pp_corruption_grid_view_is_busy(self->grid_view) ||
           pp_inhibition_lab_view_is_busy(self->lab_view);
}

/* The grid corrupts the probe's image with the probe's seed and highlights its corruption. */
static void sync_grid_input(PpWindow *self)
{
    pp_corruption_grid_view_set_image_file(self->grid_view, pp_probe_view_get_image_file(self->probe_view));
    pp_corruption_grid_view_set_seed(self->grid_view, pp_probe_view_get_seed(self->probe_view));
    char *corruption = NULL; /* the probe's corruption is the highlighted cell */
    g_object_get(self->probe_view, "corruption", &corruption, NULL);
    pp_corruption_grid_view_set_selected(self->grid_view, corruption);
    g_free(corruption);
}

/* A clicked thumbnail: the probe takes its corruption and severity. */
static void on_grid_activated(PpCorruptionGridView *grid, const char *name, double severity, PpWindow *self)
{
    (void)grid;
    pp_probe_view_set_corruption(self->probe_view, name);
    pp_probe_view_set_severity(self->probe_view, severity);
    pp_window_set_view(self, "probe");
}

/* ---- closing during a job: ask, cancel, wait for the worker, then close ---- */

static void on_job_finished_close(PpJobsView *view, PpWindow *self)
{
    (void)view;
    if (self->close_after_job)
        gtk_window_destroy(GTK_WINDOW(self));
}

static void on_close_response(GtkDialog *dialog, int response, PpWindow *self)
{
    gtk_window_destroy(GTK_WINDOW(dialog));
    if (response != GTK_RESPONSE_ACCEPT)
        return;
    self->close_after_job = TRUE;
    if (pp_jobs_view_is_running(self->jobs_view))
        pp_jobs_view_cancel(self->jobs_view); /* "job-finished" closes the window once the worker returned */
    else
        gtk_window_destroy(GTK_WINDOW(self));
}

static gboolean on_close_request(GtkWindow *window, gpointer data)
{
    (void)data;
    PpWindow *self = PP_WINDOW(window);
    if (!pp_jobs_view_is_running(self->jobs_view))
        return FALSE;
    if (self->close_after_job)
        return TRUE; /* already cancelling: the window closes when the worker is done */
    /* GtkAlertDialog is GTK 4.10; 4.8 has GtkMessageDialog */
    G_GNUC_BEGIN_IGNORE_DEPRECATIONS
    GtkWidget *dialog = gtk_message_dialog_new(window, GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                               GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE, "Stop the running job?");
    gtk_message_dialog_format_secondary_text(GTK_MESSAGE_DIALOG(dialog),
                                             "A job is still running. Closing the window cancels it; its results "
                                             "are lost.");
    gtk_dialog_add_button(GTK_DIALOG(dialog), "_Keep Running", GTK_RESPONSE_CANCEL);
    GtkWidget *stop = gtk_dialog_add_button(GTK_DIALOG(dialog), "_Stop and Close", GTK_RESPONSE_ACCEPT);
    gtk_widget_add_css_class(stop, "destructive-action");
    gtk_dialog_set_default_response(GTK_DIALOG(dialog), GTK_RESPONSE_CANCEL);
    G_GNUC_END_IGNORE_DEPRECATIONS
    g_signal_connect(dialog, "response", G_CALLBACK(on_close_response), self);
    gtk_window_present(GTK_WINDOW(dialog));
    return TRUE;
}

/* ---- loading ---- */

typedef struct {
    char *path;
    char *key;   /* canonical path: a model is not opened twice */
    gboolean select; /* opened by the user after the start: selected when it arrives */
    guint order; /* rows keep the order in which files were asked for */
    pp_model model;
    char notes[1024];
} LoadJob;

static void load_job_free(gpointer data)
{
    LoadJob *job = data;
    pp_model_free(&job->model);
    g_free(job->path);
    g_free(job->key);
    g_free(job);
}

static void load_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
    (void)source;
    (void)cancellable;
    LoadJob *job = data;
    pp_arch_hints hints = {.avg_kernel = -1};
    pp_error err = {0};
    gint64 t0 = g_get_monotonic_time();
    if (pp_model_open(&job->model, job->path, &hints, job->notes, sizeof job->notes, &err) != PP_OK) {
        memset(&job->model, 0, sizeof job->model);
        g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", err.msg);
        return;
    }
    if (g_getenv("PP_STUDIO_FRAME_LOG"))
        g_printerr("loaded %s in %.1f ms\n", job->path, (g_get_monotonic_time() - t0) / 1000.0);
    g_task_return_boolean(task, TRUE);
}


/* A model row for entry, at the end of the list (order: its sort key). */
static GtkWidget *add_row(PpWindow *self, PpModelEntry *entry, guint order)
{
    g_object_set_data(G_OBJECT(entry), "pp-order", GUINT_TO_POINTER(order)); /* the row's id for its menu */
    GtkWidget *row = pp_model_row_new(entry, self->first_row);
    g_object_set_data(G_OBJECT(row), "pp-order", GUINT_TO_POINTER(order));
    if (!self->first_row)
        self->first_row = PP_MODEL_ROW(row);
    g_signal_connect(row, "baseline-changed", G_CALLBACK(on_baseline_changed), self);
    gtk_list_box_append(self->model_list, row);
    return row;
}

void pp_window_add_entry(PpWindow *self, PpModelEntry *entry)
{
    GtkWidget *row = add_row(self, entry, self->next_order++);
    gtk_list_box_select_row(self->model_list, GTK_LIST_BOX_ROW(row));
    sync_probe_entries(self);
}

static void load_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    (void)user_data;
    PpWindow *self = PP_WINDOW(source);
    GTask *task = G_TASK(result);
    LoadJob *job = g_task_get_task_data(task);
    GError *error = NULL;
    g_hash_table_remove(self->loading, job->key);
    if (!g_task_propagate_boolean(task, &error)) {
        char *name = g_path_get_basename(job->path);
        char *msg = g_strdup_printf("Could not open “%s”: %s", name, error->message);
        /* the failures of one batch of opens are listed together */
        const char *shown = self->batch_failed ? pp_window_get_error(self) : NULL;
        char *all = shown && g_strcmp0(self->error_owner, "load") == 0 ? g_strdup_printf("%s  ·  %s", shown, msg)
                                                                       : g_strdup(msg);
        pp_window_report_error(self, "load", all);
        g_free(all);
        self->batch_failed = TRUE;
        /* a file that did not open is no recent model (the file chooser may have added it) */
        char *uri = g_filename_to_uri(job->path, NULL, NULL);
        if (uri)
            gtk_recent_manager_remove_item(gtk_recent_manager_get_default(), uri, NULL); /* not there: fine */
        g_free(uri);
        g_free(msg);
        g_free(name);
        g_error_free(error);
    } else {
        if (!self->batch_failed)
            pp_window_clear_error(self, "load"); /* an older failure's message goes once a load works */
        PpModelEntry *entry = pp_model_entry_new(job->path, &job->model, job->notes);
        GtkWidget *row = add_row(self, entry, job->order);
        /* the first plain model becomes the baseline until the user picks one */
        gboolean have_baseline = FALSE;
        for (GtkWidget *w = gtk_widget_get_first_child(GTK_WIDGET(self->model_list)); w;
             w = gtk_widget_get_next_sibling(w))
            if (PP_IS_MODEL_ROW(w) && pp_model_entry_get_baseline(pp_model_row_get_entry(PP_MODEL_ROW(w))))
                have_baseline = TRUE;
        if (!have_baseline && !pp_model_entry_is_push_pull(entry))
            pp_model_row_set_baseline(PP_MODEL_ROW(row), TRUE);
        /* at the start: the first push-pull model in the list (else the first model),
         * whichever load ends first; after it, the model the user just opened */
        guint current_order = self->current ? GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(self->current), "pp-order")) : 0;
        gboolean pp = pp_model_entry_is_push_pull(entry), current_pp = self->current && pp_model_entry_is_push_pull(self->current);
        if (job->select || !self->current || (pp && !current_pp) || (pp == current_pp && job->order < current_order))
            gtk_list_box_select_row(self->model_list, GTK_LIST_BOX_ROW(row));
        char *uri = g_filename_to_uri(job->path, NULL, NULL);
        if (uri)
            gtk_recent_manager_add_item(gtk_recent_manager_get_default(), uri);
        g_free(uri);
        g_object_unref(entry);
        sync_probe_entries(self);
    }
    if (--self->pending == 0) {
        self->startup_done = TRUE;
        self->batch_failed = FALSE;
        gtk_spinner_stop(self->spinner);
        gtk_widget_set_visible(GTK_WIDGET(self->spinner), FALSE);
        g_signal_emit(self, signals[SIGNAL_LOADS_FINISHED], 0);
    }
}

void pp_window_open_file(PpWindow *self, GFile *file)
{
    char *path = g_file_get_path(file);
    if (!path) {
        char *uri = g_file_get_uri(file);
        char *msg = g_strdup_printf("Could not open “%s”: only local files can be opened", uri);
        pp_window_show_error(self, msg);
        g_free(msg);
        g_free(uri);
        return;
    }
    /* open once: a model already in the list (or on its way) is selected instead */
    char *key = g_canonicalize_filename(path, NULL);
    char *real = realpath(key, NULL);
    if (real) {
        g_free(key);
        key = g_strdup(real);
        free(real);
    }
    for (GtkWidget *w = gtk_widget_get_first_child(GTK_WIDGET(self->model_list)); w; w = gtk_widget_get_next_sibling(w)) {
        if (!PP_IS_MODEL_ROW(w))
            continue;
        const char *p = pp_model_entry_get_path(pp_model_row_get_entry(PP_MODEL_ROW(w)));
        char *other = p ? realpath(p, NULL) : NULL;
        gboolean same = other && strcmp(other, key) == 0;
        free(other);
        if (same) {
            gtk_list_box_select_row(self->model_list, GTK_LIST_BOX_ROW(w));
            g_free(key);
            g_free(path);
            return;
        }
    }
    if (g_hash_table_contains(self->loading, key)) {
        g_free(key);
        g_free(path);
        return;
    }
    g_hash_table_add(self->loading, g_strdup(key));
    LoadJob *job = g_new0(LoadJob, 1);
    job->path = path;
    job->key = key;
    job->select = self->startup_done;
    job->order = self->next_order++;
    GTask *task = g_task_new(self, NULL, load_done, NULL);
    g_task_set_task_data(task, job, load_job_free);
    self->pending++;
    gtk_widget_set_visible(GTK_WIDGET(self->spinner), TRUE);
    gtk_spinner_start(self->spinner);
    char *tip = g_strdup_printf("Loading %s…", path);
    gtk_widget_set_tooltip_text(GTK_WIDGET(self->spinner), tip);
    g_free(tip);
    g_task_run_in_thread(task, load_thread);
    g_object_unref(task);
}

void pp_window_open_demo(PpWindow *self)
{
    static const char *demo[][2] = {
        {"assets/models/fmnist-resnet18-pushpull-avg3.safetensors", "tests/fixtures/core/r18_cifar_gray_pp5.safetensors"},
        {"assets/models/fmnist-resnet18-baseline.safetensors", "tests/fixtures/core/r18_cifar_gray_base.safetensors"},
    };
    for (int i = 0; i < 2; i++) {
        char *path = pp_studio_find_data(demo[i][0]);
        if (!path)
            path = pp_studio_find_data(demo[i][1]);
        if (!path) {
            char *msg = g_strdup_printf("The demo model “%s” is not installed", demo[i][0]);
            pp_window_show_error(self, msg);
            g_free(msg);
            continue;
        }
        GFile *file = g_file_new_for_path(path);
        pp_window_open_file(self, file);
        g_object_unref(file);
        g_free(path);
    }
}

int pp_window_get_pending(PpWindow *self)
{
    return self->pending;
}

void pp_window_set_view(PpWindow *self, const char *name)
{
    if (gtk_stack_get_child_by_name(self->stack, name))
        gtk_stack_set_visible_child_name(self->stack, name);
}

static void on_page_changed(PpWindow *self)
{
    GAction *view = g_action_map_lookup_action(G_ACTION_MAP(self), "view");
    const char *name = gtk_stack_get_visible_child_name(self->stack);
    if (g_strcmp0(name, "grid") == 0)
        sync_grid_input(self);
    if (view && name)
        g_simple_action_set_state(G_SIMPLE_ACTION(view), g_variant_new_string(name));
}

/* ---- drag and drop ---- */

static gboolean on_drop(GtkDropTarget *target, const GValue *value, double x, double y, PpWindow *self)
{
    (void)target;
    (void)x;
    (void)y;
    if (!G_VALUE_HOLDS(value, GDK_TYPE_FILE_LIST))
        return FALSE;
    for (GSList *l = g_value_get_boxed(value); l; l = l->next)
        pp_window_open_file(self, l->data);
    return TRUE;
}

/* ---- export ---- */

static void draw_kernels_page(GtkWidget *widget, cairo_t *cr, int width, int height)
{
    PpWindow *self = PP_WINDOW(widget);
    (void)width;
    (void)height;
    GtkWidget *parts[3] = {GTK_WIDGET(self->kernel_grid), GTK_WIDGET(self->kernel_detail),
                           GTK_WIDGET(self->alpha_chart)};
    PpPlotDrawFunc draw[3] = {pp_kernel_grid_draw, pp_kernel_detail_draw, pp_alpha_chart_draw};
    GtkWidget *page = gtk_stack_get_child_by_name(self->stack, "kernels");
    for (int i = 0; i < 3; i++) {
        graphene_point_t p;
        if (!gtk_widget_compute_point(parts[i], page, &GRAPHENE_POINT_INIT(0, 0), &p))
            continue;
        cairo_save(cr);
        cairo_translate(cr, p.x, p.y);
        draw[i](parts[i], cr, gtk_widget_get_width(parts[i]), gtk_widget_get_height(parts[i]));
        cairo_restore(cr);
    }
}

static void draw_spectra_page(GtkWidget *widget, cairo_t *cr, int width, int height)
{
    (void)width;
    (void)height;
    PpWindow *self = PP_WINDOW(widget);
    GtkWidget *v = GTK_WIDGET(self->spectrum_view);
    pp_spectrum_view_draw(v, cr, gtk_widget_get_width(v), gtk_widget_get_height(v));
}

gboolean pp_window_export(PpWindow *self, const char *path, GError **error)
{
    if (g_strcmp0(gtk_stack_get_visible_child_name(self->stack), "lab") == 0)
        return pp_inhibition_lab_view_export(self->lab_view, path, error);
    if (!self->current) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "no model to export");
        return FALSE;
    }
    if (g_strcmp0(gtk_stack_get_visible_child_name(self->stack), "jobs") == 0) {
        return pp_jobs_view_export(self->jobs_view, path, error);
    }
    if (g_strcmp0(gtk_stack_get_visible_child_name(self->stack), "grid") == 0)
        return pp_corruption_grid_view_export(self->grid_view, path, error);
    if (g_strcmp0(gtk_stack_get_visible_child_name(self->stack), "lab") == 0)
        return pp_inhibition_lab_view_export(self->lab_view, path, error);
    gboolean spectra = g_strcmp0(gtk_stack_get_visible_child_name(self->stack), "spectra") == 0;
    if (g_strcmp0(gtk_stack_get_visible_child_name(self->stack), "probe") == 0) {
        if (g_str_has_suffix(path, ".csv")) {
            char *csv = pp_probe_view_to_csv(self->probe_view);
            gboolean ok = g_file_set_contents(path, csv, -1, error);
            g_free(csv);
            return ok;
        }
        GtkWidget *v = GTK_WIDGET(self->probe_view);
        return pp_plot_export(v, pp_probe_view_draw, gtk_widget_get_width(v), gtk_widget_get_height(v), path, error);
    }
    if (g_str_has_suffix(path, ".csv")) {
        char *csv = spectra ? pp_spectrum_view_to_csv(self->spectrum_view) : pp_kernel_detail_to_csv(self->kernel_detail);
        gboolean ok = g_file_set_contents(path, csv, -1, error);
        g_free(csv);
        return ok;
    }
    if (spectra) {
        GtkWidget *v = GTK_WIDGET(self->spectrum_view);
        return pp_plot_export(GTK_WIDGET(self), draw_spectra_page, gtk_widget_get_width(v), gtk_widget_get_height(v),
                              path, error);
    }
    GtkWidget *page = gtk_stack_get_child_by_name(self->stack, "kernels");
    return pp_plot_export(GTK_WIDGET(self), draw_kernels_page, gtk_widget_get_width(page),
                          gtk_widget_get_height(page), path, error);
}

static void on_export_response(GtkNativeDialog *dialog, int response, PpWindow *self)
{
    if (response == GTK_RESPONSE_ACCEPT) {
        GFile *file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
        char *path = g_file_get_path(file);
        GError *error = NULL;
        if (!pp_window_export(self, path, &error)) {
            char *msg = g_strdup_printf("Could not export: %s", error->message);
            pp_window_show_error(self, msg);
            g_free(msg);
            g_error_free(error);
        }
        g_free(path);
        g_object_unref(file);
    }
    g_clear_object(&self->dialog);
}

static void action_export(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    (void)action;
    PpWindow *self = PP_WINDOW(user_data);
    const char *format = g_variant_get_string(param, NULL);
    gboolean lab = g_strcmp0(gtk_stack_get_visible_child_name(self->stack), "lab") == 0; /* needs no model */
    if (!self->current && !lab)
        return;
    GtkFileChooserNative *dialog = gtk_file_chooser_native_new("Export", GTK_WINDOW(self),
                                                               GTK_FILE_CHOOSER_ACTION_SAVE, "_Export", "_Cancel");
    char *stem = g_strdup(lab ? "pushpull" : pp_model_entry_get_title(self->current));
    char *dot = strrchr(stem, '.');
    if (dot)
        *dot = 0;
    char *name = g_strdup_printf("%s-%s.%s", stem, gtk_stack_get_visible_child_name(self->stack), format);
    gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(dialog), name);
    g_free(name);
    g_free(stem);
    g_object_set_data_full(G_OBJECT(dialog), "format", g_strdup(format), g_free);
    g_signal_connect(dialog, "response", G_CALLBACK(on_export_response), self);
    g_clear_object(&self->dialog);
    self->dialog = GTK_NATIVE_DIALOG(dialog);
    gtk_native_dialog_show(self->dialog);
}

static void action_reset_view(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    (void)action;
    (void)param;
    PpWindow *self = PP_WINDOW(user_data);
    if (self->current)
        pp_model_entry_reset_view(self->current);
    sync_controls(self);
}

static GtkWidget *row_by_order(PpWindow *self, guint order)
{
    for (GtkWidget *w = gtk_widget_get_first_child(GTK_WIDGET(self->model_list)); w; w = gtk_widget_get_next_sibling(w))
        if (PP_IS_MODEL_ROW(w) && GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(pp_model_row_get_entry(PP_MODEL_ROW(w))),
                                                                       "pp-order")) == order)
            return w;
    return NULL;
}

static GtkWidget *row_of_entry(PpWindow *self, PpModelEntry *entry)
{
    for (GtkWidget *w = gtk_widget_get_first_child(GTK_WIDGET(self->model_list)); w; w = gtk_widget_get_next_sibling(w))
        if (PP_IS_MODEL_ROW(w) && pp_model_row_get_entry(PP_MODEL_ROW(w)) == entry)
            return w;
    return NULL;
}

/* Swaps a row's place with its neighbour above (dir -1) or below (+1). */
static void move_row(PpWindow *self, GtkWidget *row, int dir)
{
    GtkWidget *other = row;
    do
        other = dir < 0 ? gtk_widget_get_prev_sibling(other) : gtk_widget_get_next_sibling(other);
    while (other && !PP_IS_MODEL_ROW(other));
    if (!row || !other)
        return;
    gpointer a = g_object_get_data(G_OBJECT(row), "pp-order"), b = g_object_get_data(G_OBJECT(other), "pp-order");
    g_object_set_data(G_OBJECT(row), "pp-order", b);
    g_object_set_data(G_OBJECT(other), "pp-order", a);
    gtk_list_box_invalidate_sort(self->model_list);
    sync_probe_entries(self);
}

static void action_model_move(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    PpWindow *self = PP_WINDOW(user_data);
    GtkWidget *row = row_by_order(self, g_variant_get_uint32(param));
    move_row(self, row, strcmp(g_action_get_name(G_ACTION(action)), "model-up") == 0 ? -1 : 1);
}

void pp_window_remove_entry(PpWindow *self, PpModelEntry *entry)
{
    GtkWidget *row = row_of_entry(self, entry);
    if (!row)
        return;
    if (pp_jobs_view_is_running(self->jobs_view) && pp_jobs_view_uses_entry(self->jobs_view, entry)) {
        pp_window_show_error(self, "This model is in the running job: cancel the job before removing it");
        return;
    }
    gboolean was_current = entry == self->current;
    GtkWidget *next = gtk_widget_get_next_sibling(row);
    while (next && !PP_IS_MODEL_ROW(next))
        next = gtk_widget_get_next_sibling(next);
    if (!next) {
        next = gtk_widget_get_prev_sibling(row);
        while (next && !PP_IS_MODEL_ROW(next))
            next = gtk_widget_get_prev_sibling(next);
    }
    if (GTK_WIDGET(self->first_row) == row)
        self->first_row = next ? PP_MODEL_ROW(next) : NULL; /* rows stay in one toggle group */
    gtk_list_box_remove(self->model_list, row);
    if (was_current) {
        if (next)
            gtk_list_box_select_row(self->model_list, GTK_LIST_BOX_ROW(next));
        else
            show_entry(self, NULL);
    }
    sync_probe_entries(self);
    pp_jobs_view_refresh(self->jobs_view);
}

static void action_model_remove(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    (void)action;
    PpWindow *self = PP_WINDOW(user_data);
    GtkWidget *row = row_by_order(self, g_variant_get_uint32(param));
    if (row)
        pp_window_remove_entry(self, pp_model_row_get_entry(PP_MODEL_ROW(row)));
}

gboolean pp_window_model_action(PpWindow *self, const char *action, const char *title)
{
    for (GtkWidget *w = gtk_widget_get_first_child(GTK_WIDGET(self->model_list)); w; w = gtk_widget_get_next_sibling(w)) {
        if (!PP_IS_MODEL_ROW(w))
            continue;
        PpModelEntry *e = pp_model_row_get_entry(PP_MODEL_ROW(w));
        if (g_strcmp0(pp_model_entry_get_title(e), title) != 0)
            continue;
        guint order = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(e), "pp-order"));
        g_action_group_activate_action(G_ACTION_GROUP(self), action, g_variant_new_uint32(order));
        return TRUE;
    }
    return FALSE;
}

static void action_view(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    pp_window_set_view(PP_WINDOW(user_data), g_variant_get_string(param, NULL));
    g_simple_action_set_state(action, param);
}

/* ---- screenshot ---- */

gboolean pp_window_save_screenshot(PpWindow *self, const char *path, GError **error)
{
    return pp_studio_save_window_png(GTK_WINDOW(self), path, error);
}

gboolean pp_studio_save_window_png(GtkWindow *window, const char *path, GError **error)
{
    GtkWidget *w = GTK_WIDGET(window);
    int width = gtk_widget_get_width(w), height = gtk_widget_get_height(w);
    GskRenderer *renderer = gtk_native_get_renderer(GTK_NATIVE(window));
    if (!renderer || width <= 0 || height <= 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window is not shown");
        return FALSE;
    }
    GdkPaintable *paintable = gtk_widget_paintable_new(w);
    GtkSnapshot *snapshot = gtk_snapshot_new();
    gdk_paintable_snapshot(paintable, GDK_SNAPSHOT(snapshot), width, height);
    GskRenderNode *node = gtk_snapshot_free_to_node(snapshot);
    gboolean ok = FALSE;
    if (node) {
        GdkTexture *texture = gsk_renderer_render_texture(renderer, node, &GRAPHENE_RECT_INIT(0, 0, width, height));
        ok = gdk_texture_save_to_png(texture, path);
        g_object_unref(texture);
        gsk_render_node_unref(node);
    }
    g_object_unref(paintable);
    if (!ok)
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: cannot write the PNG", path);
    return ok;
}

/* ---- recent files ---- */

static gint newest_first(gconstpointer a, gconstpointer b)
{
    GDateTime *ta = gtk_recent_info_get_modified((GtkRecentInfo *)a);
    GDateTime *tb = gtk_recent_info_get_modified((GtkRecentInfo *)b);
    return g_date_time_compare(tb, ta);
}

static gboolean is_checkpoint_name(const char *name)
{
    static const char *ext[] = {".safetensors", ".ckpt", ".pt", ".pth"};
    for (size_t i = 0; i < G_N_ELEMENTS(ext); i++)
        if (g_str_has_suffix(name, ext[i]))
            return TRUE;
    return FALSE;
}

static void rebuild_recent(PpWindow *self)
{
    g_menu_remove_all(self->recent_menu);
    GList *items = gtk_recent_manager_get_items(gtk_recent_manager_get_default());
    items = g_list_sort(items, newest_first);
    int shown = 0;
    for (GList *l = items; l && shown < 10; l = l->next) {
        GtkRecentInfo *info = l->data;
        const char *uri = gtk_recent_info_get_uri(info);
        if (!gtk_recent_info_is_local(info) || !is_checkpoint_name(uri) || !gtk_recent_info_exists(info))
            continue;
        GMenuItem *item = g_menu_item_new(gtk_recent_info_get_display_name(info), NULL);
        g_menu_item_set_action_and_target_value(item, "win.open-recent", g_variant_new_string(uri));
        g_menu_append_item(self->recent_menu, item);
        g_object_unref(item);
        shown++;
    }
    g_list_free_full(items, (GDestroyNotify)gtk_recent_info_unref);
    if (!shown) {
        GMenuItem *item = g_menu_item_new("No recent models", "win.no-recent");
        g_menu_append_item(self->recent_menu, item);
        g_object_unref(item);
    }
}

static void action_open_recent(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    (void)action;
    GFile *file = g_file_new_for_uri(g_variant_get_string(param, NULL));
    pp_window_open_file(PP_WINDOW(user_data), file);
    g_object_unref(file);
}

/* ---- class ---- */

static void pp_window_dispose(GObject *object)
{
    PpWindow *self = PP_WINDOW(object);
    /* children go away below: no more selection callbacks into this window */
    GObject *senders[] = {G_OBJECT(self->model_list), G_OBJECT(self->stack), G_OBJECT(self->kernel_grid),
                          G_OBJECT(self->alpha_chart), G_OBJECT(self->jobs_view),
                          G_OBJECT(self->grid_view), G_OBJECT(self->probe_view)};
    for (size_t i = 0; i < G_N_ELEMENTS(senders); i++)
        if (senders[i])
            g_signal_handlers_disconnect_by_data(senders[i], self);
    g_clear_object(&self->current);
    g_clear_object(&self->dialog);
    g_clear_pointer(&self->loading, g_hash_table_unref);
    g_clear_pointer(&self->error_owner, g_free);
    gtk_widget_dispose_template(GTK_WIDGET(object), PP_TYPE_WINDOW);
    G_OBJECT_CLASS(pp_window_parent_class)->dispose(object);
}

static void pp_window_class_init(PpWindowClass *klass)
{
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    G_OBJECT_CLASS(klass)->dispose = pp_window_dispose;
    g_type_ensure(PP_TYPE_MODEL_SUMMARY);
    g_type_ensure(PP_TYPE_KERNEL_GRID);
    g_type_ensure(PP_TYPE_KERNEL_DETAIL);
    g_type_ensure(PP_TYPE_ALPHA_CHART);
    g_type_ensure(PP_TYPE_SPECTRUM_VIEW);
    g_type_ensure(PP_TYPE_PROBE_VIEW);
    g_type_ensure(PP_TYPE_JOBS_VIEW);
    g_type_ensure(PP_TYPE_CORRUPTION_GRID_VIEW);
    g_type_ensure(PP_TYPE_INHIBITION_LAB_VIEW);
    signals[SIGNAL_LOADS_FINISHED] = g_signal_new("loads-finished", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                                  NULL, NULL, NULL, G_TYPE_NONE, 0);
    gtk_widget_class_set_template_from_resource(wc, "/io/github/PushPullStudio/pp-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child(wc, PpWindow, name)
    BIND(spinner);
    BIND(banner);
    BIND(banner_label);
    BIND(model_list);
    BIND(summary);
    BIND(stack);
    BIND(kernel_grid);
    BIND(kernel_detail);
    BIND(alpha_chart);
    BIND(spectrum_view);
    BIND(probe_view);
    BIND(jobs_view);
    BIND(grid_view);
    BIND(lab_view);
    BIND(spectra_controls);
    BIND(kernel_adjustment);
    BIND(alpha_adjustment);
    BIND(alpha_scale);
    BIND(alpha_all);
    BIND(avg0);
    BIND(avg3);
    BIND(avg5);
    BIND(recent_menu);
#undef BIND
    gtk_widget_class_bind_template_callback(wc, on_banner_response);
    gtk_widget_class_bind_template_callback(wc, on_row_selected);
    gtk_widget_class_bind_template_callback(wc, on_page_changed);
    gtk_widget_class_bind_template_callback(wc, on_kernel_spin);
    gtk_widget_class_bind_template_callback(wc, on_alpha_changed);
    gtk_widget_class_bind_template_callback(wc, on_avg_toggled);
}

static const GActionEntry win_actions[] = {
    {.name = "export", .activate = action_export, .parameter_type = "s"},
    {.name = "reset-view", .activate = action_reset_view},
    {.name = "view", .change_state = action_view, .parameter_type = "s", .state = "'kernels'"},
    {.name = "open-recent", .activate = action_open_recent, .parameter_type = "s"},
    {.name = "model-up", .activate = action_model_move, .parameter_type = "u"},
    {.name = "model-down", .activate = action_model_move, .parameter_type = "u"},
    {.name = "model-remove", .activate = action_model_remove, .parameter_type = "u"},
};

static void pp_window_init(PpWindow *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->loading = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_action_map_add_action_entries(G_ACTION_MAP(self), win_actions, G_N_ELEMENTS(win_actions), self);
    /* win.view is a radio action: Alt+1/2/3/4 activate win.view::kernels / ::spectra / ::probe / ::jobs */
    GtkRecentManager *recent = gtk_recent_manager_get_default();
    g_signal_connect_object(recent, "changed", G_CALLBACK(rebuild_recent), self, G_CONNECT_SWAPPED);
    rebuild_recent(self);
    gtk_widget_set_visible(GTK_WIDGET(self->spinner), FALSE);
    gtk_list_box_set_sort_func(self->model_list, row_order, NULL, NULL);
    g_signal_connect(self->kernel_grid, "notify::selected", G_CALLBACK(on_grid_selected), self);
    g_signal_connect(self->alpha_chart, "notify::selected", G_CALLBACK(on_chart_selected), self);
    g_signal_connect(self->jobs_view, "job-finished", G_CALLBACK(on_job_finished_close), self);
    g_signal_connect(self->grid_view, "corruption-activated", G_CALLBACK(on_grid_activated), self);
    g_signal_connect_swapped(self->probe_view, "notify::corruption", G_CALLBACK(sync_grid_input), self);
    g_signal_connect_swapped(self->jobs_view, "model-trained", G_CALLBACK(pp_window_add_entry), self);
    g_signal_connect(self, "close-request", G_CALLBACK(on_close_request), NULL);
    GtkDropTarget *drop = gtk_drop_target_new(GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
    g_signal_connect(drop, "drop", G_CALLBACK(on_drop), self);
    gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(drop));
    sync_controls(self);
}

PpWindow *pp_window_new(GtkApplication *app)
{
    return g_object_new(PP_TYPE_WINDOW, "application", app, NULL);
}

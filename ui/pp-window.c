#include "pp-window.h"

#include <adwaita.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_file.h"
#include "pp-alpha-chart.h"
#include "pp-help.h"
#include "pp-kernel-detail.h"
#include "pp-jobs-view.h"
#include "pp-kernel-grid.h"
#include "pp-model-entry.h"
#include "pp-model-row.h"
#include "pp-model-summary.h"
#include "pp-plot.h"
#include "pp-probe-view.h"
#include "pp-spectrum-view.h"
#include "pp-zoom-bin.h"

struct _PpWindow {
    GtkApplicationWindow parent_instance;

    GtkSpinner *spinner;
    GtkRevealer *banner; /* persistent errors (libadwaita 1.2 has no AdwBanner) */
    GtkLabel *banner_label;
    AdwToastOverlay *toast_overlay; /* the window's child: not bound (a bound direct child is unparented twice) */
    PpZoomBin *zoom_bin;
    AdwFlap *flap;
    GtkWidget *sidebar_button; /* not the header bar: a bound titlebar is unparented twice */
    GtkFlowBox *kernels_flow;
    GtkListBox *model_list;
    PpModelSummary *summary;
    AdwViewStack *stack;
    PpKernelGrid *kernel_grid;
    PpKernelDetail *kernel_detail;
    PpAlphaChart *alpha_chart;
    PpSpectrumView *spectrum_view;
    PpProbeView *probe_view;
    PpJobsView *jobs_view;
    PpCorruptionGridView *grid_view;
    PpInhibitionLabView *lab_view;
    PpCompareView *compare_view;
    GtkWidget *spectra_controls;
    GtkAdjustment *kernel_adjustment, *alpha_adjustment;
    GtkScale *alpha_scale;
    GtkCheckButton *alpha_all;
    GtkToggleButton *avg0, *avg3, *avg5;

    PpModelEntry *current;
    PpModelRow *first_row; /* toggle group of the baseline stars */
    /* the star the loads gave (the first plain model in the list's order,
     * whichever load ends first) until the user moves it; NULL after */
    GtkListBoxRow *auto_baseline;
    gboolean starring; /* the loads are moving the star, not the user */
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
    gtk_revealer_set_reveal_child(self->banner, TRUE);
}

void pp_window_show_error(PpWindow *self, const char *message)
{
    pp_window_report_error(self, NULL, message);
}

void pp_window_clear_error(PpWindow *self, const char *owner)
{
    if (owner && g_strcmp0(owner, self->error_owner) != 0)
        return;
    gtk_revealer_set_reveal_child(self->banner, FALSE);
    gtk_widget_set_visible(GTK_WIDGET(self->banner), FALSE);
    g_clear_pointer(&self->error_owner, g_free);
}

const char *pp_window_get_error(PpWindow *self)
{
    return gtk_widget_get_visible(GTK_WIDGET(self->banner)) ? gtk_label_get_text(self->banner_label) : NULL;
}

/* The sidebar folds into an overlay (F9, the header's sidebar button) below
 * this width, so the views keep the room on a small screen or projector. */
#define FOLD_BELOW_WIDTH 960

static void on_width_changed(PpWindow *self)
{
    int w = 0, h = 0;
    gtk_window_get_default_size(GTK_WINDOW(self), &w, &h);
    if (gtk_widget_get_width(GTK_WIDGET(self)) > 0)
        w = gtk_widget_get_width(GTK_WIDGET(self));
    adw_flap_set_fold_policy(self->flap, w > 0 && w < FOLD_BELOW_WIDTH ? ADW_FLAP_FOLD_POLICY_ALWAYS
                                                                       : ADW_FLAP_FOLD_POLICY_AUTO);
}

static void on_banner_close(PpWindow *self)
{
    pp_window_clear_error(self, NULL);
}

void pp_window_toast(PpWindow *self, const char *message)
{
    AdwToast *toast = adw_toast_new(message);
    adw_toast_set_timeout(toast, 4);
    adw_toast_overlay_add_toast(self->toast_overlay, toast);
}

gboolean pp_window_has_error(PpWindow *self)
{
    return self->had_error;
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
    /* the 2020 layer has no pull pooling to switch */
    const gboolean pooled = pp && !pp_model_entry_is_pp2020(e);
    gtk_widget_set_sensitive(GTK_WIDGET(self->avg0), pooled);
    gtk_widget_set_sensitive(GTK_WIDGET(self->avg3), pooled);
    gtk_widget_set_sensitive(GTK_WIDGET(self->avg5), pooled);
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
    pp_compare_view_set_entries(self->compare_view, entries);
    g_ptr_array_unref(entries);
}

PpProbeView *pp_window_get_probe_view(PpWindow *self)
{
    return self->probe_view;
}

static void on_baseline_changed(PpModelRow *row, PpWindow *self)
{
    if (!self->starring)
        self->auto_baseline = NULL; /* the user's choice stays */
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

PpCompareView *pp_window_get_compare_view(PpWindow *self)
{
    return self->compare_view;
}

gboolean pp_window_is_busy(PpWindow *self)
{
    return pp_probe_view_is_busy(self->probe_view) || pp_corruption_grid_view_is_busy(self->grid_view) ||
           pp_inhibition_lab_view_is_busy(self->lab_view) || pp_compare_view_is_busy(self->compare_view);
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

static void on_close_response(AdwMessageDialog *dialog, const char *response, PpWindow *self)
{
    (void)dialog;
    if (g_strcmp0(response, "stop") != 0)
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
    GtkWidget *dialog = adw_message_dialog_new(window, "Stop the Running Job?",
                                               "A job is still running. Closing the window cancels it; its results "
                                               "are lost.");
    adw_message_dialog_add_responses(ADW_MESSAGE_DIALOG(dialog), "keep", "_Keep Running", "stop", "_Stop and Close",
                                     NULL);
    adw_message_dialog_set_response_appearance(ADW_MESSAGE_DIALOG(dialog), "stop", ADW_RESPONSE_DESTRUCTIVE);
    adw_message_dialog_set_default_response(ADW_MESSAGE_DIALOG(dialog), "keep");
    adw_message_dialog_set_close_response(ADW_MESSAGE_DIALOG(dialog), "keep");
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
        /* the first plain model in the list becomes the baseline until the user
         * picks one, whichever load ends first (a test once saw the other) */
        GtkWidget *starred = NULL;
        for (GtkWidget *w = gtk_widget_get_first_child(GTK_WIDGET(self->model_list)); w && !starred;
             w = gtk_widget_get_next_sibling(w))
            if (PP_IS_MODEL_ROW(w) && w != row && pp_model_entry_get_baseline(pp_model_row_get_entry(PP_MODEL_ROW(w))))
                starred = w;
        const gboolean earlier = starred && starred == GTK_WIDGET(self->auto_baseline) &&
                                 job->order < GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(starred), "pp-order"));
        if (!pp_model_entry_is_push_pull(entry) && (!starred || earlier)) {
            self->starring = TRUE;
            pp_model_row_set_baseline(PP_MODEL_ROW(row), TRUE);
            self->starring = FALSE;
            self->auto_baseline = GTK_LIST_BOX_ROW(row);
        }
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

/* The bundled demo sets: the pair the studio opens with, and one seed of each
 * model of the robustness demo set (scripts/train_robust_demo.sh, results in
 * assets/models/robust/results.md). A model may name a test fixture to fall
 * back on in a build tree without the trained assets. */
typedef struct {
    const char *path, *fallback;
} demo_model;

typedef struct {
    const char *name;
    demo_model models[4];
} demo_set;

static const demo_set demo_sets[] = {
    {"pair",
     {{"assets/models/fmnist-resnet18-pushpull-avg3.safetensors", "tests/fixtures/core/r18_cifar_gray_pp5.safetensors"},
      {"assets/models/fmnist-resnet18-baseline.safetensors", "tests/fixtures/core/r18_cifar_gray_base.safetensors"}}},
    {"robust",
     {{"assets/models/robust/fmnist-w8-baseline-seed1.safetensors", NULL},
      {"assets/models/robust/fmnist-w8-pushpull-seed1.safetensors", NULL},
      {"assets/models/robust/fmnist-w8-augmix-seed1.safetensors", NULL},
      {"assets/models/robust/fmnist-w8-augmix-pushpull-seed1.safetensors", NULL}}},
};

gboolean pp_window_open_demo_set(PpWindow *self, const char *name)
{
    const demo_set *set = NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(demo_sets); i++)
        if (g_strcmp0(demo_sets[i].name, name) == 0)
            set = &demo_sets[i];
    if (!set) {
        char *msg = g_strdup_printf("There is no demo set “%s” (known: pair, robust)", name);
        pp_window_show_error(self, msg);
        g_free(msg);
        return FALSE;
    }
    GString *missing = g_string_new(NULL);
    int n_missing = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(set->models) && set->models[i].path; i++) {
        char *path = pp_studio_find_data(set->models[i].path);
        if (!path && set->models[i].fallback)
            path = pp_studio_find_data(set->models[i].fallback);
        if (!path) {
            g_string_append_printf(missing, "%s“%s”", n_missing++ ? ", " : "", set->models[i].path);
            continue;
        }
        GFile *file = g_file_new_for_path(path);
        pp_window_open_file(self, file);
        g_object_unref(file);
        g_free(path);
    }
    if (n_missing) {
        char *msg = g_strdup_printf(n_missing > 1 ? "The demo models %s are not installed" :
                                                    "The demo model %s is not installed", missing->str);
        pp_window_show_error(self, msg);
        g_free(msg);
    }
    g_string_free(missing, TRUE);
    return TRUE;
}

void pp_window_open_demo(PpWindow *self)
{
    pp_window_open_demo_set(self, "pair");
}

int pp_window_get_pending(PpWindow *self)
{
    return self->pending;
}

void pp_window_set_view(PpWindow *self, const char *name)
{
    if (adw_view_stack_get_child_by_name(self->stack, name))
        adw_view_stack_set_visible_child_name(self->stack, name);
}

static void on_page_changed(PpWindow *self)
{
    GAction *view = g_action_map_lookup_action(G_ACTION_MAP(self), "view");
    const char *name = adw_view_stack_get_visible_child_name(self->stack);
    if (g_strcmp0(name, "grid") == 0)
        sync_grid_input(self);
    if (g_strcmp0(name, "compare") == 0) { /* the feature maps are of the probe's image */
        pp_compare_view_set_image_file(self->compare_view, pp_probe_view_get_image_file(self->probe_view));
        pp_compare_view_set_seed(self->compare_view, pp_probe_view_get_seed(self->probe_view));
    }
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

/* The kernels figure laid out for the page it is exported to, not for the
 * window: gallery and detail side by side above the alpha chart. */
#define KERNELS_FIG_W 1200
#define KERNELS_FIG_H 820

static void draw_kernels_page(GtkWidget *widget, cairo_t *cr, int width, int height)
{
    PpWindow *self = PP_WINDOW(widget);
    gboolean chart = gtk_widget_get_visible(GTK_WIDGET(self->alpha_chart));
    double top_h = chart ? height - 250 : height, half = (width - 18) / 2.0;
    cairo_save(cr);
    pp_kernel_grid_draw(GTK_WIDGET(self->kernel_grid), cr, (int)half, (int)top_h);
    cairo_translate(cr, half + 18, 0);
    pp_kernel_detail_draw(GTK_WIDGET(self->kernel_detail), cr, (int)half, (int)top_h);
    cairo_restore(cr);
    if (chart) {
        cairo_save(cr);
        cairo_translate(cr, 0, top_h + 10);
        pp_alpha_chart_draw(GTK_WIDGET(self->alpha_chart), cr, width, 240);
        cairo_restore(cr);
    }
}

static void draw_spectra_page(GtkWidget *widget, cairo_t *cr, int width, int height)
{
    PpWindow *self = PP_WINDOW(widget);
    pp_spectrum_view_draw(GTK_WIDGET(self->spectrum_view), cr, width, height);
}

/* The caption of an exported figure: the model(s) it shows and the settings
 * in force. */
static char *figure_caption(PpWindow *self, const char *view)
{
    PpModelEntry *e = self->current;
    if (g_str_equal(view, "probe")) {
        GString *s = g_string_new("Probe of ");
        int n = 0;
        for (GtkWidget *w = gtk_widget_get_first_child(GTK_WIDGET(self->model_list)); w;
             w = gtk_widget_get_next_sibling(w))
            if (PP_IS_MODEL_ROW(w))
                g_string_append_printf(s, "%s%s", n++ ? ", " : "",
                                       pp_model_entry_get_title(pp_model_row_get_entry(PP_MODEL_ROW(w))));
        g_string_append(s, " · PushPull Studio");
        return g_string_free(s, FALSE);
    }
    if (!pp_model_entry_is_push_pull(e))
        return g_strdup_printf("%s (baseline, plain first layer) · PushPull Studio", pp_model_entry_get_title(e));
    return g_strdup_printf("%s (push-pull, %s α, pull pooling %s) · PushPull Studio", pp_model_entry_get_title(e),
                           pp_model_entry_view_is_learned(e) ? "learned" : "overridden",
                           pp_model_entry_view_avg(e) == 5 ? "5×5" : pp_model_entry_view_avg(e) == 3 ? "3×3" : "off");
}

static gboolean write_text(const char *path, const char *text, GError **error)
{
    return g_file_set_contents(path, text, -1, error);
}

gboolean pp_window_export(PpWindow *self, const char *path, GError **error)
{
    if (g_strcmp0(adw_view_stack_get_visible_child_name(self->stack), "lab") == 0)
        return pp_inhibition_lab_view_export(self->lab_view, path, error);
    if (!self->current) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "no model to export");
        return FALSE;
    }
    const char *view = adw_view_stack_get_visible_child_name(self->stack);
    if (g_strcmp0(view, "jobs") == 0)
        return pp_jobs_view_export(self->jobs_view, path, error);
    if (g_strcmp0(view, "grid") == 0)
        return pp_corruption_grid_view_export(self->grid_view, path, error);
    if (g_strcmp0(view, "compare") == 0)
        return pp_compare_view_export(self->compare_view, path, error);
    gboolean csv = g_str_has_suffix(path, ".csv");
    if (g_strcmp0(view, "probe") == 0) {
        if (csv) {
            /* one table per file: the predictions here, the sweep (when there is
             * one) in FILE-sweep.csv */
            char *text = pp_probe_view_to_csv(self->probe_view);
            char *split = strstr(text, "\n\n");
            gboolean ok;
            if (split) {
                split[1] = 0;
                ok = write_text(path, text, error);
                char *sweep = g_strdup_printf("%.*s-sweep.csv", (int)(strlen(path) - 4), path);
                ok = ok && write_text(sweep, split + 2, error);
                g_free(sweep);
            } else
                ok = write_text(path, text, error);
            g_free(text);
            return ok;
        }
        GtkWidget *v = GTK_WIDGET(self->probe_view);
        char *caption = figure_caption(self, "probe");
        gboolean ok = pp_plot_export_figure(v, pp_probe_view_draw, MAX(gtk_widget_get_width(v), 1200),
                                            pp_probe_view_figure_height(self->probe_view), caption, path, error);
        g_free(caption);
        return ok;
    }
    gboolean spectra = g_strcmp0(view, "spectra") == 0;
    if (csv) {
        char *text = spectra ? pp_spectrum_view_to_csv(self->spectrum_view) : pp_kernel_detail_to_csv(self->kernel_detail);
        gboolean ok = write_text(path, text, error);
        g_free(text);
        return ok;
    }
    char *caption = figure_caption(self, spectra ? "spectra" : "kernels");
    gboolean ok;
    if (spectra) {
        GtkWidget *v = GTK_WIDGET(self->spectrum_view);
        ok = pp_plot_export_figure(GTK_WIDGET(self), draw_spectra_page, MAX(gtk_widget_get_width(v), 900),
                                   MAX(gtk_widget_get_height(v), 720), caption, path, error);
    } else
        ok = pp_plot_export_figure(GTK_WIDGET(self), draw_kernels_page, KERNELS_FIG_W, KERNELS_FIG_H, caption, path,
                                   error);
    g_free(caption);
    return ok;
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
        } else {
            char *name = g_file_get_basename(file), *uri = g_file_get_uri(file);
            char *msg = g_strdup_printf("Exported “%s”", name);
            AdwToast *toast = adw_toast_new(msg);
            adw_toast_set_button_label(toast, "_Open");
            adw_toast_set_action_name(toast, "win.open-uri");
            adw_toast_set_action_target_value(toast, g_variant_new_string(uri));
            adw_toast_set_timeout(toast, 6);
            adw_toast_overlay_add_toast(self->toast_overlay, toast);
            g_free(msg);
            g_free(uri);
            g_free(name);
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
    gboolean lab = g_strcmp0(adw_view_stack_get_visible_child_name(self->stack), "lab") == 0; /* needs no model */
    if (!self->current && !lab)
        return;
    GtkFileChooserNative *dialog = gtk_file_chooser_native_new("Export", GTK_WINDOW(self),
                                                               GTK_FILE_CHOOSER_ACTION_SAVE, "_Export", "_Cancel");
    char *stem = g_strdup(lab ? "pushpull" : pp_model_entry_get_title(self->current));
    char *dot = strrchr(stem, '.');
    if (dot)
        *dot = 0;
    char *name = g_strdup_printf("%s-%s.%s", stem, adw_view_stack_get_visible_child_name(self->stack), format);
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
    if (GTK_WIDGET(self->auto_baseline) == row)
        self->auto_baseline = NULL;
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

/* The window's picture as it stands, or NULL: none while it is not shown, and
 * none for a frame after its content changed and it waits for a new layout. */
static GskRenderNode *window_picture(GtkWindow *window, int *width, int *height)
{
    GtkWidget *w = GTK_WIDGET(window);
    *width = gtk_widget_get_width(w);
    *height = gtk_widget_get_height(w);
    if (!gtk_native_get_renderer(GTK_NATIVE(window)) || *width <= 0 || *height <= 0)
        return NULL;
    GdkPaintable *paintable = gtk_widget_paintable_new(w);
    GtkSnapshot *snapshot = gtk_snapshot_new();
    gdk_paintable_snapshot(paintable, GDK_SNAPSHOT(snapshot), *width, *height);
    g_object_unref(paintable);
    return gtk_snapshot_free_to_node(snapshot);
}

gboolean pp_studio_window_has_picture(GtkWindow *window)
{
    int width, height;
    GskRenderNode *node = window_picture(window, &width, &height);
    if (node)
        gsk_render_node_unref(node);
    return node != NULL;
}

gboolean pp_studio_save_window_png(GtkWindow *window, const char *path, GError **error)
{
    int width, height;
    GskRenderNode *node = window_picture(window, &width, &height);
    if (!node && (width <= 0 || height <= 0 || !gtk_native_get_renderer(GTK_NATIVE(window)))) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the window is not shown");
        return FALSE;
    }
    gboolean ok = FALSE;
    if (node) {
        GskRenderer *renderer = gtk_native_get_renderer(GTK_NATIVE(window));
        GdkTexture *texture = gsk_renderer_render_texture(renderer, node, &GRAPHENE_RECT_INIT(0, 0, width, height));
        ok = gdk_texture_save_to_png(texture, path);
        g_object_unref(texture);
        gsk_render_node_unref(node);
    }
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
    static const char *ext[] = {".safetensors", ".ckpt", ".pt", ".pth", ".pth.tar"};
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
    g_type_ensure(PP_TYPE_COMPARE_VIEW);
    g_type_ensure(PP_TYPE_INHIBITION_LAB_VIEW);
    g_type_ensure(PP_TYPE_ZOOM_BIN);
    signals[SIGNAL_LOADS_FINISHED] = g_signal_new("loads-finished", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                                  NULL, NULL, NULL, G_TYPE_NONE, 0);
    gtk_widget_class_set_template_from_resource(wc, "/io/github/PushPullStudio/pp-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child(wc, PpWindow, name)
    BIND(spinner);
    BIND(banner);
    BIND(zoom_bin);
    BIND(flap);
    BIND(sidebar_button);
    BIND(kernels_flow);
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
    BIND(compare_view);
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
    gtk_widget_class_bind_template_callback(wc, on_banner_close);
    gtk_widget_class_bind_template_callback(wc, on_row_selected);
    gtk_widget_class_bind_template_callback(wc, on_page_changed);
    gtk_widget_class_bind_template_callback(wc, on_kernel_spin);
    gtk_widget_class_bind_template_callback(wc, on_alpha_changed);
    gtk_widget_class_bind_template_callback(wc, on_avg_toggled);
}

/* ---- zoom, full screen, sidebar, help ---- */

static const double zoom_steps[] = {0.5, 0.67, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0};

static void set_zoom(PpWindow *self, double zoom)
{
    pp_zoom_bin_set_zoom(self->zoom_bin, zoom);
    char *msg = g_strdup_printf("Zoom %.0f %%", 100 * pp_zoom_bin_get_zoom(self->zoom_bin));
    if (gtk_widget_get_mapped(GTK_WIDGET(self)))
        pp_window_toast(self, msg);
    g_free(msg);
}

static void action_zoom(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    (void)param;
    PpWindow *self = PP_WINDOW(user_data);
    const char *name = g_action_get_name(G_ACTION(action));
    double z = pp_zoom_bin_get_zoom(self->zoom_bin);
    size_t n = G_N_ELEMENTS(zoom_steps);
    if (g_str_equal(name, "zoom-in")) {
        for (size_t i = 0; i < n; i++)
            if (zoom_steps[i] > z + 1e-6) {
                set_zoom(self, zoom_steps[i]);
                return;
            }
    } else if (g_str_equal(name, "zoom-out")) {
        for (size_t i = n; i-- > 0;)
            if (zoom_steps[i] < z - 1e-6) {
                set_zoom(self, zoom_steps[i]);
                return;
            }
    } else
        set_zoom(self, 1.0);
}

void pp_window_set_zoom(PpWindow *self, double zoom)
{
    pp_zoom_bin_set_zoom(self->zoom_bin, zoom);
}

static void action_fullscreen(GSimpleAction *action, GVariant *state, gpointer user_data)
{
    GtkWindow *window = GTK_WINDOW(user_data);
    if (g_variant_get_boolean(state))
        gtk_window_fullscreen(window);
    else
        gtk_window_unfullscreen(window);
    g_simple_action_set_state(action, state);
}

static void on_fullscreened(PpWindow *self)
{
    GAction *a = g_action_map_lookup_action(G_ACTION_MAP(self), "fullscreen");
    g_simple_action_set_state(G_SIMPLE_ACTION(a), g_variant_new_boolean(gtk_window_is_fullscreen(GTK_WINDOW(self))));
}

static void action_toggle_sidebar(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    (void)action;
    (void)param;
    PpWindow *self = PP_WINDOW(user_data);
    adw_flap_set_reveal_flap(self->flap, !adw_flap_get_reveal_flap(self->flap));
}

static void action_help(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    (void)action;
    (void)param;
    pp_help_show(GTK_WINDOW(user_data));
}

void pp_window_print_state(PpWindow *self, FILE *out)
{
    int k = pp_kernel_grid_get_selected(self->kernel_grid);
    PpModelEntry *e = self->current;
    fprintf(out, "state view %s model %s kernel %d alpha %.4f avg %d zoom %.2f fullscreen %d sidebar %s\n",
            adw_view_stack_get_visible_child_name(self->stack), e ? pp_model_entry_get_title(e) : "-", k,
            e && pp_model_entry_is_push_pull(e) ? pp_model_entry_view_alpha(e, k) : -1.0,
            e && pp_model_entry_is_push_pull(e) ? pp_model_entry_view_avg(e) : -1, pp_zoom_bin_get_zoom(self->zoom_bin),
            gtk_window_is_fullscreen(GTK_WINDOW(self)),
            adw_flap_get_folded(self->flap) ? (adw_flap_get_reveal_flap(self->flap) ? "folded-shown" : "folded")
                                            : "shown");
    pp_probe_view_print(self->probe_view, out);
    char *csv = pp_probe_view_to_csv(self->probe_view);
    char *row = strchr(csv, '\n');
    if (row) {
        char *end = strchr(row + 1, '\n');
        fprintf(out, "state probe_row %.*s\n", end ? (int)(end - row - 1) : (int)strlen(row + 1), row + 1);
    }
    fprintf(out, "state sweep %s\n", strstr(csv, "\nsweep_model,") ? "yes" : "no");
    g_free(csv);
    const char *baseline = "-";
    for (GtkWidget *w = gtk_widget_get_first_child(GTK_WIDGET(self->model_list)); w; w = gtk_widget_get_next_sibling(w))
        if (PP_IS_MODEL_ROW(w) && pp_model_entry_get_baseline(pp_model_row_get_entry(PP_MODEL_ROW(w)))) {
            baseline = pp_model_entry_get_title(pp_model_row_get_entry(PP_MODEL_ROW(w)));
            break;
        }
    fprintf(out, "state baseline %s\n", baseline);
    fflush(out);
}

void pp_window_focus_header(PpWindow *self)
{
    gtk_widget_grab_focus(self->sidebar_button);
}

/* ---- view actions as window accelerators (they work wherever the focus is) ---- */

static void action_open_image(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    (void)action;
    (void)param;
    PpWindow *self = PP_WINDOW(user_data);
    pp_window_set_view(self, "probe");
    gtk_widget_activate_action(GTK_WIDGET(self->probe_view), "probe.open-image", NULL);
}

static void action_paste_image(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    (void)action;
    (void)param;
    PpWindow *self = PP_WINDOW(user_data);
    pp_window_set_view(self, "probe");
    gtk_widget_activate_action(GTK_WIDGET(self->probe_view), "probe.paste", NULL);
}

/* win.stability-play / win.repeatability: the probe view's Stability tab. */
static void action_stability_play(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    (void)action;
    (void)param;
    PpWindow *self = PP_WINDOW(user_data);
    pp_window_set_view(self, "probe");
    pp_probe_view_show_stability(self->probe_view, NULL);
    pp_stability_panel_toggle_play(pp_probe_view_get_stability(self->probe_view));
}

static void action_repeatability(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    (void)action;
    (void)param;
    PpWindow *self = PP_WINDOW(user_data);
    pp_window_set_view(self, "probe");
    pp_probe_view_show_stability(self->probe_view, NULL);
    pp_stability_panel_run_repeatability(pp_probe_view_get_stability(self->probe_view));
}

static void action_sweep(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    (void)action;
    (void)param;
    PpWindow *self = PP_WINDOW(user_data);
    pp_window_set_view(self, "probe");
    gtk_widget_activate_action(GTK_WIDGET(self->probe_view), "probe.sweep", NULL);
}

static void action_cancel_job(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    (void)action;
    (void)param;
    PpWindow *self = PP_WINDOW(user_data);
    if (pp_jobs_view_is_running(self->jobs_view))
        pp_jobs_view_cancel(self->jobs_view);
}

static void action_save_model(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    (void)action;
    (void)param;
    PpWindow *self = PP_WINDOW(user_data);
    pp_window_set_view(self, "jobs");
    gtk_widget_activate_action(GTK_WIDGET(self->jobs_view), "jobs.save", NULL);
}

static void action_open_uri(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    (void)action;
    GError *error = NULL;
    GdkAppLaunchContext *ctx = gdk_display_get_app_launch_context(gtk_widget_get_display(GTK_WIDGET(user_data)));
    if (!g_app_info_launch_default_for_uri(g_variant_get_string(param, NULL), G_APP_LAUNCH_CONTEXT(ctx), &error)) {
        char *msg = g_strdup_printf("Could not open the file: %s", error->message);
        pp_window_show_error(PP_WINDOW(user_data), msg);
        g_free(msg);
        g_error_free(error);
    }
    g_object_unref(ctx);
}

/* Escape and Ctrl+V: window shortcuts in the bubble phase, so a focused text
 * field or an open drop-down still gets them first. */
static gboolean shortcut_cancel_job(GtkWidget *widget, GVariant *args, gpointer data)
{
    (void)args;
    (void)data;
    PpWindow *self = PP_WINDOW(widget);
    if (!pp_jobs_view_is_running(self->jobs_view))
        return FALSE;
    g_action_group_activate_action(G_ACTION_GROUP(self), "cancel-job", NULL);
    return TRUE;
}

static gboolean shortcut_paste(GtkWidget *widget, GVariant *args, gpointer data)
{
    (void)args;
    (void)data;
    g_action_group_activate_action(G_ACTION_GROUP(widget), "paste-image", NULL);
    return TRUE;
}

static void add_window_shortcuts(PpWindow *self)
{
    GtkEventController *sc = gtk_shortcut_controller_new();
    gtk_event_controller_set_propagation_phase(sc, GTK_PHASE_BUBBLE);
    gtk_shortcut_controller_add_shortcut(
        GTK_SHORTCUT_CONTROLLER(sc),
        gtk_shortcut_new(gtk_keyval_trigger_new(GDK_KEY_Escape, 0), gtk_callback_action_new(shortcut_cancel_job, NULL, NULL)));
    gtk_shortcut_controller_add_shortcut(
        GTK_SHORTCUT_CONTROLLER(sc),
        gtk_shortcut_new(gtk_keyval_trigger_new(GDK_KEY_v, GDK_CONTROL_MASK), gtk_callback_action_new(shortcut_paste, NULL, NULL)));
    gtk_widget_add_controller(GTK_WIDGET(self), sc);
}

static const GActionEntry win_actions[] = {
    {.name = "export", .activate = action_export, .parameter_type = "s"},
    {.name = "reset-view", .activate = action_reset_view},
    {.name = "view", .change_state = action_view, .parameter_type = "s", .state = "'kernels'"},
    {.name = "open-recent", .activate = action_open_recent, .parameter_type = "s"},
    {.name = "model-up", .activate = action_model_move, .parameter_type = "u"},
    {.name = "model-down", .activate = action_model_move, .parameter_type = "u"},
    {.name = "model-remove", .activate = action_model_remove, .parameter_type = "u"},
    {.name = "zoom-in", .activate = action_zoom},
    {.name = "zoom-out", .activate = action_zoom},
    {.name = "zoom-reset", .activate = action_zoom},
    {.name = "fullscreen", .state = "false", .change_state = action_fullscreen},
    {.name = "toggle-sidebar", .activate = action_toggle_sidebar},
    {.name = "help", .activate = action_help},
    {.name = "open-image", .activate = action_open_image},
    {.name = "paste-image", .activate = action_paste_image},
    {.name = "sweep", .activate = action_sweep},
    {.name = "stability-play", .activate = action_stability_play},
    {.name = "repeatability", .activate = action_repeatability},
    {.name = "cancel-job", .activate = action_cancel_job},
    {.name = "save-model", .activate = action_save_model},
    {.name = "open-uri", .activate = action_open_uri, .parameter_type = "s"},
};

/* --trace-actions (tests): every window action prints its name when it runs */
static void on_action_traced(GActionGroup *group, const char *name, GVariant *param, gpointer data)
{
    (void)data;
    char *p = param ? g_variant_print(param, FALSE) : NULL;
    /* where the keyboard focus was: a shortcut must work wherever it is */
    GtkWidget *focus = gtk_root_get_focus(GTK_ROOT(group));
    GtkWidget *titlebar = gtk_window_get_titlebar(GTK_WINDOW(group));
    const char *where = !focus ? "none" : titlebar && gtk_widget_is_ancestor(focus, titlebar) ? "header-bar"
                                                                                            : G_OBJECT_TYPE_NAME(focus);
    printf("action win.%s%s%s focus %s\n", name, p ? " " : "", p ? p : "", where);
    fflush(stdout);
    g_free(p);
}

static void trace_activate(GSimpleAction *action, GVariant *param, gpointer data)
{
    on_action_traced(G_ACTION_GROUP(data), g_action_get_name(G_ACTION(action)), param, NULL);
}

void pp_window_trace_actions(PpWindow *self)
{
    char **names = g_action_group_list_actions(G_ACTION_GROUP(self));
    for (char **n = names; *n; n++) {
        GAction *a = g_action_map_lookup_action(G_ACTION_MAP(self), *n);
        /* a stateful action's activate falls back to change-state only while
         * nothing else listens to activate: trace where it ends up */
        if (G_IS_SIMPLE_ACTION(a))
            g_signal_connect(a, g_action_get_state_type(a) ? "change-state" : "activate", G_CALLBACK(trace_activate),
                             self);
    }
    g_strfreev(names);
}

/* ---- explanations and accessible summaries of the probe and jobs views ---- */

static char *print_to_string(GtkWidget *area, GType view_type)
{
    GtkWidget *view = gtk_widget_get_ancestor(area, view_type);
    if (!view)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    if (view_type == PP_TYPE_PROBE_VIEW)
        pp_probe_view_print(PP_PROBE_VIEW(view), f);
    else
        pp_jobs_view_print(PP_JOBS_VIEW(view), f);
    fclose(f);
    char *text = g_strstrip(g_strdup(buf ? buf : ""));
    free(buf);
    GString *one = g_string_new(NULL); /* one line: a sentence per model */
    for (char *p = text; *p; p++)
        if (*p == '\n')
            g_string_append(one, "; ");
        else
            g_string_append_c(one, *p);
    g_free(text);
    return g_string_free(one, FALSE);
}

static char *probe_summary(GtkWidget *area)
{
    char *t = print_to_string(area, PP_TYPE_PROBE_VIEW);
    char *s = g_strdup_printf("Per model: top-1 class and probability, first-layer SNR in dB. %s", t ? t : "");
    g_free(t);
    return s;
}

static char *jobs_summary(GtkWidget *area)
{
    char *t = print_to_string(area, PP_TYPE_JOBS_VIEW);
    char *s = g_strdup_printf("The last job: %s", t && *t ? t : "none yet");
    g_free(t);
    return s;
}

static void explain(GtkWidget *w)
{
    static const struct {
        const char *id, *label;
        const char *keys[4];
    } areas[] = {
        {"images_area", "The input image, clean and corrupted", {"severity", "preset", NULL}},
        {"predictions_area", "Top-5 predictions of every model", {NULL}},
        {"snr_area", "First-layer SNR of every model", {"snr", "push", "pull", NULL}},
        {"sweep_area", "SNR and true-class probability against severity", {"snr", "severity", NULL}},
        {"feature_area", "Push, pull and output responses of one channel", {"push", "pull", "alpha", NULL}},
        {"result_area", "The corruption errors or the training curves", {"ce", "mce", "relative-ce", "rnet"}},
    };
    const char *id = gtk_buildable_get_buildable_id(GTK_BUILDABLE(w));
    if (GTK_IS_DRAWING_AREA(w) && id)
        for (size_t i = 0; i < G_N_ELEMENTS(areas); i++) {
            if (!g_str_equal(id, areas[i].id))
                continue;
            GString *help = g_string_new(NULL);
            for (int k = 0; k < 4 && areas[i].keys[k]; k++)
                g_string_append_printf(help, "%s%s", help->len ? "\n\n" : "", pp_help_term(areas[i].keys[k]));
            pp_plot_install_tooltip(w, help->len ? help->str : NULL);
            g_string_free(help, TRUE);
            pp_plot_set_accessible(w, areas[i].label,
                                   g_str_equal(id, "result_area") ? jobs_summary : probe_summary);
        }
    /* icon-only buttons speak: their accessible name is their tooltip, without the shortcut */
    if ((GTK_IS_BUTTON(w) || GTK_IS_MENU_BUTTON(w)) && !(GTK_IS_BUTTON(w) && gtk_button_get_label(GTK_BUTTON(w))) &&
        !(GTK_IS_MENU_BUTTON(w) && gtk_menu_button_get_label(GTK_MENU_BUTTON(w))) && gtk_widget_get_tooltip_text(w)) {
        char *name = g_strdup(gtk_widget_get_tooltip_text(w));
        char *paren = strstr(name, " (");
        if (paren)
            *paren = 0;
        gtk_accessible_update_property(GTK_ACCESSIBLE(w), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
        g_free(name);
    }
    if (GTK_IS_LABEL(w) && !gtk_widget_get_has_tooltip(w)) { /* the terms on the views' labels */
        const char *text = gtk_label_get_text(GTK_LABEL(w));
        if (g_str_equal(text, "Severity"))
            pp_help_set_tooltip(w, "severity", "preset", NULL);
        else if (g_str_equal(text, "Corruption") || g_str_equal(text, "Corruptions"))
            pp_help_set_tooltip(w, "ce", "severity", NULL);
    }
    for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c))
        explain(c);
}

static void unfocus_flow_cells(GtkWidget *w)
{
    if (GTK_IS_FLOW_BOX_CHILD(w))
        gtk_widget_set_focusable(w, FALSE);
    for (GtkWidget *c = gtk_widget_get_first_child(w); c; c = gtk_widget_get_next_sibling(c))
        unfocus_flow_cells(c);
}

static void pp_window_init(PpWindow *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->loading = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    self->toast_overlay = ADW_TOAST_OVERLAY(gtk_window_get_child(GTK_WINDOW(self)));
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
    g_signal_connect(self, "notify::fullscreened", G_CALLBACK(on_fullscreened), NULL);
    g_signal_connect(self, "notify::default-width", G_CALLBACK(on_width_changed), NULL);
    g_signal_connect(self, "notify::maximized", G_CALLBACK(on_width_changed), NULL);
    gtk_widget_set_visible(GTK_WIDGET(self->banner), FALSE);
    add_window_shortcuts(self);
    /* flow boxes wrap groups of controls (and the gallery and the detail) onto
     * more lines in a narrow window; their cells are layout, not focus stops */
    unfocus_flow_cells(GTK_WIDGET(self));
    explain(GTK_WIDGET(self->probe_view));
    explain(GTK_WIDGET(self->jobs_view));
    GtkDropTarget *drop = gtk_drop_target_new(GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
    g_signal_connect(drop, "drop", G_CALLBACK(on_drop), self);
    gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(drop));
    sync_controls(self);
}

PpWindow *pp_window_new(GtkApplication *app)
{
    return g_object_new(PP_TYPE_WINDOW, "application", app, NULL);
}

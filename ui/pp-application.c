#include "pp-application.h"

#include "cpu.h"

#include "pp-help.h"
#include "pp-layout-check.h"
#include "pp-window.h"

struct _PpApplication {
    GtkApplication parent_instance;
    char *screenshot; /* --screenshot FILE */
    char *view;       /* --view NAME */
    char **exports;   /* --export FILE (repeatable) */
    char *dialog_shot; /* --screenshot-dialog about|shortcuts (hidden, for tests) */
    char **models;    /* --model M (repeatable) */
    char *demo_set;   /* --demo-set NAME: the demo set opened without --model */
    char *image, *corruption; /* --image F, --corruption NAME */
    char *stability;          /* --stability NAME: the probe view's Stability tab with that sequence */
    gint64 stability_frame;   /* --stability-frame N (< 0: keep) */
    gboolean repeatability;   /* --repeatability: run the repeatability set */
    char *paste_image;        /* --paste-image F (hidden, for tests): through the clipboard */
    double severity;          /* --severity S (< 0: keep) */
    int feature_channel;      /* --feature-channel K (< 0: not asked) */
    gint64 seed;              /* --seed N (< 0: keep) */
    gboolean sweep, print_probe, push_only;
    char *true_class, *job_data; /* --true-class NAME, --job-data SPEC */
    char *job_augment;           /* --job-augment SPEC */
    char **model_actions;        /* --model-action ACTION:TITLE (tests) */
    gboolean dark;
    int kernel, avg, bench_frames;
    double alpha;
    int exit_status;
    GtkNativeDialog *dialog;
    char *run_job;         /* --run-job eval|finetune (hidden, for tests) */
    char *gabor;           /* --gabor ORIENTATION,FREQUENCY,PHASE,SIZE (the lab) */
    char *grid_activate;   /* --grid-activate NAME (hidden, for tests): as a click on that thumbnail */
    gboolean grid_play;    /* --grid-play (hidden, for tests): press the grid's play button */
    char *compare_layer, *compare_data; /* --compare-layer NAME, --compare-data SPEC */
    char *compare_models;               /* --compare-models I,J (1-based, as the model list) */
    int compare_images;                 /* --compare-images N (0: keep) */
    gint64 job_limit;      /* --job-limit N */
    int cancel_after_ms;   /* --cancel-after-ms MS */
    int width, height;     /* --size WxH */
    double zoom;           /* --zoom Z (0: keep) */
    gboolean check_layout; /* --check-layout: report unreachable controls, then exit */
    gboolean trace_actions, focus_header, fullscreen; /* hidden, for tests; --fullscreen */
    gboolean print_state; /* hidden: print the window's state when it closes */
    int quit_after_ms;    /* hidden: a normal launch closes itself after MS ms */
    int dialog_polls;     /* --screenshot-dialog: looks for the dialog so far */
    int picture_polls;    /* --screenshot: polls for a picture of the window so far */
};

G_DEFINE_FINAL_TYPE(PpApplication, pp_application, ADW_TYPE_APPLICATION)

/* --trace-actions: the milestones a test types keys after (the loads, the
 * focus, a job started), so that it waits on them and not on a guess. */
static void trace_milestone(PpApplication *self, const char *what)
{
    if (!self->trace_actions)
        return;
    printf("trace: %s\n", what);
    fflush(stdout);
}

static gboolean print_state_on_close(GtkWindow *win, gpointer data)
{
    (void)data;
    pp_window_print_state(PP_WINDOW(win), stdout);
    return FALSE;
}

static gboolean close_window(gpointer data)
{
    PpWindow *win = data;
    if (pp_window_is_busy(win))
        return G_SOURCE_CONTINUE; /* a probe, grid or lab update or a sweep is still running */
    gtk_window_close(GTK_WINDOW(win));
    return G_SOURCE_REMOVE;
}

static PpWindow *get_window(PpApplication *self)
{
    GtkWindow *w = gtk_application_get_active_window(GTK_APPLICATION(self));
    if (w)
        return PP_WINDOW(w);
    PpWindow *win = pp_window_new(GTK_APPLICATION(self));
    if (self->view)
        pp_window_set_view(win, self->view);
    if (self->width > 0)
        gtk_window_set_default_size(GTK_WINDOW(win), self->width, self->height);
    else { /* a first window that fits the screen (a 1280x720 projector, a 1024x768 laptop) */
        GdkDisplay *display = gdk_display_get_default();
        GListModel *monitors = display ? gdk_display_get_monitors(display) : NULL;
        GdkMonitor *m = monitors && g_list_model_get_n_items(monitors) ? g_list_model_get_item(monitors, 0) : NULL;
        if (m) {
            GdkRectangle geo;
            gdk_monitor_get_geometry(m, &geo);
            int dw, dh;
            gtk_window_get_default_size(GTK_WINDOW(win), &dw, &dh);
            if (geo.width > 0 && geo.height > 0 && (geo.width < dw || geo.height < dh + 48))
                gtk_window_set_default_size(GTK_WINDOW(win), MIN(dw, geo.width), MIN(dh, geo.height - 48));
            g_object_unref(m);
        }
    }
    if (self->zoom > 0)
        pp_window_set_zoom(win, self->zoom);
    if (self->fullscreen)
        gtk_window_fullscreen(GTK_WINDOW(win));
    if (self->trace_actions)
        pp_window_trace_actions(win);
    if (self->print_state)
        g_signal_connect(win, "close-request", G_CALLBACK(print_state_on_close), NULL);
    return win;
}

/* ---- screenshot mode: wait for the loads, for two frames, then render and quit ---- */

/* A window counts its frames from the first ask on: a screenshot or a layout
 * check waits until it is mapped and two frames began (one paint ended),
 * however long a loaded machine takes to show it (a fixed delay once caught
 * windows not yet shown: "the window is not shown"). */
static gboolean count_frame(GtkWidget *w, GdkFrameClock *clock, gpointer data)
{
    (void)clock;
    (void)data;
    int n = GPOINTER_TO_INT(g_object_get_data(G_OBJECT(w), "pp-frames")) + 1;
    g_object_set_data(G_OBJECT(w), "pp-frames", GINT_TO_POINTER(n));
    return n < 2 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean window_painted(GtkWindow *window)
{
    GObject *o = G_OBJECT(window);
    if (!g_object_get_data(o, "pp-counting")) {
        g_object_set_data(o, "pp-counting", GINT_TO_POINTER(1));
        gtk_widget_add_tick_callback(GTK_WIDGET(window), count_frame, NULL, NULL);
    }
    return gtk_widget_get_mapped(GTK_WIDGET(window)) && GPOINTER_TO_INT(g_object_get_data(o, "pp-frames")) >= 2;
}

static gboolean take_screenshot(gpointer data)
{
    PpWindow *win = PP_WINDOW(data);
    PpApplication *self = PP_APPLICATION(gtk_window_get_application(GTK_WINDOW(win)));
    if (pp_window_is_busy(win) || !window_painted(GTK_WINDOW(win)))
        return G_SOURCE_CONTINUE; /* an update or a sweep still running, or not on screen yet: poll again */
    /* a result that just came in changed the content: its new layout comes with
     * the next frames (CI once caught the picture in between: "cannot write the PNG") */
    if (!pp_studio_window_has_picture(GTK_WINDOW(win)) && ++self->picture_polls < 100)
        return G_SOURCE_CONTINUE;
    GError *error = NULL;
    if (self->print_probe && g_strcmp0(self->view, "grid") == 0)
        pp_corruption_grid_view_print(pp_window_get_grid_view(win), stdout);
    else if (self->print_probe && g_strcmp0(self->view, "compare") == 0)
        pp_compare_view_print(pp_window_get_compare_view(win), stdout);
    else if (self->print_probe)
        pp_probe_view_print(pp_window_get_probe_view(win), stdout);
    if (self->check_layout && pp_layout_check(GTK_WINDOW(win), self->width, self->height, stdout) > 0)
        self->exit_status = 4;
    for (char **e = self->exports; e && *e; e++)
        if (!pp_window_export(win, *e, &error)) {
            g_printerr("pushpull-studio: export: %s\n", error->message);
            g_clear_error(&error);
            self->exit_status = 1;
        }
    if (!pp_window_save_screenshot(win, self->screenshot, &error)) {
        g_printerr("pushpull-studio: %s\n", error->message);
        g_error_free(error);
        self->exit_status = 1;
    } else if (pp_window_has_error(win)) {
        const char *shown = pp_window_get_error(win);
        g_printerr("pushpull-studio: the window shows an error (screenshot saved)%s%s\n", shown ? ": " : "",
                   shown ? shown : "");
        self->exit_status = 3;
    }
    gtk_window_destroy(GTK_WINDOW(win));
    return G_SOURCE_REMOVE;
}

static void after_benchmark(PpWindow *win, gpointer data)
{
    PpApplication *self = data;
    if (self->screenshot)
        g_timeout_add(400, take_screenshot, win);
    else
        gtk_window_destroy(GTK_WINDOW(win));
}

static gboolean take_dialog_screenshot(gpointer data)
{
    PpWindow *win = PP_WINDOW(data);
    PpApplication *self = PP_APPLICATION(gtk_window_get_application(GTK_WINDOW(win)));
    GtkWindow *dialog = NULL;
    for (GList *l = gtk_application_get_windows(GTK_APPLICATION(self)); l; l = l->next)
        if (l->data != (gpointer)win)
            dialog = l->data;
    if (!dialog) /* the about dialog is not an application window */
        for (guint i = 0; i < g_list_model_get_n_items(gtk_window_get_toplevels()); i++) {
            GtkWindow *t = g_list_model_get_item(gtk_window_get_toplevels(), i);
            if (t != GTK_WINDOW(win) && gtk_widget_get_visible(GTK_WIDGET(t)))
                dialog = t;
            g_object_unref(t);
        }
    /* poll until the dialog is on screen (a minute at most: then it is missing) */
    if ((!dialog || !window_painted(dialog) || !pp_studio_window_has_picture(dialog)) && ++self->dialog_polls < 100)
        return G_SOURCE_CONTINUE;
    GError *error = NULL;
    if (!dialog || !pp_studio_save_window_png(dialog, self->screenshot, &error)) {
        g_printerr("pushpull-studio: no %s window to render%s%s\n", self->dialog_shot, error ? ": " : "",
                   error ? error->message : "");
        g_clear_error(&error);
        self->exit_status = 1;
    }
    g_application_quit(G_APPLICATION(self));
    return G_SOURCE_REMOVE;
}

static void after_probe_benchmark(PpProbeView *view, gpointer data)
{
    after_benchmark(PP_WINDOW(gtk_widget_get_root(GTK_WIDGET(view))), data);
}

/* --image, --corruption, --severity, --feature-channel, --seed and --sweep on the probe view. */
static void apply_probe_options(PpApplication *self, PpWindow *win)
{
    PpProbeView *probe = pp_window_get_probe_view(win);
    if (self->image) {
        char *path = g_canonicalize_filename(self->image, NULL);
        pp_probe_view_set_image_file(probe, path);
        g_free(path);
    }
    if (self->paste_image) { /* the app owns the clipboard, then pastes (Ctrl+V) from it */
        GError *error = NULL;
        GdkTexture *t = gdk_texture_new_from_filename(self->paste_image, &error);
        if (t) {
            gdk_clipboard_set_texture(gtk_widget_get_clipboard(GTK_WIDGET(probe)), t);
            g_object_unref(t);
            gtk_widget_activate_action(GTK_WIDGET(probe), "probe.paste", NULL);
        } else {
            pp_window_show_error(win, error->message);
            g_error_free(error);
        }
    }
    if (self->corruption && !pp_probe_view_set_corruption(probe, self->corruption)) {
        char *msg = g_strdup_printf("There is no corruption “%s”", self->corruption);
        pp_window_show_error(win, msg);
        g_free(msg);
    }
    if (self->severity >= 0)
        pp_probe_view_set_severity(probe, self->severity);
    if (self->feature_channel >= 0)
        pp_probe_view_set_feature_channel(probe, self->feature_channel);
    if (self->push_only)
        pp_probe_view_set_push_only(probe, TRUE);
    if (self->true_class)
        pp_probe_view_set_true_class(probe, self->true_class);
    if (self->seed >= 0)
        pp_probe_view_set_seed(probe, (guint64)self->seed);
    if (self->sweep)
        pp_probe_view_start_sweep(probe);
    if (self->stability && !pp_probe_view_show_stability(probe, self->stability)) {
        char *msg = g_strdup_printf("There is no perturbation “%s”", self->stability);
        pp_window_show_error(win, msg);
        g_free(msg);
    }
    if (self->stability_frame >= 0)
        pp_stability_panel_set_frame(pp_probe_view_get_stability(probe), (int)self->stability_frame);
    if (self->repeatability) {
        pp_probe_view_show_stability(probe, NULL);
        pp_stability_panel_run_repeatability(pp_probe_view_get_stability(probe));
    }
}

static gboolean cancel_compare(gpointer data)
{
    pp_compare_view_cancel(pp_window_get_compare_view(PP_WINDOW(data)));
    return G_SOURCE_REMOVE;
}

/* --view grid / lab / compare: --severity (for the compare view also --corruption,
 * --compare-*, --cancel-after-ms; for the lab --corruption, --seed, --image,
 * --alpha, --avg, --gabor) go to that view as well. */
static void apply_grid_lab_options(PpApplication *self, PpWindow *win)
{
    if (g_strcmp0(self->view, "grid") == 0 && self->severity >= 0)
        pp_corruption_grid_view_set_severity(pp_window_get_grid_view(win), self->severity);
    if (self->grid_play)
        pp_corruption_grid_view_set_playing(pp_window_get_grid_view(win), TRUE);
    if (self->grid_activate && !pp_corruption_grid_view_activate(pp_window_get_grid_view(win), self->grid_activate)) {
        char *msg = g_strdup_printf("There is no corruption “%s”", self->grid_activate);
        pp_window_show_error(win, msg);
        g_free(msg);
    }
    if (g_strcmp0(self->view, "compare") == 0) {
        PpCompareView *compare = pp_window_get_compare_view(win);
        PpProbeView *probe = pp_window_get_probe_view(win); /* --image and --seed went to the probe */
        pp_compare_view_set_image_file(compare, pp_probe_view_get_image_file(probe));
        pp_compare_view_set_seed(compare, pp_probe_view_get_seed(probe));
        if (self->corruption && !pp_compare_view_set_corruption(compare, self->corruption)) {
            char *msg = g_strdup_printf("There is no corruption “%s”", self->corruption);
            pp_window_show_error(win, msg);
            g_free(msg);
        }
        if (self->severity >= 0)
            pp_compare_view_set_severity(compare, self->severity);
        if (self->compare_layer && !pp_compare_view_set_layer(compare, self->compare_layer)) {
            char *msg = g_strdup_printf("No feature maps for layer “%s” (stem, layer1 to layer4, conv1 or a block of model 1, e.g. layer2.1)",
                                        self->compare_layer);
            pp_window_show_error(win, msg);
            g_free(msg);
        }
        if (self->compare_models) {
            char *end = NULL;
            guint64 i = g_ascii_strtoull(self->compare_models, &end, 10), j = 0;
            gboolean ok = end && *end == ',' && (j = g_ascii_strtoull(end + 1, &end, 10), *end == '\0') && i >= 1 &&
                          j >= 1 && pp_compare_view_set_models(compare, (guint)(i - 1), (guint)(j - 1));
            if (!ok) {
                char *msg = g_strdup_printf("--compare-models “%s”: two loaded models I,J (from 1)",
                                            self->compare_models);
                pp_window_show_error(win, msg);
                g_free(msg);
            }
        }
        if (self->compare_data || self->compare_images)
            pp_compare_view_set_data(compare, self->compare_data, self->compare_images);
        if (self->cancel_after_ms > 0 && !self->run_job) /* as the Cancel button, for tests */
            g_timeout_add_full(G_PRIORITY_DEFAULT, self->cancel_after_ms, cancel_compare, g_object_ref(win),
                               g_object_unref);
    }
    if (g_strcmp0(self->view, "lab") != 0)
        return;
    PpInhibitionLabView *lab = pp_window_get_lab_view(win);
    if (self->corruption)
        pp_inhibition_lab_view_set_corruption(lab, self->corruption);
    if (self->severity >= 0)
        pp_inhibition_lab_view_set_severity(lab, self->severity);
    if (self->seed >= 0)
        pp_inhibition_lab_view_set_seed(lab, (guint64)self->seed);
    pp_inhibition_lab_view_set_alpha(lab, self->alpha);
    pp_inhibition_lab_view_set_pooling(lab, self->avg);
    if (self->gabor) { /* orientation,frequency,phase,size */
        double v[4] = {-1, -1, -1, -1};
        char **parts = g_strsplit(self->gabor, ",", 4);
        for (int i = 0; parts[i] && i < 4; i++)
            v[i] = g_ascii_strtod(parts[i], NULL);
        g_strfreev(parts);
        pp_inhibition_lab_view_set_gabor(lab, v[0], v[1], v[2], (int)v[3]);
    }
    GError *error = NULL;
    if (self->image && !pp_inhibition_lab_view_set_photo(lab, self->image, &error)) {
        pp_window_show_error(win, error->message);
        g_error_free(error);
    }
}

/* ---- --run-job: start a job after loading, wait for it, print, screenshot ---- */

static void on_test_job_finished(PpJobsView *view, gpointer data)
{
    PpApplication *self = data;
    g_signal_handlers_disconnect_by_func(view, on_test_job_finished, data);
    PpWindow *win = PP_WINDOW(gtk_widget_get_root(GTK_WIDGET(view)));
    pp_jobs_view_print(view, stdout);
    if (pp_jobs_view_get_state(view) == PP_JOB_STATE_FAILED)
        self->exit_status = 1;
    if (self->screenshot)
        g_timeout_add(400, take_screenshot, win);
    else
        gtk_window_destroy(GTK_WINDOW(win));
}

static gboolean cancel_test_job(gpointer data)
{
    PpWindow *win = data;
    pp_jobs_view_cancel(pp_window_get_jobs_view(win));
    return G_SOURCE_REMOVE;
}

static void start_test_job(PpApplication *self, PpWindow *win)
{
    PpJobsView *view = pp_window_get_jobs_view(win);
    pp_window_set_view(win, "jobs");
    g_signal_connect(view, "job-finished", G_CALLBACK(on_test_job_finished), self);
    if (self->job_data)
        pp_jobs_view_set_data(view, g_strcmp0(self->run_job, "finetune") == 0 ? "train" : "eval", self->job_data);
    if (self->job_augment && !pp_jobs_view_set_augment(view, self->job_augment)) {
        g_printerr("pushpull-studio: --job-augment %s is none of the jobs view's choices\n", self->job_augment);
        self->exit_status = 1;
    }
    if (!pp_jobs_view_start(view, self->run_job, self->job_limit)) {
        g_printerr("pushpull-studio: could not start the %s job (no model?)\n", self->run_job);
        self->exit_status = 1;
        g_signal_handlers_disconnect_by_func(view, on_test_job_finished, self);
        if (self->screenshot)
            g_timeout_add(400, take_screenshot, win);
        else
            gtk_window_destroy(GTK_WINDOW(win));
        return;
    }
    if (self->cancel_after_ms > 0)
        g_timeout_add_full(G_PRIORITY_DEFAULT, self->cancel_after_ms, cancel_test_job, g_object_ref(win),
                           g_object_unref);
    trace_milestone(self, "job started");
}

static void on_loads_finished(PpWindow *win, gpointer data)
{
    PpApplication *self = data;
    g_signal_handlers_disconnect_by_func(win, on_loads_finished, data);
    for (char **a = self->model_actions; a && *a; a++) {
        char **parts = g_strsplit(*a, ":", 2);
        if (!parts[0] || !parts[1] || !pp_window_model_action(win, parts[0], parts[1])) {
            g_printerr("pushpull-studio: --model-action %s: no such model\n", *a);
            self->exit_status = 1;
        }
        g_strfreev(parts);
    }
    if (self->kernel >= 0)
        pp_window_select_kernel(win, self->kernel);
    pp_window_override_view(win, self->alpha, self->avg); /* before the probe options: a --sweep runs with them */
    apply_probe_options(self, win);
    apply_grid_lab_options(self, win);
    if (self->dialog_shot) {
        if (g_strcmp0(self->dialog_shot, "about") == 0)
            g_action_group_activate_action(G_ACTION_GROUP(self), "about", NULL);
        else if (g_strcmp0(self->dialog_shot, "help") == 0)
            g_action_group_activate_action(G_ACTION_GROUP(win), "help", NULL);
        else
            g_action_group_activate_action(G_ACTION_GROUP(win), "show-help-overlay", NULL);
        g_timeout_add(600, take_dialog_screenshot, win);
    } else if (self->run_job)
        start_test_job(self, win);
    else if (self->bench_frames > 0 && g_strcmp0(self->view, "probe") == 0)
        pp_probe_view_benchmark(pp_window_get_probe_view(win), self->bench_frames, G_CALLBACK(after_probe_benchmark),
                                self);
    else if (self->bench_frames > 0)
        pp_window_benchmark_alpha(win, self->bench_frames, G_CALLBACK(after_benchmark), self);
    else if (self->screenshot)
        /* leave time for a layout and a paint of the loaded models */
        g_timeout_add(400, take_screenshot, win);
}

/* --check-layout without --screenshot: check after the first layouts, then quit */
static gboolean check_layout_and_quit(gpointer data)
{
    PpWindow *win = PP_WINDOW(data);
    PpApplication *self = PP_APPLICATION(gtk_window_get_application(GTK_WINDOW(win)));
    if (!window_painted(GTK_WINDOW(win)))
        return G_SOURCE_CONTINUE;
    /* the size asked for is the one it has now (a user or a test may have resized it) */
    if (pp_layout_check(GTK_WINDOW(win), self->quit_after_ms > 0 ? 0 : self->width,
                        self->quit_after_ms > 0 ? 0 : self->height, stdout) > 0)
        self->exit_status = 4;
    if (self->print_state)
        pp_window_print_state(win, stdout);
    gtk_window_destroy(GTK_WINDOW(win));
    return G_SOURCE_REMOVE;
}

static void on_loads_finished_normal(PpWindow *win, gpointer data)
{
    PpApplication *self = data;
    g_signal_handlers_disconnect_by_func(win, on_loads_finished_normal, data);
    apply_probe_options(self, win);
    apply_grid_lab_options(self, win);
    if (self->kernel >= 0)
        pp_window_select_kernel(win, self->kernel);
    pp_window_override_view(win, self->alpha, self->avg);
    if (self->view) /* a model's selection may have moved the view: the asked one wins */
        pp_window_set_view(win, self->view);
    trace_milestone(self, "loads finished");
    if (self->check_layout) /* with --quit-after-ms: later, e.g. after the window was resized */
        g_timeout_add(self->quit_after_ms > 0 ? self->quit_after_ms : 400, check_layout_and_quit, win);
    else if (self->quit_after_ms > 0)
        g_timeout_add(self->quit_after_ms, close_window, win);
}

static gboolean focus_header(gpointer data)
{
    PpWindow *win = PP_WINDOW(data);
    pp_window_focus_header(win);
    trace_milestone(PP_APPLICATION(gtk_window_get_application(GTK_WINDOW(win))), "focus in the header bar");
    return G_SOURCE_REMOVE;
}

static void present(PpApplication *self, PpWindow *win)
{
    /* the launch options act once, on the first window, after its models loaded */
    gboolean first = !g_object_get_data(G_OBJECT(win), "pp-options-applied");
    g_object_set_data(G_OBJECT(win), "pp-options-applied", GINT_TO_POINTER(1));
    if (self->screenshot || self->bench_frames > 0 || self->run_job) {
        g_signal_connect(win, "loads-finished", G_CALLBACK(on_loads_finished), self);
        if (pp_window_get_pending(win) == 0)
            on_loads_finished(win, self);
    } else if (first) {
        g_signal_connect(win, "loads-finished", G_CALLBACK(on_loads_finished_normal), self);
        if (pp_window_get_pending(win) == 0)
            on_loads_finished_normal(win, self);
    }
    gtk_window_present(GTK_WINDOW(win));
    if (first && self->focus_header)
        g_timeout_add(300, focus_header, win);
}

static void open_models_option(PpApplication *self, PpWindow *win)
{
    for (char **m = self->models; m && *m; m++) {
        GFile *file = g_file_new_for_commandline_arg(*m);
        pp_window_open_file(win, file);
        g_object_unref(file);
    }
    g_clear_pointer(&self->models, g_strfreev);
}

/* A PP_CPU the CPU cannot run (or an unknown one): the window says so and
 * loads no model, so no kernel runs (never an illegal instruction). */
static gboolean cpu_path_refused(PpWindow *win)
{
    const char *problem = pp_cpu_error();
    if (!problem)
        return FALSE;
    g_printerr("pushpull-studio: %s\n", problem);
    char *msg = g_strdup_printf("%s. Start the studio without PP_CPU, or with a path this CPU has.", problem);
    pp_window_show_error(win, msg);
    g_free(msg);
    return TRUE;
}

static void pp_application_activate(GApplication *app)
{
    PpApplication *self = PP_APPLICATION(app);
    gboolean fresh = gtk_application_get_active_window(GTK_APPLICATION(app)) == NULL;
    PpWindow *win = get_window(self);
    if (cpu_path_refused(win))
        ;
    else if (self->models)
        open_models_option(self, win);
    else if (fresh)
        pp_window_open_demo_set(win, self->demo_set ? self->demo_set : "pair");
    present(self, win);
}

static void pp_application_open(GApplication *app, GFile **files, int n_files, const char *hint)
{
    (void)hint;
    PpApplication *self = PP_APPLICATION(app);
    PpWindow *win = get_window(self);
    if (!cpu_path_refused(win)) {
        open_models_option(self, win);
        for (int i = 0; i < n_files; i++)
            pp_window_open_file(win, files[i]);
    }
    present(self, win);
}

static int pp_application_handle_local_options(GApplication *app, GVariantDict *options)
{
    PpApplication *self = PP_APPLICATION(app);
    if (g_variant_dict_contains(options, "version")) {
        g_print("pushpull-studio %s\n", PP_VERSION);
        return 0;
    }
    g_variant_dict_lookup(options, "screenshot", "^ay", &self->screenshot);
    g_variant_dict_lookup(options, "view", "s", &self->view);
    g_variant_dict_lookup(options, "model", "^aay", &self->models);
    g_variant_dict_lookup(options, "demo-set", "s", &self->demo_set);
    g_variant_dict_lookup(options, "export", "^aay", &self->exports);
    g_variant_dict_lookup(options, "screenshot-dialog", "s", &self->dialog_shot);
    if (self->exports && !self->screenshot) {
        g_printerr("pushpull-studio: --export needs --screenshot\n");
        return 2;
    }
    self->dark = g_variant_dict_contains(options, "dark");
    g_variant_dict_lookup(options, "kernel", "i", &self->kernel);
    /* strings: GApplication drops numeric options whose value is 0 */
    const char *text;
    char *end;
    if (g_variant_dict_lookup(options, "alpha", "&s", &text)) {
        self->alpha = g_ascii_strtod(text, &end);
        if (*end || end == text || self->alpha < 0) {
            g_printerr("pushpull-studio: --alpha must be a number >= 0\n");
            return 2;
        }
    }
    if (g_variant_dict_lookup(options, "avg", "&s", &text)) {
        self->avg = (int)g_ascii_strtoll(text, &end, 10);
        if (*end || end == text)
            self->avg = 1;
    }
    g_variant_dict_lookup(options, "bench-frames", "i", &self->bench_frames);
    g_variant_dict_lookup(options, "image", "^ay", &self->image);
    g_variant_dict_lookup(options, "paste-image", "^ay", &self->paste_image);
    g_variant_dict_lookup(options, "corruption", "s", &self->corruption);
    self->sweep = g_variant_dict_contains(options, "sweep");
    self->repeatability = g_variant_dict_contains(options, "repeatability");
    g_variant_dict_lookup(options, "stability", "s", &self->stability);
    self->stability_frame = -1;
    const char *sf = NULL;
    if (g_variant_dict_lookup(options, "stability-frame", "&s", &sf)) {
        char *end = NULL;
        self->stability_frame = g_ascii_strtoll(sf, &end, 10);
        if (!end || *end || self->stability_frame < 0) {
            g_printerr("pushpull-studio: --stability-frame must be an integer >= 0\n");
            return 2;
        }
    }
    self->print_probe = g_variant_dict_contains(options, "print-probe");
    self->push_only = g_variant_dict_contains(options, "push-only");
    g_variant_dict_lookup(options, "true-class", "s", &self->true_class);
    g_variant_dict_lookup(options, "job-data", "s", &self->job_data);
    g_variant_dict_lookup(options, "job-augment", "s", &self->job_augment);
    g_variant_dict_lookup(options, "model-action", "^as", &self->model_actions);
    if (g_variant_dict_lookup(options, "severity", "&s", &text)) {
        self->severity = g_ascii_strtod(text, &end);
        if (*end || end == text || !(self->severity >= 0 && self->severity <= 5)) {
            g_printerr("pushpull-studio: --severity must be a number from 0 to 5\n");
            return 2;
        }
    }
    if (g_variant_dict_lookup(options, "feature-channel", "&s", &text)) {
        self->feature_channel = (int)g_ascii_strtoll(text, &end, 10);
        if (*end || end == text || self->feature_channel < 0) {
            g_printerr("pushpull-studio: --feature-channel must be an integer >= 0\n");
            return 2;
        }
    }
    if (g_variant_dict_lookup(options, "seed", "&s", &text)) {
        self->seed = g_ascii_strtoll(text, &end, 10);
        if (*end || end == text || self->seed < 0) {
            g_printerr("pushpull-studio: --seed must be an integer >= 0\n");
            return 2;
        }
    }
    if (g_variant_dict_lookup(options, "size", "&s", &text)) {
        if (sscanf(text, "%dx%d", &self->width, &self->height) != 2 || self->width < 320 || self->height < 240 ||
            self->width > 8192 || self->height > 8192) {
            g_printerr("pushpull-studio: --size must be WIDTHxHEIGHT, e.g. 1280x720 (at least 320x240)\n");
            return 2;
        }
    }
    if (g_variant_dict_lookup(options, "zoom", "&s", &text)) {
        self->zoom = g_ascii_strtod(text, &end);
        if (*end || end == text || !(self->zoom >= 0.5 && self->zoom <= 2)) {
            g_printerr("pushpull-studio: --zoom must be a number from 0.5 to 2\n");
            return 2;
        }
    }
    self->check_layout = g_variant_dict_contains(options, "check-layout");
    self->trace_actions = g_variant_dict_contains(options, "trace-actions");
    self->focus_header = g_variant_dict_contains(options, "focus-header");
    self->fullscreen = g_variant_dict_contains(options, "fullscreen");
    self->print_state = g_variant_dict_contains(options, "print-state");
    if (g_variant_dict_lookup(options, "quit-after-ms", "&s", &text)) {
        self->quit_after_ms = (int)g_ascii_strtoll(text, &end, 10);
        if (*end || end == text || self->quit_after_ms <= 0) {
            g_printerr("pushpull-studio: --quit-after-ms must be an integer > 0\n");
            return 2;
        }
    }
    g_variant_dict_lookup(options, "run-job", "s", &self->run_job);
    g_variant_dict_lookup(options, "gabor", "s", &self->gabor);
    g_variant_dict_lookup(options, "grid-activate", "s", &self->grid_activate);
    self->grid_play = g_variant_dict_contains(options, "grid-play");
    g_variant_dict_lookup(options, "compare-layer", "s", &self->compare_layer);
    g_variant_dict_lookup(options, "compare-data", "s", &self->compare_data);
    g_variant_dict_lookup(options, "compare-models", "s", &self->compare_models);
    if (g_variant_dict_lookup(options, "compare-images", "&s", &text)) {
        self->compare_images = (int)g_ascii_strtoll(text, &end, 10);
        if (*end || end == text || self->compare_images < 8 || self->compare_images > 10000) {
            g_printerr("pushpull-studio: --compare-images must be an integer from 8 to 10000\n");
            return 2;
        }
    }
    if (self->run_job && g_strcmp0(self->run_job, "eval") && g_strcmp0(self->run_job, "finetune") &&
        g_strcmp0(self->run_job, "stability")) {
        g_printerr("pushpull-studio: --run-job must be eval, stability or finetune\n");
        return 2;
    }
    if (g_variant_dict_lookup(options, "job-limit", "&s", &text)) {
        self->job_limit = g_ascii_strtoll(text, &end, 10);
        if (*end || end == text || self->job_limit <= 0) {
            g_printerr("pushpull-studio: --job-limit must be an integer > 0\n");
            return 2;
        }
    }
    if (g_variant_dict_lookup(options, "cancel-after-ms", "&s", &text)) {
        self->cancel_after_ms = (int)g_ascii_strtoll(text, &end, 10);
        if (*end || end == text || self->cancel_after_ms <= 0) {
            g_printerr("pushpull-studio: --cancel-after-ms must be an integer > 0\n");
            return 2;
        }
    }
    if (self->avg != -1 && self->avg != 0 && self->avg != 3 && self->avg != 5) {
        g_printerr("pushpull-studio: --avg must be 0, 3 or 5\n");
        return 2;
    }
    if (self->view && g_strcmp0(self->view, "kernels") && g_strcmp0(self->view, "spectra") &&
        g_strcmp0(self->view, "probe") && g_strcmp0(self->view, "jobs") && g_strcmp0(self->view, "grid") &&
        g_strcmp0(self->view, "lab") && g_strcmp0(self->view, "compare")) {
        g_printerr("pushpull-studio: --view must be kernels, spectra, probe, jobs, grid, lab or compare\n");
        return 2;
    }
    /* a screenshot run is its own instance, never handed to a running one */
    if (self->screenshot || self->bench_frames > 0 || self->run_job || self->check_layout || self->trace_actions ||
        self->print_state || self->quit_after_ms > 0)
        g_application_set_flags(app, g_application_get_flags(app) | G_APPLICATION_NON_UNIQUE);
    return -1;
}

/* ---- app actions ---- */

static void set_dark(PpApplication *self, gboolean dark)
{
    adw_style_manager_set_color_scheme(adw_style_manager_get_default(),
                                       dark ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_DEFAULT);
    GAction *a = g_action_map_lookup_action(G_ACTION_MAP(self), "dark");
    g_simple_action_set_state(G_SIMPLE_ACTION(a), g_variant_new_boolean(dark));
}

static void action_dark(GSimpleAction *action, GVariant *state, gpointer user_data)
{
    (void)action;
    set_dark(PP_APPLICATION(user_data), g_variant_get_boolean(state));
}

static void on_open_response(GtkNativeDialog *dialog, int response, PpApplication *self)
{
    if (response == GTK_RESPONSE_ACCEPT) {
        GListModel *files = gtk_file_chooser_get_files(GTK_FILE_CHOOSER(dialog));
        PpWindow *win = get_window(self);
        for (guint i = 0; i < g_list_model_get_n_items(files); i++) {
            GFile *f = g_list_model_get_item(files, i);
            pp_window_open_file(win, f);
            g_object_unref(f);
        }
        g_object_unref(files);
    }
    g_clear_object(&self->dialog);
}

static void action_open(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    (void)action;
    (void)param;
    PpApplication *self = PP_APPLICATION(user_data);
    /* GTK 4.8: GtkFileDialog (4.10) is not there yet */
    GtkFileChooserNative *dialog = gtk_file_chooser_native_new(
        "Open Models", gtk_application_get_active_window(GTK_APPLICATION(self)), GTK_FILE_CHOOSER_ACTION_OPEN,
        "_Open", "_Cancel");
    gtk_file_chooser_set_select_multiple(GTK_FILE_CHOOSER(dialog), TRUE);
    GtkFileFilter *filter = gtk_file_filter_new();
    gtk_file_filter_set_name(filter, "Checkpoints (.safetensors, .ckpt, .pt, .pth, .pth.tar)");
    gtk_file_filter_add_suffix(filter, "safetensors");
    gtk_file_filter_add_suffix(filter, "ckpt");
    gtk_file_filter_add_suffix(filter, "pt");
    gtk_file_filter_add_suffix(filter, "pth");
    gtk_file_filter_add_pattern(filter, "*.pth.tar"); /* the ImageNet example's checkpoint.pth.tar */
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(dialog), filter);
    g_object_unref(filter);
    GtkFileFilter *all = gtk_file_filter_new();
    gtk_file_filter_set_name(all, "All files");
    gtk_file_filter_add_pattern(all, "*");
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(dialog), all);
    g_object_unref(all);
    g_signal_connect(dialog, "response", G_CALLBACK(on_open_response), self);
    g_clear_object(&self->dialog);
    self->dialog = GTK_NATIVE_DIALOG(dialog);
    gtk_native_dialog_show(self->dialog);
}

static void action_open_demo(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    (void)action;
    pp_window_open_demo_set(get_window(PP_APPLICATION(user_data)), g_variant_get_string(param, NULL));
}

static void action_quit(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    (void)action;
    (void)param;
    /* close rather than quit: a window with a running job asks first and
     * waits for its worker; the application ends with its last window */
    GList *windows = g_list_copy(gtk_application_get_windows(GTK_APPLICATION(user_data)));
    for (GList *l = windows; l; l = l->next)
        gtk_window_close(l->data);
    g_list_free(windows);
}

static void action_about(GSimpleAction *action, GVariant *param, gpointer user_data)
{
    (void)action;
    (void)param;
    static const char *developers[] = {"PushPull Studio contributors", NULL};
    GtkWidget *about = adw_about_window_new();
    g_object_set(about, "application-name", "PushPull Studio", "application-icon", PP_APPLICATION_ID, "version",
                 PP_VERSION, "developer-name", "PushPull Studio contributors", "developers", developers,
                 "comments",
                 "Inspect PushPull ResNets: push and pull kernels, their inhibition strength and their spectra, "
                 "and how the inhibition changes predictions under image corruptions.",
                 "license-type", GTK_LICENSE_MIT_X11, "website", "https://github.com/bgswaroop/pushpull-conv",
                 "transient-for", gtk_application_get_active_window(GTK_APPLICATION(user_data)), NULL);
    adw_about_window_add_link(ADW_ABOUT_WINDOW(about), "The Paper (ICPR 2024, arXiv:2408.04077)", PP_PAPER_URI);
    adw_about_window_add_legal_section(ADW_ABOUT_WINDOW(about), "Fashion-MNIST samples", "© Zalando SE",
                                       GTK_LICENSE_MIT_X11, NULL);
    gtk_window_present(GTK_WINDOW(about));
}

static const GActionEntry app_actions[] = {
    {.name = "open", .activate = action_open},
    {.name = "open-demo", .activate = action_open_demo, .parameter_type = "s"},
    {.name = "quit", .activate = action_quit},
    {.name = "about", .activate = action_about},
    {.name = "dark", .state = "false", .change_state = action_dark},
};

static void pp_application_startup(GApplication *app)
{
    G_APPLICATION_CLASS(pp_application_parent_class)->startup(app);
    PpApplication *self = PP_APPLICATION(app);
    g_action_map_add_action_entries(G_ACTION_MAP(app), app_actions, G_N_ELEMENTS(app_actions), app);
    static const struct {
        const char *action;
        const char *accels[4];
    } accels[] = {
        {"app.open", {"<Control>o", NULL}},
        {"app.quit", {"<Control>q", NULL}},
        {"app.dark", {"<Control><Shift>d", NULL}},
        {"win.view::kernels", {"<Alt>1", NULL}},
        {"win.view::spectra", {"<Alt>2", NULL}},
        {"win.view::probe", {"<Alt>3", NULL}},
        {"win.view::jobs", {"<Alt>4", NULL}},
        {"win.view::grid", {"<Alt>5", NULL}},
        {"win.view::lab", {"<Alt>6", NULL}},
        {"win.view::compare", {"<Alt>7", NULL}},
        {"win.reset-view", {"<Control>r", NULL}},
        {"win.export::png", {"<Control>e", NULL}},
        {"window.close", {"<Control>w", NULL}},
        {"win.zoom-in", {"<Control>plus", "<Control>equal", "<Control>KP_Add"}},
        {"win.zoom-out", {"<Control>minus", "<Control>KP_Subtract", NULL}},
        {"win.zoom-reset", {"<Control>0", "<Control>KP_0", NULL}},
        {"win.fullscreen", {"F11", NULL}},
        {"win.toggle-sidebar", {"F9", NULL}},
        {"win.help", {"F1", NULL}},
        {"win.open-image", {"<Control>i", NULL}},
        {"win.sweep", {"<Control><Shift>s", NULL}},
        {"win.stability-play", {"<Control><Shift>p", NULL}},
        {"win.repeatability", {"<Control><Shift>r", NULL}},
        {"win.save-model", {"<Control>s", NULL}},
        {"win.show-help-overlay", {"<Control>question", "<Control>slash", NULL}},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(accels); i++)
        gtk_application_set_accels_for_action(GTK_APPLICATION(app), accels[i].action, accels[i].accels);
    GtkCssProvider *css = gtk_css_provider_new();
    gtk_css_provider_load_from_resource(css, "/io/github/PushPullStudio/style.css");
    gtk_style_context_add_provider_for_display(gdk_display_get_default(), GTK_STYLE_PROVIDER(css),
                                               GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
    g_object_unref(css);
    gtk_window_set_default_icon_name(PP_APPLICATION_ID);
    /* follow the system's preference (AdwStyleManager) unless --dark asks for the dark style */
    gboolean dark = self->dark || adw_style_manager_get_dark(adw_style_manager_get_default());
    set_dark(self, dark);
}

static void pp_application_finalize(GObject *object)
{
    PpApplication *self = PP_APPLICATION(object);
    g_free(self->screenshot);
    g_free(self->view);
    g_strfreev(self->models);
    g_free(self->demo_set);
    g_strfreev(self->exports);
    g_free(self->dialog_shot);
    g_free(self->image);
    g_free(self->paste_image);
    g_free(self->corruption);
    g_free(self->stability);
    g_free(self->true_class);
    g_strfreev(self->model_actions);
    g_free(self->job_data);
    g_free(self->job_augment);
    g_free(self->run_job);
    g_free(self->gabor);
    g_free(self->grid_activate);
    g_free(self->compare_layer);
    g_free(self->compare_models);
    g_free(self->compare_data);
    g_clear_object(&self->dialog);
    G_OBJECT_CLASS(pp_application_parent_class)->finalize(object);
}

static void pp_application_class_init(PpApplicationClass *klass)
{
    GApplicationClass *app_class = G_APPLICATION_CLASS(klass);
    G_OBJECT_CLASS(klass)->finalize = pp_application_finalize;
    app_class->activate = pp_application_activate;
    app_class->open = pp_application_open;
    app_class->startup = pp_application_startup;
    app_class->handle_local_options = pp_application_handle_local_options;
}

static void pp_application_init(PpApplication *self)
{
    self->kernel = -1;
    self->alpha = -1;
    self->avg = -1;
    self->severity = -1;
    self->feature_channel = -1;
    self->seed = -1;
    static const GOptionEntry entries[] = {
        {"screenshot", 0, 0, G_OPTION_ARG_FILENAME, NULL, "Render the window to a PNG after loading and exit",
         "FILE"},
        {"view", 0, 0, G_OPTION_ARG_STRING, NULL, "View to show: kernels, spectra, probe, jobs, grid, lab or compare",
         "NAME"},
        {"compare-layer", 0, 0, G_OPTION_ARG_STRING, NULL,
         "Compare view: the layer of the feature maps (stem, layer1 to layer4, conv1)", "NAME"},
        {"compare-data", 0, 0, G_OPTION_ARG_STRING, NULL,
         "Compare view: the CKA's data set (default fashion-mnist:test)", "SPEC"},
        {"compare-images", 0, 0, G_OPTION_ARG_STRING, NULL, "Compare view: images of the CKA (default 256)", "N"},
        {"compare-models", 0, 0, G_OPTION_ARG_STRING, NULL,
         "Compare view: which loaded models are 1 and 2 (default 1,2)", "I,J"},
        {"grid-activate", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, NULL,
         "After loading: activate a corruption in the grid as a click on its thumbnail does (tests)", "NAME"},
        {"grid-play", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, NULL,
         "After loading: press the grid's play button (with --screenshot: render once it stops at 5)", NULL},
        {"gabor", 0, 0, G_OPTION_ARG_STRING, NULL,
         "Lab view: the push kernel's orientation (deg), frequency (cycles/px), phase (deg) and size", "O,F,P,S"},
        {"image", 0, 0, G_OPTION_ARG_FILENAME, NULL, "Probe view: the input image (PNG or JPEG)", "F"},
        {"paste-image", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, NULL,
         "Probe view: put the image on the clipboard and paste it (tests)", "F"},
        {"corruption", 0, 0, G_OPTION_ARG_STRING, NULL, "Probe view: the corruption (e.g. gaussian_noise)", "NAME"},
        {"severity", 0, 0, G_OPTION_ARG_STRING, NULL, "Probe view: the severity, 0 to 5", "S"},
        {"seed", 0, 0, G_OPTION_ARG_STRING, NULL, "Probe view: the seed of random corruptions", "N"},
        {"feature-channel", 0, 0, G_OPTION_ARG_STRING, NULL,
         "Probe view: show the feature maps of first-layer channel K", "K"},
        {"sweep", 0, 0, G_OPTION_ARG_NONE, NULL, "Probe view: run the severity sweep", NULL},
        {"stability", 0, 0, G_OPTION_ARG_STRING, NULL,
         "Probe view: the Stability tab with that perturbation sequence (e.g. rotate)", "NAME"},
        {"stability-frame", 0, 0, G_OPTION_ARG_STRING, NULL, "Probe view: the Stability tab's frame", "N"},
        {"repeatability", 0, 0, G_OPTION_ARG_NONE, NULL, "Probe view: run the repeatability set", NULL},
        {"print-probe", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, NULL,
         "With --screenshot: print the probe view's top-1 and SNRs per model", NULL},
        {"model", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, NULL, "Open a model (repeatable; default: the demo models)",
         "M"},
        {"demo-set", 0, 0, G_OPTION_ARG_STRING, NULL,
         "Without --model: open this demo set (pair, the default, or robust: baseline, PushPull, AugMix and "
         "AugMix+PushPull)",
         "NAME"},
        {"export", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, NULL,
         "With --screenshot: also export the view (.png, .svg, .pdf or .csv)", "FILE"},
        {"screenshot-dialog", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, NULL,
         "With --screenshot: render the about, help or shortcuts window instead", "NAME"},
        {"run-job", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, NULL,
         "After loading: run an eval or finetune job in the jobs view, print its key numbers and exit", "KIND"},
        {"job-limit", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, NULL, "With --run-job: the sample limit", "N"},
        {"job-data", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, NULL,
         "With --run-job: the data set (fashion-mnist:test, a folder, ...)", "SPEC"},
        {"job-augment", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, NULL,
         "With --run-job finetune: the augmentation (none, augmix, ..., stability; +jsd)", "SPEC"},
        {"model-action", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING_ARRAY, NULL,
         "After loading: a model row's menu action (model-up, model-down, model-remove) on a model, by title",
         "ACTION:TITLE"},
        {"push-only", 0, 0, G_OPTION_ARG_NONE, NULL,
         "Probe view: show each push-pull model's push-only twin (alpha = 0) next to it", NULL},
        {"true-class", 0, 0, G_OPTION_ARG_STRING, NULL,
         "Probe view: the input image's true class (default: from its file or folder name)", "NAME"},
        {"cancel-after-ms", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, NULL,
         "With --run-job: cancel the job after MS milliseconds", "MS"},
        {"dark", 0, 0, G_OPTION_ARG_NONE, NULL, "Use the dark style", NULL},
        {"size", 0, 0, G_OPTION_ARG_STRING, NULL, "Open the window at this size", "WxH"},
        {"zoom", 0, 0, G_OPTION_ARG_STRING, NULL, "Zoom text and plots (0.5 to 2; Ctrl+plus/minus)", "Z"},
        {"fullscreen", 0, 0, G_OPTION_ARG_NONE, NULL, "Start in full screen (F11)", NULL},
        {"check-layout", 0, 0, G_OPTION_ARG_NONE, NULL,
         "After loading: report every control that is cut off or outside the window, then exit (4 if any)", NULL},
        {"trace-actions", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, NULL, "Print every window action (tests)", NULL},
        {"print-state", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, NULL,
         "Print the view, kernel, alpha, pooling and probe state when the window closes (tests)", NULL},
        {"quit-after-ms", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, NULL,
         "A normal launch: close the window MS ms after the models loaded and the probe settled (tests)", "MS"},
        {"focus-header", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, NULL,
         "Put the keyboard focus on the header bar after start (tests)", NULL},
        {"kernel", 0, 0, G_OPTION_ARG_INT, NULL, "Select kernel K of the shown model", "K"},
        {"alpha", 0, 0, G_OPTION_ARG_STRING, NULL, "Override alpha of every channel", "A"},
        {"avg", 0, 0, G_OPTION_ARG_STRING, NULL, "Override the pull pooling size (0, 3 or 5)", "N"},
        {"bench-frames", 0, 0, G_OPTION_ARG_INT, NULL,
         "Sweep alpha (spectra view) or the severity (--view probe) for N frames, print timings and exit", "N"},
        {"version", 0, 0, G_OPTION_ARG_NONE, NULL, "Print the version and exit", NULL},
        {NULL},
    };
    g_application_add_main_option_entries(G_APPLICATION(self), entries);
    g_application_set_option_context_parameter_string(G_APPLICATION(self), "[MODEL…]");
    g_application_set_option_context_summary(G_APPLICATION(self),
                                              "Inspect the push and pull kernels of PushPull ResNets.");
}

PpApplication *pp_application_new(void)
{
    return g_object_new(PP_TYPE_APPLICATION, "application-id", PP_APPLICATION_ID, "flags", G_APPLICATION_HANDLES_OPEN,
                        "resource-base-path", "/io/github/PushPullStudio", NULL);
}

int pp_application_get_exit_status(PpApplication *self)
{
    return self->exit_status;
}

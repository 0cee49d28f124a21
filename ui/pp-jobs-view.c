#include "pp-jobs-view.h"

#include <math.h>
#include <string.h>

#include "ckpt/state_dict.h"
#include "data/dataset.h"
#include "eval/compat.h"
#include "eval/evaluate.h"
#include "eval/evaluate_p.h"
#include "eval/metrics.h"
#include "model_file.h"
#include "pp-augment-preview.h"
#include "pp-plot.h"
#include "pp-score-table.h"
#include "pp-stability-table.h"
#include "pp-thread-budget.h"
#include "pp-window.h"
#include "train/trainer.h"

typedef enum { JOB_NONE, JOB_EVAL, JOB_TRAIN, JOB_STABILITY } JobKind;

#define MAX_POINTS 4096

/* The fine-tune form's augmentation choices: shown name, --augment spec. */
static const struct {
    const char *label, *spec;
} augment_choices[] = {
    {"None", "none"},
    {"AugMix", "augmix"},
    {"AugMix (torchvision)", "augmix-tv"},
    {"TrivialAugment", "trivialaugment"},
    {"AutoAugment", "autoaugment"},
    {"PRIME", "prime"},
    {"Gaussian noise", "gaussian"},
    {"Stability training", "stability"},
    {"Fooling images", "fooling"},
    {"FGSM", "fgsm"},
    {"PGD", "pgd"},
};

/* Everything a worker needs, snapshotted on the main thread; the worker writes
 * only here and reads the entries' learned models, which are never edited. */
typedef struct {
    JobKind kind;
    guint id;
    PpJobsView *view; /* the GTask's source object keeps it alive */
    GCancellable *cancellable;
    PpModelEntry *entries[2]; /* eval: [baseline,] model; train: the model */
    char *names[2];
    int n;
    int part; /* model being evaluated */
    char *dataset;
    gint64 limit;
    int epochs;
    double lr;
    pp_train_recipe recipe; /* train: the augmentation */
    pp_eval_result *results; /* (n) */
    pp_eval_p_result *stability; /* (n) stability: the perturbation sequences' results */
    pp_model trained;
    pp_train_history *hist;
    PpModelEntry *trained_entry; /* made on the main thread when the job is done */
    /* eval: the alpha / pooling the views are set to (NULL: learned), run as a view of the model */
    float *alpha[2];
    int avg[2];
    pp_model views[2];
} Job;

/* What evaluation i runs: the learned model, or a view of it (same weights)
 * with the kernels/spectra views' alpha and pooling. */
static const pp_model *job_model(Job *job, int i)
{
    const pp_model *m = pp_model_entry_get_model(job->entries[i]);
    if (!job->alpha[i])
        return m;
    job->views[i] = *m;
    if (m->arch.pp2020) /* the views' alpha is the applied one: ReLU leaves it as it is */
        job->views[i].pp2020.alpha = job->alpha[i];
    job->views[i].pp.alpha = job->alpha[i];
    job->views[i].pp.avg_kernel = job->avg[i];
    job->views[i].arch.avg_kernel = job->avg[i];
    return &job->views[i];
}

/* One progress report, copied off the worker thread. */
typedef struct {
    PpJobsView *view;
    guint id;
    double fraction, loss, accuracy;
    char *phase;
} ProgressMsg;

struct _PpJobsView {
    GtkBox parent_instance;

    GtkLabel *eval_models, *train_model, *state_label, *eta_label, *phase_label;
    GtkDropDown *eval_data, *train_data, *train_augment;
    GtkCheckButton *train_jsd;
    GtkPicture *augment_preview;
    GCancellable *preview_cancel;
    GtkStringList *data_names; /* shown names, parallel to data_specs */
    GPtrArray *data_specs;     /* char *: "fashion-mnist:test", "fashion-mnist:train", recent folders */
    GtkSpinButton *eval_limit, *epochs, *lr, *train_limit;
    GtkProgressBar *progress;
    GtkDrawingArea *result_area;

    GPtrArray *entries; /* PpModelEntry, list order */
    PpModelEntry *selected;

    PpJobState state;
    JobKind running_kind, shown_kind;
    guint job_id;
    GCancellable *cancellable;
    gint64 started;
    char *error;

    /* last evaluation */
    gboolean have_base;
    pp_eval_result eval[2]; /* [0] baseline when have_base, last = model */
    pp_ce_summary summary, base_summary;
    pp_rnet rnet;
    gboolean summary_ok;

    /* last stability evaluation: [0] the baseline when have_stab_base */
    pp_eval_p_result *stab;
    gboolean have_stab_base, stab_ok;

    /* last or running fine-tune */
    int n_points, train_epochs;
    double *px, *ploss, *pacc; /* (MAX_POINTS) each: epoch, running loss, running accuracy */
    PpModelEntry *trained;     /* the fine-tuned copy shown (also in the model list): what Save As saves */
    GtkNativeDialog *dialog;
};

G_DEFINE_FINAL_TYPE(PpJobsView, pp_jobs_view, GTK_TYPE_BOX)

enum { SIGNAL_JOB_FINISHED, SIGNAL_MODEL_TRAINED, N_SIGNALS };
static guint signals[N_SIGNALS];

const char *pp_job_state_name(PpJobState s)
{
    static const char *names[] = {"idle", "running", "cancelling", "done", "cancelled", "failed"};
    return (unsigned)s < G_N_ELEMENTS(names) ? names[s] : "?";
}

/* ---- which models ---- */

static PpModelEntry *find_baseline(PpJobsView *self)
{
    for (guint i = 0; self->entries && i < self->entries->len; i++)
        if (pp_model_entry_get_baseline(self->entries->pdata[i]))
            return self->entries->pdata[i];
    return NULL;
}

static void update_actions(PpJobsView *self)
{
    gboolean busy = self->state == PP_JOB_STATE_RUNNING || self->state == PP_JOB_STATE_CANCELLING;
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "jobs.evaluate", !busy && self->selected);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "jobs.finetune", !busy && self->selected);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "jobs.stability", !busy && self->selected);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "jobs.cancel", self->state == PP_JOB_STATE_RUNNING);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "jobs.save",
                                  !busy && self->trained && self->shown_kind == JOB_TRAIN);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "jobs.choose-data", !busy);
    GtkWidget *inputs[] = {GTK_WIDGET(self->eval_data), GTK_WIDGET(self->train_data), GTK_WIDGET(self->eval_limit),
                           GTK_WIDGET(self->epochs), GTK_WIDGET(self->lr), GTK_WIDGET(self->train_limit),
                           GTK_WIDGET(self->train_augment), GTK_WIDGET(self->train_jsd)};
    for (size_t i = 0; i < G_N_ELEMENTS(inputs); i++)
        gtk_widget_set_sensitive(inputs[i], !busy);
}

/* ---- errors in the window's banner (the view does not know its window's type) ---- */

static void report_error(PpJobsView *self, const char *msg)
{
    GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
    if (PP_IS_WINDOW(root))
        pp_window_report_error(PP_WINDOW(root), "jobs", msg);
}

static void clear_error(PpJobsView *self)
{
    GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(self));
    if (PP_IS_WINDOW(root))
        pp_window_clear_error(PP_WINDOW(root), "jobs");
}

/* ---- the data sets offered: the Fashion-MNIST splits, then recent folders ---- */

#define RECENT_DATA_MAX 8

static char *recent_data_file(void)
{
    return g_build_filename(g_get_user_config_dir(), "pushpull-studio", "recent-data-sets", NULL);
}

static void add_data_set(PpJobsView *self, const char *spec, const char *name)
{
    for (guint i = 0; i < self->data_specs->len; i++)
        if (strcmp(self->data_specs->pdata[i], spec) == 0)
            return;
    g_ptr_array_add(self->data_specs, g_strdup(spec));
    gtk_string_list_append(self->data_names, name);
}

static void add_folder(PpJobsView *self, const char *path)
{
    char *base = g_path_get_basename(path);
    char *name = g_strdup_printf("%s (%s)", base, path);
    add_data_set(self, path, name);
    g_free(name);
    g_free(base);
}

static void load_data_sets(PpJobsView *self)
{
    add_data_set(self, "fashion-mnist:test", "Fashion-MNIST test (10 000)");
    add_data_set(self, "fashion-mnist:train", "Fashion-MNIST train (60 000)");
    char *file = recent_data_file(), *text = NULL;
    if (g_file_get_contents(file, &text, NULL, NULL)) {
        char **lines = g_strsplit(text, "\n", -1);
        for (int i = 0; lines[i] && i < RECENT_DATA_MAX; i++)
            if (*lines[i] && g_file_test(lines[i], G_FILE_TEST_EXISTS))
                add_folder(self, lines[i]);
        g_strfreev(lines);
    }
    g_free(text);
    g_free(file);
    gtk_drop_down_set_selected(self->eval_data, 0);
    gtk_drop_down_set_selected(self->train_data, 1);
}

/* Remembers a chosen folder (newest first) for the next session. */
static void remember_folder(const char *path)
{
    char *file = recent_data_file(), *text = NULL;
    GString *s = g_string_new(path);
    g_string_append_c(s, '\n');
    if (g_file_get_contents(file, &text, NULL, NULL)) {
        char **lines = g_strsplit(text, "\n", -1);
        for (int i = 0, n = 1; lines[i] && n < RECENT_DATA_MAX; i++)
            if (*lines[i] && strcmp(lines[i], path) != 0) {
                g_string_append_printf(s, "%s\n", lines[i]);
                n++;
            }
        g_strfreev(lines);
    }
    char *dir = g_path_get_dirname(file);
    g_mkdir_with_parents(dir, 0700);
    g_file_set_contents(file, s->str, -1, NULL);
    g_free(dir);
    g_string_free(s, TRUE);
    g_free(text);
    g_free(file);
}

void pp_jobs_view_set_data(PpJobsView *self, const char *which, const char *spec)
{
    if (g_file_test(spec, G_FILE_TEST_EXISTS))
        add_folder(self, spec);
    else if (!g_str_has_prefix(spec, "fashion-mnist"))
        add_data_set(self, spec, spec);
    for (guint i = 0; i < self->data_specs->len; i++)
        if (strcmp(self->data_specs->pdata[i], spec) == 0)
            gtk_drop_down_set_selected(g_strcmp0(which, "train") == 0 ? self->train_data : self->eval_data, i);
}

static void on_data_folder(GtkNativeDialog *dialog, int response, PpJobsView *self)
{
    const char *which = g_object_get_data(G_OBJECT(dialog), "pp-which");
    if (response == GTK_RESPONSE_ACCEPT) {
        GFile *file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
        char *path = file ? g_file_get_path(file) : NULL;
        if (path) {
            pp_jobs_view_set_data(self, which, path);
            remember_folder(path);
        }
        g_free(path);
        g_clear_object(&file);
    }
    g_clear_object(&self->dialog);
}

static void action_choose_data(GtkWidget *widget, const char *name, GVariant *param)
{
    (void)name;
    PpJobsView *self = PP_JOBS_VIEW(widget);
    GtkFileChooserNative *dialog = gtk_file_chooser_native_new(
        "Choose a Data Set Folder", GTK_WINDOW(gtk_widget_get_root(widget)), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
        "_Choose", "_Cancel");
    g_object_set_data_full(G_OBJECT(dialog), "pp-which", g_strdup(g_variant_get_string(param, NULL)), g_free);
    g_signal_connect(dialog, "response", G_CALLBACK(on_data_folder), self);
    g_clear_object(&self->dialog);
    self->dialog = GTK_NATIVE_DIALOG(dialog);
    gtk_native_dialog_show(self->dialog);
}

gboolean pp_jobs_view_uses_entry(PpJobsView *self, PpModelEntry *entry)
{
    (void)entry;
    return pp_jobs_view_is_running(self); /* the worker holds its models: none is removed meanwhile */
}

void pp_jobs_view_refresh(PpJobsView *self)
{
    PpModelEntry *base = find_baseline(self);
    if (!self->selected) {
        gtk_label_set_text(self->eval_models, "no model loaded");
        gtk_label_set_text(self->train_model, "no model loaded");
    } else {
        const char *title = pp_model_entry_get_title(self->selected);
        gboolean in1k = pp_model_is_imagenet1k(pp_model_entry_get_model(self->selected));
        char *text = base && base != self->selected
                         ? g_strdup_printf("%s\nagainst ★ %s", title, pp_model_entry_get_title(base))
                     : in1k ? g_strdup_printf("%s\nno other ★ baseline: CE against AlexNet (ImageNet-1k)", title)
                            : g_strdup_printf("%s\nno ★ baseline: star one to evaluate (AlexNet's errors are "
                                              "for ImageNet-1k models only)",
                                              title);
        char *o = pp_model_entry_describe_overrides(self->selected);
        if (o) {
            char *t = g_strdup_printf("%s\nwith the views' %s", text, o);
            g_free(text);
            text = t;
        }
        gtk_label_set_text(self->eval_models, text);
        gtk_widget_set_tooltip_text(GTK_WIDGET(self->eval_models), text);
        g_free(text);
        text = o ? g_strdup_printf("a copy of %s (learned α and pooling)", title) : g_strdup_printf("a copy of %s", title);
        g_free(o);
        gtk_label_set_text(self->train_model, text);
        g_free(text);
    }
    update_actions(self);
}

void pp_jobs_view_set_entries(PpJobsView *self, GPtrArray *entries)
{
    g_clear_pointer(&self->entries, g_ptr_array_unref);
    self->entries = g_ptr_array_new_with_free_func(g_object_unref);
    for (guint i = 0; i < entries->len; i++)
        g_ptr_array_add(self->entries, g_object_ref(entries->pdata[i]));
    pp_jobs_view_refresh(self);
}

void pp_jobs_view_set_selected_entry(PpJobsView *self, PpModelEntry *entry)
{
    if (self->selected)
        g_signal_handlers_disconnect_by_data(self->selected, self);
    g_set_object(&self->selected, entry);
    if (entry) /* the overrides the evaluation will use are shown as they change */
        g_signal_connect_swapped(entry, "view-changed", G_CALLBACK(pp_jobs_view_refresh), self);
    pp_jobs_view_refresh(self);
}

/* ---- the worker ---- */

static void job_free(gpointer data)
{
    Job *job = data;
    for (int i = 0; i < 2; i++) {
        g_clear_object(&job->entries[i]);
        g_free(job->names[i]);
        g_free(job->alpha[i]);
    }
    g_clear_object(&job->cancellable);
    g_free(job->dataset);
    g_clear_object(&job->trained_entry);
    g_free(job->results);
    g_free(job->stability);
    g_free(job->hist);
    pp_model_free(&job->trained);
    g_free(job);
}

static void progress_msg_free(gpointer data)
{
    ProgressMsg *m = data;
    g_object_unref(m->view);
    g_free(m->phase);
    g_free(m);
}

static char *format_duration(double s)
{
    if (s < 60)
        return g_strdup_printf("%.0f s", ceil(s));
    if (s < 3600)
        return g_strdup_printf("%d min %02d s", (int)s / 60, (int)s % 60);
    return g_strdup_printf("%d h %02d min", (int)s / 3600, ((int)s % 3600) / 60);
}

static gboolean apply_progress(gpointer data)
{
    ProgressMsg *m = data;
    PpJobsView *self = m->view;
    if (m->id != self->job_id || self->state != PP_JOB_STATE_RUNNING)
        return G_SOURCE_REMOVE; /* a late report of a job that ended or is being cancelled */
    double f = CLAMP(m->fraction, 0, 1);
    gtk_progress_bar_set_fraction(self->progress, f);
    char *pct = g_strdup_printf("%.0f %%", 100 * f);
    gtk_progress_bar_set_text(self->progress, pct);
    g_free(pct);
    gtk_label_set_text(self->phase_label, m->phase);
    double elapsed = (g_get_monotonic_time() - self->started) / 1e6;
    if (f > 0.02 && elapsed > 0.5) {
        char *left = format_duration(elapsed / f * (1 - f));
        char *eta = g_strdup_printf("about %s left", left);
        gtk_label_set_text(self->eta_label, eta);
        g_free(eta);
        g_free(left);
    }
    if (self->running_kind == JOB_TRAIN && isfinite(m->loss) && self->n_points < MAX_POINTS) {
        self->px[self->n_points] = f * self->train_epochs;
        self->ploss[self->n_points] = m->loss;
        self->pacc[self->n_points] = m->accuracy;
        self->n_points++;
        gtk_widget_queue_draw(GTK_WIDGET(self->result_area));
    }
    return G_SOURCE_REMOVE;
}

/* Worker thread: copy the report and hand it to the main context. */
static void job_progress(const pp_job_progress *p, void *ctx)
{
    Job *job = ctx;
    ProgressMsg *m = g_new0(ProgressMsg, 1);
    m->view = g_object_ref(job->view);
    m->id = job->id;
    m->loss = p->loss;
    m->accuracy = p->accuracy;
    if (job->kind == JOB_EVAL || job->kind == JOB_STABILITY) {
        m->fraction = (job->part + p->fraction) / job->n;
        m->phase = g_strdup_printf("%s: %s", job->names[job->part], p->phase ? p->phase : "");
    } else {
        m->fraction = p->fraction;
        m->phase = isfinite(p->loss) ? g_strdup_printf("%s: %s · loss %.4f · accuracy %.1f %%", job->names[0],
                                                       p->phase ? p->phase : "", p->loss, 100 * p->accuracy)
                                     : g_strdup_printf("%s: %s", job->names[0], p->phase ? p->phase : "");
    }
    g_main_context_invoke_full(NULL, G_PRIORITY_DEFAULT, apply_progress, m, progress_msg_free);
}

static bool job_cancel(void *ctx)
{
    Job *job = ctx;
    return g_cancellable_is_cancelled(job->cancellable);
}

static void return_status(GTask *task, Job *job, pp_status st, const pp_error *err)
{
    if (st == PP_ERR_CANCELLED || g_cancellable_is_cancelled(job->cancellable))
        g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
    else
        g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", err->msg[0] ? err->msg : pp_status_string(st));
}

/* A deep copy through a state dict: parameters, buffers, metadata, class names. */
static pp_status copy_model(pp_model *dst, const pp_model *src, pp_error *err)
{
    pp_state_dict sd;
    pp_sd_init(&sd);
    memset(dst, 0, sizeof *dst);
    pp_status st = pp_model_to_state_dict(src, &sd, err);
    if (st == PP_OK)
        st = pp_model_create(dst, &src->arch, err);
    if (st == PP_OK)
        st = pp_model_load_state_dict(dst, &sd, err);
    if (st == PP_OK)
        pp_model_prepare(dst);
    pp_sd_free(&sd);
    return st;
}

static void job_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
    (void)source;
    (void)cancellable;
    Job *job = data;
    pp_job pj = {.progress = job_progress, .cancel = job_cancel, .ctx = job, .threads = pp_thread_budget_job()};
    pp_error err = {0};
    pp_dataset ds;
    pp_status st = pp_dataset_open(&ds, job->dataset, job->kind == JOB_TRAIN, &err);
    /* the data set must fit every model of the job: refused here, before any work */
    for (int i = 0; i < job->n && st == PP_OK; i++)
        st = pp_check_dataset_for_model(&ds, pp_model_entry_get_model(job->entries[i]), job->names[i], &err);
    if (st != PP_OK) {
        if (ds.name[0] || ds.count)
            pp_dataset_free(&ds);
        if (st == PP_ERR_ARG) {
            g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot %s: %s",
                                    job->kind == JOB_TRAIN ? "fine-tune" : "evaluate", err.msg);
            return;
        }
        return_status(task, job, st, &err);
        return;
    }
    pp_thread_budget_job_started(); /* the interactive worker drops to one thread */
    if (job->kind == JOB_STABILITY) { /* the 10 test sequences of every sample (make-p's schedules) */
        pp_eval_p_options opt = {.limit = job->limit, .seed = 0, .difficulty = 1};
        for (job->part = 0; job->part < job->n && st == PP_OK; job->part++)
            st = pp_evaluate_p(job_model(job, job->part), job->names[job->part], &ds, &opt, &pj,
                               &job->stability[job->part], &err);
    } else if (job->kind == JOB_EVAL) {
        pp_eval_options opt = {.limit = job->limit, .seed = 0};
        for (job->part = 0; job->part < job->n && st == PP_OK; job->part++)
            st = pp_evaluate(job_model(job, job->part), job->names[job->part], &ds, &opt, &pj,
                             &job->results[job->part], &err);
    } else {
        st = copy_model(&job->trained, pp_model_entry_get_model(job->entries[0]), &err);
        pp_train_options opt = {
            .epochs = job->epochs,
            .batch = 128,
            .schedule = pp_lr_one_cycle_default((float)job->lr),
            .sgd = {.momentum = 0.9f, .weight_decay = 1e-5f},
            .seed = 0,
            .crop_padding = ds.height ? (ds.height + 7) / 8 : 4,
            .flip = true,
            .limit = job->limit,
            .recipe = &job->recipe,
        };
        int64_t n = job->limit > 0 && job->limit < ds.count ? job->limit : ds.count;
        opt.schedule.steps_per_epoch = (int)MAX(1, n / opt.batch);
        if (st == PP_OK)
            st = pp_trainer_describe_data(&job->trained, &ds, &err);
        if (st == PP_OK)
            st = pp_trainer_run(&job->trained, &ds, &opt, &pj, job->hist, &err);
    }
    pp_dataset_free(&ds);
    pp_thread_budget_job_finished();
    if (st != PP_OK)
        return_status(task, job, st, &err);
    else
        g_task_return_boolean(task, TRUE);
}

static void set_state(PpJobsView *self, PpJobState state)
{
    self->state = state;
    static const char *labels[] = {"No job yet", "Running", "Cancelling…", "Finished", "Cancelled", "Failed"};
    gtk_label_set_text(self->state_label, labels[state]);
    update_actions(self);
}

static void compute_summary(PpJobsView *self)
{
    int n = self->have_base ? 2 : 1;
    pp_error_table model, base;
    pp_eval_result_table(&self->eval[n - 1], &model);
    pp_normalizer norm = {.table = NULL};
    if (self->have_base) {
        pp_eval_result_table(&self->eval[0], &base);
        norm.table = &base;
    }
    pp_error err = {0};
    self->summary_ok = pp_ce_summarize(&model, &norm, &self->summary, &err) == PP_OK;
    if (self->have_base && self->summary_ok) {
        self->summary_ok = pp_ce_summarize(&base, &norm, &self->base_summary, &err) == PP_OK;
        self->rnet = pp_rnet_compute(self->eval[0].clean_error, self->base_summary.mce, self->eval[1].clean_error,
                                     self->summary.mce, 0);
    }
}

static void job_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    (void)user_data;
    PpJobsView *self = PP_JOBS_VIEW(source);
    GTask *task = G_TASK(result);
    Job *job = g_task_get_task_data(task);
    GError *error = NULL;
    gboolean ok = g_task_propagate_boolean(task, &error);
    g_clear_object(&self->cancellable);
    g_clear_pointer(&self->error, g_free);
    gtk_label_set_text(self->eta_label, "");
    double seconds = (g_get_monotonic_time() - self->started) / 1e6;
    if (ok) {
        if (job->kind == JOB_STABILITY) {
            self->have_stab_base = job->n == 2;
            g_free(self->stab);
            self->stab = g_memdup2(job->stability, sizeof *job->stability * job->n);
            self->stab_ok = TRUE;
            self->shown_kind = JOB_STABILITY;
        } else if (job->kind == JOB_EVAL) {
            self->have_base = job->n == 2;
            memcpy(self->eval, job->results, job->n * sizeof *job->results);
            compute_summary(self);
            self->shown_kind = JOB_EVAL;
        } else {
            /* the copy joins the model list at once: probe or evaluate it before saving */
            char *name = g_strdup_printf("%s-finetuned", job->names[0]);
            g_set_object(&self->trained, NULL);
            self->trained = pp_model_entry_new(name, &job->trained, NULL); /* not saved yet: Save As in Jobs */
            g_free(name);
            /* the per-epoch means close the curve */
            int e = job->hist->epochs_done;
            if (e > 0 && self->n_points < MAX_POINTS) {
                self->px[self->n_points] = self->train_epochs;
                self->ploss[self->n_points] = job->hist->loss[e - 1];
                self->pacc[self->n_points] = job->hist->accuracy[e - 1];
                self->n_points++;
            }
        }
        gtk_progress_bar_set_fraction(self->progress, 1);
        gtk_progress_bar_set_text(self->progress, "100 %");
        char *took = format_duration(seconds);
        char *phase = g_strdup_printf("%s in %s", job->kind == JOB_TRAIN ? "Fine-tuned" : "Evaluated", took);
        gtk_label_set_text(self->phase_label, phase);
        g_free(phase);
        g_free(took);
        set_state(self, PP_JOB_STATE_DONE);
    } else if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        gtk_label_set_text(self->phase_label, "The job was cancelled; nothing was changed.");
        set_state(self, PP_JOB_STATE_CANCELLED);
    } else {
        self->error = g_strdup(error->message);
        char *msg = g_strdup_printf("Error: %s", error->message);
        gtk_label_set_text(self->phase_label, msg);
        g_free(msg);
        set_state(self, PP_JOB_STATE_FAILED);
    }
    g_clear_error(&error);
    self->running_kind = JOB_NONE;
    update_actions(self);
    gtk_widget_queue_draw(GTK_WIDGET(self->result_area));
    if (ok && job->kind == JOB_TRAIN && self->trained)
        g_signal_emit(self, signals[SIGNAL_MODEL_TRAINED], 0, self->trained);
    if (!ok && self->error)
        report_error(self, self->error);
    else if (ok)
        clear_error(self);
    g_signal_emit(self, signals[SIGNAL_JOB_FINISHED], 0);
}

static gboolean emit_finished(gpointer data)
{
    g_signal_emit(data, signals[SIGNAL_JOB_FINISHED], 0);
    return G_SOURCE_REMOVE;
}

/* A job that would give nonsense: said in the view and the window, nothing run. */
static void refuse(PpJobsView *self, JobKind k, const char *why)
{
    g_clear_pointer(&self->error, g_free);
    self->error = g_strdup_printf("Cannot %s: %s", k == JOB_TRAIN ? "fine-tune" : "evaluate", why);
    self->shown_kind = k;
    gtk_label_set_text(self->phase_label, self->error);
    gtk_label_set_text(self->eta_label, "");
    gtk_progress_bar_set_fraction(self->progress, 0);
    gtk_progress_bar_set_text(self->progress, "");
    set_state(self, PP_JOB_STATE_FAILED);
    gtk_widget_queue_draw(GTK_WIDGET(self->result_area));
    report_error(self, self->error);
    g_idle_add_full(G_PRIORITY_DEFAULT, emit_finished, g_object_ref(self), g_object_unref);
}

static const char *chosen_spec(PpJobsView *self, GtkDropDown *dd, const char *fallback)
{
    guint i = gtk_drop_down_get_selected(dd);
    return i < self->data_specs->len ? self->data_specs->pdata[i] : fallback;
}

static const char *chosen_augment(PpJobsView *self)
{
    guint i = gtk_drop_down_get_selected(self->train_augment);
    return i < G_N_ELEMENTS(augment_choices) ? augment_choices[i].spec : "none";
}

static void update_preview(PpJobsView *self)
{
    pp_augment_preview_request(self->augment_preview, chosen_spec(self, self->train_data, "fashion-mnist:train"),
                               chosen_augment(self), &self->preview_cancel);
}

static void on_augment_changed(PpJobsView *self)
{
    update_preview(self);
}

gboolean pp_jobs_view_set_augment(PpJobsView *self, const char *spec)
{
    const char *plus = strstr(spec, "+jsd");
    size_t len = plus ? (size_t)(plus - spec) : strlen(spec);
    for (guint i = 0; i < G_N_ELEMENTS(augment_choices); i++)
        if (strlen(augment_choices[i].spec) == len && strncmp(augment_choices[i].spec, spec, len) == 0) {
            gtk_drop_down_set_selected(self->train_augment, i);
            gtk_check_button_set_active(self->train_jsd, plus != NULL);
            return TRUE;
        }
    return FALSE;
}

gboolean pp_jobs_view_start(PpJobsView *self, const char *kind, gint64 limit)
{
    if (pp_jobs_view_is_running(self) || !self->selected)
        return FALSE;
    JobKind k = g_strcmp0(kind, "eval") == 0         ? JOB_EVAL
                : g_strcmp0(kind, "finetune") == 0  ? JOB_TRAIN
                : g_strcmp0(kind, "stability") == 0 ? JOB_STABILITY
                                                    : JOB_NONE;
    if (k == JOB_NONE)
        return FALSE;
    /* the baseline must be of the model's task; without one, AlexNet's
     * ImageNet-C errors normalise only an ImageNet-1k model */
    PpModelEntry *star = find_baseline(self);
    if (k == JOB_STABILITY && star && star != self->selected) { /* FR needs a baseline of the same task */
        pp_error err = {0};
        if (pp_check_baseline_for_model(pp_model_entry_get_model(star), pp_model_entry_get_title(star),
                                        pp_model_entry_get_model(self->selected),
                                        pp_model_entry_get_title(self->selected), &err) != PP_OK) {
            refuse(self, k, err.msg);
            return TRUE;
        }
    }
    if (k == JOB_EVAL) {
        const pp_model *m = pp_model_entry_get_model(self->selected);
        pp_error err = {0};
        if (star && star != self->selected &&
            pp_check_baseline_for_model(pp_model_entry_get_model(star), pp_model_entry_get_title(star), m,
                                        pp_model_entry_get_title(self->selected), &err) != PP_OK) {
            refuse(self, k, err.msg);
            return TRUE;
        }
        if ((!star || star == self->selected) && !pp_model_is_imagenet1k(m)) {
            char *why = g_strdup_printf("%s needs a ★ baseline: star another model of its data set in the list "
                                        "(AlexNet's errors normalise ImageNet-1k models only)",
                                        pp_model_entry_get_title(self->selected));
            refuse(self, k, why);
            g_free(why);
            return TRUE;
        }
    }
    pp_train_recipe recipe = {0};
    if (k == JOB_TRAIN) {
        pp_error err = {0};
        if (pp_train_recipe_parse(&recipe, chosen_augment(self), gtk_check_button_get_active(self->train_jsd),
                                  &err) != PP_OK) {
            refuse(self, k, err.msg);
            return TRUE;
        }
    }
    /* a new job: the results and curves of the last one go */
    self->summary_ok = FALSE;
    self->have_base = FALSE;
    self->stab_ok = FALSE;
    self->n_points = 0;
    g_clear_pointer(&self->error, g_free);
    if (k == JOB_TRAIN)
        g_clear_object(&self->trained); /* Save As never saves an older run */
    Job *job = g_new0(Job, 1);
    job->kind = k;
    job->id = ++self->job_id;
    job->view = self;
    job->cancellable = g_cancellable_new();
    if (k == JOB_EVAL || k == JOB_STABILITY) {
        PpModelEntry *base = find_baseline(self);
        if (base && base != self->selected)
            job->entries[job->n++] = g_object_ref(base);
        job->entries[job->n++] = g_object_ref(self->selected);
        job->dataset = g_strdup(chosen_spec(self, self->eval_data, "fashion-mnist:test"));
        job->limit = limit > 0 ? limit : gtk_spin_button_get_value_as_int(self->eval_limit);
        if (k == JOB_EVAL)
            job->results = g_new0(pp_eval_result, job->n);
        else
            job->stability = g_new0(pp_eval_p_result, job->n);
    } else {
        job->entries[job->n++] = g_object_ref(self->selected);
        job->dataset = g_strdup(chosen_spec(self, self->train_data, "fashion-mnist:train"));
        job->limit = limit > 0 ? limit : gtk_spin_button_get_value_as_int(self->train_limit);
        job->epochs = gtk_spin_button_get_value_as_int(self->epochs);
        job->lr = gtk_spin_button_get_value(self->lr);
        job->hist = g_new0(pp_train_history, 1);
        job->recipe = recipe;
        self->train_epochs = job->epochs;
    }
    self->shown_kind = k;
    for (int i = 0; i < job->n; i++) {
        PpModelEntry *e = job->entries[i];
        job->names[i] = g_strdup(pp_model_entry_get_title(e));
        if (k != JOB_TRAIN && pp_model_entry_is_push_pull(e) && !pp_model_entry_view_is_learned(e)) {
            /* evaluated as the views show it: "inhibition off" is measured, not only drawn */
            job->alpha[i] = g_memdup2(pp_model_entry_view_alphas(e), sizeof(float) * pp_model_entry_kernel_count(e));
            job->avg[i] = pp_model_entry_view_avg(e);
            char *o = pp_model_entry_describe_overrides(e);
            g_free(job->names[i]);
            job->names[i] = g_strdup_printf("%s (%s)", pp_model_entry_get_title(e), o);
            g_free(o);
        }
    }
    g_set_object(&self->cancellable, job->cancellable);
    self->running_kind = k;
    self->started = g_get_monotonic_time();
    gtk_progress_bar_set_fraction(self->progress, 0);
    gtk_progress_bar_set_text(self->progress, "0 %");
    gtk_label_set_text(self->eta_label, "");
    gtk_label_set_text(self->phase_label, k != JOB_TRAIN ? "Opening the data set…" : "Copying the model…");
    set_state(self, PP_JOB_STATE_RUNNING);
    gtk_widget_queue_draw(GTK_WIDGET(self->result_area));
    GTask *task = g_task_new(self, NULL, job_done, NULL);
    g_task_set_task_data(task, job, job_free);
    g_task_run_in_thread(task, job_thread);
    g_object_unref(task);
    return TRUE;
}

void pp_jobs_view_cancel(PpJobsView *self)
{
    if (self->state != PP_JOB_STATE_RUNNING || !self->cancellable)
        return;
    g_cancellable_cancel(self->cancellable);
    gtk_label_set_text(self->eta_label, "");
    gtk_label_set_text(self->phase_label, "Stopping after the current batch…");
    set_state(self, PP_JOB_STATE_CANCELLING);
}

gboolean pp_jobs_view_is_running(PpJobsView *self)
{
    return self->state == PP_JOB_STATE_RUNNING || self->state == PP_JOB_STATE_CANCELLING;
}

PpJobState pp_jobs_view_get_state(PpJobsView *self)
{
    return self->state;
}

void pp_jobs_view_print(PpJobsView *self, FILE *out)
{
    fprintf(out, "job %s state %s",
            self->shown_kind == JOB_TRAIN ? "finetune" : self->shown_kind == JOB_STABILITY ? "stability" : "eval",
            pp_job_state_name(self->state));
    if (self->state == PP_JOB_STATE_DONE && self->shown_kind == JOB_STABILITY && self->stab_ok) {
        const pp_eval_p_result *m = &self->stab[self->have_stab_base ? 1 : 0];
        pp_stability_row mr[PP_STABILITY_MAX_ROWS], br[PP_STABILITY_MAX_ROWS];
        int nm = pp_eval_p_rows(m, mr, PP_STABILITY_MAX_ROWS);
        int nb = self->have_stab_base ? pp_eval_p_rows(&self->stab[0], br, PP_STABILITY_MAX_ROWS) : 0;
        pp_stability_summary s;
        if (pp_stability_summarize(mr, nm, nb ? br : NULL, nb, &s, NULL) == PP_OK)
            fprintf(out, " samples %lld perturbations %d mean_FP %.4f mFR %.4f mT5D %.4f", (long long)m->samples, nm,
                    s.mean_fp, s.mfr, s.mt5d);
    }
    if (self->state == PP_JOB_STATE_DONE && self->shown_kind == JOB_EVAL && self->summary_ok) {
        const pp_eval_result *m = &self->eval[self->have_base ? 1 : 0];
        fprintf(out, " samples %lld clean_error %.4f mCE %.4f corruptions %d", (long long)m->samples, m->clean_error,
                self->summary.mce, self->summary.corruptions_used);
        if (self->have_base)
            fprintf(out, " relative_mCE %.4f baseline_clean_error %.4f R_net %.4f", self->summary.relative_mce,
                    self->eval[0].clean_error, self->rnet.r_net);
    } else if (self->state == PP_JOB_STATE_DONE && self->shown_kind == JOB_TRAIN && self->n_points > 0) {
        fprintf(out, " epochs %d points %d loss %.4f accuracy %.4f", self->train_epochs, self->n_points,
                self->ploss[self->n_points - 1], self->pacc[self->n_points - 1]);
    } else if (self->state == PP_JOB_STATE_FAILED) {
        fprintf(out, " error %s", self->error ? self->error : "?");
    }
    if (self->shown_kind == JOB_TRAIN && strcmp(chosen_augment(self), "none") != 0)
        fprintf(out, " augment %s%s", chosen_augment(self), gtk_check_button_get_active(self->train_jsd) ? "+jsd" : "");
    fprintf(out, "\n");
    fflush(out);
}

/* ---- drawing the results ---- */

static void ce_colour(double ce, const PpPlotColors *c, double rgba[4])
{
    pp_ratio_colour(ce, c, rgba); /* the FR table's colours too */
}

static double mean_error(const pp_eval_result *r, const char *name)
{
    for (int i = 0; i < r->n_corruptions; i++)
        if (strcmp(r->corruptions[i].name, name) == 0) {
            double s = 0;
            int n = 0;
            for (int k = 0; k < 5; k++)
                if (r->corruptions[i].has[k])
                    s += r->corruptions[i].error[k], n++;
            return n ? s / n : NAN;
        }
    return NAN;
}

static void draw_table(PpJobsView *self, GtkWidget *w, cairo_t *cr, int width, int height, const PpPlotColors *c)
{
    const pp_eval_result *m = &self->eval[self->have_base ? 1 : 0];
    const pp_eval_result *b = self->have_base ? &self->eval[0] : NULL;
    char *title = b ? g_strdup_printf("Corruption error of %s against ★ %s", m->model, b->model)
                    : g_strdup_printf("Corruption error of %s against AlexNet's ImageNet-C errors", m->model);
    char *info = g_strdup_printf("%s · first %lld samples · 15 corruptions × severities 1–5 · %s", m->dataset,
                                 (long long)m->samples, m->corruption_source);
    /* columns: name and group left-aligned at their x, numbers right-aligned at their right edge */
    const char *heads[] = {"Corruption", "Band", b ? "Baseline error" : "", "Error", "CE", b ? "Relative CE" : ""};
    const double colx[] = {0, 160, 350, 450, 560, 680};
    PpScoreTable t;
    pp_score_table_begin(&t, cr, w, width, height, PP_BENCHMARK_CORRUPTIONS, 70, title, info, heads, colx, 6, 2,
                         690, 100, c);
    g_free(title);
    g_free(info);
    const GdkRGBA *colors[] = {NULL, &t.sub, &t.sub, NULL, NULL, NULL};
    for (int i = 0; i < PP_BENCHMARK_CORRUPTIONS; i++) {
        const char *name = pp_benchmark_corruptions[i];
        double vals[2] = {self->summary.ce[i], self->summary.relative_ce[i]};
        for (int k = 0; k < (b ? 2 : 1); k++)
            if (isfinite(vals[k])) {
                double rgba[4];
                ce_colour(vals[k], c, rgba);
                pp_score_table_cell(&t, cr, 4 + k, rgba);
            }
        char buf[4][32];
        snprintf(buf[0], 32, "%.1f %%", 100 * (b ? mean_error(b, name) : 0));
        snprintf(buf[1], 32, "%.1f %%", 100 * mean_error(m, name));
        snprintf(buf[2], 32, isfinite(vals[0]) ? "%.1f %%" : "—", 100 * vals[0]);
        snprintf(buf[3], 32, isfinite(vals[1]) ? "%.1f %%" : "—", 100 * vals[1]);
        const char *cells[] = {name, pp_freq_group_name(pp_corruption_group(i)), b ? buf[0] : NULL, buf[1], buf[2],
                               b ? buf[3] : NULL};
        pp_score_table_row(&t, cr, w, cells, colors, c);
    }
    char *line;
    if (b)
        line = g_strdup_printf("Clean error %.1f %% (baseline %.1f %%)   ·   mCE %.1f %%   ·   relative mCE %.1f %%   ·   "
                               "R_net %+.1f %%",
                               100 * m->clean_error, 100 * b->clean_error, 100 * self->summary.mce,
                               100 * self->summary.relative_mce, 100 * self->rnet.r_net);
    else
        line = g_strdup_printf("Clean error %.1f %% (top-5 %.1f %%)   ·   mCE %.1f %% against AlexNet   ·   star a "
                               "baseline for relative mCE and R_net",
                               100 * m->clean_error, 100 * m->clean_top5_error, 100 * self->summary.mce);
    pp_score_table_end(&t, cr, w, line,
                       b ? "CE: errors summed over severities ÷ the baseline's (relative CE: minus clean errors). "
                           "Green: better, red: worse."
                         : "CE = error summed over severities ÷ AlexNet's. Green: below 100 %, red: above.",
                       c);
    g_free(line);
}

static void draw_curve_panel(PpJobsView *self, GtkWidget *w, cairo_t *cr, double x, double y, double pw, double ph,
                             const double *v, const char *title, const GdkRGBA *col, const PpPlotColors *c,
                             gboolean percent)
{
    pp_plot_text(cr, w, title, x, y, PP_ALIGN_START, 1.0, TRUE, &c->fg);
    double left = x + 52, top = y + 30, right = x + pw - 8, bottom = y + ph - 40;
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < self->n_points; i++)
        if (isfinite(v[i]))
            lo = MIN(lo, v[i]), hi = MAX(hi, v[i]);
    if (percent)
        lo = MAX(0, floor(lo * 10) / 10), hi = MIN(1, ceil(hi * 10) / 10);
    else
        lo = 0, hi = isfinite(hi) ? hi * 1.1 : 1;
    if (!(hi > lo))
        hi = lo + 1;
    pp_plot_set_color(cr, &c->dim);
    cairo_set_line_width(cr, 1);
    for (int k = 0; k <= 4; k++) {
        double gy = bottom - (bottom - top) * k / 4.0;
        cairo_move_to(cr, left, round(gy) + 0.5);
        cairo_line_to(cr, right, round(gy) + 0.5);
        cairo_stroke(cr);
        char lab[32];
        double val = lo + (hi - lo) * k / 4.0;
        snprintf(lab, sizeof lab, percent ? "%.0f %%" : "%.2f", percent ? 100 * val : val);
        pp_plot_set_color(cr, &c->dim);
        pp_plot_text(cr, w, lab, left - 6, gy - 8, PP_ALIGN_END, 0.8, FALSE, &c->fg);
        pp_plot_set_color(cr, &c->dim);
    }
    int epochs = MAX(1, self->train_epochs);
    for (int e = 0; e <= epochs; e++) {
        double gx = left + (right - left) * e / epochs;
        char lab[16];
        snprintf(lab, sizeof lab, "%d", e);
        if (epochs <= 20 || e % 5 == 0)
            pp_plot_text(cr, w, lab, gx, bottom + 4, PP_ALIGN_CENTER, 0.8, FALSE, &c->fg);
    }
    pp_plot_text(cr, w, "epoch", (left + right) / 2, bottom + 16, PP_ALIGN_CENTER, 0.8, FALSE, &c->fg);
    pp_plot_set_color(cr, col);
    cairo_set_line_width(cr, 2);
    gboolean first = TRUE;
    for (int i = 0; i < self->n_points; i++) {
        if (!isfinite(v[i]))
            continue;
        double px = left + (right - left) * self->px[i] / epochs;
        double py = bottom - (bottom - top) * (v[i] - lo) / (hi - lo);
        if (first)
            cairo_move_to(cr, px, py);
        else
            cairo_line_to(cr, px, py);
        first = FALSE;
    }
    cairo_stroke(cr);
}

static void draw_results(GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
    PpJobsView *self = PP_JOBS_VIEW(data);
    GtkWidget *w = GTK_WIDGET(area);
    PpPlotColors c;
    pp_plot_colors(w, &c);
    if (self->shown_kind == JOB_STABILITY && self->running_kind != JOB_STABILITY && self->stab_ok) {
        pp_stability_table_draw(w, cr, width, height, &c, &self->stab[self->have_stab_base ? 1 : 0],
                                self->have_stab_base ? &self->stab[0] : NULL);
    } else if (self->shown_kind == JOB_EVAL && self->running_kind != JOB_EVAL && self->summary_ok) {
        draw_table(self, w, cr, width, height, &c);
    } else if (self->shown_kind == JOB_TRAIN && (self->n_points > 0 || self->running_kind == JOB_TRAIN)) {
        double pw = (width - 24) / 2.0;
        draw_curve_panel(self, w, cr, 0, 0, pw, height, self->ploss, "Training loss (running mean)", &c.series[0], &c,
                         FALSE);
        draw_curve_panel(self, w, cr, pw + 24, 0, pw, height, self->pacc, "Training accuracy (running)", &c.series[2],
                         &c, TRUE);
    } else {
        GdkRGBA dim;
        pp_plot_secondary(&c, &dim);
        const char *text = self->running_kind == JOB_STABILITY ? "The table of flip rates appears when the evaluation ends."
                           : self->running_kind == JOB_EVAL ? "The table of corruption errors appears when the evaluation ends."
                           : self->selected ? "Evaluate the selected model under the 15 corruptions, or fine-tune a copy of it."
                                            : "Open a model to evaluate or fine-tune it.";
        pp_plot_text(cr, w, text, width / 2.0, height / 2.0 - 10, PP_ALIGN_CENTER, 1.0, FALSE, &dim);
    }
}

/* ---- export ---- */

static gboolean have_table(PpJobsView *self)
{
    return self->shown_kind == JOB_EVAL && self->running_kind != JOB_EVAL && self->summary_ok;
}

static gboolean have_curves(PpJobsView *self)
{
    return self->shown_kind == JOB_TRAIN && self->n_points > 0;
}

static gboolean have_stability(PpJobsView *self)
{
    return self->shown_kind == JOB_STABILITY && self->running_kind != JOB_STABILITY && self->stab_ok;
}

gboolean pp_jobs_view_has_results(PpJobsView *self)
{
    return have_table(self) || have_curves(self) || have_stability(self);
}

void pp_jobs_view_draw(GtkWidget *widget, cairo_t *cr, int width, int height)
{
    PpJobsView *self = PP_JOBS_VIEW(widget);
    draw_results(self->result_area, cr, width, height, self);
}

static void csv_num(GString *s, double v, double scale)
{
    if (isfinite(v))
        g_string_append_printf(s, ",%.6f", v * scale);
    else
        g_string_append_c(s, ',');
}

/* CSV text field: quoted when it holds a comma, a quote or a line break */
static void csv_str(GString *s, const char *v, gboolean first)
{
    if (!first)
        g_string_append_c(s, ',');
    if (v && strpbrk(v, ",\"\n")) {
        g_string_append_c(s, '"');
        for (const char *p = v; *p; p++) {
            if (*p == '"')
                g_string_append_c(s, '"');
            g_string_append_c(s, *p);
        }
        g_string_append_c(s, '"');
    } else if (v)
        g_string_append(s, v);
}

/* Tidy tables, one per file (every row one observation, every column one
 * variable): the errors per model, corruption and severity (severity 0: the
 * clean images); the CE per corruption; the summary metrics. */
char *pp_jobs_view_to_csv(PpJobsView *self)
{
    GString *s = g_string_new(NULL);
    if (have_table(self)) {
        g_string_append(s, "model,role,corruption,band,severity,error,samples\n");
        for (int r = 0; r < (self->have_base ? 2 : 1); r++) {
            const pp_eval_result *e = &self->eval[r];
            const char *role = self->have_base && r == 0 ? "baseline" : "model";
            csv_str(s, e->model, TRUE);
            g_string_append_printf(s, ",%s,clean,,0", role);
            csv_num(s, e->clean_error, 1);
            g_string_append_printf(s, ",%lld\n", (long long)e->samples);
            for (int i = 0; i < e->n_corruptions; i++) {
                int bench = -1;
                for (int j = 0; j < PP_BENCHMARK_CORRUPTIONS; j++)
                    if (strcmp(pp_benchmark_corruptions[j], e->corruptions[i].name) == 0)
                        bench = j;
                for (int k = 0; k < 5; k++) {
                    if (!e->corruptions[i].has[k])
                        continue;
                    csv_str(s, e->model, TRUE);
                    g_string_append_printf(s, ",%s,%s,%s,%d", role, e->corruptions[i].name,
                                           bench >= 0 ? pp_freq_group_name(pp_corruption_group(bench)) : "", k + 1);
                    csv_num(s, e->corruptions[i].error[k], 1);
                    g_string_append_printf(s, ",%lld\n", (long long)e->samples);
                }
            }
        }
    } else if (have_curves(self)) {
        g_string_append(s, "model,epoch,loss,accuracy\n");
        for (int i = 0; i < self->n_points; i++) {
            csv_str(s, self->trained ? pp_model_entry_get_title(self->trained) : "", TRUE);
            g_string_append_printf(s, ",%.6f", self->px[i]);
            csv_num(s, self->ploss[i], 1);
            csv_num(s, self->pacc[i], 1);
            g_string_append_c(s, '\n');
        }
    }
    return g_string_free(s, FALSE);
}

char *pp_jobs_view_ce_to_csv(PpJobsView *self)
{
    if (!have_table(self))
        return NULL;
    GString *s = g_string_new("model,baseline,corruption,band,baseline_error,error,ce,relative_ce\n");
    const pp_eval_result *m = &self->eval[self->have_base ? 1 : 0];
    const pp_eval_result *b = self->have_base ? &self->eval[0] : NULL;
    for (int i = 0; i < PP_BENCHMARK_CORRUPTIONS; i++) {
        const char *name = pp_benchmark_corruptions[i];
        csv_str(s, m->model, TRUE);
        csv_str(s, b ? b->model : "", FALSE);
        g_string_append_printf(s, ",%s,%s", name, pp_freq_group_name(pp_corruption_group(i)));
        csv_num(s, b ? mean_error(b, name) : NAN, 1);
        csv_num(s, mean_error(m, name), 1);
        csv_num(s, self->summary.ce[i], 1);
        csv_num(s, b ? self->summary.relative_ce[i] : NAN, 1);
        g_string_append_c(s, '\n');
    }
    return g_string_free(s, FALSE);
}

char *pp_jobs_view_summary_to_csv(PpJobsView *self)
{
    if (!have_table(self))
        return NULL;
    GString *s = g_string_new("model,baseline,metric,value\n");
    const pp_eval_result *m = &self->eval[self->have_base ? 1 : 0];
    const pp_eval_result *b = self->have_base ? &self->eval[0] : NULL;
    const struct {
        const char *name;
        double v;
    } rows[] = {
        {"clean_error", m->clean_error},
        {"baseline_clean_error", b ? b->clean_error : NAN},
        {"mCE", self->summary.mce},
        {"relative_mCE", b ? self->summary.relative_mce : NAN},
        {"R_E", b ? self->rnet.r_e : NAN},
        {"R_mCE", b ? self->rnet.r_mce : NAN},
        {"beta", b ? self->rnet.beta : NAN},
        {"R_net", b ? self->rnet.r_net : NAN},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        if (!isfinite(rows[i].v))
            continue;
        csv_str(s, m->model, TRUE);
        csv_str(s, b ? b->model : "", FALSE);
        g_string_append_printf(s, ",%s", rows[i].name);
        csv_num(s, rows[i].v, 1);
        g_string_append_c(s, '\n');
    }
    return g_string_free(s, FALSE);
}

/* FOO.csv -> FOO-SUFFIX.csv */
static char *sibling_csv(const char *path, const char *suffix)
{
    size_t n = strlen(path);
    if (n > 4 && g_ascii_strcasecmp(path + n - 4, ".csv") == 0)
        n -= 4;
    return g_strdup_printf("%.*s-%s.csv", (int)n, path, suffix);
}

gboolean pp_jobs_view_export(PpJobsView *self, const char *path, GError **error)
{
    if (!pp_jobs_view_has_results(self)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                    "the jobs view has nothing to export until an evaluation or a fine-tune has finished");
        return FALSE;
    }
    if (g_str_has_suffix(path, ".csv") && have_stability(self)) {
        char *csv = pp_stability_table_csv(&self->stab[self->have_stab_base ? 1 : 0],
                                           self->have_stab_base ? &self->stab[0] : NULL);
        gboolean ok = g_file_set_contents(path, csv, -1, error);
        g_free(csv);
        return ok;
    }
    if (g_str_has_suffix(path, ".csv")) {
        char *csv = pp_jobs_view_to_csv(self);
        gboolean ok = g_file_set_contents(path, csv, -1, error);
        g_free(csv);
        /* an evaluation: the CE table and the summary beside it, one table per file */
        char *(*more[2])(PpJobsView *) = {pp_jobs_view_ce_to_csv, pp_jobs_view_summary_to_csv};
        const char *suffix[2] = {"ce", "summary"};
        for (int i = 0; i < 2 && ok; i++) {
            char *text = more[i](self);
            if (!text)
                continue;
            char *p = sibling_csv(path, suffix[i]);
            ok = g_file_set_contents(p, text, -1, error);
            g_free(p);
            g_free(text);
        }
        return ok;
    }
    GtkWidget *area = GTK_WIDGET(self->result_area);
    char *caption = NULL;
    if (have_stability(self))
        caption = self->have_stab_base ? g_strdup_printf("%s against the baseline %s", self->stab[1].model,
                                                         self->stab[0].model)
                                       : g_strdup(self->stab[0].model);
    else if (have_table(self))
        caption = self->have_base ? g_strdup_printf("%s against the baseline %s", self->eval[1].model, self->eval[0].model)
                                  : g_strdup(self->eval[0].model);
    else if (self->trained)
        caption = g_strdup(pp_model_entry_get_title(self->trained));
    /* the full width of the table whatever the window's size */
    gboolean ok = pp_plot_export_figure(GTK_WIDGET(self), pp_jobs_view_draw, MAX(gtk_widget_get_width(area), 900),
                                        MAX(gtk_widget_get_height(area), 560), caption, path, error);
    g_free(caption);
    return ok;
}

/* ---- save ---- */

static void on_save_response(GtkNativeDialog *dialog, int response, PpJobsView *self)
{
    PpModelEntry *what = g_object_get_data(G_OBJECT(dialog), "pp-entry"); /* the copy shown when asked */
    if (response == GTK_RESPONSE_ACCEPT && what) {
        GFile *file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog));
        char *path = g_file_get_path(file);
        pp_error err = {0};
        gboolean saved = path && pp_model_save(pp_model_entry_get_model(what), path, &err) == PP_OK;
        char *msg = saved ? g_strdup_printf("Saved %s", path)
                          : g_strdup_printf("Could not save: %s", path ? err.msg : "only local files can be written");
        if (saved) /* the copy in the model list is that file from now on */
            pp_model_entry_set_path(what, path);
        else
            report_error(self, msg);
        gtk_label_set_text(self->phase_label, msg);
        g_free(msg);
        g_free(path);
        g_object_unref(file);
    }
    g_clear_object(&self->dialog);
}

static void action_save(GtkWidget *widget, const char *name, GVariant *param)
{
    (void)name;
    (void)param;
    PpJobsView *self = PP_JOBS_VIEW(widget);
    if (!self->trained || self->shown_kind != JOB_TRAIN)
        return;
    GtkFileChooserNative *dialog = gtk_file_chooser_native_new(
        "Save Fine-Tuned Model", GTK_WINDOW(gtk_widget_get_root(widget)), GTK_FILE_CHOOSER_ACTION_SAVE, "_Save",
        "_Cancel");
    char *file = g_strdup_printf("%s.safetensors", pp_model_entry_get_title(self->trained));
    g_object_set_data_full(G_OBJECT(dialog), "pp-entry", g_object_ref(self->trained), g_object_unref);
    gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(dialog), file);
    g_free(file);
    g_signal_connect(dialog, "response", G_CALLBACK(on_save_response), self);
    g_clear_object(&self->dialog);
    self->dialog = GTK_NATIVE_DIALOG(dialog);
    gtk_native_dialog_show(self->dialog);
}

static void action_evaluate(GtkWidget *widget, const char *name, GVariant *param)
{
    (void)name;
    (void)param;
    pp_jobs_view_start(PP_JOBS_VIEW(widget), "eval", 0);
}

static void action_stability(GtkWidget *widget, const char *name, GVariant *param)
{
    (void)name;
    (void)param;
    pp_jobs_view_start(PP_JOBS_VIEW(widget), "stability", 0);
}

static void action_finetune(GtkWidget *widget, const char *name, GVariant *param)
{
    (void)name;
    (void)param;
    pp_jobs_view_start(PP_JOBS_VIEW(widget), "finetune", 0);
}

static void action_cancel(GtkWidget *widget, const char *name, GVariant *param)
{
    (void)name;
    (void)param;
    pp_jobs_view_cancel(PP_JOBS_VIEW(widget));
}

/* ---- class ---- */

static void pp_jobs_view_dispose(GObject *object)
{
    PpJobsView *self = PP_JOBS_VIEW(object);
    /* a running job holds a reference on the view (the GTask's source), so
     * dispose only runs without one */
    if (self->cancellable)
        g_cancellable_cancel(self->cancellable);
    g_clear_object(&self->cancellable);
    if (self->preview_cancel)
        g_cancellable_cancel(self->preview_cancel);
    g_clear_object(&self->preview_cancel);
    if (self->selected)
        g_signal_handlers_disconnect_by_data(self->selected, self);
    g_clear_object(&self->selected);
    g_clear_pointer(&self->entries, g_ptr_array_unref);
    g_clear_object(&self->dialog);
    gtk_widget_dispose_template(GTK_WIDGET(object), PP_TYPE_JOBS_VIEW);
    G_OBJECT_CLASS(pp_jobs_view_parent_class)->dispose(object);
}

static void pp_jobs_view_finalize(GObject *object)
{
    PpJobsView *self = PP_JOBS_VIEW(object);
    g_clear_object(&self->trained);
    g_ptr_array_unref(self->data_specs);
    g_free(self->px);
    g_free(self->ploss);
    g_free(self->pacc);
    g_free(self->error);
    g_free(self->stab);
    G_OBJECT_CLASS(pp_jobs_view_parent_class)->finalize(object);
}

static void pp_jobs_view_class_init(PpJobsViewClass *klass)
{
    GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
    G_OBJECT_CLASS(klass)->dispose = pp_jobs_view_dispose;
    G_OBJECT_CLASS(klass)->finalize = pp_jobs_view_finalize;
    signals[SIGNAL_JOB_FINISHED] = g_signal_new("job-finished", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                                NULL, NULL, G_TYPE_NONE, 0);
    /* a fine-tune finished: its copy (PpModelEntry) belongs in the model list */
    signals[SIGNAL_MODEL_TRAINED] = g_signal_new("model-trained", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                                 NULL, NULL, NULL, G_TYPE_NONE, 1, PP_TYPE_MODEL_ENTRY);
    gtk_widget_class_set_template_from_resource(wc, "/io/github/PushPullStudio/pp-jobs-view.ui");
#define BIND(name) gtk_widget_class_bind_template_child(wc, PpJobsView, name)
    BIND(eval_models);
    BIND(train_model);
    BIND(state_label);
    BIND(eta_label);
    BIND(phase_label);
    BIND(eval_data);
    BIND(train_data);
    BIND(train_augment);
    BIND(train_jsd);
    BIND(augment_preview);
    BIND(data_names);
    BIND(eval_limit);
    BIND(epochs);
    BIND(lr);
    BIND(train_limit);
    BIND(progress);
    BIND(result_area);
#undef BIND
    gtk_widget_class_install_action(wc, "jobs.evaluate", NULL, action_evaluate);
    gtk_widget_class_install_action(wc, "jobs.finetune", NULL, action_finetune);
    gtk_widget_class_install_action(wc, "jobs.stability", NULL, action_stability);
    gtk_widget_class_add_binding_action(wc, GDK_KEY_f, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "jobs.stability", NULL);
    gtk_widget_class_install_action(wc, "jobs.cancel", NULL, action_cancel);
    gtk_widget_class_install_action(wc, "jobs.save", NULL, action_save);
    gtk_widget_class_install_action(wc, "jobs.choose-data", "s", action_choose_data);
    gtk_widget_class_add_binding_action(wc, GDK_KEY_Escape, 0, "jobs.cancel", NULL);
    gtk_widget_class_add_binding_action(wc, GDK_KEY_s, GDK_CONTROL_MASK, "jobs.save", NULL);
}

static void pp_jobs_view_init(PpJobsView *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->px = g_new0(double, MAX_POINTS);
    self->ploss = g_new0(double, MAX_POINTS);
    self->pacc = g_new0(double, MAX_POINTS);
    gtk_drawing_area_set_draw_func(self->result_area, draw_results, self, NULL);
    self->data_specs = g_ptr_array_new_with_free_func(g_free);
    gtk_drop_down_set_model(self->train_data, G_LIST_MODEL(self->data_names));
    GtkStringList *augments = gtk_string_list_new(NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(augment_choices); i++)
        gtk_string_list_append(augments, augment_choices[i].label);
    gtk_drop_down_set_model(self->train_augment, G_LIST_MODEL(augments));
    g_object_unref(augments);
    load_data_sets(self);
    g_signal_connect_swapped(self->train_augment, "notify::selected", G_CALLBACK(on_augment_changed), self);
    g_signal_connect_swapped(self->train_data, "notify::selected", G_CALLBACK(on_augment_changed), self);
    update_preview(self);
    set_state(self, PP_JOB_STATE_IDLE);
    pp_jobs_view_refresh(self);
}

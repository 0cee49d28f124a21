/* The Jobs view: evaluate the selected model (and the starred baseline) under
 * the 15 corruptions, or fine-tune a copy of it; one job at a time on a worker
 * thread, with progress, ETA and cancel, ending in a coloured CE table or in
 * loss/accuracy curves. */
#pragma once

#include <gtk/gtk.h>
#include <stdio.h>

#include "pp-model-entry.h"

G_BEGIN_DECLS

#define PP_TYPE_JOBS_VIEW (pp_jobs_view_get_type())
G_DECLARE_FINAL_TYPE(PpJobsView, pp_jobs_view, PP, JOBS_VIEW, GtkBox)

typedef enum {
    PP_JOB_STATE_IDLE,
    PP_JOB_STATE_RUNNING,
    PP_JOB_STATE_CANCELLING,
    PP_JOB_STATE_DONE,
    PP_JOB_STATE_CANCELLED,
    PP_JOB_STATE_FAILED,
} PpJobState;

const char *pp_job_state_name(PpJobState s);

/* The loaded models (list order) and the one the window shows. */
void pp_jobs_view_set_entries(PpJobsView *self, GPtrArray *entries);
void pp_jobs_view_set_selected_entry(PpJobsView *self, PpModelEntry *entry);
/* Refreshes the "model vs baseline" labels (after a star moved). */
void pp_jobs_view_refresh(PpJobsView *self);

/* Starts a job ("eval" or "finetune"); limit > 0 overrides the sample limit.
 * FALSE when a job is running, no model is selected or the kind is unknown.
 * "job-finished" is emitted on the main thread when the worker has returned. */
/* Starts a job; a job that would give nonsense (data set or baseline of
 * another task, AlexNet normalisation for a model that is not ImageNet-1k) is
 * refused with a message, state FAILED and "job-finished". "model-trained"
 * (PpModelEntry *) hands over a fine-tuned copy for the model list. */
gboolean pp_jobs_view_start(PpJobsView *self, const char *kind, gint64 limit);
/* The data set of the evaluation ("eval") or fine-tune ("train"): a spec or folder. */
void pp_jobs_view_set_data(PpJobsView *self, const char *which, const char *spec);
/* The fine-tune's augmentation: a choice's spec ("none", "augmix", ...,
 * "stability"), "+jsd" appended for the consistency loss; FALSE if unknown. */
gboolean pp_jobs_view_set_augment(PpJobsView *self, const char *spec);
gboolean pp_jobs_view_uses_entry(PpJobsView *self, PpModelEntry *entry);
void pp_jobs_view_cancel(PpJobsView *self);
gboolean pp_jobs_view_is_running(PpJobsView *self);
PpJobState pp_jobs_view_get_state(PpJobsView *self);
/* One line of key numbers of the last job ("job eval state done mCE ..."). */
void pp_jobs_view_print(PpJobsView *self, FILE *out);

/* TRUE when a finished evaluation (CE table) or fine-tune (curves) shows. */
gboolean pp_jobs_view_has_results(PpJobsView *self);
/* Paints the results (the CE table or the curves) at width x height. */
void pp_jobs_view_draw(GtkWidget *widget, cairo_t *cr, int width, int height);
/* Tidy CSV tables: the errors per model, role (model or baseline), corruption,
 * band and severity (severity 0: clean), or the training curves (model,
 * epoch, loss, accuracy). */
char *pp_jobs_view_to_csv(PpJobsView *self);
/* After an evaluation (else NULL): the CE per corruption (model, baseline,
 * corruption, band, baseline_error, error, ce, relative_ce) and the summary
 * (model, baseline, metric, value: clean errors, mCE, relative mCE, R_E,
 * R_mCE, beta, R_net). */
char *pp_jobs_view_ce_to_csv(PpJobsView *self);
char *pp_jobs_view_summary_to_csv(PpJobsView *self);
/* .csv: FILE.csv the errors (or curves), FILE-ce.csv and FILE-summary.csv;
 * .png/.svg/.pdf: the results drawn by cairo, named by a caption. */
gboolean pp_jobs_view_export(PpJobsView *self, const char *path, GError **error);

G_END_DECLS

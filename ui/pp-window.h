/* The studio window: model list and summary on the left, the kernel and
 * spectra views on the right; models load off the main thread. */
#pragma once

#include <gtk/gtk.h>
#include <stdio.h>

#include "pp-compare-view.h"
#include "pp-corruption-grid-view.h"
#include "pp-inhibition-lab-view.h"
#include "pp-jobs-view.h"
#include "pp-probe-view.h"

G_BEGIN_DECLS

#define PP_TYPE_WINDOW (pp_window_get_type())
G_DECLARE_FINAL_TYPE(PpWindow, pp_window, PP, WINDOW, GtkApplicationWindow)

PpWindow *pp_window_new(GtkApplication *app);
/* Starts loading a checkpoint in a thread; errors show in the window's banner. */
void pp_window_open_file(PpWindow *self, GFile *file);
/* The bundled demo models (or the test fixtures in a source tree without them). */
void pp_window_open_demo(PpWindow *self);
/* Open a bundled demo set by name ("pair", "robust"); FALSE (and an error
 * shown) for an unknown name. */
gboolean pp_window_open_demo_set(PpWindow *self, const char *name);
/* Number of loads still running; "loads-finished" is emitted when it drops to 0. */
int pp_window_get_pending(PpWindow *self);
void pp_window_set_view(PpWindow *self, const char *name);
void pp_window_show_error(PpWindow *self, const char *message);
/* The banner with a message of `owner` ("probe", "jobs", ...); cleared by
 * pp_window_clear_error(owner) when that part succeeds later (NULL: any). */
void pp_window_report_error(PpWindow *self, const char *owner, const char *message);
void pp_window_clear_error(PpWindow *self, const char *owner);
/* Adds an in-memory model (a fine-tuned copy) to the list and selects it. */
void pp_window_add_entry(PpWindow *self, PpModelEntry *entry);
void pp_window_remove_entry(PpWindow *self, PpModelEntry *entry);
/* Activates a row's menu action (model-up, model-down, model-remove) on the
 * model titled `title`, as its menu does; FALSE when there is none. */
gboolean pp_window_model_action(PpWindow *self, const char *action, const char *title);
/* A transient message at the bottom of the window. */
void pp_window_toast(PpWindow *self, const char *message);
/* Zoom of text, controls and plots (1 = 100 %). */
void pp_window_set_zoom(PpWindow *self, double zoom);
/* Tests: print every window action's name when it runs; move the focus to
 * the header bar. */
void pp_window_trace_actions(PpWindow *self);
void pp_window_focus_header(PpWindow *self);
/* Tests: one "state view ... kernel ... alpha ..." line, the probe's results,
 * its first CSV row and whether a sweep is there. */
void pp_window_print_state(PpWindow *self, FILE *out);
gboolean pp_window_has_error(PpWindow *self);
/* The message the banner shows now, or NULL. */
const char *pp_window_get_error(PpWindow *self);
/* Selects kernel k of the shown model. */
void pp_window_select_kernel(PpWindow *self, int k);
/* Overrides the shown model's view: alpha of every channel (< 0: keep) and the
 * pull pooling (< 0: keep). */
void pp_window_override_view(PpWindow *self, double alpha, int avg);
/* Sweeps alpha over every channel for `frames` frames on the spectra view, one
 * change per frame, then prints frame-time statistics and calls done. */
void pp_window_benchmark_alpha(PpWindow *self, int frames, GCallback done, gpointer data);
/* Writes the shown view: .png/.svg/.pdf the plots, .csv the data (kernel
 * values of the kernels view, radial profiles of the spectra view, the
 * predictions and SNRs of the probe view). */
gboolean pp_window_export(PpWindow *self, const char *path, GError **error);
/* The probe view (the "probe" page). */
PpProbeView *pp_window_get_probe_view(PpWindow *self);
/* The jobs view (the "jobs" page). Closing the window while its job runs asks
 * first, then cancels the job and closes once the worker has returned. */
PpJobsView *pp_window_get_jobs_view(PpWindow *self);
/* The corruption grid (the "grid" page) and the inhibition lab ("lab"). */
PpCorruptionGridView *pp_window_get_grid_view(PpWindow *self);
PpInhibitionLabView *pp_window_get_lab_view(PpWindow *self);
PpCompareView *pp_window_get_compare_view(PpWindow *self);
/* TRUE while a view's background update (probe, grid, lab) runs or is queued. */
gboolean pp_window_is_busy(PpWindow *self);
/* Renders the window at its current size into a PNG. */
gboolean pp_window_save_screenshot(PpWindow *self, const char *path, GError **error);

/* Renders any shown window into a PNG. */
gboolean pp_studio_save_window_png(GtkWindow *window, const char *path, GError **error);
/* Whether the window has a picture to save now (not while a new layout is due). */
gboolean pp_studio_window_has_picture(GtkWindow *window);

/* Where a data file lives: the source tree (uninstalled) or the datadir. */
char *pp_studio_find_data(const char *relative);

G_END_DECLS

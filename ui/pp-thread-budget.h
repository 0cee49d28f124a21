/* The studio's split of the cores (DESIGN.md, Threads). With C =
 * pp_threads_default() (the online cores, or OMP_NUM_THREADS):
 *   - the job worker (evaluation, fine-tuning) runs on max(1, C - 1) threads
 *     for the whole job;
 *   - the interactive worker (probe, sweep) runs on 1 thread while a job runs
 *     and on all C when none does; it reads its count at the start of each run
 *     (a slider update, each model of a sweep);
 *   - model loading runs on one thread (its only parallel work, preparing the
 *     Winograd kernels, is pp_model_prepare's single-threaded pass).
 * So a job and the interactive worker together use at most max(C, 2) threads.
 * An interactive run that began before a job started keeps its count until it
 * ends (one forward pass per model). Thread-safe: called from the workers. */
#ifndef PP_THREAD_BUDGET_H
#define PP_THREAD_BUDGET_H

int pp_thread_budget_job(void);
int pp_thread_budget_interactive(void);
/* Bracket a job's work on its worker thread. */
void pp_thread_budget_job_started(void);
void pp_thread_budget_job_finished(void);

#endif

/* What every long operation (evaluation, training, data-set corruption) takes:
 * a progress callback and a cooperative cancel hook. Core knows nothing of any
 * main loop; the GUI marshals progress to its main context itself. */
#ifndef PP_JOB_H
#define PP_JOB_H

#include <stdbool.h>

typedef struct {
    double fraction;   /* 0..1 of the whole job */
    const char *phase; /* "clean", "gaussian_noise s3", "epoch 2/20", ... */
    double loss;       /* NAN when not training */
    double accuracy;   /* running top-1 accuracy of the phase, NAN if none */
} pp_job_progress;

typedef struct {
    /* Called from the worker thread, at most a few times per second. */
    void (*progress)(const pp_job_progress *p, void *ctx);
    /* Polled between batches; true stops the job within about a second. */
    bool (*cancel)(void *ctx);
    void *ctx;
    /* Threads the job's work runs on, every parallel region included (below 1,
     * or no job: one; threads.h). */
    int threads;
} pp_job;

static inline int pp_job_threads(const pp_job *job)
{
    return job && job->threads > 0 ? job->threads : 1;
}

static inline bool pp_job_cancelled(const pp_job *job)
{
    return job && job->cancel && job->cancel(job->ctx);
}

static inline void pp_job_report(const pp_job *job, const pp_job_progress *p)
{
    if (job && job->progress)
        job->progress(p, job->ctx);
}

#endif

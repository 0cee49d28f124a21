#include "pp-thread-budget.h"

#include <stdatomic.h>

#include "threads.h"

static _Atomic int jobs_running = 0;

int pp_thread_budget_job(void)
{
    int c = pp_threads_default();
    return c > 1 ? c - 1 : 1;
}

int pp_thread_budget_interactive(void)
{
    return atomic_load(&jobs_running) > 0 ? 1 : pp_threads_default();
}

void pp_thread_budget_job_started(void)
{
    atomic_fetch_add(&jobs_running, 1);
}

void pp_thread_budget_job_finished(void)
{
    atomic_fetch_sub(&jobs_running, 1);
}

/* The studio's split of the cores (ui/pp-thread-budget.h): with C cores the
 * job gets max(1, C - 1), the interactive worker all C when no job runs and one
 * while one does, so the two together never ask for more than max(C, 2). If
 * this fails, a probe during an evaluation oversubscribes the CPU (or an idle
 * studio leaves cores unused). Run with OMP_NUM_THREADS set for each C. */
#include <stdlib.h>

#include "../test_util.h"
#include "pp-thread-budget.h"
#include "threads.h"

static void test_split(void)
{
    const int c = pp_threads_default();
    const int job = pp_thread_budget_job();
    CHECK(job == (c > 1 ? c - 1 : 1), "C = %d: the job gets %d", c, job);
    CHECK(pp_thread_budget_interactive() == c, "C = %d, no job: the interactive worker gets all (%d)", c,
          pp_thread_budget_interactive());
    pp_thread_budget_job_started();
    const int during = pp_thread_budget_interactive();
    CHECK(during == 1, "C = %d, a job runs: the interactive worker gets %d", c, during);
    CHECK(job + during <= (c > 2 ? c : 2), "C = %d: job %d + interactive %d", c, job, during);
    pp_thread_budget_job_finished();
    CHECK(pp_thread_budget_interactive() == c, "C = %d, the job ended: all cores again", c);
    printf("  C = %d: job %d, interactive %d alone, %d beside a job\n", c, job, c, during);
}

int main(void)
{
    RUN_TEST(test_split);
    return TEST_EXIT();
}

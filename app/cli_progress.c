#include "cli_progress.h"

#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "cli_interrupt.h"
#include "threads.h"

static int drawn = 0;

/* Without a terminal (logs, CI), one line per tenth of the job instead of a bar. */
static void log_line(const pp_job_progress *p)
{
    static int last_tenth = -1;
    int tenth = (int)(p->fraction * 10);
    if (tenth == last_tenth)
        return;
    last_tenth = tenth;
    fprintf(stderr, "pushpull: %3.0f%% %s", 100 * p->fraction, p->phase ? p->phase : "");
    if (!isnan(p->loss))
        fprintf(stderr, " loss %.4f", p->loss);
    if (!isnan(p->accuracy))
        fprintf(stderr, " acc %.3f", p->accuracy);
    fputc('\n', stderr);
}

static void draw(const pp_job_progress *p, void *ctx)
{
    (void)ctx;
    if (!isatty(STDERR_FILENO)) {
        log_line(p);
        return;
    }
    int width = 30, filled = (int)(p->fraction * width + 0.5);
    fprintf(stderr, "\r[");
    for (int i = 0; i < width; i++)
        fputc(i < filled ? '#' : '.', stderr);
    fprintf(stderr, "] %5.1f%%  %-24s", 100 * p->fraction, p->phase ? p->phase : "");
    if (!isnan(p->loss))
        fprintf(stderr, " loss %.4f", p->loss);
    if (!isnan(p->accuracy))
        fprintf(stderr, " acc %.3f", p->accuracy);
    fprintf(stderr, "\033[K");
    fflush(stderr);
    drawn = 1;
}

pp_job pp_cli_progress_job(void)
{
    return (pp_job){.progress = draw, .cancel = pp_cli_interrupt_cancel, .ctx = NULL,
                    .threads = pp_threads_default()};
}

void pp_cli_progress_done(void)
{
    if (drawn)
        fputc('\n', stderr);
    drawn = 0;
}

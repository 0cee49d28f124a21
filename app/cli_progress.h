/* A progress bar on stderr for long commands, drawn only when stderr is a terminal. */
#ifndef PP_CLI_PROGRESS_H
#define PP_CLI_PROGRESS_H

#include "job.h"

/* A pp_job whose progress callback draws the bar and whose cancel hook
 * reports Ctrl-C or SIGTERM (cli_interrupt.h), so an interrupted command
 * still stops cleanly. */
pp_job pp_cli_progress_job(void);
/* Ends the bar's line (if one was drawn). */
void pp_cli_progress_done(void);

#endif

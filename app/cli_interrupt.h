/* Ctrl-C (SIGINT), SIGTERM and SIGHUP for the command line.
 *
 * The first signal only sets a flag: long work polls it through its pp_job
 * cancel hook, an atomic save about to commit discards its temp file, and the
 * command stops through its normal error path, removing what it made; main then
 * dies by the same signal, so a calling shell sees the interrupt. A second
 * signal exits at once after unlinking the registered temp and lock files. */
#ifndef PP_CLI_INTERRUPT_H
#define PP_CLI_INTERRUPT_H

#include <stdbool.h>

/* Installs the handlers; main calls it before running a command. */
void pp_cli_interrupt_install(void);
/* The pending signal number, 0 if none. */
int pp_cli_interrupted(void);
/* A pp_job cancel hook reporting the flag. */
bool pp_cli_interrupt_cancel(void *ctx);
/* If a signal arrived, dies by it (default action); otherwise returns. */
void pp_cli_interrupt_finish(void);

#endif

/* Output files checked and claimed before a command does any work, so a bad
 * path fails at once instead of after a full run (core/output_path.h: the
 * directory takes a new file, one writer per output). main releases the claims
 * when the command returns. */
#ifndef PP_CLI_OUTPUT_H
#define PP_CLI_OUTPUT_H

/* 0, or prints the error and returns 1. NULL paths are skipped. */
int pp_cli_claim_output(const char *path);
/* Creates `dir` if missing (one level, like mkdir) and checks it takes files. */
int pp_cli_output_dir(const char *dir);

#endif

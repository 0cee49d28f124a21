/* The `pushpull` command line: one file per command (cmd_<name>.c), each
 * exporting a pp_cli_command; pushpull.c lists them and handles global flags. */
#ifndef PP_CLI_H
#define PP_CLI_H

#include <stdbool.h>
#include <jansson.h>
#include <stdio.h>

#include "status.h"

typedef struct {
    const char *name;
    const char *summary; /* one line for `pushpull --help` */
    const char *usage;   /* full --help text */
    /* argv[0] is the command name; returns the process exit code. */
    int (*run)(int argc, char **argv);
    /* Writes output files: Ctrl-C then stops it cleanly (cli_interrupt.h)
     * instead of killing it; other commands keep the default action. */
    bool writes_files;
} pp_cli_command;

/* Prints "pushpull: <message>" on stderr; returns 1 so callers can `return`. */
int pp_cli_fail(const pp_error *err);
int pp_cli_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* True when argv holds -h/--help; prints the command's usage on stdout. */
bool pp_cli_wants_help(const pp_cli_command *cmd, int argc, char **argv);
/* Reports a usage error for cmd and returns 2. */
int pp_cli_usage_error(const pp_cli_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints a command's --json result on stdout (indented by 2, reals to 6
 * significant digits, a final newline) and frees it. */
void pp_cli_print_json(json_t *o);
/* Strict number parsing for option values. */
bool pp_cli_parse_int(const char *s, long min, long max, long *out);
bool pp_cli_parse_float(const char *s, double *out);

/* `text` fit for a terminal, in buf: control characters (C0, DEL and the
 * UTF-8 C1 range) become \xNN, so class names from a model file cannot move
 * the cursor or rewrite the screen. Truncated with "..." to fit; returns buf. */
const char *pp_cli_printable(const char *text, char *buf, size_t len);

/* Thread count chosen with --threads (0 = pp_threads_default's: OMP_NUM_THREADS or the cores). */
extern int pp_cli_threads;

#endif

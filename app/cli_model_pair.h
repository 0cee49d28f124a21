/* The frame of a command comparing model A with an optional model B (cka,
 * weights), in one place: one or two model arguments, the outputs claimed
 * before any work, both models opened, the command's work, its files
 * written, then its table printed; errors as every command gives them. */
#ifndef PP_CLI_MODEL_PAIR_H
#define PP_CLI_MODEL_PAIR_H

#include <stdbool.h>

#include "cli.h"
#include "model.h"

typedef struct {
    const pp_cli_command *cmd;
    int avg_kernel;                   /* --avg-kernel or -1 */
    const char *json_path, *csv_path; /* NULL: not written */
    void *ctx;                        /* the command's state and result */
    /* The work on the open models (b and path_b NULL: A alone). */
    pp_status (*compute)(void *ctx, const pp_model *a, const char *path_a, const pp_model *b, const char *path_b,
                         pp_error *err);
    /* Each called only for a path given (save_csv may be NULL: no CSV). */
    pp_status (*save_json)(void *ctx, const char *path, pp_error *err);
    pp_status (*save_csv)(void *ctx, const char *path, pp_error *err);
    void (*print)(void *ctx);
    void (*release)(void *ctx); /* the result freed, whatever happened */
} pp_cli_model_pair;

/* models: the command's positional arguments (A [B]), n of them. Returns the
 * exit code. */
int pp_cli_run_model_pair(const pp_cli_model_pair *run, char *const *models, int n);

#endif

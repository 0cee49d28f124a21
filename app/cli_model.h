/* Model loading shared by the commands that take MODEL. */
#ifndef PP_CLI_MODEL_H
#define PP_CLI_MODEL_H

#include "model.h"

/* Opens MODEL (any checkpoint format), printing assumptions as warnings on
 * stderr. avg_kernel: --avg-kernel value or -1. Returns 0 or an exit code. */
int pp_cli_open_model(const char *path, int avg_kernel, pp_model *m);
/* The same with every hint (--avg-kernel, --pull-minmax). */
int pp_cli_open_model_hints(const char *path, const pp_arch_hints *hints, pp_model *m);

/* Parses "--pull-minmax filter|channel" (arch.h pp_pull_minmax). */
bool pp_cli_parse_pull_minmax(const char *s, int *out);
#define PP_CLI_PULL_MINMAX_HELP \
    "  --pull-minmax M  filter (default) or channel: where the PushPull-Conv pull\n" \
    "                   kernel takes max + min (channel: pushpull-conv commit db07739,\n" \
    "                   per input channel); used when MODEL does not record it\n"

/* Opens A and, when path_b is not NULL, B (commands comparing two models);
 * on failure nothing stays open. Close with pp_cli_close_models. */
int pp_cli_open_models(const char *path_a, const char *path_b, int avg_kernel, pp_model *a, pp_model *b);
void pp_cli_close_models(pp_model *a, pp_model *b, bool has_b);

/* Parses "--avg-kernel K" style values: 0, 3 or 5. */
bool pp_cli_parse_avg_kernel(const char *s, int *out);

#endif

/* Model loading shared by the commands that take MODEL. */
#ifndef PP_CLI_MODEL_H
#define PP_CLI_MODEL_H

#include "model.h"

/* Opens MODEL (any checkpoint format), printing assumptions as warnings on
 * stderr. avg_kernel: --avg-kernel value or -1. Returns 0 or an exit code. */
int pp_cli_open_model(const char *path, int avg_kernel, pp_model *m);

/* Opens A and, when path_b is not NULL, B (commands comparing two models);
 * on failure nothing stays open. Close with pp_cli_close_models. */
int pp_cli_open_models(const char *path_a, const char *path_b, int avg_kernel, pp_model *a, pp_model *b);
void pp_cli_close_models(pp_model *a, pp_model *b, bool has_b);

/* Parses "--avg-kernel K" style values: 0, 3 or 5. */
bool pp_cli_parse_avg_kernel(const char *s, int *out);

#endif

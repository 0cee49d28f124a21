#include "cli_model.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "model_file.h"

int pp_cli_open_model(const char *path, int avg_kernel, pp_model *m)
{
    pp_arch_hints hints = {.avg_kernel = avg_kernel};
    return pp_cli_open_model_hints(path, &hints, m);
}

bool pp_cli_parse_pull_minmax(const char *s, int *out)
{
    pp_pull_minmax v;
    if (!pp_pull_minmax_parse(s, &v))
        return false;
    *out = (int)v;
    return true;
}

int pp_cli_open_model_hints(const char *path, const pp_arch_hints *hints, pp_model *m)
{
    pp_error err = {0};
    char notes[1024];
    if (pp_model_open(m, path, hints, notes, sizeof notes, &err) != PP_OK)
        return pp_cli_fail(&err);
    for (char *line = strtok(notes, "\n"); line; line = strtok(NULL, "\n"))
        fprintf(stderr, "pushpull: warning: %s: %s\n", path, line);
    return 0;
}

int pp_cli_open_models(const char *path_a, const char *path_b, int avg_kernel, pp_model *a, pp_model *b)
{
    int rc = pp_cli_open_model(path_a, avg_kernel, a);
    if (rc == 0 && path_b && (rc = pp_cli_open_model(path_b, avg_kernel, b)))
        pp_model_free(a);
    return rc;
}

void pp_cli_close_models(pp_model *a, pp_model *b, bool has_b)
{
    if (has_b)
        pp_model_free(b);
    pp_model_free(a);
}

bool pp_cli_parse_avg_kernel(const char *s, int *out)
{
    long v;
    if (!pp_cli_parse_int(s, 0, 5, &v) || (v != 0 && v != 3 && v != 5))
        return false;
    *out = (int)v;
    return true;
}

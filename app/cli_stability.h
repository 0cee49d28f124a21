/* What `compare` and `merge` do with pushpull-eval-p/1 files (eval-p's results). */
#ifndef PP_CLI_STABILITY_H
#define PP_CLI_STABILITY_H

#include <stdbool.h>

/* FR, mFR, T5D and mT5D of MODEL normalised by BASELINE; format text, markdown
 * or latex, or one JSON object. Returns the exit code. */
int pp_cli_compare_stability(const char *baseline, const char *model, const char *format, bool json);

/* The whole run from eval-p's N shard files into out. Returns the exit code. */
int pp_cli_merge_eval_p(const char *out, const char *const *paths, int n);

#endif

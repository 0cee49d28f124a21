/* Atomic file replacement: write to a temp file beside the target, fsync,
 * rename over it. A crash or error never leaves a partly written target. */
#ifndef PP_ATOMIC_FILE_H
#define PP_ATOMIC_FILE_H

#include <stdbool.h>
#include <stdio.h>

#include "status.h"

typedef struct {
    FILE *fp;
    char *final_path;
    char *temp_path;
} pp_atomic_file;

pp_status pp_atomic_open(pp_atomic_file *af, const char *path, pp_error *err);
/* Flushes, fsyncs, renames. Closes either way; on failure the target is untouched. */
pp_status pp_atomic_commit(pp_atomic_file *af, pp_error *err);
/* Discards the temp file. Safe to call after commit or twice. */
void pp_atomic_abort(pp_atomic_file *af);

/* Whole buffer in one go. */
pp_status pp_atomic_write(const char *path, const void *data, size_t len, pp_error *err);

#endif

/* Atomic file replacement: write to a temp file beside the target, fsync,
 * rename over it. A crash or error never leaves a partly written target.
 * The output is claimed for the duration (core/output_path.h: one writer,
 * symlinks written through), a replaced file keeps its permission bits, and
 * the temp file is named and registered as core/temp_files.h describes. */
#ifndef PP_ATOMIC_FILE_H
#define PP_ATOMIC_FILE_H

#include <stdbool.h>
#include <stdio.h>

#include "status.h"

typedef struct {
    FILE *fp;
    char *final_path;    /* as the caller named it (for messages) */
    char *resolved_path; /* what is replaced: final_path or its symlink's target */
    char *temp_path;
} pp_atomic_file;

pp_status pp_atomic_open(pp_atomic_file *af, const char *path, pp_error *err);
/* Flushes, fsyncs, renames. Closes either way; on failure the target is untouched. */
pp_status pp_atomic_commit(pp_atomic_file *af, pp_error *err);
/* Discards the temp file. Safe to call after commit or twice. */
void pp_atomic_abort(pp_atomic_file *af);

/* Whole buffer in one go. */
pp_status pp_atomic_write(const char *path, const void *data, size_t len, pp_error *err);

/* A process-wide stop request (the CLI's Ctrl-C): a commit that finds it true
 * discards the temp file and fails with PP_ERR_CANCELLED, so an interrupted
 * command never leaves a new output. NULL (the default) turns it off. */
void pp_atomic_set_cancel(bool (*cancel)(void *ctx), void *ctx);

#endif

/* Temp files beside an output: one recognisable name pattern,
 * `.<name>.pp-tmp-<pid>-XXXXXX`, a registry of the ones this process holds so
 * an interrupt can remove them, and a sweep that removes the ones a killed
 * process (kill -9, power loss) left behind. */
#ifndef PP_TEMP_FILES_H
#define PP_TEMP_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

/* Creates `<dir of target>/.<name of target>.pp-tmp-<pid>-XXXXXX`, opened for
 * writing and flock'ed (the lock tells a sweep the file is alive), and
 * registers it. *path_out is malloc'ed. */
pp_status pp_temp_file_create(const char *target, char **path_out, int *fd_out, pp_error *err);

/* Registers a path to unlink if the process is interrupted (false when the
 * table is full: the path is then only cleaned by a later sweep). */
bool pp_temp_files_add(const char *path);
void pp_temp_files_forget(const char *path);
/* Unlinks every registered path. Async-signal-safe: for a signal handler. */
void pp_temp_files_unlink_all(void);

/* The lock file beside an output (core/output_path.h): `.<name>.pp-lock`. */
#define PP_LOCK_SUFFIX ".pp-lock"

/* Removes temp and lock files of ours in `dir` whose writer is gone: the pid
 * in the name (or a lock file's content) is not alive and nobody holds the
 * file's lock. */
void pp_temp_files_sweep(const char *dir);

/* "dir/.name<suffix>" for target "dir/name"; malloc'ed, NULL without memory. */
char *pp_temp_sibling(const char *target, const char *suffix);
/* The directory part of a path ("." for a bare name); malloc'ed. */
char *pp_path_dirname(const char *path);

#endif

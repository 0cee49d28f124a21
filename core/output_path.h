/* An output file before it is written: checked before any work is done, a
 * symlink followed to its target, and one writer at a time.
 *
 * Symlinks: an output that is a symlink is written through to the file it
 * points to (the link stays a link); a dangling link is refused. Non-regular
 * outputs (directories, FIFOs, devices) are refused.
 * Writers: a claim takes an flock on `.<name>.pp-lock` beside the (resolved)
 * output; a second process claiming the same output is refused until the
 * first releases it. Claims by one process nest. */
#ifndef PP_OUTPUT_PATH_H
#define PP_OUTPUT_PATH_H

#include "status.h"

/* The path to write: `path` itself, or the target of the symlink it is.
 * malloc'ed into *resolved. */
pp_status pp_output_resolve(const char *path, char **resolved, pp_error *err);

/* Checks that `path` can be written (the directory exists and takes a new
 * file: a probe temp file is made and removed), removes stale temp files of
 * ours in that directory, and claims the output until pp_output_release. */
pp_status pp_output_claim(const char *path, pp_error *err);
void pp_output_release(const char *path);
/* Releases every claim this process holds (at exit). */
void pp_output_release_all(void);

#endif

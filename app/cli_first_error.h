/* The first failure among the iterations of a parallel loop that writes an
 * output file (make-c, make-p): core's pp_first_error (first_error.h) plus
 * Ctrl-C (cli_interrupt.h): every iteration stops early once one has failed
 * or Ctrl-C came, and after the loop the file's error is the interrupt or
 * that first failure. */
#ifndef PP_CLI_FIRST_ERROR_H
#define PP_CLI_FIRST_ERROR_H

#include <stdbool.h>

#include "cli_interrupt.h"
#include "first_error.h"
#include "status.h"

/* True when the iteration has nothing to do: one failed, or Ctrl-C came. */
static inline bool pp_cli_first_error_stop(const pp_first_error *f)
{
    return pp_first_error_failed(f) || pp_cli_interrupted();
}

/* After the loop: PP_ERR_CANCELLED ("PATH: interrupted; not written") after
 * Ctrl-C, else the first failure in err, its message after `what` (what
 * was being made); PP_OK when nothing failed. */
static inline pp_status pp_cli_first_error_report(const pp_first_error *f, const char *path, const char *what,
                                                  pp_error *err)
{
    if (pp_cli_interrupted())
        return pp_fail(err, PP_ERR_CANCELLED, "%s: interrupted; not written", path);
    if (f->status)
        return pp_fail(err, f->status, "%s: %s", what, f->err.msg);
    return PP_OK;
}

#endif

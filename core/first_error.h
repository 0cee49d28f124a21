/* The first failure among the iterations of a parallel loop: an iteration that
 * fails keeps its status and message here, the first one wins (later ones are
 * dropped: one clear error, not several), and after the loop the caller
 * returns it. The batch loader (data/batch.c), the stability evaluation
 * (eval/evaluate_p.c) and the command line's make-c/make-p (app/cli_first_error.h,
 * which adds Ctrl-C) share it. */
#ifndef PP_FIRST_ERROR_H
#define PP_FIRST_ERROR_H

#include <stdbool.h>

#include "status.h"

typedef struct {
    pp_status status;
    pp_error err;
} pp_first_error;

/* True once an iteration has failed: the others may skip their work. */
static inline bool pp_first_error_failed(const pp_first_error *f)
{
    return f->status != PP_OK;
}

/* Keeps (s, e) when s failed and no iteration failed before (thread-safe). */
static inline void pp_first_error_keep(pp_first_error *f, pp_status s, const pp_error *e)
{
    if (!s)
        return;
#pragma omp critical(pp_first_error)
    if (!f->status) {
        f->status = s;
        f->err = *e;
    }
}

/* After the loop: the first failure, its message as it was, in err; PP_OK when none. */
static inline pp_status pp_first_error_return(const pp_first_error *f, pp_error *err)
{
    return f->status ? pp_fail(err, f->status, "%s", f->err.msg) : PP_OK;
}

#endif

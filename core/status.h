/* Errors: a status code plus a message naming the file and the problem.
 * Library code never prints or exits; callers decide what to show. */
#ifndef PP_STATUS_H
#define PP_STATUS_H

typedef enum {
    PP_OK = 0,
    PP_ERR_IO,          /* cannot open/read/write a file */
    PP_ERR_FORMAT,      /* file content malformed, truncated or inconsistent */
    PP_ERR_SHAPE,       /* tensor shape or channel count does not fit */
    PP_ERR_NOMEM,       /* allocation failed or a size overflows */
    PP_ERR_ARG,         /* bad argument from the caller / user */
    PP_ERR_UNSUPPORTED, /* valid input we do not handle */
    PP_ERR_CANCELLED,   /* cancel hook asked to stop */
} pp_status;

typedef struct {
    pp_status status;
    char msg[512];
} pp_error;

const char *pp_status_string(pp_status s);

/* Sets err (if non-NULL) and returns s, so callers can `return pp_fail(...)`. */
pp_status pp_fail(pp_error *err, pp_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void pp_error_clear(pp_error *err);
/* err, or local when err is NULL (the caller wants no message), cleared: for
 * code that reads the message it set (`pp_error local; err = pp_error_or(err, &local);`). */
pp_error *pp_error_or(pp_error *err, pp_error *local);

/* Prepends "prefix: " to err's message (e.g. the file name); returns err's status. */
pp_status pp_error_prefix(pp_error *err, const char *prefix);

#endif

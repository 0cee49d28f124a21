#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *pp_status_string(pp_status s)
{
    switch (s) {
    case PP_OK: return "ok";
    case PP_ERR_IO: return "I/O error";
    case PP_ERR_FORMAT: return "bad format";
    case PP_ERR_SHAPE: return "shape mismatch";
    case PP_ERR_NOMEM: return "out of memory";
    case PP_ERR_ARG: return "invalid argument";
    case PP_ERR_UNSUPPORTED: return "unsupported";
    case PP_ERR_CANCELLED: return "cancelled";
    }
    return "unknown error";
}

pp_status pp_fail(pp_error *err, pp_status s, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->status = s;
    }
    return s;
}

void pp_error_clear(pp_error *err)
{
    if (err) {
        err->status = PP_OK;
        err->msg[0] = '\0';
    }
}

pp_error *pp_error_or(pp_error *err, pp_error *local)
{
    if (!err)
        err = local;
    pp_error_clear(err);
    return err;
}

pp_status pp_error_prefix(pp_error *err, const char *prefix)
{
    if (!err)
        return PP_ERR_ARG;
    char old[sizeof err->msg];
    memcpy(old, err->msg, sizeof old);
    if (snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old) >= (int)sizeof err->msg)
        memcpy(err->msg + sizeof err->msg - 4, "...", 4); /* show that it was cut */
    return err->status;
}

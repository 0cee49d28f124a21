#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int pp_cli_threads = 0;

int pp_cli_fail(const pp_error *err)
{
    fprintf(stderr, "pushpull: %s\n", err->msg[0] ? err->msg : pp_status_string(err->status));
    return 1;
}

int pp_cli_failf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("pushpull: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

bool pp_cli_wants_help(const pp_cli_command *cmd, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(cmd->usage, stdout);
            return true;
        }
    }
    return false;
}

int pp_cli_usage_error(const pp_cli_command *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "pushpull %s: ", cmd->name);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see `pushpull %s --help`)\n", cmd->name);
    va_end(ap);
    return 2;
}

bool pp_cli_parse_int(const char *s, long min, long max, long *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool pp_cli_parse_float(const char *s, double *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return false;
    *out = v;
    return true;
}

const char *pp_cli_printable(const char *text, char *buf, size_t len)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        bool c1 = p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f;
        bool escape = *p < 0x20 || *p == 0x7f || c1;
        size_t need = escape ? 4u * (1 + c1) : 1;
        if (o + need + 4 > len) {
            snprintf(buf + o, len - o, "...");
            return buf;
        }
        if (!escape)
            buf[o++] = (char)*p;
        for (int i = 0; escape && i <= c1; i++)
            o += (size_t)snprintf(buf + o, len - o, "\\x%02X", p[i]);
        p += c1;
    }
    buf[o] = '\0';
    return buf;
}

void pp_cli_print_json(json_t *o)
{
    json_dumpf(o, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
    putchar('\n');
    json_decref(o);
}

/* The benchmarks' shared command line: --threads N, --repeats R, --batch B,
 * --case NAME|SUBSTRING (a full case name runs that case alone; anything else,
 * every case whose name contains it: a family such as "effnet" or "224"). */
#ifndef PP_BENCH_OPTIONS_H
#define PP_BENCH_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int threads, repeats, batch;
    const char *only;
    /* every case name of the benchmark, NULL-terminated (the main sets it): a
     * full name must not also pick the cases it is a prefix of ("224_b1", "224_b16") */
    const char *const *cases;
} bench_options;

/* False (after a usage line on stderr) on anything else. */
static inline bool bench_parse(bench_options *o, int argc, char **argv, const char *usage)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            o->threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--repeats") && i + 1 < argc)
            o->repeats = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            o->batch = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--case") && i + 1 < argc)
            o->only = argv[++i];
        else {
            fprintf(stderr, "usage: %s\n", usage);
            return false;
        }
    }
    return true;
}

/* Whether the case NAME runs: every case without --case; only NAME when --case
 * is NAME or another full case name; else when NAME contains --case. */
static inline bool bench_wants(const bench_options *o, const char *name)
{
    if (!o->only)
        return true;
    for (const char *const *c = o->cases; c && *c; c++)
        if (!strcmp(*c, o->only))
            return !strcmp(name, o->only);
    return strstr(name, o->only) != NULL;
}

/* The same for a case that runs on request only (a slow net, or one timed
 * against its own PyTorch script): --case must name its FAMILY, so that
 * "--case 224" or "cifar32" do not pull it in. */
static inline bool bench_wants_on_request(const bench_options *o, const char *name, const char *family)
{
    return o->only && strstr(o->only, family) && bench_wants(o, name);
}

#endif

/* The benchmarks' shared command line: --threads N, --repeats R, --batch B,
 * --case SUBSTRING (run the matching cases only). */
#ifndef PP_BENCH_OPTIONS_H
#define PP_BENCH_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int threads, repeats, batch;
    const char *only;
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

static inline bool bench_wants(const bench_options *o, const char *name)
{
    return !o->only || strstr(name, o->only);
}

#endif

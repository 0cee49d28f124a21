/* Loading the committed .npy fixtures from $PP_FIXTURES. */
#ifndef PP_TEST_FIXTURE_H
#define PP_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "ckpt/npy.h"

static inline const char *fixture_path(const char *sub, const char *name)
{
    static char path[1024];
    const char *root = getenv("PP_FIXTURES");
    /* bounded parts (the compiler checks each call site against the buffer) */
    snprintf(path, sizeof path, "%.600s/%.60s/%.300s", root ? root : "tests/fixtures", sub, name);
    return path;
}

/* Loads a fixture or aborts the test binary: a missing fixture is a broken checkout. */
static inline pp_npy fixture_npy(const char *sub, const char *name)
{
    pp_npy a;
    pp_error err = {0};
    if (pp_npy_load(fixture_path(sub, name), &a, &err) != PP_OK) {
        fprintf(stderr, "fixture: %s\n", err.msg);
        exit(2);
    }
    return a;
}

#endif

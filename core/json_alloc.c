#include "json_alloc.h"

#include <jansson.h>
#include <stdlib.h>

static _Thread_local bool failed;

static void *json_malloc(size_t n)
{
    void *p = malloc(n);
    if (!p)
        failed = true;
    return p;
}

static void json_free(void *p)
{
    free(p);
}

__attribute__((constructor)) static void install(void)
{
    json_set_alloc_funcs(json_malloc, json_free);
}

void pp_json_alloc_reset(void)
{
    failed = false;
}

bool pp_json_alloc_failed(void)
{
    return failed;
}

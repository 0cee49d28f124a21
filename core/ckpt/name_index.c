#include "name_index.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *name_at(const void *base, size_t stride, size_t i)
{
    return *(char *const *)((const char *)base + i * stride);
}

/* FNV-1a: short keys, no adversary gains much from collisions at half load. */
static size_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return (size_t)(h ^ h >> 32);
}

static void insert(size_t *slots, size_t cap, const void *base, size_t stride, size_t pos)
{
    size_t i = hash(name_at(base, stride, pos)) & (cap - 1);
    while (slots[i])
        i = (i + 1) & (cap - 1);
    slots[i] = pos + 1;
}

size_t pp_name_index_find(const pp_name_index *ix, const void *base, size_t stride, size_t count,
                          const char *name)
{
    if (!ix->slots) {
        for (size_t i = 0; i < count; i++)
            if (strcmp(name_at(base, stride, i), name) == 0)
                return i;
        return SIZE_MAX;
    }
    for (size_t i = hash(name) & (ix->cap - 1); ix->slots[i]; i = (i + 1) & (ix->cap - 1)) {
        size_t pos = ix->slots[i] - 1;
        if (pos < count && strcmp(name_at(base, stride, pos), name) == 0)
            return pos;
    }
    return SIZE_MAX;
}

void pp_name_index_rebuild(pp_name_index *ix, const void *base, size_t stride, size_t count)
{
    pp_name_index_free(ix);
    size_t cap = 64;
    while (cap / 2 < count + 1) {
        if (cap > SIZE_MAX / 4 / sizeof(size_t))
            return;
        cap *= 2;
    }
    size_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return;
    for (size_t i = 0; i < count; i++)
        insert(slots, cap, base, stride, i);
    ix->slots = slots;
    ix->cap = cap;
}

void pp_name_index_add(pp_name_index *ix, const void *base, size_t stride, size_t count, size_t pos)
{
    if (!ix->slots || count > ix->cap / 2)
        pp_name_index_rebuild(ix, base, stride, count);
    else
        insert(ix->slots, ix->cap, base, stride, pos);
}

void pp_name_index_free(pp_name_index *ix)
{
    free(ix->slots);
    ix->slots = NULL;
    ix->cap = 0;
}

#include "kernel_cache.h"

#include <stdlib.h>

#include "ops/winograd.h"
#include "tensor.h"

typedef struct {
    const pp_conv_layer *layer;
    float *kernels;
} entry;

struct pp_kernel_cache {
    const pp_model *model;
    uint64_t generation;
    entry *entries;
    int count, capacity;
};

static void drop_entries(pp_kernel_cache *cache)
{
    for (int i = 0; i < cache->count; i++)
        free(cache->entries[i].kernels);
    cache->count = 0;
}

void pp_kernel_cache_free(pp_kernel_cache *cache)
{
    if (!cache)
        return;
    drop_entries(cache);
    free(cache->entries);
    free(cache);
}

const float *pp_kernel_cache_get(pp_kernel_cache **cache_p, const pp_model *m, const pp_conv_layer *c, int threads)
{
    if (!*cache_p && !(*cache_p = calloc(1, sizeof **cache_p)))
        return NULL;
    pp_kernel_cache *cache = *cache_p;
    if (cache->model != m || cache->generation != m->generation) {
        drop_entries(cache);
        cache->model = m;
        cache->generation = m->generation;
    }
    for (int i = 0; i < cache->count; i++)
        if (cache->entries[i].layer == c)
            return cache->entries[i].kernels;
    if (cache->count == cache->capacity) {
        int capacity = cache->capacity ? 2 * cache->capacity : 8;
        entry *grown = realloc(cache->entries, sizeof *grown * (size_t)capacity);
        if (!grown)
            return NULL;
        cache->entries = grown;
        cache->capacity = capacity;
    }
    float *kernels = pp_aligned_alloc(sizeof(float) * pp_winograd_weight_floats(&c->shape));
    if (!kernels)
        return NULL;
    if (!pp_winograd_transform_weights(kernels, c->weight, &c->shape, threads)) {
        free(kernels);
        return NULL;
    }
    cache->entries[cache->count++] = (entry){c, kernels};
    return kernels;
}

#include "state_dict.h"

#include "../file_buffer.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The indexes read a record's name as its first member. */
_Static_assert(offsetof(pp_sd_entry, name) == 0, "pp_sd_entry.name must come first");
_Static_assert(offsetof(pp_meta_entry, key) == 0, "pp_meta_entry.key must come first");

void pp_sd_init(pp_state_dict *sd)
{
    memset(sd, 0, sizeof *sd);
}

void pp_sd_free(pp_state_dict *sd)
{
    if (!sd)
        return;
    for (size_t i = 0; i < sd->count; i++) {
        free(sd->entries[i].name);
        free(sd->entries[i].data);
    }
    for (size_t i = 0; i < sd->meta_count; i++) {
        free(sd->meta[i].key);
        free(sd->meta[i].value);
    }
    free(sd->entries);
    free(sd->meta);
    pp_name_index_free(&sd->names);
    pp_name_index_free(&sd->meta_keys);
    memset(sd, 0, sizeof *sd);
}

size_t pp_dtype_size(pp_dtype d)
{
    return d == PP_DTYPE_I64 ? 8 : 4;
}

const char *pp_dtype_name(pp_dtype d)
{
    return d == PP_DTYPE_I64 ? "int64" : "float32";
}

int64_t pp_sd_entry_numel(const pp_sd_entry *e)
{
    return pp_shape_numel(e->ndim, e->shape);
}

const pp_sd_entry *pp_sd_find(const pp_state_dict *sd, const char *name)
{
    size_t i = pp_name_index_find(&sd->names, sd->entries, sizeof *sd->entries, sd->count, name);
    return i == SIZE_MAX ? NULL : &sd->entries[i];
}

void pp_sd_names_changed(pp_state_dict *sd)
{
    pp_name_index_rebuild(&sd->names, sd->entries, sizeof *sd->entries, sd->count);
}

static size_t meta_find(const pp_state_dict *sd, const char *key)
{
    return pp_name_index_find(&sd->meta_keys, sd->meta, sizeof *sd->meta, sd->meta_count, key);
}

pp_status pp_sd_add(pp_state_dict *sd, const char *name, pp_dtype dtype, int ndim,
                    const int64_t *shape, void *data, pp_error *err)
{
    if (ndim < 0 || ndim > PP_MAX_DIMS) {
        free(data);
        return pp_fail(err, PP_ERR_FORMAT, "tensor '%s' has %d dimensions (at most %d)", name, ndim,
                       PP_MAX_DIMS);
    }
    if (pp_sd_find(sd, name)) {
        free(data);
        return pp_fail(err, PP_ERR_FORMAT, "duplicate tensor name '%s'", name);
    }
    if (sd->count >= PP_SD_MAX_TENSORS) {
        free(data);
        return pp_fail(err, PP_ERR_FORMAT, "more than %d tensors (at '%s')", PP_SD_MAX_TENSORS, name);
    }
    if (sd->count == sd->cap) {
        size_t cap = sd->cap ? sd->cap * 2 : 64;
        pp_sd_entry *e = realloc(sd->entries, cap * sizeof *e);
        if (!e) {
            free(data);
            return pp_fail(err, PP_ERR_NOMEM, "out of memory adding tensor '%s'", name);
        }
        sd->entries = e;
        sd->cap = cap;
    }
    char *copy = strdup(name);
    if (!copy) {
        free(data);
        return pp_fail(err, PP_ERR_NOMEM, "out of memory adding tensor '%s'", name);
    }
    pp_sd_entry *e = &sd->entries[sd->count++];
    memset(e, 0, sizeof *e);
    e->name = copy;
    e->dtype = dtype;
    e->ndim = ndim;
    if (ndim > 0) /* scalars may come with no shape array */
        memcpy(e->shape, shape, (size_t)ndim * sizeof *shape);
    e->data = data;
    pp_name_index_add(&sd->names, sd->entries, sizeof *sd->entries, sd->count, sd->count - 1);
    return PP_OK;
}

pp_status pp_sd_add_f32_copy(pp_state_dict *sd, const char *name, int ndim, const int64_t *shape,
                             const float *data, pp_error *err)
{
    int64_t n = pp_shape_numel(ndim, shape);
    size_t bytes;
    if (n < 0 || !pp_mul_size((size_t)n, sizeof(float), &bytes))
        return pp_fail(err, PP_ERR_NOMEM, "tensor '%s' is too large", name);
    float *copy = malloc(bytes ? bytes : 1);
    if (!copy)
        return pp_fail(err, PP_ERR_NOMEM, "out of memory copying tensor '%s'", name);
    memcpy(copy, data, bytes);
    return pp_sd_add(sd, name, PP_DTYPE_F32, ndim, shape, copy, err);
}

pp_status pp_sd_meta_set(pp_state_dict *sd, const char *key, const char *value, pp_error *err)
{
    size_t i = meta_find(sd, key);
    if (i != SIZE_MAX) {
        char *v = strdup(value);
        if (!v)
            return pp_fail(err, PP_ERR_NOMEM, "out of memory");
        free(sd->meta[i].value);
        sd->meta[i].value = v;
        return PP_OK;
    }
    if (sd->meta_count >= PP_SD_MAX_META)
        return pp_fail(err, PP_ERR_FORMAT, "more than %d metadata entries (at '%.200s')", PP_SD_MAX_META, key);
    if (sd->meta_count == sd->meta_cap) {
        size_t cap = sd->meta_cap ? sd->meta_cap * 2 : 16;
        pp_meta_entry *m = realloc(sd->meta, cap * sizeof *m);
        if (!m)
            return pp_fail(err, PP_ERR_NOMEM, "out of memory");
        sd->meta = m;
        sd->meta_cap = cap;
    }
    char *k = strdup(key), *v = strdup(value);
    if (!k || !v) {
        free(k);
        free(v);
        return pp_fail(err, PP_ERR_NOMEM, "out of memory");
    }
    sd->meta[sd->meta_count].key = k;
    sd->meta[sd->meta_count].value = v;
    sd->meta_count++;
    pp_name_index_add(&sd->meta_keys, sd->meta, sizeof *sd->meta, sd->meta_count, sd->meta_count - 1);
    return PP_OK;
}

bool pp_sd_meta_is_source(const char *key)
{
    return strncmp(key, PP_SD_SOURCE_META, sizeof PP_SD_SOURCE_META - 1) == 0;
}

const char *pp_sd_meta_get(const pp_state_dict *sd, const char *key)
{
    size_t i = meta_find(sd, key);
    return i == SIZE_MAX ? NULL : sd->meta[i].value;
}

const char *pp_sd_strip_common_prefix(pp_state_dict *sd)
{
    static _Thread_local char prefix[128];
    prefix[0] = '\0';
    if (sd->count == 0)
        return prefix;
    /* Candidate: everything up to and including the first '.' of the first key,
     * accepted only if every key starts with it and the rest still has a dot
     * (so "conv1.weight" is never stripped to "weight"). */
    const char *first = sd->entries[0].name;
    const char *dot = strchr(first, '.');
    if (!dot || (size_t)(dot - first + 1) >= sizeof prefix)
        return prefix;
    size_t len = (size_t)(dot - first + 1);
    static const char *known_roots[] = {"conv1.", "bn.", "bn1.", "layer1.", "classifier.", "fc.", NULL};
    for (int i = 0; known_roots[i]; i++)
        if (strncmp(first, known_roots[i], strlen(known_roots[i])) == 0)
            return prefix;
    for (size_t i = 0; i < sd->count; i++) {
        const char *n = sd->entries[i].name;
        if (strncmp(n, first, len) != 0 || !strchr(n + len, '.'))
            return prefix;
    }
    memcpy(prefix, first, len);
    prefix[len] = '\0';
    for (size_t i = 0; i < sd->count; i++) {
        char *n = sd->entries[i].name;
        memmove(n, n + len, strlen(n + len) + 1);
    }
    pp_sd_names_changed(sd);
    return prefix;
}

pp_status pp_sd_load_mapped(const char *path, pp_sd_parse_fn parse, pp_state_dict *sd, pp_error *err)
{
    pp_sd_init(sd);
    pp_file_map map;
    pp_status st = pp_file_map_open(&map, path, err);
    if (st != PP_OK)
        return st;
    st = parse(map.data, map.size, path, sd, err);
    pp_file_map_close(&map);
    return st;
}

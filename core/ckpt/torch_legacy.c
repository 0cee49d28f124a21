#include "torch_legacy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pickle.h"
#include "torch_object.h"

#define LEGACY_PROTOCOL_VERSION 1001

static const uint8_t magic[] = {0x8a, 0x0a, /* LONG1, 10 bytes: */
                                0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};

bool pp_torch_legacy_detect(const uint8_t *head, size_t n)
{
    if (n < 2 || head[0] != 0x80 || head[1] < 2 || head[1] > 5)
        return false;
    size_t p = 2;
    if (n > p && head[p] == 0x95) /* FRAME (protocol 4 and 5) */
        p += 9;
    return n >= p + sizeof magic && memcmp(head + p, magic, sizeof magic) == 0;
}

/* One storage the main pickle named, and where its bytes are. */
typedef struct {
    char key[72];
    pp_raw_dtype dtype;
    int64_t numel;
    size_t data_offset; /* of the first element, once the key list is read */
    bool listed;
} storage_rec;

typedef struct {
    const uint8_t *buf;
    size_t len;
    const char *name;
    storage_rec *recs; /* in the order first named; sorted by key after the main pickle */
    size_t count, cap;
    bool sorted;
} legacy;

static int cmp_rec(const void *a, const void *b)
{
    return strcmp(((const storage_rec *)a)->key, ((const storage_rec *)b)->key);
}

static storage_rec *find_rec(legacy *lg, const char *key)
{
    if (lg->sorted && lg->count) {
        storage_rec probe;
        snprintf(probe.key, sizeof probe.key, "%s", key);
        return bsearch(&probe, lg->recs, lg->count, sizeof *lg->recs, cmp_rec);
    }
    return NULL;
}

/* Persistent-id hook of the main pickle: remembers each storage. A key named
 * again must agree (two tensors viewing one storage). The pickle is parsed
 * once, so the table is searched linearly only while small; past that the
 * duplicates are found after sorting. */
static pp_status note_storage(void *user, const char *key, pp_raw_dtype dtype, int64_t numel,
                              pp_error *err)
{
    legacy *lg = user;
    size_t scan = lg->count < 64 ? lg->count : 64;
    for (size_t i = lg->count - scan; i < lg->count; i++) {
        if (strcmp(lg->recs[i].key, key) != 0)
            continue;
        if (lg->recs[i].dtype != dtype || lg->recs[i].numel != numel)
            return pp_fail(err, PP_ERR_FORMAT,
                           "%s: storage '%s' is named twice with different types or sizes (%lld "
                           "and %lld elements)",
                           lg->name, key, (long long)lg->recs[i].numel, (long long)numel);
        return PP_OK;
    }
    if (lg->count >= PP_TORCH_LEGACY_MAX_STORAGES)
        return pp_fail(err, PP_ERR_FORMAT, "%s: the pickle names more than %d storages", lg->name,
                       PP_TORCH_LEGACY_MAX_STORAGES);
    if (lg->count == lg->cap) {
        size_t cap = lg->cap ? lg->cap * 2 : 64;
        storage_rec *r = realloc(lg->recs, cap * sizeof *r);
        if (!r)
            return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory", lg->name);
        lg->recs = r;
        lg->cap = cap;
    }
    storage_rec *r = &lg->recs[lg->count++];
    memset(r, 0, sizeof *r);
    snprintf(r->key, sizeof r->key, "%s", key); /* keys are at most 64 characters (pickle.c) */
    r->dtype = dtype;
    r->numel = numel;
    return PP_OK;
}

/* Sorts the table and merges repeats found beyond the linear scan. */
static pp_status index_storages(legacy *lg, pp_error *err)
{
    lg->sorted = true;
    if (!lg->count)
        return PP_OK; /* a file of plain numbers names no storage */
    qsort(lg->recs, lg->count, sizeof *lg->recs, cmp_rec);
    size_t out = 0;
    for (size_t i = 0; i < lg->count; i++) {
        if (out && strcmp(lg->recs[out - 1].key, lg->recs[i].key) == 0) {
            if (lg->recs[out - 1].dtype != lg->recs[i].dtype ||
                lg->recs[out - 1].numel != lg->recs[i].numel)
                return pp_fail(err, PP_ERR_FORMAT,
                               "%s: storage '%s' is named twice with different types or sizes",
                               lg->name, lg->recs[i].key);
            continue;
        }
        lg->recs[out++] = lg->recs[i];
    }
    lg->count = out;
    return PP_OK;
}

static pp_status no_storage(void *user, const char *key, pp_raw_dtype dtype, int64_t numel,
                            pp_error *err)
{
    (void)dtype, (void)numel;
    return pp_fail(err, PP_ERR_FORMAT, "%s: storage '%s' named outside the main pickle",
                   ((legacy *)user)->name, key);
}

/* The pickle at *pos: parsed, and *pos moved past its STOP. */
static pp_status next_pickle(legacy *lg, size_t *pos, const char *what, pp_pickle_storage_fn fn,
                             pp_pickle **pk, const pp_pv **root, pp_error *err)
{
    char pname[600];
    snprintf(pname, sizeof pname, "%s: %s (from byte %zu)", lg->name, what, *pos);
    if (*pos >= lg->len)
        return pp_fail(err, PP_ERR_FORMAT, "%s: truncated: the file ends before the %s", lg->name,
                       what);
    size_t avail = lg->len - *pos, used = 0;
    if (avail > PP_PICKLE_MAX_BYTES)
        avail = PP_PICKLE_MAX_BYTES;
    pp_status s = pp_pickle_parse_prefix(lg->buf + *pos, avail, pname, fn, lg, pk, root, &used, err);
    if (s == PP_OK)
        *pos += used;
    return s;
}

/* The three small pickles before the object: magic, version, sys_info. */
static pp_status read_header(legacy *lg, size_t *pos, pp_error *err)
{
    static const char *what[] = {"magic number", "protocol version", "sys_info"};
    for (int i = 0; i < 3; i++) {
        pp_pickle *pk;
        const pp_pv *v;
        pp_status s = next_pickle(lg, pos, what[i], no_storage, &pk, &v, err);
        if (s != PP_OK)
            return s;
        char d[128];
        if (i == 1 && (v->kind != PP_PV_INT || v->u.i != LEGACY_PROTOCOL_VERSION)) {
            if (v->kind == PP_PV_INT)
                snprintf(d, sizeof d, "%lld", (long long)v->u.i);
            else
                pp_pv_describe(v, d, sizeof d);
            s = pp_fail(err, PP_ERR_UNSUPPORTED,
                        "%s: legacy PyTorch file with protocol version %s (only %d is known)",
                        lg->name, d, LEGACY_PROTOCOL_VERSION);
        } else if (i == 2) {
            const pp_pv *le = pp_pv_dict_get(v, "little_endian");
            if (v->kind != PP_PV_DICT)
                s = pp_fail(err, PP_ERR_FORMAT, "%s: sys_info is %s, not a dict", lg->name,
                            pp_pv_describe(v, d, sizeof d));
            else if (le && le->kind == PP_PV_BOOL && !le->u.b)
                s = pp_fail(err, PP_ERR_UNSUPPORTED,
                            "%s: written on a big-endian machine (sys_info little_endian=False); "
                            "only little-endian files are read",
                            lg->name);
        }
        pp_pickle_free(pk);
        if (s != PP_OK)
            return s;
    }
    return PP_OK;
}

/* The key list and the raw storages after it: every listed key must be one
 * the pickle named, once; every named key must be listed; each record's
 * count must match and its bytes lie inside the file. */
static pp_status read_storage_data(legacy *lg, size_t *pos, pp_error *err)
{
    pp_pickle *pk;
    const pp_pv *keys;
    pp_status s = next_pickle(lg, pos, "storage key list", no_storage, &pk, &keys, err);
    if (s != PP_OK)
        return s;
    char d[128];
    if (keys->kind != PP_PV_LIST && keys->kind != PP_PV_TUPLE)
        s = pp_fail(err, PP_ERR_FORMAT, "%s: the storage key list is %s, not a list", lg->name,
                    pp_pv_describe(keys, d, sizeof d));
    for (size_t i = 0; s == PP_OK && i < keys->u.seq.len; i++) {
        const pp_pv *k = keys->u.seq.items[i];
        storage_rec *r = k->kind == PP_PV_STR ? find_rec(lg, k->u.str.s) : NULL;
        size_t at = *pos;
        if (k->kind != PP_PV_STR) {
            s = pp_fail(err, PP_ERR_FORMAT, "%s: storage key %zu is %s, not a string", lg->name, i,
                        pp_pv_describe(k, d, sizeof d));
        } else if (!r) {
            s = pp_fail(err, PP_ERR_FORMAT,
                        "%s: the storage key list names '%.64s', which no tensor uses", lg->name,
                        k->u.str.s);
        } else if (r->listed) {
            s = pp_fail(err, PP_ERR_FORMAT, "%s: storage '%s' is listed twice", lg->name, r->key);
        } else if (lg->len - at < 8) {
            s = pp_fail(err, PP_ERR_FORMAT,
                        "%s: truncated: byte %zu: the file ends before storage '%s' (%zu of %zu "
                        "storages read)",
                        lg->name, at, r->key, i, keys->u.seq.len);
        } else {
            uint64_t count = 0;
            for (int b = 7; b >= 0; b--)
                count = count << 8 | lg->buf[at + (size_t)b];
            size_t esize = pp_raw_dtype_size(r->dtype);
            if (count != (uint64_t)r->numel)
                s = pp_fail(err, PP_ERR_FORMAT,
                            "%s: byte %zu: storage '%s' records %llu elements but the pickle "
                            "declares %lld",
                            lg->name, at, r->key, (unsigned long long)count, (long long)r->numel);
            else if (count > (lg->len - at - 8) / esize)
                s = pp_fail(err, PP_ERR_FORMAT,
                            "%s: truncated: byte %zu: storage '%s' of %llu x %zu bytes runs past "
                            "the end of the file (%zu bytes)",
                            lg->name, at, r->key, (unsigned long long)count, esize, lg->len);
            else {
                r->listed = true;
                r->data_offset = at + 8;
                *pos = at + 8 + (size_t)count * esize;
            }
        }
    }
    for (size_t i = 0; s == PP_OK && i < lg->count; i++)
        if (!lg->recs[i].listed)
            s = pp_fail(err, PP_ERR_FORMAT,
                        "%s: storage '%s' is used by a tensor but missing from the storage key "
                        "list (its bytes are not in the file)",
                        lg->name, lg->recs[i].key);
    pp_pickle_free(pk);
    return s;
}

static pp_status read_storage(void *user, const pp_pv *st, void *dst, size_t bytes, pp_error *err)
{
    legacy *lg = user;
    storage_rec *r = find_rec(lg, st->u.storage.key);
    /* The table was checked against the pickle: a miss is a bug, not input. */
    if (!r || r->dtype != st->u.storage.dtype ||
        bytes != (size_t)r->numel * pp_raw_dtype_size(r->dtype))
        return pp_fail(err, PP_ERR_FORMAT, "%s: storage '%s' does not match its record", lg->name,
                       st->u.storage.key);
    memcpy(dst, lg->buf + r->data_offset, bytes);
    return PP_OK;
}

pp_status pp_torch_legacy_load_buffer(const uint8_t *buf, size_t len, const char *name,
                                      pp_state_dict *sd, pp_error *err)
{
    pp_sd_init(sd);
    pp_error local;
    err = pp_error_or(err, &local);
    if (!pp_torch_legacy_detect(buf, len))
        return pp_fail(err, PP_ERR_FORMAT, "%s: not a legacy PyTorch file (no magic number)", name);
    legacy lg = {.buf = buf, .len = len, .name = name};
    size_t pos = 0;
    pp_pickle *pk = NULL;
    const pp_pv *root = NULL;
    pp_status s = read_header(&lg, &pos, err);
    size_t main_start = pos;
    if (s == PP_OK)
        s = next_pickle(&lg, &pos, "main pickle", note_storage, &pk, &root, err);
    size_t pickle_len = pos - main_start;
    if (s == PP_OK)
        s = index_storages(&lg, err);
    if (s == PP_OK)
        s = read_storage_data(&lg, &pos, err);
    if (s == PP_OK) {
        pp_torch_source src = {.name = name, .format = "torch legacy (pre-1.6)",
                               .pickle_len = pickle_len, .file_size = len, .read = read_storage,
                               .user = &lg};
        s = pp_torch_object_load(&src, root, sd, err);
    }
    pp_pickle_free(pk);
    free(lg.recs);
    return s;
}

pp_status pp_torch_legacy_load(const char *path, pp_state_dict *sd, pp_error *err)
{
    return pp_sd_load_mapped(path, pp_torch_legacy_load_buffer, sd, err);
}

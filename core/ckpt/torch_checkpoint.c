#include "torch_checkpoint.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../file_buffer.h"
#include "../json_alloc.h"
#include "pickle.h"
#include "torch_tensor.h"
#include "torch_zip.h"

/* Nested hyper-parameters become JSON up to this size; longer ones are left out. */
#define MAX_META_JSON ((size_t)64 << 10)

typedef struct {
    pp_torch_zip *zip;
    const char *name;
} loader;

/* Persistent-id hook: data/<key> must exist and hold exactly numel elements. */
static pp_status check_storage(void *user, const char *key, pp_raw_dtype dtype, int64_t numel,
                               pp_error *err)
{
    loader *L = user;
    char rel[96];
    snprintf(rel, sizeof rel, "data/%s", key);
    uint64_t size;
    pp_status s = pp_torch_zip_entry_size(L->zip, rel, &size, err);
    if (s != PP_OK)
        return s;
    uint64_t want = (uint64_t)numel * pp_raw_dtype_size(dtype); /* checked by the caller */
    if (size != want)
        return pp_fail(err, PP_ERR_FORMAT,
                       "%s: storage '%s%s' holds %llu bytes but the pickle declares %lld "
                       "elements of %zu bytes",
                       L->name, pp_torch_zip_prefix(L->zip), rel, (unsigned long long)size,
                       (long long)numel, pp_raw_dtype_size(dtype));
    return PP_OK;
}

/* ---- hyper-parameters -> metadata strings ---- */

/* The pickle is a graph: a memoised list can be referenced many times, and
 * nesting such lists doubles the tree at every level ("billion laughs": 1 KB
 * of pickle, 2^40 nodes as JSON). So a value is first measured, walking the
 * graph without allocating and stopping at the budget, and only then built.
 * Without sharing every node and every string byte comes from at least one
 * byte of the pickle, so all hyper-parameters together may cost the pickle's
 * size plus some slack; past that the file is refused. A value that is merely
 * long (more than MAX_META_JSON) is left out, as before. */
#define EXPANSION_SLACK ((size_t)4 << 10)

/* Spends v's tree size from *left; false when it does not fit (or nests
 * deeper than any pickle may: a list that holds itself). */
static bool measure(const pp_pv *v, unsigned depth, size_t *left)
{
    size_t cost = 1 + (v->kind == PP_PV_STR ? v->u.str.len : 0);
    if (cost > *left || depth > PP_PICKLE_MAX_DEPTH)
        return false;
    *left -= cost;
    switch (v->kind) {
    case PP_PV_TUPLE:
    case PP_PV_LIST:
    case PP_PV_SET:
        for (size_t i = 0; i < v->u.seq.len; i++)
            if (!measure(v->u.seq.items[i], depth + 1, left))
                return false;
        return true;
    case PP_PV_DICT:
        for (size_t i = 0; i < v->u.dict.len; i++)
            if (!measure(v->u.dict.keys[i], depth + 1, left) ||
                !measure(v->u.dict.vals[i], depth + 1, left))
                return false;
        return true;
    default: return true;
    }
}

static json_t *to_json(const pp_pv *v, unsigned depth)
{
    if (depth > PP_PICKLE_MAX_DEPTH)
        return NULL;
    char d[256];
    switch (v->kind) {
    case PP_PV_NONE: return json_null();
    case PP_PV_BOOL: return json_boolean(v->u.b);
    case PP_PV_INT: return json_integer(v->u.i);
    case PP_PV_FLOAT: {
        json_t *r = json_real(v->u.f); /* NULL for nan/inf */
        return r ? r : json_null();
    }
    case PP_PV_STR: return json_stringn(v->u.str.s, v->u.str.len);
    case PP_PV_TUPLE:
    case PP_PV_LIST:
    case PP_PV_SET: {
        json_t *a = json_array();
        for (size_t i = 0; a && i < v->u.seq.len; i++) {
            json_t *e = to_json(v->u.seq.items[i], depth + 1);
            if (!e || json_array_append_new(a, e) != 0) {
                json_decref(a);
                return NULL;
            }
        }
        return a;
    }
    case PP_PV_DICT: {
        json_t *o = json_object();
        for (size_t i = 0; o && i < v->u.dict.len; i++) {
            const pp_pv *k = v->u.dict.keys[i];
            char kbuf[64];
            const char *key = kbuf;
            if (k->kind == PP_PV_STR)
                key = k->u.str.s;
            else if (k->kind == PP_PV_INT)
                snprintf(kbuf, sizeof kbuf, "%lld", (long long)k->u.i);
            else
                pp_pv_describe(k, kbuf, sizeof kbuf);
            json_t *e = to_json(v->u.dict.vals[i], depth + 1);
            if (!e || json_object_set_new(o, key, e) != 0) {
                json_decref(o);
                return NULL;
            }
        }
        return o;
    }
    case PP_PV_TENSOR: {
        char sh[128];
        snprintf(d, sizeof d, "<tensor %s>",
                 pp_shape_string(v->u.tensor.ndim, v->u.tensor.size, sh, sizeof sh));
        return json_string(d);
    }
    default: {
        char what[200];
        snprintf(d, sizeof d, "<%s>", pp_pv_describe(v, what, sizeof what));
        return json_string(d);
    }
    }
}

/* One hyper-parameter as the string the metadata holds; NULL to leave it out
 * (*amplified set when it expands past *budget). */
static char *meta_string(const pp_pv *v, size_t *budget, bool *amplified)
{
    char buf[64];
    switch (v->kind) {
    case PP_PV_NONE: return strdup("null");
    case PP_PV_BOOL: return strdup(v->u.b ? "true" : "false");
    case PP_PV_INT:
        snprintf(buf, sizeof buf, "%lld", (long long)v->u.i);
        return strdup(buf);
    case PP_PV_FLOAT:
        snprintf(buf, sizeof buf, "%.9g", v->u.f);
        return strdup(buf);
    case PP_PV_STR: return strdup(v->u.str.s);
    default: {
        size_t before = *budget;
        if (!measure(v, 0, budget)) {
            *amplified = true;
            return NULL;
        }
        if (before - *budget > MAX_META_JSON) /* the size is a lower bound of the JSON's */
            return NULL;
        json_t *j = to_json(v, 0);
        if (!j)
            return NULL;
        char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
        json_decref(j);
        if (s && strlen(s) > MAX_META_JSON) {
            free(s);
            return NULL;
        }
        return s;
    }
    }
}

static pp_status add_meta(pp_state_dict *sd, const char *key, const pp_pv *v, size_t *budget,
                          pp_error *err)
{
    bool amplified = false;
    pp_json_alloc_reset();
    char *s = meta_string(v, budget, &amplified);
    if (amplified)
        return pp_fail(err, PP_ERR_FORMAT,
                       "hyper-parameter '%.200s' expands to more than the pickle's own size: "
                       "shared (memoised) values nested to multiply themselves",
                       key);
    /* Scalars are strdup'd: NULL is out of memory; so is NULL or a result after
     * a failed jansson allocation (which may have dropped characters). */
    bool scalar = v->kind == PP_PV_NONE || v->kind == PP_PV_BOOL || v->kind == PP_PV_INT ||
                  v->kind == PP_PV_FLOAT || v->kind == PP_PV_STR;
    if ((!s && scalar) || pp_json_alloc_failed()) {
        free(s);
        return pp_fail(err, PP_ERR_NOMEM, "out of memory reading hyper-parameter '%.200s'", key);
    }
    if (!s)
        return PP_OK; /* too deep or too long to be a setting we use */
    pp_status st = pp_sd_meta_set(sd, key, s, err);
    free(s);
    return st;
}

static pp_status hyper_parameters(pp_state_dict *sd, const pp_pv *hp, size_t *budget, pp_error *err)
{
    if (!hp || hp->kind != PP_PV_DICT)
        return PP_OK; /* absent, None, or an unsupported container: nothing to use */
    for (size_t i = 0; i < hp->u.dict.len; i++) {
        const pp_pv *k = hp->u.dict.keys[i];
        if (k->kind != PP_PV_STR || strlen(k->u.str.s) != k->u.str.len || k->u.str.len == 0)
            continue;
        pp_status s = add_meta(sd, k->u.str.s, hp->u.dict.vals[i], budget, err);
        if (s != PP_OK)
            return s;
    }
    return PP_OK;
}

/* ---- tensors ---- */

typedef struct {
    const char *key;
    size_t index; /* in the state dict */
} key_ref;

static int cmp_key_ref(const void *a, const void *b)
{
    return strcmp(((const key_ref *)a)->key, ((const key_ref *)b)->key);
}

/* A plain Python number where a tensor belongs: the reference repository's
 * misc/modify_ckpt.py writes state_dict['conv1.pull_inhibition_strength'] = 1.0
 * to fix alpha. It becomes a 0-d tensor (float32, or int64 for int and bool). */
static bool is_number(const pp_pv *v)
{
    return v->kind == PP_PV_FLOAT || v->kind == PP_PV_INT || v->kind == PP_PV_BOOL;
}

static pp_status add_number(pp_state_dict *sd, const char *name, const pp_pv *v, pp_error *err)
{
    bool real = v->kind == PP_PV_FLOAT;
    void *data = malloc(real ? sizeof(float) : sizeof(int64_t));
    if (!data)
        return pp_fail(err, PP_ERR_NOMEM, "out of memory adding '%s'", name);
    if (real)
        *(float *)data = (float)v->u.f;
    else
        *(int64_t *)data = v->kind == PP_PV_INT ? v->u.i : v->u.b;
    return pp_sd_add(sd, name, real ? PP_DTYPE_F32 : PP_DTYPE_I64, 0, NULL, data, err);
}

/* Storages read so far that another tensor will use again. */
typedef struct {
    const char *key;
    uint8_t *data;
} cached_storage;

static pp_status load_tensors(loader *L, const pp_pv *dict, pp_state_dict *sd, uint64_t budget,
                              pp_error *err)
{
    size_t n = dict->u.dict.len;
    if (n > PP_TORCH_MAX_TENSORS)
        return pp_fail(err, PP_ERR_FORMAT, "%s: state dict holds %zu entries (at most %d)",
                       L->name, n, PP_TORCH_MAX_TENSORS);
    /* Check every entry before reading any storage. */
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const pp_pv *k = dict->u.dict.keys[i], *v = dict->u.dict.vals[i];
        char d[256];
        if (k->kind != PP_PV_STR || strlen(k->u.str.s) != k->u.str.len || k->u.str.len == 0)
            return pp_fail(err, PP_ERR_FORMAT, "%s: state dict key %zu is %s, not a name", L->name,
                           i, pp_pv_describe(k, d, sizeof d));
        if (is_number(v))
            continue;
        if (v->kind != PP_PV_TENSOR)
            return pp_fail(err, PP_ERR_FORMAT, "%s: state dict entry '%.200s' is %s, not a tensor",
                           L->name, k->u.str.s, pp_pv_describe(v, d, sizeof d));
        size_t osz = pp_dtype_size(pp_torch_tensor_out_dtype(v->u.tensor.storage->u.storage.dtype));
        if (v->u.tensor.numel > (int64_t)(budget / osz) ||
            (uint64_t)v->u.tensor.numel * osz > budget - total)
            return pp_fail(err, PP_ERR_FORMAT,
                           "%s: tensor '%.200s' would take the state dict past %llu MiB, far "
                           "more than the file could hold",
                           L->name, k->u.str.s, (unsigned long long)(budget >> 20));
        total += (uint64_t)v->u.tensor.numel * osz;
    }
    key_ref *refs = malloc((n ? n : 1) * sizeof *refs);
    cached_storage *cache = calloc(n ? n : 1, sizeof *cache);
    size_t ncache = 0;
    uint64_t cached_bytes = 0;
    if (!refs || !cache) {
        free(refs);
        free(cache);
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory", L->name);
    }
    size_t nrefs = 0;
    for (size_t i = 0; i < n; i++)
        if (!is_number(dict->u.dict.vals[i]))
            refs[nrefs++] = (key_ref){dict->u.dict.vals[i]->u.tensor.storage->u.storage.key, i};
    qsort(refs, nrefs, sizeof *refs, cmp_key_ref);

    pp_status s = PP_OK;
    for (size_t i = 0; i < n && s == PP_OK; i++) {
        const char *name = dict->u.dict.keys[i]->u.str.s;
        if (is_number(dict->u.dict.vals[i])) {
            s = add_number(sd, name, dict->u.dict.vals[i], err);
            if (s != PP_OK)
                pp_error_prefix(err, L->name);
            continue;
        }
        const pp_pv_tensor *t = &dict->u.dict.vals[i]->u.tensor;
        const pp_pv *st = t->storage;
        key_ref probe = {st->u.storage.key, 0};
        key_ref *r = bsearch(&probe, refs, nrefs, sizeof *refs, cmp_key_ref);
        /* A neighbour with the same key in sorted order: the storage is shared. */
        bool shared = (r > refs && strcmp(r[-1].key, probe.key) == 0) ||
                      (r + 1 < refs + nrefs && strcmp(r[1].key, probe.key) == 0);
        size_t bytes = (size_t)st->u.storage.numel * pp_raw_dtype_size(st->u.storage.dtype);
        uint8_t *data = NULL;
        for (size_t c = 0; c < ncache; c++)
            if (strcmp(cache[c].key, probe.key) == 0)
                data = cache[c].data;
        bool cached = data != NULL;
        /* A deflated storage can claim far more than the file; the bytes
         * read and kept stay within the same budget as the tensors. */
        if (!data && (bytes > budget || (shared && bytes > budget - cached_bytes))) {
            s = pp_fail(err, PP_ERR_FORMAT,
                        "%s: storage '%s' for '%s' (%zu bytes) exceeds the %llu MiB read budget",
                        L->name, st->u.storage.key, name, bytes,
                        (unsigned long long)(budget >> 20));
            break;
        }
        if (!data) {
            char rel[96];
            snprintf(rel, sizeof rel, "data/%s", st->u.storage.key);
            data = pp_torch_tensor_alloc(bytes);
            if (!data) {
                s = pp_fail(err, PP_ERR_NOMEM, "%s: cannot allocate %zu bytes for '%s'", L->name,
                            bytes, name);
                break;
            }
            s = pp_torch_zip_read(L->zip, rel, data, bytes, err);
            if (s != PP_OK) {
                free(data);
                break;
            }
            if (shared) {
                cache[ncache].key = st->u.storage.key;
                cache[ncache].data = data;
                ncache++;
                cached_bytes += bytes;
                cached = true;
            }
        }
        void *out;
        pp_dtype odt = pp_torch_tensor_out_dtype(st->u.storage.dtype);
        if (!cached && pp_torch_tensor_is_whole_storage(t)) {
            out = data; /* the storage is the tensor: no copy */
        } else {
            s = pp_torch_tensor_copy(t, data, &out, err);
            if (!cached)
                free(data);
            if (s != PP_OK) {
                pp_error_prefix(err, L->name);
                break;
            }
        }
        s = pp_sd_add(sd, name, odt, t->ndim, t->size, out, err);
        if (s != PP_OK)
            pp_error_prefix(err, L->name);
    }
    for (size_t c = 0; c < ncache; c++)
        free(cache[c].data);
    free(cache);
    free(refs);
    return s;
}

/* ---- the checkpoint ---- */

static pp_status load_archive(pp_torch_zip *zip, const char *name, uint64_t file_size,
                              pp_state_dict *out, pp_error *err)
{
    loader L = {.zip = zip, .name = name};
    uint8_t *pkl = NULL;
    size_t pkl_len = 0;
    pp_status s = pp_torch_zip_read_alloc(zip, "data.pkl", PP_PICKLE_MAX_BYTES, &pkl, &pkl_len, err);
    if (s != PP_OK)
        return s;
    char pname[600];
    snprintf(pname, sizeof pname, "%s: %sdata.pkl", name, pp_torch_zip_prefix(zip));
    pp_pickle *pk = NULL;
    const pp_pv *root = NULL;
    s = pp_pickle_parse(pkl, pkl_len, pname, check_storage, &L, &pk, &root, err);
    size_t hp_budget = pkl_len + EXPANSION_SLACK;
    free(pkl);
    if (s != PP_OK)
        return s;

    pp_state_dict sd;
    pp_sd_init(&sd);
    char d[256];
    const pp_pv *tensors = root, *hp = NULL;
    if (root->kind != PP_PV_DICT) {
        s = pp_fail(err, PP_ERR_FORMAT, "%s: the checkpoint holds %s, not a dict of tensors", name,
                    pp_pv_describe(root, d, sizeof d));
        goto done;
    }
    const pp_pv *lightning_sd = pp_pv_dict_get(root, "state_dict");
    if (lightning_sd) {
        if (lightning_sd->kind != PP_PV_DICT) {
            s = pp_fail(err, PP_ERR_FORMAT, "%s: 'state_dict' is %s, not a dict", name,
                        pp_pv_describe(lightning_sd, d, sizeof d));
            goto done;
        }
        tensors = lightning_sd;
        hp = pp_pv_dict_get(root, "hyper_parameters");
    }
    if (tensors->u.dict.len == 0) {
        s = pp_fail(err, PP_ERR_FORMAT, "%s: the state dict is empty", name);
        goto done;
    }
    /* Generous: f16 doubles, int8 grows eightfold; views may repeat elements. */
    uint64_t budget = file_size * 8 + ((uint64_t)64 << 20);
    s = load_tensors(&L, tensors, &sd, budget, err);
    if (s == PP_OK && (s = hyper_parameters(&sd, hp, &hp_budget, err)) != PP_OK)
        pp_error_prefix(err, name);
    if (s == PP_OK && lightning_sd) {
        static const char *extra[] = {"epoch", "global_step", NULL};
        for (int i = 0; extra[i] && s == PP_OK; i++) {
            const pp_pv *v = pp_pv_dict_get(root, extra[i]);
            if (v && v->kind == PP_PV_INT && !pp_sd_meta_get(&sd, extra[i]))
                s = add_meta(&sd, extra[i], v, &hp_budget, err);
        }
    }
    if (s == PP_OK)
        pp_sd_strip_common_prefix(&sd);
done:
    pp_pickle_free(pk);
    if (s != PP_OK) {
        pp_sd_free(&sd);
        return s;
    }
    *out = sd;
    return PP_OK;
}

/* Names what a non-zip file is, for the refusal. */
static pp_status not_zip(const uint8_t *head, size_t n, const char *name, pp_error *err)
{
    static const uint8_t legacy_magic[] = {0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9,
                                           0x20, 0x6a, 0xa8, 0x50, 0x19};
    if (n >= 2 + sizeof legacy_magic && head[0] == 0x80 &&
        memcmp(head + 2, legacy_magic, sizeof legacy_magic) == 0)
        return pp_fail(err, PP_ERR_UNSUPPORTED,
                       "%s: legacy PyTorch format (torch < 1.6, non-zip serialization) is not "
                       "supported; re-save it with a current torch.save or convert it to "
                       "safetensors",
                       name);
    if (n >= 2 && head[0] == 0x80 && head[1] <= 5)
        return pp_fail(err, PP_ERR_UNSUPPORTED,
                       "%s: a bare pickle, not a PyTorch zip checkpoint; re-save it with torch.save",
                       name);
    return pp_fail(err, PP_ERR_FORMAT, "%s: not a PyTorch checkpoint (no zip signature)", name);
}

static bool is_zip(const uint8_t *head, size_t n)
{
    return n >= 4 && head[0] == 'P' && head[1] == 'K' &&
           ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6));
}

pp_status pp_torch_load(const char *path, pp_state_dict *sd, pp_error *err)
{
    pp_sd_init(sd);
    pp_error local;
    if (!err)
        err = &local;
    pp_error_clear(err);
    uint8_t head[16];
    size_t n;
    pp_status s = pp_file_read_head(path, head, sizeof head, &n, err);
    if (s != PP_OK)
        return s;
    if (!is_zip(head, n))
        return not_zip(head, n, path, err);
    pp_torch_zip *zip;
    s = pp_torch_zip_open(path, &zip, err);
    if (s != PP_OK)
        return s;
    s = load_archive(zip, path, pp_torch_zip_archive_size(zip), sd, err);
    pp_torch_zip_close(zip);
    return s;
}

pp_status pp_torch_load_buffer(const uint8_t *buf, size_t len, const char *name,
                               pp_state_dict *sd, pp_error *err)
{
    pp_sd_init(sd);
    pp_error local;
    if (!err)
        err = &local;
    pp_error_clear(err);
    if (!is_zip(buf, len))
        return not_zip(buf, len, name, err);
    pp_torch_zip *zip;
    pp_status s = pp_torch_zip_open_buffer(buf, len, name, &zip, err);
    if (s != PP_OK)
        return s;
    s = load_archive(zip, name, len, sd, err);
    pp_torch_zip_close(zip);
    return s;
}

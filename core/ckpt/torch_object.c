#include "torch_object.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../json_alloc.h"
#include "key_prefix.h"
#include "pickle_text.h"
#include "torch_module.h"
#include "torch_tensor.h"

/* Nested hyper-parameters become JSON up to this size; longer ones are left out. */
#define MAX_META_JSON ((size_t)64 << 10)
/* An inert object as text (metadata value or JSON string). */
#define OBJECT_TEXT_MAX 1024

typedef struct {
    const pp_torch_source *src;
    const char *name;
} loader;

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
    case PP_PV_OBJECT: {
        char text[OBJECT_TEXT_MAX];
        return json_string(pp_pv_text(v, text, sizeof text));
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
    case PP_PV_OBJECT: {
        char text[OBJECT_TEXT_MAX];
        return strdup(pp_pv_text(v, text, sizeof text));
    }
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
                  v->kind == PP_PV_FLOAT || v->kind == PP_PV_STR || v->kind == PP_PV_OBJECT;
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

static bool is_loadable(const pp_pv *v)
{
    return v->kind == PP_PV_TENSOR || is_number(v);
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

/* An entry that is neither a tensor nor a number: plain data is left out
 * (and listed); an object, or plain data holding one, refuses the file. */
static pp_status check_other_value(const loader *L, const char *key, const pp_pv *v, pp_error *err)
{
    char d[256];
    if (v->kind == PP_PV_OBJECT)
        return pp_fail(err, PP_ERR_FORMAT,
                       "%s: state dict entry '%.200s' is %s, not a tensor (a state dict holds "
                       "only tensors and plain values; nothing was loaded or run)",
                       L->name, key, pp_pv_describe(v, d, sizeof d));
    if (v->kind == PP_PV_STORAGE || v->kind == PP_PV_GLOBAL || pp_pv_holds_object(v)) {
        char what[200];
        return pp_fail(err, PP_ERR_FORMAT,
                       "%s: state dict entry '%.200s' is %s holding %s, not a tensor (a state dict "
                       "holds only tensors and plain values; nothing was loaded or run)",
                       L->name, key, pp_pv_describe(v, d, sizeof d),
                       v->kind == PP_PV_STORAGE || v->kind == PP_PV_GLOBAL
                           ? "a torch internal"
                           : pp_pv_text(v, what, sizeof what));
    }
    return PP_OK;
}

static bool valid_name(const pp_pv *k)
{
    return k->kind == PP_PV_STR && strlen(k->u.str.s) == k->u.str.len && k->u.str.len > 0;
}

/* Adds `name` (without its wrapper prefix) to the comma list *list. */
static pp_status list_add(char **list, const char *name, pp_error *err)
{
    size_t have = *list ? strlen(*list) : 0, add = strlen(name);
    if (have > 4096)
        return PP_OK; /* enough to tell what happened */
    char *s = realloc(*list, have + add + 3);
    if (!s)
        return pp_fail(err, PP_ERR_NOMEM, "out of memory");
    if (have)
        memcpy(s + have, ", ", 2), have += 2;
    memcpy(s + have, name, add + 1);
    *list = s;
    return PP_OK;
}

static pp_status load_tensors(loader *L, const pp_pv *dict, pp_state_dict *sd, uint64_t budget,
                              pp_error *err)
{
    size_t n = dict->u.dict.len;
    if (n > PP_SD_MAX_TENSORS)
        return pp_fail(err, PP_ERR_FORMAT, "%s: state dict holds %zu entries (at most %d)",
                       L->name, n, PP_SD_MAX_TENSORS);
    /* Check every entry before reading any storage. */
    uint64_t total = 0;
    size_t loadable = 0;
    for (size_t i = 0; i < n; i++) {
        const pp_pv *k = dict->u.dict.keys[i], *v = dict->u.dict.vals[i];
        char d[256];
        if (!valid_name(k))
            return pp_fail(err, PP_ERR_FORMAT, "%s: state dict key %zu is %s, not a name", L->name,
                           i, pp_pv_describe(k, d, sizeof d));
        if (is_number(v)) {
            loadable++;
            continue;
        }
        if (v->kind != PP_PV_TENSOR) {
            pp_status s = check_other_value(L, k->u.str.s, v, err);
            if (s != PP_OK)
                return s;
            continue;
        }
        loadable++;
        size_t osz = pp_dtype_size(pp_torch_tensor_out_dtype(v->u.tensor.storage->u.storage.dtype));
        if (v->u.tensor.numel > (int64_t)(budget / osz) ||
            (uint64_t)v->u.tensor.numel * osz > budget - total)
            return pp_fail(err, PP_ERR_FORMAT,
                           "%s: tensor '%.200s' would take the state dict past %llu MiB, far "
                           "more than the file could hold",
                           L->name, k->u.str.s, (unsigned long long)(budget >> 20));
        total += (uint64_t)v->u.tensor.numel * osz;
    }
    if (loadable == 0)
        return PP_OK; /* the caller says what was found instead */
    key_ref *refs = malloc(n * sizeof *refs);
    cached_storage *cache = calloc(n, sizeof *cache);
    const char **names = malloc(n * sizeof *names);
    bool *drop = malloc(n * sizeof *drop);
    size_t ncache = 0;
    uint64_t cached_bytes = 0;
    if (!refs || !cache || !names || !drop) {
        free(refs);
        free(cache);
        free(names);
        free(drop);
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory", L->name);
    }
    /* Wrapper prefixes are decided over the entries that load. */
    size_t nnames = 0;
    for (size_t i = 0; i < n; i++)
        if (is_loadable(dict->u.dict.vals[i]))
            names[nnames++] = dict->u.dict.keys[i]->u.str.s;
    pp_key_unwrap plan;
    pp_key_unwrap_plan(names, nnames, drop, &plan);
    size_t nrefs = 0;
    for (size_t i = 0; i < n; i++)
        if (dict->u.dict.vals[i]->kind == PP_PV_TENSOR)
            refs[nrefs++] = (key_ref){dict->u.dict.vals[i]->u.tensor.storage->u.storage.key, i};
    qsort(refs, nrefs, sizeof *refs, cmp_key_ref);

    pp_status s = PP_OK;
    char *dropped = NULL;
    for (size_t i = 0, j = 0; i < n && s == PP_OK; i++) {
        const char *key = dict->u.dict.keys[i]->u.str.s;
        if (!is_loadable(dict->u.dict.vals[i])) {
            s = list_add(&dropped, key, err);
            continue;
        }
        if (drop[j++]) {
            s = list_add(&dropped, key, err);
            continue;
        }
        const char *name = key + plan.strip;
        if (is_number(dict->u.dict.vals[i])) {
            s = add_number(sd, name, dict->u.dict.vals[i], err);
            if (s != PP_OK)
                pp_error_prefix(err, L->name);
            continue;
        }
        const pp_pv_tensor *t = &dict->u.dict.vals[i]->u.tensor;
        const pp_pv *st = t->storage;
        size_t esize = pp_raw_dtype_size(st->u.storage.dtype);
        key_ref probe = {st->u.storage.key, 0};
        key_ref *r = bsearch(&probe, refs, nrefs, sizeof *refs, cmp_key_ref);
        /* A neighbour with the same key in sorted order: the storage is shared. */
        bool shared = (r > refs && strcmp(r[-1].key, probe.key) == 0) ||
                      (r + 1 < refs + nrefs && strcmp(r[1].key, probe.key) == 0);
        size_t bytes = (size_t)st->u.storage.root_numel * esize;
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
            data = pp_torch_tensor_alloc(bytes);
            if (!data) {
                s = pp_fail(err, PP_ERR_NOMEM, "%s: cannot allocate %zu bytes for '%s'", L->name,
                            bytes, name);
                break;
            }
            s = L->src->read(L->src->user, st, data, bytes, err);
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
            s = pp_torch_tensor_copy(t, data + (size_t)st->u.storage.view_offset * esize, &out, err);
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
    free(names);
    free(drop);
    if (s == PP_OK && plan.strip)
        s = pp_sd_meta_set(sd, "checkpoint.prefix", plan.removed, err);
    if (s == PP_OK && dropped)
        s = pp_sd_meta_set(sd, "checkpoint.dropped", dropped, err);
    free(dropped);
    return s;
}

/* ---- inert objects outside the state dict ---- */

#define MAX_LISTED_OBJECTS 16
#define LIST_DEPTH 8

typedef struct {
    char *text; /* "path: name\n..." */
    size_t len, cap;
    int count;
    size_t visits;
    pp_status st;
    pp_error *err;
} object_list;

static void list_line(object_list *ol, const char *path, const pp_pv *obj)
{
    char name[256], line[600];
    int n = snprintf(line, sizeof line, "%s%s: %s", ol->count ? "\n" : "", path,
                     pp_pv_object_name(obj, name, sizeof name));
    size_t add = n < 0 ? 0 : (size_t)n >= sizeof line ? sizeof line - 1 : (size_t)n;
    if (ol->len + add + 1 > ol->cap) {
        size_t cap = (ol->len + add + 1) * 2;
        char *t = realloc(ol->text, cap);
        if (!t) {
            ol->st = pp_fail(ol->err, PP_ERR_NOMEM, "out of memory listing inert objects");
            return;
        }
        ol->text = t;
        ol->cap = cap;
    }
    memcpy(ol->text + ol->len, line, add + 1);
    ol->len += add;
    ol->count++;
}

/* Walks v (not the chosen state dict, not inside objects), bounded in depth
 * and visits: a shared graph is listed where it is first met, at most
 * MAX_LISTED_OBJECTS lines. */
static void find_objects(object_list *ol, const pp_pv *v, const pp_pv *skip, const char *path,
                         unsigned depth)
{
    if (v == skip || ol->st != PP_OK || ol->count >= MAX_LISTED_OBJECTS || depth > LIST_DEPTH ||
        ++ol->visits > (1u << 16))
        return;
    char sub[300];
    switch (v->kind) {
    case PP_PV_OBJECT: list_line(ol, path[0] ? path : "(top level)", v); return;
    case PP_PV_TUPLE:
    case PP_PV_LIST:
    case PP_PV_SET:
        for (size_t i = 0; i < v->u.seq.len; i++) {
            snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            find_objects(ol, v->u.seq.items[i], skip, sub, depth + 1);
        }
        return;
    case PP_PV_DICT:
        for (size_t i = 0; i < v->u.dict.len; i++) {
            const pp_pv *k = v->u.dict.keys[i];
            char kt[128];
            if (valid_name(k))
                snprintf(kt, sizeof kt, "%.120s", k->u.str.s);
            else
                pp_pv_text(k, kt, sizeof kt);
            snprintf(sub, sizeof sub, "%s%s%s", path, path[0] ? "." : "", kt);
            find_objects(ol, k, skip, sub, depth + 1);
            find_objects(ol, v->u.dict.vals[i], skip, sub, depth + 1);
        }
        return;
    default: return;
    }
}

static pp_status list_inert_objects(pp_state_dict *sd, const pp_pv *root, const pp_pv *tensors,
                                    pp_error *err)
{
    object_list ol = {.st = PP_OK, .err = err};
    find_objects(&ol, root, tensors, "", 0);
    pp_status s = ol.st;
    if (s == PP_OK && ol.count)
        s = pp_sd_meta_set(sd, "checkpoint.inert_objects", ol.text, err);
    free(ol.text);
    return s;
}

/* ---- which part holds the tensors ---- */

static bool holds_tensors(const pp_pv *d)
{
    if (!d || d->kind != PP_PV_DICT)
        return false;
    for (size_t i = 0; i < d->u.dict.len; i++)
        if (d->u.dict.vals[i]->kind == PP_PV_TENSOR)
            return true;
    return false;
}

/* The container's name, or NULL with an error. */
static const char *find_tensors(const loader *L, const pp_pv *root, const pp_pv **tensors,
                                pp_error *err)
{
    char d[256];
    if (root->kind == PP_PV_OBJECT) {
        char name[256];
        pp_fail(err, PP_ERR_FORMAT,
                "%s: the checkpoint holds an object of class %s, neither a dict of tensors nor "
                "a pickled nn.Module; nothing was run",
                L->name, pp_pv_object_name(root, name, sizeof name));
        return NULL;
    }
    if (root->kind != PP_PV_DICT) {
        pp_fail(err, PP_ERR_FORMAT, "%s: the checkpoint holds %s, not a dict of tensors", L->name,
                pp_pv_describe(root, d, sizeof d));
        return NULL;
    }
    static const char *wrappers[] = {"state_dict", "model_state_dict", NULL};
    for (int i = 0; wrappers[i]; i++) {
        const pp_pv *v = pp_pv_dict_get(root, wrappers[i]);
        if (!v)
            continue;
        if (v->kind != PP_PV_DICT) {
            pp_fail(err, PP_ERR_FORMAT, "%s: '%s' is %s, not a dict", L->name, wrappers[i],
                    pp_pv_describe(v, d, sizeof d));
            return NULL;
        }
        *tensors = v;
        return wrappers[i];
    }
    /* 'model' names the architecture (a string) in AugMix files; only a dict
     * of tensors is the weights. */
    const pp_pv *model = pp_pv_dict_get(root, "model");
    if (holds_tensors(model)) {
        *tensors = model;
        return "model";
    }
    *tensors = root;
    return "top level";
}

/* Nothing loadable: say what the file holds instead. */
static pp_status no_tensors(const loader *L, const pp_pv *root, const char *container,
                            pp_error *err)
{
    char keys[400] = "";
    size_t used = 0;
    for (size_t i = 0; root->kind == PP_PV_DICT && i < root->u.dict.len && i < 12; i++) {
        const pp_pv *k = root->u.dict.keys[i];
        char kt[64];
        int n = snprintf(keys + used, sizeof keys - used, "%s%s", i ? ", " : "",
                         valid_name(k) ? k->u.str.s : pp_pv_describe(k, kt, sizeof kt));
        if (n < 0 || (size_t)n >= sizeof keys - used)
            break;
        used += (size_t)n;
    }
    return pp_fail(err, PP_ERR_FORMAT,
                   "%s: no tensors found (looked in '%s'); the checkpoint's top-level keys are: "
                   "%s; expected 'state_dict', 'model_state_dict' or a dict of tensors",
                   L->name, container, keys[0] ? keys : "(none)");
}

/* The module's own settings (PNN's level, nmasks, ...): its public plain
 * attributes, as metadata: under their names for the root (path ""), as
 * "module:<path>.<name>" for a submodule. */
static pp_status module_attributes(pp_state_dict *sd, const pp_pv *module, const char *path, size_t *budget,
                                   pp_error *err)
{
    const pp_pv *a = module->u.obj.state;
    if (a && a->kind == PP_PV_TUPLE && a->u.seq.len == 2)
        a = a->u.seq.items[0];
    for (size_t i = 0; a && a->kind == PP_PV_DICT && i < a->u.dict.len; i++) {
        const pp_pv *k = a->u.dict.keys[i], *v = a->u.dict.vals[i];
        if (!valid_name(k) || k->u.str.s[0] == '_' || strcmp(k->u.str.s, "training") == 0 ||
            !(is_number(v) || v->kind == PP_PV_STR || v->kind == PP_PV_NONE))
            continue;
        char key[600];
        if (path[0])
            snprintf(key, sizeof key, "module:%s.%s", path, k->u.str.s);
        else
            snprintf(key, sizeof key, "%s", k->u.str.s);
        pp_status s = add_meta(sd, key, v, budget, err);
        if (s != PP_OK)
            return s;
    }
    return PP_OK;
}

static pp_status load_module(const pp_torch_source *src, loader *L, const pp_pv *root,
                             pp_state_dict *out, pp_error *err);

pp_status pp_torch_object_load(const pp_torch_source *src, const pp_pv *root, pp_state_dict *out,
                               pp_error *err)
{
    pp_sd_init(out);
    loader L = {.src = src, .name = src->name};
    if (pp_torch_is_module(root))
        return load_module(src, &L, root, out, err);
    const pp_pv *tensors = NULL;
    const char *container = find_tensors(&L, root, &tensors, err);
    if (!container)
        return err->status;
    pp_state_dict sd;
    pp_sd_init(&sd);
    /* Generous: f16 doubles, int8 grows eightfold; views may repeat elements. */
    uint64_t budget = src->file_size * 8 + ((uint64_t)64 << 20);
    pp_status s = load_tensors(&L, tensors, &sd, budget, err);
    if (s == PP_OK && sd.count == 0)
        s = no_tensors(&L, root, container, err);
    size_t hp_budget = src->pickle_len + EXPANSION_SLACK;
    bool wrapped = tensors != root;
    if (s == PP_OK && wrapped &&
        (s = hyper_parameters(&sd, pp_pv_dict_get(root, "hyper_parameters"), &hp_budget, err)) != PP_OK)
        pp_error_prefix(err, L.name);
    if (s == PP_OK && wrapped) {
        static const char *extra[] = {"epoch", "global_step", NULL};
        for (int i = 0; extra[i] && s == PP_OK; i++) {
            const pp_pv *v = pp_pv_dict_get(root, extra[i]);
            if (v && v->kind == PP_PV_INT && !pp_sd_meta_get(&sd, extra[i]))
                s = add_meta(&sd, extra[i], v, &hp_budget, err);
        }
    }
    if (s == PP_OK)
        s = pp_sd_meta_set(&sd, "checkpoint.format", src->format, err);
    if (s == PP_OK)
        s = pp_sd_meta_set(&sd, "checkpoint.container", container, err);
    if (s == PP_OK && wrapped)
        s = list_inert_objects(&sd, root, tensors, err);
    if (s != PP_OK) {
        pp_sd_free(&sd);
        return s;
    }
    *out = sd;
    return PP_OK;
}

/* Every submodule's class as "class:<path>" (a family reads its pooling or
 * activation from them, and names the classes it does not know), and the
 * settings of those outside torch.nn (the model's own classes: PNN's
 * PerturbLayer level, use_act, ...). The root's settings keep their bare names. */
static pp_status submodules(pp_state_dict *sd, const pp_torch_module_state *ms, size_t *budget, pp_error *err)
{
    pp_status s = PP_OK;
    for (size_t i = 0; i < ms->module_count && s == PP_OK; i++) {
        const char *path = ms->module_paths[i];
        char cls[256], key[600];
        pp_pv_object_name(ms->modules[i], cls, sizeof cls);
        snprintf(key, sizeof key, "class:%s", path[0] ? path : "(root)");
        s = pp_sd_meta_set(sd, key, cls, err);
        if (s == PP_OK && (!path[0] || strncmp(cls, "torch.nn.", 9) != 0))
            s = module_attributes(sd, ms->modules[i], path, budget, err);
    }
    return s;
}

/* torch.save(model): the tensors its state_dict() would hold. */
static pp_status load_module(const pp_torch_source *src, loader *L, const pp_pv *root,
                             pp_state_dict *out, pp_error *err)
{
    pp_torch_module_state ms;
    pp_status s = pp_torch_module_state_of(root, L->name, &ms, err);
    pp_state_dict sd;
    pp_sd_init(&sd);
    uint64_t budget = src->file_size * 8 + ((uint64_t)64 << 20);
    if (s == PP_OK)
        s = load_tensors(L, &ms.dict, &sd, budget, err);
    if (s == PP_OK && sd.count == 0)
        s = pp_fail(err, PP_ERR_FORMAT, "%s: the pickled model holds no tensors", L->name);
    size_t hp_budget = src->pickle_len + EXPANSION_SLACK;
    if (s == PP_OK && (s = submodules(&sd, &ms, &hp_budget, err)) != PP_OK)
        pp_error_prefix(err, L->name);
    char container[300], cls[256];
    snprintf(container, sizeof container, "whole pickled model %s",
             pp_pv_object_name(root, cls, sizeof cls));
    if (s == PP_OK)
        s = pp_sd_meta_set(&sd, "checkpoint.format", src->format, err);
    if (s == PP_OK)
        s = pp_sd_meta_set(&sd, "checkpoint.container", container, err);
    pp_torch_module_state_free(&ms);
    if (s != PP_OK) {
        pp_sd_free(&sd);
        return s;
    }
    *out = sd;
    return PP_OK;
}

#include "torch_module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state_dict.h"

#define MAX_MODULE_DEPTH 32
#define MAX_NAME 512

/* The attribute dict of an inert object: its state, or the dict of a
 * (state, slots) pair. */
static const pp_pv *attributes(const pp_pv *v)
{
    if (v->kind != PP_PV_OBJECT || !v->u.obj.state)
        return NULL;
    const pp_pv *st = v->u.obj.state;
    if (st->kind == PP_PV_TUPLE && st->u.seq.len == 2)
        st = st->u.seq.items[0];
    return st->kind == PP_PV_DICT ? st : NULL;
}

bool pp_torch_is_module(const pp_pv *v)
{
    const pp_pv *a = attributes(v);
    return a && pp_pv_dict_get(a, "_modules") && pp_pv_dict_get(a, "_parameters");
}

static pp_status add(pp_torch_module_state *s, const char *name, const pp_pv *val, const char *file,
                     pp_error *err)
{
    if (s->count >= PP_SD_MAX_TENSORS)
        return pp_fail(err, PP_ERR_FORMAT, "%s: the pickled model holds more than %d tensors", file,
                       PP_SD_MAX_TENSORS);
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        pp_pv *k = realloc(s->keys, cap * sizeof *k);
        if (!k)
            return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory", file);
        s->keys = k;
        const pp_pv **v = realloc(s->vals, cap * sizeof *v);
        if (!v)
            return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory", file);
        s->vals = v;
        s->cap = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory", file);
    pp_pv *k = &s->keys[s->count];
    memset(k, 0, sizeof *k);
    k->kind = PP_PV_STR;
    k->u.str.s = copy;
    k->u.str.len = strlen(copy);
    s->vals[s->count++] = val;
    return PP_OK;
}

static bool in_set(const pp_pv *set, const pp_pv *key)
{
    if (!set || (set->kind != PP_PV_SET && set->kind != PP_PV_LIST && set->kind != PP_PV_TUPLE))
        return false;
    for (size_t i = 0; i < set->u.seq.len; i++) {
        const pp_pv *e = set->u.seq.items[i];
        if (e->kind == PP_PV_STR && e->u.str.len == key->u.str.len &&
            memcmp(e->u.str.s, key->u.str.s, e->u.str.len) == 0)
            return true;
    }
    return false;
}

/* Lists a module met at `prefix` ("a.b." or ""). */
static pp_status add_module(pp_torch_module_state *s, const pp_pv *module, const char *prefix, const char *file,
                            pp_error *err)
{
    if (s->module_count >= PP_SD_MAX_TENSORS)
        return pp_fail(err, PP_ERR_FORMAT, "%s: the pickled model holds more than %d modules", file,
                       PP_SD_MAX_TENSORS);
    if (s->module_count == s->module_cap) {
        size_t cap = s->module_cap ? s->module_cap * 2 : 64;
        char **p = realloc(s->module_paths, cap * sizeof *p);
        if (!p)
            return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory", file);
        s->module_paths = p;
        const pp_pv **m = realloc(s->modules, cap * sizeof *m);
        if (!m)
            return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory", file);
        s->modules = m;
        s->module_cap = cap;
    }
    size_t len = strlen(prefix);
    char *path = strdup(prefix);
    if (!path)
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory", file);
    if (len)
        path[len - 1] = '\0'; /* without the trailing dot */
    s->module_paths[s->module_count] = path;
    s->modules[s->module_count++] = module;
    return PP_OK;
}

static pp_status walk(pp_torch_module_state *s, const pp_pv *module, const char *prefix, unsigned depth,
                      const char *file, pp_error *err)
{
    if (depth > MAX_MODULE_DEPTH)
        return pp_fail(err, PP_ERR_FORMAT, "%s: modules nested deeper than %d (at '%.200s')", file,
                       MAX_MODULE_DEPTH, prefix);
    const pp_pv *a = attributes(module);
    if (!a)
        return pp_fail(err, PP_ERR_FORMAT, "%s: '%.200s' is not a pickled module", file, prefix);
    pp_status listed = add_module(s, module, prefix, file, err);
    if (listed != PP_OK)
        return listed;
    const pp_pv *skip = pp_pv_dict_get(a, "_non_persistent_buffers_set");
    static const char *groups[] = {"_parameters", "_buffers", "_modules"};
    char name[MAX_NAME];
    for (int g = 0; g < 3; g++) {
        const pp_pv *d = pp_pv_dict_get(a, groups[g]);
        if (!d)
            continue;
        if (d->kind != PP_PV_DICT)
            return pp_fail(err, PP_ERR_FORMAT, "%s: '%.200s%s' is not a dict", file, prefix, groups[g]);
        for (size_t i = 0; i < d->u.dict.len; i++) {
            const pp_pv *k = d->u.dict.keys[i], *v = d->u.dict.vals[i];
            if (k->kind != PP_PV_STR || strlen(k->u.str.s) != k->u.str.len || v->kind == PP_PV_NONE)
                continue; /* a None parameter or child: nothing in the state dict */
            if (g == 1 && in_set(skip, k))
                continue;
            if (snprintf(name, sizeof name, "%s%s", prefix, k->u.str.s) >= (int)sizeof name)
                return pp_fail(err, PP_ERR_FORMAT, "%s: a module name longer than %d bytes", file,
                               MAX_NAME);
            pp_status st;
            if (g < 2) {
                st = add(s, name, v, file, err); /* checked as a tensor by the caller */
            } else {
                size_t n = strlen(name);
                if (n + 1 >= sizeof name)
                    return pp_fail(err, PP_ERR_FORMAT, "%s: a module name longer than %d bytes", file,
                                   MAX_NAME);
                name[n] = '.', name[n + 1] = '\0';
                st = walk(s, v, name, depth + 1, file, err);
            }
            if (st != PP_OK)
                return st;
        }
    }
    return PP_OK;
}

pp_status pp_torch_module_state_of(const pp_pv *module, const char *name, pp_torch_module_state *out,
                                   pp_error *err)
{
    memset(out, 0, sizeof *out);
    out->dict.kind = PP_PV_DICT;
    pp_status s = walk(out, module, "", 0, name, err);
    if (s != PP_OK)
        return s;
    /* The dict the rest of the loader reads: pointers into keys/vals. */
    pp_pv **kp = malloc((out->count ? out->count : 1) * sizeof *kp);
    if (!kp)
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory", name);
    for (size_t i = 0; i < out->count; i++)
        kp[i] = &out->keys[i];
    out->dict.u.dict.keys = kp;
    out->dict.u.dict.vals = (pp_pv **)out->vals;
    out->dict.u.dict.len = out->dict.u.dict.cap = out->count;
    return PP_OK;
}

void pp_torch_module_state_free(pp_torch_module_state *s)
{
    for (size_t i = 0; i < s->module_count; i++)
        free(s->module_paths[i]);
    free(s->module_paths);
    free(s->modules);
    for (size_t i = 0; i < s->count; i++)
        free(s->keys[i].u.str.s);
    free(s->keys);
    free(s->vals);
    free(s->dict.u.dict.keys);
    memset(s, 0, sizeof *s);
}

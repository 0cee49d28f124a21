#include "pickle.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the allow-list ---- */

enum {
    G_REBUILD_TENSOR_V2 = 1,
    G_REBUILD_PARAMETER,
    G_REBUILD_PARAMETER_WITH_STATE,
    G_ORDERED_DICT,
    G_NAMESPACE,
    G_ATTRIBUTE_DICT,
    G_SET,
    G_FROZENSET,
    G_STORAGE = 100, /* + pp_raw_dtype */
};

/* How BUILD treats a dict: a Namespace's state is its contents; for the
 * others the state holds attributes (OrderedDict._metadata), ignored. */
enum { DICT_PLAIN, DICT_NAMESPACE };

static const struct {
    const char *name;
    int id;
} allowed_globals[] = {
    {"torch._utils._rebuild_tensor_v2", G_REBUILD_TENSOR_V2},
    {"torch._utils._rebuild_parameter", G_REBUILD_PARAMETER},
    {"torch._utils._rebuild_parameter_with_state", G_REBUILD_PARAMETER_WITH_STATE},
    {"collections.OrderedDict", G_ORDERED_DICT},
    {"argparse.Namespace", G_NAMESPACE},
    {"builtins.set", G_SET},
    {"__builtin__.set", G_SET},
    {"builtins.frozenset", G_FROZENSET},
    {"__builtin__.frozenset", G_FROZENSET},
    {"torch.FloatStorage", G_STORAGE + PP_RAW_F32},
    {"torch.DoubleStorage", G_STORAGE + PP_RAW_F64},
    {"torch.HalfStorage", G_STORAGE + PP_RAW_F16},
    {"torch.BFloat16Storage", G_STORAGE + PP_RAW_BF16},
    {"torch.LongStorage", G_STORAGE + PP_RAW_I64},
    {"torch.IntStorage", G_STORAGE + PP_RAW_I32},
    {"torch.ShortStorage", G_STORAGE + PP_RAW_I16},
    {"torch.CharStorage", G_STORAGE + PP_RAW_I8},
    {"torch.ByteStorage", G_STORAGE + PP_RAW_U8},
    {"torch.BoolStorage", G_STORAGE + PP_RAW_BOOL},
    {"torch.UntypedStorage", G_STORAGE + PP_RAW_U8},
    {"torch.storage.UntypedStorage", G_STORAGE + PP_RAW_U8},
};

/* Modules whose only use in a pickle is running code: a checkpoint never
 * names them, so the file is refused rather than loaded with an inert value. */
static const char *denied_modules[] = {
    "os", "posix", "nt", "subprocess", "_posixsubprocess", "sys", "shutil", "socket", "pty",
    "runpy", "importlib", "pickle", "_pickle", "marshal", "ctypes", "code", "codeop",
    "webbrowser", "commands", "popen2", "multiprocessing", "signal", "asyncio", "pdb", "bdb",
    "timeit", "cProfile", "profile", "trace", "ensurepip", "pip", "setuptools", "distutils",
    "torch.hub", "torch.jit", "torch.serialization", "torch._C", "torch.ops", NULL,
};
/* Not getattr: pickles name attributes through it (Python 3.12 pickles enum
 * members as getattr(cls, name), bound methods as getattr(obj, name)), and an
 * augmentation object in a Lightning file's hyper-parameters does. Here it is
 * inert like any unknown callable: its result is an object never used. */
static const char *denied_builtins[] = {
    "eval", "exec", "execfile", "compile", "setattr", "delattr", "__import__",
    "open", "globals", "locals", "vars", "input", "breakpoint", "apply", "file", "reload",
    "exit", "quit", "help", "__loader__", "__build_class__", NULL,
};

static bool module_matches(const char *module, const char *root)
{
    size_t n = strlen(root);
    return strncmp(module, root, n) == 0 && (module[n] == '\0' || module[n] == '.');
}

static bool global_denied(const char *module, const char *name)
{
    for (int i = 0; denied_modules[i]; i++)
        if (module_matches(module, denied_modules[i]))
            return true;
    if (strcmp(module, "builtins") == 0 || strcmp(module, "__builtin__") == 0) {
        for (int i = 0; denied_builtins[i]; i++)
            if (strcmp(name, denied_builtins[i]) == 0)
                return true;
    }
    /* torch.load and friends: loading another pickle from inside one. */
    if (strcmp(module, "torch") == 0 && (strcmp(name, "load") == 0 || strcmp(name, "save") == 0))
        return true;
    return false;
}

static int global_lookup(const char *module, const char *name)
{
    char full[512];
    snprintf(full, sizeof full, "%s.%s", module, name);
    for (size_t i = 0; i < sizeof allowed_globals / sizeof allowed_globals[0]; i++)
        if (strcmp(full, allowed_globals[i].name) == 0)
            return allowed_globals[i].id;
    /* Lightning's AttributeDict has moved between packages over the years. */
    if (strcmp(name, "AttributeDict") == 0 &&
        (module_matches(module, "pytorch_lightning") || module_matches(module, "lightning") ||
         module_matches(module, "lightning_fabric")))
        return G_ATTRIBUTE_DICT;
    return 0;
}

/* ---- the machine ---- */

struct pp_pickle {
    pp_pv *values; /* every value, linked through next_alloc */
    const pp_pv *root;
};

typedef struct {
    const uint8_t *buf;
    size_t len, pos, op_off;
    const char *name;
    pp_error *err;
    pp_pickle_storage_fn storage_fn;
    void *user;

    pp_pickle *owner;
    size_t bytes, byte_limit; /* allocation budget */

    pp_pv **stack;
    size_t sp, stack_cap;
    size_t *marks;
    size_t nmarks, marks_cap;
    pp_pv **memo;
    size_t memo_cap, memo_count;
} machine;

static pp_status fail(machine *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static pp_status fail(machine *m, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return pp_fail(m->err, PP_ERR_FORMAT, "%s: byte %zu: %s", m->name, m->op_off, what);
}

/* Counts bytes against the budget; false (with an error set) when over. */
static bool charge(machine *m, size_t bytes)
{
    if (bytes > m->byte_limit - m->bytes) {
        fail(m, "pickle needs more than %zu MiB of memory to build", m->byte_limit >> 20);
        return false;
    }
    m->bytes += bytes;
    return true;
}

static void *budget_alloc(machine *m, size_t bytes)
{
    if (!charge(m, bytes))
        return NULL;
    void *p = calloc(1, bytes ? bytes : 1);
    if (!p)
        pp_fail(m->err, PP_ERR_NOMEM, "%s: out of memory", m->name);
    return p;
}

/* Grows *arr (elements of size elem) to hold at least need; charged. */
static bool grow(machine *m, void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need)
        ncap *= 2;
    if (ncap > SIZE_MAX / elem) {
        fail(m, "container too large");
        return false;
    }
    if (!charge(m, (ncap - *cap) * elem))
        return false;
    void *p = realloc(*arr, ncap * elem);
    if (!p) {
        pp_fail(m->err, PP_ERR_NOMEM, "%s: out of memory", m->name);
        return false;
    }
    memset((char *)p + *cap * elem, 0, (ncap - *cap) * elem);
    *arr = p;
    *cap = ncap;
    return true;
}

static pp_pv *pv_new(machine *m, pp_pv_kind kind)
{
    pp_pv *v = budget_alloc(m, sizeof *v);
    if (!v)
        return NULL;
    v->kind = kind;
    v->depth = (kind == PP_PV_TUPLE || kind == PP_PV_LIST || kind == PP_PV_SET ||
                kind == PP_PV_DICT)
                   ? 1
                   : 0;
    v->next_alloc = m->owner->values;
    m->owner->values = v;
    return v;
}

static pp_pv *pv_str(machine *m, pp_pv_kind kind, const void *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    pp_pv *v = pv_new(m, kind);
    if (!v)
        return NULL;
    v->u.str.s = budget_alloc(m, len + 1);
    if (!v->u.str.s)
        return NULL;
    if (len)
        memcpy(v->u.str.s, s, len);
    v->u.str.len = len;
    return v;
}

static pp_pv *pv_object(machine *m, const char *name)
{
    return pv_str(m, PP_PV_OBJECT, name, strlen(name));
}

/* Records that container c now holds child; refuses nesting bombs. */
static bool note_depth(machine *m, pp_pv *c, const pp_pv *child)
{
    uint32_t d = child->depth + 1;
    if (d > c->depth)
        c->depth = d;
    if (c->depth > PP_PICKLE_MAX_DEPTH) {
        fail(m, "containers nested deeper than %u", PP_PICKLE_MAX_DEPTH);
        return false;
    }
    return true;
}

static bool seq_push(machine *m, pp_pv *c, pp_pv *item)
{
    if (!grow(m, (void **)&c->u.seq.items, &c->u.seq.cap, c->u.seq.len + 1, sizeof(pp_pv *)))
        return false;
    c->u.seq.items[c->u.seq.len++] = item;
    return note_depth(m, c, item);
}

static bool dict_set(machine *m, pp_pv *d, pp_pv *k, pp_pv *v)
{
    size_t cap = d->u.dict.cap;
    if (!grow(m, (void **)&d->u.dict.keys, &cap, d->u.dict.len + 1, sizeof(pp_pv *)))
        return false;
    cap = d->u.dict.cap;
    if (!grow(m, (void **)&d->u.dict.vals, &cap, d->u.dict.len + 1, sizeof(pp_pv *)))
        return false;
    d->u.dict.cap = cap;
    /* Duplicates are kept; lookups take the last, as Python's dict would. */
    d->u.dict.keys[d->u.dict.len] = k;
    d->u.dict.vals[d->u.dict.len] = v;
    d->u.dict.len++;
    return note_depth(m, d, k) && note_depth(m, d, v);
}

/* ---- reading the program ---- */

static bool need(machine *m, size_t n)
{
    if (n > m->len - m->pos) {
        fail(m, "truncated: needs %zu more bytes, %zu left", n, m->len - m->pos);
        return false;
    }
    return true;
}

static uint64_t rd_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* A text line (GLOBAL's names, INT, FLOAT, GET, PUT); NUL-terminated copy. */
static bool read_line(machine *m, char *out, size_t cap)
{
    size_t max = m->len - m->pos;
    if (max > cap - 1)
        max = cap - 1;
    const uint8_t *p = m->buf + m->pos;
    const uint8_t *nl = memchr(p, '\n', max);
    if (!nl) {
        fail(m, "text argument is not terminated within %zu bytes", cap - 1);
        return false;
    }
    size_t n = (size_t)(nl - p);
    if (memchr(p, '\0', n)) {
        fail(m, "text argument holds a NUL byte");
        return false;
    }
    memcpy(out, p, n);
    out[n] = '\0';
    m->pos += n + 1;
    return true;
}

static bool valid_utf8(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t k;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
        } else {
            return false;
        }
        if (k > n - i - 1)
            return false;
        for (size_t j = 1; j <= k; j++)
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
        if ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xF0 && s[i + 1] < 0x90) ||
            (c == 0xF4 && s[i + 1] > 0x8F))
            return false; /* overlong or beyond U+10FFFF */
        i += k + 1;
    }
    return true;
}

/* ---- the stack ---- */

static bool push(machine *m, pp_pv *v)
{
    if (!v)
        return false;
    if (m->sp >= PP_PICKLE_MAX_STACK) {
        fail(m, "stack deeper than %u values", PP_PICKLE_MAX_STACK);
        return false;
    }
    if (!grow(m, (void **)&m->stack, &m->stack_cap, m->sp + 1, sizeof(pp_pv *)))
        return false;
    m->stack[m->sp++] = v;
    return true;
}

static size_t floor_sp(const machine *m)
{
    return m->nmarks ? m->marks[m->nmarks - 1] : 0;
}

static pp_pv *pop(machine *m)
{
    if (m->sp <= floor_sp(m)) {
        fail(m, "stack underflow");
        return NULL;
    }
    return m->stack[--m->sp];
}

static pp_pv *top(machine *m)
{
    if (m->sp <= floor_sp(m)) {
        fail(m, "stack underflow");
        return NULL;
    }
    return m->stack[m->sp - 1];
}

/* Pops to the last MARK; the items are m->stack[*from .. m->sp). */
static bool pop_mark(machine *m, size_t *from)
{
    if (!m->nmarks) {
        fail(m, "no MARK on the stack");
        return false;
    }
    *from = m->marks[--m->nmarks];
    return true;
}

static pp_pv *make_seq(machine *m, pp_pv_kind kind, pp_pv **items, size_t n)
{
    pp_pv *t = pv_new(m, kind);
    if (!t)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!seq_push(m, t, items[i]))
            return NULL;
    return t;
}

static bool memo_put(machine *m, uint64_t idx, pp_pv *v)
{
    if (!v)
        return false;
    if (idx >= PP_PICKLE_MAX_MEMO) {
        fail(m, "memo index %llu is beyond the limit of %u", (unsigned long long)idx,
             PP_PICKLE_MAX_MEMO);
        return false;
    }
    if (!grow(m, (void **)&m->memo, &m->memo_cap, (size_t)idx + 1, sizeof(pp_pv *)))
        return false;
    if (!m->memo[idx])
        m->memo_count++;
    m->memo[idx] = v;
    return true;
}

static pp_pv *memo_get(machine *m, uint64_t idx)
{
    if (idx >= m->memo_cap || !m->memo[idx]) {
        fail(m, "memo index %llu was never stored", (unsigned long long)idx);
        return NULL;
    }
    return m->memo[idx];
}

/* ---- applying allowed callables ---- */

static bool get_int(const pp_pv *v, int64_t *out)
{
    if (v->kind == PP_PV_INT) {
        *out = v->u.i;
        return true;
    }
    if (v->kind == PP_PV_BOOL) {
        *out = v->u.b;
        return true;
    }
    return false;
}

static bool int_tuple(machine *m, const pp_pv *t, const char *what, int64_t *out, int *n)
{
    if (t->kind != PP_PV_TUPLE && t->kind != PP_PV_LIST) {
        fail(m, "tensor %s is not a tuple", what);
        return false;
    }
    if (t->u.seq.len > PP_MAX_DIMS) {
        fail(m, "tensor has %zu dimensions (at most %d)", t->u.seq.len, PP_MAX_DIMS);
        return false;
    }
    for (size_t i = 0; i < t->u.seq.len; i++) {
        if (!get_int(t->u.seq.items[i], &out[i])) {
            fail(m, "tensor %s[%zu] is not an integer", what, i);
            return false;
        }
    }
    *n = (int)t->u.seq.len;
    return true;
}

/* torch.save never writes backward hooks: an empty OrderedDict (or None). A
 * hook would be an object torch.load calls, so one is refused here. */
static bool no_hooks(machine *m, const pp_pv *hooks)
{
    if (hooks->kind == PP_PV_NONE || (hooks->kind == PP_PV_DICT && hooks->u.dict.len == 0))
        return true;
    char d[128];
    fail(m, "tensor carries backward hooks (%s); torch.save never writes them",
         pp_pv_describe(hooks, d, sizeof d));
    return false;
}

/* Tensor metadata and parameter state hold plain values, no objects. */
static bool plain_data(machine *m, const pp_pv *v, const char *what)
{
    if (!pp_pv_holds_object(v))
        return true;
    fail(m, "%s holds an object; tensors are plain data", what);
    return false;
}

/* _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata]):
 * the view must lie inside the storage, with overflow-safe arithmetic. */
static pp_pv *rebuild_tensor(machine *m, const pp_pv *args)
{
    size_t n = args->u.seq.len;
    if (n < 4 || n > 7) {
        fail(m, "_rebuild_tensor_v2 takes 6 arguments, got %zu", n);
        return NULL;
    }
    pp_pv **a = args->u.seq.items;
    if (a[0]->kind != PP_PV_STORAGE) {
        fail(m, "_rebuild_tensor_v2: first argument is not a storage");
        return NULL;
    }
    const pp_pv *st = a[0];
    pp_pv_tensor t = {.storage = st};
    int sdim = 0;
    if (!get_int(a[1], &t.offset) || t.offset < 0) {
        fail(m, "_rebuild_tensor_v2: storage offset is not a non-negative integer");
        return NULL;
    }
    if (!int_tuple(m, a[2], "size", t.size, &t.ndim) ||
        !int_tuple(m, a[3], "stride", t.stride, &sdim))
        return NULL;
    if ((n > 5 && !no_hooks(m, a[5])) || (n > 6 && !plain_data(m, a[6], "tensor metadata")))
        return NULL;
    if (sdim != t.ndim) {
        fail(m, "tensor size has %d dimensions but stride has %d", t.ndim, sdim);
        return NULL;
    }
    int64_t numel = 1, last = t.offset;
    for (int i = 0; i < t.ndim; i++) {
        if (t.size[i] < 0 || t.stride[i] < 0) {
            fail(m, "tensor size/stride %lld/%lld in dimension %d is negative",
                 (long long)t.size[i], (long long)t.stride[i], i);
            return NULL;
        }
        if (__builtin_mul_overflow(numel, t.size[i], &numel)) {
            fail(m, "tensor size overflows (dimension %d)", i);
            return NULL;
        }
    }
    if (numel > 0) {
        for (int i = 0; i < t.ndim; i++) {
            int64_t span;
            if (__builtin_mul_overflow(t.size[i] - 1, t.stride[i], &span) ||
                __builtin_add_overflow(last, span, &last)) {
                fail(m, "tensor size*stride overflows (dimension %d: size %lld, stride %lld)", i,
                     (long long)t.size[i], (long long)t.stride[i]);
                return NULL;
            }
        }
        if (last >= st->u.storage.numel) {
            fail(m,
                 "tensor view (offset %lld, last element %lld) lies past the end of storage "
                 "'%s' of %lld elements",
                 (long long)t.offset, (long long)last, st->u.storage.key,
                 (long long)st->u.storage.numel);
            return NULL;
        }
    } else if (t.offset > st->u.storage.numel) {
        fail(m, "storage offset %lld lies past the end of storage '%s' of %lld elements",
             (long long)t.offset, st->u.storage.key, (long long)st->u.storage.numel);
        return NULL;
    }
    t.numel = numel;
    pp_pv *v = pv_new(m, PP_PV_TENSOR);
    if (v)
        v->u.tensor = t;
    return v;
}

/* OrderedDict(), OrderedDict([(k, v), ...]), AttributeDict(dict), set(list). */
static pp_pv *build_container(machine *m, int id, const pp_pv *args)
{
    bool is_set = id == G_SET || id == G_FROZENSET;
    pp_pv *out = pv_new(m, is_set ? PP_PV_SET : PP_PV_DICT);
    if (!out)
        return NULL;
    if (!is_set)
        out->u.dict.flavor = id == G_NAMESPACE ? DICT_NAMESPACE : DICT_PLAIN;
    if (args->u.seq.len == 0)
        return out;
    const pp_pv *src = args->u.seq.items[0];
    if (args->u.seq.len > 1) {
        fail(m, "container built with %zu arguments", args->u.seq.len);
        return NULL;
    }
    if (src->kind == PP_PV_DICT && !is_set) {
        for (size_t i = 0; i < src->u.dict.len; i++)
            if (!dict_set(m, out, src->u.dict.keys[i], src->u.dict.vals[i]))
                return NULL;
        return out;
    }
    if (src->kind != PP_PV_LIST && src->kind != PP_PV_TUPLE && src->kind != PP_PV_SET) {
        fail(m, "container built from something that is not a list");
        return NULL;
    }
    for (size_t i = 0; i < src->u.seq.len; i++) {
        pp_pv *it = src->u.seq.items[i];
        if (is_set) {
            if (!seq_push(m, out, it))
                return NULL;
        } else {
            if ((it->kind != PP_PV_TUPLE && it->kind != PP_PV_LIST) || it->u.seq.len != 2) {
                fail(m, "dict built from an item that is not a pair");
                return NULL;
            }
            if (!dict_set(m, out, it->u.seq.items[0], it->u.seq.items[1]))
                return NULL;
        }
    }
    return out;
}

/* An unknown callable or class applied to args: a new inert object with the
 * callee's name that keeps the arguments (to be shown, never used). */
static pp_pv *applied_object(machine *m, const pp_pv *fn, const pp_pv *args)
{
    pp_pv *v = pv_str(m, PP_PV_OBJECT, fn->u.obj.s, fn->u.obj.len);
    if (!v)
        return NULL;
    if (fn->u.obj.args || fn->u.obj.state)
        v->u.obj.callee = fn; /* getattr(cls, 'from_config')(cfg): keep the chain */
    v->u.obj.args = args;
    return note_depth(m, v, fn) && note_depth(m, v, args) ? v : NULL;
}

/* REDUCE / NEWOBJ: calls only what the allow-list knows; anything else gives
 * an inert value that remembers the name it was asked for. */
static pp_pv *apply(machine *m, const pp_pv *fn, const pp_pv *args, const char *opname)
{
    if (args->kind != PP_PV_TUPLE) {
        fail(m, "%s arguments are not a tuple", opname);
        return NULL;
    }
    if (fn->kind == PP_PV_OBJECT)
        return applied_object(m, fn, args);
    if (fn->kind != PP_PV_GLOBAL) {
        char d[128];
        fail(m, "%s applied to %s, which is not callable", opname,
             pp_pv_describe(fn, d, sizeof d));
        return NULL;
    }
    int id = fn->u.global;
    size_t n = args->u.seq.len;
    pp_pv **a = args->u.seq.items;
    switch (id) {
    case G_REBUILD_TENSOR_V2:
        return rebuild_tensor(m, args);
    case G_REBUILD_PARAMETER:
    case G_REBUILD_PARAMETER_WITH_STATE:
        if (n < 1 || a[0]->kind != PP_PV_TENSOR) {
            fail(m, "_rebuild_parameter: first argument is not a tensor");
            return NULL;
        }
        /* (data, requires_grad, hooks[, state]) */
        if ((n > 2 && !no_hooks(m, a[2])) || (n > 3 && !plain_data(m, a[3], "parameter state")))
            return NULL;
        return a[0];
    case G_ORDERED_DICT:
    case G_NAMESPACE:
    case G_ATTRIBUTE_DICT:
    case G_SET:
    case G_FROZENSET:
        return build_container(m, id, args);
    default:
        /* A storage class called directly: never done by torch.save. */
        return pv_object(m, "torch storage constructor");
    }
}

static bool do_build(machine *m)
{
    pp_pv *state = pop(m);
    pp_pv *obj = state ? top(m) : NULL;
    if (!obj)
        return false;
    switch (obj->kind) {
    case PP_PV_DICT:
        if (obj->u.dict.flavor == DICT_NAMESPACE) {
            /* Namespace's __dict__ is its content; (state, slots) also allowed. */
            if (state->kind == PP_PV_TUPLE && state->u.seq.len == 2)
                state = state->u.seq.items[0];
            if (state->kind == PP_PV_DICT) {
                for (size_t i = 0; i < state->u.dict.len; i++)
                    if (!dict_set(m, obj, state->u.dict.keys[i], state->u.dict.vals[i]))
                        return false;
            }
        }
        return true; /* other dicts: attributes such as _metadata, ignored */
    case PP_PV_TENSOR:
        return true; /* tensor state (torch 2.x): ignored */
    case PP_PV_OBJECT:
        /* Kept to be shown (an augmentation's settings are its __dict__). */
        obj->u.obj.state = state;
        return note_depth(m, obj, state);
    default: {
        char d[128];
        fail(m, "BUILD on %s", pp_pv_describe(obj, d, sizeof d));
        return false;
    }
    }
}

/* A storage key: short, letters, digits, '_' and '-' (it names a file). */
static bool check_key(machine *m, const pp_pv *k, const char *what)
{
    if (k->kind != PP_PV_STR || k->u.str.len == 0 || k->u.str.len > 64) {
        fail(m, "%s is not a short string", what);
        return false;
    }
    for (size_t i = 0; i < k->u.str.len; i++) {
        char c = k->u.str.s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '_' || c == '-')) {
            fail(m, "%s '%.64s' has characters other than letters and digits", what, k->u.str.s);
            return false;
        }
    }
    return true;
}

/* ('storage', storage_type, key, location, numel) in zip files; the legacy
 * format adds view_metadata: None, or (view_key, offset, view_numel) where
 * an old torch saved a slice of the storage <key> (the tensors then address
 * the slice). */
static pp_pv *persistent_load(machine *m, const pp_pv *pid)
{
    if (pid->kind != PP_PV_TUPLE || pid->u.seq.len < 4 || pid->u.seq.len > 6) {
        fail(m, "persistent id is not a ('storage', type, key, location, numel[, view]) tuple");
        return NULL;
    }
    pp_pv **a = pid->u.seq.items;
    /* ('module', cls, source_file, source): the legacy format names every
     * nn.Module class this way (a pickled augmentation module, a whole
     * model). The value is the class, inert; the source text is ignored. */
    if (pid->u.seq.len == 4 && a[0]->kind == PP_PV_STR && strcmp(a[0]->u.str.s, "module") == 0)
        return a[1];
    if (a[0]->kind != PP_PV_STR || strcmp(a[0]->u.str.s, "storage") != 0 || pid->u.seq.len < 5) {
        fail(m, "persistent id is not a storage");
        return NULL;
    }
    if (a[1]->kind != PP_PV_GLOBAL || a[1]->u.global < G_STORAGE) {
        char d[128];
        fail(m, "storage type is %s, not a known torch storage class",
             pp_pv_describe(a[1], d, sizeof d));
        return NULL;
    }
    pp_raw_dtype dt = (pp_raw_dtype)(a[1]->u.global - G_STORAGE);
    if (!check_key(m, a[2], "storage key"))
        return NULL;
    const char *key = a[2]->u.str.s;
    int64_t numel;
    size_t bytes;
    if (!get_int(a[4], &numel) || numel < 0 ||
        !pp_mul_size((size_t)numel, pp_raw_dtype_size(dt), &bytes)) {
        fail(m, "storage '%s' has an invalid element count", key);
        return NULL;
    }
    int64_t view_offset = 0, view_numel = numel;
    if (pid->u.seq.len == 6 && a[5]->kind != PP_PV_NONE) {
        const pp_pv *vm = a[5];
        if (vm->kind != PP_PV_TUPLE || vm->u.seq.len != 3 ||
            !check_key(m, vm->u.seq.items[0], "storage view key") ||
            !get_int(vm->u.seq.items[1], &view_offset) ||
            !get_int(vm->u.seq.items[2], &view_numel)) {
            if (m->err->status == PP_OK)
                fail(m, "storage '%s': view metadata is not (key, offset, size)", key);
            return NULL;
        }
        if (view_offset < 0 || view_numel < 0 || view_offset > numel ||
            view_numel > numel - view_offset) {
            fail(m, "storage view of %lld elements at %lld lies outside storage '%s' of %lld",
                 (long long)view_numel, (long long)view_offset, key, (long long)numel);
            return NULL;
        }
    }
    if (m->storage_fn) {
        pp_status s = m->storage_fn(m->user, key, dt, numel, m->err);
        if (s != PP_OK)
            return NULL;
    }
    pp_pv *v = pv_new(m, PP_PV_STORAGE);
    if (!v)
        return NULL;
    v->u.storage.key = budget_alloc(m, a[2]->u.str.len + 1);
    if (!v->u.storage.key)
        return NULL;
    memcpy(v->u.storage.key, key, a[2]->u.str.len);
    v->u.storage.dtype = dt;
    v->u.storage.numel = view_numel;
    v->u.storage.root_numel = numel;
    v->u.storage.view_offset = view_offset;
    return v;
}

static pp_pv *make_global(machine *m, const char *module, const char *name)
{
    if (global_denied(module, name)) {
        fail(m, "refusing %s.%s: a checkpoint is data and never needs to run code", module,
             name);
        return NULL;
    }
    int id = global_lookup(module, name);
    if (id) {
        pp_pv *v = pv_new(m, PP_PV_GLOBAL);
        if (v)
            v->u.global = id;
        return v;
    }
    char full[256];
    snprintf(full, sizeof full, "%s.%s", module, name);
    return pv_object(m, full);
}

static bool valid_ident(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              *s == '_' || *s == '.'))
            return false;
    return true;
}

/* LONG1/LONG4: little-endian two's complement; beyond int64 it is inert. */
static pp_pv *make_long(machine *m, const uint8_t *p, size_t n)
{
    if (n == 0) {
        pp_pv *v = pv_new(m, PP_PV_INT);
        return v;
    }
    bool neg = p[n - 1] & 0x80;
    for (size_t i = 8; i < n; i++) {
        if (p[i] != (neg ? 0xFF : 0x00))
            return pv_object(m, "builtins.int (beyond 64 bits)");
    }
    if (n > 8 && (((p[7] & 0x80) != 0) != neg))
        return pv_object(m, "builtins.int (beyond 64 bits)");
    uint64_t u = neg ? UINT64_MAX : 0;
    size_t k = n < 8 ? n : 8;
    for (size_t i = 0; i < k; i++) {
        u &= ~((uint64_t)0xFF << (8 * i));
        u |= (uint64_t)p[i] << (8 * i);
    }
    pp_pv *v = pv_new(m, PP_PV_INT);
    if (v)
        memcpy(&v->u.i, &u, sizeof u);
    return v;
}

static bool parse_dec(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || errno)
        return false;
    if (*end == 'L')
        end++;
    if (*end)
        return false;
    *out = v;
    return true;
}

/* The memo index a PUT or GET names: BINPUT/BINGET's byte or the LONG_
 * forms' 4 bytes (little-endian; width 1 or 4), or the decimal line of the
 * text forms (width 0, read through line). */
static bool memo_index(machine *m, int width, char *line, size_t line_size, uint64_t *idx)
{
    if (width) {
        if (!need(m, (size_t)width))
            return false;
        *idx = rd_le(m->buf + m->pos, width);
        m->pos += (size_t)width;
        return true;
    }
    int64_t v;
    if (!read_line(m, line, line_size))
        return false;
    if (!parse_dec(line, &v) || v < 0) {
        fail(m, "bad memo index '%.40s'", line);
        return false;
    }
    *idx = (uint64_t)v;
    return true;
}

static pp_status run(machine *m, const pp_pv **root)
{
    char line[256], line2[256];
    for (;;) {
        m->op_off = m->pos;
        if (!need(m, 1))
            return m->err ? m->err->status : PP_ERR_FORMAT;
        uint8_t op = m->buf[m->pos++];
        const uint8_t *p = m->buf + m->pos;
        bool ok = true;
        switch (op) {
        case 0x80: /* PROTO */
            if (!need(m, 1))
                return m->err->status;
            if (p[0] < 2 || p[0] > 5)
                return fail(m, "pickle protocol %d is not supported (2 to 5 are)", p[0]);
            m->pos += 1;
            break;
        case 0x95: /* FRAME: only a hint for buffering */
            if (!need(m, 8))
                return m->err->status;
            if (rd_le(p, 8) > m->len - m->pos - 8)
                return fail(m, "frame of %llu bytes runs past the end",
                            (unsigned long long)rd_le(p, 8));
            m->pos += 8;
            break;
        case '.': /* STOP */
            if (m->sp == 0)
                return fail(m, "STOP with an empty stack");
            *root = m->stack[m->sp - 1];
            return PP_OK;
        case '(': /* MARK */
            if (m->nmarks >= PP_PICKLE_MAX_MARKS)
                return fail(m, "MARKs nested deeper than %u", PP_PICKLE_MAX_MARKS);
            ok = grow(m, (void **)&m->marks, &m->marks_cap, m->nmarks + 1, sizeof(size_t));
            if (ok)
                m->marks[m->nmarks++] = m->sp;
            break;
        case '0': /* POP */
            if (m->sp > floor_sp(m))
                m->sp--;
            else if (m->nmarks)
                m->nmarks--; /* Python pops a MARK here */
            else
                ok = pop(m) != NULL;
            break;
        case '1': { /* POP_MARK */
            size_t from;
            ok = pop_mark(m, &from);
            if (ok)
                m->sp = from;
            break;
        }
        case '2': /* DUP */
            ok = push(m, top(m));
            break;
        case 'N':
            ok = push(m, pv_new(m, PP_PV_NONE));
            break;
        case 0x88:
        case 0x89: {
            pp_pv *v = pv_new(m, PP_PV_BOOL);
            if (v)
                v->u.b = op == 0x88;
            ok = push(m, v);
            break;
        }
        case 'J':
        case 'K':
        case 'M': {
            int n = op == 'J' ? 4 : op == 'K' ? 1 : 2;
            ok = need(m, (size_t)n);
            if (!ok)
                break;
            pp_pv *v = pv_new(m, PP_PV_INT);
            if (v)
                v->u.i = op == 'J' ? (int64_t)(int32_t)(uint32_t)rd_le(p, 4) : (int64_t)rd_le(p, n);
            m->pos += (size_t)n;
            ok = push(m, v);
            break;
        }
        case 0x8a:
        case 0x8b: { /* LONG1, LONG4 */
            int w = op == 0x8a ? 1 : 4;
            ok = need(m, (size_t)w);
            if (!ok)
                break;
            uint64_t n = rd_le(p, w);
            if (op == 0x8b && (n & 0x80000000u))
                return fail(m, "LONG4 with a negative length");
            m->pos += (size_t)w;
            ok = need(m, n);
            if (!ok)
                break;
            pp_pv *v = make_long(m, m->buf + m->pos, n);
            m->pos += n;
            ok = push(m, v);
            break;
        }
        case 'I':
        case 'L': { /* INT, LONG (text) */
            ok = read_line(m, line, sizeof line);
            if (!ok)
                break;
            pp_pv *v;
            if (op == 'I' && (strcmp(line, "00") == 0 || strcmp(line, "01") == 0)) {
                v = pv_new(m, PP_PV_BOOL);
                if (v)
                    v->u.b = line[1] == '1';
            } else {
                int64_t x;
                if (!parse_dec(line, &x))
                    return fail(m, "bad integer literal '%.40s'", line);
                v = pv_new(m, PP_PV_INT);
                if (v)
                    v->u.i = x;
            }
            ok = push(m, v);
            break;
        }
        case 'G': { /* BINFLOAT: big-endian double */
            ok = need(m, 8);
            if (!ok)
                break;
            uint64_t u = 0;
            for (int i = 0; i < 8; i++)
                u = u << 8 | p[i];
            pp_pv *v = pv_new(m, PP_PV_FLOAT);
            if (v)
                memcpy(&v->u.f, &u, sizeof u);
            m->pos += 8;
            ok = push(m, v);
            break;
        }
        case 'F': { /* FLOAT (text) */
            ok = read_line(m, line, sizeof line);
            if (!ok)
                break;
            char *end;
            double d = strtod(line, &end);
            if (end == line || *end)
                return fail(m, "bad float literal '%.40s'", line);
            pp_pv *v = pv_new(m, PP_PV_FLOAT);
            if (v)
                v->u.f = d;
            ok = push(m, v);
            break;
        }
        case 'X':
        case 0x8c:
        case 0x8d: /* BINUNICODE, SHORT_BINUNICODE, BINUNICODE8 */
        case 'T':
        case 'U': /* BINSTRING, SHORT_BINSTRING (Python 2 str) */
        case 'B':
        case 'C':
        case 0x8e:
        case 0x96: { /* BINBYTES, SHORT_BINBYTES, BINBYTES8, BYTEARRAY8 */
            int w = (op == 0x8c || op == 'U' || op == 'C') ? 1 : (op == 0x8d || op == 0x8e || op == 0x96) ? 8 : 4;
            ok = need(m, (size_t)w);
            if (!ok)
                break;
            uint64_t n = rd_le(p, w);
            if (op == 'T' && (n & 0x80000000u))
                return fail(m, "BINSTRING with a negative length");
            m->pos += (size_t)w;
            ok = need(m, n);
            if (!ok)
                break;
            const uint8_t *s = m->buf + m->pos;
            bool text = op == 'X' || op == 0x8c || op == 0x8d || op == 'T' || op == 'U';
            if (text && !valid_utf8(s, n))
                return fail(m, "string is not valid UTF-8");
            pp_pv *v = pv_str(m, text ? PP_PV_STR : PP_PV_BYTES, s, n);
            m->pos += n;
            ok = push(m, v);
            break;
        }
        case ')':
            ok = push(m, pv_new(m, PP_PV_TUPLE));
            break;
        case 0x85:
        case 0x86:
        case 0x87: { /* TUPLE1..3 */
            size_t n = (size_t)(op - 0x84);
            if (m->sp < floor_sp(m) + n)
                return fail(m, "stack underflow");
            pp_pv *t = make_seq(m, PP_PV_TUPLE, m->stack + m->sp - n, n);
            m->sp -= n;
            ok = push(m, t);
            break;
        }
        case 't':
        case 'l':
        case 0x91: { /* TUPLE, LIST, FROZENSET from MARK */
            size_t from;
            if (!pop_mark(m, &from))
                return m->err ? m->err->status : PP_ERR_FORMAT;
            pp_pv_kind k = op == 't' ? PP_PV_TUPLE : op == 'l' ? PP_PV_LIST : PP_PV_SET;
            pp_pv *t = make_seq(m, k, m->sp > from ? m->stack + from : NULL, m->sp - from);
            m->sp = from;
            ok = push(m, t);
            break;
        }
        case ']':
            ok = push(m, pv_new(m, PP_PV_LIST));
            break;
        case '}':
            ok = push(m, pv_new(m, PP_PV_DICT));
            break;
        case 0x8f: /* EMPTY_SET */
            ok = push(m, pv_new(m, PP_PV_SET));
            break;
        case 'd': { /* DICT from MARK */
            size_t from;
            if (!pop_mark(m, &from))
                return m->err ? m->err->status : PP_ERR_FORMAT;
            if ((m->sp - from) % 2)
                return fail(m, "DICT with an odd number of items");
            pp_pv *d = pv_new(m, PP_PV_DICT);
            for (size_t i = from; d && i < m->sp; i += 2)
                if (!dict_set(m, d, m->stack[i], m->stack[i + 1]))
                    d = NULL;
            m->sp = from;
            ok = push(m, d);
            break;
        }
        case 'a': { /* APPEND */
            pp_pv *v = pop(m);
            pp_pv *l = v ? top(m) : NULL;
            if (!l)
                return m->err->status;
            if (l->kind == PP_PV_LIST)
                ok = seq_push(m, l, v);
            else if (l->kind != PP_PV_OBJECT)
                return fail(m, "APPEND to something that is not a list");
            break;
        }
        case 'e':
        case 0x90: { /* APPENDS, ADDITEMS */
            size_t from;
            if (!pop_mark(m, &from))
                return m->err->status;
            if (from == floor_sp(m) || from == 0)
                return fail(m, "%s without a target", op == 'e' ? "APPENDS" : "ADDITEMS");
            pp_pv *l = m->stack[from - 1];
            pp_pv_kind want = op == 'e' ? PP_PV_LIST : PP_PV_SET;
            if (l->kind == want) {
                for (size_t i = from; ok && i < m->sp; i++)
                    ok = seq_push(m, l, m->stack[i]);
            } else if (l->kind != PP_PV_OBJECT) {
                return fail(m, "%s to something that is not a %s", op == 'e' ? "APPENDS" : "ADDITEMS",
                            op == 'e' ? "list" : "set");
            }
            m->sp = from;
            break;
        }
        case 's': { /* SETITEM */
            pp_pv *v = pop(m);
            pp_pv *k = v ? pop(m) : NULL;
            pp_pv *d = k ? top(m) : NULL;
            if (!d)
                return m->err->status;
            if (d->kind == PP_PV_DICT)
                ok = dict_set(m, d, k, v);
            else if (d->kind != PP_PV_OBJECT)
                return fail(m, "SETITEM on something that is not a dict");
            break;
        }
        case 'u': { /* SETITEMS */
            size_t from;
            if (!pop_mark(m, &from))
                return m->err->status;
            if (from == floor_sp(m) || from == 0)
                return fail(m, "SETITEMS without a target");
            if ((m->sp - from) % 2)
                return fail(m, "SETITEMS with an odd number of items");
            pp_pv *d = m->stack[from - 1];
            if (d->kind == PP_PV_DICT) {
                for (size_t i = from; ok && i < m->sp; i += 2)
                    ok = dict_set(m, d, m->stack[i], m->stack[i + 1]);
            } else if (d->kind != PP_PV_OBJECT) {
                return fail(m, "SETITEMS on something that is not a dict");
            }
            m->sp = from;
            break;
        }
        case 'c': { /* GLOBAL module\nname\n */
            ok = read_line(m, line, sizeof line) && read_line(m, line2, sizeof line2);
            if (!ok)
                break;
            if (!valid_ident(line) || !valid_ident(line2))
                return fail(m, "GLOBAL with a malformed name");
            ok = push(m, make_global(m, line, line2));
            break;
        }
        case 0x93: { /* STACK_GLOBAL */
            pp_pv *name = pop(m);
            pp_pv *mod = name ? pop(m) : NULL;
            if (!mod)
                return m->err->status;
            if (name->kind != PP_PV_STR || mod->kind != PP_PV_STR || name->u.str.len > 200 ||
                mod->u.str.len > 200 || !valid_ident(mod->u.str.s) || !valid_ident(name->u.str.s))
                return fail(m, "STACK_GLOBAL with a malformed name");
            ok = push(m, make_global(m, mod->u.str.s, name->u.str.s));
            break;
        }
        case 'R': { /* REDUCE */
            pp_pv *args = pop(m);
            pp_pv *fn = args ? pop(m) : NULL;
            if (!fn)
                return m->err->status;
            ok = push(m, apply(m, fn, args, "REDUCE"));
            break;
        }
        case 0x81:   /* NEWOBJ cls args */
        case 0x92: { /* NEWOBJ_EX cls args kwargs */
            pp_pv *kw = NULL;
            if (op == 0x92 && !(kw = pop(m)))
                return m->err->status;
            pp_pv *args = pop(m);
            pp_pv *cls = args ? pop(m) : NULL;
            if (!cls)
                return m->err->status;
            if (cls->kind == PP_PV_GLOBAL &&
                (cls->u.global == G_REBUILD_TENSOR_V2 || cls->u.global == G_REBUILD_PARAMETER ||
                 cls->u.global == G_REBUILD_PARAMETER_WITH_STATE))
                return fail(m, "NEWOBJ on a function");
            ok = push(m, apply(m, cls, args, "NEWOBJ"));
            break;
        }
        case 'b': /* BUILD */
            ok = do_build(m);
            break;
        case 'Q': { /* BINPERSID */
            pp_pv *pid = pop(m);
            if (!pid)
                return m->err->status;
            ok = push(m, persistent_load(m, pid));
            break;
        }
        case 'q':   /* BINPUT */
        case 'r':   /* LONG_BINPUT */
        case 'p': { /* PUT (text) */
            uint64_t idx;
            ok = memo_index(m, op == 'q' ? 1 : op == 'r' ? 4 : 0, line, sizeof line, &idx) &&
                 memo_put(m, idx, top(m));
            break;
        }
        case 0x94: /* MEMOIZE */
            /* MEMOIZE stores at len(memo), the number of entries so far. */
            ok = memo_put(m, m->memo_count, top(m));
            break;
        case 'h':   /* BINGET */
        case 'j':   /* LONG_BINGET */
        case 'g': { /* GET (text) */
            uint64_t idx;
            ok = memo_index(m, op == 'h' ? 1 : op == 'j' ? 4 : 0, line, sizeof line, &idx) &&
                 push(m, memo_get(m, idx));
            break;
        }
        default:
            return fail(m, "opcode 0x%02x is not supported in checkpoints", op);
        }
        if (!ok)
            return m->err && m->err->status != PP_OK ? m->err->status : PP_ERR_FORMAT;
    }
}

void pp_pickle_free(pp_pickle *p)
{
    if (!p)
        return;
    pp_pv *v = p->values;
    while (v) {
        pp_pv *next = v->next_alloc;
        switch (v->kind) {
        case PP_PV_STR:
        case PP_PV_BYTES:
        case PP_PV_OBJECT: free(v->u.str.s); break;
        case PP_PV_TUPLE:
        case PP_PV_LIST:
        case PP_PV_SET: free(v->u.seq.items); break;
        case PP_PV_DICT:
            free(v->u.dict.keys);
            free(v->u.dict.vals);
            break;
        case PP_PV_STORAGE: free(v->u.storage.key); break;
        default: break;
        }
        free(v);
        v = next;
    }
    free(p);
}

pp_status pp_pickle_parse(const uint8_t *buf, size_t len, const char *name,
                          pp_pickle_storage_fn storage_fn, void *user, pp_pickle **out,
                          const pp_pv **root, pp_error *err)
{
    size_t used;
    return pp_pickle_parse_prefix(buf, len, name, storage_fn, user, out, root, &used, err);
}

pp_status pp_pickle_parse_prefix(const uint8_t *buf, size_t len, const char *name,
                                 pp_pickle_storage_fn storage_fn, void *user, pp_pickle **out,
                                 const pp_pv **root, size_t *used, pp_error *err)
{
    *used = 0;
    *out = NULL;
    *root = NULL;
    pp_error local;
    err = pp_error_or(err, &local);
    if (len > PP_PICKLE_MAX_BYTES)
        return pp_fail(err, PP_ERR_FORMAT, "%s: pickle of %zu bytes is larger than the %zu MiB limit",
                       name, len, PP_PICKLE_MAX_BYTES >> 20);
    machine m = {.buf = buf, .len = len, .name = name, .err = err, .storage_fn = storage_fn,
                 .user = user};
    m.owner = calloc(1, sizeof *m.owner);
    if (!m.owner)
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory", name);
    /* Room for a value per opcode byte and then some, never unbounded. */
    m.byte_limit = (size_t)64 << 20;
    if (len < ((size_t)1 << 30) / 128)
        m.byte_limit += len * 128;
    else
        m.byte_limit = (size_t)1 << 30;
    const pp_pv *r = NULL;
    pp_status s = run(&m, &r);
    free(m.stack);
    free(m.marks);
    free(m.memo);
    if (s != PP_OK) {
        if (err->status == PP_OK)
            pp_fail(err, s, "%s: malformed pickle", name);
        pp_pickle_free(m.owner);
        return s;
    }
    m.owner->root = r;
    *out = m.owner;
    *root = r;
    *used = m.pos;
    return PP_OK;
}

const pp_pv *pp_pv_dict_get(const pp_pv *d, const char *key)
{
    if (!d || d->kind != PP_PV_DICT)
        return NULL;
    for (size_t i = d->u.dict.len; i-- > 0;) {
        const pp_pv *k = d->u.dict.keys[i];
        if (k->kind == PP_PV_STR && strcmp(k->u.str.s, key) == 0 && strlen(k->u.str.s) == k->u.str.len)
            return d->u.dict.vals[i];
    }
    return NULL;
}

/* Depth-first with a visit budget: shared (memoised) values make a small
 * graph a huge tree, so a walk that runs out of budget answers true. */
static bool holds_object(const pp_pv *v, unsigned depth, size_t *budget)
{
    if (!*budget || depth > PP_PICKLE_MAX_DEPTH)
        return true;
    (*budget)--;
    switch (v->kind) {
    case PP_PV_OBJECT: return true;
    case PP_PV_TUPLE:
    case PP_PV_LIST:
    case PP_PV_SET:
        for (size_t i = 0; i < v->u.seq.len; i++)
            if (holds_object(v->u.seq.items[i], depth + 1, budget))
                return true;
        return false;
    case PP_PV_DICT:
        for (size_t i = 0; i < v->u.dict.len; i++)
            if (holds_object(v->u.dict.keys[i], depth + 1, budget) ||
                holds_object(v->u.dict.vals[i], depth + 1, budget))
                return true;
        return false;
    default: return false;
    }
}

bool pp_pv_holds_object(const pp_pv *v)
{
    size_t budget = 1u << 16;
    return holds_object(v, 0, &budget);
}

const char *pp_pv_global_name(const pp_pv *v)
{
    if (v->kind != PP_PV_GLOBAL)
        return NULL;
    if (v->u.global == G_ATTRIBUTE_DICT)
        return "AttributeDict";
    for (size_t i = 0; i < sizeof allowed_globals / sizeof allowed_globals[0]; i++)
        if (allowed_globals[i].id == v->u.global)
            return allowed_globals[i].name;
    return "allowed global";
}

const char *pp_pv_describe(const pp_pv *v, char *buf, size_t len)
{
    static const char *names[] = {"None", "bool", "int", "float", "str", "bytes", "tuple",
                                  "list", "set", "dict", "allowed global", "storage", "tensor",
                                  "unsupported object"};
    if (!v)
        snprintf(buf, len, "nothing");
    else if (v->kind == PP_PV_OBJECT)
        snprintf(buf, len, "unsupported object %.200s", v->u.str.s);
    else
        snprintf(buf, len, "%s", names[v->kind]);
    return buf;
}

#include "pickle_text.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MAX_TEXT_DEPTH 8
#define MAX_VISITS 4096
#define MAX_ITEMS 16 /* per container; the rest become "..." */

typedef struct {
    char *buf;
    size_t cap, len;
    size_t visits;
    bool cut;
} out;

static void put(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out *o, const char *fmt, ...)
{
    if (o->cut)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->cap - o->len) {
        o->len = o->cap - 1;
        o->cut = true;
    } else {
        o->len += (size_t)n;
    }
}

/* A string between quotes, non-printable bytes as '?', at most 80 bytes. */
static void put_quoted(out *o, const char *s, size_t len)
{
    put(o, "'");
    for (size_t i = 0; i < len && i < 80; i++) {
        unsigned char c = (unsigned char)s[i];
        put(o, "%c", c < 0x20 || c == 0x7f || c == '\'' ? '?' : (char)c);
    }
    put(o, len > 80 ? "...'" : "'");
}

static void text(out *o, const pp_pv *v, unsigned depth);

/* getattr(owner, 'name'), under its Python 3 or protocol-2 module name. */
static bool is_getattr(const pp_pv *v)
{
    const pp_pv *args = v->u.obj.args;
    return (strcmp(v->u.obj.s, "builtins.getattr") == 0 ||
            strcmp(v->u.obj.s, "__builtin__.getattr") == 0) &&
           args && args->kind == PP_PV_TUPLE && args->u.seq.len == 2 &&
           args->u.seq.items[1]->kind == PP_PV_STR;
}

static bool is_private_name(const pp_pv *k)
{
    return k->kind == PP_PV_STR && k->u.str.len > 0 && k->u.str.s[0] == '_';
}

static void object_name(out *o, const pp_pv *v, unsigned depth)
{
    if (depth > MAX_TEXT_DEPTH || ++o->visits > MAX_VISITS) {
        put(o, "...");
        return;
    }
    const pp_pv *args = v->u.obj.args;
    /* getattr(cls, 'name') reads as cls.name */
    if (is_getattr(v)) {
        const pp_pv *owner = args->u.seq.items[0];
        if (owner->kind == PP_PV_OBJECT)
            object_name(o, owner, depth + 1);
        else
            text(o, owner, depth + 1);
        put(o, ".%.80s", args->u.seq.items[1]->u.str.s);
        return;
    }
    if (v->u.obj.callee && depth < MAX_TEXT_DEPTH) {
        text(o, v->u.obj.callee, depth + 1);
        return;
    }
    put(o, "%.200s", v->u.obj.s);
}

static void object_text(out *o, const pp_pv *v, unsigned depth)
{
    object_name(o, v, depth);
    const pp_pv *args = v->u.obj.args, *state = v->u.obj.state;
    if (is_getattr(v) && !state)
        return; /* shown as cls.name */
    /* (state, slots) pairs from __reduce_ex__: the dict is the first. */
    if (state && state->kind == PP_PV_TUPLE && state->u.seq.len == 2 &&
        state->u.seq.items[0]->kind == PP_PV_DICT)
        state = state->u.seq.items[0];
    if (!args && !state)
        return;
    put(o, "(");
    size_t shown = 0;
    if (args && args->kind == PP_PV_TUPLE) {
        for (size_t i = 0; i < args->u.seq.len && shown < MAX_ITEMS; i++, shown++) {
            put(o, shown ? ", " : "");
            text(o, args->u.seq.items[i], depth + 1);
        }
    }
    if (state && state->kind == PP_PV_DICT) {
        for (size_t i = 0; i < state->u.dict.len && shown < MAX_ITEMS; i++) {
            const pp_pv *k = state->u.dict.keys[i];
            if (is_private_name(k))
                continue;
            put(o, shown++ ? ", " : "");
            if (k->kind == PP_PV_STR)
                put(o, "%.80s=", k->u.str.s);
            else
                text(o, k, depth + 1), put(o, "=");
            text(o, state->u.dict.vals[i], depth + 1);
        }
    } else if (state) {
        put(o, shown++ ? ", " : "");
        put(o, "state=");
        text(o, state, depth + 1);
    }
    if (shown >= MAX_ITEMS)
        put(o, ", ...");
    put(o, ")");
}

static void seq_text(out *o, const pp_pv *v, unsigned depth, const char *open, const char *close)
{
    put(o, "%s", open);
    size_t n = v->u.seq.len;
    for (size_t i = 0; i < n && i < MAX_ITEMS; i++) {
        put(o, i ? ", " : "");
        text(o, v->u.seq.items[i], depth + 1);
    }
    if (n > MAX_ITEMS)
        put(o, ", ...");
    if (v->kind == PP_PV_TUPLE && n == 1)
        put(o, ",");
    put(o, "%s", close);
}

static void text(out *o, const pp_pv *v, unsigned depth)
{
    if (o->cut)
        return;
    if (depth > MAX_TEXT_DEPTH || ++o->visits > MAX_VISITS) {
        put(o, "...");
        return;
    }
    char shape[128];
    switch (v->kind) {
    case PP_PV_NONE: put(o, "None"); break;
    case PP_PV_BOOL: put(o, v->u.b ? "True" : "False"); break;
    case PP_PV_INT: put(o, "%lld", (long long)v->u.i); break;
    case PP_PV_FLOAT: put(o, "%.9g", v->u.f); break;
    case PP_PV_STR: put_quoted(o, v->u.str.s, v->u.str.len); break;
    case PP_PV_BYTES: put(o, "<%zu bytes>", v->u.str.len); break;
    case PP_PV_TUPLE: seq_text(o, v, depth, "(", ")"); break;
    case PP_PV_LIST: seq_text(o, v, depth, "[", "]"); break;
    case PP_PV_SET: seq_text(o, v, depth, "{", "}"); break;
    case PP_PV_DICT: {
        put(o, "{");
        size_t n = v->u.dict.len;
        for (size_t i = 0; i < n && i < MAX_ITEMS; i++) {
            put(o, i ? ", " : "");
            text(o, v->u.dict.keys[i], depth + 1);
            put(o, ": ");
            text(o, v->u.dict.vals[i], depth + 1);
        }
        put(o, n > MAX_ITEMS ? ", ...}" : "}");
        break;
    }
    case PP_PV_GLOBAL: put(o, "%s", pp_pv_global_name(v)); break;
    case PP_PV_STORAGE: put(o, "<storage>"); break;
    case PP_PV_TENSOR:
        put(o, "tensor%s", pp_shape_string(v->u.tensor.ndim, v->u.tensor.size, shape, sizeof shape));
        break;
    case PP_PV_OBJECT: object_text(o, v, depth); break;
    }
}

static const char *finish(out *o)
{
    if (o->cut && o->cap >= 4)
        memcpy(o->buf + o->cap - 4, "...", 4);
    return o->buf;
}

const char *pp_pv_text(const pp_pv *v, char *buf, size_t cap)
{
    if (!cap)
        return buf;
    out o = {.buf = buf, .cap = cap};
    buf[0] = '\0';
    text(&o, v, 0);
    return finish(&o);
}

const char *pp_pv_object_name(const pp_pv *v, char *buf, size_t cap)
{
    if (!cap)
        return buf;
    if (v->kind != PP_PV_OBJECT)
        return pp_pv_describe(v, buf, cap);
    out o = {.buf = buf, .cap = cap};
    buf[0] = '\0';
    object_name(&o, v, 0);
    return finish(&o);
}

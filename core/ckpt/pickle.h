/* A restricted pickle interpreter for PyTorch checkpoints.
 *
 * A pickle is a program for a stack machine that may call any Python callable
 * it names. This one only builds plain data: None, bool, int, float, str,
 * bytes, tuple, list, dict, set, tensors and storages. GLOBAL / STACK_GLOBAL
 * resolve against an allow-list (tensor/parameter rebuild functions, storage
 * types, OrderedDict, argparse.Namespace and Lightning's AttributeDict, which
 * become dicts); any other global becomes an inert "unsupported object" that
 * remembers its name, the arguments it was applied to (REDUCE, NEWOBJ) and
 * the state BUILD gave it, and is never called: hyper-parameters pickle such
 * objects (an AugMix or PRIME augmentation, an enum named through
 * builtins.getattr). Globals that only an attack would name (os.system,
 * builtins.eval, subprocess, ...) are refused outright.
 *
 * Every count, length, memo index, stack and nesting depth and the total
 * allocation are bounded; all values belong to one pp_pickle and are freed
 * together. */
#ifndef PP_PICKLE_H
#define PP_PICKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../status.h"
#include "../tensor.h"
#include "raw_dtype.h"

/* Limits; a legitimate Lightning checkpoint stays far below each. */
#define PP_PICKLE_MAX_STACK (1u << 20)    /* values on the stack */
#define PP_PICKLE_MAX_MARKS 256u          /* nested MARKs */
#define PP_PICKLE_MAX_DEPTH 128u          /* nesting of containers */
#define PP_PICKLE_MAX_MEMO (1u << 22)     /* memo indices */
#define PP_PICKLE_MAX_BYTES ((size_t)256 << 20) /* size of data.pkl */

typedef enum {
    PP_PV_NONE,
    PP_PV_BOOL,
    PP_PV_INT,
    PP_PV_FLOAT,
    PP_PV_STR,     /* UTF-8, NUL-terminated (may hold inner NULs: use len) */
    PP_PV_BYTES,
    PP_PV_TUPLE,
    PP_PV_LIST,
    PP_PV_SET,
    PP_PV_DICT,
    PP_PV_GLOBAL,  /* an allowed callable or class, not yet applied */
    PP_PV_STORAGE, /* a persistent-id storage: data/<key> in the archive */
    PP_PV_TENSOR,  /* a checked view of a storage */
    PP_PV_OBJECT,  /* inert: anything not on the allow-list (u.obj) */
} pp_pv_kind;

typedef struct pp_pv pp_pv;

typedef struct {
    const pp_pv *storage; /* kind PP_PV_STORAGE */
    int64_t offset;       /* in elements */
    int ndim;
    int64_t size[PP_MAX_DIMS];
    int64_t stride[PP_MAX_DIMS]; /* in elements, >= 0 */
    int64_t numel;
} pp_pv_tensor;

struct pp_pv {
    pp_pv_kind kind;
    uint32_t depth; /* containers: nesting depth seen so far */
    pp_pv *next_alloc; /* owner's list of every value, for freeing */
    union {
        bool b;
        int64_t i;
        double f;
        struct {
            char *s;
            size_t len;
        } str; /* STR, BYTES */
        struct {
            char *s; /* "module.name" (first, like str: describe and free read it) */
            size_t len;
            const pp_pv *callee; /* the inert object that was applied, when it was one */
            const pp_pv *args;  /* REDUCE/NEWOBJ arguments (a tuple), or NULL */
            const pp_pv *state; /* what BUILD gave it, or NULL */
        } obj; /* OBJECT */
        struct {
            pp_pv **items;
            size_t len, cap;
        } seq; /* TUPLE, LIST, SET */
        struct {
            pp_pv **keys, **vals;
            size_t len, cap;
            int flavor; /* how BUILD treats it, see pickle.c */
        } dict;
        int global; /* allow-list id, see pickle.c */
        struct {
            char *key;
            pp_raw_dtype dtype;
            int64_t numel;      /* elements a tensor may address */
            int64_t root_numel; /* elements of the stored storage <key> */
            int64_t view_offset; /* where numel starts in it (legacy storage views) */
        } storage;
        pp_pv_tensor tensor;
    } u;
};

/* Called for every storage a persistent id names, before any tensor uses
 * it: the archive checks that data/<key> exists and holds numel elements
 * (for a legacy view, numel is the whole stored storage's). */
typedef pp_status (*pp_pickle_storage_fn)(void *user, const char *key, pp_raw_dtype dtype,
                                          int64_t numel, pp_error *err);

typedef struct pp_pickle pp_pickle;

/* Runs the pickle in buf. `name` (e.g. "model.ckpt: archive/data.pkl") starts
 * every message. On success *out owns every value and *root is the result;
 * on failure nothing is allocated. storage_fn may be NULL. */
pp_status pp_pickle_parse(const uint8_t *buf, size_t len, const char *name,
                          pp_pickle_storage_fn storage_fn, void *user, pp_pickle **out,
                          const pp_pv **root, pp_error *err);
/* The same for a pickle followed by other data (the legacy torch.save stream
 * is several pickles and raw storages in a row): *used gets the bytes up to
 * and including its STOP. */
pp_status pp_pickle_parse_prefix(const uint8_t *buf, size_t len, const char *name,
                                 pp_pickle_storage_fn storage_fn, void *user, pp_pickle **out,
                                 const pp_pv **root, size_t *used, pp_error *err);
void pp_pickle_free(pp_pickle *p);

/* The value for a string key (the last one set wins), or NULL. */
const pp_pv *pp_pv_dict_get(const pp_pv *dict, const char *key);
/* "dict", "tensor", "unsupported object os.system", ... into buf. */
const char *pp_pv_describe(const pp_pv *v, char *buf, size_t len);
/* An allowed global's name ("collections.OrderedDict"); NULL for other kinds. */
const char *pp_pv_global_name(const pp_pv *v);
/* True when an inert object is reachable from v (within the nesting limit;
 * a graph too large to walk counts as holding one). */
bool pp_pv_holds_object(const pp_pv *v);

#endif

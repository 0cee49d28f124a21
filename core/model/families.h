/* The model families the engine knows, as ONE table (families.c): how a
 * state dict's key names identify each (required and forbidden key patterns,
 * docs/spec/architectures.md "Recognition rules") and which builder makes it.
 * Adding an architecture: its builder plus one row. */
#ifndef PP_FAMILIES_H
#define PP_FAMILIES_H

#include <stdbool.h>
#include <stddef.h>

#include "../arch.h"
#include "../ckpt/state_dict.h"
#include "../status.h"

struct pp_model_builder;

typedef struct {
    const char *name;        /* "pushpull_resnet": pp_arch.family, metadata, `info` */
    const char *description; /* one line for people */
    /* Key patterns after pp_sd_normalize_names ('*' matches any run of
     * characters): every required one must match some key, no forbidden one
     * may match any key. NULL-terminated. */
    const char *const *required;
    const char *const *forbidden;
    void (*build)(struct pp_model_builder *b); /* model/builder.h */
} pp_family;

/* The rows, in detection order (the first that fits wins). */
int pp_family_count(void);
const pp_family *pp_family_at(int index);
const pp_family *pp_family_by_name(const char *name);

/* The family whose key rules fit sd. None: PP_ERR_UNSUPPORTED with a message
 * listing what was found and the closest family with the keys it lacks (or
 * the forbidden keys it has); never a guess. */
pp_status pp_family_recognise(const pp_state_dict *sd, const pp_family **family, pp_error *err);

/* The family an architecture is built as: by pp_arch.family's name (empty:
 * from push_pull). Never NULL. */
const pp_family *pp_family_of_arch(const pp_arch *a);

/* Does `key` match `pattern` ('*' = any run, possibly empty)? */
bool pp_key_pattern_match(const char *pattern, const char *key);

#endif

#include "key_prefix.h"

#include <string.h>

#define MAX_PREFIXES 4 /* model.model. under module. is the deepest seen */

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* True when every kept key has `prefix` at byte p. */
static bool all_kept_have(const char *const *keys, size_t n, const bool *drop, size_t p,
                          const char *prefix, size_t len)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (drop[i])
            continue;
        kept++;
        if (strlen(keys[i]) < p + len || strncmp(keys[i] + p, prefix, len) != 0 ||
            !strchr(keys[i] + p + len, '.'))
            return false;
    }
    return kept > 0;
}

static const char *first_kept(const char *const *keys, size_t n, const bool *drop)
{
    for (size_t i = 0; i < n; i++)
        if (!drop[i])
            return keys[i];
    return NULL;
}

void pp_key_unwrap_plan(const char *const *keys, size_t n, bool *drop, pp_key_unwrap *plan)
{
    memset(plan, 0, sizeof *plan);
    for (size_t i = 0; i < n; i++)
        drop[i] = false;
    size_t p = 0;
    /* 1. DataParallel, possibly nested. */
    while (p + 7 < sizeof plan->removed && all_kept_have(keys, n, drop, p, "module.", 7))
        p += 7;
    /* 2. PRIME's AugClassifier(model=AugModel(model=net, aug=...)): the
     * augmentation's TransformLayer sits beside the network. */
    size_t aug = 0, others = 0, under_model = 0;
    for (size_t i = 0; i < n; i++) {
        if (starts(keys[i] + p, "model.aug.")) {
            aug++;
            continue;
        }
        others++;
        under_model += starts(keys[i] + p, "model.");
    }
    if (aug && others && under_model == others) {
        for (size_t i = 0; i < n; i++)
            drop[i] = starts(keys[i] + p, "model.aug.");
        plan->dropped = aug;
    }
    /* 3. Lightning and other wrappers: a first component all keys share. */
    static const char *layer_roots[] = {"conv1.", "bn.", "bn1.", "layer1.", "classifier.", "fc.", NULL};
    for (int round = 0; round < MAX_PREFIXES; round++) {
        const char *first = first_kept(keys, n, drop);
        if (!first)
            break;
        const char *dot = strchr(first + p, '.');
        if (!dot)
            break;
        size_t len = (size_t)(dot - (first + p)) + 1;
        bool is_layer = false;
        for (int r = 0; layer_roots[r]; r++)
            is_layer |= starts(first + p, layer_roots[r]);
        if (is_layer || p + len >= sizeof plan->removed ||
            !all_kept_have(keys, n, drop, p, first + p, len))
            break;
        p += len;
    }
    const char *first = first_kept(keys, n, drop);
    if (first && p < sizeof plan->removed) {
        memcpy(plan->removed, first, p);
        plan->removed[p] = '\0';
        plan->strip = p;
    }
}

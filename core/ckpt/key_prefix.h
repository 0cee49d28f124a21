/* Wrapper prefixes around a torch state dict's keys, decided from the keys
 * alone (spec: architectures.md, "Unwrapping that covers every checkpoint
 * seen"): a leading `module.` (DataParallel), as often as every key carries
 * it; then `model.aug.*` dropped (PRIME's augmentation layer beside the
 * network, when every other key is under `model.`); then a first component
 * that every key shares (`model.`, `model.model.`, `resnet.`), again while
 * all keys share one and the first key does not already begin with a layer
 * name (`conv1.`, `bn.`, `bn1.`, `layer1.`, `classifier.`, `fc.`), so a
 * state dict is never cut down to bare "weight" names. */
#ifndef PP_KEY_PREFIX_H
#define PP_KEY_PREFIX_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    size_t strip;      /* bytes removed from the front of every kept key */
    char removed[128]; /* those bytes, e.g. "module.model.", or "" */
    size_t dropped;    /* keys marked in drop[] */
} pp_key_unwrap;

/* keys: n names; drop: n flags, set for the keys to leave out. */
void pp_key_unwrap_plan(const char *const *keys, size_t n, bool *drop, pp_key_unwrap *plan);

#endif

/* A whole pickled nn.Module (torch.save(model), as the PNN reimplementation's
 * files are) -> the dict its state_dict() would give, without running it.
 *
 * The unpickler keeps each module as an inert object with the attributes
 * BUILD gave it; here `_parameters` and `_buffers` (less
 * `_non_persistent_buffers_set`) of the module and, recursively, of each
 * entry of `_modules` are named as state_dict() names them
 * ("layer1.0.conv1.weight"). A None parameter (bias=False) is skipped. The
 * names and the dict are this struct's; the values stay the pickle's.
 * Every module met is listed too (its state_dict() prefix and the inert
 * object), so a loader can read their classes and settings (PNN's level). */
#ifndef PP_TORCH_MODULE_H
#define PP_TORCH_MODULE_H

#include <stdbool.h>

#include "pickle.h"

typedef struct {
    pp_pv dict;    /* kind PP_PV_DICT: names -> the pickle's tensors */
    pp_pv *keys;   /* the names, as string values */
    size_t count, cap;
    const pp_pv **vals;
    char **module_paths;         /* "" (the root), "pre_layers.0", ... */
    const pp_pv **modules;       /* the inert module objects, same order */
    size_t module_count, module_cap;
} pp_torch_module_state;

/* True when v is an inert object whose state has an nn.Module's `_modules`
 * and `_parameters`. */
bool pp_torch_is_module(const pp_pv *v);

/* Fills *out (initialised here; pp_torch_module_state_free it in any case). */
pp_status pp_torch_module_state_of(const pp_pv *module, const char *name, pp_torch_module_state *out,
                                   pp_error *err);
void pp_torch_module_state_free(pp_torch_module_state *s);

#endif

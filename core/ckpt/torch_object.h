/* What torch.save pickled -> a state dict. Shared by both torch formats (the
 * zip archive and the legacy stream); they differ only in where a storage's
 * bytes are.
 *
 * The tensors are taken from, in order: 'state_dict' (Lightning, AugMix,
 * DeepAugment, adobe, nicstrisc), 'model_state_dict' (game-of-noise), 'model'
 * when it is a dict holding tensors, else the object itself (torch.save of a
 * state dict); a whole pickled nn.Module is walked as torch_module.h says. In that dict tensors load, Python numbers become 0-d tensors
 * (misc/modify_ckpt.py's float alpha), other plain values are dropped, and an
 * object (a REDUCE of anything but torch's tensor rebuild) refuses the file
 * naming its class. Outside it nothing is used but 'hyper_parameters' (dict,
 * Namespace, AttributeDict) and 'epoch'/'global_step', which become metadata;
 * inert objects there (pickled augmentations) are listed and shown as text,
 * never called. Wrapper prefixes are then removed (key_prefix.h).
 *
 * Metadata the loader adds about the file itself (PP_SD_SOURCE_META; pushpull
 * info shows it, saving leaves it out):
 *   checkpoint.format          "torch zip" / "torch legacy (pre-1.6)"
 *   checkpoint.container       where the tensors were: "state_dict", ...,
 *                              "top level", "whole pickled model <class>"
 *   checkpoint.prefix          the key prefixes removed, e.g. "module." (absent if none)
 *   checkpoint.dropped         state-dict entries left out (non-tensor values, model.aug.*)
 *   checkpoint.inert_objects   one "path: name" line per object outside the state dict */
#ifndef PP_TORCH_OBJECT_H
#define PP_TORCH_OBJECT_H

#include <stddef.h>
#include <stdint.h>

#include "pickle.h"
#include "state_dict.h"

/* Reads the whole stored storage st->u.storage.key (root_numel elements,
 * `bytes` in all) into dst. */
typedef pp_status (*pp_torch_storage_read_fn)(void *user, const pp_pv *st, void *dst, size_t bytes,
                                              pp_error *err);

typedef struct {
    const char *name;   /* the file, first in every message */
    const char *format; /* for checkpoint.format */
    size_t pickle_len;  /* bounds the hyper-parameters' expansion */
    uint64_t file_size; /* bounds the tensors' total size */
    pp_torch_storage_read_fn read;
    void *user;
} pp_torch_source;

/* *out is initialised here; on failure it is left empty. */
pp_status pp_torch_object_load(const pp_torch_source *src, const pp_pv *root, pp_state_dict *out,
                               pp_error *err);

#endif

/* PyTorch checkpoints (.pt/.pth from torch.save, Lightning .ckpt) -> state dict,
 * in either format: the zip archive (torch >= 1.6) or the legacy stream
 * (torch_legacy.h), told apart by content.
 *
 * Which part of the pickled object holds the tensors, and what becomes
 * metadata, is torch_object.h's: a Lightning file's 'hyper_parameters'
 * (dict, argparse Namespace or AttributeDict) become string metadata: ints in
 * decimal, floats as %.9g, bools as true/false, strings as they are, None as
 * null, nested values as JSON, inert objects as text. Wrapper prefixes such
 * as "module." and "model." are removed. Optimizer and callback state is
 * parsed (inertly) but never materialised. */
#ifndef PP_TORCH_CHECKPOINT_H
#define PP_TORCH_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "state_dict.h"

/* At most this many tensors in a state dict (checked before any is read). */
#define PP_TORCH_MAX_TENSORS PP_SD_MAX_TENSORS

/* *sd is initialised here; on failure it is left empty and err names the
 * file, the entry or byte offset, and what was wrong. */
pp_status pp_torch_load(const char *path, pp_state_dict *sd, pp_error *err);
/* The same for an archive held in memory; `name` starts every message. */
pp_status pp_torch_load_buffer(const uint8_t *buf, size_t len, const char *name,
                               pp_state_dict *sd, pp_error *err);

#endif

/* PyTorch's legacy checkpoint stream (torch.save before 1.6, or with
 * _use_new_zipfile_serialization=False; adobe's antialiased-cnns weights and
 * many 2019-2020 robustness checkpoints), read with the same restricted
 * unpickler as the zip archives.
 *
 * The file is five things in a row: a pickled magic number
 * (0x1950a86a20f9469cfc6c), the protocol version (1001), sys_info (a dict:
 * little_endian, type_sizes), the main pickle whose persistent ids name the
 * storages ('storage', type, key, location, numel[, view]), a pickled list of
 * the storage keys, and then for each listed key its raw bytes: an 8-byte
 * little-endian element count followed by the elements. Every size and
 * offset is checked against the file before any tensor is built; a
 * big-endian file, a storage the pickle names but the key list lacks, a key
 * listed twice or never named, a count that disagrees with the pickle, or
 * bytes past the end refuse the file with its name, the byte offset and what
 * was wrong. */
#ifndef PP_TORCH_LEGACY_H
#define PP_TORCH_LEGACY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state_dict.h"

/* Bytes of a file's head that pp_torch_legacy_detect wants to see. */
#define PP_TORCH_LEGACY_HEAD 32
/* Distinct storages one file may name (a network has far fewer). */
#define PP_TORCH_LEGACY_MAX_STORAGES 65536

/* True when head (the first n bytes) starts with the pickled magic number. */
bool pp_torch_legacy_detect(const uint8_t *head, size_t n);

/* As pp_torch_load: *sd is initialised; on failure it is left empty. */
pp_status pp_torch_legacy_load(const char *path, pp_state_dict *sd, pp_error *err);
pp_status pp_torch_legacy_load_buffer(const uint8_t *buf, size_t len, const char *name,
                                      pp_state_dict *sd, pp_error *err);

#endif

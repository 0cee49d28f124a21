/* A state dict: tensor name -> tensor, plus string metadata.
 * Every checkpoint loader (safetensors, torch zip, ...) produces one; the model
 * layer never sees file formats. Floating tensors are always float32 here
 * (loaders convert f16/bf16/f64); integer tensors are kept as int64. */
#ifndef PP_STATE_DICT_H
#define PP_STATE_DICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../status.h"
#include "../tensor.h"
#include "name_index.h"

typedef enum { PP_DTYPE_F32, PP_DTYPE_I64 } pp_dtype;

typedef struct {
    char *name;
    pp_dtype dtype;
    int ndim;
    int64_t shape[PP_MAX_DIMS];
    void *data; /* numel elements of dtype, C order, owned */
} pp_sd_entry;

typedef struct {
    char *key;
    char *value;
} pp_meta_entry;

/* More than any network we read has; a file past them is refused. */
#define PP_SD_MAX_TENSORS 16384
#define PP_SD_MAX_META 16384

typedef struct {
    pp_sd_entry *entries;
    size_t count, cap;
    pp_meta_entry *meta;
    size_t meta_count, meta_cap;
    pp_name_index names, meta_keys; /* over entries[].name and meta[].key */
} pp_state_dict;

void pp_sd_init(pp_state_dict *sd);
void pp_sd_free(pp_state_dict *sd);

/* Adds an entry, copying name/shape and taking ownership of data (malloc'd).
 * On failure data is freed. A duplicate name, or more than
 * PP_SD_MAX_TENSORS entries, is an error. */
pp_status pp_sd_add(pp_state_dict *sd, const char *name, pp_dtype dtype, int ndim,
                    const int64_t *shape, void *data, pp_error *err);
/* Convenience: copies a float32 buffer. */
pp_status pp_sd_add_f32_copy(pp_state_dict *sd, const char *name, int ndim, const int64_t *shape,
                             const float *data, pp_error *err);
const pp_sd_entry *pp_sd_find(const pp_state_dict *sd, const char *name);
int64_t pp_sd_entry_numel(const pp_sd_entry *e);

/* Metadata keys under this prefix describe the file the state dict was read
 * from (format, container, prefixes removed, inert objects: torch_object.h);
 * they are shown, never saved into another file. */
#define PP_SD_SOURCE_META "checkpoint."
bool pp_sd_meta_is_source(const char *key);

/* Metadata (string -> string); set replaces an existing key; at most
 * PP_SD_MAX_META keys. */
pp_status pp_sd_meta_set(pp_state_dict *sd, const char *key, const char *value, pp_error *err);
const char *pp_sd_meta_get(const pp_state_dict *sd, const char *key);

/* A loader of one file format from bytes in memory; name is for messages. */
typedef pp_status (*pp_sd_parse_fn)(const uint8_t *buf, size_t len, const char *name, pp_state_dict *sd,
                                    pp_error *err);
/* Maps the file at path (read-only, not copied: tensors are converted
 * straight out of the page cache) and parses it with parse; sd starts empty
 * and is empty again on failure, as parse leaves it. */
pp_status pp_sd_load_mapped(const char *path, pp_sd_parse_fn parse, pp_state_dict *sd, pp_error *err);

/* After renaming entries in place (entries[i].name), before the next find. */
void pp_sd_names_changed(pp_state_dict *sd);

/* Removes a common prefix such as "model." from every key, when all keys that
 * look like parameters share it. Returns the prefix removed (static buffer) or "". */
const char *pp_sd_strip_common_prefix(pp_state_dict *sd);

size_t pp_dtype_size(pp_dtype d);
const char *pp_dtype_name(pp_dtype d);

#endif

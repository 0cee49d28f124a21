/* safetensors (Hugging Face): 8-byte little-endian header length, a JSON header
 * (name -> {dtype, shape, data_offsets}, optional "__metadata__" string map),
 * then the data buffer. Every offset is checked; nothing outside is read. */
#ifndef PP_SAFETENSORS_H
#define PP_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "state_dict.h"

/* Largest JSON header accepted (the format's own limit is 100 MB). */
#define PP_SAFETENSORS_MAX_HEADER ((size_t)100 << 20)

pp_status pp_safetensors_load(const char *path, pp_state_dict *sd, pp_error *err);
/* Parses a whole file held in memory; `name` is used in messages. */
pp_status pp_safetensors_parse(const uint8_t *buf, size_t len, const char *name, pp_state_dict *sd,
                               pp_error *err);
/* Writes every entry and the metadata, atomically. */
pp_status pp_safetensors_save(const char *path, const pp_state_dict *sd, pp_error *err);

#endif

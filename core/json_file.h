/* JSON documents on disk, read and written one way everywhere: reads refuse
 * duplicate keys and tell "out of memory" from "bad JSON"; writes are atomic
 * and refuse a document that lost a member to a failed allocation (jansson's
 * json_object_set_new silently drops a NULL value, which would save a file
 * missing a key). */
#ifndef PP_JSON_FILE_H
#define PP_JSON_FILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* Reads path into *out (the caller json_decrefs it); errors name the file. */
pp_status pp_json_file_load(const char *path, json_t **out, pp_error *err);

/* Call before building the document that pp_json_file_save writes: the save
 * then knows whether any allocation on the way failed. */
void pp_json_build_begin(void);

/* Writes doc (a reference is taken over: it is always decref'd) indented by
 * 2, reals with 8 significant digits, a final newline; atomically. NULL doc
 * or a failed allocation since pp_json_build_begin: PP_ERR_NOMEM, nothing written. */
pp_status pp_json_file_save(json_t *doc, const char *path, pp_error *err);
/* The same with reals to DIGITS significant digits (1 to 31; 17 round-trips a
 * double, for sums that shards add up to the bytes of a whole run). */
pp_status pp_json_file_save_digits(json_t *doc, const char *path, int digits, pp_error *err);

/* o[key] when it is an integer in [min, max] (false otherwise, *out untouched). */
bool pp_json_get_int(json_t *o, const char *key, int64_t min, int64_t max, int64_t *out);
/* o[key] into out when it is a string shorter than len (false otherwise). */
bool pp_json_get_str(json_t *o, const char *key, char *out, size_t len);

#endif

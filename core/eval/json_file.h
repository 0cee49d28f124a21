/* Reading the evaluation reports' JSON files (eval, eval shards, eval-p). */
#ifndef PP_EVAL_JSON_FILE_H
#define PP_EVAL_JSON_FILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../status.h"

/* The whole file as JSON, refusing duplicate keys; on failure the message names
 * the file. *out is the caller's (json_decref). */
pp_status pp_eval_json_load(const char *path, json_t **out, pp_error *err);

/* o[key] when it is an integer in [min, max]. */
bool pp_json_get_int(json_t *o, const char *key, int64_t min, int64_t max, int64_t *out);

#endif

/* Reading the evaluation reports' JSON files (eval, eval shards, eval-p). */
#ifndef PP_EVAL_JSON_FILE_H
#define PP_EVAL_JSON_FILE_H

#include <jansson.h>

#include "../status.h"

/* The whole file as JSON, refusing duplicate keys; on failure the message names
 * the file. *out is the caller's (json_decref). */
pp_status pp_eval_json_load(const char *path, json_t **out, pp_error *err);

#endif

/* A JSON document as a result file: indented, real numbers with a given
 * number of significant digits, a final newline, written atomically. */
#ifndef PP_JSON_SAVE_H
#define PP_JSON_SAVE_H

#include <jansson.h>

#include "status.h"

/* Takes the reference to o (decref'd here, also on failure). */
pp_status pp_json_save(json_t *o, int precision, const char *path, pp_error *err);

#endif

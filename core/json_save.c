#include "json_save.h"

#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"

pp_status pp_json_save(json_t *o, int precision, const char *path, pp_error *err)
{
    char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(precision)) : NULL;
    json_decref(o);
    if (!text)
        return pp_fail(err, PP_ERR_NOMEM, "%s: cannot build JSON", path);
    size_t len = strlen(text);
    text[len] = '\n'; /* replaces the terminator: written by length */
    pp_status st = pp_atomic_write(path, text, len + 1, err);
    free(text);
    return st;
}

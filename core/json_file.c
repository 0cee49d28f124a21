#include "json_file.h"

#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "file_buffer.h"
#include "json_alloc.h"

pp_status pp_json_file_load(const char *path, json_t **out, pp_error *err)
{
    *out = NULL;
    pp_file_buffer fb;
    pp_status st = pp_file_buffer_read(&fb, path, err);
    if (st != PP_OK)
        return st;
    json_error_t jerr;
    pp_json_alloc_reset();
    json_t *doc = json_loadb((const char *)fb.data, fb.size, JSON_REJECT_DUPLICATES, &jerr);
    pp_file_buffer_free(&fb);
    if (pp_json_alloc_failed()) { /* jansson reports some of these as syntax errors */
        json_decref(doc);
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory reading the JSON", path);
    }
    if (!doc)
        return pp_fail(err, PP_ERR_FORMAT, "%s: not valid JSON (%s, line %d)", path, jerr.text, jerr.line);
    *out = doc;
    return PP_OK;
}

void pp_json_build_begin(void)
{
    pp_json_alloc_reset();
}

pp_status pp_json_file_save(json_t *doc, const char *path, pp_error *err)
{
    return pp_json_file_save_digits(doc, path, 8, err);
}

pp_status pp_json_file_save_digits(json_t *doc, const char *path, int digits, pp_error *err)
{
    char *text = doc && !pp_json_alloc_failed() ? json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(digits)) : NULL;
    json_decref(doc);
    if (!text || pp_json_alloc_failed()) {
        free(text);
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory building the JSON", path);
    }
    size_t len = strlen(text);
    text[len] = '\n'; /* replaces the terminator: written by length */
    pp_status st = pp_atomic_write(path, text, len + 1, err);
    free(text);
    return st;
}

bool pp_json_get_int(json_t *o, const char *key, int64_t min, int64_t max, int64_t *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return false;
    *out = json_integer_value(v);
    return true;
}

bool pp_json_get_str(json_t *o, const char *key, char *out, size_t len)
{
    const char *v = json_string_value(json_object_get(o, key));
    if (!v || strlen(v) >= len)
        return false;
    memcpy(out, v, strlen(v) + 1);
    return true;
}

#include "json_file.h"

#include "../file_buffer.h"

pp_status pp_eval_json_load(const char *path, json_t **out, pp_error *err)
{
    pp_file_buffer fb;
    pp_status st = pp_file_buffer_read(&fb, path, err);
    if (st != PP_OK)
        return st;
    json_error_t jerr;
    *out = json_loadb((const char *)fb.data, fb.size, JSON_REJECT_DUPLICATES, &jerr);
    pp_file_buffer_free(&fb);
    if (!*out)
        return pp_fail(err, PP_ERR_FORMAT, "%s: not valid JSON (%s, line %d)", path, jerr.text, jerr.line);
    return PP_OK;
}

bool pp_json_get_int(json_t *o, const char *key, int64_t min, int64_t max, int64_t *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return false;
    *out = json_integer_value(v);
    return true;
}

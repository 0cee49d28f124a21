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

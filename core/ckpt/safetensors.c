#include "safetensors.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../atomic_file.h"
#include "../json_alloc.h"
#include "float_convert.h"
#include "raw_dtype.h"

typedef struct {
    size_t begin, end;
    const char *name;
} byte_range;

static int compare_ranges(const void *a, const void *b)
{
    const byte_range *x = a, *y = b;
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

static pp_status parse_metadata(json_t *meta, const char *name, pp_state_dict *sd, pp_error *err)
{
    if (!json_is_object(meta))
        return pp_fail(err, PP_ERR_FORMAT, "%s: __metadata__ is not an object", name);
    const char *key;
    json_t *value;
    json_object_foreach(meta, key, value)
    {
        if (!json_is_string(value))
            return pp_fail(err, PP_ERR_FORMAT, "%s: __metadata__ value of '%s' is not a string", name, key);
        pp_status st = pp_sd_meta_set(sd, key, json_string_value(value), err);
        if (st != PP_OK)
            return st;
    }
    return PP_OK;
}

static pp_status parse_tensor(const char *key, json_t *info, const uint8_t *data, size_t data_len,
                              const char *name, pp_state_dict *sd, byte_range *range, pp_error *err)
{
    json_t *dtype = json_object_get(info, "dtype");
    json_t *shape = json_object_get(info, "shape");
    json_t *offsets = json_object_get(info, "data_offsets");
    if (!json_is_object(info) || !json_is_string(dtype) || !json_is_array(shape) || !json_is_array(offsets) ||
        json_array_size(offsets) != 2)
        return pp_fail(err, PP_ERR_FORMAT, "%s: tensor '%s' needs dtype, shape and data_offsets", name, key);
    pp_raw_dtype raw = pp_raw_dtype_from_safetensors(json_string_value(dtype));
    if (raw == PP_RAW_INVALID)
        return pp_fail(err, PP_ERR_UNSUPPORTED, "%s: tensor '%s' has unsupported dtype %s", name, key,
                       json_string_value(dtype));
    size_t ndim = json_array_size(shape);
    if (ndim > PP_MAX_DIMS)
        return pp_fail(err, PP_ERR_UNSUPPORTED, "%s: tensor '%s' has %zu dimensions", name, key, ndim);
    int64_t dims[PP_MAX_DIMS];
    for (size_t i = 0; i < ndim; i++) {
        json_t *d = json_array_get(shape, i);
        if (!json_is_integer(d) || json_integer_value(d) < 0)
            return pp_fail(err, PP_ERR_FORMAT, "%s: tensor '%s' has a bad shape", name, key);
        dims[i] = json_integer_value(d);
    }
    json_t *b = json_array_get(offsets, 0), *e = json_array_get(offsets, 1);
    if (!json_is_integer(b) || !json_is_integer(e) || json_integer_value(b) < 0 ||
        json_integer_value(e) < json_integer_value(b))
        return pp_fail(err, PP_ERR_FORMAT, "%s: tensor '%s' has bad data_offsets", name, key);
    uint64_t begin = (uint64_t)json_integer_value(b), end = (uint64_t)json_integer_value(e);
    int64_t numel = pp_shape_numel((int)ndim, dims);
    size_t expect;
    if (numel < 0 || !pp_mul_size((size_t)numel, pp_raw_dtype_size(raw), &expect))
        return pp_fail(err, PP_ERR_FORMAT, "%s: tensor '%s' size overflows", name, key);
    if (end > data_len)
        return pp_fail(err, PP_ERR_FORMAT,
                       "%s: the file is truncated: it ends before the data of tensor '%s' (%zu of at least %llu "
                       "data bytes present)",
                       name, key, data_len, (unsigned long long)end);
    if (end - begin != expect)
        return pp_fail(err, PP_ERR_FORMAT, "%s: tensor '%s' has %llu bytes but its dtype and shape need %zu",
                       name, key, (unsigned long long)(end - begin), expect);
    range->begin = (size_t)begin;
    range->end = (size_t)end;
    range->name = key;
    pp_dtype target = pp_raw_dtype_target(raw);
    size_t out_bytes = (size_t)numel * pp_dtype_size(target);
    void *out = malloc(out_bytes ? out_bytes : 1);
    if (!out)
        return pp_fail(err, PP_ERR_NOMEM, "%s: cannot allocate tensor '%s'", name, key);
    pp_raw_convert(out, data + begin, (size_t)numel, raw);
    pp_status st = pp_sd_add(sd, key, target, (int)ndim, dims, out, err);
    if (st != PP_OK && err)
        pp_error_prefix(err, name);
    return st;
}

pp_status pp_safetensors_parse(const uint8_t *buf, size_t len, const char *name, pp_state_dict *sd,
                               pp_error *err)
{
    pp_sd_init(sd);
    if (len < 8)
        return pp_fail(err, PP_ERR_FORMAT, "%s: too short for a safetensors file", name);
    uint64_t header_len = pp_load_u64le(buf);
    if (header_len <= PP_SAFETENSORS_MAX_HEADER && header_len > len - 8)
        return pp_fail(err, PP_ERR_FORMAT,
                       "%s: the file is truncated: it ends inside its header (%zu bytes, the header alone needs %llu)",
                       name, len, (unsigned long long)header_len + 8);
    if (header_len > PP_SAFETENSORS_MAX_HEADER)
        return pp_fail(err, PP_ERR_FORMAT, "%s: header length %llu does not fit in the file (%zu bytes)", name,
                       (unsigned long long)header_len, len);
    json_error_t jerr;
    pp_json_alloc_reset();
    json_t *root = json_loadb((const char *)buf + 8, (size_t)header_len, JSON_REJECT_DUPLICATES, &jerr);
    if (pp_json_alloc_failed()) {
        /* Even when the parse "succeeds": jansson drops a character of a string
         * whose buffer failed to grow, so the result cannot be trusted. */
        json_decref(root);
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory reading the header", name);
    }
    if (!root)
        return pp_fail(err, PP_ERR_FORMAT, "%s: header is not valid JSON (%s at byte %d)", name, jerr.text,
                       jerr.position);
    if (!json_is_object(root)) {
        json_decref(root);
        return pp_fail(err, PP_ERR_FORMAT, "%s: header is not a JSON object", name);
    }
    const uint8_t *data = buf + 8 + header_len;
    size_t data_len = len - 8 - (size_t)header_len;
    size_t count = json_object_size(root);
    json_t *meta = json_object_get(root, "__metadata__");
    size_t tensors = count - (meta != NULL);
    if (tensors > PP_SD_MAX_TENSORS || json_object_size(meta) > PP_SD_MAX_META) {
        json_decref(root);
        return pp_fail(err, PP_ERR_FORMAT, "%s: header lists %zu tensors and %zu metadata entries (at most %d and %d)",
                       name, tensors, json_object_size(meta), PP_SD_MAX_TENSORS, PP_SD_MAX_META);
    }
    byte_range *ranges = calloc(count ? count : 1, sizeof *ranges);
    size_t used = 0;
    pp_status st = ranges ? PP_OK : pp_fail(err, PP_ERR_NOMEM, "%s: out of memory", name);
    const char *key;
    json_t *value;
    json_object_foreach(root, key, value)
    {
        if (st != PP_OK)
            break;
        if (strcmp(key, "__metadata__") == 0)
            st = parse_metadata(value, name, sd, err);
        else
            st = parse_tensor(key, value, data, data_len, name, sd, &ranges[used++], err);
    }
    /* Tensors must not share bytes: overlapping ranges mean a crafted file. */
    if (st == PP_OK && used > 1) {
        qsort(ranges, used, sizeof *ranges, compare_ranges);
        for (size_t i = 1; i < used && st == PP_OK; i++)
            if (ranges[i].begin < ranges[i - 1].end)
                st = pp_fail(err, PP_ERR_FORMAT, "%s: tensors '%s' and '%s' overlap", name, ranges[i - 1].name,
                             ranges[i].name);
    }
    free(ranges);
    json_decref(root);
    if (st != PP_OK)
        pp_sd_free(sd);
    return st;
}

pp_status pp_safetensors_load(const char *path, pp_state_dict *sd, pp_error *err)
{
    return pp_sd_load_mapped(path, pp_safetensors_parse, sd, err);
}

static const char *safetensors_dtype(pp_dtype d)
{
    return d == PP_DTYPE_I64 ? "I64" : "F32";
}

pp_status pp_safetensors_save(const char *path, const pp_state_dict *sd, pp_error *err)
{
    /* Every json_*_new call fails (non-zero, the value freed) when an allocation
     * did or a string is not UTF-8: a header silently missing a key would be a
     * corrupt file. */
    pp_json_alloc_reset();
    json_t *root = json_object();
    pp_status st = PP_OK;
    bool built = root != NULL;
    if (built && sd->meta_count) {
        json_t *meta = json_object();
        built = meta != NULL;
        for (size_t i = 0; i < sd->meta_count && built; i++)
            if (!pp_sd_meta_is_source(sd->meta[i].key)) /* about the file read, not this one */
                built = json_object_set_new(meta, sd->meta[i].key, json_string(sd->meta[i].value)) == 0;
        if (built)
            built = json_object_set_new(root, "__metadata__", meta) == 0;
        else
            json_decref(meta);
    }
    size_t offset = 0;
    for (size_t i = 0; i < sd->count && built; i++) {
        const pp_sd_entry *e = &sd->entries[i];
        size_t bytes = (size_t)pp_sd_entry_numel(e) * pp_dtype_size(e->dtype);
        json_t *info = json_object(), *shape = json_array(), *offsets = json_array();
        built = info && shape && offsets;
        for (int d = 0; d < e->ndim && built; d++)
            built = json_array_append_new(shape, json_integer(e->shape[d])) == 0;
        built = built && json_array_append_new(offsets, json_integer((json_int_t)offset)) == 0 &&
                json_array_append_new(offsets, json_integer((json_int_t)(offset + bytes))) == 0 &&
                json_object_set_new(info, "dtype", json_string(safetensors_dtype(e->dtype))) == 0;
        if (built) {
            built = json_object_set_new(info, "shape", shape) == 0;
            shape = NULL;
        }
        if (built) {
            built = json_object_set_new(info, "data_offsets", offsets) == 0;
            offsets = NULL;
        }
        if (built) {
            built = json_object_set_new(root, e->name, info) == 0;
            info = NULL;
        }
        json_decref(shape); /* those not handed over; json_decref(NULL) does nothing */
        json_decref(offsets);
        json_decref(info);
        offset += bytes;
    }
    char *header = built ? json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(root);
    if (!built && !pp_json_alloc_failed())
        return pp_fail(err, PP_ERR_FORMAT, "%s: a tensor name or metadata string is not valid UTF-8", path);
    if (!header || pp_json_alloc_failed()) {
        free(header);
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory building the header", path);
    }
    /* Pad the header with spaces so the data buffer starts 8-byte aligned. */
    size_t hlen = strlen(header), padded = (hlen + 7) & ~(size_t)7;
    uint8_t len_bytes[8];
    for (int i = 0; i < 8; i++)
        len_bytes[i] = (uint8_t)((uint64_t)padded >> (8 * i));
    pp_atomic_file af;
    st = pp_atomic_open(&af, path, err);
    if (st != PP_OK) {
        free(header);
        return st;
    }
    bool ok = fwrite(len_bytes, 1, 8, af.fp) == 8 && fwrite(header, 1, hlen, af.fp) == hlen;
    for (size_t i = hlen; i < padded && ok; i++)
        ok = fputc(' ', af.fp) != EOF;
    free(header);
    for (size_t i = 0; i < sd->count && ok; i++) {
        const pp_sd_entry *e = &sd->entries[i];
        size_t bytes = (size_t)pp_sd_entry_numel(e) * pp_dtype_size(e->dtype);
        ok = fwrite(e->data, 1, bytes, af.fp) == bytes;
    }
    if (!ok) {
        int e = errno;
        pp_atomic_abort(&af);
        return pp_fail(err, PP_ERR_IO, "%s: write failed: %s", path, strerror(e));
    }
    return pp_atomic_commit(&af, err);
}

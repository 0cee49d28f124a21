#include "npy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../file_buffer.h"

size_t pp_npy_dtype_size(pp_npy_dtype d)
{
    return d == PP_NPY_F32 ? 4 : d == PP_NPY_U8 ? 1 : 8;
}

int64_t pp_npy_numel(const pp_npy *a)
{
    return pp_shape_numel(a->ndim, a->shape);
}

void pp_npy_free(pp_npy *arr)
{
    if (arr) {
        free(arr->data);
        memset(arr, 0, sizeof *arr);
    }
}

/* ---- header parsing: a Python dict literal with three known keys ---- */

typedef struct {
    char kind;     /* 'f', 'u', 'i', 'b' */
    int item_size; /* bytes */
    bool big_endian;
    bool fortran;
    int ndim;
    int64_t shape[PP_MAX_DIMS];
} npy_header;

static const char *skip_space(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == ','))
        p++;
    return p;
}

/* Finds 'key': in the header and returns the position after the colon. */
static const char *find_key(const char *hdr, const char *end, const char *key)
{
    size_t klen = strlen(key);
    for (const char *p = hdr; p + klen + 2 < end; p++) {
        if ((*p == '\'' || *p == '"') && memcmp(p + 1, key, klen) == 0 && p[klen + 1] == *p) {
            const char *q = skip_space(p + klen + 2, end);
            if (q < end && *q == ':')
                return skip_space(q + 1, end);
        }
    }
    return NULL;
}

static pp_status parse_header(const char *hdr, size_t len, const char *name, npy_header *h,
                              pp_error *err)
{
    const char *end = hdr + len;
    memset(h, 0, sizeof *h);
    const char *p = find_key(hdr, end, "descr");
    if (!p || p + 4 > end || (*p != '\'' && *p != '"'))
        return pp_fail(err, PP_ERR_FORMAT, "%s: npy header has no 'descr'", name);
    char quote = *p++;
    const char *q = memchr(p, quote, (size_t)(end - p));
    if (!q || q - p < 2 || q - p > 4)
        return pp_fail(err, PP_ERR_FORMAT, "%s: npy header has a bad 'descr'", name);
    char order = p[0];
    if (order != '<' && order != '>' && order != '|' && order != '=')
        return pp_fail(err, PP_ERR_FORMAT, "%s: unsupported dtype '%.*s'", name, (int)(q - p), p);
    h->big_endian = order == '>';
    h->kind = p[1];
    h->item_size = atoi(p + 2);
    bool ok = (h->kind == 'f' && (h->item_size == 4 || h->item_size == 8)) ||
              (h->kind == 'u' && h->item_size == 1) || (h->kind == 'b' && h->item_size == 1) ||
              (h->kind == 'i' && (h->item_size == 1 || h->item_size == 4 || h->item_size == 8));
    if (!ok)
        return pp_fail(err, PP_ERR_UNSUPPORTED,
                       "%s: dtype '%.*s' is not supported (float32/64, uint8, int8/32/64, bool)",
                       name, (int)(q - p), p);

    p = find_key(hdr, end, "fortran_order");
    if (!p)
        return pp_fail(err, PP_ERR_FORMAT, "%s: npy header has no 'fortran_order'", name);
    if ((size_t)(end - p) >= 4 && memcmp(p, "True", 4) == 0)
        h->fortran = true;
    else if (!((size_t)(end - p) >= 5 && memcmp(p, "False", 5) == 0))
        return pp_fail(err, PP_ERR_FORMAT, "%s: bad 'fortran_order' in npy header", name);

    p = find_key(hdr, end, "shape");
    if (!p || p >= end || *p != '(')
        return pp_fail(err, PP_ERR_FORMAT, "%s: npy header has no 'shape' tuple", name);
    p++;
    for (;;) {
        p = skip_space(p, end);
        if (p >= end)
            return pp_fail(err, PP_ERR_FORMAT, "%s: unterminated shape in npy header", name);
        if (*p == ')')
            break;
        if (*p < '0' || *p > '9')
            return pp_fail(err, PP_ERR_FORMAT, "%s: bad shape in npy header", name);
        if (h->ndim == PP_MAX_DIMS)
            return pp_fail(err, PP_ERR_UNSUPPORTED, "%s: more than %d dimensions", name, PP_MAX_DIMS);
        int64_t v = 0;
        while (p < end && *p >= '0' && *p <= '9') {
            if (v > (INT64_MAX - 9) / 10)
                return pp_fail(err, PP_ERR_FORMAT, "%s: shape value overflows", name);
            v = v * 10 + (*p++ - '0');
        }
        if (p < end && *p == 'L')
            p++;
        h->shape[h->ndim++] = v;
    }
    if (pp_shape_numel(h->ndim, h->shape) < 0)
        return pp_fail(err, PP_ERR_FORMAT, "%s: array size overflows", name);
    return PP_OK;
}

static uint64_t load_uint(const uint8_t *p, int size, bool big_endian)
{
    uint64_t v = 0;
    for (int i = 0; i < size; i++)
        v |= (uint64_t)p[big_endian ? size - 1 - i : i] << (8 * i);
    return v;
}

/* Parses the file and converts rows [row0, row0 + rows) of the first axis
 * (rows < 0: all of them). */
static pp_status parse_rows(const uint8_t *buf, size_t len, const char *name, int64_t row0, int64_t rows,
                            int64_t *total_rows, pp_npy *arr, pp_error *err)
{
    memset(arr, 0, sizeof *arr);
    if (len < 10 || memcmp(buf, "\x93NUMPY", 6) != 0)
        return pp_fail(err, PP_ERR_FORMAT, "%s: not a .npy file (bad magic)", name);
    int major = buf[6];
    size_t hlen, hstart;
    if (major == 1) {
        hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
        hstart = 10;
    } else if (major == 2 || major == 3) {
        if (len < 12)
            return pp_fail(err, PP_ERR_FORMAT, "%s: truncated .npy header", name);
        hlen = (size_t)load_uint(buf + 8, 4, false);
        hstart = 12;
    } else {
        return pp_fail(err, PP_ERR_UNSUPPORTED, "%s: .npy format version %d", name, major);
    }
    if (hlen > len - hstart)
        return pp_fail(err, PP_ERR_FORMAT, "%s: truncated .npy header", name);
    npy_header h;
    pp_status st = parse_header((const char *)buf + hstart, hlen, name, &h, err);
    if (st != PP_OK)
        return st;
    int64_t numel = pp_shape_numel(h.ndim, h.shape);
    if (h.fortran && h.ndim > 1 && numel > 1)
        return pp_fail(err, PP_ERR_UNSUPPORTED,
                       "%s: Fortran-order array; save it with np.ascontiguousarray", name);
    size_t data_off = hstart + hlen, need;
    if (!pp_mul_size((size_t)numel, (size_t)h.item_size, &need) || need > len - data_off)
    {
        char shape_text[160];
        return pp_fail(err, PP_ERR_FORMAT, "%s: data is truncated (%s needs %zu bytes, %zu present)",
                       name, pp_shape_string(h.ndim, h.shape, shape_text, sizeof shape_text),
                       need, len - data_off);
    }

    if (total_rows)
        *total_rows = h.ndim ? h.shape[0] : 1;
    if (rows >= 0) {
        if (h.ndim < 1 || row0 < 0 || row0 > h.shape[0] || rows > h.shape[0] - row0)
            return pp_fail(err, PP_ERR_SHAPE, "%s: rows %lld..%lld are outside the array's first axis (%lld)", name,
                           (long long)row0, (long long)(row0 + rows), h.ndim ? (long long)h.shape[0] : 0LL);
        int64_t per_row = h.shape[0] ? numel / h.shape[0] : 0;
        data_off += (size_t)(row0 * per_row) * (size_t)h.item_size;
        h.shape[0] = rows;
        numel = rows * per_row;
    }
    arr->dtype = h.kind == 'f' ? PP_NPY_F32 : (h.kind == 'u' || h.kind == 'b') ? PP_NPY_U8 : PP_NPY_I64;
    arr->ndim = h.ndim;
    memcpy(arr->shape, h.shape, sizeof h.shape);
    size_t out_bytes;
    if (!pp_mul_size((size_t)numel, pp_npy_dtype_size(arr->dtype), &out_bytes))
        return pp_fail(err, PP_ERR_NOMEM, "%s: array too large", name);
    arr->data = pp_aligned_alloc(out_bytes ? out_bytes : 1);
    if (!arr->data)
        return pp_fail(err, PP_ERR_NOMEM, "%s: cannot allocate %zu bytes", name, out_bytes);

    const uint8_t *src = buf + data_off;
    size_t n = (size_t)numel;
    if (h.kind == 'f' && h.item_size == 4) {
        if (!h.big_endian) {
            memcpy(arr->data, src, n * 4);
        } else {
            uint32_t *d = arr->data;
            for (size_t i = 0; i < n; i++)
                d[i] = (uint32_t)load_uint(src + 4 * i, 4, true);
        }
    } else if (h.kind == 'f') {
        float *d = arr->data;
        for (size_t i = 0; i < n; i++) {
            uint64_t bits = load_uint(src + 8 * i, 8, h.big_endian);
            double v;
            memcpy(&v, &bits, 8);
            d[i] = (float)v;
        }
    } else if (arr->dtype == PP_NPY_U8) {
        memcpy(arr->data, src, n);
    } else {
        int64_t *d = arr->data;
        for (size_t i = 0; i < n; i++) {
            uint64_t bits = load_uint(src + (size_t)h.item_size * i, h.item_size, h.big_endian);
            int shift = 64 - 8 * h.item_size; /* sign-extend */
            d[i] = shift ? (int64_t)(bits << shift) >> shift : (int64_t)bits;
        }
    }
    return PP_OK;
}

pp_status pp_npy_parse(const uint8_t *buf, size_t len, const char *name, pp_npy *arr, pp_error *err)
{
    return parse_rows(buf, len, name, 0, -1, NULL, arr, err);
}

static pp_status load_rows(const char *path, int64_t row0, int64_t rows, int64_t *total_rows, pp_npy *arr,
                           pp_error *err)
{
    memset(arr, 0, sizeof *arr);
    pp_file_map map;
    pp_status st = pp_file_map_open(&map, path, err);
    if (st != PP_OK)
        return st;
    st = parse_rows(map.data, map.size, path, row0, rows, total_rows, arr, err);
    pp_file_map_close(&map);
    return st;
}

pp_status pp_npy_load(const char *path, pp_npy *arr, pp_error *err)
{
    return load_rows(path, 0, -1, NULL, arr, err);
}

pp_status pp_npy_load_rows(const char *path, int64_t row0, int64_t rows, int64_t *total_rows, pp_npy *arr,
                           pp_error *err)
{
    if (rows < 0)
        return pp_fail(err, PP_ERR_ARG, "%s: negative row count", path);
    return load_rows(path, row0, rows, total_rows, arr, err);
}

/* ---- writing ---- */

static const char *descr_of(pp_npy_dtype d)
{
    return d == PP_NPY_F32 ? "<f4" : d == PP_NPY_U8 ? "|u1" : "<i8";
}

pp_status pp_npy_writer_open(pp_npy_writer *w, const char *path, pp_npy_dtype dtype, int ndim,
                             const int64_t *shape, pp_error *err)
{
    memset(w, 0, sizeof *w);
    int64_t numel = pp_shape_numel(ndim, shape);
    if (ndim < 0 || ndim > PP_MAX_DIMS || numel < 0 ||
        !pp_mul_size((size_t)numel, pp_npy_dtype_size(dtype), &w->expected_bytes))
        return pp_fail(err, PP_ERR_ARG, "%s: invalid array shape", path);
    char header[512];
    int n = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                     descr_of(dtype));
    for (int i = 0; i < ndim; i++)
        n += snprintf(header + n, sizeof header - (size_t)n, "%lld, ", (long long)shape[i]);
    if (ndim > 1)
        n -= 2; /* a 1-tuple keeps its trailing comma: (5,) */
    else if (ndim == 1)
        n -= 1;
    n += snprintf(header + n, sizeof header - (size_t)n, "), }");
    /* Pad with spaces so magic + length + header + '\n' is a multiple of 64. */
    size_t total = 10 + (size_t)n + 1;
    size_t pad = (64 - total % 64) % 64;
    memset(header + n, ' ', pad);
    n += (int)pad;
    header[n++] = '\n';
    uint8_t pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (uint8_t)(n & 0xff), (uint8_t)(n >> 8)};
    pp_status st = pp_atomic_open(&w->file, path, err);
    if (st != PP_OK)
        return st;
    if (fwrite(pre, 1, 10, w->file.fp) != 10 || fwrite(header, 1, (size_t)n, w->file.fp) != (size_t)n) {
        pp_atomic_abort(&w->file);
        return pp_fail(err, PP_ERR_IO, "%s: write failed: %s", path, strerror(errno));
    }
    return PP_OK;
}

pp_status pp_npy_writer_append(pp_npy_writer *w, const void *data, size_t bytes, pp_error *err)
{
    if (bytes > w->expected_bytes - w->written_bytes)
        return pp_fail(err, PP_ERR_ARG, "%s: more data than the declared shape holds",
                       w->file.final_path);
    if (bytes && fwrite(data, 1, bytes, w->file.fp) != bytes)
        return pp_fail(err, PP_ERR_IO, "%s: write failed: %s", w->file.final_path, strerror(errno));
    w->written_bytes += bytes;
    return PP_OK;
}

pp_status pp_npy_writer_commit(pp_npy_writer *w, pp_error *err)
{
    if (w->written_bytes != w->expected_bytes) {
        pp_status st = pp_fail(err, PP_ERR_ARG, "%s: %zu of %zu bytes written", w->file.final_path,
                               w->written_bytes, w->expected_bytes);
        pp_atomic_abort(&w->file);
        return st;
    }
    return pp_atomic_commit(&w->file, err);
}

void pp_npy_writer_abort(pp_npy_writer *w)
{
    pp_atomic_abort(&w->file);
}

pp_status pp_npy_save(const char *path, pp_npy_dtype dtype, int ndim, const int64_t *shape,
                      const void *data, pp_error *err)
{
    pp_npy_writer w;
    pp_status st = pp_npy_writer_open(&w, path, dtype, ndim, shape, err);
    if (st != PP_OK)
        return st;
    st = pp_npy_writer_append(&w, data, w.expected_bytes, err);
    if (st != PP_OK) {
        pp_npy_writer_abort(&w);
        return st;
    }
    return pp_npy_writer_commit(&w, err);
}

#include "idx.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../file_buffer.h"

/* A file's bytes, plain or gzip (inflated as read, so a hostile stream
 * inflates no further than the sizes its header declares). */
typedef struct {
    const uint8_t *data;
    size_t len, pos; /* plain */
    z_stream z;
    bool gz;
    const char *name;
} idx_source;

static pp_status source_open(idx_source *s, const uint8_t *data, size_t len, const char *name, pp_error *err)
{
    memset(s, 0, sizeof *s);
    s->data = data;
    s->len = len;
    s->name = name;
    s->gz = len >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    if (!s->gz)
        return PP_OK;
    s->z.next_in = (Bytef *)data;
    s->z.avail_in = 0;
    if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK)
        return pp_fail(err, PP_ERR_NOMEM, "%s: cannot start gzip decompression", name);
    return PP_OK;
}

static void source_close(idx_source *s)
{
    if (s->gz)
        inflateEnd(&s->z);
}

/* Reads exactly n bytes or fails with a "short read" naming what was being read. */
static pp_status read_exact(idx_source *s, void *buf, size_t n, const char *what, pp_error *err)
{
    size_t got = 0;
    if (!s->gz) {
        got = s->len - s->pos < n ? s->len - s->pos : n;
        memcpy(buf, s->data + s->pos, got);
        s->pos += got;
    }
    while (s->gz && got < n) {
        size_t in_left = s->len - (size_t)(s->z.next_in - s->data);
        s->z.avail_in = in_left > (1u << 30) ? (1u << 30) : (uInt)in_left;
        s->z.next_out = (Bytef *)buf + got;
        s->z.avail_out = n - got > (1u << 30) ? (1u << 30) : (uInt)(n - got);
        uInt before = s->z.avail_out;
        int r = inflate(&s->z, Z_NO_FLUSH);
        got += before - s->z.avail_out;
        if (r == Z_STREAM_END || (r == Z_BUF_ERROR && s->z.avail_in == 0))
            break;
        if (r != Z_OK && r != Z_BUF_ERROR)
            return pp_fail(err, PP_ERR_FORMAT, "%s: cannot read %s: gzip data is corrupt (%s)", s->name, what,
                           s->z.msg ? s->z.msg : "inflate failed");
    }
    if (got < n)
        return pp_fail(err, PP_ERR_FORMAT, "%s: short read: %s needs %zu bytes, file has %zu", s->name, what, n,
                       got);
    return PP_OK;
}

/* Whether the file could hold `need` more bytes (deflate expands at most
 * 1032:1), checked before allocating what a header declares. */
static bool could_hold(const idx_source *s, uint64_t need)
{
    return need <= (uint64_t)s->len * (s->gz ? 1032 : 1);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Checks the magic (0, 0, type 0x08 = ubyte, ndims); fills dims. */
static pp_status read_header(idx_source *s, int ndims, uint32_t *dims, pp_error *err)
{
    const char *path = s->name;
    uint8_t hdr[4 + 4 * 3];
    pp_status st = read_exact(s, hdr, 4, "the IDX magic", err);
    if (!st && (hdr[0] != 0 || hdr[1] != 0))
        st = pp_fail(err, PP_ERR_FORMAT, "%s: wrong magic %02x %02x %02x %02x (not an IDX file)",
                     path, hdr[0], hdr[1], hdr[2], hdr[3]);
    if (!st && hdr[2] != 0x08)
        st = pp_fail(err, PP_ERR_UNSUPPORTED, "%s: IDX element type 0x%02x; only unsigned bytes (0x08) are supported",
                     path, hdr[2]);
    if (!st && hdr[3] != ndims)
        st = pp_fail(err, PP_ERR_FORMAT, "%s: wrong magic: %d dimensions, expected %d (%s)", path,
                     hdr[3], ndims, ndims == 3 ? "an images file" : "a labels file");
    if (!st)
        st = read_exact(s, hdr + 4, 4 * (size_t)ndims, "the IDX dimensions", err);
    for (int i = 0; !st && i < ndims; i++)
        dims[i] = be32(hdr + 4 + 4 * i);
    return st;
}

pp_status pp_idx_parse_images(const uint8_t *data, size_t len, const char *name, pp_idx_images *out,
                              pp_error *err)
{
    memset(out, 0, sizeof *out);
    uint32_t d[3] = {0};
    idx_source s;
    pp_status st = source_open(&s, data, len, name, err);
    if (!st)
        st = read_header(&s, 3, d, err);
    if (!st && (d[0] > PP_IDX_MAX_COUNT || d[1] < 1 || d[2] < 1 || d[1] > PP_IDX_MAX_SIDE ||
                d[2] > PP_IDX_MAX_SIDE))
        st = pp_fail(err, PP_ERR_FORMAT, "%s: implausible image dimensions %u x %u x %u", name, d[0], d[1], d[2]);
    size_t n = (size_t)d[0] * d[1] * d[2];
    if (!st && !could_hold(&s, n))
        st = pp_fail(err, PP_ERR_FORMAT, "%s: short read: the pixel data needs %zu bytes, file has %zu", name,
                     n, len);
    if (!st && !(out->pixels = malloc(n ? n : 1)))
        st = pp_fail(err, PP_ERR_NOMEM, "%s: out of memory for %zu bytes of images", name, n);
    if (!st)
        st = read_exact(&s, out->pixels, n, "the pixel data", err);
    source_close(&s);
    if (st) {
        pp_idx_images_free(out);
        return st;
    }
    out->count = d[0], out->height = (int)d[1], out->width = (int)d[2];
    return PP_OK;
}

pp_status pp_idx_parse_labels(const uint8_t *data, size_t len, const char *name, int num_classes,
                              pp_idx_labels *out, pp_error *err)
{
    memset(out, 0, sizeof *out);
    uint32_t d[1] = {0};
    idx_source s;
    uint8_t *raw = NULL;
    pp_status st = source_open(&s, data, len, name, err);
    if (!st)
        st = read_header(&s, 1, d, err);
    if (!st && d[0] > PP_IDX_MAX_COUNT)
        st = pp_fail(err, PP_ERR_FORMAT, "%s: implausible label count %u", name, d[0]);
    if (!st && !could_hold(&s, d[0]))
        st = pp_fail(err, PP_ERR_FORMAT, "%s: short read: the labels need %u bytes, file has %zu", name, d[0], len);
    if (!st && (!(raw = malloc(d[0] ? d[0] : 1)) || !(out->labels = malloc(sizeof(int64_t) * (d[0] ? d[0] : 1)))))
        st = pp_fail(err, PP_ERR_NOMEM, "%s: out of memory for %u labels", name, d[0]);
    if (!st)
        st = read_exact(&s, raw, d[0], "the labels", err);
    source_close(&s);
    for (uint32_t i = 0; !st && i < d[0]; i++) {
        if (raw[i] >= num_classes)
            st = pp_fail(err, PP_ERR_FORMAT, "%s: label %u at index %u is out of range [0, %d)", name, raw[i], i,
                         num_classes);
        out->labels[i] = raw[i];
    }
    free(raw);
    if (st) {
        pp_idx_labels_free(out);
        return st;
    }
    out->count = d[0];
    return PP_OK;
}

pp_status pp_idx_load_images(const char *path, pp_idx_images *out, pp_error *err)
{
    memset(out, 0, sizeof *out);
    pp_file_buffer fb;
    pp_status st = pp_file_buffer_read(&fb, path, err);
    if (st == PP_OK)
        st = pp_idx_parse_images(fb.data, fb.size, path, out, err);
    pp_file_buffer_free(&fb);
    return st;
}

pp_status pp_idx_load_labels(const char *path, int num_classes, pp_idx_labels *out, pp_error *err)
{
    memset(out, 0, sizeof *out);
    pp_file_buffer fb;
    pp_status st = pp_file_buffer_read(&fb, path, err);
    if (st == PP_OK)
        st = pp_idx_parse_labels(fb.data, fb.size, path, num_classes, out, err);
    pp_file_buffer_free(&fb);
    return st;
}

pp_status pp_idx_load_pair(const char *images_path, const char *labels_path, int num_classes,
                           pp_idx_images *images, pp_idx_labels *labels, pp_error *err)
{
    pp_status st = pp_idx_load_images(images_path, images, err);
    if (st)
        return st;
    st = pp_idx_load_labels(labels_path, num_classes, labels, err);
    if (!st && labels->count != images->count)
        st = pp_fail(err, PP_ERR_FORMAT, "mismatched counts: %s has %lld images, %s has %lld labels",
                     images_path, (long long)images->count, labels_path, (long long)labels->count);
    if (st) {
        pp_idx_images_free(images);
        pp_idx_labels_free(labels);
    }
    return st;
}

void pp_idx_images_free(pp_idx_images *img)
{
    free(img->pixels);
    memset(img, 0, sizeof *img);
}

void pp_idx_labels_free(pp_idx_labels *lab)
{
    free(lab->labels);
    memset(lab, 0, sizeof *lab);
}

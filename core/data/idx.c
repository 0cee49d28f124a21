#include "idx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Reads exactly n bytes or fails with a "short read" naming what was being read. */
static pp_status read_exact(gzFile f, void *buf, size_t n, const char *path, const char *what,
                            pp_error *err)
{
    uint8_t *p = buf;
    size_t got = 0;
    while (got < n) {
        unsigned chunk = n - got > (1u << 30) ? (1u << 30) : (unsigned)(n - got);
        int r = gzread(f, p + got, chunk);
        if (r < 0) {
            int zerr;
            const char *msg = gzerror(f, &zerr);
            return pp_fail(err, PP_ERR_FORMAT, "%s: cannot read %s: %s", path, what, msg);
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    if (got < n)
        return pp_fail(err, PP_ERR_FORMAT, "%s: short read: %s needs %zu bytes, file has %zu",
                       path, what, n, got);
    return PP_OK;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Opens path and checks the magic (0, 0, type 0x08 = ubyte, ndims); fills dims. */
static pp_status open_idx(const char *path, int ndims, uint32_t *dims, gzFile *out, pp_error *err)
{
    gzFile f = gzopen(path, "rb");
    if (!f)
        return pp_fail(err, PP_ERR_IO, "%s: cannot open: %s", path, strerror(errno ? errno : ENOENT));
    uint8_t hdr[4 + 4 * 3];
    pp_status st = read_exact(f, hdr, 4, path, "the IDX magic", err);
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
        st = read_exact(f, hdr + 4, 4 * (size_t)ndims, path, "the IDX dimensions", err);
    if (st) {
        gzclose(f);
        return st;
    }
    for (int i = 0; i < ndims; i++)
        dims[i] = be32(hdr + 4 + 4 * i);
    *out = f;
    return PP_OK;
}

pp_status pp_idx_load_images(const char *path, pp_idx_images *out, pp_error *err)
{
    memset(out, 0, sizeof *out);
    uint32_t d[3] = {0};
    gzFile f = NULL;
    pp_status st = open_idx(path, 3, d, &f, err);
    if (st)
        return st;
    if (d[0] > PP_IDX_MAX_COUNT || d[1] < 1 || d[2] < 1 || d[1] > PP_IDX_MAX_SIDE || d[2] > PP_IDX_MAX_SIDE) {
        gzclose(f);
        return pp_fail(err, PP_ERR_FORMAT, "%s: implausible image dimensions %u x %u x %u", path,
                       d[0], d[1], d[2]);
    }
    size_t n = (size_t)d[0] * d[1] * d[2];
    out->pixels = malloc(n ? n : 1);
    if (!out->pixels) {
        gzclose(f);
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory for %zu bytes of images", path, n);
    }
    st = read_exact(f, out->pixels, n, path, "the pixel data", err);
    gzclose(f);
    if (st) {
        pp_idx_images_free(out);
        return st;
    }
    out->count = d[0], out->height = (int)d[1], out->width = (int)d[2];
    return PP_OK;
}

pp_status pp_idx_load_labels(const char *path, int num_classes, pp_idx_labels *out, pp_error *err)
{
    memset(out, 0, sizeof *out);
    uint32_t d[1] = {0};
    gzFile f = NULL;
    pp_status st = open_idx(path, 1, d, &f, err);
    if (st)
        return st;
    if (d[0] > PP_IDX_MAX_COUNT) {
        gzclose(f);
        return pp_fail(err, PP_ERR_FORMAT, "%s: implausible label count %u", path, d[0]);
    }
    uint8_t *raw = malloc(d[0] ? d[0] : 1);
    out->labels = malloc(sizeof(int64_t) * (d[0] ? d[0] : 1));
    if (!raw || !out->labels) {
        gzclose(f);
        free(raw);
        pp_idx_labels_free(out);
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory for %u labels", path, d[0]);
    }
    st = read_exact(f, raw, d[0], path, "the labels", err);
    gzclose(f);
    for (uint32_t i = 0; !st && i < d[0]; i++) {
        if (raw[i] >= num_classes)
            st = pp_fail(err, PP_ERR_FORMAT, "%s: label %u at index %u is out of range [0, %d)",
                         path, raw[i], i, num_classes);
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

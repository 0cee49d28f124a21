#include "torch_zip.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

#include "../file_buffer.h"
#include "zip_layout.h"

struct pp_torch_zip {
    zip_t *zip;
    char *name;       /* the file, for messages */
    uint64_t archive_size;
    uint64_t inflate_left; /* bytes the reads may still produce, see inflate_budget */
    char prefix[256]; /* "archive/" */
};

static pp_status zip_failure(pp_error *err, const char *name, zip_error_t *ze)
{
    int code = zip_error_code_zip(ze);
    pp_status s = PP_ERR_FORMAT;
    const char *why = zip_error_strerror(ze);
    if (code == ZIP_ER_OPEN || code == ZIP_ER_READ || code == ZIP_ER_SEEK)
        s = PP_ERR_IO;
    if (code == ZIP_ER_MEMORY)
        s = PP_ERR_NOMEM;
    if (code == ZIP_ER_NOZIP || code == ZIP_ER_INCONS)
        return pp_fail(err, s,
                       "%s: not a valid zip archive (truncated or corrupt, or its directory and "
                       "entries disagree: entries past the directory, overlapping or renamed): %s",
                       name, why);
    return pp_fail(err, s, "%s: cannot read the zip archive: %s", name, why);
}

/* Finds the single "<folder>/data.pkl" and remembers the folder. */
static pp_status find_prefix(pp_torch_zip *z, pp_error *err)
{
    zip_int64_t n = zip_get_num_entries(z->zip, 0);
    if (n < 0)
        return pp_fail(err, PP_ERR_FORMAT, "%s: cannot list the zip archive", z->name);
    const char *found = NULL;
    for (zip_int64_t i = 0; i < n; i++) {
        const char *nm = zip_get_name(z->zip, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
        if (!nm)
            continue;
        size_t len = strlen(nm);
        const char *slash = strchr(nm, '/');
        bool top_level = strcmp(nm, "data.pkl") == 0;
        bool in_folder = len > 9 && strcmp(nm + len - 9, "/data.pkl") == 0 &&
                         slash == nm + len - 9;
        if (!top_level && !in_folder)
            continue;
        if (found)
            return pp_fail(err, PP_ERR_FORMAT, "%s: the archive holds two pickles ('%s' and '%s')",
                           z->name, found, nm);
        found = nm;
    }
    if (!found)
        return pp_fail(err, PP_ERR_FORMAT,
                       "%s: zip archive without a data.pkl entry: not a PyTorch checkpoint", z->name);
    size_t plen = strlen(found) - strlen("data.pkl");
    if (plen >= sizeof z->prefix)
        return pp_fail(err, PP_ERR_FORMAT, "%s: archive folder name is too long", z->name);
    memcpy(z->prefix, found, plen);
    z->prefix[plen] = '\0';
    return PP_OK;
}

/* What all reads together may inflate to. Entries that overlap (many
 * directory records sharing one deflate stream) would each pass the per-entry
 * checks and inflate the same bytes again and again; a real checkpoint stores
 * its entries and reads each once, so a multiple of the file is plenty. */
static uint64_t inflate_budget(uint64_t archive_size)
{
    return archive_size > (PP_TORCH_ZIP_MAX_TOTAL - PP_TORCH_ZIP_TOTAL_SLACK) / 8
               ? PP_TORCH_ZIP_MAX_TOTAL
               : archive_size * 8 + PP_TORCH_ZIP_TOTAL_SLACK;
}

static pp_status finish_open(pp_torch_zip *z, pp_torch_zip **out, pp_error *err)
{
    z->inflate_left = inflate_budget(z->archive_size);
    pp_status s = find_prefix(z, err);
    if (s == PP_OK) {
        /* Storages are little-endian unless the file says otherwise. */
        uint8_t *bo = NULL;
        size_t bo_len = 0;
        uint64_t sz;
        pp_error ignore;
        if (pp_torch_zip_entry_size(z, "byteorder", &sz, &ignore) == PP_OK) {
            s = pp_torch_zip_read_alloc(z, "byteorder", 16, &bo, &bo_len, err);
            if (s == PP_OK && !(bo_len == 6 && memcmp(bo, "little", 6) == 0))
                s = pp_fail(err, PP_ERR_UNSUPPORTED,
                            "%s: %sbyteorder: storages are '%.*s'-endian; only little-endian "
                            "checkpoints are supported",
                            z->name, z->prefix, (int)bo_len, (const char *)bo);
            free(bo);
        }
    }
    if (s != PP_OK) {
        pp_torch_zip_close(z);
        return s;
    }
    *out = z;
    return PP_OK;
}

pp_status pp_torch_zip_open(const char *path, pp_torch_zip **out, pp_error *err)
{
    *out = NULL;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return pp_fail(err, PP_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return pp_fail(err, PP_ERR_IO, "%s: not a regular file", path);
    pp_torch_zip *z = calloc(1, sizeof *z);
    if (!z || !(z->name = strdup(path))) {
        free(z);
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory", path);
    }
    z->archive_size = (uint64_t)sb.st_size;
    pp_file_map map;
    pp_status s = pp_file_map_open(&map, path, err);
    if (s == PP_OK) {
        s = pp_zip_check_layout(map.data, map.size, path, err);
        pp_file_map_close(&map);
    }
    if (s != PP_OK) {
        pp_torch_zip_close(z);
        return s;
    }
    int code = 0;
    z->zip = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &code);
    if (!z->zip) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, code);
        s = zip_failure(err, path, &ze);
        zip_error_fini(&ze);
        pp_torch_zip_close(z);
        return s;
    }
    return finish_open(z, out, err);
}

pp_status pp_torch_zip_open_buffer(const uint8_t *buf, size_t len, const char *name,
                                   pp_torch_zip **out, pp_error *err)
{
    *out = NULL;
    pp_torch_zip *z = calloc(1, sizeof *z);
    if (!z || !(z->name = strdup(name))) {
        free(z);
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory", name);
    }
    z->archive_size = len;
    pp_status s = pp_zip_check_layout(buf, len, name, err);
    if (s != PP_OK) {
        pp_torch_zip_close(z);
        return s;
    }
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(len ? buf : (const void *)"", len, 0, &ze);
    if (src)
        z->zip = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (!z->zip) {
        s = zip_failure(err, name, &ze);
        if (src)
            zip_source_free(src);
        zip_error_fini(&ze);
        pp_torch_zip_close(z);
        return s;
    }
    zip_error_fini(&ze);
    return finish_open(z, out, err);
}

void pp_torch_zip_close(pp_torch_zip *z)
{
    if (!z)
        return;
    if (z->zip)
        zip_discard(z->zip);
    free(z->name);
    free(z);
}

uint64_t pp_torch_zip_archive_size(const pp_torch_zip *z)
{
    return z->archive_size;
}

const char *pp_torch_zip_prefix(const pp_torch_zip *z)
{
    return z->prefix;
}

/* Index and checked stat of <prefix><rel>. */
static pp_status locate(pp_torch_zip *z, const char *rel, zip_uint64_t *idx, zip_stat_t *st,
                        pp_error *err)
{
    char full[512];
    if ((size_t)snprintf(full, sizeof full, "%s%s", z->prefix, rel) >= sizeof full)
        return pp_fail(err, PP_ERR_FORMAT, "%s: entry name '%s' is too long", z->name, rel);
    zip_int64_t i = zip_name_locate(z->zip, full, ZIP_FL_ENC_RAW);
    if (i < 0)
        return pp_fail(err, PP_ERR_FORMAT, "%s: the archive has no entry '%s'", z->name, full);
    zip_stat_init(st);
    if (zip_stat_index(z->zip, (zip_uint64_t)i, 0, st) != 0 ||
        !(st->valid & ZIP_STAT_SIZE) || !(st->valid & ZIP_STAT_COMP_SIZE) ||
        !(st->valid & ZIP_STAT_COMP_METHOD))
        return pp_fail(err, PP_ERR_FORMAT, "%s: cannot read the directory entry of '%s'", z->name,
                       full);
    /* The sizes come from the file: check them before trusting any. */
    if (st->comp_size > z->archive_size)
        return pp_fail(err, PP_ERR_FORMAT,
                       "%s: entry '%s' claims %llu compressed bytes but the archive has %llu",
                       z->name, full, (unsigned long long)st->comp_size,
                       (unsigned long long)z->archive_size);
    if (st->comp_method == ZIP_CM_STORE && st->size != st->comp_size)
        return pp_fail(err, PP_ERR_FORMAT,
                       "%s: stored entry '%s' claims %llu bytes but holds %llu", z->name, full,
                       (unsigned long long)st->size, (unsigned long long)st->comp_size);
    /* Deflate cannot expand more than about 1032:1. */
    if (st->size > PP_TORCH_ZIP_MAX_ENTRY ||
        (st->comp_method != ZIP_CM_STORE && st->size / 1032 > st->comp_size + 1))
        return pp_fail(err, PP_ERR_FORMAT,
                       "%s: entry '%s' claims an implausible size of %llu bytes (%llu compressed)",
                       z->name, full, (unsigned long long)st->size,
                       (unsigned long long)st->comp_size);
    if (st->size > SIZE_MAX)
        return pp_fail(err, PP_ERR_NOMEM, "%s: entry '%s' is too large", z->name, full);
    if (st->valid & ZIP_STAT_ENCRYPTION_METHOD && st->encryption_method != ZIP_EM_NONE)
        return pp_fail(err, PP_ERR_UNSUPPORTED, "%s: entry '%s' is encrypted", z->name, full);
    *idx = (zip_uint64_t)i;
    return PP_OK;
}

pp_status pp_torch_zip_entry_size(pp_torch_zip *z, const char *rel, uint64_t *size,
                                  pp_error *err)
{
    zip_uint64_t idx = 0;
    zip_stat_t st;
    pp_status s = locate(z, rel, &idx, &st, err);
    if (s == PP_OK)
        *size = st.size;
    return s;
}

static pp_status read_index(pp_torch_zip *z, zip_uint64_t idx, const char *full, void *dst,
                            size_t size, pp_error *err)
{
    if (size > z->inflate_left)
        return pp_fail(err, PP_ERR_FORMAT,
                       "%s: reading entry '%s' (%zu bytes) would inflate the archive past %llu MiB, "
                       "far more than its %llu bytes hold (overlapping or repeated entries?)",
                       z->name, full, size, (unsigned long long)(inflate_budget(z->archive_size) >> 20),
                       (unsigned long long)z->archive_size);
    z->inflate_left -= size;
    zip_file_t *f = zip_fopen_index(z->zip, idx, 0);
    if (!f)
        return pp_fail(err, PP_ERR_FORMAT, "%s: cannot open entry '%s': %s", z->name, full,
                       zip_strerror(z->zip));
    size_t got = 0;
    while (got < size) {
        zip_int64_t r = zip_fread(f, (char *)dst + got, size - got);
        if (r < 0) {
            pp_status s = pp_fail(err, PP_ERR_FORMAT, "%s: entry '%s' at byte %zu: %s", z->name,
                                  full, got, zip_file_strerror(f));
            zip_fclose(f);
            return s;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    /* Reading to the end makes libzip check the CRC and catches overlong data. */
    char extra;
    zip_int64_t r = got == size ? zip_fread(f, &extra, 1) : 0;
    int close_rc = zip_fclose(f);
    if (got != size || r != 0)
        return pp_fail(err, PP_ERR_FORMAT, "%s: entry '%s' holds %s data than its %zu bytes",
                       z->name, full, got != size ? "less" : "more", size);
    if (close_rc != 0)
        return pp_fail(err, PP_ERR_FORMAT, "%s: entry '%s' is corrupt (CRC mismatch)", z->name,
                       full);
    return PP_OK;
}

pp_status pp_torch_zip_read(pp_torch_zip *z, const char *rel, void *dst, size_t size,
                            pp_error *err)
{
    zip_uint64_t idx = 0;
    zip_stat_t st;
    pp_status s = locate(z, rel, &idx, &st, err);
    if (s != PP_OK)
        return s;
    if (st.size != size)
        return pp_fail(err, PP_ERR_FORMAT, "%s: entry '%s%s' holds %llu bytes, expected %zu",
                       z->name, z->prefix, rel, (unsigned long long)st.size, size);
    char full[512];
    snprintf(full, sizeof full, "%s%s", z->prefix, rel);
    return read_index(z, idx, full, dst, size, err);
}

pp_status pp_torch_zip_read_alloc(pp_torch_zip *z, const char *rel, size_t max_size,
                                  uint8_t **data, size_t *size, pp_error *err)
{
    *data = NULL;
    *size = 0;
    zip_uint64_t idx = 0;
    zip_stat_t st;
    pp_status s = locate(z, rel, &idx, &st, err);
    if (s != PP_OK)
        return s;
    if (st.size > max_size)
        return pp_fail(err, PP_ERR_FORMAT, "%s: entry '%s%s' of %llu bytes exceeds the limit of %zu",
                       z->name, z->prefix, rel, (unsigned long long)st.size, max_size);
    uint8_t *buf = malloc(st.size ? st.size : 1);
    if (!buf)
        return pp_fail(err, PP_ERR_NOMEM, "%s: cannot allocate %llu bytes for '%s'", z->name,
                       (unsigned long long)st.size, rel);
    char full[512];
    snprintf(full, sizeof full, "%s%s", z->prefix, rel);
    s = read_index(z, idx, full, buf, st.size, err);
    if (s != PP_OK) {
        free(buf);
        return s;
    }
    *data = buf;
    *size = st.size;
    return PP_OK;
}

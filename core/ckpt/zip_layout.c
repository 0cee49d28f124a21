#include "zip_layout.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MASK32 0xFFFFFFFFull

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* [begin, end) of one entry, and its directory record (for the name). */
typedef struct {
    uint64_t begin, end;
    const uint8_t *record;
} span;

static int cmp_span(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

typedef struct {
    uint64_t count, size, offset;
} directory;

/* The end record is the last "PK\5\6" in the final 64 KiB + 22 bytes; its
 * zip64 counterpart, when fields are saturated, sits where a locator says. */
static bool find_directory(const uint8_t *buf, size_t len, directory *d)
{
    if (len < 22)
        return false;
    size_t lo = len > 22 + 0xFFFF ? len - 22 - 0xFFFF : 0, at = len - 22;
    while (memcmp(buf + at, "PK\5\6", 4) != 0)
        if (at-- == lo)
            return false;
    const uint8_t *e = buf + at;
    *d = (directory){le(e + 10, 2), le(e + 12, 4), le(e + 16, 4)};
    if (d->count != 0xFFFF && d->size != MASK32 && d->offset != MASK32)
        return true;
    if (at < 20 || memcmp(e - 20, "PK\6\7", 4) != 0)
        return false;
    uint64_t z = le(e - 20 + 8, 8);
    if (z > len || len - z < 56 || memcmp(buf + z, "PK\6\6", 4) != 0)
        return false;
    *d = (directory){le(buf + z + 32, 8), le(buf + z + 40, 8), le(buf + z + 48, 8)};
    return true;
}

/* Fills *s from the directory record at p (whose fields lie in the
 * directory); false if it or its local header does not fit in the archive. */
static bool entry_span(const uint8_t *buf, size_t len, const uint8_t *p, span *s)
{
    uint64_t comp = le(p + 20, 4), size = le(p + 24, 4), off = le(p + 42, 4);
    size_t nlen = (size_t)le(p + 28, 2), xlen = (size_t)le(p + 30, 2);
    /* zip64: the saturated fields follow in the 0x0001 extra, in this order */
    for (const uint8_t *x = p + 46 + nlen, *xend = x + xlen; xend - x >= 4;) {
        size_t id = (size_t)le(x, 2), sz = (size_t)le(x + 2, 2);
        if (sz > (size_t)(xend - x - 4))
            return false;
        if (id == 1) {
            const uint8_t *f = x + 4, *fend = f + sz;
            uint64_t *fields[3] = {&size, &comp, &off};
            for (int i = 0; i < 3; i++) {
                if (*fields[i] != MASK32)
                    continue;
                if (fend - f < 8)
                    return false;
                *fields[i] = le(f, 8);
                f += 8;
            }
        }
        x += 4 + sz;
    }
    if (off > len || len - off < 30 || memcmp(buf + off, "PK\3\4", 4) != 0)
        return false;
    uint64_t header = 30 + le(buf + off + 26, 2) + le(buf + off + 28, 2);
    if (header > len - off || comp > len - off - header)
        return false;
    *s = (span){off, off + header + comp, p};
    return true;
}

pp_status pp_zip_check_layout(const uint8_t *buf, size_t len, const char *name, pp_error *err)
{
    directory d;
    if (!find_directory(buf, len, &d) || d.offset > len || d.size > len - d.offset || d.count > d.size / 46)
        return PP_OK; /* libzip says what is wrong with it */
    span *spans = malloc((d.count ? d.count : 1) * sizeof *spans);
    if (!spans)
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory", name);
    const uint8_t *p = buf + d.offset, *end = p + d.size;
    size_t n = 0;
    for (uint64_t i = 0; i < d.count; i++) {
        size_t rec = end - p >= 46 ? 46 + (size_t)(le(p + 28, 2) + le(p + 30, 2) + le(p + 32, 2)) : 0;
        if (!rec || rec > (size_t)(end - p) || memcmp(p, "PK\1\2", 4) != 0)
            break; /* as above */
        n += entry_span(buf, len, p, &spans[n]);
        p += rec;
    }
    pp_status st = PP_OK;
    if (n > 1) {
        qsort(spans, n, sizeof *spans, cmp_span);
        for (size_t i = 1; i < n && st == PP_OK; i++) {
            const span *a = &spans[i - 1], *b = &spans[i];
            if (b->begin < a->end)
                st = pp_fail(err, PP_ERR_FORMAT,
                             "%s: zip entries '%.*s' and '%.*s' overlap (bytes %llu and %llu): one stream read twice",
                             name, (int)le(a->record + 28, 2), (const char *)a->record + 46,
                             (int)le(b->record + 28, 2), (const char *)b->record + 46,
                             (unsigned long long)a->begin, (unsigned long long)b->begin);
        }
    }
    free(spans);
    return st;
}

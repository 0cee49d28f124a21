/* libFuzzer: the whole loader (state dict and Lightning layout, tensor views
 * and conversions, hyper-parameters to metadata) driven by a fuzzed pickle.
 * Mutated zip bytes rarely get past the archive's CRCs, so this harness wraps
 * the input, as data.pkl, in a valid archive whose data/<key> entries have the
 * sizes the pickle's persistent ids ask for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ckpt/pickle.h"
#include "ckpt/torch_checkpoint.h"

#define MAX_ENTRIES 16
#define MAX_STORAGE (1u << 16)

typedef struct {
    char key[80];
    size_t bytes;
} request;

typedef struct {
    request req[MAX_ENTRIES];
    int n;
} requests;

static pp_status record(void *user, const char *key, pp_raw_dtype dtype, int64_t numel,
                        pp_error *err)
{
    requests *r = user;
    size_t bytes = (size_t)numel * pp_raw_dtype_size(dtype);
    for (int i = 0; i < r->n; i++)
        if (strcmp(r->req[i].key, key) == 0)
            return PP_OK;
    if (r->n == MAX_ENTRIES || bytes > MAX_STORAGE)
        return pp_fail(err, PP_ERR_FORMAT, "harness: storage not provided");
    snprintf(r->req[r->n].key, sizeof r->req[r->n].key, "archive/data/%s", key);
    r->req[r->n].bytes = bytes;
    r->n++;
    return PP_OK;
}

static void put16(uint8_t **p, unsigned v)
{
    (*p)[0] = v & 0xff, (*p)[1] = v >> 8 & 0xff;
    *p += 2;
}

static void put32(uint8_t **p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p, v >> 16);
}

/* A stored (uncompressed) zip of the given entries. */
static uint8_t *make_zip(const char **names, const uint8_t **data, const size_t *sizes, int n,
                         size_t *len)
{
    size_t cap = 22;
    for (int i = 0; i < n; i++)
        cap += 30 + 46 + 2 * strlen(names[i]) + sizes[i];
    uint8_t *buf = malloc(cap), *p = buf;
    uint32_t offsets[MAX_ENTRIES + 1], crcs[MAX_ENTRIES + 1];
    for (int i = 0; i < n; i++) {
        offsets[i] = (uint32_t)(p - buf);
        crcs[i] = (uint32_t)crc32(0, data[i], (uInt)sizes[i]);
        put32(&p, 0x04034b50), put16(&p, 20), put16(&p, 0), put16(&p, 0), put16(&p, 0);
        put16(&p, 0x21), put32(&p, crcs[i]), put32(&p, (uint32_t)sizes[i]);
        put32(&p, (uint32_t)sizes[i]), put16(&p, (unsigned)strlen(names[i])), put16(&p, 0);
        memcpy(p, names[i], strlen(names[i])), p += strlen(names[i]);
        if (sizes[i])
            memcpy(p, data[i], sizes[i]);
        p += sizes[i];
    }
    uint32_t cd = (uint32_t)(p - buf);
    for (int i = 0; i < n; i++) {
        put32(&p, 0x02014b50), put16(&p, 20), put16(&p, 20), put16(&p, 0), put16(&p, 0);
        put16(&p, 0), put16(&p, 0x21), put32(&p, crcs[i]), put32(&p, (uint32_t)sizes[i]);
        put32(&p, (uint32_t)sizes[i]), put16(&p, (unsigned)strlen(names[i])), put16(&p, 0);
        put16(&p, 0), put16(&p, 0), put16(&p, 0), put32(&p, 0), put32(&p, offsets[i]);
        memcpy(p, names[i], strlen(names[i])), p += strlen(names[i]);
    }
    uint32_t cd_size = (uint32_t)(p - buf) - cd;
    put32(&p, 0x06054b50), put16(&p, 0), put16(&p, 0), put16(&p, (unsigned)n);
    put16(&p, (unsigned)n), put32(&p, cd_size), put32(&p, cd), put16(&p, 0);
    *len = (size_t)(p - buf);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
    if (size > (1u << 20))
        return 0;
    requests r = {.n = 0};
    pp_pickle *pk;
    const pp_pv *root;
    pp_error err;
    if (pp_pickle_parse(in, size, "fuzz", record, &r, &pk, &root, &err) != PP_OK)
        return 0;
    pp_pickle_free(pk);

    static uint8_t pattern[MAX_STORAGE];
    for (size_t i = 0; i < sizeof pattern; i++)
        pattern[i] = (uint8_t)(i * 37 + 11); /* finite and non-finite floats alike */
    const char *names[MAX_ENTRIES + 1] = {"archive/data.pkl"};
    const uint8_t *data[MAX_ENTRIES + 1] = {in};
    size_t sizes[MAX_ENTRIES + 1] = {size};
    for (int i = 0; i < r.n; i++) {
        names[i + 1] = r.req[i].key;
        data[i + 1] = pattern;
        sizes[i + 1] = r.req[i].bytes;
    }
    size_t len;
    uint8_t *zip = make_zip(names, data, sizes, r.n + 1, &len);
    pp_state_dict sd;
    if (pp_torch_load_buffer(zip, len, "fuzz.ckpt", &sd, &err) == PP_OK)
        pp_sd_free(&sd);
    free(zip);
    return 0;
}

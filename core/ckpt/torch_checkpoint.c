#include "torch_checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../file_buffer.h"
#include "pickle.h"
#include "torch_legacy.h"
#include "torch_object.h"
#include "torch_zip.h"

typedef struct {
    pp_torch_zip *zip;
    const char *name;
} loader;

/* Persistent-id hook: data/<key> must exist and hold exactly numel elements. */
static pp_status check_storage(void *user, const char *key, pp_raw_dtype dtype, int64_t numel,
                               pp_error *err)
{
    loader *L = user;
    char rel[96];
    snprintf(rel, sizeof rel, "data/%s", key);
    uint64_t size;
    pp_status s = pp_torch_zip_entry_size(L->zip, rel, &size, err);
    if (s != PP_OK)
        return s;
    uint64_t want = (uint64_t)numel * pp_raw_dtype_size(dtype); /* checked by the caller */
    if (size != want)
        return pp_fail(err, PP_ERR_FORMAT,
                       "%s: storage '%s%s' holds %llu bytes but the pickle declares %lld "
                       "elements of %zu bytes",
                       L->name, pp_torch_zip_prefix(L->zip), rel, (unsigned long long)size,
                       (long long)numel, pp_raw_dtype_size(dtype));
    return PP_OK;
}

/* ---- the checkpoint ---- */

/* data/<key> into dst: the whole stored storage. */
static pp_status read_storage(void *user, const pp_pv *st, void *dst, size_t bytes, pp_error *err)
{
    loader *L = user;
    char rel[96];
    snprintf(rel, sizeof rel, "data/%s", st->u.storage.key);
    return pp_torch_zip_read(L->zip, rel, dst, bytes, err);
}

static pp_status load_archive(pp_torch_zip *zip, const char *name, uint64_t file_size,
                              pp_state_dict *out, pp_error *err)
{
    loader L = {.zip = zip, .name = name};
    uint8_t *pkl = NULL;
    size_t pkl_len = 0;
    pp_status s = pp_torch_zip_read_alloc(zip, "data.pkl", PP_PICKLE_MAX_BYTES, &pkl, &pkl_len, err);
    if (s != PP_OK)
        return s;
    char pname[600];
    snprintf(pname, sizeof pname, "%s: %sdata.pkl", name, pp_torch_zip_prefix(zip));
    pp_pickle *pk = NULL;
    const pp_pv *root = NULL;
    s = pp_pickle_parse(pkl, pkl_len, pname, check_storage, &L, &pk, &root, err);
    free(pkl);
    if (s != PP_OK)
        return s;
    pp_torch_source src = {.name = name, .format = "torch zip", .pickle_len = pkl_len,
                           .file_size = file_size, .read = read_storage, .user = &L};
    s = pp_torch_object_load(&src, root, out, err);
    pp_pickle_free(pk);
    return s;
}

/* Names what a file that is neither a zip nor a legacy stream is. */
static pp_status not_zip(const uint8_t *head, size_t n, const char *name, pp_error *err)
{
    if (n >= 2 && head[0] == 0x80 && head[1] <= 5)
        return pp_fail(err, PP_ERR_UNSUPPORTED,
                       "%s: a bare pickle, not a PyTorch zip checkpoint; re-save it with torch.save",
                       name);
    return pp_fail(err, PP_ERR_FORMAT, "%s: not a PyTorch checkpoint (no zip signature)", name);
}

static bool is_zip(const uint8_t *head, size_t n)
{
    return n >= 4 && head[0] == 'P' && head[1] == 'K' &&
           ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6));
}

pp_status pp_torch_load(const char *path, pp_state_dict *sd, pp_error *err)
{
    pp_sd_init(sd);
    pp_error local;
    err = pp_error_or(err, &local);
    uint8_t head[PP_TORCH_LEGACY_HEAD];
    size_t n;
    pp_status s = pp_file_read_head(path, head, sizeof head, &n, err);
    if (s != PP_OK)
        return s;
    if (pp_torch_legacy_detect(head, n))
        return pp_torch_legacy_load(path, sd, err);
    if (!is_zip(head, n))
        return not_zip(head, n, path, err);
    pp_torch_zip *zip;
    s = pp_torch_zip_open(path, &zip, err);
    if (s != PP_OK)
        return s;
    s = load_archive(zip, path, pp_torch_zip_archive_size(zip), sd, err);
    pp_torch_zip_close(zip);
    return s;
}

pp_status pp_torch_load_buffer(const uint8_t *buf, size_t len, const char *name,
                               pp_state_dict *sd, pp_error *err)
{
    pp_sd_init(sd);
    pp_error local;
    err = pp_error_or(err, &local);
    if (pp_torch_legacy_detect(buf, len))
        return pp_torch_legacy_load_buffer(buf, len, name, sd, err);
    if (!is_zip(buf, len))
        return not_zip(buf, len, name, err);
    pp_torch_zip *zip;
    pp_status s = pp_torch_zip_open_buffer(buf, len, name, &zip, err);
    if (s != PP_OK)
        return s;
    s = load_archive(zip, name, len, sd, err);
    pp_torch_zip_close(zip);
    return s;
}

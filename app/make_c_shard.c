#include "make_c_shard.h"

#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_file.h"
#include "ckpt/npy.h"
#include "sha256.h"

#define FORMAT "pushpull-make-c-shard/1"

void pp_make_c_shard_describe(pp_make_c_shard *s, const pp_dataset *d, const pp_corruption *const *list, int n,
                              uint64_t seed, pp_corruption_preset preset, bool jpeg85, int k, int count)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dataset, sizeof s->dataset, "%s", d->name);
    pp_sha256 h;
    pp_sha256_init(&h);
    for (int64_t i = 0; i < d->count; i++) {
        uint8_t le[8];
        for (int b = 0; b < 8; b++)
            le[b] = (uint8_t)((uint64_t)d->labels[i] >> (8 * b));
        pp_sha256_update(&h, le, 8);
    }
    pp_sha256_hex(&h, s->labels_sha256);
    s->samples = d->count;
    s->lo = d->count * (k - 1) / count;
    s->hi = d->count * k / count;
    s->height = d->height, s->width = d->width, s->channels = d->channels;
    s->n_corruptions = n < PP_MAKE_C_MAX ? n : PP_MAKE_C_MAX;
    for (int i = 0; i < s->n_corruptions; i++)
        snprintf(s->corruptions[i], sizeof s->corruptions[i], "%s", list[i]->name);
    s->seed = seed;
    snprintf(s->preset, sizeof s->preset, "%s", pp_corruption_preset_name(preset));
    s->jpeg85 = jpeg85;
    s->index = k, s->count = count;
}

pp_status pp_make_c_shard_save(const pp_make_c_shard *s, const char *path, pp_error *err)
{
    pp_json_build_begin();
    json_t *list = json_array();
    for (int i = 0; i < s->n_corruptions; i++)
        json_array_append_new(list, json_string(s->corruptions[i]));
    json_t *o = json_pack("{sssssssIsIsIsisisisosIsssbsisi}", "format", FORMAT, "dataset", s->dataset,
                          "labels_sha256", s->labels_sha256, "samples", (json_int_t)s->samples, "lo",
                          (json_int_t)s->lo, "hi", (json_int_t)s->hi, "height", s->height, "width", s->width,
                          "channels", s->channels, "corruptions", list, "seed", (json_int_t)s->seed, "preset",
                          s->preset, "jpeg85", s->jpeg85, "shard", s->index, "shards", s->count);
    return pp_json_file_save(o, path, err);
}

pp_status pp_make_c_shard_load(pp_make_c_shard *s, const char *path, pp_error *err)
{
    memset(s, 0, sizeof *s);
    json_t *o, *list = NULL;
    pp_status st = pp_json_file_load(path, &o, err);
    if (st != PP_OK)
        return st;
    const char *format = NULL, *dataset = NULL, *sha = NULL, *preset = NULL;
    json_int_t samples, lo, hi, seed;
    int h, w, c, jpeg, k, n;
    if (json_unpack(o, "{ss}", "format", &format) != 0 || strcmp(format, FORMAT) != 0) {
        json_decref(o);
        return pp_fail(err, PP_ERR_UNSUPPORTED, "%s: \"format\" is not \"" FORMAT "\"", path);
    }
    if (json_unpack(o, "{sssssIsIsIsisisisosIsssbsisi}", "dataset", &dataset, "labels_sha256", &sha, "samples",
                    &samples, "lo", &lo, "hi", &hi, "height", &h, "width", &w, "channels", &c, "corruptions",
                    &list, "seed", &seed, "preset", &preset, "jpeg85", &jpeg, "shard", &k, "shards", &n) != 0 ||
        strlen(dataset) >= sizeof s->dataset || strlen(sha) != 64 || strlen(preset) >= sizeof s->preset ||
        !json_is_array(list) || json_array_size(list) < 1 || json_array_size(list) > PP_MAKE_C_MAX || n < 1 ||
        k < 1 || k > n || samples < 0 || lo < 0 || lo > hi || hi > samples || h < 1 || w < 1 || c < 1 ||
        h > 65536 || w > 65536 || c > 4) {
        json_decref(o);
        return pp_fail(err, PP_ERR_FORMAT, "%s: a make-c shard manifest with missing or out-of-range fields", path);
    }
    snprintf(s->dataset, sizeof s->dataset, "%s", dataset);
    memcpy(s->labels_sha256, sha, 65);
    snprintf(s->preset, sizeof s->preset, "%s", preset);
    s->samples = samples, s->lo = lo, s->hi = hi, s->seed = (uint64_t)seed;
    s->height = h, s->width = w, s->channels = c, s->jpeg85 = jpeg, s->index = k, s->count = n;
    s->n_corruptions = (int)json_array_size(list);
    for (int i = 0; i < s->n_corruptions && st == PP_OK; i++) {
        const char *name = json_string_value(json_array_get(list, (size_t)i));
        if (!name || strlen(name) >= sizeof s->corruptions[i] || strchr(name, '/'))
            st = pp_fail(err, PP_ERR_FORMAT, "%s: corruption #%d is not a name", path, i + 1);
        else
            snprintf(s->corruptions[i], sizeof s->corruptions[i], "%s", name);
    }
    json_decref(o);
    return st;
}

const char *pp_make_c_shard_mismatch(const pp_make_c_shard *a, const pp_make_c_shard *b, char *what, size_t len)
{
    if (strcmp(a->dataset, b->dataset) != 0)
        snprintf(what, len, "data set '%s' vs '%s'", a->dataset, b->dataset);
    else if (a->samples != b->samples)
        snprintf(what, len, "samples %lld vs %lld", (long long)a->samples, (long long)b->samples);
    else if (strcmp(a->labels_sha256, b->labels_sha256) != 0)
        snprintf(what, len, "data set labels (SHA-256) '%s' vs '%s'", a->labels_sha256, b->labels_sha256);
    else if (a->height != b->height || a->width != b->width || a->channels != b->channels)
        snprintf(what, len, "image size %dx%dx%d vs %dx%dx%d", a->height, a->width, a->channels, b->height,
                 b->width, b->channels);
    else if (a->seed != b->seed)
        snprintf(what, len, "seed %llu vs %llu", (unsigned long long)a->seed, (unsigned long long)b->seed);
    else if (strcmp(a->preset, b->preset) != 0 || a->jpeg85 != b->jpeg85)
        snprintf(what, len, "preset %s%s vs %s%s", a->preset, a->jpeg85 ? " +jpeg85" : "", b->preset,
                 b->jpeg85 ? " +jpeg85" : "");
    else if (a->count != b->count)
        snprintf(what, len, "number of shards N %d vs %d", a->count, b->count);
    else if (a->n_corruptions != b->n_corruptions)
        snprintf(what, len, "number of corruptions %d vs %d", a->n_corruptions, b->n_corruptions);
    else {
        for (int i = 0; i < a->n_corruptions; i++)
            if (strcmp(a->corruptions[i], b->corruptions[i]) != 0) {
                snprintf(what, len, "corruption #%d %s vs %s", i + 1, a->corruptions[i], b->corruptions[i]);
                return what;
            }
        return NULL;
    }
    return what;
}

/* DIR_OF(manifest)/NAME.shard-K-of-N.npy */
static void part_path(const char *manifest, const char *name, int k, int n, char *out, size_t len)
{
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", manifest);
    snprintf(out, len, "%s/%s.shard-%d-of-%d.npy", dirname(copy), name, k, n);
}

/* One merged file: for each severity, each shard's rows of that severity. */
static pp_status merge_file(const char *outdir, const char *name, bool labels, const pp_make_c_shard *const *by_k,
                            const char *const *names_by_k, pp_error *err)
{
    const pp_make_c_shard *s0 = by_k[0];
    const int n = s0->count;
    char out[4096], part[4096];
    snprintf(out, sizeof out, "%s/%s.npy", outdir, name);
    int64_t shape[4] = {5 * s0->samples, s0->height, s0->width, s0->channels};
    pp_npy_writer wr;
    pp_status st = pp_npy_writer_open(&wr, out, labels ? PP_NPY_I64 : PP_NPY_U8, labels ? 1 : 4, shape, err);
    for (int sev = 0; sev < 5 && st == PP_OK; sev++)
        for (int k = 0; k < n && st == PP_OK; k++) {
            const pp_make_c_shard *s = by_k[k];
            int64_t rows = s->hi - s->lo, total = 0;
            if (rows == 0)
                continue;
            part_path(names_by_k[k], name, k + 1, n, part, sizeof part);
            pp_npy a;
            if ((st = pp_npy_load_rows(part, sev * rows, rows, &total, &a, err)) != PP_OK)
                break;
            bool fits = total == 5 * rows && a.dtype == (labels ? PP_NPY_I64 : PP_NPY_U8) &&
                        a.ndim == (labels ? 1 : 4) &&
                        (labels || (a.shape[1] == s->height && a.shape[2] == s->width && a.shape[3] == s->channels));
            if (!fits)
                st = pp_fail(err, PP_ERR_FORMAT, "%s: not the %lld x 5 %s its manifest %s describes", part,
                             (long long)rows, labels ? "labels" : "images", names_by_k[k]);
            else
                st = pp_npy_writer_append(&wr, a.data, (size_t)pp_npy_numel(&a) * pp_npy_dtype_size(a.dtype), err);
            pp_npy_free(&a);
        }
    if (st != PP_OK) {
        pp_npy_writer_abort(&wr);
        return st;
    }
    return pp_npy_writer_commit(&wr, err);
}

pp_status pp_make_c_merge(const char *outdir, const pp_make_c_shard *shards, const char *const *names, int n,
                          pp_error *err)
{
    char what[400];
    for (int i = 1; i < n; i++)
        if (pp_make_c_shard_mismatch(&shards[0], &shards[i], what, sizeof what))
            return pp_fail(err, PP_ERR_ARG, "%s and %s are not shards of one make-c run: %s", names[0], names[i],
                           what);
    const int count = shards[0].count;
    const pp_make_c_shard **by_k = calloc((size_t)count, sizeof *by_k);
    const char **names_by_k = calloc((size_t)count, sizeof *names_by_k);
    pp_status st = by_k && names_by_k ? PP_OK : pp_fail(err, PP_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n && st == PP_OK; i++) {
        const pp_make_c_shard *s = &shards[i];
        int k = s->index - 1;
        if (s->lo != s->samples * k / count || s->hi != s->samples * (k + 1) / count)
            st = pp_fail(err, PP_ERR_FORMAT, "%s: shard %d/%d holds images [%lld, %lld), not its share", names[i],
                         s->index, count, (long long)s->lo, (long long)s->hi);
        else if (by_k[k])
            st = pp_fail(err, PP_ERR_ARG, "shard %d/%d is given twice: %s and %s", s->index, count,
                         names_by_k[k], names[i]);
        by_k[k] = s, names_by_k[k] = names[i];
    }
    int missing = 0, first = -1;
    for (int k = 0; k < count && st == PP_OK; k++)
        if (!by_k[k] && missing++ == 0)
            first = k;
    if (st == PP_OK && missing)
        st = pp_fail(err, PP_ERR_ARG, "%d of %d shards missing (first: %d/%d) beside %s", missing, count, first + 1,
                     count, names[0]);
    for (int c = 0; c < shards[0].n_corruptions && st == PP_OK; c++)
        st = merge_file(outdir, shards[0].corruptions[c], false, by_k, names_by_k, err);
    if (st == PP_OK)
        st = merge_file(outdir, "labels", true, by_k, names_by_k, err);
    free(by_k);
    free(names_by_k);
    return st;
}

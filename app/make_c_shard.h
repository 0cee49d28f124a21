/* make-c --shard K/N: shard K makes images [lo, hi) of every corruption at
 * every severity, writing OUTDIR/<corruption>.shard-K-of-N.npy (severities
 * stacked, as make-c's own files), labels.shard-K-of-N.npy, and last of all
 * the manifest OUTDIR/make-c.shard-K-of-N.json that says what it made; `merge`
 * joins the N shards into the files one make-c run writes. */
#ifndef PP_MAKE_C_SHARD_H
#define PP_MAKE_C_SHARD_H

#include <stdbool.h>
#include <stdint.h>

#include "corrupt/corruption.h"
#include "data/dataset.h"
#include "status.h"

#define PP_MAKE_C_MAX 64

typedef struct {
    char dataset[160];
    char labels_sha256[65];
    int64_t samples, lo, hi; /* the data set's count (after --limit) and this shard's images */
    int height, width, channels;
    int n_corruptions;
    char corruptions[PP_MAKE_C_MAX][32];
    uint64_t seed;
    char preset[16];
    bool jpeg85;
    int index, count; /* K and N */
} pp_make_c_shard;

void pp_make_c_shard_describe(pp_make_c_shard *s, const pp_dataset *d, const pp_corruption *const *list, int n,
                              uint64_t seed, pp_corruption_preset preset, bool jpeg85, int k, int count);
pp_status pp_make_c_shard_save(const pp_make_c_shard *s, const char *path, pp_error *err);
/* PP_ERR_UNSUPPORTED when the file is JSON of another format (not a make-c shard). */
pp_status pp_make_c_shard_load(pp_make_c_shard *s, const char *path, pp_error *err);
/* NULL when a and b are shards of one run, else what differs (in `what`). */
const char *pp_make_c_shard_mismatch(const pp_make_c_shard *a, const pp_make_c_shard *b, char *what, size_t len);
/* Checks the n manifests (`names`) and writes OUTDIR/<corruption>.npy and
 * labels.npy from the shards' files beside each manifest. */
pp_status pp_make_c_merge(const char *outdir, const pp_make_c_shard *shards, const char *const *names, int n,
                          pp_error *err);

#endif

/* CKA in shards (`cka --shard K/N`, issue 19): a shard's result is the terms
 * of its batches (cka.h's pp_cka_batch_terms, one row per unit = batch of a
 * pass) with the run's description, in a pushpull-cka-shard/1 JSON (the
 * terms as the 16 hex digits of each double, so nothing is rounded). The
 * merge checks that the shards belong together, adds every unit's terms in
 * unit order, as one process does, and gives the single run's result: the
 * same matrix to the bit, the same pushpull-cka/1 JSON apart from the
 * seconds. */
#ifndef PP_ANALYSIS_CKA_SHARD_H
#define PP_ANALYSIS_CKA_SHARD_H

#include <stdbool.h>
#include <stddef.h>

#include "cka_layers.h"

#define PP_CKA_SHARD_FORMAT "pushpull-cka-shard/1"

/* r: a shard of pp_cka_models (shard_count > 0) with sha256_a/b filled. Atomic. */
pp_status pp_cka_shard_save_json(const pp_cka_result *r, const char *path, pp_error *err);
/* Reads and checks every field (the file is untrusted); errors name it.
 * PP_ERR_UNSUPPORTED when the file is JSON of another format. */
pp_status pp_cka_shard_load_json(pp_cka_result *r, const char *path, pp_error *err);
/* True when path's "format" is pushpull-cka-shard/1. */
bool pp_cka_shard_json_is(const char *path);

/* NULL when a and b are shards of one run (model files by SHA-256, data set,
 * samples, corruption, seed, preset, kind, batches, passes, order, layers
 * and N); else what differs, written into what. */
const char *pp_cka_shard_mismatch(const pp_cka_result *a, const pp_cka_result *b, char *what, size_t len);

/* The single run from its N shards (any order); refuses shards of different
 * runs, missing or doubled ones, naming the files. out: a whole-run result
 * (matrix set, seconds the shards' total); free with pp_cka_result_free. */
pp_status pp_cka_merge(const pp_cka_result *shards, const char *const *names, int n, pp_cka_result *out,
                       pp_error *err);

#endif

/* --shard K/N: one part of a command's work (core/eval/evaluate.h says how
 * the work is cut), written to an output named by the shard. */
#ifndef PP_CLI_SHARD_H
#define PP_CLI_SHARD_H

#include <stdbool.h>
#include <stddef.h>

/* "K/N" with 1 <= K <= N <= 2^20. */
bool pp_cli_parse_shard(const char *s, int *k, int *n);
/* OUT.json -> OUT.shard-K-of-N.json (any other name: NAME.shard-K-of-N).
 * False when it does not fit. */
bool pp_cli_shard_path(const char *path, int k, int n, char *out, size_t len);

#endif

/* SHA-256 (FIPS 180-4), for telling files apart: `merge` checks that the
 * shards of an evaluation ran the same model file. */
#ifndef PP_SHA256_H
#define PP_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct {
    uint32_t h[8];
    uint64_t bytes;
    uint8_t block[64];
    size_t used;
} pp_sha256;

void pp_sha256_init(pp_sha256 *s);
void pp_sha256_update(pp_sha256 *s, const void *data, size_t len);
/* 64 lowercase hex digits and a terminator. */
void pp_sha256_hex(pp_sha256 *s, char hex[65]);
/* The hash of a whole regular file, read in pieces. */
pp_status pp_sha256_file(const char *path, char hex[65], pp_error *err);

#endif

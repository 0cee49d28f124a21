/* PyTorch's zip checkpoint archive (torch >= 1.6), read with libzip.
 *
 * The archive holds one top folder with data.pkl (the pickle), data/<key>
 * (raw little-endian storages), version and, in newer files, byteorder.
 * Entry names below are relative to that folder. Every entry's declared size
 * is checked against the archive's size before anything is allocated, every
 * local header must match its directory record (libzip's ZIP_CHECKCONS: many
 * records naming one stream are refused), and the bytes all reads inflate
 * together are bounded. */
#ifndef PP_TORCH_ZIP_H
#define PP_TORCH_ZIP_H

#include <stddef.h>
#include <stdint.h>

#include "../status.h"

/* No single entry may claim more than this (and never more than the archive
 * could hold for its compression method). */
#define PP_TORCH_ZIP_MAX_ENTRY ((uint64_t)16 << 30)

/* All reads of one archive together inflate at most 8x the archive plus the
 * slack, and never more than the cap. */
#define PP_TORCH_ZIP_TOTAL_SLACK ((uint64_t)16 << 20)
#define PP_TORCH_ZIP_MAX_TOTAL ((uint64_t)64 << 30)

typedef struct pp_torch_zip pp_torch_zip;

/* Opens a file; `path` starts every message. */
pp_status pp_torch_zip_open(const char *path, pp_torch_zip **out, pp_error *err);
/* Opens an archive held in memory (not copied: buf must outlive the archive). */
pp_status pp_torch_zip_open_buffer(const uint8_t *buf, size_t len, const char *name,
                                   pp_torch_zip **out, pp_error *err);
void pp_torch_zip_close(pp_torch_zip *z);

/* Size of the whole archive in bytes. */
uint64_t pp_torch_zip_archive_size(const pp_torch_zip *z);
/* The top folder, e.g. "archive/" (may be ""). */
const char *pp_torch_zip_prefix(const pp_torch_zip *z);

/* Uncompressed size of <prefix><rel>; fails if missing or implausible. */
pp_status pp_torch_zip_entry_size(pp_torch_zip *z, const char *rel, uint64_t *size,
                                  pp_error *err);
/* Reads all of <prefix><rel>, which must hold exactly `size` bytes, into dst.
 * The CRC is checked (torch.load does not: a flipped bit loads silently). */
pp_status pp_torch_zip_read(pp_torch_zip *z, const char *rel, void *dst, size_t size,
                            pp_error *err);
/* Reads a whole entry of at most max_size bytes into a new buffer (free()). */
pp_status pp_torch_zip_read_alloc(pp_torch_zip *z, const char *rel, size_t max_size,
                                  uint8_t **data, size_t *size, pp_error *err);

#endif

/* A whole file read into memory, with a size cap and clear errors. */
#ifndef PP_FILE_BUFFER_H
#define PP_FILE_BUFFER_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct {
    uint8_t *data;
    size_t size;
} pp_file_buffer;

/* Files over this are refused rather than read (16 GiB). */
#define PP_FILE_MAX_BYTES ((size_t)16 << 30)

/* Every input file is opened here: anything but a regular file (a FIFO, a
 * device, a directory) is refused with "not a regular file" before a read can
 * block on it. Returns a blocking read-only descriptor and the file's size. */
pp_status pp_file_open_regular(const char *path, int *fd, size_t *size, pp_error *err);
/* The first n bytes or fewer (*got) of a regular file, to tell its format. */
pp_status pp_file_read_head(const char *path, uint8_t *buf, size_t n, size_t *got, pp_error *err);

pp_status pp_file_buffer_read(pp_file_buffer *fb, const char *path, pp_error *err);
void pp_file_buffer_free(pp_file_buffer *fb);

/* A read-only memory map of a whole file: pages are read on demand, so a
 * parser touching part of a big file reads only that part. */
typedef struct {
    const uint8_t *data;
    size_t size;
} pp_file_map;

pp_status pp_file_map_open(pp_file_map *map, const char *path, pp_error *err);
void pp_file_map_close(pp_file_map *map);

#endif

/* IDX files (MNIST, Fashion-MNIST): big-endian header, unsigned-byte payload; plain or
 * gzip-compressed (zlib reads both). Bounds-checked: every size is validated before it
 * is allocated or read, and every error names the file and the problem. */
#ifndef PP_IDX_H
#define PP_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "../status.h"

/* Caps against hostile headers: no real IDX data set comes near these. */
#define PP_IDX_MAX_COUNT 100000000
#define PP_IDX_MAX_SIDE 4096

typedef struct {
    int64_t count;
    int height, width;
    uint8_t *pixels; /* (count, height, width), owned */
} pp_idx_images;

typedef struct {
    int64_t count;
    int64_t *labels; /* (count), owned, each in [0, num_classes) */
} pp_idx_labels;

/* The same from a file's bytes in memory (`name` for messages). */
pp_status pp_idx_parse_images(const uint8_t *data, size_t len, const char *name, pp_idx_images *out,
                              pp_error *err);
pp_status pp_idx_parse_labels(const uint8_t *data, size_t len, const char *name, int num_classes,
                              pp_idx_labels *out, pp_error *err);

/* Magic 0x00000803 (ubyte, 3 dims). */
pp_status pp_idx_load_images(const char *path, pp_idx_images *out, pp_error *err);
/* Magic 0x00000801 (ubyte, 1 dim); labels >= num_classes are an error. */
pp_status pp_idx_load_labels(const char *path, int num_classes, pp_idx_labels *out, pp_error *err);
/* Both, checking that the counts agree. */
pp_status pp_idx_load_pair(const char *images_path, const char *labels_path, int num_classes,
                           pp_idx_images *images, pp_idx_labels *labels, pp_error *err);

void pp_idx_images_free(pp_idx_images *img);
void pp_idx_labels_free(pp_idx_labels *lab);

#endif

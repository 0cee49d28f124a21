/* Labelled image data sets for evaluation and training. Small sets are held
 * in memory as uint8 (N, H, W, C); image folders keep paths and decode on
 * demand. Every reader checks sizes, counts and label ranges. */
#ifndef PP_DATASET_H
#define PP_DATASET_H

#include <stdbool.h>
#include <stdint.h>

#include "../image/image.h"
#include "../status.h"

/* Where Debian's dataset-fashion-mnist package puts the IDX files. */
#define PP_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

typedef struct {
    char name[160];
    int64_t count;
    int num_classes;
    int height, width, channels; /* of in-memory sets; 0 for folders */
    uint8_t *pixels;             /* (count, height, width, channels) or NULL */
    char **paths;                /* (count) image files, or NULL */
    int64_t *labels;             /* (count), each in [0, num_classes) */
    char **class_names;          /* (num_classes) or NULL */
    char notes[512];             /* what the reader accepted but warns about, one line each */
} pp_dataset;

/* Opens a data set named by `spec`:
 *   fashion-mnist[:test|:train]   Debian's Fashion-MNIST (`train` picks without a split;
 *                                 any other split name is an error)
 *   DIR with CIFAR-10 binaries    test_batch.bin (or data_batch_1..5.bin with train)
 *   FILE.npy                      uint8 (N, H, W) or (N, H, W, C) with labels.npy beside
 *   DIR of class folders          DIR/<class>/<image>.png|jpg (ImageFolder order)
 * `train` picks the training split where a source has one. */
pp_status pp_dataset_open(pp_dataset *ds, const char *spec, bool train, pp_error *err);

/* images (N, H, W[, C]) uint8 .npy with an explicit integer labels .npy. */
pp_status pp_dataset_open_npy(pp_dataset *ds, const char *images, const char *labels, pp_error *err);
/* IDX image and label files (plain or gzip), labels below num_classes. */
pp_status pp_dataset_open_idx(pp_dataset *ds, const char *images, const char *labels, int num_classes,
                              pp_error *err);

/* A pre-corrupted copy: DIR/<corruption>.npy with the 5 severities stacked
 * (CIFAR-10-C layout, labels.npy beside), or DIR/<corruption>/<severity>/<class>/
 * image folders (ImageNet-C layout). The folders' labels come from `classes`
 * (the clean set): a folder's label is its class name's place in that list, or
 * the folder is named by the class number, so a missing folder shifts nothing
 * and is noted; a folder that is neither is an error.
 * `classes` NULL: labels by sorted position, as for a clean folder tree. */
pp_status pp_dataset_open_corrupted(pp_dataset *ds, const char *dir, const char *corruption, int severity,
                                    const pp_dataset *classes, pp_error *err);

/* Keeps only the first n samples (no-op if n <= 0 or n >= count). */
void pp_dataset_limit(pp_dataset *ds, int64_t n);

/* Sample i as an image (copied or decoded; free with pp_image_free). */
pp_status pp_dataset_image(const pp_dataset *ds, int64_t i, pp_image *out, pp_error *err);

void pp_dataset_free(pp_dataset *ds);

#endif

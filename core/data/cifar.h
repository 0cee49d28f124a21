/* CIFAR-10 binary batches: records of 1 label byte + 3072 pixel bytes (the
 * R plane, then G, then B, 32x32 each). */
#ifndef PP_CIFAR_H
#define PP_CIFAR_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"

#define PP_CIFAR_RECORD (1 + 3 * 32 * 32)

/* Appends a batch file's records (in memory; `name` for messages) to an
 * in-memory 32x32x3 data set, pixels interleaved to (H, W, C). */
pp_status pp_cifar_append(pp_dataset *ds, const uint8_t *data, size_t len, const char *name, pp_error *err);

#endif

/* numpy .npy arrays (format 1.0-3.0, C order): the exchange format for tensors
 * and for CIFAR-10-C style data. Readers accept little- or big-endian f4/f8/u1/
 * i1/i4/i8/b1 and convert to one of three in-memory types. */
#ifndef PP_NPY_H
#define PP_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "../atomic_file.h"
#include "../status.h"
#include "../tensor.h"

typedef enum { PP_NPY_F32, PP_NPY_U8, PP_NPY_I64 } pp_npy_dtype;

typedef struct {
    pp_npy_dtype dtype;
    int ndim;
    int64_t shape[PP_MAX_DIMS];
    void *data; /* numel elements of dtype, C order, 64-byte aligned, owned */
} pp_npy;

size_t pp_npy_dtype_size(pp_npy_dtype d);
int64_t pp_npy_numel(const pp_npy *a);

pp_status pp_npy_load(const char *path, pp_npy *arr, pp_error *err);
/* Only rows [row0, row0 + rows) of the first axis (one severity of a CIFAR-10-C
 * file), without reading the rest; *total_rows (if non-NULL) gets the file's
 * full first dimension. rows = 0 reads just the header. */
pp_status pp_npy_load_rows(const char *path, int64_t row0, int64_t rows, int64_t *total_rows, pp_npy *arr,
                           pp_error *err);
/* Parses a whole file held in memory; `name` is used in messages. */
pp_status pp_npy_parse(const uint8_t *buf, size_t len, const char *name, pp_npy *arr, pp_error *err);
void pp_npy_free(pp_npy *arr);

/* Atomic save of a whole array. */
pp_status pp_npy_save(const char *path, pp_npy_dtype dtype, int ndim, const int64_t *shape,
                      const void *data, pp_error *err);

/* Streaming writer for arrays too big to build at once: open with the final
 * shape, append the raw elements in order, commit (checks the count). */
typedef struct {
    pp_atomic_file file;
    size_t expected_bytes, written_bytes;
} pp_npy_writer;

pp_status pp_npy_writer_open(pp_npy_writer *w, const char *path, pp_npy_dtype dtype, int ndim,
                             const int64_t *shape, pp_error *err);
pp_status pp_npy_writer_append(pp_npy_writer *w, const void *data, size_t bytes, pp_error *err);
pp_status pp_npy_writer_commit(pp_npy_writer *w, pp_error *err);
void pp_npy_writer_abort(pp_npy_writer *w);

#endif

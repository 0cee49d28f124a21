#include "cifar.h"

#include <stdlib.h>

pp_status pp_cifar_append(pp_dataset *ds, const uint8_t *data, size_t len, const char *name, pp_error *err)
{
    if (len % PP_CIFAR_RECORD != 0)
        return pp_fail(err, PP_ERR_FORMAT, "%s: size %zu is not a whole number of 3073-byte CIFAR records", name,
                       len);
    int64_t n = (int64_t)(len / PP_CIFAR_RECORD), old = ds->count;
    for (int64_t i = 0; i < n; i++)
        if (data[(size_t)i * PP_CIFAR_RECORD] >= 10)
            return pp_fail(err, PP_ERR_FORMAT, "%s: record %lld has label %d (CIFAR-10 has 10 classes)", name,
                           (long long)i, data[(size_t)i * PP_CIFAR_RECORD]);
    uint8_t *pixels = realloc(ds->pixels, (size_t)(old + n) * 3072 + 1);
    if (pixels)
        ds->pixels = pixels;
    int64_t *labels = pixels ? realloc(ds->labels, (size_t)(old + n) * sizeof *labels + 1) : NULL;
    if (labels)
        ds->labels = labels;
    if (!pixels || !labels)
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory", name);
    for (int64_t i = 0; i < n; i++) {
        const uint8_t *rec = data + (size_t)i * PP_CIFAR_RECORD;  /* (1 + 3 * 1024) */
        uint8_t *dst = ds->pixels + (size_t)(old + i) * 3072;     /* (32, 32, 3) */
        ds->labels[old + i] = rec[0];
        for (int p = 0; p < 1024; p++)
            for (int c = 0; c < 3; c++)
                dst[p * 3 + c] = rec[1 + c * 1024 + p];
    }
    ds->count += n;
    return PP_OK;
}

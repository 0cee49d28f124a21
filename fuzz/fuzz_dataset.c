/* libFuzzer: data-set parsers from memory: IDX images and labels (plain or
 * gzip) and CIFAR-10 binary batches. The first byte picks the parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "data/cifar.h"
#include "data/idx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *body = data + 1;
    size_t len = size - 1;
    pp_error err;
    switch (data[0] % 3) {
    case 0: {
        pp_idx_images im;
        if (pp_idx_parse_images(body, len, "fuzz.idx3", &im, &err) == PP_OK)
            pp_idx_images_free(&im);
        break;
    }
    case 1: {
        pp_idx_labels lab;
        if (pp_idx_parse_labels(body, len, "fuzz.idx1", 10, &lab, &err) == PP_OK)
            pp_idx_labels_free(&lab);
        break;
    }
    default: {
        pp_dataset ds = {0};
        pp_cifar_append(&ds, body, len, "fuzz.bin", &err);
        free(ds.pixels);
        free(ds.labels);
        break;
    }
    }
    return 0;
}

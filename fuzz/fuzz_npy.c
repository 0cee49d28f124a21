/* libFuzzer: .npy header parsing and data conversion (pp_npy_parse). */
#include <stddef.h>
#include <stdint.h>

#include "ckpt/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pp_npy arr;
    pp_error err;
    if (pp_npy_parse(data, size, "fuzz.npy", &arr, &err) == PP_OK)
        pp_npy_free(&arr);
    return 0;
}

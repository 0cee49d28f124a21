/* libFuzzer: PNG and JPEG decoding from memory (pp_image_decode), with the
 * pixel, memory and scan caps that bound a hostile file. */
#include <stddef.h>
#include <stdint.h>

#include "image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pp_image img;
    pp_error err;
    if (pp_image_decode(data, size, "fuzz.img", &img, &err) == PP_OK)
        pp_image_free(&img);
    return 0;
}

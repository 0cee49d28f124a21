/* libFuzzer: safetensors header and data checks (pp_safetensors_parse). */
#include <stddef.h>
#include <stdint.h>

#include "ckpt/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pp_state_dict sd;
    pp_error err;
    pp_sd_init(&sd);
    pp_safetensors_parse(data, size, "fuzz.safetensors", &sd, &err);
    pp_sd_free(&sd);
    return 0;
}

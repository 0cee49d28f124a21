/* libFuzzer: a whole PyTorch zip checkpoint (archive, pickle, storages,
 * tensor views, Lightning hyper-parameters) held in memory. */
#include <stddef.h>
#include <stdint.h>

#include "ckpt/torch_checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pp_state_dict sd;
    pp_error err;
    if (pp_torch_load_buffer(data, size, "fuzz.ckpt", &sd, &err) == PP_OK)
        pp_sd_free(&sd);
    return 0;
}

#include "checkpoint.h"

#include <string.h>

#include "../file_buffer.h"
#include "safetensors.h"
#include "torch_checkpoint.h"
#include "torch_legacy.h"

pp_status pp_checkpoint_load(const char *path, pp_state_dict *sd, pp_error *err)
{
    pp_sd_init(sd);
    unsigned char head[PP_TORCH_LEGACY_HEAD] = {0};
    size_t got;
    pp_status st = pp_file_read_head(path, head, sizeof head, &got, err);
    if (st != PP_OK)
        return st;
    if (got == 0)
        return pp_fail(err, PP_ERR_FORMAT, "%s: the file is empty (0 bytes)", path);
    if (got >= 4 && memcmp(head, "PK\x03\x04", 4) == 0) {
        return pp_torch_load(path, sd, err);
    }
    if (got >= 2 && head[0] == 0x80 && head[1] <= 5) /* legacy torch.save, or a bare pickle */
        return pp_torch_load(path, sd, err);
    if (got >= 9 && head[8] == '{') {
        pp_status st = pp_safetensors_load(path, sd, err);
        if (st == PP_OK)
            st = pp_sd_meta_set(sd, PP_SD_SOURCE_META "format", "safetensors", err);
        if (st != PP_OK)
            pp_sd_free(sd);
        return st;
    }
    return pp_fail(err, PP_ERR_FORMAT, "%s: not a checkpoint (expected safetensors, a PyTorch zip archive or a legacy torch.save file)", path);
}

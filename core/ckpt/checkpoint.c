#include "checkpoint.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "safetensors.h"
#include "torch_checkpoint.h"

pp_status pp_checkpoint_load(const char *path, pp_state_dict *sd, pp_error *err)
{
    pp_sd_init(sd);
    unsigned char head[16] = {0};
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return pp_fail(err, PP_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    size_t got = fread(head, 1, sizeof head, fp);
    fclose(fp);
    if (got >= 4 && memcmp(head, "PK\x03\x04", 4) == 0) {
        return pp_torch_load(path, sd, err);
    }
    if (got >= 2 && head[0] == 0x80 && head[1] <= 5)
        return pp_fail(err, PP_ERR_UNSUPPORTED,
                       "%s: legacy (pre-1.6, non-zip) PyTorch file; re-save it with a current torch.save "
                       "or convert it to safetensors", path);
    if (got >= 9 && head[8] == '{')
        return pp_safetensors_load(path, sd, err);
    return pp_fail(err, PP_ERR_FORMAT, "%s: not a checkpoint (expected safetensors or a PyTorch zip archive)", path);
}

/* st_meta_set IN.safetensors OUT.safetensors KEY VALUE: a copy of IN with one
 * metadata entry set, for hostile-metadata tests (e.g. a checkpoint whose
 * train_epochs_done is -5). */
#include <stdio.h>

#include "ckpt/safetensors.h"
#include "ckpt/state_dict.h"

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: st_meta_set IN.safetensors OUT.safetensors KEY VALUE\n");
        return 2;
    }
    pp_state_dict sd;
    pp_error err = {0};
    if (pp_safetensors_load(argv[1], &sd, &err) != PP_OK || pp_sd_meta_set(&sd, argv[3], argv[4], &err) != PP_OK ||
        pp_safetensors_save(argv[2], &sd, &err) != PP_OK) {
        fprintf(stderr, "st_meta_set: %s\n", err.msg);
        return 1;
    }
    pp_sd_free(&sd);
    return 0;
}

/* Any checkpoint file -> state dict, by content: safetensors, PyTorch zip
 * archives (.pt/.pth/Lightning .ckpt); legacy torch files are refused by name. */
#ifndef PP_CHECKPOINT_H
#define PP_CHECKPOINT_H

#include "state_dict.h"

pp_status pp_checkpoint_load(const char *path, pp_state_dict *sd, pp_error *err);

#endif

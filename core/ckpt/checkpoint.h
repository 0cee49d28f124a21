/* Any checkpoint file -> state dict, by content: safetensors, PyTorch zip
 * archives (.pt/.pth/Lightning .ckpt) and legacy (pre-1.6) torch.save files. */
#ifndef PP_CHECKPOINT_H
#define PP_CHECKPOINT_H

#include "state_dict.h"

pp_status pp_checkpoint_load(const char *path, pp_state_dict *sd, pp_error *err);

#endif

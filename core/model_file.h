/* Opening a model from any checkpoint file and saving it as safetensors. */
#ifndef PP_MODEL_FILE_H
#define PP_MODEL_FILE_H

#include <stddef.h>

#include "arch.h"
#include "model.h"

/* Loads the file, strips a common key prefix, infers the architecture, builds
 * and fills the model. Class names: metadata, else `<file stem>.labels.txt` or
 * `labels.txt` beside the file (one per line), else the known sets.
 * `notes` gets one line per assumption ("" if none). */
pp_status pp_model_open(pp_model *m, const char *path, const pp_arch_hints *hints, char *notes,
                        size_t notes_len, pp_error *err);

/* Atomic safetensors with the architecture and class names in the metadata. */
pp_status pp_model_save(const pp_model *m, const char *path, pp_error *err);

#endif

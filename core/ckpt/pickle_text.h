/* Unpickled values as short Python-like text, for metadata and messages.
 *
 * Inert objects (anything the unpickler did not allow) are shown as what they
 * were asked to be: `augmentations.AugMix(severity=3, width=3)` from the
 * class, the arguments it was applied to and the attributes BUILD gave it
 * (private `_name` attributes, such as an nn.Module's hook dicts, left out),
 * `mod.Mode.BILINEAR` for getattr(cls, name). Output is cut at the buffer's
 * size, nesting at a few levels and the walk at a visit budget, so shared
 * (memoised) values cannot make it slow. */
#ifndef PP_PICKLE_TEXT_H
#define PP_PICKLE_TEXT_H

#include <stddef.h>

#include "pickle.h"

/* The whole value; returns buf (always NUL-terminated, "..." when cut). */
const char *pp_pv_text(const pp_pv *v, char *buf, size_t cap);
/* Only an inert object's name part ("mod.Class", "mod.Class.from_config");
 * for other values the same as pp_pv_describe. */
const char *pp_pv_object_name(const pp_pv *v, char *buf, size_t cap);

#endif

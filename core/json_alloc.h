/* jansson's allocations, made through malloc with a per-thread failure flag.
 * jansson reports some allocation failures as syntax errors (a failed string
 * buffer reads as "string expected"), and json_object() & co. just return
 * NULL, so a caller that must tell "out of memory" from "bad JSON" resets
 * the flag before the JSON calls and asks afterwards. The allocator is
 * installed once, before main (no thread can be inside jansson then). */
#ifndef PP_JSON_ALLOC_H
#define PP_JSON_ALLOC_H

#include <stdbool.h>

/* Clears this thread's flag. */
void pp_json_alloc_reset(void);
/* Whether a jansson allocation failed on this thread since the reset. */
bool pp_json_alloc_failed(void);

#endif

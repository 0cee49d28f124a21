/* An open-addressing hash index over an array of records whose first member
 * is their name (`char *`): finding a name, and so refusing a duplicate, costs
 * O(1) instead of a scan, and a file with many thousand keys loads in linear
 * time. The index holds positions, not pointers, so the array may move
 * (realloc); renaming records needs pp_name_index_rebuild. */
#ifndef PP_NAME_INDEX_H
#define PP_NAME_INDEX_H

#include <stddef.h>

typedef struct {
    size_t *slots; /* position + 1, or 0 for an empty slot */
    size_t cap;    /* a power of two, or 0 before the first insert */
} pp_name_index;

/* Position of `name` among the count records of `stride` bytes at base, or
 * SIZE_MAX. Without an index (none built yet) it scans. */
size_t pp_name_index_find(const pp_name_index *ix, const void *base, size_t stride, size_t count,
                          const char *name);
/* Indexes record `pos` (the newest: pos == count - 1), growing the table to
 * stay at most half full. Out of memory, the index is dropped: finds scan. */
void pp_name_index_add(pp_name_index *ix, const void *base, size_t stride, size_t count, size_t pos);
/* Indexes all count records afresh (after renames); out of memory as above. */
void pp_name_index_rebuild(pp_name_index *ix, const void *base, size_t stride, size_t count);
void pp_name_index_free(pp_name_index *ix);

#endif

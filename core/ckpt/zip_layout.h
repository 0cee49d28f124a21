/* Where a zip archive's entries lie: each one's local header, name, extra
 * field and compressed data must occupy bytes of their own. Overlapping
 * entries are how zip bombs multiply one deflate stream (many directory
 * records, or local headers quoted inside another entry's data); a writer
 * never produces them. libzip reads what the directory says and checks no
 * such thing, so the torch archive reader calls this first. */
#ifndef PP_ZIP_LAYOUT_H
#define PP_ZIP_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "../status.h"

/* Walks the central directory of the archive in buf (zip64 included) and
 * refuses overlapping entries, naming both; `name` starts every message.
 * What it cannot walk (no directory, a record outside the archive) it leaves
 * to libzip to diagnose. */
pp_status pp_zip_check_layout(const uint8_t *buf, size_t len, const char *name, pp_error *err);

#endif

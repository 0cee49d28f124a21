#include "file_buffer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

pp_status pp_file_buffer_read(pp_file_buffer *fb, const char *path, pp_error *err)
{
    memset(fb, 0, sizeof *fb);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return pp_fail(err, PP_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(fp);
        return pp_fail(err, PP_ERR_IO, "%s: not a regular file", path);
    }
    if ((uint64_t)sb.st_size > PP_FILE_MAX_BYTES) {
        fclose(fp);
        return pp_fail(err, PP_ERR_FORMAT, "%s: file is larger than 16 GiB", path);
    }
    size_t size = (size_t)sb.st_size;
    fb->data = malloc(size ? size : 1);
    if (!fb->data) {
        fclose(fp);
        return pp_fail(err, PP_ERR_NOMEM, "%s: cannot allocate %zu bytes", path, size);
    }
    size_t got = fread(fb->data, 1, size, fp);
    fclose(fp);
    if (got != size) {
        pp_file_buffer_free(fb);
        return pp_fail(err, PP_ERR_IO, "%s: short read", path);
    }
    fb->size = size;
    return PP_OK;
}

void pp_file_buffer_free(pp_file_buffer *fb)
{
    if (fb) {
        free(fb->data);
        fb->data = NULL;
        fb->size = 0;
    }
}

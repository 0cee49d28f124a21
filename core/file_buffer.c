#include "file_buffer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

pp_status pp_file_map_open(pp_file_map *map, const char *path, pp_error *err)
{
    memset(map, 0, sizeof *map);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pp_fail(err, PP_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return pp_fail(err, PP_ERR_IO, "%s: not a regular file", path);
    }
    if (sb.st_size == 0) {
        close(fd);
        return pp_fail(err, PP_ERR_FORMAT, "%s: empty file", path);
    }
    void *data = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (data == MAP_FAILED)
        return pp_fail(err, PP_ERR_IO, "%s: cannot map: %s", path, strerror(errno));
    map->data = data;
    map->size = (size_t)sb.st_size;
    return PP_OK;
}

void pp_file_map_close(pp_file_map *map)
{
    if (map && map->data)
        munmap((void *)map->data, map->size);
    if (map) {
        map->data = NULL;
        map->size = 0;
    }
}

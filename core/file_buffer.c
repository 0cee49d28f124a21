#include "file_buffer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *file_kind(mode_t mode)
{
    return S_ISDIR(mode) ? "a directory" : S_ISFIFO(mode) ? "a FIFO" : S_ISSOCK(mode) ? "a socket"
           : S_ISCHR(mode) || S_ISBLK(mode) ? "a device" : "special";
}

pp_status pp_file_open_regular(const char *path, int *fd_out, size_t *size, pp_error *err)
{
    *fd_out = -1;
    /* O_NONBLOCK: opening a FIFO without a writer would otherwise wait forever. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return pp_fail(err, PP_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return pp_fail(err, PP_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return pp_fail(err, PP_ERR_IO, "%s: not a regular file (%s)", path, file_kind(sb.st_mode));
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
        int e = errno;
        close(fd);
        return pp_fail(err, PP_ERR_IO, "%s: cannot open: %s", path, strerror(e));
    }
    *fd_out = fd;
    *size = (size_t)sb.st_size;
    return PP_OK;
}

/* Reads up to n bytes, retrying short reads; *got is what the file had. */
static pp_status read_fully(int fd, uint8_t *buf, size_t n, size_t *got, const char *path, pp_error *err)
{
    *got = 0;
    while (*got < n) {
        ssize_t r = read(fd, buf + *got, n - *got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return pp_fail(err, PP_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
        if (r == 0)
            break;
        *got += (size_t)r;
    }
    return PP_OK;
}

pp_status pp_file_read_head(const char *path, uint8_t *buf, size_t n, size_t *got, pp_error *err)
{
    int fd;
    size_t size;
    pp_status st = pp_file_open_regular(path, &fd, &size, err);
    if (st != PP_OK)
        return st;
    st = read_fully(fd, buf, n, got, path, err);
    close(fd);
    return st;
}

pp_status pp_file_buffer_read(pp_file_buffer *fb, const char *path, pp_error *err)
{
    memset(fb, 0, sizeof *fb);
    int fd;
    size_t size, got;
    pp_status st = pp_file_open_regular(path, &fd, &size, err);
    if (st != PP_OK)
        return st;
    if (size > PP_FILE_MAX_BYTES) {
        close(fd);
        return pp_fail(err, PP_ERR_FORMAT, "%s: file is larger than 16 GiB", path);
    }
    fb->data = malloc(size ? size : 1);
    if (!fb->data) {
        close(fd);
        return pp_fail(err, PP_ERR_NOMEM, "%s: cannot allocate %zu bytes", path, size);
    }
    st = read_fully(fd, fb->data, size, &got, path, err);
    close(fd);
    if (st == PP_OK && got != size)
        st = pp_fail(err, PP_ERR_IO, "%s: short read", path);
    if (st != PP_OK) {
        pp_file_buffer_free(fb);
        return st;
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
    int fd;
    size_t size;
    pp_status st = pp_file_open_regular(path, &fd, &size, err);
    if (st != PP_OK)
        return st;
    if (size == 0) {
        close(fd);
        return pp_fail(err, PP_ERR_FORMAT, "%s: empty file", path);
    }
    void *data = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (data == MAP_FAILED)
        return pp_fail(err, PP_ERR_IO, "%s: cannot map: %s", path, strerror(e));
    map->data = data;
    map->size = size;
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

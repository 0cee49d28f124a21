#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output_path.h"
#include "temp_files.h"

static bool (*cancel_hook)(void *ctx);
static void *cancel_ctx;

void pp_atomic_set_cancel(bool (*cancel)(void *ctx), void *ctx)
{
    cancel_hook = cancel;
    cancel_ctx = ctx;
}

pp_status pp_atomic_open(pp_atomic_file *af, const char *path, pp_error *err)
{
    memset(af, 0, sizeof *af);
    pp_status st = pp_output_claim(path, err);
    if (st != PP_OK)
        return st;
    af->final_path = strdup(path);
    if (!af->final_path) {
        pp_output_release(path);
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory", path);
    }
    int fd = -1;
    st = pp_output_resolve(path, &af->resolved_path, err);
    if (st == PP_OK)
        st = pp_temp_file_create(af->resolved_path, &af->temp_path, &fd, err);
    if (st != PP_OK) {
        pp_atomic_abort(af);
        return st;
    }
    /* A replaced file keeps its mode (a private 0600 file stays private); a new
     * one gets what the umask gives (mkstemp made it 0600). */
    struct stat old;
    if (stat(af->resolved_path, &old) == 0) {
        fchmod(fd, old.st_mode & 07777);
    } else {
        mode_t mask = umask(0);
        umask(mask);
        fchmod(fd, 0666 & ~mask);
    }
    af->fp = fdopen(fd, "wb");
    if (!af->fp) {
        close(fd);
        pp_atomic_abort(af);
        return pp_fail(err, PP_ERR_IO, "%s: cannot open for writing", path);
    }
    return PP_OK;
}

/* The rename is durable only once the directory entry is on disk. */
static void sync_directory(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

pp_status pp_atomic_commit(pp_atomic_file *af, pp_error *err)
{
    pp_status st = PP_OK;
    if (!af->fp)
        return pp_fail(err, PP_ERR_IO, "%s: file was not open", af->final_path ? af->final_path : "?");
    bool ok = !ferror(af->fp) && fflush(af->fp) == 0 && fsync(fileno(af->fp)) == 0;
    int e = errno;
    if (!ok) {
        st = pp_fail(err, PP_ERR_IO, "%s: write failed: %s", af->final_path, strerror(e));
    } else if (cancel_hook && cancel_hook(cancel_ctx)) {
        st = pp_fail(err, PP_ERR_CANCELLED, "%s: interrupted; not written", af->final_path);
    } else if (rename(af->temp_path, af->resolved_path) != 0) {
        /* renamed while still open: the temp file's lock keeps a sweep off it until here */
        st = pp_fail(err, PP_ERR_IO, "%s: cannot replace file: %s", af->final_path, strerror(errno));
    } else {
        pp_temp_files_forget(af->temp_path);
        free(af->temp_path);
        af->temp_path = NULL; /* renamed: nothing to remove */
        sync_directory(af->resolved_path);
    }
    if (fclose(af->fp) != 0 && st == PP_OK)
        st = pp_fail(err, PP_ERR_IO, "%s: write failed: %s", af->final_path, strerror(errno));
    af->fp = NULL;
    pp_atomic_abort(af);
    return st;
}

void pp_atomic_abort(pp_atomic_file *af)
{
    if (af->fp) {
        fclose(af->fp);
        af->fp = NULL;
    }
    if (af->temp_path) {
        unlink(af->temp_path);
        pp_temp_files_forget(af->temp_path);
        free(af->temp_path);
        af->temp_path = NULL;
    }
    if (af->final_path)
        pp_output_release(af->final_path);
    free(af->final_path);
    free(af->resolved_path);
    af->final_path = af->resolved_path = NULL;
}

pp_status pp_atomic_write(const char *path, const void *data, size_t len, pp_error *err)
{
    pp_atomic_file af;
    pp_status st = pp_atomic_open(&af, path, err);
    if (st != PP_OK)
        return st;
    if (len && fwrite(data, 1, len, af.fp) != len) {
        int e = errno;
        pp_atomic_abort(&af);
        return pp_fail(err, PP_ERR_IO, "%s: write failed: %s", path, strerror(e));
    }
    return pp_atomic_commit(&af, err);
}

#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

pp_status pp_atomic_open(pp_atomic_file *af, const char *path, pp_error *err)
{
    memset(af, 0, sizeof *af);
    size_t len = strlen(path);
    af->final_path = strdup(path);
    af->temp_path = malloc(len + 16);
    if (!af->final_path || !af->temp_path) {
        pp_atomic_abort(af);
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory", path);
    }
    snprintf(af->temp_path, len + 16, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(af->temp_path);
    if (fd < 0) {
        int e = errno;
        free(af->temp_path);
        af->temp_path = NULL;
        pp_atomic_abort(af);
        return pp_fail(err, PP_ERR_IO, "%s: cannot create file: %s", path, strerror(e));
    }
    /* mkstemp makes 0600; a saved model should be readable like any other file. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    af->fp = fdopen(fd, "wb");
    if (!af->fp) {
        close(fd);
        pp_atomic_abort(af);
        return pp_fail(err, PP_ERR_IO, "%s: cannot open for writing", path);
    }
    return PP_OK;
}

pp_status pp_atomic_commit(pp_atomic_file *af, pp_error *err)
{
    pp_status st = PP_OK;
    if (!af->fp)
        return pp_fail(err, PP_ERR_IO, "%s: file was not open", af->final_path ? af->final_path : "?");
    bool ok = !ferror(af->fp) && fflush(af->fp) == 0 && fsync(fileno(af->fp)) == 0;
    int e = errno;
    if (fclose(af->fp) != 0 && ok) {
        ok = false;
        e = errno;
    }
    af->fp = NULL;
    if (!ok) {
        st = pp_fail(err, PP_ERR_IO, "%s: write failed: %s", af->final_path, strerror(e));
    } else if (rename(af->temp_path, af->final_path) != 0) {
        st = pp_fail(err, PP_ERR_IO, "%s: cannot replace file: %s", af->final_path, strerror(errno));
    } else {
        free(af->temp_path);
        af->temp_path = NULL; /* renamed: nothing to remove */
    }
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
        free(af->temp_path);
        af->temp_path = NULL;
    }
    free(af->final_path);
    af->final_path = NULL;
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

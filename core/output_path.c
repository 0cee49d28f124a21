#include "output_path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "temp_files.h"

typedef struct {
    char *resolved, *lock_path;
    int fd, refs;
} claim;

#define MAX_CLAIMS 64
static claim claims[MAX_CLAIMS];
static pthread_mutex_t claims_lock = PTHREAD_MUTEX_INITIALIZER;

pp_status pp_output_resolve(const char *path, char **resolved, pp_error *err)
{
    struct stat st;
    *resolved = NULL;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        *resolved = realpath(path, NULL);
        if (!*resolved)
            return pp_fail(err, PP_ERR_IO, "%s: is a symlink to a missing file (%s); not writing through it",
                           path, strerror(errno));
    } else {
        *resolved = strdup(path);
    }
    return *resolved ? PP_OK : pp_fail(err, PP_ERR_NOMEM, "%s: out of memory", path);
}

/* The target and its directory, before anything is made there. */
static pp_status check_destination(const char *path, const char *resolved, const char *dir, pp_error *err)
{
    struct stat st;
    if (stat(resolved, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return pp_fail(err, PP_ERR_IO, "%s: is a directory, not a file to write", path);
        if (!S_ISREG(st.st_mode))
            return pp_fail(err, PP_ERR_IO, "%s: is not a regular file; refusing to replace it", path);
    } else if (errno != ENOENT) {
        return pp_fail(err, PP_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    }
    if (stat(dir, &st) != 0)
        return pp_fail(err, PP_ERR_IO, "%s: cannot write: directory %s: %s", path, dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return pp_fail(err, PP_ERR_IO, "%s: cannot write: %s is not a directory", path, dir);
    /* The only reliable test (read-only mounts, ACLs, quotas on inodes): make a file. */
    char *probe;
    int fd;
    pp_error perr = {0};
    if (pp_temp_file_create(resolved, &probe, &fd, &perr) != PP_OK)
        return pp_fail(err, perr.status == PP_ERR_NOMEM ? PP_ERR_NOMEM : PP_ERR_IO,
                       "%s: cannot write a file in %s: %s", path, dir,
                       strchr(perr.msg, ':') ? strrchr(perr.msg, ':') + 2 : perr.msg);
    unlink(probe);
    pp_temp_files_forget(probe);
    close(fd);
    free(probe);
    return PP_OK;
}

/* flock on the lock file; the inode check makes a lock file that its holder
 * removed in between count as not locked (then try again). */
static pp_status take_lock(const char *path, const char *lock_path, int *fd_out, pp_error *err)
{
    for (int attempt = 0; attempt < 20; attempt++) {
        int fd = open(lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0)
            return pp_fail(err, PP_ERR_IO, "%s: cannot create the lock file %s: %s", path, lock_path,
                           strerror(errno));
        if (flock(fd, LOCK_EX | LOCK_NB) != 0 && attempt < 19) {
            /* a sweep holds a stale lock file's lock for a moment: look again */
            close(fd);
            usleep(10000);
            continue;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            char text[32] = {0};
            ssize_t n = pread(fd, text, sizeof text - 1, 0);
            close(fd);
            long pid = n > 0 ? strtol(text, NULL, 10) : 0;
            if (pid > 0)
                return pp_fail(err, PP_ERR_IO,
                               "%s: another process (pid %ld) is writing this file; not writing it twice", path,
                               pid);
            return pp_fail(err, PP_ERR_IO, "%s: another process is writing this file; not writing it twice",
                           path);
        }
        struct stat held, now;
        if (fstat(fd, &held) == 0 && stat(lock_path, &now) == 0 && held.st_dev == now.st_dev &&
            held.st_ino == now.st_ino) {
            char text[32];
            int n = snprintf(text, sizeof text, "%ld\n", (long)getpid());
            if (ftruncate(fd, 0) == 0 && pwrite(fd, text, (size_t)n, 0) != n) {
                /* the pid is only for the other writer's message */
            }
            *fd_out = fd;
            return PP_OK;
        }
        close(fd);
    }
    return pp_fail(err, PP_ERR_IO, "%s: the lock file %s keeps changing; not writing", path, lock_path);
}

static claim *find_claim(const char *resolved)
{
    for (int i = 0; i < MAX_CLAIMS; i++)
        if (claims[i].refs > 0 && strcmp(claims[i].resolved, resolved) == 0)
            return &claims[i];
    return NULL;
}

pp_status pp_output_claim(const char *path, pp_error *err)
{
    char *resolved, *dir = NULL, *lock_path = NULL;
    pp_status st = pp_output_resolve(path, &resolved, err);
    if (st != PP_OK)
        return st;
    pthread_mutex_lock(&claims_lock);
    claim *c = find_claim(resolved);
    if (c) {
        c->refs++;
        goto done;
    }
    for (int i = 0; i < MAX_CLAIMS && !c; i++)
        if (claims[i].refs == 0)
            c = &claims[i];
    dir = pp_path_dirname(resolved);
    lock_path = pp_temp_sibling(resolved, PP_LOCK_SUFFIX);
    if (!c)
        st = pp_fail(err, PP_ERR_NOMEM, "%s: too many outputs open at once", path);
    else if (!dir || !lock_path)
        st = pp_fail(err, PP_ERR_NOMEM, "%s: out of memory", path);
    else
        st = check_destination(path, resolved, dir, err);
    int fd = -1;
    if (st == PP_OK)
        st = take_lock(path, lock_path, &fd, err);
    if (st == PP_OK) {
        pp_temp_files_sweep(dir);
        pp_temp_files_add(lock_path);
        *c = (claim){.resolved = resolved, .lock_path = lock_path, .fd = fd, .refs = 1};
        resolved = lock_path = NULL;
    }
done:
    pthread_mutex_unlock(&claims_lock);
    free(resolved);
    free(lock_path);
    free(dir);
    return st;
}

/* Unlinks the lock file while still holding its lock (see take_lock). */
static void drop(claim *c)
{
    unlink(c->lock_path);
    pp_temp_files_forget(c->lock_path);
    close(c->fd);
    free(c->resolved);
    free(c->lock_path);
    *c = (claim){.fd = -1};
}

void pp_output_release(const char *path)
{
    /* Resolved without allocating: out of memory here must not leave the claim,
     * its lock file and descriptor behind (the output would stay locked). */
    char buf[PATH_MAX];
    const char *resolved = path;
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && realpath(path, buf))
        resolved = buf;
    pthread_mutex_lock(&claims_lock);
    claim *c = find_claim(resolved);
    if (c && --c->refs == 0)
        drop(c);
    pthread_mutex_unlock(&claims_lock);
}

void pp_output_release_all(void)
{
    pthread_mutex_lock(&claims_lock);
    for (int i = 0; i < MAX_CLAIMS; i++)
        if (claims[i].refs > 0)
            drop(&claims[i]);
    pthread_mutex_unlock(&claims_lock);
}

#include "temp_files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEMP_TAG ".pp-tmp-"
#define LOCK_SUFFIX PP_LOCK_SUFFIX
#define MAX_SLOTS 64

/* A slot is free (0), being filled (1) or holds a path (2); the handler reads
 * only slots in state 2, so it never sees a half-copied path. */
static atomic_int slot_state[MAX_SLOTS];
static char slot_path[MAX_SLOTS][PATH_MAX];

bool pp_temp_files_add(const char *path)
{
    if (strlen(path) >= PATH_MAX)
        return false;
    for (int i = 0; i < MAX_SLOTS; i++) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&slot_state[i], &expected, 1)) {
            strcpy(slot_path[i], path);
            atomic_store(&slot_state[i], 2);
            return true;
        }
    }
    return false;
}

void pp_temp_files_forget(const char *path)
{
    for (int i = 0; i < MAX_SLOTS; i++) {
        int expected = 2;
        if (atomic_load(&slot_state[i]) == 2 && strcmp(slot_path[i], path) == 0 &&
            atomic_compare_exchange_strong(&slot_state[i], &expected, 1)) {
            slot_path[i][0] = 0;
            atomic_store(&slot_state[i], 0);
            return;
        }
    }
}

void pp_temp_files_unlink_all(void)
{
    for (int i = 0; i < MAX_SLOTS; i++)
        if (atomic_load(&slot_state[i]) == 2)
            unlink(slot_path[i]);
}

char *pp_path_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

char *pp_temp_sibling(const char *target, const char *suffix)
{
    const char *slash = strrchr(target, '/');
    const char *name = slash ? slash + 1 : target;
    int dir_len = slash ? (int)(slash - target + 1) : 0;
    /* only a name near NAME_MAX is shortened, to keep `.<name><suffix>` a valid name */
    int name_len = (int)strnlen(name, NAME_MAX - 1 - strlen(suffix));
    size_t n = (size_t)dir_len + (size_t)name_len + strlen(suffix) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%.*s.%.*s%s", dir_len, target, name_len, name, suffix);
    return p;
}

pp_status pp_temp_file_create(const char *target, char **path_out, int *fd_out, pp_error *err)
{
    char suffix[48];
    snprintf(suffix, sizeof suffix, TEMP_TAG "%ld-XXXXXX", (long)getpid());
    char *path = pp_temp_sibling(target, suffix);
    if (!path)
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory", target);
    int fd = mkostemp(path, O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        free(path);
        return pp_fail(err, PP_ERR_IO, "%s: cannot create file: %s", target, strerror(e));
    }
    /* Held until close: a sweep never removes a file whose writer is alive,
     * even if the pid in its name was reused. */
    flock(fd, LOCK_EX);
    pp_temp_files_add(path);
    *path_out = path;
    *fd_out = fd;
    return PP_OK;
}

static bool pid_alive(long pid)
{
    return pid > 0 && pid <= INT_MAX && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* A lock file (core/output_path.c) whose holder is gone: unlocked, and the pid
 * it records is not alive. Removed while holding its lock, as its holder would. */
static void sweep_lock_file(int dfd, const char *name)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return;
    char text[32] = {0};
    struct stat held, now;
    bool stale = flock(fd, LOCK_EX | LOCK_NB) == 0 && pread(fd, text, sizeof text - 1, 0) >= 0 &&
                 !pid_alive(strtol(text, NULL, 10));
    if (stale && fstat(fd, &held) == 0 && fstatat(dfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
        held.st_dev == now.st_dev && held.st_ino == now.st_ino && S_ISREG(held.st_mode))
        unlinkat(dfd, name, 0);
    close(fd);
}

void pp_temp_files_sweep(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    int dfd = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' && len > strlen(LOCK_SUFFIX) &&
            strcmp(e->d_name + len - strlen(LOCK_SUFFIX), LOCK_SUFFIX) == 0) {
            sweep_lock_file(dfd, e->d_name);
            continue;
        }
        const char *tag = e->d_name[0] == '.' ? strstr(e->d_name, TEMP_TAG) : NULL;
        if (!tag)
            continue;
        char *end;
        long pid = strtol(tag + strlen(TEMP_TAG), &end, 10);
        if (end == tag + strlen(TEMP_TAG) || *end != '-' || pid == (long)getpid() || pid_alive(pid))
            continue;
        int fd = openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
            continue;
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0)
            unlinkat(dfd, e->d_name, 0);
        close(fd);
    }
    closedir(d);
}

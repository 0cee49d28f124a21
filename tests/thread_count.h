/* Counting this process's threads from /proc/self/task, for the thread-budget
 * tests. libgomp keeps a pool of (largest team - 1) threads per thread that
 * started a parallel region, alive until that thread exits; so on a fresh
 * pthread, the threads the process gained are exactly what its largest OpenMP
 * team needed, whether or not they happen to be running at the moment. */
#ifndef PP_TEST_THREAD_COUNT_H
#define PP_TEST_THREAD_COUNT_H

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline int pp_test_task_count(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* This process's thread ids (up to max); returns how many. */
static inline int pp_test_task_ids(int *ids, int max)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max)
        if (e->d_name[0] != '.')
            ids[n++] = atoi(e->d_name);
    closedir(d);
    return n;
}

/* Threads in state R (running or runnable) other than the n in `skip`. */
static inline int pp_test_running_count(const int *skip, int n_skip)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        int id = atoi(e->d_name), skipped = 0;
        for (int i = 0; i < n_skip; i++)
            skipped |= skip[i] == id;
        if (skipped)
            continue;
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = 0;
        const char *paren = strrchr(buf, ')'); /* the state follows "(comm) " */
        n += paren && paren[1] == ' ' && paren[2] == 'R';
    }
    closedir(d);
    return n;
}

/* After joining a thread its pool winds down asynchronously: waits (up to
 * about 5 s) for the count to fall back to `base`. */
static inline bool pp_test_wait_task_count(int base)
{
    for (int i = 0; i < 5000; i++) {
        if (pp_test_task_count() <= base)
            return true;
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    return false;
}

#endif

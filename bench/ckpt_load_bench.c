/* Loading a PyTorch/Lightning checkpoint vs. reading the file: the target is
 * a load no slower than reading the file twice, with peak memory under twice
 * the file size. Prints one line of numbers per measure; see
 * ckpt_load_bench.sh for the comparison with torch.load.
 *
 *   ckpt_load_bench FILE [REPEATS]  */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ckpt/torch_checkpoint.h"
#include "file_buffer.h"
#include "bench_clock.h"

static long max_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static long current_rss_kb(void)
{
    long pages = 0, rss = 0;
    FILE *fp = fopen("/proc/self/statm", "r");
    if (fp) {
        if (fscanf(fp, "%ld %ld", &pages, &rss) != 2)
            rss = 0;
        fclose(fp);
    }
    return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* One plain read of the whole file into a buffer. */
static double read_once(const char *path, char *buf, size_t size)
{
    double t0 = pp_bench_now();
    int fd = open(path, O_RDONLY);
    size_t got = 0;
    while (fd >= 0 && got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (fd >= 0)
        close(fd);
    return pp_bench_now() - t0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: ckpt_load_bench FILE [REPEATS]\n");
        return 2;
    }
    const char *path = argv[1];
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    if (reps < 1)
        reps = 1;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        perror(path);
        return 1;
    }
    size_t size = (size_t)sb.st_size;

    /* Peak memory first, before any other buffer raises the high-water mark. */
    long rss0 = current_rss_kb();
    pp_state_dict sd;
    pp_error err;
    if (pp_torch_load(path, &sd, &err) != PP_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    long peak_kb = max_rss_kb() - rss0;
    size_t tensors = sd.count;
    pp_sd_free(&sd);

    double best_load = 1e30;
    for (int i = 0; i < reps; i++) {
        double t0 = pp_bench_now();
        if (pp_torch_load(path, &sd, &err) != PP_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        double t = pp_bench_now() - t0;
        pp_sd_free(&sd);
        if (t < best_load)
            best_load = t;
    }

    /* Reading the file as any loader must: into new memory (page faults
     * included), and, for reference, into a buffer already mapped. */
    double best_fresh = 1e30;
    for (int i = 0; i < reps; i++) {
        pp_file_buffer fb;
        double t0 = pp_bench_now();
        if (pp_file_buffer_read(&fb, path, &err) != PP_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        double t = pp_bench_now() - t0;
        pp_file_buffer_free(&fb);
        if (t < best_fresh)
            best_fresh = t;
    }
    char *buf = malloc(size ? size : 1);
    double best_read = 1e30;
    for (int i = 0; i < reps; i++) {
        double t = read_once(path, buf, size);
        if (t < best_read)
            best_read = t;
    }
    free(buf);

    double mb = size / 1048576.0;
    printf("file: %s, %.1f MB, %zu tensors\n", path, mb, tensors);
    printf("read file into new memory: %8.2f ms (best of %d)\n", best_fresh * 1e3, reps);
    printf("read file into warm buffer: %7.2f ms (best of %d)\n", best_read * 1e3, reps);
    printf("pp_torch_load:             %8.2f ms (best of %d)\n", best_load * 1e3, reps);
    printf("load / (2 x read into new memory): %.2f  (target <= 1)\n", best_load / (2 * best_fresh));
    printf("load / (2 x read into warm buffer): %.2f\n", best_load / (2 * best_read));
    printf("peak memory while loading: %.1f MB = %.2f x file  (target < 2)\n", peak_kb / 1024.0,
           peak_kb / 1024.0 / mb);
    printf("c_load_ms=%.3f read_ms=%.3f peak_ratio=%.3f\n", best_load * 1e3, best_fresh * 1e3,
           peak_kb / 1024.0 / mb);
    return 0;
}

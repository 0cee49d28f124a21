/* Times every corruption on 224x224 and 32x32 RGB (or on --input), median of --reps
 * runs, and checks the live-slider targets: 16 ms at 224, 1 ms at 32.
 *   corrupt_bench [--input IMG] [--preset imagenet|cifar|auto] [--severities 1,3,5]
 *                 [--reps N] [--threads N] [--json] [--cpu-time] [--min] [--only a,b]
 * --cpu-time times the process's CPU time instead of the wall clock and --min reports
 * the fastest run instead of the median: on a loaded machine both stay nearer the idle
 * time, for before/after comparisons (1 thread). --only a,b times those alone.
 * bench/corrupt_vs_reference.py runs this next to the reference Python package. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "corrupt/corruption.h"
#include "cpu.h"
#include "image/image.h"
#include "threads.h"

static clockid_t bench_clock = CLOCK_MONOTONIC;
static bool report_min;
static const char *only; /* comma list, or NULL for all */

static bool wanted(const char *name)
{
    if (!only)
        return true;
    size_t n = strlen(name);
    for (const char *p = only; (p = strstr(p, name)); p += n)
        if ((p == only || p[-1] == ',') && (p[n] == ',' || p[n] == 0))
            return true;
    return false;
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(bench_clock, &t);
    return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A textured test picture: gradients, a sinusoidal pattern and hashed grain. */
static void synth(pp_image *img, int side)
{
    pp_image_alloc(img, side, side, 3, NULL);
    for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++) {
            uint32_t hsh = (uint32_t)(x * 73856093u) ^ (uint32_t)(y * 19349663u);
            hsh = (hsh ^ (hsh >> 13)) * 0x5bd1e995u;
            double g = (double)(hsh >> 24) / 255.0 * 24 - 12;
            double u = (double)x / side, v = (double)y / side;
            double px[3] = {255 * (u + v) / 2, 128 + 100 * sin(20 * u) * cos(14 * v), 255 * fmod(3 * u, 1.0)};
            for (int c = 0; c < 3; c++) {
                double val = px[c] + g;
                img->pixels[((size_t)y * side + x) * 3 + c] = (uint8_t)(val < 0 ? 0 : val > 255 ? 255 : val);
            }
        }
}

static double time_one(const pp_corruption *c, const pp_image *img, pp_corruption_preset preset,
                       double sev, int reps)
{
    double *t = malloc(sizeof(double) * reps);
    for (int r = -2; r < reps; r++) { /* two warm-up runs (page faults, caches) */
        pp_corruption_request req = {.severity = sev, .preset = preset, .seed = (uint64_t)r,
                                     .threads = pp_threads_default()};
        pp_image out = {0};
        pp_error err = {0};
        double t0 = now_ms();
        if (pp_corruption_apply(c, &req, img, &out, &err)) {
            fprintf(stderr, "corrupt_bench: %s: %s\n", c->name, err.msg);
            exit(1);
        }
        if (r >= 0)
            t[r] = now_ms() - t0;
        pp_image_free(&out);
    }
    qsort(t, reps, sizeof(double), cmp_double);
    double med = report_min ? t[0] : t[reps / 2];
    free(t);
    return med;
}

static void run_table(const pp_image *img, pp_corruption_preset preset, const int *sevs, int nsev,
                      int reps, bool json, double target_ms, bool *first_json)
{
    int side = img->width;
    double full = 0;
    int misses = 0;
    if (!json) {
        printf("\n%dx%d %s preset, %s of %d runs, %d threads (target %.0f ms):\n", img->width,
               img->height, pp_corruption_preset_name(pp_corruption_preset_resolve(preset, img->width, img->height)),
               report_min ? "fastest" : "median", reps, pp_threads_default(), target_ms);
        printf("%-18s", "corruption");
        for (int s = 0; s < nsev; s++)
            printf("   sev %d ms", sevs[s]);
        printf("\n");
    }
    for (size_t i = 0; i < pp_corruption_count(); i++) {
        const pp_corruption *c = pp_corruption_at(i);
        if (!wanted(c->name))
            continue;
        if (!json)
            printf("%-18s", c->name);
        for (int s = 0; s < nsev; s++) {
            double ms = time_one(c, img, preset, sevs[s], reps);
            if (i < PP_CORRUPTION_BENCHMARK_COUNT)
                full += ms;
            bool miss = ms > target_ms;
            misses += miss;
            if (json) {
                printf("%s{\"size\": %d, \"corruption\": \"%s\", \"severity\": %d, \"ms\": %.4f}",
                       *first_json ? "" : ",\n", side, c->name, sevs[s], ms);
                *first_json = false;
            } else {
                printf("  %9.3f%s", ms, miss ? "!" : " ");
            }
        }
        if (!json)
            printf("\n");
    }
    if (!json)
        printf("sum over the 15 benchmark corruptions x %d severities: %.1f ms; %d over target%s\n",
               nsev, full, misses, misses ? " (marked !)" : "");
}

int main(int argc, char **argv)
{
    const char *input = NULL;
    pp_corruption_preset preset = PP_PRESET_AUTO;
    int sevs[5] = {1, 3, 5}, nsev = 3, reps = 0, threads = 0;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--input") == 0 && i + 1 < argc)
            input = argv[++i];
        else if (strcmp(argv[i], "--preset") == 0 && i + 1 < argc)
            pp_corruption_preset_parse(argv[++i], &preset);
        else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (strcmp(argv[i], "--cpu-time") == 0)
            bench_clock = CLOCK_PROCESS_CPUTIME_ID;
        else if (strcmp(argv[i], "--min") == 0)
            report_min = true;
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only = argv[++i];
        else if (strcmp(argv[i], "--severities") == 0 && i + 1 < argc) {
            nsev = 0;
            for (char *p = argv[++i]; *p && nsev < 5; p++)
                if (*p >= '1' && *p <= '5')
                    sevs[nsev++] = *p - '0';
        } else {
            fprintf(stderr, "usage: corrupt_bench [--input IMG] [--preset P] [--severities 1,3,5] "
                            "[--reps N] [--threads N] [--json] [--cpu-time] [--min] [--only a,b]\n");
            return 2;
        }
    }
    pp_threads_set_default(threads);
    if (pp_cpu_error()) {
        fprintf(stderr, "corrupt_bench: %s\n", pp_cpu_error());
        return 2;
    }
    bool first = true;
    if (json)
        printf("[\n");
    else /* the corruptions' loops are x86-64-v3 code on every path; said for the record */
        printf("CPU path %s (this CPU's best: %s)\n", pp_cpu_path_name(pp_cpu_path()),
               pp_cpu_path_name(pp_cpu_best_path()));
    if (input) {
        pp_image img = {0};
        pp_error err = {0};
        if (pp_image_load(input, &img, &err)) {
            fprintf(stderr, "corrupt_bench: %s\n", err.msg);
            return 1;
        }
        int small = img.width * img.height <= 64 * 64;
        run_table(&img, preset, sevs, nsev, reps ? reps : (small ? 200 : 15), json, small ? 1 : 16, &first);
        pp_image_free(&img);
    } else {
        pp_image a = {0}, b = {0};
        synth(&a, 224);
        synth(&b, 32);
        run_table(&a, preset, sevs, nsev, reps ? reps : 15, json, 16, &first);
        run_table(&b, preset, sevs, nsev, reps ? reps : 200, json, 1, &first);
        pp_image_free(&a);
        pp_image_free(&b);
    }
    if (json)
        printf("\n]\n");
    return 0;
}

/* Times every perturbation sequence on the committed test photograph at 224 (the
 * ImageNet-P schedules, from the 256-resized picture) and on its 32x32 copy (CIFAR-10-P),
 * median of --reps runs, per frame.
 *   perturb_bench [--reps N] [--json]
 * bench/perturb_vs_reference.py runs this next to the official generators
 * re-implemented in Python (tests/perturb/official_p.py) and prints the ratios. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "image/image.h"
#include "perturb/perturbation.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median milliseconds per frame of one whole sequence. */
static double time_one(const pp_perturbation *p, const pp_image *img, pp_corruption_preset preset, int reps)
{
    double *t = malloc(sizeof(double) * (size_t)reps);
    int frames = 1;
    for (int r = -1; r < reps; r++) { /* one warm-up run */
        pp_perturb_request req = {.preset = preset, .seed = (uint64_t)(r + 1)};
        pp_sequence s;
        pp_error err = {0};
        double t0 = now_ms();
        if (pp_perturb_sequence(p, &req, img, &s, &err)) {
            fprintf(stderr, "perturb_bench: %s: %s\n", p->name, err.msg);
            exit(1);
        }
        double dt = now_ms() - t0;
        frames = s.n;
        pp_sequence_free(&s);
        if (r >= 0)
            t[r] = dt;
    }
    qsort(t, (size_t)reps, sizeof *t, cmp_double);
    double med = t[reps / 2] / frames;
    free(t);
    return med;
}

int main(int argc, char **argv)
{
    int reps = 5;
    int json = 0;
    const char *root = getenv("PP_FIXTURES") ? getenv("PP_FIXTURES") : "tests/fixtures";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else {
            fprintf(stderr, "usage: perturb_bench [--reps N] [--json]\n");
            return 2;
        }
    }
    if (reps < 1)
        reps = 1;
    char big_path[1024], small_path[1024];
    snprintf(big_path, sizeof big_path, "%s/images/photo_300x200.jpg", root);
    snprintf(small_path, sizeof small_path, "%s/perturb/photo_32.png", root);
    pp_image big = {0}, small = {0};
    pp_error err = {0};
    if (pp_image_load(big_path, &big, &err) || pp_image_load(small_path, &small, &err)) {
        fprintf(stderr, "perturb_bench: %s (set PP_FIXTURES to tests/fixtures)\n", err.msg);
        return 1;
    }
    if (json)
        printf("{");
    else
        printf("%-16s %14s %14s\n", "perturbation", "224: ms/frame", "32: ms/frame");
    for (size_t i = 0; i < pp_perturbation_count(); i++) {
        const pp_perturbation *p = pp_perturbation_at(i);
        double a = time_one(p, &big, PP_PRESET_IMAGENET, reps), b = time_one(p, &small, PP_PRESET_CIFAR, reps);
        if (json)
            printf("%s\"%s\": [%.6f, %.6f]", i ? ", " : "", p->name, a, b);
        else
            printf("%-16s %14.3f %14.4f\n", p->name, a, b);
    }
    if (json)
        printf("}\n");
    pp_image_free(&big);
    pp_image_free(&small);
    return 0;
}

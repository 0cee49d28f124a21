/* Spectra of small kernels against numpy (tests/analysis/make_fixtures.py):
 * if these fail, the studio's spectrum view shows wrong frequencies (a bad
 * shift, a bad Hermitian fill-in, a wrong ring average) or mislabels filters. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/spectrum.h"
#include "ckpt/npy.h"
#include "fixture.h"

static int failures;

static void compare(const char *what, const float *got, const float *want, int64_t count, float tol)
{
    float worst = 0;
    int shown = 0;
    for (int64_t i = 0; i < count; i++) {
        float d = fabsf(got[i] - want[i]);
        if (d > worst)
            worst = d;
        if (d > tol * (1.0f + fabsf(want[i])) && shown < 5) {
            fprintf(stderr, "  %s[%lld]: got %g want %g\n", what, (long long)i, got[i], want[i]);
            shown++;
        }
    }
    if (shown)
        failures++;
    printf("%-28s max abs diff %.3g %s\n", what, worst, shown ? "FAIL" : "ok");
}

static void check_kernel(const char *name, int n)
{
    char file[128], what[64];
    snprintf(file, sizeof file, "%s_k.npy", name);
    pp_npy k = fixture_npy("analysis", file);
    snprintf(file, sizeof file, "%s_mag%d.npy", name, n);
    pp_npy mag = fixture_npy("analysis", file);
    snprintf(file, sizeof file, "%s_prof%d.npy", name, n);
    pp_npy prof = fixture_npy("analysis", file);
    float *got = malloc(sizeof(float) * n * n), *gprof = malloc(sizeof(float) * (n / 2 + 1));
    pp_error err = {0};
    if (pp_spectrum_magnitude(got, k.data, (int)k.shape[0], (int)k.shape[1], n, &err) != PP_OK) {
        fprintf(stderr, "%s: %s\n", name, err.msg);
        failures++;
    } else {
        snprintf(what, sizeof what, "%s magnitude %d", name, n);
        compare(what, got, mag.data, (int64_t)n * n, 1e-4f);
        if (pp_spectrum_radial_bins(n) != prof.shape[0]) {
            fprintf(stderr, "%s: %d radial bins, numpy has %lld\n", name, pp_spectrum_radial_bins(n),
                    (long long)prof.shape[0]);
            failures++;
        }
        pp_spectrum_radial_profile(gprof, got, n);
        snprintf(what, sizeof what, "%s profile %d", name, n);
        compare(what, gprof, prof.data, n / 2 + 1, 1e-4f);
    }
    free(got);
    free(gprof);
    pp_npy_free(&k);
    pp_npy_free(&mag);
    pp_npy_free(&prof);
}

static void expect_label(const char *what, const float *kernel, int size, pp_pass_kind want)
{
    float mag[64 * 64], prof[33];
    pp_error err = {0};
    if (pp_spectrum_magnitude(mag, kernel, size, size, 64, &err) != PP_OK) {
        fprintf(stderr, "%s: %s\n", what, err.msg);
        failures++;
        return;
    }
    pp_spectrum_radial_profile(prof, mag, 64);
    pp_pass_kind got = pp_spectrum_classify(prof, 33);
    printf("%-28s %s (want %s)\n", what, pp_pass_name(got), pp_pass_name(want));
    if (got != want)
        failures++;
}

int main(void)
{
    const char *names[] = {"rand3", "rand5x3", "rand7", "box5", "laplace3"};
    for (int i = 0; i < 5; i++) {
        check_kernel(names[i], 32);
        check_kernel(names[i], 64);
    }

    /* Labels: a box blur passes DC; a Laplacian passes Nyquist; a difference
     * of a 3x3 and a 7x7 box (centre-surround) passes a middle band. */
    float box[25], lap[9] = {0, -1, 0, -1, 4, -1, 0, -1, 0}, dog[49];
    for (int i = 0; i < 25; i++)
        box[i] = 1.0f / 25;
    for (int y = 0; y < 7; y++)
        for (int x = 0; x < 7; x++)
            dog[y * 7 + x] = (y >= 2 && y <= 4 && x >= 2 && x <= 4 ? 1.0f / 9 : 0) - 1.0f / 49;
    expect_label("box 5x5", box, 5, PP_PASS_LOW);
    expect_label("laplacian 3x3", lap, 3, PP_PASS_HIGH);
    expect_label("centre-surround 7x7", dog, 7, PP_PASS_BAND);

    /* Bad sizes are errors, not crashes. */
    float out[16];
    pp_error err = {0};
    if (pp_spectrum_magnitude(out, box, 5, 5, 3, &err) == PP_OK ||
        pp_spectrum_magnitude(out, box, 5, 5, 4, &err) == PP_OK) {
        fprintf(stderr, "odd size / too small spectrum accepted\n");
        failures++;
    }
    printf("%s\n", failures ? "FAILED" : "all ok");
    return failures ? 1 : 0;
}

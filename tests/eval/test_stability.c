/* The stability metrics against test.py's flip_prob and ranking_dist transcribed line
 * by line (tests/eval/make_stability_reference.py) on logits with many ties, and the
 * FR / mFR / repeatability summaries. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/stability.h"
#include "fixture.h"
#include "test_util.h"

/* The reference script's LCG logits (videos, frames, classes). */
static float *lcg_logits(unsigned seed, int videos, int frames, int classes)
{
    float *out = malloc(sizeof(float) * (size_t)videos * frames * classes);
    float *base = malloc(sizeof(float) * (size_t)classes);
    uint32_t x = seed;
#define NEXT() (x = 1664525u * x + 1013904223u, x >> 16)
    for (int v = 0; v < videos; v++) {
        for (int c = 0; c < classes; c++)
            base[c] = (float)(NEXT() % 13) * 0.5f;
        for (int f = 0; f < frames; f++)
            for (int c = 0; c < classes; c++)
                out[((size_t)v * frames + f) * classes + c] = base[c] + (NEXT() % 4 == 0 ? 0.5f : 0.f);
    }
#undef NEXT
    free(base);
    return out;
}

static void test_against_official_formulas(void)
{
    FILE *f = fopen(fixture_path("eval", "stability_reference.txt"), "r");
    CHECK(f != NULL, "stability_reference.txt missing");
    if (!f)
        return;
    unsigned seed;
    int videos, frames, classes, noise, d, cases = 0;
    double want_fp, want_t5;
    while (fscanf(f, "%u %d %d %d %d %d %lf %lf", &seed, &videos, &frames, &classes, &noise, &d, &want_fp, &want_t5) ==
           8) {
        cases++;
        float *logits = lcg_logits(seed, videos, frames, classes);
        pp_stability_counts counts = {0};
        pp_error err = {0};
        for (int v = 0; v < videos; v++) {
            pp_sequence_stability s;
            CHECK_OK(pp_sequence_stability_compute(logits + (size_t)v * frames * classes, frames, classes, noise, d,
                                                   &s, &err),
                     &err);
            CHECK(s.pairs == (noise ? frames - 1 : frames - d), "pairs %d", s.pairs);
            pp_stability_counts_add(&counts, &s, frames);
        }
        double fp = pp_stability_flip_probability(&counts), t5 = pp_stability_top5_distance(&counts);
        CHECK(fabs(fp - want_fp) < 1e-12 && fabs(t5 - want_t5) < 1e-12,
              "seed %u (%d x %d x %d, noise %d, d %d): fp %.15g want %.15g, t5d %.15g want %.15g", seed, videos, frames,
              classes, noise, d, fp, want_fp, t5, want_t5);
        CHECK(counts.sequences == videos && counts.frames == (int64_t)videos * frames, "counts");
        free(logits);
    }
    fclose(f);
    CHECK(cases == 12, "%d cases", cases);
}

static void test_hand_cases(void)
{
    /* 3 frames, 6 classes: frame 1 swaps the top two (a flip, distance 2), frame 2 ties
     * classes 0 and 1 (the lower index wins: back to class 0) */
    const float seq[3][6] = {{5, 4, 3, 2, 1, 0}, {4, 5, 3, 2, 1, 0}, {5, 5, 3, 2, 1, 0}};
    pp_sequence_stability s;
    pp_error err = {0};
    CHECK_OK(pp_sequence_stability_compute(&seq[0][0], 3, 6, false, 1, &s, &err), &err);
    CHECK(s.flip == 1.0 && s.top5 == 2.0 && !s.consistent, "sequential: flip %g top5 %g", s.flip, s.top5);
    CHECK_OK(pp_sequence_stability_compute(&seq[0][0], 3, 6, true, 1, &s, &err), &err);
    CHECK(s.flip == 0.5 && s.top5 == 1.0, "against frame 0: flip %g top5 %g", s.flip, s.top5);
    CHECK_OK(pp_sequence_stability_compute(&seq[0][0], 3, 6, false, 2, &s, &err), &err);
    CHECK(s.pairs == 1 && s.flip == 0 && s.top5 == 0, "difficulty 2: one pair (0, 2)");
    /* a class falling out of the top 5 counts up to rank 6 */
    const float drop[2][7] = {{6, 5, 4, 3, 2, 1, 0}, {0, 5, 4, 3, 2, 1, 6}};
    CHECK_OK(pp_sequence_stability_compute(&drop[0][0], 2, 7, false, 1, &s, &err), &err);
    /* class 0: rank 1 -> 7, capped at 6: |0 - 5|; classes 1..4 keep their ranks 2..5 */
    CHECK(s.top5 == 5, "top5 %g", s.top5);
    /* too few classes for the top-5 distance: NAN, flips still counted */
    const float two[2][2] = {{1, 0}, {0, 1}};
    CHECK_OK(pp_sequence_stability_compute(&two[0][0], 2, 2, false, 1, &s, &err), &err);
    CHECK(s.flip == 1 && isnan(s.top5), "2 classes");
    CHECK(pp_sequence_stability_compute(&two[0][0], 1, 2, false, 1, &s, &err) == PP_ERR_SHAPE, "one frame");
    CHECK(pp_sequence_stability_compute(&seq[0][0], 3, 6, false, 3, &s, &err) == PP_ERR_ARG &&
              strstr(err.msg, "difficulty 3"),
          "%s", err.msg);
}

static void test_summaries(void)
{
    const pp_stability_row model[] = {
        {"gaussian_noise", 0.2, 2.0, NAN}, {"rotate", 0.1, 1.0, NAN}, {"shear", 0.5, 1.0, NAN},
        {"sensor_noise", 0.05, 0.1, 0.9}, {"pixel_shift", 0.1, 0.2, 0.7},
    };
    const pp_stability_row base[] = {
        {"gaussian_noise", 0.4, 4.0, NAN}, {"rotate", 0.4, 2.0, NAN}, {"shear", 1.0, 1.0, NAN},
    };
    pp_stability_summary s;
    pp_error err = {0};
    CHECK_OK(pp_stability_summarize(model, 5, base, 3, &s, &err), &err);
    CHECK(fabs(s.fr[0] - 0.5) < 1e-15 && fabs(s.fr[1] - 0.25) < 1e-15 && fabs(s.fr[2] - 0.5) < 1e-15, "FR");
    CHECK(fabs(s.mfr - 0.375) < 1e-15 && s.test_used == 2, "mFR over the test perturbations only: %g", s.mfr);
    CHECK(fabs(s.mt5d - 0.5) < 1e-15 && s.t5d_used == 2, "mT5D %g", s.mt5d);
    CHECK(isnan(s.fr[3]) && isnan(s.cifar_mean_fp), "no baseline row, incomplete CIFAR set");
    CHECK(fabs(s.repeatability - 0.8) < 1e-15 && fabs(s.mean_fp - 0.15) < 1e-15, "repeatability %g", s.repeatability);
    CHECK_OK(pp_stability_summarize(model, 5, NULL, 0, &s, &err), &err);
    CHECK(isnan(s.mfr) && isnan(s.fr[0]), "no baseline: no rates");
}

int main(void)
{
    RUN_TEST(test_against_official_formulas);
    RUN_TEST(test_hand_cases);
    RUN_TEST(test_summaries);
    return TEST_EXIT();
}

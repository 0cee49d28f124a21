/* The slider's pacing arithmetic (core/probe_pacing.h): frame ticks, whether
 * extra work keeps a result on its frame, and the stage profile's estimate
 * of the time a column has left. */
#include "probe_pacing.h"
#include "test_util.h"

static void test_ticks(void)
{
    /* ticks at 1000 + j * 100 */
    const int64_t cases[][2] = {{1000, 1000}, {1001, 1100}, {999, 1000}, {901, 1000}, {900, 900},
                                {-50, 0},     {-100, -100}, {1100, 1100}, {12345, 12400}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const int64_t got = pp_frame_tick_at_or_after(1000, 100, cases[i][0]);
        CHECK(got == cases[i][1], "the tick at or after %lld: %lld, want %lld", (long long)cases[i][0],
              (long long)got, (long long)cases[i][1]);
    }
    CHECK(pp_frames_until(1000, 100, 1000) == 0, "no frames until the current tick");
    CHECK(pp_frames_until(1000, 100, 900) == 0, "no frames until a time past");
    CHECK(pp_frames_until(1000, 100, 1001) == 1, "one frame until just after the tick");
    CHECK(pp_frames_until(1000, 100, 1100) == 1, "one frame until the next tick");
    CHECK(pp_frames_until(1000, 100, 1101) == 2, "two frames until just after the next");
    CHECK(pp_frames_until(1000, 0, 5000) == 0, "no interval: no frames");
}

static void test_fits(void)
{
    /* ends at 1010 and is on screen at the 1100 tick (10 us on its way) */
    CHECK(pp_pacing_fits(1000, 100, 1010, 50, 10), "50 us more still makes the 1100 tick");
    CHECK(pp_pacing_fits(1000, 100, 1010, 80, 10), "80 us more ends at 1090 + 10: on the tick");
    CHECK(!pp_pacing_fits(1000, 100, 1010, 81, 10), "81 us more misses the 1100 tick");
    CHECK(pp_pacing_fits(1000, 100, 1095, 95, 10), "past 1100's margin already: 95 us more still makes 1200");
    CHECK(!pp_pacing_fits(1000, 100, 1095, 96, 10), "... 96 us more does not");
    CHECK(pp_pacing_fits(1000, 100, 1089, 0, 10), "no cost always fits");
    CHECK(!pp_pacing_fits(1000, 0, 1010, 1, 10), "no frame clock: nothing is free");
    CHECK(!pp_pacing_fits(1000, 100, 1010, -1, 10), "a negative cost is refused");
    /* a tick before `base` (the estimate from an older frame time) */
    CHECK(pp_pacing_fits(1000, 100, 410, 50, 10), "ticks before the base frame count as well");
    CHECK(!pp_pacing_fits(1000, 100, 410, 90, 10), "... and are missed as well");
}

static void test_profile(void)
{
    pp_stage_profile p = {0};
    for (int k = 0; k < 4; k++)
        pp_stage_profile_record(&p, 1, k, 10.0 * (k + 1)); /* 10, 20, 30, 40 ms */
    CHECK(p.count[1] == 4 && p.count[0] == 0, "counts %d %d", p.count[0], p.count[1]);
    double left = pp_stage_profile_remaining(&p, 1, 1, 20);
    CHECK(fabs(left - 20) < 1e-9, "as fast as last time: 20 ms left, got %g", left);
    left = pp_stage_profile_remaining(&p, 1, 1, 30);
    CHECK(fabs(left - 30) < 1e-9, "1.5x slower so far: 30 ms left, got %g", left);
    left = pp_stage_profile_remaining(&p, 1, 1, 200);
    CHECK(fabs(left - 40) < 1e-9, "the scale is held to 2: 40 ms left, got %g", left);
    left = pp_stage_profile_remaining(&p, 1, 1, 1);
    CHECK(fabs(left - 10) < 1e-9, "... and to 0.5: 10 ms left, got %g", left);
    left = pp_stage_profile_remaining(&p, 1, 3, 40);
    CHECK(fabs(left) < 1e-9, "at the last boundary nothing is left, got %g", left);
    CHECK(pp_stage_profile_remaining(&p, 1, 4, 50) < 0, "a boundary the last update did not reach is not known");
    CHECK(pp_stage_profile_remaining(&p, 0, 0, 5) < 0, "a column without a profile is not known");
    CHECK(pp_stage_profile_remaining(&p, PP_PACING_COLUMNS, 0, 5) < 0, "no such column");
    CHECK(pp_stage_profile_remaining(&p, -1, 0, 5) < 0, "no such column");
    pp_stage_profile_record(&p, 1, PP_PACING_BOUNDARIES, 99);
    pp_stage_profile_record(&p, PP_PACING_COLUMNS, 0, 99);
    CHECK(p.count[1] == 4, "a boundary past the profile's room is not recorded");
    pp_stage_profile_record(&p, 1, 2, 0);
    CHECK(pp_stage_profile_remaining(&p, 1, 2, 5) < 0, "a boundary at 0 ms gives no scale");
}

static void test_gap(void)
{
    /* moves one a frame (100 us): the update ends 250 us from now, so the
     * next own first stage is of the move two or three frames on (counted
     * as three) */
    CHECK(pp_pacing_gap_if_none(12, 10, 1000, 1250, 0.01) == 4, "12 newest, 10 shown, 15 next: 11..14 without, got %d",
          pp_pacing_gap_if_none(12, 10, 1000, 1250, 0.01));
    CHECK(pp_pacing_gap_if_none(12, 10, 1000, 1200, 0.01) == 3, "two frames to the end: 14 next, got %d",
          pp_pacing_gap_if_none(12, 10, 1000, 1200, 0.01));
    CHECK(pp_pacing_gap_if_none(12, 10, 1000, 1050, 0.01) == 2, "ends within the frame: 13 next, got %d",
          pp_pacing_gap_if_none(12, 10, 1000, 1050, 0.01));
    CHECK(pp_pacing_gap_if_none(12, 10, 1000, 900, 0.01) == 1, "an end already past: the newest is next");
    CHECK(pp_pacing_gap_if_none(12, 10, 1000, 5000, 0) == 1, "no moves coming: the newest is next");
    CHECK(pp_pacing_gap_if_none(10, 10, 1000, 1000, 0.01) == 0, "the newest shown already: no gap");
    CHECK(pp_pacing_gap_if_none(3, 10, 1000, 1000, 0.01) == 0, "a shown move newer than the newest: no gap");
}

int main(void)
{
    RUN_TEST(test_ticks);
    RUN_TEST(test_fits);
    RUN_TEST(test_profile);
    RUN_TEST(test_gap);
    return TEST_EXIT();
}

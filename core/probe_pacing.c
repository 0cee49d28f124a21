#include "probe_pacing.h"

#include <math.h>

static bool in_profile(int column, int k)
{
    return column >= 0 && column < PP_PACING_COLUMNS && k >= 0 && k < PP_PACING_BOUNDARIES;
}

void pp_stage_profile_record(pp_stage_profile *p, int column, int k, double elapsed_ms)
{
    if (!in_profile(column, k))
        return;
    p->at_ms[column][k] = elapsed_ms;
    if (k + 1 > p->count[column])
        p->count[column] = k + 1;
}

double pp_stage_profile_remaining(const pp_stage_profile *last, int column, int k, double elapsed_ms)
{
    if (!in_profile(column, k) || k >= last->count[column] || last->at_ms[column][k] <= 0)
        return -1;
    const double then = last->at_ms[column][k], total = last->at_ms[column][last->count[column] - 1];
    double scale = elapsed_ms / then;
    scale = scale < 0.5 ? 0.5 : scale > 2 ? 2 : scale;
    return (total - then) * scale;
}

/* floor(a / b) for b > 0, a of either sign */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return q * b > a ? q - 1 : q;
}

int64_t pp_frame_tick_at_or_after(int64_t base, int64_t interval, int64_t t)
{
    if (interval <= 0)
        return t;
    return base - floor_div(base - t, interval) * interval;
}

int64_t pp_frames_until(int64_t base, int64_t interval, int64_t t)
{
    if (t <= base || interval <= 0)
        return 0;
    return (pp_frame_tick_at_or_after(base, interval, t) - base) / interval;
}

bool pp_pacing_fits(int64_t base, int64_t interval, int64_t end, int64_t cost, int64_t margin)
{
    if (interval <= 0 || cost < 0)
        return false;
    return pp_frame_tick_at_or_after(base, interval, end + margin) ==
           pp_frame_tick_at_or_after(base, interval, end + cost + margin);
}

int pp_pacing_gap_if_none(unsigned newest, unsigned shown, int64_t now, int64_t end, double moves_per_us)
{
    const double to_come = end > now && moves_per_us > 0 ? (double)(end - now) * moves_per_us : 0;
    /* a move that may come before the end counts: the estimate of the end is rough */
    const double next = (double)newest + ceil(to_come);
    return next > shown ? (int)(next - shown - 1) : 0;
}

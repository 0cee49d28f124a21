/* When the slider's worker may do a newer move's first stage (the corrupted
 * image and the first-layer SNRs) in the middle of an update's second stage
 * without putting that update's predictions on a later frame. The panels
 * change only at the frame clock's ticks, so an update that ends a few ms
 * before a tick has those ms to spare: a first stage that fits in them is
 * free, one that does not costs the predictions a whole frame. And where
 * the images would fall too far behind the slider before the next update's
 * own first stage (pp_pacing_gap_if_none), one is worth that frame.
 *
 * The end of the second stage is estimated from the last update's: the
 * forward's own time at each layer boundary (a stage profile), per column
 * (one model per thread, side by side: probe_columns.h), scaled by how fast
 * this one runs so far (the machine's speed swings with what else runs). */
#ifndef PP_PROBE_PACING_H
#define PP_PROBE_PACING_H

#include <stdbool.h>
#include <stdint.h>

#define PP_PACING_COLUMNS 2
#define PP_PACING_BOUNDARIES 256

typedef struct {
    int count[PP_PACING_COLUMNS];                       /* boundaries seen */
    double at_ms[PP_PACING_COLUMNS][PP_PACING_BOUNDARIES]; /* the forward's own time at each (ms) */
} pp_stage_profile;

/* Column c reached boundary k after elapsed_ms of its own forward time. */
void pp_stage_profile_record(pp_stage_profile *p, int column, int k, double elapsed_ms);

/* The forward time column c has left after boundary k, had it gone as in
 * `last`, scaled by elapsed_ms against last's time there (the scale held to
 * 0.5 .. 2); negative when `last` does not reach boundary k of column c. */
double pp_stage_profile_remaining(const pp_stage_profile *last, int column, int k, double elapsed_ms);

/* The frame ticks are at base + j * interval (us, any integer j); the first
 * one at or after t. */
int64_t pp_frame_tick_at_or_after(int64_t base, int64_t interval, int64_t t);

/* The frames from the tick at `base` until the first tick at or after t (0
 * when t <= base). */
int64_t pp_frames_until(int64_t base, int64_t interval, int64_t t);

/* True when work that would end at `end` (us) shows on the same tick if it
 * ends `cost` us later: both end at least `margin` us (the result's way to
 * the screen) before that tick. */
bool pp_pacing_fits(int64_t base, int64_t interval, int64_t end, int64_t cost, int64_t margin);

/* The moves in a row that would get no image and SNRs if no first stage
 * were made before the next update's own: that one is of the move newest
 * when this update ends (at `end`, us), the moves coming on as they have
 * (moves_per_us; the newest now, `newest`; a part of a move counts as one,
 * the end being an estimate); the last move shown is `shown`. */
int pp_pacing_gap_if_none(unsigned newest, unsigned shown, int64_t now, int64_t end, double moves_per_us);

#endif

/* Several probes through their two stages together: the studio's slider runs
 * a model and its baseline (or a push-only twin) on every move. On two or
 * more threads the probes run `threads` at a time side by side, one thread
 * each, with no barrier between them: a core taken away for a while (the
 * studio's main thread painting a frame) then slows one probe, not every
 * thread of both, which would wait at each op's barrier for the preempted
 * one. What is left over (fewer probes than threads) runs one probe after
 * another on all the threads. Each probe's results are those of
 * pp_probe_first_layer / pp_probe_predict on its own. */
#ifndef PP_PROBE_COLUMNS_H
#define PP_PROBE_COLUMNS_H

#include "probe.h"

/* How many of n probes run side by side on `threads` (the first ones, in
 * groups of `threads`, one thread each, inside a parallel region); the rest
 * run alone on all the threads. */
int pp_probe_columns_side_by_side(int n, int threads);

/* Stage one of probes[0..n) on `threads` in all, probe m on corrupted[m]
 * into out[m] (the probes' thread counts are set here, and stage two must
 * be given the same `threads`). *forward_ms (may be NULL): the forward
 * passes' wall time, the probes side by side counted once (the slowest). On
 * failure the first failing probe's status and message; every out is freed. */
pp_status pp_probe_columns_first_layer(pp_probe *probes, int n, int threads, const pp_image *corrupted,
                                       pp_probe_result *out, double *forward_ms, pp_error *err);
/* Stage two of the same probes (as pp_probe_predict; `cancelled` may be
 * asked from several threads at once). */
pp_status pp_probe_columns_predict(pp_probe *probes, int n, int threads, bool (*cancelled)(void *data), void *data,
                                   pp_probe_result *out, double *forward_ms, pp_error *err);

#endif

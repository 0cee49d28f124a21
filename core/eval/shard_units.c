/* How a run's work divides into shards: units of one batch in one phase,
 * numbered batch-major, and the cut points that balance shards by samples.
 * Shared by the evaluation (what to run) and the merge (what to expect). */
#include "shard_units.h"

/* Phases: 0 = clean, then every (corruption, severity) evaluated, in order. */
int64_t pp_eval_phase_count(const pp_eval_result *r)
{
    int64_t p = 1;
    for (int i = 0; i < r->n_corruptions; i++)
        for (int s = 0; s < 5; s++)
            p += r->corruptions[i].has[s];
    return p;
}

/* The batches [*lo, *hi) of phase p that the shard's units cover. */
void pp_eval_shard_phase_batches(const pp_eval_shard *sh, int64_t phases, int64_t p, int64_t *lo, int64_t *hi)
{
    *lo = sh->unit_lo <= p ? 0 : (sh->unit_lo - p + phases - 1) / phases;
    *hi = sh->unit_hi <= p ? 0 : (sh->unit_hi - 1 - p) / phases + 1;
    if (*hi < *lo)
        *hi = *lo;
}

/* The first unit whose batch-major cumulative sample count reaches
 * samples * phases * k / n: cuts by samples, so a short last batch does not
 * make its shard short. */
static int64_t cut(int64_t samples, int64_t batch, int64_t phases, int k, int n)
{
    int64_t batches = (samples + batch - 1) / batch;
    __int128 t = (__int128)samples * phases * k / n;
    int64_t b = (int64_t)(t / (batch * phases));
    if (b >= batches)
        return batches * phases;
    int64_t w = samples - b * batch < batch ? samples - b * batch : batch; /* samples in batch b */
    int64_t rest = (int64_t)(t - (__int128)b * batch * phases);
    int64_t p = (rest + w - 1) / w;
    return b * phases + (p < phases ? p : phases);
}

void pp_eval_shard_units(const pp_eval_result *r, int k, int n, int64_t *lo, int64_t *hi)
{
    int64_t phases = pp_eval_phase_count(r);
    *lo = cut(r->samples, r->shard.batch, phases, k - 1, n);
    *hi = cut(r->samples, r->shard.batch, phases, k, n);
}

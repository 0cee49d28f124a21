/* The arithmetic of `--shard K/N` (see pp_eval_shard in evaluate.h). */
#ifndef PP_EVAL_SHARD_UNITS_H
#define PP_EVAL_SHARD_UNITS_H

#include <stdint.h>

#include "evaluate.h"

/* Phases: 0 = clean, then every (corruption, severity) evaluated, in order. */
int64_t pp_eval_phase_count(const pp_eval_result *r);
/* The batches [*lo, *hi) of phase p that the shard's units cover. */
void pp_eval_shard_phase_batches(const pp_eval_shard *sh, int64_t phases, int64_t p, int64_t *lo, int64_t *hi);

#endif

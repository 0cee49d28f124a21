/* Turning logits into ranked class probabilities. */
#ifndef PP_TOPK_H
#define PP_TOPK_H

#include "status.h"

/* Refuses logits that are not all finite: NaN propagates through the network
 * (as in PyTorch), and a ranking of NaN scores would be a confident guess. */
pp_status pp_logits_check(const float *logits, int count, pp_error *err);
/* probs = softmax(logits), computed stably (max subtracted). */
void pp_softmax(float *probs, const float *logits, int count);
/* order[0..k) = indices of the k largest values, largest first (ties: lower index). */
void pp_topk(int *order, const float *values, int count, int k);

#endif

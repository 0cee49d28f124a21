/* Turning logits into ranked class probabilities. */
#ifndef PP_TOPK_H
#define PP_TOPK_H

/* probs = softmax(logits), computed stably (max subtracted). */
void pp_softmax(float *probs, const float *logits, int count);
/* order[0..k) = indices of the k largest values, largest first (ties: lower index). */
void pp_topk(int *order, const float *values, int count, int k);

#endif

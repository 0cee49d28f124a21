/* Cross-entropy from logits (mean over the batch, as torch's CrossEntropyLoss)
 * and top-1 accuracy. */
#ifndef PP_LOSS_H
#define PP_LOSS_H

#include <stdint.h>

/* logits: (N, O); labels: (N) in [0, O). Returns the mean loss, computed
 * stably through log-sum-exp in double. dlogits: (N, O) written with the
 * gradient of the mean loss, (softmax - onehot) / N; may be NULL. */
double pp_cross_entropy(float *dlogits, const float *logits, const int32_t *labels, int n, int classes);

/* log(sum_o exp(z_o)) of one row (classes), stably in double. */
double pp_log_sum_exp(const float *z, int classes);

/* How many rows of logits (N, O) have their first maximum at the label. */
int pp_top1_correct(const float *logits, const int32_t *labels, int n, int classes);

#endif

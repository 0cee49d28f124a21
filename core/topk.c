#include "topk.h"

#include <math.h>
#include <stdbool.h>

pp_status pp_logits_check(const float *logits, int count, pp_error *err)
{
    for (int i = 0; i < count; i++)
        if (!isfinite(logits[i]))
            return pp_fail(err, PP_ERR_FORMAT,
                           "the network's output for class %d is %s: the input or the weights hold non-finite values",
                           i, isnan(logits[i]) ? "NaN" : "inf");
    return PP_OK;
}

void pp_softmax(float *probs, const float *logits, int count)
{
    float max = logits[0];
    for (int i = 1; i < count; i++)
        max = logits[i] > max ? logits[i] : max;
    double sum = 0;
    for (int i = 0; i < count; i++)
        sum += probs[i] = expf(logits[i] - max);
    for (int i = 0; i < count; i++)
        probs[i] = (float)(probs[i] / sum);
}

void pp_topk(int *order, const float *values, int count, int k)
{
    /* Partial selection: k is small (top-5) and count at most a few thousand. */
    for (int r = 0; r < k; r++) {
        int best = -1;
        for (int i = 0; i < count; i++) {
            bool taken = false;
            for (int j = 0; j < r && !taken; j++)
                taken = order[j] == i;
            if (!taken && (best < 0 || values[i] > values[best]))
                best = i;
        }
        order[r] = best;
    }
}

#include "consistency_loss.h"

#include <math.h>
#include <stdlib.h>

#include "loss.h"

/* log-softmax of one row into lp (classes) */
static void log_softmax(double *lp, const float *z, int classes)
{
    const double lse = pp_log_sum_exp(z, classes);
    for (int o = 0; o < classes; o++)
        lp[o] = z[o] - lse;
}

/* d/dz of a loss with gradient g wrt p = softmax(z), added into dz: p (g - <p, g>) */
static void softmax_backward_add(float *dz, const double *p, const double *g, int classes)
{
    double dot = 0;
    for (int o = 0; o < classes; o++)
        dot += p[o] * g[o];
    for (int o = 0; o < classes; o++)
        dz[o] += (float)(p[o] * (g[o] - dot));
}

double pp_jsd_loss(float *dlogits, const float *logits, const int32_t *labels, int batch, int classes,
                   double lambda)
{
    const size_t row = (size_t)classes;
    double *buf = malloc(sizeof(double) * row * 8);
    if (!buf)
        return NAN;
    double *lp[3] = {buf, buf + row, buf + 2 * row}, *p[3] = {buf + 3 * row, buf + 4 * row, buf + 5 * row};
    double *logm = buf + 6 * row, *g = buf + 7 * row;
    /* cross-entropy on the clean rows; its gradient fills the clean block */
    double loss = pp_cross_entropy(dlogits, logits, labels, batch, classes);
    for (size_t i = row * batch; i < row * 3 * batch; i++)
        dlogits[i] = 0;
    const double scale = lambda / 3.0 / batch;
    double kl = 0;
    for (int b = 0; b < batch; b++) {
        for (int v = 0; v < 3; v++) {
            log_softmax(lp[v], logits + ((size_t)v * batch + b) * row, classes);
            for (int o = 0; o < classes; o++)
                p[v][o] = exp(lp[v][o]);
        }
        for (int o = 0; o < classes; o++) {
            double m = (p[0][o] + p[1][o] + p[2][o]) / 3.0;
            logm[o] = log(m < 1e-7 ? 1e-7 : m > 1 ? 1 : m);
            /* d/dp_v of sum_u KL(p_u || M) through M: -sum_u p_u / (3 M) = -1 where M is not clamped */
            g[o] = m >= 1e-7 && m <= 1 ? -1.0 : 0.0;
        }
        for (int v = 0; v < 3; v++) {
            double *gp = lp[v]; /* reused in place: lp[v][o] is read before gp[o] is written */
            for (int o = 0; o < classes; o++) {
                if (p[v][o] > 0)
                    kl += p[v][o] * (lp[v][o] - logm[o]);
                gp[o] = scale * (lp[v][o] + 1.0 - logm[o] + g[o]);
            }
            softmax_backward_add(dlogits + ((size_t)v * batch + b) * row, p[v], gp, classes);
        }
    }
    free(buf);
    loss += scale * kl;
    return isfinite(loss) ? loss : NAN;
}

double pp_stability_loss(float *dlogits, const float *logits, const int32_t *labels, int batch, int classes,
                         double alpha)
{
    const size_t row = (size_t)classes;
    double *buf = malloc(sizeof(double) * row * 5);
    if (!buf)
        return NAN;
    double *lpc = buf, *lpq = buf + row, *pc = buf + 2 * row, *pq = buf + 3 * row, *g = buf + 4 * row;
    double loss = pp_cross_entropy(dlogits, logits, labels, batch, classes);
    const double scale = alpha / batch;
    double kl = 0;
    for (int b = 0; b < batch; b++) {
        float *dc = dlogits + (size_t)b * row, *dq = dlogits + ((size_t)batch + b) * row;
        log_softmax(lpc, logits + (size_t)b * row, classes);
        log_softmax(lpq, logits + ((size_t)batch + b) * row, classes);
        for (int o = 0; o < classes; o++) {
            pc[o] = exp(lpc[o]);
            pq[o] = exp(lpq[o]);
            if (pc[o] > 0)
                kl += pc[o] * (lpc[o] - lpq[o]);
            g[o] = scale * (lpc[o] - lpq[o] + 1.0);
            /* through log_softmax(z'): d/dz'_o of -sum p log q = q_o - p_o (p sums to 1) */
            dq[o] = (float)(scale * (pq[o] - pc[o]));
        }
        softmax_backward_add(dc, pc, g, classes);
    }
    free(buf);
    loss += scale * kl;
    return isfinite(loss) ? loss : NAN;
}

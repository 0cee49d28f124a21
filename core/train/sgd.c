#include "sgd.h"

#include <omp.h>

#include "../tensor.h"
#include "../threads.h"

/* Below this many trained floats in all the update runs on one thread (the
 * demo network's 0.2 M floats take well under a millisecond). */
#define PARALLEL_FLOATS ((size_t)1 << 17)

static void update(float *w, const float *g, float *buf, size_t count, float lr, float mom, float wd, bool init)
{
    for (size_t j = 0; j < count; j++) {
        float d = g[j] + wd * w[j];
        if (mom != 0.0f)
            d = buf[j] = init ? d : mom * buf[j] + d;
        w[j] -= lr * d;
    }
}

/* One parallel region for the whole model: the trained parameters' floats
 * in arena order, split evenly over the threads (a parameter may be cut
 * between two), not a region per parameter. Each float's update reads only
 * its own gradient, weight and momentum: any split gives the same bits. */
void pp_sgd_step(pp_model *m, const float *grad, float *momentum_buf, bool *first, const pp_sgd_config *cfg,
                 float lr, int threads)
{
    const float mom = cfg->momentum, wd = cfg->weight_decay;
    const bool init = *first;
    size_t total = 0;
    for (int i = 0; i < m->param_count; i++)
        if (!m->params[i].buffer)
            total += (size_t)pp_shape_numel(m->params[i].ndim, m->params[i].shape);
    threads = total > PARALLEL_FLOATS ? pp_threads_clamp(threads) : 1;
#pragma omp parallel num_threads(threads)
    {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        const size_t begin = total * t / nt, end = total * (t + 1) / nt;
        size_t at = 0; /* floats of the parameters before params[i] */
        for (int i = 0; i < m->param_count && at < end; i++) {
            const pp_param *p = &m->params[i];
            if (p->buffer)
                continue;
            const size_t count = (size_t)pp_shape_numel(p->ndim, p->shape);
            const size_t lo = begin > at ? begin - at : 0, hi = end - at < count ? end - at : count;
            if (lo < hi) {
                const size_t off = (size_t)(p->data - m->arena) + lo;
                update(p->data + lo, grad + off, momentum_buf + off, hi - lo, lr, mom, wd, init);
            }
            at += count;
        }
    }
    *first = false;
    m->derived_stale = true;
}

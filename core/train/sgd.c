#include "sgd.h"

#include "../tensor.h"
#include "../threads.h"

void pp_sgd_step(pp_model *m, const float *grad, float *momentum_buf, bool *first, const pp_sgd_config *cfg,
                 float lr, int threads)
{
    threads = pp_threads_clamp(threads);
    const float mom = cfg->momentum, wd = cfg->weight_decay;
    const bool init = *first;
    for (int i = 0; i < m->param_count; i++) {
        const pp_param *p = &m->params[i];
        if (p->buffer)
            continue;
        const size_t off = (size_t)(p->data - m->arena);
        const size_t count = (size_t)pp_shape_numel(p->ndim, p->shape);
        float *w = p->data; /* (param's shape) */
        const float *g = grad + off;
        float *buf = momentum_buf + off;
#pragma omp parallel for schedule(static) if (count > 65536) num_threads(threads)
        for (size_t j = 0; j < count; j++) {
            float d = g[j] + wd * w[j];
            if (mom != 0.0f)
                d = buf[j] = init ? d : mom * buf[j] + d;
            w[j] -= lr * d;
        }
    }
    *first = false;
    m->derived_stale = true;
}

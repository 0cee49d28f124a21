#include "model_validate.h"

#include <math.h>
#include <string.h>

#include "preprocess.h"
#include "tensor.h"

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static pp_status check_values(const char *name, const float *v, int64_t n, bool variance, pp_error *err)
{
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            return pp_fail(err, PP_ERR_FORMAT, "tensor '%s' holds %s at element %lld", name,
                           isnan(v[i]) ? "NaN" : "inf", (long long)i);
        if (variance && v[i] < 0.0f)
            return pp_fail(err, PP_ERR_FORMAT, "tensor '%s' holds a negative variance (%g) at element %lld", name,
                           (double)v[i], (long long)i);
    }
    return PP_OK;
}

pp_status pp_model_validate(const pp_model *m, pp_error *err)
{
    for (int i = 0; i < m->param_count; i++) {
        const pp_param *p = &m->params[i];
        pp_status st = check_values(p->name, p->data, pp_shape_numel(p->ndim, p->shape),
                                    ends_with(p->name, ".running_var"), err);
        if (st != PP_OK)
            return st;
    }
    /* A fixed alpha is no tensor: it comes from a scalar or the metadata. */
    if (m->arch.push_pull && !m->arch.alpha_trainable) {
        pp_status st = check_values("conv1.pull_inhibition_strength (fixed alpha)", m->pp.alpha, m->arch.width,
                                    false, err);
        if (st != PP_OK)
            return st;
    }
    return pp_preprocess_check_metadata(&m->meta, err);
}

#include "compat.h"

#include <string.h>

#include "../preprocess.h"

static const char *colour(int channels)
{
    return channels == 1 ? "greyscale (1 channel)" : channels == 3 ? "colour (3 channels)" : "multi-channel";
}

pp_status pp_check_dataset_for_model(const pp_dataset *ds, const pp_model *m, const char *model_name,
                                     pp_error *err)
{
    pp_preprocess pre;
    pp_status st = pp_preprocess_for_model(&pre, m, err);
    if (st != PP_OK)
        return st;
    if (ds->num_classes != m->arch.num_classes)
        return pp_fail(err, PP_ERR_ARG,
                       "the data set %s has %d classes but the model %s has %d: choose a data set of the model's "
                       "classes",
                       ds->name, ds->num_classes, model_name, m->arch.num_classes);
    if (ds->pixels && ds->channels != pre.channels)
        return pp_fail(err, PP_ERR_ARG, "the data set %s is %s but the model %s takes %s images", ds->name,
                       colour(ds->channels), model_name, colour(pre.channels));
    if (ds->pixels && (ds->width != pre.size || ds->height != pre.size))
        return pp_fail(err, PP_ERR_ARG, "the data set %s has %dx%d images but the model %s takes %dx%d", ds->name,
                       ds->width, ds->height, model_name, pre.size, pre.size);
    return PP_OK;
}

/* Two models of one input and data set; `role_a` / `role_b` ("baseline",
 * "model") and `advice` word the message for the caller's task. */
static pp_status check_same_task(const pp_model *a, const char *role_a, const char *name_a, const pp_model *b,
                                 const char *role_b, const char *name_b, const char *advice, pp_error *err)
{
    pp_preprocess pa, pb;
    pp_status st = pp_preprocess_for_model(&pa, a, err);
    if (st == PP_OK)
        st = pp_preprocess_for_model(&pb, b, err);
    if (st != PP_OK)
        return st;
    if (pa.channels != pb.channels || pa.size != pb.size)
        return pp_fail(err, PP_ERR_ARG, "the %s %s takes %dx%d %s input but the %s %s takes %dx%d %s: %s of the same input",
                       role_a, name_a, pa.size, pa.size, colour(pa.channels), role_b, name_b, pb.size, pb.size,
                       colour(pb.channels), advice);
    const char *da = a->arch.dataset, *db = b->arch.dataset;
    if (da[0] && db[0] && strcmp(da, db) != 0)
        return pp_fail(err, PP_ERR_ARG, "the %s %s was trained on %s but the %s %s on %s: %s of the same data set",
                       role_a, name_a, da, role_b, name_b, db, advice);
    return PP_OK;
}

pp_status pp_check_baseline_for_model(const pp_model *base, const char *base_name, const pp_model *m,
                                      const char *model_name, pp_error *err)
{
    if (base->arch.num_classes != m->arch.num_classes)
        return pp_fail(err, PP_ERR_ARG,
                       "the baseline %s has %d classes but the model %s has %d: star a baseline trained on the "
                       "model's data set",
                       base_name, base->arch.num_classes, model_name, m->arch.num_classes);
    return check_same_task(base, "baseline", base_name, m, "model", model_name, "star a baseline", err);
}

pp_status pp_check_models_comparable(const pp_model *a, const char *name_a, const pp_model *b, const char *name_b,
                                     pp_error *err)
{
    return check_same_task(a, "model", name_a, b, "model", name_b, "compare models", err);
}

bool pp_model_is_imagenet1k(const pp_model *m)
{
    return m->arch.num_classes == 1000 && m->arch.in_channels == 3 &&
           (!m->arch.dataset[0] || strstr(m->arch.dataset, "imagenet") != NULL);
}

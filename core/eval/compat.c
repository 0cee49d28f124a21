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

pp_status pp_check_baseline_for_model(const pp_model *base, const char *base_name, const pp_model *m,
                                      const char *model_name, pp_error *err)
{
    pp_preprocess a, b;
    pp_status st = pp_preprocess_for_model(&a, base, err);
    if (st == PP_OK)
        st = pp_preprocess_for_model(&b, m, err);
    if (st != PP_OK)
        return st;
    if (base->arch.num_classes != m->arch.num_classes)
        return pp_fail(err, PP_ERR_ARG,
                       "the baseline %s has %d classes but the model %s has %d: star a baseline trained on the "
                       "model's data set",
                       base_name, base->arch.num_classes, model_name, m->arch.num_classes);
    if (a.channels != b.channels || a.size != b.size)
        return pp_fail(err, PP_ERR_ARG,
                       "the baseline %s takes %dx%d %s input but the model %s takes %dx%d %s: star a baseline of "
                       "the same input",
                       base_name, a.size, a.size, colour(a.channels), model_name, b.size, b.size, colour(b.channels));
    const char *da = base->arch.dataset, *db = m->arch.dataset;
    if (da[0] && db[0] && strcmp(da, db) != 0)
        return pp_fail(err, PP_ERR_ARG, "the baseline %s was trained on %s but the model %s on %s", base_name, da,
                       model_name, db);
    return PP_OK;
}

pp_status pp_check_models_comparable(const pp_model *a, const char *name_a, const pp_model *b, const char *name_b,
                                     pp_error *err)
{
    pp_preprocess pa, pb;
    pp_status st = pp_preprocess_for_model(&pa, a, err);
    if (st == PP_OK)
        st = pp_preprocess_for_model(&pb, b, err);
    if (st != PP_OK)
        return st;
    if (pa.channels != pb.channels || pa.size != pb.size)
        return pp_fail(err, PP_ERR_ARG,
                       "the model %s takes %dx%d %s input but the model %s takes %dx%d %s: compare models of the "
                       "same input",
                       name_a, pa.size, pa.size, colour(pa.channels), name_b, pb.size, pb.size, colour(pb.channels));
    const char *da = a->arch.dataset, *db = b->arch.dataset;
    if (da[0] && db[0] && strcmp(da, db) != 0)
        return pp_fail(err, PP_ERR_ARG, "the model %s was trained on %s but the model %s on %s: compare models of "
                       "the same data set", name_a, da, name_b, db);
    return PP_OK;
}

bool pp_model_is_imagenet1k(const pp_model *m)
{
    return m->arch.num_classes == 1000 && m->arch.in_channels == 3 &&
           (!m->arch.dataset[0] || strstr(m->arch.dataset, "imagenet") != NULL);
}

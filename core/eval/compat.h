/* Whether a job makes sense before it runs (issue 12: jobs that cannot produce
 * nonsense): a data set against the model it evaluates or fine-tunes, a
 * baseline against that model, and which CE normalisers apply. Each check
 * names both sides and the mismatch in err and returns PP_ERR_ARG. */
#ifndef PP_EVAL_COMPAT_H
#define PP_EVAL_COMPAT_H

#include <stdbool.h>

#include "../data/dataset.h"
#include "../model.h"

/* The class count must agree; in-memory sets (Fashion-MNIST, CIFAR, .npy) must
 * also have the model's input channels and size. Folders of image files are
 * brought to the model's input like single images, so only classes count. */
pp_status pp_check_dataset_for_model(const pp_dataset *ds, const pp_model *m, const char *model_name,
                                     pp_error *err);

/* The baseline must be a model of the same task: same class count, input
 * channels and input size, and the same data set when both files name one. */
pp_status pp_check_baseline_for_model(const pp_model *base, const char *base_name, const pp_model *m,
                                      const char *model_name, pp_error *err);

/* Two models whose representations of the same images can be compared
 * (CKA, feature maps): the same input size and channels, and the same data set
 * when both files name one. Class counts may differ. */
pp_status pp_check_models_comparable(const pp_model *a, const char *name_a, const pp_model *b, const char *name_b,
                                     pp_error *err);

/* AlexNet's ImageNet-C errors normalise CE only for ImageNet-1k models. */
bool pp_model_is_imagenet1k(const pp_model *m);

#endif

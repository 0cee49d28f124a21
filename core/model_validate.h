/* Checks a loaded model's numbers before anything runs on them: a NaN or inf
 * weight, a negative BN variance or a NaN alpha would otherwise flow through
 * the network (ReLU, pooling, argmax) into a finite, confident prediction. */
#ifndef PP_MODEL_VALIDATE_H
#define PP_MODEL_VALIDATE_H

#include "model.h"
#include "status.h"

/* Every parameter finite, every running_var >= 0, the push-pull alpha finite,
 * and the preprocessing metadata sane; the error names the tensor (or key),
 * the element and its value. */
pp_status pp_model_validate(const pp_model *m, pp_error *err);

#endif

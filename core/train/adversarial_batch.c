#include "adversarial_batch.h"

#include <math.h>
#include <stdlib.h>

#include "../rng.h"

pp_status pp_adversarial_batch(const pp_train_recipe *r, pp_train_ctx *ctx, const pp_model *m,
                               const pp_pixel_space *px, pp_tensor *batch, const int32_t *labels, uint64_t seed,
                               int64_t step, const pp_job *job, pp_error *err)
{
    if (r->kind != PP_RECIPE_FOOLING && r->kind != PP_RECIPE_FGSM && r->kind != PP_RECIPE_PGD)
        return PP_OK;
    const int b = (int)batch->shape[0];
    const int first = b - (int)nearbyint(b * r->fraction);
    if (first >= b)
        return PP_OK;
    const size_t row = (size_t)(pp_tensor_numel(batch) / b);
    pp_tensor part = *batch; /* the rows to replace, in place */
    part.shape[0] = b - first;
    part.data = batch->data + (size_t)first * row;
    const uint64_t key = pp_rng_key(seed ^ 0xadd5eedull, (uint64_t)step);
    if (r->kind == PP_RECIPE_FGSM)
        return pp_attack_fgsm(ctx, m, px, &part, labels + first, r->eps, job, err);
    if (r->kind == PP_RECIPE_PGD)
        return pp_attack_pgd(ctx, m, px, &part, labels + first, r->eps, r->step, r->steps, true, key, job, err);
    /* fooling: a random target other than the true class, the rates in turn */
    const int n = b - first, classes = m->arch.num_classes;
    int32_t *targets = malloc(sizeof(int32_t) * (size_t)n);
    double *lr = malloc(sizeof(double) * (size_t)n);
    pp_status st = targets && lr ? PP_OK : pp_fail(err, PP_ERR_NOMEM, "fooling images: out of memory");
    for (int i = 0; i < n && st == PP_OK; i++) {
        const int y = labels[first + i];
        targets[i] = classes > 1 ? (y + 1 + pp_rng_int(key, (uint64_t)i, 0, classes - 2)) % classes : y;
        lr[i] = r->lr[i % r->n_lr];
    }
    if (st == PP_OK)
        st = pp_attack_fooling(ctx, m, &part, targets, lr, r->iters, NULL, NULL, job, err);
    free(targets);
    free(lr);
    return st;
}

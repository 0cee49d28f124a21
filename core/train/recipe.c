#include "recipe.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consistency_loss.h"

/* Stability training's defaults are a starting point, not the paper's values
 * (docs/spec/augment.md section 7: they could not be verified); both are parameters. */
#define STABILITY_ALPHA 0.01
#define STABILITY_SIGMA 0.04

/* One item of a comma-separated parameter list: "KEY=NUMBER" or a bare
 * "NUMBER". Splits at '=' (item keeps the key, or the whole text when there is
 * none); *number says whether the value part is a whole finite number.
 * Returns the rest of the list, or NULL after the last item. */
typedef struct {
    char item[64];
    bool has_key, number;
    double value;
} param_item;

static const char *next_param(const char *s, param_item *p)
{
    const char *end = strchr(s, ',');
    size_t n = end ? (size_t)(end - s) : strlen(s);
    snprintf(p->item, sizeof p->item, "%.*s", (int)(n < sizeof p->item ? n : sizeof p->item - 1), s);
    char *eq = strchr(p->item, '='), *stop = NULL;
    const char *text = eq ? eq + 1 : p->item;
    p->value = strtod(text, &stop);
    p->number = stop && stop != text && !*stop && isfinite(p->value);
    p->has_key = eq != NULL;
    if (eq)
        *eq = 0;
    return end ? end + 1 : NULL;
}

static pp_status parse_stability(pp_train_recipe *r, const char *params, pp_error *err)
{
    r->kind = PP_RECIPE_STABILITY;
    r->alpha = STABILITY_ALPHA;
    r->sigma = STABILITY_SIGMA;
    for (const char *s = params; s && *s;) {
        param_item p;
        s = next_param(s, &p);
        if (p.has_key && p.number && strcmp(p.item, "alpha") == 0 && p.value >= 0 && p.value <= 100)
            r->alpha = p.value;
        else if (p.has_key && p.number && strcmp(p.item, "sigma") == 0 && p.value >= 0 && p.value <= 1)
            r->sigma = p.value;
        else
            return pp_fail(err, PP_ERR_ARG,
                           "stability: '%.40s' is not a parameter in range; the parameters are alpha (KL weight, "
                           "0 to 100, default %g) and sigma (noise std on [0, 1] pixels, 0 to 1, default %g)",
                           p.item, STABILITY_ALPHA, STABILITY_SIGMA);
    }
    char noise[96];
    snprintf(noise, sizeof noise, "gaussian:sigma=%.12g,per_image=0,clean=0", r->sigma);
    return pp_augment_config_parse(&r->augment, noise, err);
}

/* Attack defaults: half of each batch; fooling as the paper (rates 5, 20, 100)
 * with a cap of 10 ascent steps per batch (the paper's offline loop allowed
 * more); FGSM/PGD at 8/255 with PGD's 7 steps of 2/255 (MadryLab, CIFAR). */
#define ATTACK_FRACTION 0.5
#define FOOLING_ITERS 10
#define ATTACK_EPS (8.0 / 255.0)
#define PGD_STEP (2.0 / 255.0)
#define PGD_STEPS 7

static pp_status attack_usage(const char *name, const char *item, pp_error *err)
{
    if (strcmp(name, "fooling") == 0)
        return pp_fail(err, PP_ERR_ARG,
                       "fooling: '%.40s' is not a parameter in range; it takes learning rates (numbers above 0, up "
                       "to %d, default 5,20,100), iters (1 to 1000, default %d) and fraction (0 to 1, default %g)",
                       item, PP_RECIPE_MAX_LRS, FOOLING_ITERS, ATTACK_FRACTION);
    return pp_fail(err, PP_ERR_ARG,
                   "%s: '%.40s' is not a parameter in range; it takes eps (0 to 1, default %.6g)%s and fraction (0 "
                   "to 1, default %g)",
                   name, item, ATTACK_EPS, strcmp(name, "pgd") == 0 ? ", step (0 to 1, default 0.00784), steps (1 to 1000, default 7)" : "",
                   ATTACK_FRACTION);
}

static pp_status parse_attack(pp_train_recipe *r, const char *name, const char *params, pp_error *err)
{
    r->kind = strcmp(name, "fooling") == 0 ? PP_RECIPE_FOOLING : strcmp(name, "fgsm") == 0 ? PP_RECIPE_FGSM : PP_RECIPE_PGD;
    r->fraction = ATTACK_FRACTION;
    r->iters = FOOLING_ITERS;
    r->eps = ATTACK_EPS;
    r->step = r->kind == PP_RECIPE_FGSM ? ATTACK_EPS : PGD_STEP;
    r->steps = r->kind == PP_RECIPE_FGSM ? 1 : PGD_STEPS;
    int n_lr = 0;
    double lr[PP_RECIPE_MAX_LRS];
    for (const char *s = params; s && *s;) {
        param_item p;
        s = next_param(s, &p);
        const double v = p.value;
        const char *key = p.item;
        if (!p.number)
            return attack_usage(name, key, err);
        if (!p.has_key && r->kind == PP_RECIPE_FOOLING && v > 0 && n_lr < PP_RECIPE_MAX_LRS)
            lr[n_lr++] = v;
        else if (p.has_key && strcmp(key, "fraction") == 0 && v >= 0 && v <= 1)
            r->fraction = v;
        else if (p.has_key && r->kind == PP_RECIPE_FOOLING && strcmp(key, "iters") == 0 && v >= 1 && v <= 1000 &&
                 v == floor(v))
            r->iters = (int)v;
        else if (p.has_key && r->kind != PP_RECIPE_FOOLING && strcmp(key, "eps") == 0 && v >= 0 && v <= 1)
            r->eps = v, r->step = r->kind == PP_RECIPE_FGSM ? v : r->step;
        else if (p.has_key && r->kind == PP_RECIPE_PGD && strcmp(key, "step") == 0 && v >= 0 && v <= 1)
            r->step = v;
        else if (p.has_key && r->kind == PP_RECIPE_PGD && strcmp(key, "steps") == 0 && v >= 1 && v <= 1000 &&
                 v == floor(v))
            r->steps = (int)v;
        else
            return attack_usage(name, key, err);
    }
    if (r->kind == PP_RECIPE_FOOLING) {
        static const double paper[3] = {5, 20, 100};
        r->n_lr = n_lr ? n_lr : 3;
        for (int i = 0; i < r->n_lr; i++)
            r->lr[i] = n_lr ? lr[i] : paper[i];
    }
    return PP_OK;
}

pp_status pp_train_recipe_parse(pp_train_recipe *r, const char *spec, bool jsd, pp_error *err)
{
    memset(r, 0, sizeof *r);
    r->lambda = PP_JSD_LAMBDA;
    if (!spec || strcmp(spec, "none") == 0) {
        if (jsd)
            return pp_fail(err, PP_ERR_ARG, "--jsd needs an augmentation (--augment augmix, prime, ...)");
        return PP_OK;
    }
    const char *colon = strchr(spec, ':');
    size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
    if (len == 9 && strncmp(spec, "stability", 9) == 0) {
        if (jsd)
            return pp_fail(err, PP_ERR_ARG, "--jsd goes with an augmentation, not with stability training");
        return parse_stability(r, colon ? colon + 1 : NULL, err);
    }
    if ((len == 7 && strncmp(spec, "fooling", 7) == 0) || (len == 4 && strncmp(spec, "fgsm", 4) == 0) ||
        (len == 3 && strncmp(spec, "pgd", 3) == 0)) {
        if (jsd)
            return pp_fail(err, PP_ERR_ARG, "--jsd goes with an augmentation, not with an attack");
        char name[8];
        snprintf(name, sizeof name, "%.*s", (int)len, spec);
        return parse_attack(r, name, colon ? colon + 1 : NULL, err);
    }
    char name[64], names[256];
    snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : sizeof name - 1), spec);
    if (!pp_augmentation_find(name)) {
        pp_augmentation_names(names, sizeof names);
        return pp_fail(err, PP_ERR_ARG, "unknown augmentation '%s'; the methods are none, %s, stability, fooling, fgsm, pgd",
                       name, names);
    }
    pp_status st = pp_augment_config_parse(&r->augment, spec, err);
    if (st != PP_OK)
        return st;
    r->kind = PP_RECIPE_AUGMENT;
    r->jsd = jsd;
    return PP_OK;
}

void pp_train_recipe_format(const pp_train_recipe *r, char *buf, size_t size)
{
    switch (r->kind) {
    case PP_RECIPE_PLAIN: snprintf(buf, size, "none"); break;
    case PP_RECIPE_STABILITY: snprintf(buf, size, "stability:alpha=%.12g,sigma=%.12g", r->alpha, r->sigma); break;
    case PP_RECIPE_FOOLING: {
        size_t used = (size_t)snprintf(buf, size, "fooling:");
        for (int i = 0; i < r->n_lr && used < size; i++)
            used += (size_t)snprintf(buf + used, size - used, "%.12g,", r->lr[i]);
        if (used < size)
            snprintf(buf + used, size - used, "iters=%d,fraction=%.12g", r->iters, r->fraction);
        break;
    }
    case PP_RECIPE_FGSM: snprintf(buf, size, "fgsm:eps=%.12g,fraction=%.12g", r->eps, r->fraction); break;
    case PP_RECIPE_PGD:
        snprintf(buf, size, "pgd:eps=%.12g,step=%.12g,steps=%d,fraction=%.12g", r->eps, r->step, r->steps, r->fraction);
        break;
    case PP_RECIPE_AUGMENT: {
        pp_augment_config_format(&r->augment, buf, size);
        size_t used = strlen(buf);
        if (r->jsd && used < size)
            snprintf(buf + used, size - used, " jsd:lambda=%.12g", r->lambda);
        break;
    }
    }
}

void pp_train_recipe_views(const pp_train_recipe *r, uint64_t seed, pp_batch_views *views)
{
    memset(views, 0, sizeof *views);
    views->seed = seed;
    switch (r->kind) {
    case PP_RECIPE_PLAIN:
    case PP_RECIPE_FOOLING:
    case PP_RECIPE_FGSM:
    case PP_RECIPE_PGD: views->count = 1; break;
    case PP_RECIPE_STABILITY: views->count = 2, views->view[1] = &r->augment; break;
    case PP_RECIPE_AUGMENT:
        if (r->jsd)
            views->count = 3, views->view[1] = views->view[2] = &r->augment;
        else
            views->count = 1, views->view[0] = &r->augment;
        break;
    }
}

static double jsd_hook(float *dlogits, const float *logits, const int32_t *labels, int n, int classes, void *ctx)
{
    const pp_train_recipe *r = ctx;
    return pp_jsd_loss(dlogits, logits, labels, n / 3, classes, r->lambda);
}

static double stability_hook(float *dlogits, const float *logits, const int32_t *labels, int n, int classes,
                             void *ctx)
{
    const pp_train_recipe *r = ctx;
    return pp_stability_loss(dlogits, logits, labels, n / 2, classes, r->alpha);
}

void pp_train_recipe_loss(const pp_train_recipe *r, pp_loss_hook *hook, bool *use_hook)
{
    memset(hook, 0, sizeof *hook);
    hook->ctx = (void *)r;
    *use_hook = true;
    if (r->kind == PP_RECIPE_STABILITY)
        hook->fn = stability_hook;
    else if (r->kind == PP_RECIPE_AUGMENT && r->jsd)
        hook->fn = jsd_hook;
    else
        *use_hook = false;
}

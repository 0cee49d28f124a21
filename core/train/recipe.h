/* How a training run makes its batches robust: a per-sample augmentation
 * (core/augment/, optionally with AugMix's Jensen-Shannon consistency over
 * clean + two augmented views), stability training (clean + a Gaussian-
 * perturbed copy, a KL term weighted by alpha), or attacks along the input
 * gradient that replace part of each batch (fooling images, FGSM, PGD; made
 * with the current weights, true labels kept). Parsed from the CLI's
 * --augment spec, recorded in the saved model's metadata (train_augment). */
#ifndef PP_TRAIN_RECIPE_H
#define PP_TRAIN_RECIPE_H

#include <stdbool.h>
#include <stddef.h>

#include "../augment/augmentation.h"
#include "../data/batch.h"
#include "train_step.h"

typedef enum {
    PP_RECIPE_PLAIN,
    PP_RECIPE_AUGMENT,
    PP_RECIPE_STABILITY,
    PP_RECIPE_FOOLING,
    PP_RECIPE_FGSM,
    PP_RECIPE_PGD,
} pp_recipe_kind;

#define PP_RECIPE_MAX_LRS 8

typedef struct {
    pp_recipe_kind kind;
    pp_augment_config augment; /* AUGMENT: the method; STABILITY: the Gaussian perturbation */
    bool jsd;                  /* AUGMENT: clean + two views and the JSD loss */
    double lambda;             /* JSD weight, 12 as in the reference */
    double alpha, sigma;       /* STABILITY: KL weight, noise std on [0, 1] pixels */
    /* attacks: the share of each batch replaced (its last rows) */
    double fraction;
    double lr[PP_RECIPE_MAX_LRS]; /* FOOLING: ascent rates, used in turn over the rows */
    int n_lr, iters;              /* FOOLING: how many rates; the iteration cap */
    double eps, step;             /* FGSM, PGD: L-inf radius and PGD's step, [0, 1] pixels */
    int steps;                    /* PGD */
} pp_train_recipe;

/* "none", an augmentation spec (augment/registry.c),
 * "stability[:alpha=A,sigma=S]", "fooling[:LR,LR...,iters=N,fraction=F]",
 * "fgsm[:eps=E,fraction=F]" or "pgd[:eps=E,step=A,steps=K,fraction=F]"; jsd
 * needs an augmentation. Bad specs list
 * the valid methods and parameters. */
pp_status pp_train_recipe_parse(pp_train_recipe *r, const char *spec, bool jsd, pp_error *err);
/* The text stored as train_augment, e.g. "augmix:severity=3,width=3,depth=-1 jsd:lambda=12". */
void pp_train_recipe_format(const pp_train_recipe *r, char *buf, size_t size);
/* The views of each sample and the loss over them (NULL hook: cross-entropy).
 * hook->scored is set by the caller to the batch size. */
void pp_train_recipe_views(const pp_train_recipe *r, uint64_t seed, pp_batch_views *views);
void pp_train_recipe_loss(const pp_train_recipe *r, pp_loss_hook *hook, bool *use_hook);

#endif

/* Training and fine-tuning loops over a data set: shuffling, augmentation,
 * the learning-rate schedule, per-epoch validation, atomic checkpoints after
 * every epoch (so a crash loses at most one), resume, progress and cancel. */
#ifndef PP_TRAINER_H
#define PP_TRAINER_H

#include <stdbool.h>
#include <stdint.h>

#include "../data/dataset.h"
#include "../job.h"
#include "../model.h"
#include "schedule.h"
#include "recipe.h"
#include "sgd.h"

#define PP_TRAIN_MAX_EPOCHS 1000

typedef struct {
    int epochs;
    int batch;                 /* 128 in the paper */
    pp_lr_schedule schedule;
    pp_sgd_config sgd;
    uint64_t seed;             /* shuffling and augmentation */
    int crop_padding;          /* random-crop padding in pixels; 0 = none */
    bool flip;                 /* random horizontal flips */
    const pp_train_recipe *recipe; /* robustness augmentation after crop and flip; NULL = none */
    int64_t limit;             /* first N training samples; <= 0 = all */
    const pp_dataset *val;     /* clean validation after each epoch, or NULL */
    int64_t val_limit;
    const char *checkpoint;    /* written atomically after each epoch, or NULL */
    bool resume;               /* continue from `checkpoint` if it exists */
} pp_train_options;

typedef struct {
    int epochs_done;
    int first_epoch;                           /* > 0 when resumed */
    double loss[PP_TRAIN_MAX_EPOCHS];          /* mean training loss per epoch */
    double accuracy[PP_TRAIN_MAX_EPOCHS];      /* training top-1 accuracy */
    double val_error[PP_TRAIN_MAX_EPOCHS];     /* NAN without validation */
    double seconds;
} pp_train_history;

/* Trains m in place. On PP_ERR_CANCELLED or a non-finite loss the model holds
 * the weights of the last finished epoch's checkpoint state (when checkpoints
 * are on, that file is intact). */
pp_status pp_trainer_run(pp_model *m, const pp_dataset *train, const pp_train_options *opt, const pp_job *job,
                         pp_train_history *hist, pp_error *err);

/* Records the data set's name, class names and the preprocessing used, so the
 * saved model predicts with the same input pipeline. */
pp_status pp_trainer_describe_data(pp_model *m, const pp_dataset *train, pp_error *err);

#endif

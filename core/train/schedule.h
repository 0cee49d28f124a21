/* Learning-rate schedules as pure functions of the step (0-based, counted in
 * optimizer steps) and the total number of steps. */
#ifndef PP_SCHEDULE_H
#define PP_SCHEDULE_H

typedef enum { PP_LR_CONSTANT, PP_LR_STEP, PP_LR_ONE_CYCLE } pp_lr_kind;

typedef struct {
    pp_lr_kind kind;
    float peak;           /* base (constant, step) or peak (one-cycle) learning rate */
    /* one-cycle: */
    float warmup_fraction; /* 0.3 */
    float start_factor;    /* 0.05: warm-up starts at start_factor * peak */
    float end_factor;      /* 5e-5: decay ends at end_factor * peak */
    /* step: lr = peak * gamma^(epoch / step_epochs), epoch = step / steps_per_epoch */
    float gamma;
    int step_epochs;
    int steps_per_epoch;
} pp_lr_schedule;

/* The paper's one-cycle cosine (docs/spec/pushpull.md) with its defaults. */
pp_lr_schedule pp_lr_one_cycle_default(float peak);

/* Cosine warm-up from start_factor*peak to peak over the first
 * warmup_fraction of the steps, then cosine decay to end_factor*peak at the
 * last step (total_steps - 1). */
double pp_lr_one_cycle(int step, int total_steps, double peak, double warmup_fraction, double start_factor,
                       double end_factor);
double pp_lr_step(int step, int steps_per_epoch, double base, double gamma, int step_epochs);
double pp_lr_at(const pp_lr_schedule *s, int step, int total_steps);
const char *pp_lr_kind_name(pp_lr_kind k);

#endif

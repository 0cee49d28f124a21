#include "schedule.h"

#include <math.h>

/* The one-cycle schedule follows torch.optim.lr_scheduler.OneCycleLR with
 * anneal_strategy='cos', pct_start = warmup_fraction, div_factor = 1/start_factor
 * and final_div_factor = start_factor/end_factor: the spec's "cosine warm-up
 * from 0.05 to 1.0 over the first 30 % of steps, then cosine decay to 5e-5",
 * read (like the 0.05 and 1.0) as multiples of the peak learning rate.
 * Phase boundaries as OneCycleLR puts them: warm-up ends at step
 * warmup_fraction * total - 1, the decay at step total - 1. */

pp_lr_schedule pp_lr_one_cycle_default(float peak)
{
    return (pp_lr_schedule){.kind = PP_LR_ONE_CYCLE, .peak = peak, .warmup_fraction = 0.3f,
                            .start_factor = 0.05f, .end_factor = 5e-5f, .gamma = 0.1f, .step_epochs = 1,
                            .steps_per_epoch = 1};
}

static double cos_anneal(double start, double end, double pct)
{
    return end + (start - end) / 2.0 * (cos(M_PI * pct) + 1.0);
}

double pp_lr_one_cycle(int step, int total_steps, double peak, double warmup_fraction, double start_factor,
                       double end_factor)
{
    const double warm_end = warmup_fraction * total_steps - 1.0, last = total_steps - 1.0;
    if (step <= warm_end) {
        double pct = warm_end > 0 ? step / warm_end : 1.0;
        return cos_anneal(start_factor * peak, peak, pct);
    }
    double span = last - warm_end;
    double pct = span > 0 ? (step - warm_end) / span : 1.0;
    if (pct > 1.0)
        pct = 1.0; /* past the planned end: stay at the floor */
    return cos_anneal(peak, end_factor * peak, pct);
}

double pp_lr_step(int step, int steps_per_epoch, double base, double gamma, int step_epochs)
{
    int epoch = steps_per_epoch > 0 ? step / steps_per_epoch : 0;
    int drops = step_epochs > 0 ? epoch / step_epochs : 0;
    return base * pow(gamma, drops);
}

double pp_lr_at(const pp_lr_schedule *s, int step, int total_steps)
{
    switch (s->kind) {
    case PP_LR_ONE_CYCLE:
        return pp_lr_one_cycle(step, total_steps, s->peak, s->warmup_fraction, s->start_factor, s->end_factor);
    case PP_LR_STEP:
        return pp_lr_step(step, s->steps_per_epoch, s->peak, s->gamma, s->step_epochs);
    case PP_LR_CONSTANT:
    default:
        return s->peak;
    }
}

const char *pp_lr_kind_name(pp_lr_kind k)
{
    switch (k) {
    case PP_LR_ONE_CYCLE:
        return "one-cycle";
    case PP_LR_STEP:
        return "step";
    case PP_LR_CONSTANT:
        return "constant";
    }
    return "?";
}

#include "model_layers.h"

#include <stdio.h>
#include <string.h>

static void set_layer(pp_model_layer *out, const pp_model *m, int step, const char *name)
{
    snprintf(out->name, sizeof out->name, "%s", name);
    out->step = step;
    out->map = m->plan->values[m->plan->steps[step].out].layout == PP_VALUE_MAP;
}

static bool tap_layer(const pp_model *m, pp_tap t, pp_model_layer *out)
{
    const pp_step *s = pp_plan_tap_step(m->plan, t);
    if (s)
        set_layer(out, m, (int)(s - m->plan->steps), pp_tap_name(t));
    return s != NULL;
}

/* The blocks of m as a list "layer1.0, ..., layer4.1" (first and last). */
static void describe_blocks(const pp_model *m, char *buf, size_t size)
{
    const char *first = NULL, *last = NULL;
    for (int i = 0; i < m->plan->step_count; i++)
        if (m->plan->steps[i].block[0]) {
            last = m->plan->steps[i].block;
            first = first ? first : last;
        }
    if (first)
        snprintf(buf, size, ", blocks %s..%s", first, last);
    else
        buf[0] = '\0';
}

pp_status pp_model_layer_find(const pp_model *m, const char *model_name, const char *name, pp_model_layer *out,
                              pp_error *err)
{
    pp_tap t;
    if (pp_tap_from_name(name, &t, NULL) == PP_OK && t != PP_TAP_PUSH && t != PP_TAP_PULL && t != PP_TAP_KERNELS &&
        tap_layer(m, t, out))
        return PP_OK;
    for (int i = 0; i < m->plan->step_count; i++) {
        const pp_step *s = &m->plan->steps[i];
        if (s->block[0] && strcmp(s->block, name) == 0) {
            set_layer(out, m, i, s->block);
            return PP_OK;
        }
    }
    char blocks[64];
    describe_blocks(m, blocks, sizeof blocks);
    return pp_fail(err, PP_ERR_ARG, "%s has no layer '%s' (conv1, stem, layer1..layer%d%s, features, logits)",
                   model_name, name, pp_arch_stages(&m->arch), blocks);
}

int pp_model_layers_per_block(const pp_model *m, pp_model_layer *out, int max)
{
    const pp_plan *p = m->plan;
    pp_model_layer spare;
    int n = 0;
#define NEXT (n < max ? &out[n] : &spare)
    bool blocks = false;
    for (int i = 0; i < p->step_count && !blocks; i++)
        blocks = p->steps[i].block[0] != '\0';
    if (tap_layer(m, PP_TAP_STEM, NEXT))
        n++;
    for (int i = 0; blocks && i < p->step_count; i++)
        if (p->steps[i].block[0])
            set_layer(NEXT, m, i, p->steps[i].block), n++;
    for (int t = PP_TAP_LAYER1; !blocks && t <= PP_TAP_LAYER4; t++)
        if (tap_layer(m, (pp_tap)t, NEXT))
            n++;
    for (int t = PP_TAP_FEATURES; t <= PP_TAP_LOGITS; t++)
        if (tap_layer(m, (pp_tap)t, NEXT))
            n++;
#undef NEXT
    return n;
}

#include "model.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classes.h"
#include "json_alloc.h"
#include "model_validate.h"
#include "ops/batchnorm.h"
#include "ops/blurpool.h"
#include "ops/winograd.h"
#include "model/builder.h"
#include "model/families.h"
#include "ops/pushpull.h"
#include "tensor.h"

/* Visits every BN layer of the plan with its key prefix (for
 * num_batches_tracked and init): the prefix of its weight's name. */
static void for_each_bn(pp_model *m, void (*fn)(pp_bn_layer *, const char *, void *), void *ctx)
{
    const pp_plan *plan = m->plan;
    for (int i = 0; i < plan->step_count; i++) {
        pp_bn_layer *bn = pp_model_step_bn(m, &plan->steps[i]);
        if (!bn)
            continue;
        char prefix[96] = "";
        for (int j = 0; j < m->param_count; j++)
            if (m->params[j].data == bn->gamma) {
                snprintf(prefix, sizeof prefix, "%s", m->params[j].name);
                char *dot = strrchr(prefix, '.');
                if (dot)
                    *dot = '\0';
                break;
            }
        fn(bn, prefix, ctx);
    }
}


static void init_bn(pp_bn_layer *bn, const char *prefix, void *ctx)
{
    (void)prefix;
    (void)ctx;
    for (int c = 0; c < bn->channels; c++) {
        bn->gamma[c] = 1.0f;
        bn->var[c] = 1.0f;
    }
}

/* Runs the family's builder twice (count, then assign), see model/builder.h. */
pp_status pp_model_create(pp_model *m, const pp_arch *arch, pp_error *err)
{
    memset(m, 0, sizeof *m);
    m->arch = *arch;
    const pp_arch *a = arch;
    if (a->width < 1 || a->width > 4096 || (a->in_channels != 1 && a->in_channels != 3) ||
        a->num_classes < 1 || a->num_classes > 100000 || (a->avg_kernel != 0 && a->avg_kernel != 3 && a->avg_kernel != 5))
        return pp_fail(err, PP_ERR_ARG, "invalid architecture (width %d, %d input channels, %d classes, avg %d)",
                       a->width, a->in_channels, a->num_classes, a->avg_kernel);
    for (int s = 0; s < 7 && pp_arch_is_efficientnet(a); s++)
        if (a->effnet_blocks[s] < 1 || a->effnet_blocks[s] > 64 || a->effnet_out[s] < 1 || a->effnet_out[s] > 65536 ||
            a->effnet_head < 1 || a->effnet_head > 65536 || !(a->drop_connect >= 0.0f && a->drop_connect < 1.0f) ||
            !(a->dropout >= 0.0f && a->dropout < 1.0f))
            return pp_fail(err, PP_ERR_ARG, "invalid EfficientNet stage %d (%d blocks, %d outputs, head %d, "
                           "drop-connect %g, dropout %g)", s + 1, a->effnet_blocks[s], a->effnet_out[s],
                           a->effnet_head, (double)a->drop_connect, (double)a->dropout);
    for (int s = 0; s < pp_arch_stages(a) && !pp_arch_is_efficientnet(a); s++)
        if (a->blocks[s] < 1 || a->blocks[s] > 256 || pp_arch_stage_mid(a, s) < 1 || pp_arch_stage_out(a, s) < 1 ||
            pp_arch_stage_mid(a, s) % pp_arch_groups(a) != 0)
            return pp_fail(err, PP_ERR_ARG, "invalid stage %d (%d blocks, width %d of %d groups, %d outputs)", s + 1,
                           a->blocks[s], pp_arch_stage_mid(a, s), pp_arch_groups(a), pp_arch_stage_out(a, s));
    if (a->push_pull && a->pp2020)
        return pp_fail(err, PP_ERR_ARG, "a first layer is a PushPull unit or the 2020 layer, not both");
    const pp_family *family = pp_family_of_arch(a);
    if ((family->build == pp_blurpool_resnet_build || family->build == pp_vasconcelos_resnet_build) &&
        (a->blur_filter < 1 || a->blur_filter > PP_BLURPOOL_MAX_FILTER))
        return pp_fail(err, PP_ERR_ARG, "invalid BlurPool filter size %d (1 to %d)", a->blur_filter,
                       PP_BLURPOOL_MAX_FILTER);

    pp_plan scratch_plan;
    pp_status st = pp_plan_init(&scratch_plan, a->in_channels, err);
    if (st != PP_OK)
        return st;
    pp_model_builder count = {.m = m, .plan = &scratch_plan};
    family->build(&count);
    for (int i = 0; i < count.scratch_count; i++)
        free(count.scratch[i]);
    free(count.scratch);
    pp_plan_free(&scratch_plan);
    m->arena = count.failed ? NULL : pp_zeroed_alloc(count.cursor * sizeof(float));
    m->arena_floats = m->arena ? count.cursor : 0;
    m->params = calloc((size_t)count.count + 1, sizeof *m->params);
    m->layer_memory = calloc(1, count.struct_bytes + 16);
    m->plan = calloc(1, sizeof *m->plan);
    if (!m->arena || !m->params || !m->layer_memory || !m->plan) {
        pp_model_free(m);
        return pp_fail(err, PP_ERR_NOMEM, "cannot allocate %zu MB of parameters", count.cursor * 4 >> 20);
    }
    st = pp_plan_init(m->plan, a->in_channels, err);
    pp_model_builder assign = {.m = m, .plan = m->plan, .assign = true};
    if (st == PP_OK) {
        family->build(&assign);
        m->param_count = assign.count;
        st = pp_plan_finish(m->plan, err);
    }
    if (st != PP_OK) {
        pp_model_free(m);
        return st;
    }
    for_each_bn(m, init_bn, NULL);
    if (a->push_pull)
        for (int k = 0; k < a->width; k++)
            m->pp.alpha[k] = a->alpha_trainable ? 0.5f : a->alpha_fixed;
    pp_sd_init(&m->meta);
    pp_model_prepare(m);
    return PP_OK;
}

void pp_model_free(pp_model *m)
{
    if (!m)
        return;
    pp_zeroed_free(m->arena, m->arena_floats * sizeof(float));
    free(m->params);
    free(m->layer_memory);
    pp_plan_free(m->plan);
    free(m->plan);
    if (m->class_names) {
        for (int i = 0; i < m->arch.num_classes; i++)
            free(m->class_names[i]);
        free(m->class_names);
    }
    pp_sd_free(&m->meta);
    memset(m, 0, sizeof *m);
}

const pp_param *pp_model_find_param(const pp_model *m, const char *name)
{
    for (int i = 0; i < m->param_count; i++)
        if (strcmp(m->params[i].name, name) == 0)
            return &m->params[i];
    return NULL;
}

int64_t pp_model_param_count(const pp_model *m)
{
    int64_t total = 0;
    for (int i = 0; i < m->param_count; i++)
        if (!m->params[i].buffer)
            total += pp_shape_numel(m->params[i].ndim, m->params[i].shape);
    return total;
}

static void prepare_bn(pp_bn_layer *bn, const char *prefix, void *ctx)
{
    (void)prefix;
    (void)ctx;
    pp_batchnorm_fold(bn->scale, bn->shift, bn->gamma, bn->beta, bn->mean, bn->var, pp_bn_eps(bn), bn->channels);
}

static void prepare_winograd(pp_conv_layer *c, int threads)
{
    /* without scratch memory the layer falls back to im2col (its kernels stay
     * unset rather than stale) */
    if (c->winograd && !pp_winograd_transform_weights(c->winograd, c->weight, &c->shape, threads))
        c->winograd = NULL;
}

void pp_model_prepare(pp_model *m)
{
    pp_model_prepare_threads(m, 1);
}

void pp_model_prepare_threads(pp_model *m, int threads)
{
    for_each_bn(m, prepare_bn, NULL);
    for (int i = 0; i < m->plan->step_count; i++) {
        const pp_step *s = &m->plan->steps[i];
        if (s->kind != PP_STEP_CONV)
            continue;
        const pp_conv_layer *conv = pp_model_step_conv(m, s);
        prepare_winograd((pp_conv_layer *)conv, threads);
        /* a conv bias before BN (PNN's 1x1 convolutions) folds into the BN's shift:
         * scale * (conv + b) + shift */
        pp_bn_layer *bn = pp_model_step_bn(m, s);
        if (bn && conv->bias)
            for (int c = 0; c < bn->channels; c++)
                bn->shift[c] += bn->scale[c] * conv->bias[c];
    }
    if (m->arch.push_pull) {
        const pp_conv_shape *s = &m->pp.shape;
        size_t per_kernel = (size_t)s->cin * s->kh * s->kw;
        memcpy(m->pp.stacked, m->pp.weight, per_kernel * s->cout * sizeof(float));
        const size_t span = pp_pushpull_minmax_span(&m->pp);
        pp_pushpull_pull_kernels(m->pp.stacked + per_kernel * s->cout, m->pp.weight,
                                 (int)(per_kernel * s->cout / span), span);
    }
    if (m->arch.pp2020)
        pp_pushpull2020_prepare(&m->pp2020);
    static _Atomic uint64_t generations;
    m->generation = ++generations;
    m->derived_stale = false;
}

/* ---- state dict exchange ---- */

typedef struct {
    const pp_state_dict *sd;
} nbt_load_ctx;

static void load_nbt(pp_bn_layer *bn, const char *prefix, void *ctx)
{
    const pp_state_dict *sd = ((nbt_load_ctx *)ctx)->sd;
    char name[96];
    snprintf(name, sizeof name, "%s.num_batches_tracked", prefix);
    const pp_sd_entry *e = pp_sd_find(sd, name);
    if (e && e->dtype == PP_DTYPE_I64 && pp_sd_entry_numel(e) == 1)
        bn->num_batches_tracked = *(const int64_t *)e->data;
}

static pp_status set_class_names_json(pp_model *m, const char *text, pp_error *err)
{
    json_error_t jerr;
    pp_json_alloc_reset();
    json_t *list = json_loads(text, 0, &jerr);
    if (pp_json_alloc_failed()) { /* not bad JSON; and a parsed result may have lost characters */
        json_decref(list);
        return pp_fail(err, PP_ERR_NOMEM, "out of memory reading the class names");
    }
    if (!json_is_array(list) || (int)json_array_size(list) != m->arch.num_classes) {
        json_decref(list);
        return pp_fail(err, PP_ERR_FORMAT, "metadata class_names is not a JSON list of %d strings",
                       m->arch.num_classes);
    }
    const char **names = calloc(json_array_size(list), sizeof *names);
    if (!names) {
        json_decref(list);
        return pp_fail(err, PP_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < json_array_size(list); i++)
        names[i] = json_is_string(json_array_get(list, i)) ? json_string_value(json_array_get(list, i)) : "?";
    pp_status st = pp_model_set_class_names(m, names, (int)json_array_size(list), err);
    free(names);
    json_decref(list);
    return st;
}

pp_status pp_model_load_state_dict(pp_model *m, const pp_state_dict *sd, pp_error *err)
{
    for (int i = 0; i < m->param_count; i++) {
        pp_param *p = &m->params[i];
        const pp_sd_entry *e = pp_sd_find(sd, p->name);
        if (!e)
            return pp_fail(err, PP_ERR_FORMAT, "missing tensor '%s'", p->name);
        /* The full shape, not only the count: a permuted or flattened kernel
         * has the right count and would load as garbage. */
        char want[96], got[96];
        if (e->dtype != PP_DTYPE_F32 || e->ndim != p->ndim ||
            memcmp(e->shape, p->shape, (size_t)p->ndim * sizeof *p->shape) != 0)
            return pp_fail(err, PP_ERR_SHAPE, "tensor '%s' is %s %s; the architecture needs float32 %s", p->name,
                           pp_dtype_name(e->dtype), pp_shape_string(e->ndim, e->shape, got, sizeof got),
                           pp_shape_string(p->ndim, p->shape, want, sizeof want));
        memcpy(p->data, e->data, (size_t)pp_sd_entry_numel(e) * sizeof(float));
    }
    nbt_load_ctx ctx = {sd};
    for_each_bn(m, load_nbt, &ctx);
    if (m->arch.push_pull && !m->arch.alpha_trainable)
        for (int k = 0; k < m->arch.width; k++)
            m->pp.alpha[k] = m->arch.alpha_fixed;
    for (size_t i = 0; i < sd->meta_count; i++) {
        pp_status st = pp_sd_meta_set(&m->meta, sd->meta[i].key, sd->meta[i].value, err);
        if (st != PP_OK)
            return st;
    }
    pp_status valid = pp_model_validate(m, err);
    if (valid != PP_OK)
        return valid;
    const char *names = pp_sd_meta_get(sd, "class_names");
    if (names) {
        pp_status st = set_class_names_json(m, names, err);
        if (st != PP_OK)
            return st;
    }
    pp_model_prepare(m);
    return PP_OK;
}

typedef struct {
    pp_state_dict *sd;
    pp_status st;
    pp_error *err;
} nbt_save_ctx;

static void save_nbt(pp_bn_layer *bn, const char *prefix, void *ctx)
{
    nbt_save_ctx *c = ctx;
    if (c->st != PP_OK)
        return;
    char name[96];
    snprintf(name, sizeof name, "%s.num_batches_tracked", prefix);
    int64_t *v = malloc(sizeof *v);
    if (!v) {
        c->st = pp_fail(c->err, PP_ERR_NOMEM, "out of memory");
        return;
    }
    *v = bn->num_batches_tracked;
    c->st = pp_sd_add(c->sd, name, PP_DTYPE_I64, 0, NULL, v, c->err);
}

pp_status pp_model_to_state_dict(const pp_model *m, pp_state_dict *sd, pp_error *err)
{
    pp_sd_init(sd);
    pp_status st = PP_OK;
    for (size_t i = 0; i < m->meta.meta_count && st == PP_OK; i++)
        st = pp_sd_meta_set(sd, m->meta.meta[i].key, m->meta.meta[i].value, err);
    for (int i = 0; i < m->param_count && st == PP_OK; i++) {
        const pp_param *p = &m->params[i];
        st = pp_sd_add_f32_copy(sd, p->name, p->ndim, p->shape, p->data, err);
    }
    nbt_save_ctx ctx = {sd, st, err};
    if (st == PP_OK)
        for_each_bn((pp_model *)m, save_nbt, &ctx);
    st = ctx.st;
    if (st == PP_OK)
        st = pp_arch_to_metadata(&m->arch, sd, err);
    if (st == PP_OK && m->class_names) {
        pp_json_alloc_reset();
        json_t *list = json_array();
        bool built = list != NULL; /* a name dropped silently would shift every later label */
        for (int i = 0; i < m->arch.num_classes && built; i++)
            built = json_array_append_new(list, json_string(m->class_names[i])) == 0;
        char *text = built ? json_dumps(list, JSON_COMPACT) : NULL;
        json_decref(list);
        if (!built && !pp_json_alloc_failed())
            st = pp_fail(err, PP_ERR_FORMAT, "a class name is not valid UTF-8");
        else if (!text || pp_json_alloc_failed())
            st = pp_fail(err, PP_ERR_NOMEM, "out of memory");
        else
            st = pp_sd_meta_set(sd, "class_names", text, err);
        free(text);
    }
    if (st != PP_OK)
        pp_sd_free(sd);
    return st;
}

void pp_model_first_alphas(const pp_model *m, float *out)
{
    for (int k = 0; k < m->arch.width; k++)
        out[k] = m->arch.pp2020 ? pp_pushpull2020_alpha(&m->pp2020, k) : m->arch.push_pull ? m->pp.alpha[k] : 0.0f;
}

void pp_model_alpha_stats(const pp_model *m, float *min, float *mean, float *max)
{
    *min = *mean = *max = 0;
    if (!pp_arch_inhibits(&m->arch))
        return;
    double sum = 0;
    *min = *max = m->arch.pp2020 ? pp_pushpull2020_alpha(&m->pp2020, 0) : m->pp.alpha[0];
    for (int k = 0; k < m->arch.width; k++) {
        float a = m->arch.pp2020 ? pp_pushpull2020_alpha(&m->pp2020, k) : m->pp.alpha[k];
        sum += a;
        *min = a < *min ? a : *min;
        *max = a > *max ? a : *max;
    }
    *mean = (float)(sum / m->arch.width);
}

/* ---- class names ---- */

pp_status pp_model_set_class_names(pp_model *m, const char *const *names, int count, pp_error *err)
{
    if (count != m->arch.num_classes)
        return pp_fail(err, PP_ERR_SHAPE, "%d class names for a model with %d classes", count, m->arch.num_classes);
    char **copy = calloc((size_t)count, sizeof *copy);
    if (!copy)
        return pp_fail(err, PP_ERR_NOMEM, "out of memory");
    for (int i = 0; i < count; i++) {
        copy[i] = strdup(names[i] ? names[i] : "");
        if (!copy[i]) {
            for (int j = 0; j < i; j++)
                free(copy[j]);
            free(copy);
            return pp_fail(err, PP_ERR_NOMEM, "out of memory");
        }
    }
    if (m->class_names) {
        for (int i = 0; i < m->arch.num_classes; i++)
            free(m->class_names[i]);
        free(m->class_names);
    }
    m->class_names = copy;
    return PP_OK;
}

int pp_model_class_index(const pp_model *m, const char *label)
{
    for (int i = 0; label && *label && i < m->arch.num_classes; i++)
        if (pp_class_name_matches(pp_model_class_name(m, i), label))
            return i;
    return -1;
}

const char *pp_model_class_name(const pp_model *m, int index)
{
    static _Thread_local char fallback[32];
    if (index < 0 || index >= m->arch.num_classes)
        return "?";
    if (m->class_names)
        return m->class_names[index];
    const char *const *known = pp_known_class_names(m->arch.dataset, m->arch.num_classes, m->arch.in_channels);
    if (known)
        return known[index];
    snprintf(fallback, sizeof fallback, "class %d", index);
    return fallback;
}

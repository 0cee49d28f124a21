#include "builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ops/winograd.h"
#include "../tensor.h"

float *pp_builder_derived(pp_model_builder *b, size_t floats)
{
    /* Keep every view 64-byte aligned so BLAS and SIMD loops see aligned rows. */
    size_t start = (b->cursor + 15) & ~(size_t)15;
    b->cursor = start + floats;
    return b->assign ? b->m->arena + start : NULL;
}

float *pp_builder_param(pp_model_builder *b, const char *name, bool buffer, int ndim, int64_t s0, int64_t s1,
                        int64_t s2, int64_t s3)
{
    int64_t shape[4] = {s0, s1, s2, s3};
    size_t floats = (size_t)pp_shape_numel(ndim, shape);
    float *data = pp_builder_derived(b, floats);
    if (b->assign) {
        pp_param *p = &b->m->params[b->count];
        snprintf(p->name, sizeof p->name, "%s", name);
        p->ndim = ndim;
        memcpy(p->shape, shape, sizeof shape);
        p->data = data;
        p->buffer = buffer;
    }
    b->count++;
    return data;
}

void *pp_builder_struct(pp_model_builder *b, size_t bytes)
{
    static max_align_t failed_scratch[64]; /* never read: the build fails */
    size_t rounded = (bytes + 15) & ~(size_t)15;
    if (b->assign) {
        char *base = (char *)b->m->layer_memory;
        void *p = base + b->struct_bytes;
        b->struct_bytes += rounded;
        return p;
    }
    b->struct_bytes += rounded;
    if (b->scratch_count == b->scratch_cap) {
        int cap = b->scratch_cap ? 2 * b->scratch_cap : 64;
        void **bigger = realloc(b->scratch, (size_t)cap * sizeof *bigger);
        if (!bigger) {
            b->failed = true;
            return failed_scratch;
        }
        b->scratch = bigger;
        b->scratch_cap = cap;
    }
    void *p = calloc(1, rounded ? rounded : 1);
    if (!p) {
        b->failed = true;
        return failed_scratch;
    }
    b->scratch[b->scratch_count++] = p;
    return p;
}

void pp_builder_conv(pp_model_builder *b, pp_conv_layer *c, const char *prefix, int cin, int cout, int k,
                     int stride, int pad, bool bias)
{
    pp_builder_grouped_conv(b, c, prefix, cin, cout, k, stride, pad, 1, bias);
}

void pp_builder_grouped_conv(pp_model_builder *b, pp_conv_layer *c, const char *prefix, int cin, int cout, int k,
                             int stride, int pad, int groups, bool bias)
{
    char name[96];
    c->shape = (pp_conv_shape){.cin = cin, .cout = cout, .kh = k, .kw = k, .stride = stride, .pad = pad,
                               .groups = groups};
    snprintf(name, sizeof name, "%s.weight", prefix);
    c->weight = pp_builder_param(b, name, false, 4, cout, cin / pp_conv_groups(&c->shape), k, k);
    c->bias = NULL;
    if (bias) {
        snprintf(name, sizeof name, "%s.bias", prefix);
        c->bias = pp_builder_param(b, name, false, 1, cout, 0, 0, 0);
    }
    /* Winograd kernels cost 4x the weights; the widest layers (few tiles
     * anyway) keep the plain kernels only. */
    c->winograd = NULL;
    if (pp_winograd_supports(&c->shape) && (long)cin * cout <= 256L * 256L)
        c->winograd = pp_builder_derived(b, pp_winograd_weight_floats(&c->shape));
}

void pp_builder_bn(pp_model_builder *b, pp_bn_layer *bn, const char *prefix, int channels)
{
    char name[96];
    bn->channels = channels;
    snprintf(name, sizeof name, "%s.weight", prefix);
    bn->gamma = pp_builder_param(b, name, false, 1, channels, 0, 0, 0);
    snprintf(name, sizeof name, "%s.bias", prefix);
    bn->beta = pp_builder_param(b, name, false, 1, channels, 0, 0, 0);
    snprintf(name, sizeof name, "%s.running_mean", prefix);
    bn->mean = pp_builder_param(b, name, true, 1, channels, 0, 0, 0);
    snprintf(name, sizeof name, "%s.running_var", prefix);
    bn->var = pp_builder_param(b, name, true, 1, channels, 0, 0, 0);
    bn->scale = pp_builder_derived(b, (size_t)channels);
    bn->shift = pp_builder_derived(b, (size_t)channels);
}

#include "pushpull_lab.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/snr.h"
#include "model.h"
#include "ops/conv2d.h"
#include "ops/pushpull.h"

void pp_lab_result_free(pp_lab_result *r)
{
    if (!r)
        return;
    free(r->kernel_push); /* one block: kernels, then every plane */
    memset(r, 0, sizeof *r);
}

static pp_status to_gray(float *dst, const pp_image *img, pp_error *err)
{
    pp_image g = {0};
    pp_status st = img->channels == 1 ? pp_image_copy(&g, img, err) : pp_image_convert(&g, img, 1, err);
    if (st != PP_OK)
        return st;
    size_t n = (size_t)g.width * g.height;
    for (size_t i = 0; i < n; i++)
        dst[i] = g.pixels[i] / 255.0f;
    pp_image_free(&g);
    return PP_OK;
}

pp_status pp_lab_run(pp_lab_result *r, const pp_lab_unit *u, const pp_image *clean, const pp_image *corrupted,
                     pp_error *err)
{
    memset(r, 0, sizeof *r);
    const pp_gabor *g = &u->gabor;
    if (g->size < 1 || g->size > PP_GABOR_MAX_SIZE || g->size % 2 == 0)
        return pp_fail(err, PP_ERR_ARG, "lab: the kernel size must be odd, 1 to %d (got %d)",
                       PP_GABOR_MAX_SIZE, g->size);
    if (u->avg != 0 && u->avg != 3 && u->avg != 5)
        return pp_fail(err, PP_ERR_ARG, "lab: the pull pooling must be 0, 3 or 5 (got %d)", u->avg);
    if (!(u->alpha >= 0))
        return pp_fail(err, PP_ERR_ARG, "lab: alpha must be >= 0");
    if (clean->width != corrupted->width || clean->height != corrupted->height)
        return pp_fail(err, PP_ERR_ARG, "lab: the clean (%dx%d) and corrupted (%dx%d) images differ in size",
                       clean->width, clean->height, corrupted->width, corrupted->height);
    const int w = clean->width, h = clean->height, size = g->size;
    const int margin = size / 2 + u->avg / 2, iw = w - 2 * margin, ih = h - 2 * margin;
    if (iw < 1 || ih < 1)
        return pp_fail(err, PP_ERR_ARG, "lab: a %dx%d image is too small for a %dx%d kernel", w, h, size, size);
    const size_t plane = (size_t)w * h, kk = (size_t)size * size, inner = (size_t)iw * ih;

    pp_pushpull_unit unit = {
        .shape = {.cin = 1, .cout = 1, .kh = size, .kw = size, .stride = 1, .pad = size / 2},
        .avg_kernel = u->avg,
    };
    float alpha = u->alpha;
    unit.alpha = &alpha;
    const int threads = u->threads > 0 ? u->threads : 1;
    const size_t ws_n = pp_conv2d_workspace_floats(&unit.shape, 2, h, w, threads);
    const size_t pool_n = pp_pushpull_scratch_floats(&unit, 2, h, w, threads);
    /* kernels (2 kk: W, P), stacked (2 kk), planes: 4 per input, then the
     * unit's buffers: input (2 planes), output (2), responses (4). */
    const size_t total = 4 * kk + 8 * plane + 8 * plane + ws_n + pool_n;
    float *block = malloc(total * sizeof(float));
    if (!block)
        return pp_fail(err, PP_ERR_NOMEM, "lab: out of memory for a %dx%d image", w, h);
    float *at = block;
    r->kernel_push = at, at += kk;
    r->kernel_pull = at, at += kk;
    float *stacked = at;
    at += 2 * kk;
    pp_lab_planes *sets[2] = {&r->clean, &r->corrupted};
    for (int i = 0; i < 2; i++) {
        sets[i]->input = at, at += plane;
        sets[i]->push = at, at += plane;
        sets[i]->pull = at, at += plane;
        sets[i]->out = at, at += plane;
    }
    float *in = at; /* (C=1, N=2, H, W) */
    at += 2 * plane;
    float *out = at; /* (K=1, N=2, H, W) */
    at += 2 * plane;
    float *responses = at; /* (2K, N, H, W): push rows, then pooled pull rows */
    at += 4 * plane;
    float *workspace = at;
    at += ws_n;
    float *pool_scratch = at;
    r->width = iw;
    r->height = ih;
    r->size = size;
    r->margin = margin;

    if (pp_gabor_kernel(r->kernel_push, g) != 0) {
        pp_lab_result_free(r);
        return pp_fail(err, PP_ERR_ARG, "lab: Gabor parameters out of range");
    }
    memcpy(stacked, r->kernel_push, kk * sizeof(float));
    pp_pushpull_pull_kernels(stacked + kk, r->kernel_push, 1, kk);
    memcpy(r->kernel_pull, stacked + kk, kk * sizeof(float));
    unit.weight = r->kernel_push;
    unit.stacked = stacked;

    pp_status st = to_gray(r->clean.input, clean, err);
    if (st == PP_OK)
        st = to_gray(r->corrupted.input, corrupted, err);
    if (st != PP_OK) {
        pp_lab_result_free(r);
        return st;
    }
    memcpy(in, r->clean.input, plane * sizeof(float));
    memcpy(in + plane, r->corrupted.input, plane * sizeof(float));
    pp_pushpull_forward(out, responses, pool_scratch, in, &unit, 2, h, w, workspace, threads);
    /* the interior of each plane: rows and columns margin .. size - margin - 1 */
    for (int i = 0; i < 2; i++) {
        const float *push = responses + i * plane, *pull = responses + 2 * plane + i * plane;
        const float *o = out + i * plane, *x = in + i * plane;
        for (int y = 0; y < ih; y++)
            for (int c = 0; c < iw; c++) {
                size_t from = (size_t)(y + margin) * w + (c + margin), to = (size_t)y * iw + c;
                sets[i]->push[to] = push[from] > 0 ? push[from] : 0;
                sets[i]->pull[to] = pull[from] > 0 ? pull[from] : 0;
                sets[i]->out[to] = o[from];
                sets[i]->input[to] = x[from];
            }
    }
    r->snr_push = pp_snr_db(r->clean.push, r->corrupted.push, 1, 1, inner, NULL);
    r->snr_pull = pp_snr_db(r->clean.pull, r->corrupted.pull, 1, 1, inner, NULL);
    r->snr_out = pp_snr_db(r->clean.out, r->corrupted.out, 1, 1, inner, NULL);
    r->pull_offset = r->kernel_pull[0] + r->kernel_push[0];
    return PP_OK;
}

#include "layout.h"

#include <string.h>

void pp_to_channel_major(float *dst, const float *src, int n, int c, int h, int w)
{
    const size_t plane = (size_t)h * w;
    for (int img = 0; img < n; img++)
        for (int ch = 0; ch < c; ch++)
            memcpy(dst + ((size_t)ch * n + img) * plane, src + ((size_t)img * c + ch) * plane, plane * sizeof(float));
}

void pp_from_channel_major(float *dst, const float *src, int n, int c, int h, int w)
{
    const size_t plane = (size_t)h * w;
    for (int img = 0; img < n; img++)
        for (int ch = 0; ch < c; ch++)
            memcpy(dst + ((size_t)img * c + ch) * plane, src + ((size_t)ch * n + img) * plane, plane * sizeof(float));
}

pp_status pp_tensor_from_channel_major(pp_tensor *t, const float *src, int n, int c, int h, int w, bool flat,
                                       pp_error *err)
{
    int64_t shape[4] = {n, c, h, w};
    pp_status st = pp_tensor_resize(t, flat ? 2 : 4, shape, err);
    if (st == PP_OK)
        pp_from_channel_major(t->data, src, n, c, flat ? 1 : h, flat ? 1 : w);
    return st;
}

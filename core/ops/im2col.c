#include "im2col.h"

#include <stdbool.h>
#include <string.h>

/* Output columns t < run of one row read input x = x0 + t * stride; those in
 * [first, last) fall inside [0, w), the rest on the zero padding. Splitting the
 * margins off keeps the inner loops free of tests. */
static inline void inside_span(int x0, int stride, int run, int w, int *first, int *last)
{
    int f = x0 >= 0 ? 0 : (-x0 + stride - 1) / stride;
    int l = x0 + (run - 1) * stride < w ? run : x0 >= w ? 0 : (w - 1 - x0) / stride + 1;
    if (f > run)
        f = run;
    *first = f;
    *last = l < f ? f : l;
}

typedef struct {
    const pp_conv_shape *s;
    int n, h, w, ho, wo;
} geometry;

/* Walks columns [p0, p1) of one matrix row (tap i, j) in runs that share an
 * output row; BODY sees `at` (column offset in the chunk), `row` (offset of the
 * input row in the channel, -1 on padding rows), `x0` (input x of the run's
 * first column) and `run`; BODY is the variadic tail (it may hold commas). */
#define FOR_EACH_RUN(g, p0, p1, i, j, ...)                                                      \
    do {                                                                                        \
        const size_t out_plane_ = (size_t)(g)->ho * (g)->wo, plane_ = (size_t)(g)->h * (g)->w;  \
        size_t p_ = (p0);                                                                       \
        size_t img_ = p_ / out_plane_, rem_ = p_ % out_plane_;                                  \
        int oy_ = (int)(rem_ / (g)->wo), ox_ = (int)(rem_ % (g)->wo);                           \
        while (p_ < (p1)) {                                                                     \
            int run = (g)->wo - ox_;                                                            \
            if ((size_t)run > (p1) - p_)                                                        \
                run = (int)((p1) - p_);                                                         \
            int iy_ = oy_ * (g)->s->stride - (g)->s->pad + (i);                                 \
            size_t at = p_ - (p0);                                                              \
            long row = iy_ >= 0 && iy_ < (g)->h ? (long)(img_ * plane_ + (size_t)iy_ * (g)->w) : -1; \
            int x0 = ox_ * (g)->s->stride - (g)->s->pad + (j);                                  \
            __VA_ARGS__;                                                                             \
            p_ += (size_t)run;                                                                  \
            ox_ = 0;                                                                            \
            if (++oy_ == (g)->ho) {                                                             \
                oy_ = 0;                                                                        \
                img_++;                                                                         \
            }                                                                                   \
        }                                                                                       \
    } while (0)

void pp_im2col(float *col, const float *in, const pp_conv_shape *s, int n, int h, int w, size_t p0, size_t p1,
               int r0, int r1)
{
    const geometry g = {s, n, h, w, pp_conv_out_size(h, s->kh, s->stride, s->pad),
                        pp_conv_out_size(w, s->kw, s->stride, s->pad)};
    const size_t plane = (size_t)h * w, width = p1 - p0;
    const int stride = s->stride;
    for (int r = r0; r < r1; r++) {
        const int c = r / (s->kh * s->kw), i = (r / s->kw) % s->kh, j = r % s->kw;
        float *dst_row = col + (size_t)r * width;
        const float *src_c = in + (size_t)c * n * plane;
        FOR_EACH_RUN(&g, p0, p1, i, j, {
            float *dst = dst_row + at;
            if (row < 0) {
                memset(dst, 0, sizeof(float) * (size_t)run);
            } else {
                int first, last;
                inside_span(x0, stride, run, w, &first, &last);
                const float *src = src_c + row;
                for (int t = 0; t < first; t++)
                    dst[t] = 0.0f;
                if (stride == 1) /* runs are often short (an image row): a loop, not a memcpy call */
                    for (int t = first; t < last; t++)
                        dst[t] = src[x0 + t];
                else if (stride == 2)
                    for (int t = first; t < last; t++)
                        dst[t] = src[x0 + 2 * t];
                else
                    for (int t = first; t < last; t++)
                        dst[t] = src[x0 + t * stride];
                for (int t = last; t < run; t++)
                    dst[t] = 0.0f;
            }
        });
    }
}

void pp_col2im_add(float *dx, const float *col, const pp_conv_shape *s, int n, int h, int w, size_t p0, size_t p1)
{
    const geometry g = {s, n, h, w, pp_conv_out_size(h, s->kh, s->stride, s->pad),
                        pp_conv_out_size(w, s->kw, s->stride, s->pad)};
    const size_t plane = (size_t)h * w, width = p1 - p0;
    const int depth = s->cin * s->kh * s->kw, stride = s->stride;
    for (int r = 0; r < depth; r++) {
        const int c = r / (s->kh * s->kw), i = (r / s->kw) % s->kh, j = r % s->kw;
        const float *src_row = col + (size_t)r * width;
        float *dst_c = dx + (size_t)c * n * plane;
        FOR_EACH_RUN(&g, p0, p1, i, j, {
            if (row >= 0) {
                int first, last;
                inside_span(x0, stride, run, w, &first, &last);
                const float *restrict g_ = src_row + at;
                float *restrict d = dst_c + row;
                if (stride == 1)
                    for (int t = first; t < last; t++)
                        d[x0 + t] += g_[t];
                else
                    for (int t = first; t < last; t++)
                        d[x0 + t * stride] += g_[t];
            }
        });
    }
}

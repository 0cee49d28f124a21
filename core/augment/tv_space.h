/* An op of a torchvision augmentation space: its magnitude bins (none for
 * AutoContrast, Equalize, Invert, Identity) and whether the sign is drawn. */
#ifndef PP_TV_SPACE_H
#define PP_TV_SPACE_H

#include <stdbool.h>

#include "tv_ops.h"

#define PP_TV_MAX_BINS 31

typedef struct {
    pp_tv_op op;
    int bins; /* 0: no magnitude */
    bool is_signed;
    float magnitudes[PP_TV_MAX_BINS];
} pp_tv_space_op;

/* Fills op with linspace(start, end, bins) magnitudes. */
void pp_tv_space_linear(pp_tv_space_op *op, pp_tv_op kind, float start, float end, int bins, bool is_signed);
/* top - round(arange(bins) / ((bins - 1) / divisions)), the posterize bits */
void pp_tv_space_posterize(pp_tv_space_op *op, int top, double divisions, int bins);
void pp_tv_space_plain(pp_tv_space_op *op, pp_tv_op kind);

#endif

#include "model_input.h"

pp_status pp_model_input(const pp_preprocess *pre, const pp_image *img, const pp_corruption *c,
                         const pp_corruption_request *req, pp_image *shown, pp_tensor *batch, int index,
                         pp_error *err)
{
    pp_image sized = {0};
    *shown = (pp_image){0};
    pp_status st = pp_preprocess_geometry(pre, img, &sized, err);
    if (st == PP_OK && c)
        st = pp_corruption_apply(c, req, &sized, shown, err);
    if (st == PP_OK && !c) {
        *shown = sized;
        sized = (pp_image){0};
    }
    pp_image_free(&sized);
    if (st == PP_OK && batch)
        pp_preprocess_normalize(pre, shown, batch, index);
    if (st != PP_OK)
        pp_image_free(shown);
    return st;
}

/* The list of perturbations: the 10 ImageNet-P test ones in make_imagenet_p.py's order,
 * the 4 validation ones, then the repeatability set. Adding one = one p_<name>.c, one
 * extern and one entry here, one line in meson.build. */
#include <string.h>

#include "perturbation.h"

extern const pp_perturbation pp_perturbation_gaussian_noise, pp_perturbation_shot_noise,
    pp_perturbation_motion_blur, pp_perturbation_zoom_blur, pp_perturbation_snow, pp_perturbation_brightness,
    pp_perturbation_translate, pp_perturbation_rotate, pp_perturbation_tilt, pp_perturbation_scale,
    pp_perturbation_speckle_noise, pp_perturbation_gaussian_blur, pp_perturbation_spatter, pp_perturbation_shear,
    pp_perturbation_jpeg_resave, pp_perturbation_pixel_shift, pp_perturbation_brightness_1pct,
    pp_perturbation_sensor_noise;

static const pp_perturbation *const registry[] = {
    &pp_perturbation_gaussian_noise,
    &pp_perturbation_shot_noise,
    &pp_perturbation_motion_blur,
    &pp_perturbation_zoom_blur,
    &pp_perturbation_snow,
    &pp_perturbation_brightness,
    &pp_perturbation_translate,
    &pp_perturbation_rotate,
    &pp_perturbation_tilt,
    &pp_perturbation_scale,
    /* validation */
    &pp_perturbation_speckle_noise,
    &pp_perturbation_gaussian_blur,
    &pp_perturbation_spatter,
    &pp_perturbation_shear,
    /* repeatability */
    &pp_perturbation_jpeg_resave,
    &pp_perturbation_pixel_shift,
    &pp_perturbation_brightness_1pct,
    &pp_perturbation_sensor_noise,
};

size_t pp_perturbation_count(void)
{
    return sizeof registry / sizeof registry[0];
}

const pp_perturbation *pp_perturbation_at(size_t i)
{
    return i < pp_perturbation_count() ? registry[i] : NULL;
}

const pp_perturbation *pp_perturbation_find(const char *name)
{
    for (size_t i = 0; name && i < pp_perturbation_count(); i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

/* The list of corruptions: the 15 benchmark ones in ImageNet-C order, then the extras.
 * Adding a corruption = one c_<name>.c file, one extern and one entry here, one line in
 * meson.build. */
#include <string.h>

#include "corruption.h"

extern const pp_corruption pp_corruption_gaussian_noise, pp_corruption_shot_noise,
    pp_corruption_impulse_noise, pp_corruption_defocus_blur, pp_corruption_glass_blur,
    pp_corruption_motion_blur, pp_corruption_zoom_blur, pp_corruption_snow, pp_corruption_frost,
    pp_corruption_fog, pp_corruption_brightness, pp_corruption_contrast,
    pp_corruption_elastic_transform, pp_corruption_pixelate, pp_corruption_jpeg_compression,
    pp_corruption_speckle_noise, pp_corruption_gaussian_blur, pp_corruption_spatter,
    pp_corruption_saturate;

static const pp_corruption *const registry[] = {
    &pp_corruption_gaussian_noise,
    &pp_corruption_shot_noise,
    &pp_corruption_impulse_noise,
    &pp_corruption_defocus_blur,
    &pp_corruption_glass_blur,
    &pp_corruption_motion_blur,
    &pp_corruption_zoom_blur,
    &pp_corruption_snow,
    &pp_corruption_frost,
    &pp_corruption_fog,
    &pp_corruption_brightness,
    &pp_corruption_contrast,
    &pp_corruption_elastic_transform,
    &pp_corruption_pixelate,
    &pp_corruption_jpeg_compression,
    /* extras (the "validation" corruptions) */
    &pp_corruption_speckle_noise,
    &pp_corruption_gaussian_blur,
    &pp_corruption_spatter,
    &pp_corruption_saturate,
};

size_t pp_corruption_count(void)
{
    return sizeof registry / sizeof registry[0];
}

const pp_corruption *pp_corruption_at(size_t i)
{
    return i < pp_corruption_count() ? registry[i] : NULL;
}

const pp_corruption *pp_corruption_find(const char *name)
{
    for (size_t i = 0; name && i < pp_corruption_count(); i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

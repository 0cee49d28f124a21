/* The list of augmentations. Adding one = one aug_<name>.c file, one extern and
 * one entry here, one line in meson.build. */
#include <string.h>

#include "augmentation.h"

extern const pp_augmentation pp_augment_augmix, pp_augment_augmix_tv, pp_augment_trivialaugment,
    pp_augment_autoaugment, pp_augment_prime, pp_augment_gaussian;

static const pp_augmentation *const registry[] = {
    &pp_augment_augmix,      &pp_augment_augmix_tv, &pp_augment_trivialaugment,
    &pp_augment_autoaugment, &pp_augment_prime,     &pp_augment_gaussian,
};

size_t pp_augmentation_count(void)
{
    return sizeof registry / sizeof registry[0];
}

const pp_augmentation *pp_augmentation_at(size_t i)
{
    return i < pp_augmentation_count() ? registry[i] : NULL;
}

const pp_augmentation *pp_augmentation_find(const char *name)
{
    for (size_t i = 0; i < pp_augmentation_count(); i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

#include "classes.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

static const char *const cifar10[10] = {"airplane", "automobile", "bird", "cat", "deer",
                                        "dog", "frog", "horse", "ship", "truck"};

static const char *const fashion_mnist[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                              "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

/* torchvision's order (scripts/make_imagenet_classes.py -> assets/classes/imagenet-1k.txt) */
static const char *const imagenet1k[1000] = {
#include "imagenet_classes.inc"
};

static const char *const mnist[10] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};

const char *const *pp_known_class_names(const char *dataset, int num_classes, int in_channels)
{
    if (num_classes == 1000 && (!dataset || !*dataset || strstr(dataset, "imagenet")))
        return imagenet1k;
    if (num_classes != 10)
        return NULL;
    if (dataset && *dataset) {
        if (strstr(dataset, "fashion"))
            return fashion_mnist;
        if (strstr(dataset, "cifar10") || strcmp(dataset, "cifar") == 0)
            return cifar10;
        if (strstr(dataset, "mnist"))
            return mnist;
    }
    return in_channels == 1 ? fashion_mnist : cifar10;
}

/* Lower case, '_' and '-' as spaces: "Ankle_boot" and "ankle boot" match. */
static int fold(int c)
{
    if (c == '_' || c == '-')
        return ' ';
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

bool pp_class_name_matches(const char *name, const char *label)
{
    if (!name || !label)
        return false;
    while (*name && *label && fold((unsigned char)*name) == fold((unsigned char)*label)) {
        name++;
        label++;
    }
    return !*name && !*label;
}

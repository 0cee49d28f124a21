/* Class names of the data sets the app knows by heart. */
#ifndef PP_CLASSES_H
#define PP_CLASSES_H

#include <stdbool.h>

/* The names for a data set ("cifar10", "fashion_mnist", ...), or when the data
 * set is unknown, a guess by class count and input channels (10 classes: gray
 * -> Fashion-MNIST, colour -> CIFAR-10). NULL when nothing fits. */
const char *const *pp_known_class_names(const char *dataset, int num_classes, int in_channels);
/* 1000 classes with no other data set named: ImageNet-1k, in torchvision's
 * order (assets/classes/imagenet-1k.txt). */

/* A label such as a class-folder or file name part against a class name:
 * case, '_' and '-' versus ' ' do not matter ("ankle_boot" = "Ankle boot"). */
bool pp_class_name_matches(const char *name, const char *label);

#endif

/* Class names of the data sets the app knows by heart. */
#ifndef PP_CLASSES_H
#define PP_CLASSES_H

/* The names for a data set ("cifar10", "fashion_mnist", ...), or when the data
 * set is unknown, a guess by class count and input channels (10 classes: gray
 * -> Fashion-MNIST, colour -> CIFAR-10). NULL when nothing fits. */
const char *const *pp_known_class_names(const char *dataset, int num_classes, int in_channels);

#endif

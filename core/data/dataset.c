#include "dataset.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "../ckpt/npy.h"
#include "../file_buffer.h"
#include "../tensor.h"
#include "cifar.h"
#include "idx.h"

static const char *const cifar10_names[10] = {"airplane", "automobile", "bird", "cat", "deer",
                                              "dog", "frog", "horse", "ship", "truck"};
static const char *const fashion_names[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                              "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

void pp_dataset_free(pp_dataset *ds)
{
    if (!ds)
        return;
    free(ds->pixels);
    if (ds->paths)
        for (int64_t i = 0; i < ds->count; i++)
            free(ds->paths[i]);
    free(ds->paths);
    free(ds->labels);
    if (ds->class_names)
        for (int i = 0; i < ds->num_classes; i++)
            free(ds->class_names[i]);
    free(ds->class_names);
    memset(ds, 0, sizeof *ds);
}

static pp_status set_class_names(pp_dataset *ds, const char *const *names, pp_error *err)
{
    ds->class_names = calloc((size_t)ds->num_classes, sizeof *ds->class_names);
    if (!ds->class_names)
        return pp_fail(err, PP_ERR_NOMEM, "out of memory");
    for (int i = 0; i < ds->num_classes; i++)
        if (!(ds->class_names[i] = strdup(names[i])))
            return pp_fail(err, PP_ERR_NOMEM, "out of memory");
    return PP_OK;
}

static bool is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static bool is_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static pp_status open_fashion_mnist(pp_dataset *ds, bool train, pp_error *err)
{
    const char *dir = getenv("PP_FASHION_MNIST_DIR") ? getenv("PP_FASHION_MNIST_DIR") : PP_FASHION_MNIST_DIR;
    char images[512], labels[512];
    snprintf(images, sizeof images, "%s/%s-images-idx3-ubyte.gz", dir, train ? "train" : "t10k");
    snprintf(labels, sizeof labels, "%s/%s-labels-idx1-ubyte.gz", dir, train ? "train" : "t10k");
    if (!is_file(images))
        return pp_fail(err, PP_ERR_IO, "%s: not found (install Debian's dataset-fashion-mnist package)", images);
    pp_status st = pp_dataset_open_idx(ds, images, labels, 10, err);
    if (st != PP_OK)
        return st;
    snprintf(ds->name, sizeof ds->name, "fashion-mnist:%s", train ? "train" : "test");
    return set_class_names(ds, fashion_names, err);
}

pp_status pp_dataset_open_idx(pp_dataset *ds, const char *images, const char *labels, int num_classes,
                              pp_error *err)
{
    memset(ds, 0, sizeof *ds);
    pp_idx_images im;
    pp_idx_labels lab;
    pp_status st = pp_idx_load_pair(images, labels, num_classes, &im, &lab, err);
    if (st != PP_OK)
        return st;
    snprintf(ds->name, sizeof ds->name, "%s", images);
    ds->count = im.count;
    ds->num_classes = num_classes;
    ds->height = im.height;
    ds->width = im.width;
    ds->channels = 1;
    ds->pixels = im.pixels;
    ds->labels = lab.labels;
    return PP_OK;
}

static pp_status append_cifar_batch(pp_dataset *ds, const char *path, pp_error *err)
{
    pp_file_map map;
    pp_status st = pp_file_map_open(&map, path, err);
    if (st != PP_OK)
        return st;
    st = pp_cifar_append(ds, map.data, map.size, path, err);
    pp_file_map_close(&map);
    return st;
}

static pp_status open_cifar10(pp_dataset *ds, const char *dir, bool train, pp_error *err)
{
    char path[1024];
    ds->height = ds->width = 32;
    ds->channels = 3;
    ds->num_classes = 10;
    snprintf(ds->name, sizeof ds->name, "cifar10:%s", train ? "train" : "test");
    for (int b = train ? 1 : 0; b <= (train ? 5 : 0); b++) {
        if (train)
            snprintf(path, sizeof path, "%s/data_batch_%d.bin", dir, b);
        else
            snprintf(path, sizeof path, "%s/test_batch.bin", dir);
        pp_status st = append_cifar_batch(ds, path, err);
        if (st != PP_OK)
            return st;
    }
    return set_class_names(ds, cifar10_names, err);
}

/* images.npy uint8 (N,H,W[,C]) + labels int (N or a multiple of N). */
static pp_status from_npy_arrays(pp_dataset *ds, pp_npy *images, pp_npy *labels, int64_t label_offset,
                                 bool exact_count, const char *images_path, const char *labels_path, pp_error *err)
{
    if (images->dtype != PP_NPY_U8 || (images->ndim != 3 && images->ndim != 4))
        return pp_fail(err, PP_ERR_FORMAT, "%s: expected uint8 images (N, H, W) or (N, H, W, C)", images_path);
    int channels = images->ndim == 4 ? (int)images->shape[3] : 1;
    if (channels != 1 && channels != 3)
        return pp_fail(err, PP_ERR_FORMAT, "%s: %d channels (1 or 3 supported)", images_path, channels);
    if (labels->ndim != 1 || labels->dtype == PP_NPY_F32)
        return pp_fail(err, PP_ERR_FORMAT, "%s: expected a 1-D integer label array", labels_path);
    int64_t n = images->shape[0];
    if (labels->shape[0] < label_offset + n || (exact_count && labels->shape[0] != n))
        return pp_fail(err, PP_ERR_FORMAT, "%s: %lld labels for %lld images", labels_path,
                       (long long)labels->shape[0], (long long)(label_offset + n));
    ds->labels = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
    if (!ds->labels)
        return pp_fail(err, PP_ERR_NOMEM, "out of memory");
    int64_t max_label = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t v = labels->dtype == PP_NPY_U8 ? ((uint8_t *)labels->data)[label_offset + i]
                                               : ((int64_t *)labels->data)[label_offset + i];
        if (v < 0 || v >= 100000)
            return pp_fail(err, PP_ERR_FORMAT, "%s: label %lld at %lld is out of range", labels_path, (long long)v,
                           (long long)(label_offset + i));
        ds->labels[i] = v;
        max_label = v > max_label ? v : max_label;
    }
    ds->count = n;
    ds->height = (int)images->shape[1];
    ds->width = (int)images->shape[2];
    ds->channels = channels;
    ds->num_classes = (int)max_label + 1;
    ds->pixels = images->data; /* take ownership */
    images->data = NULL;
    if (ds->num_classes <= 10)
        ds->num_classes = 10; /* the small sets this layout holds have 10 classes */
    return PP_OK;
}

static void labels_path_beside(char *out, size_t len, const char *images_path)
{
    const char *slash = strrchr(images_path, '/');
    int dir = slash ? (int)(slash - images_path + 1) : 0;
    snprintf(out, len, "%.*slabels.npy", dir, images_path);
}

static pp_status open_npy(pp_dataset *ds, const char *path, pp_error *err)
{
    char labels_path[1024];
    labels_path_beside(labels_path, sizeof labels_path, path);
    return pp_dataset_open_npy(ds, path, labels_path, err);
}

pp_status pp_dataset_open_npy(pp_dataset *ds, const char *path, const char *labels_path, pp_error *err)
{
    memset(ds, 0, sizeof *ds);
    pp_npy images, labels;
    pp_status st = pp_npy_load(path, &images, err);
    if (st != PP_OK)
        return st;
    if ((st = pp_npy_load(labels_path, &labels, err)) != PP_OK) {
        pp_npy_free(&images);
        return st;
    }
    st = from_npy_arrays(ds, &images, &labels, 0, true, path, labels_path, err);
    snprintf(ds->name, sizeof ds->name, "%s", path);
    pp_npy_free(&images);
    pp_npy_free(&labels);
    if (st != PP_OK)
        pp_dataset_free(ds);
    return st;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_image_extension(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (!strcasecmp(dot, ".png") || !strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"));
}

/* Sorted entries of a directory (names only); directories or image files. */
/* NULL with *count 0 when dir cannot be opened, -1 when out of memory. */
static char **list_dir(const char *dir, bool want_dirs, int *count)
{
    DIR *d = opendir(dir);
    *count = 0;
    if (!d)
        return NULL;
    bool oom = false;
    char **names = NULL;
    int cap = 0;
    char path[2048];
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path)
            continue; /* a path this long is not one of ours */
        if (want_dirs ? !is_dir(path) : !(is_file(path) && has_image_extension(e->d_name)))
            continue;
        if (*count == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = realloc(names, sizeof *names * (size_t)cap);
            if (!grown) {
                oom = true;
                break;
            }
            names = grown;
        }
        if (!(names[*count] = strdup(e->d_name))) {
            oom = true;
            break;
        }
        (*count)++;
    }
    closedir(d);
    if (oom) {
        for (int i = 0; i < *count; i++)
            free(names[i]);
        free(names);
        *count = -1;
        return NULL;
    }
    if (names)
        qsort(names, (size_t)*count, sizeof *names, compare_strings);
    return names;
}

/* A class folder's label: its class name's place in the canonical list, else
 * the folder's name as a class number 0..count-1; -1 when it is neither. */
static int class_label(const pp_dataset *classes, const char *folder)
{
    for (int c = 0; classes->class_names && c < classes->num_classes; c++)
        if (strcmp(classes->class_names[c], folder) == 0)
            return c;
    char *end;
    long v = strtol(folder, &end, 10);
    return *end || end == folder || v < 0 || v >= classes->num_classes ? -1 : (int)v;
}

static void note(pp_dataset *ds, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(pp_dataset *ds, const char *fmt, ...)
{
    size_t used = strlen(ds->notes);
    va_list ap;
    va_start(ap, fmt);
    if (used + 1 < sizeof ds->notes)
        vsnprintf(ds->notes + used, sizeof ds->notes - used, fmt, ap);
    va_end(ap);
}

static void free_names(char **names, int n)
{
    for (int i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

/* Labels for the sorted class folders of dir: their positions (ImageFolder),
 * or with `classes` their places in its class list, so that a missing folder
 * shifts no label; missing folders are noted. */
static pp_status folder_labels(pp_dataset *ds, const char *dir, char *const *folders, int n,
                               const pp_dataset *classes, int *labels, pp_error *err)
{
    if (!classes) {
        for (int f = 0; f < n; f++)
            labels[f] = f;
        ds->num_classes = n;
        return set_class_names(ds, (const char *const *)folders, err);
    }
    for (int f = 0; f < n; f++) {
        labels[f] = class_label(classes, folders[f]);
        if (labels[f] < 0)
            return pp_fail(err, PP_ERR_FORMAT,
                           "%s: class folder '%s' is neither one of the %d class names of %s nor a class number 0..%d",
                           dir, folders[f], classes->num_classes, classes->name, classes->num_classes - 1);
    }
    ds->num_classes = classes->num_classes;
    bool *present = calloc((size_t)classes->num_classes, sizeof *present);
    if (!present)
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory", dir);
    for (int f = 0; f < n; f++)
        present[labels[f]] = true;
    int missing = 0, first = -1;
    for (int c = 0; c < classes->num_classes; c++)
        if (!present[c] && missing++ == 0)
            first = c;
    free(present);
    if (missing) {
        char number[16];
        snprintf(number, sizeof number, "%d", first);
        note(ds, "%s: %d of %d class folders are missing (the first: %s); those classes are not evaluated\n",
             dir, missing, classes->num_classes, classes->class_names ? classes->class_names[first] : number);
    }
    return classes->class_names ? set_class_names(ds, (const char *const *)classes->class_names, err) : PP_OK;
}

static pp_status add_image(pp_dataset *ds, int64_t *cap, const char *folder, const char *file, int label,
                           pp_error *err)
{
    if (ds->count == *cap) {
        int64_t grown = *cap ? *cap * 2 : 1024;
        char **p = realloc(ds->paths, sizeof *p * (size_t)grown);
        if (p)
            ds->paths = p;
        int64_t *l = p ? realloc(ds->labels, sizeof *l * (size_t)grown) : NULL;
        if (l)
            ds->labels = l;
        if (!p || !l)
            return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory listing images", folder);
        *cap = grown;
    }
    size_t len = strlen(folder) + strlen(file) + 2;
    if (!(ds->paths[ds->count] = malloc(len)))
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory listing images", folder);
    snprintf(ds->paths[ds->count], len, "%s/%s", folder, file);
    ds->labels[ds->count++] = label;
    return PP_OK;
}

static pp_status open_folder(pp_dataset *ds, const char *dir, const pp_dataset *classes, pp_error *err)
{
    int n_folders;
    char **folders = list_dir(dir, true, &n_folders);
    if (n_folders < 0)
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory listing class folders", dir);
    if (n_folders == 0) {
        free(folders);
        return pp_fail(err, PP_ERR_FORMAT, "%s: no class subfolders (expected DIR/<class>/<image>)", dir);
    }
    snprintf(ds->name, sizeof ds->name, "%s", dir);
    int *labels = malloc(sizeof *labels * (size_t)n_folders);
    pp_status st = labels ? folder_labels(ds, dir, folders, n_folders, classes, labels, err)
                          : pp_fail(err, PP_ERR_NOMEM, "%s: out of memory listing class folders", dir);
    int64_t cap = 0;
    char path[2048];
    for (int c = 0; c < n_folders && st == PP_OK; c++) {
        snprintf(path, sizeof path, "%s/%s", dir, folders[c]);
        int files;
        char **images = list_dir(path, false, &files);
        if (files < 0)
            st = pp_fail(err, PP_ERR_NOMEM, "%s: out of memory listing images", path);
        for (int f = 0; f < files && st == PP_OK; f++)
            st = add_image(ds, &cap, path, images[f], labels[c], err);
        free_names(images, files);
    }
    free(labels);
    free_names(folders, n_folders);
    if (st == PP_OK && ds->count == 0)
        st = pp_fail(err, PP_ERR_FORMAT, "%s: class folders hold no PNG or JPEG images", dir);
    return st;
}

/* "NAME:split" picks train or test; anything else is an error, never a default. */
static pp_status parse_split(const char *spec, const char *split, bool *train, pp_error *err)
{
    if (strcmp(split, "train") == 0 || strcmp(split, "test") == 0) {
        *train = split[1] == 'r';
        return PP_OK;
    }
    return pp_fail(err, PP_ERR_ARG, "%s: unknown split '%s' (valid: train, test)", spec, split);
}

pp_status pp_dataset_open(pp_dataset *ds, const char *spec, bool train, pp_error *err)
{
    memset(ds, 0, sizeof *ds);
    pp_status st;
    if (strncmp(spec, "fashion-mnist", 13) == 0 && (spec[13] == '\0' || spec[13] == ':')) {
        st = spec[13] == ':' ? parse_split(spec, spec + 14, &train, err) : PP_OK;
        if (st == PP_OK)
            st = open_fashion_mnist(ds, train, err);
    } else if (is_dir(spec)) {
        char probe[1024];
        snprintf(probe, sizeof probe, "%s/%s", spec, train ? "data_batch_1.bin" : "test_batch.bin");
        st = is_file(probe) ? open_cifar10(ds, spec, train, err) : open_folder(ds, spec, NULL, err);
    } else if (is_file(spec)) {
        size_t len = strlen(spec);
        st = len > 4 && strcmp(spec + len - 4, ".npy") == 0
                 ? open_npy(ds, spec, err)
                 : pp_fail(err, PP_ERR_FORMAT, "%s: not a data set (a .npy file, a folder, or fashion-mnist)", spec);
    } else {
        st = pp_fail(err, PP_ERR_IO, "%s: no such data set (a .npy file, a folder, or fashion-mnist[:train|:test])",
                     spec);
    }
    if (st != PP_OK)
        pp_dataset_free(ds);
    return st;
}

pp_status pp_dataset_open_corrupted(pp_dataset *ds, const char *dir, const char *corruption, int severity,
                                    const pp_dataset *classes, pp_error *err)
{
    memset(ds, 0, sizeof *ds);
    if (severity < 1 || severity > 5)
        return pp_fail(err, PP_ERR_ARG, "severity %d (1 to 5)", severity);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.npy", dir, corruption);
    pp_status st;
    if (is_file(path)) {
        /* Read the header to learn N, then just this severity's rows. */
        pp_npy probe, images, labels;
        int64_t total;
        if ((st = pp_npy_load_rows(path, 0, 0, &total, &probe, err)) != PP_OK)
            return st;
        pp_npy_free(&probe);
        if (total % 5 != 0)
            return pp_fail(err, PP_ERR_FORMAT, "%s: %lld images is not 5 stacked severities", path, (long long)total);
        int64_t n = total / 5;
        if ((st = pp_npy_load_rows(path, (severity - 1) * n, n, NULL, &images, err)) != PP_OK)
            return st;
        char labels_path[1024];
        labels_path_beside(labels_path, sizeof labels_path, path);
        if ((st = pp_npy_load(labels_path, &labels, err)) != PP_OK) {
            pp_npy_free(&images);
            return st;
        }
        /* labels.npy holds N labels, or 5N (one per stacked image) as CIFAR-10-C does. */
        int64_t offset = labels.ndim == 1 && labels.shape[0] == total ? (severity - 1) * n : 0;
        st = from_npy_arrays(ds, &images, &labels, offset, false, path, labels_path, err);
        pp_npy_free(&images);
        pp_npy_free(&labels);
    } else {
        snprintf(path, sizeof path, "%s/%s/%d", dir, corruption, severity);
        st = is_dir(path) ? open_folder(ds, path, classes, err)
                          : pp_fail(err, PP_ERR_IO, "%s: no %s.npy nor %s/%d/ for this corruption", dir, corruption,
                                    corruption, severity);
    }
    if (st == PP_OK)
        snprintf(ds->name, sizeof ds->name, "%s:%s:%d", dir, corruption, severity);
    else
        pp_dataset_free(ds);
    return st;
}

void pp_dataset_limit(pp_dataset *ds, int64_t n)
{
    if (n <= 0 || n >= ds->count)
        return;
    if (ds->paths)
        for (int64_t i = n; i < ds->count; i++)
            free(ds->paths[i]);
    ds->count = n;
}

pp_status pp_dataset_image(const pp_dataset *ds, int64_t i, pp_image *out, pp_error *err)
{
    if (i < 0 || i >= ds->count)
        return pp_fail(err, PP_ERR_ARG, "%s: sample %lld out of range", ds->name, (long long)i);
    if (ds->paths)
        return pp_image_load(ds->paths[i], out, err);
    pp_status st = pp_image_alloc(out, ds->width, ds->height, ds->channels, err);
    if (st == PP_OK) {
        size_t bytes = (size_t)ds->width * ds->height * ds->channels;
        memcpy(out->pixels, ds->pixels + (size_t)i * bytes, bytes);
    }
    return st;
}

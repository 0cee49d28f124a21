#include "model_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt/checkpoint.h"
#include "ckpt/safetensors.h"
#include "file_buffer.h"

/* Reads up to `count` non-empty lines; false if the file is absent, not a
 * regular file or has a different number of lines. */
static bool read_labels(const char *path, int count, char ***out)
{
    int fd;
    size_t size;
    if (pp_file_open_regular(path, &fd, &size, NULL) != PP_OK)
        return false;
    FILE *fp = fdopen(fd, "r");
    if (!fp) {
        close(fd);
        return false;
    }
    char **names = calloc((size_t)count, sizeof *names);
    char line[256];
    int n = 0;
    bool ok = names != NULL;
    while (ok && fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0])
            continue;
        if (n == count) {
            ok = false;
            break;
        }
        names[n] = strdup(line);
        ok = names[n++] != NULL;
    }
    fclose(fp);
    if (!ok || n != count) {
        for (int i = 0; names && i < n; i++)
            free(names[i]);
        free(names);
        return false;
    }
    *out = names;
    return true;
}

static void load_labels_beside(pp_model *m, const char *path)
{
    size_t len = strlen(path);
    char *candidate = malloc(len + 32);
    if (!candidate)
        return;
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    size_t stem = (dot && (!slash || dot > slash)) ? (size_t)(dot - path) : len;
    snprintf(candidate, len + 32, "%.*s.labels.txt", (int)stem, path);
    char **names = NULL;
    bool found = read_labels(candidate, m->arch.num_classes, &names);
    if (!found) {
        size_t dir = slash ? (size_t)(slash - path + 1) : 0;
        snprintf(candidate, len + 32, "%.*slabels.txt", (int)dir, path);
        found = read_labels(candidate, m->arch.num_classes, &names);
    }
    free(candidate);
    if (found) {
        pp_model_set_class_names(m, (const char *const *)names, m->arch.num_classes, NULL);
        for (int i = 0; i < m->arch.num_classes; i++)
            free(names[i]);
        free(names);
    }
}

pp_status pp_model_open(pp_model *m, const char *path, const pp_arch_hints *hints, char *notes,
                        size_t notes_len, pp_error *err)
{
    memset(m, 0, sizeof *m);
    if (notes && notes_len)
        notes[0] = '\0';
    pp_state_dict sd;
    pp_status st = pp_checkpoint_load(path, &sd, err);
    if (st != PP_OK)
        return st;
    pp_sd_strip_common_prefix(&sd);
    pp_arch arch;
    st = pp_sd_normalize_names(&sd, err);
    if (st == PP_OK)
        st = pp_arch_infer(&arch, &sd, hints, notes, notes_len, err);
    if (st == PP_OK)
        st = pp_model_create(m, &arch, err);
    if (st == PP_OK) {
        st = pp_model_load_state_dict(m, &sd, err);
        if (st != PP_OK)
            pp_model_free(m);
    }
    pp_sd_free(&sd);
    if (st != PP_OK)
        return err && strncmp(err->msg, path, strlen(path)) != 0 ? pp_error_prefix(err, path) : st;
    if (!m->class_names)
        load_labels_beside(m, path);
    return PP_OK;
}

pp_status pp_model_save(const pp_model *m, const char *path, pp_error *err)
{
    pp_state_dict sd;
    pp_status st = pp_model_to_state_dict(m, &sd, err);
    if (st != PP_OK)
        return st;
    st = pp_safetensors_save(path, &sd, err);
    pp_sd_free(&sd);
    return st;
}

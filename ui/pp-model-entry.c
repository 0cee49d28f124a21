#include "pp-model-entry.h"

#include <string.h>

#include "ops/pushpull.h"

struct _PpModelEntry {
    GObject parent_instance;
    char *path, *title, *subtitle, *notes;
    pp_model model;
    gboolean baseline;
    float *alpha_view; /* (K) */
    int avg_view;
};

G_DEFINE_FINAL_TYPE(PpModelEntry, pp_model_entry, G_TYPE_OBJECT)

enum { SIGNAL_VIEW_CHANGED, SIGNAL_RENAMED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void pp_model_entry_finalize(GObject *object)
{
    PpModelEntry *self = PP_MODEL_ENTRY(object);
    pp_model_free(&self->model);
    g_free(self->alpha_view);
    g_free(self->path);
    g_free(self->title);
    g_free(self->subtitle);
    g_free(self->notes);
    G_OBJECT_CLASS(pp_model_entry_parent_class)->finalize(object);
}

static void pp_model_entry_class_init(PpModelEntryClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = pp_model_entry_finalize;
    signals[SIGNAL_VIEW_CHANGED] = g_signal_new("view-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                                NULL, NULL, NULL, G_TYPE_NONE, 0);
    signals[SIGNAL_RENAMED] = g_signal_new("renamed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                           NULL, G_TYPE_NONE, 0);
}

/* The file name without a checkpoint extension. */
static char *title_of(const char *path)
{
    char *title = g_path_get_basename(path);
    static const char *ext[] = {".safetensors", ".ckpt", ".pth.tar", ".pth", ".pt"};
    for (size_t i = 0; i < G_N_ELEMENTS(ext); i++)
        if (g_str_has_suffix(title, ext[i]) && strlen(title) > strlen(ext[i])) {
            title[strlen(title) - strlen(ext[i])] = 0;
            break;
        }
    return title;
}

void pp_model_entry_set_path(PpModelEntry *self, const char *path)
{
    g_free(self->path);
    g_free(self->title);
    self->path = g_strdup(path);
    self->title = title_of(path);
    g_signal_emit(self, signals[SIGNAL_RENAMED], 0);
}

static void pp_model_entry_init(PpModelEntry *self)
{
    (void)self;
}

PpModelEntry *pp_model_entry_new(const char *path, pp_model *model, const char *notes)
{
    PpModelEntry *self = g_object_new(PP_TYPE_MODEL_ENTRY, NULL);
    self->path = g_strdup(path);
    self->title = title_of(path);
    self->notes = g_strdup(notes ? notes : "");
    self->model = *model;
    memset(model, 0, sizeof *model);
    const pp_arch *a = &self->model.arch;
    if (a->push_pull)
        self->subtitle = g_strdup_printf("%s · push-pull, avg %d", pp_arch_name(a), a->avg_kernel);
    else if (a->pp2020)
        self->subtitle = g_strdup_printf("%s · 2020 push-pull layer", pp_arch_name(a));
    else
        self->subtitle = g_strdup_printf("%s · %s", pp_arch_name(a),
                                         strcmp(a->family, "perturb_resnet") == 0 ? "noise masks" : "plain conv");
    int k = pp_model_entry_kernel_count(self);
    self->alpha_view = g_new0(float, k > 0 ? k : 1);
    for (int i = 0; i < k; i++)
        self->alpha_view[i] = pp_model_entry_learned_alpha(self, i);
    self->avg_view = pp_model_entry_file_avg(self);
    return self;
}

const char *pp_model_entry_get_path(PpModelEntry *self) { return self->path; }
const char *pp_model_entry_get_title(PpModelEntry *self) { return self->title; }
const char *pp_model_entry_get_subtitle(PpModelEntry *self) { return self->subtitle; }
const char *pp_model_entry_get_notes(PpModelEntry *self) { return self->notes; }
const pp_model *pp_model_entry_get_model(PpModelEntry *self) { return &self->model; }
gboolean pp_model_entry_get_baseline(PpModelEntry *self) { return self->baseline; }
void pp_model_entry_set_baseline(PpModelEntry *self, gboolean baseline) { self->baseline = baseline; }

bool pp_model_entry_is_push_pull(PpModelEntry *self)
{
    return pp_arch_inhibits(&self->model.arch);
}

bool pp_model_entry_is_pp2020(PpModelEntry *self)
{
    return self->model.arch.pp2020;
}

int pp_model_entry_file_avg(PpModelEntry *self)
{
    return self->model.arch.push_pull ? self->model.pp.avg_kernel : 0;
}

static const pp_conv_shape *shape_of(PpModelEntry *self)
{
    if (self->model.arch.pp2020)
        return &self->model.pp2020.push;
    return self->model.arch.push_pull ? &self->model.pp.shape : &self->model.conv1.shape;
}

int pp_model_entry_kernel_count(PpModelEntry *self) { return shape_of(self)->cout; }
int pp_model_entry_in_channels(PpModelEntry *self) { return shape_of(self)->cin; }
int pp_model_entry_kernel_size(PpModelEntry *self) { return shape_of(self)->kh; }

int pp_model_entry_pull_size(PpModelEntry *self)
{
    return self->model.arch.pp2020 ? self->model.pp2020.pull.kh : shape_of(self)->kh;
}

static size_t per_kernel(PpModelEntry *self)
{
    const pp_conv_shape *s = shape_of(self);
    return (size_t)s->cin * s->kh * s->kw;
}

const float *pp_model_entry_push(PpModelEntry *self, int k)
{
    const float *w = self->model.arch.pp2020      ? self->model.pp2020.weight
                     : self->model.arch.push_pull ? self->model.pp.weight
                                                  : self->model.conv1.weight;
    return w + (size_t)k * per_kernel(self);
}

const float *pp_model_entry_pull(PpModelEntry *self, int k)
{
    if (self->model.arch.pp2020) {
        const int S = pp_model_entry_pull_size(self);
        return self->model.pp2020.pull_weight + (size_t)k * pp_model_entry_in_channels(self) * S * S;
    }
    if (!self->model.arch.push_pull)
        return NULL;
    size_t pk = per_kernel(self);
    return self->model.pp.stacked + (size_t)self->model.pp.shape.cout * pk + (size_t)k * pk;
}

float pp_model_entry_learned_alpha(PpModelEntry *self, int k)
{
    if (self->model.arch.pp2020)
        return pp_pushpull2020_alpha(&self->model.pp2020, k); /* as applied: ReLU(alpha) */
    return self->model.arch.push_pull ? self->model.pp.alpha[k] : 0.0f;
}

float pp_model_entry_view_alpha(PpModelEntry *self, int k) { return self->alpha_view[k]; }

const char *pp_model_entry_alpha_origin(PpModelEntry *self, int k)
{
    if (self->alpha_view[k] != pp_model_entry_learned_alpha(self, k))
        return "(override)";
    return self->model.arch.alpha_trainable ? "(learned)" : "(fixed)";
}

void pp_model_entry_set_view_alpha(PpModelEntry *self, int k, float alpha)
{
    int n = pp_model_entry_kernel_count(self);
    for (int i = 0; i < n; i++)
        if (k < 0 || i == k)
            self->alpha_view[i] = alpha;
    g_signal_emit(self, signals[SIGNAL_VIEW_CHANGED], 0);
}

int pp_model_entry_view_avg(PpModelEntry *self) { return self->avg_view; }

void pp_model_entry_set_view_avg(PpModelEntry *self, int avg)
{
    self->avg_view = avg;
    g_signal_emit(self, signals[SIGNAL_VIEW_CHANGED], 0);
}

gboolean pp_model_entry_view_is_learned(PpModelEntry *self)
{
    if (!pp_model_entry_is_push_pull(self))
        return TRUE;
    int n = pp_model_entry_kernel_count(self);
    for (int i = 0; i < n; i++)
        if (self->alpha_view[i] != pp_model_entry_learned_alpha(self, i))
            return FALSE;
    return self->avg_view == pp_model_entry_file_avg(self);
}

const float *pp_model_entry_view_alphas(PpModelEntry *self) { return self->alpha_view; }

/* The view's alpha: "α 0.00 on all channels" when one value, else "α mean 0.31 (3 of 8 edited)". */
static char *alpha_words(PpModelEntry *self, gboolean learned)
{
    int n = pp_model_entry_kernel_count(self), edited = 0;
    double mean = 0, learned_mean = 0;
    gboolean same = TRUE;
    for (int i = 0; i < n; i++) {
        mean += self->alpha_view[i] / n;
        learned_mean += pp_model_entry_learned_alpha(self, i) / n;
        edited += self->alpha_view[i] != pp_model_entry_learned_alpha(self, i);
        same = same && self->alpha_view[i] == self->alpha_view[0];
    }
    if (learned || edited == 0)
        return self->model.arch.alpha_trainable ? g_strdup_printf("α learned (mean %.2f)", learned_mean)
                                                : g_strdup_printf("α fixed %.2f", learned_mean);
    if (same)
        return g_strdup_printf("α %.2f on every channel (learned mean %.2f)", self->alpha_view[0], learned_mean);
    return g_strdup_printf("α mean %.2f, %d of %d channels edited (learned mean %.2f)", mean, edited, n,
                           learned_mean);
}

static char *pooling_words(int avg)
{
    return avg > 0 ? g_strdup_printf("pooling %d×%d", avg, avg) : g_strdup("no pooling");
}

char *pp_model_entry_describe_overrides(PpModelEntry *self)
{
    if (pp_model_entry_view_is_learned(self))
        return NULL;
    GString *s = g_string_new(NULL);
    int n = pp_model_entry_kernel_count(self);
    gboolean alpha_edited = FALSE;
    for (int i = 0; i < n; i++)
        alpha_edited = alpha_edited || self->alpha_view[i] != pp_model_entry_learned_alpha(self, i);
    if (alpha_edited) {
        char *a = alpha_words(self, FALSE);
        g_string_append(s, a);
        g_free(a);
    }
    if (self->avg_view != pp_model_entry_file_avg(self)) {
        int fa = pp_model_entry_file_avg(self);
        char *now = pooling_words(self->avg_view), *file = fa ? g_strdup_printf("%d×%d", fa, fa) : g_strdup("none");
        g_string_append_printf(s, "%s%s (file: %s)", s->len ? " · " : "", now, file);
        g_free(now);
        g_free(file);
    }
    return g_string_free(s, FALSE);
}

char *pp_model_entry_describe_view(PpModelEntry *self)
{
    if (!pp_model_entry_is_push_pull(self))
        return g_strdup("plain conv1 (no inhibition)");
    char *o = pp_model_entry_describe_overrides(self);
    if (o) {
        if (self->avg_view == pp_model_entry_file_avg(self)) {
            char *p = pooling_words(self->avg_view), *t = g_strdup_printf("%s · %s", o, p);
            g_free(p);
            g_free(o);
            return t;
        }
        gboolean alpha_edited = !g_str_has_prefix(o, "pooling") && !g_str_has_prefix(o, "no pooling");
        if (!alpha_edited) {
            char *a = alpha_words(self, TRUE), *t = g_strdup_printf("%s · %s", a, o);
            g_free(a);
            g_free(o);
            return t;
        }
        return o;
    }
    char *a = alpha_words(self, TRUE), *p = pooling_words(self->avg_view), *t = g_strdup_printf("%s · %s", a, p);
    g_free(a);
    g_free(p);
    return t;
}

void pp_model_entry_reset_view(PpModelEntry *self)
{
    int n = pp_model_entry_kernel_count(self);
    for (int i = 0; i < n; i++)
        self->alpha_view[i] = pp_model_entry_learned_alpha(self, i);
    self->avg_view = pp_model_entry_file_avg(self);
    g_signal_emit(self, signals[SIGNAL_VIEW_CHANGED], 0);
}

int pp_model_entry_effective_size(PpModelEntry *self)
{
    if (self->model.arch.pp2020)
        return pp_model_entry_pull_size(self);
    if (!self->model.arch.push_pull)
        return shape_of(self)->kh;
    pp_pushpull_unit u = self->model.pp;
    u.avg_kernel = self->avg_view;
    return pp_pushpull_effective_size(&u);
}

void pp_model_entry_effective(PpModelEntry *self, int k, float *out)
{
    if (self->model.arch.pp2020) {
        /* a one-kernel view of the 2020 layer: W centred in S x S minus alpha times its pull -W_up */
        pp_pushpull2020_layer l = self->model.pp2020;
        l.push.cout = l.pull.cout = 1;
        l.weight = (float *)pp_model_entry_push(self, k);
        l.pull_weight = (float *)pp_model_entry_pull(self, k);
        l.alpha = &self->alpha_view[k];
        pp_pushpull2020_effective_kernels(out, &l, -1.0f);
        return;
    }
    if (!self->model.arch.push_pull) {
        memcpy(out, pp_model_entry_push(self, k), sizeof(float) * per_kernel(self));
        return;
    }
    /* A one-kernel view of the unit: the engine computes W - alpha (P * box). */
    const pp_pushpull_unit *m = &self->model.pp;
    size_t pk = per_kernel(self);
    float *stacked = g_new(float, 2 * pk);
    memcpy(stacked, pp_model_entry_push(self, k), sizeof(float) * pk);
    memcpy(stacked + pk, pp_model_entry_pull(self, k), sizeof(float) * pk);
    pp_pushpull_unit u = *m;
    u.shape.cout = 1;
    u.weight = stacked;
    u.stacked = stacked;
    u.alpha = &self->alpha_view[k];
    u.avg_kernel = self->avg_view;
    pp_pushpull_effective_kernels(out, &u, -1.0f);
    g_free(stacked);
}

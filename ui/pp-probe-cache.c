#include "pp-probe-cache.h"

#include <string.h>

#include "classes.h"
#include "pp-thread-budget.h"

static void slot_free(gpointer data)
{
    ProbeSlot *s = data;
    g_object_unref(s->entry);
    g_free(s->alpha);
    g_free(s->label);
    g_free(s->view_note);
    g_free(s);
}

static ProbeSlot *slot_new(PpModelEntry *e, gboolean push_only)
{
    ProbeSlot *s = g_new0(ProbeSlot, 1);
    s->entry = g_object_ref(e);
    s->push_only = push_only;
    s->avg = -1;
    if (pp_model_entry_is_push_pull(e)) {
        int k = pp_model_entry_kernel_count(e);
        s->alpha = push_only ? g_new0(float, k) : g_memdup2(pp_model_entry_view_alphas(e), sizeof(float) * k);
        s->avg = pp_model_entry_view_avg(e);
    }
    if (push_only) {
        s->label = g_strdup_printf("%s · push only (α = 0)", pp_model_entry_get_title(e));
        s->view_note = g_strdup_printf("α 0 on all channels · pooling %d×%d as in the push-pull view",
                                       MAX(s->avg, 0), MAX(s->avg, 0));
        if (s->avg == 0) {
            g_free(s->view_note);
            s->view_note = g_strdup("α 0 on all channels (the pull path is off)");
        }
    } else {
        s->label = g_strdup(pp_model_entry_get_title(e));
        s->view_note = pp_model_entry_describe_view(e);
    }
    return s;
}


void pp_side_staged_clear(SideStaged *st, guint n)
{
    for (guint m = 0; st->pr && m < n; m++)
        pp_probe_result_free(&st->pr[m]);
    for (guint m = 0; st->shown && m < n; m++)
        g_clear_pointer(&st->shown[m], cairo_surface_destroy);
    g_free(st->pr);
    g_free(st->shown);
    memset(st, 0, sizeof *st);
}

/* ---- the probe cache (worker side) ---- */

void pp_probe_cache_free(gpointer data)
{
    ProbeCache *c = data;
    if (!c)
        return;
    for (guint i = 0; c->probes && i < c->slots->len; i++)
        pp_probe_free(&c->probes[i]);
    for (guint i = 0; c->side && i < c->slots->len; i++)
        pp_probe_free(&c->side[i]);
    g_free(c->side);
    pp_side_staged_clear(&c->staged, c->slots->len);
    for (guint i = 0; c->clean_shown && i < c->slots->len; i++)
        g_clear_pointer(&c->clean_shown[i], cairo_surface_destroy);
    g_free(c->clean_shown);
    g_free(c->clean_side);
    g_free(c->clean_scale);
    g_free(c->probes);
    g_ptr_array_unref(c->slots);
    g_free(c->image_path);
    g_free(c);
}

/* The same image and the same columns (model and kind; the overrides are
 * applied per run, recomputing the clean side only when they changed). */
gboolean pp_probe_cache_matches(const ProbeCache *c, const char *path, GPtrArray *slots)
{
    if (!c || g_strcmp0(c->image_path, path) || c->slots->len != slots->len)
        return FALSE;
    for (guint i = 0; i < slots->len; i++) {
        const ProbeSlot *a = c->slots->pdata[i], *b = slots->pdata[i];
        if (a->entry != b->entry || a->push_only != b->push_only)
            return FALSE;
    }
    return TRUE;
}

pp_status pp_probe_apply_slot(pp_probe *p, const ProbeSlot *slot, pp_error *err)
{
    pp_probe_overrides o = {.alpha = slot->alpha, .avg_kernel = slot->avg};
    return pp_probe_set_overrides(p, &o, err);
}

/* The columns the probe computes: every model with its views' alpha and
 * pooling, each push-pull model followed by its push-only twin when asked. */
GPtrArray *pp_probe_slots_snapshot(GPtrArray *entries, gboolean twins)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(slot_free);
    for (guint i = 0; i < entries->len; i++) {
        g_ptr_array_add(a, slot_new(entries->pdata[i], FALSE));
        if (twins && pp_model_entry_is_push_pull(entries->pdata[i]))
            g_ptr_array_add(a, slot_new(entries->pdata[i], TRUE));
    }
    return a;
}

/* Loads the image and computes the clean side of every column (in a thread). */
ProbeCache *pp_probe_cache_new(const char *path, GPtrArray *slots, GError **error)
{
    pp_error err = {0};
    pp_image img;
    if (pp_image_load(path, &img, &err) != PP_OK) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", err.msg);
        return NULL;
    }
    ProbeCache *c = g_new0(ProbeCache, 1);
    c->image_path = g_strdup(path);
    c->slots = g_ptr_array_ref(slots);
    c->probes = g_new0(pp_probe, slots->len);
    c->clean_shown = g_new0(cairo_surface_t *, slots->len);
    c->clean_side = g_new0(int, slots->len);
    c->clean_scale = g_new0(int, slots->len);
    for (guint i = 0; i < slots->len; i++) {
        const ProbeSlot *slot = slots->pdata[i];
        pp_status st = pp_probe_init(&c->probes[i], pp_model_entry_get_model(slot->entry), &img,
                                     pp_thread_budget_interactive(), &err);
        if (st == PP_OK && (st = pp_probe_apply_slot(&c->probes[i], slot, &err)) != PP_OK)
            pp_probe_free(&c->probes[i]);
        if (st != PP_OK) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", slot->label, err.msg);
            for (guint j = 0; j < i; j++)
                pp_probe_free(&c->probes[j]);
            g_clear_pointer(&c->probes, g_free);
            pp_probe_cache_free(c);
            pp_image_free(&img);
            return NULL;
        }
    }
    pp_image_free(&img);
    return c;
}


void pp_true_label_clear(TrueLabel *t)
{
    for (int i = 0; i < 3; i++)
        g_clear_pointer(&t->label[i], g_free);
}

void pp_true_label_for(TrueLabel *t, const char *path, const char *chosen)
{
    memset(t, 0, sizeof *t);
    if (chosen && *chosen) {
        t->label[0] = g_strdup(chosen);
        t->source[0] = "chosen";
        return;
    }
    if (!path)
        return;
    char *base = g_path_get_basename(path);
    char *dot = strrchr(base, '.');
    if (dot)
        *dot = 0;
    /* "fmnist-0000-ankle-boot" / "drawing-bag": the part after the prefix and number */
    const char *name = base;
    for (const char *prefix[] = {"fmnist-", "drawing-"}, **q = prefix; q < prefix + 2; q++)
        if (g_str_has_prefix(name, *q))
            name += strlen(*q);
    while (g_ascii_isdigit(*name))
        name++;
    if (*name == '-' || *name == '_')
        name++;
    t->label[1] = g_strdup(*name ? name : base);
    t->source[1] = "file name";
    g_free(base);
    char *dir = g_path_get_dirname(path);
    t->label[2] = g_path_get_basename(dir);
    t->source[2] = "folder name";
    g_free(dir);
}

/* The class of the label for model m, or -1; *source says which candidate. */
int pp_true_class_of(const TrueLabel *t, const pp_model *m, const char **source)
{
    for (int i = 0; i < 3; i++) {
        int k = t->label[i] ? pp_model_class_index(m, t->label[i]) : -1;
        if (k >= 0) {
            *source = t->source[i];
            return k;
        }
    }
    *source = NULL;
    return -1;
}

/* The name results carry: the registry's, or "none" for the clean image. */
const char *pp_probe_corruption_name(const pp_corruption *c)
{
    return c ? c->name : PP_PROBE_NO_CORRUPTION;
}

bool pp_probe_is_cancelled(void *data)
{
    return g_cancellable_is_cancelled(data);
}

gboolean pp_probe_fail_or_cancel(GCancellable *cancellable, const pp_error *err, GError **error, const char *what)
{
    if (g_cancellable_is_cancelled(cancellable) || err->status == PP_ERR_CANCELLED)
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
    else
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s%s%s", what ? what : "", what ? ": " : "", err->msg);
    return FALSE;
}


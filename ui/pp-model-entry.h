/* One opened model and the user's view of it: the learned model (never edited)
 * plus the alpha / avg-pooling overrides of the spectra view. */
#pragma once

#include <glib-object.h>
#include <stdbool.h>

#include "model.h"

G_BEGIN_DECLS

#define PP_TYPE_MODEL_ENTRY (pp_model_entry_get_type())
G_DECLARE_FINAL_TYPE(PpModelEntry, pp_model_entry, PP, MODEL_ENTRY, GObject)

/* Takes ownership of *model (the caller's struct is zeroed). */
PpModelEntry *pp_model_entry_new(const char *path, pp_model *model, const char *notes);

const char *pp_model_entry_get_path(PpModelEntry *self);
/* A model kept in memory (a fine-tuned copy) was saved: its file and title; emits "renamed". */
void pp_model_entry_set_path(PpModelEntry *self, const char *path);
const char *pp_model_entry_get_title(PpModelEntry *self);    /* file name without the extension */
const char *pp_model_entry_get_subtitle(PpModelEntry *self); /* "resnet18 · push-pull avg 3" */
const char *pp_model_entry_get_notes(PpModelEntry *self);
const pp_model *pp_model_entry_get_model(PpModelEntry *self);
gboolean pp_model_entry_get_baseline(PpModelEntry *self);
void pp_model_entry_set_baseline(PpModelEntry *self, gboolean baseline);

/* First-layer geometry: K kernels of C channels, kh x kw each. */
bool pp_model_entry_is_push_pull(PpModelEntry *self); /* a PushPull unit or the 2020 layer */
bool pp_model_entry_is_pp2020(PpModelEntry *self);    /* the 2020 layer: pull -W upsampled, no pooling */
int pp_model_entry_file_avg(PpModelEntry *self);      /* the file's pull pooling (0 for the 2020 layer) */
int pp_model_entry_pull_size(PpModelEntry *self);     /* side of P: kh, or S of the 2020 layer */
int pp_model_entry_kernel_count(PpModelEntry *self);
int pp_model_entry_in_channels(PpModelEntry *self);
int pp_model_entry_kernel_size(PpModelEntry *self); /* kh (square kernels) */
const float *pp_model_entry_push(PpModelEntry *self, int k); /* (C, kh, kw) W, or conv1 of a baseline */
const float *pp_model_entry_pull(PpModelEntry *self, int k); /* (C, ps, ps) P (ps: pull_size), NULL for a baseline */
float pp_model_entry_learned_alpha(PpModelEntry *self, int k);

/* The view: alpha per channel and the pull pooling size used for effective
 * kernels and spectra. Changes emit "view-changed". */
float pp_model_entry_view_alpha(PpModelEntry *self, int k);
/* Where the view's alpha of kernel k comes from: "(override)" when edited,
 * else "(learned)" or "(fixed)" as the model was trained. */
const char *pp_model_entry_alpha_origin(PpModelEntry *self, int k);
void pp_model_entry_set_view_alpha(PpModelEntry *self, int k, float alpha); /* k < 0: all */
int pp_model_entry_view_avg(PpModelEntry *self);
void pp_model_entry_set_view_avg(PpModelEntry *self, int avg);
gboolean pp_model_entry_view_is_learned(PpModelEntry *self);
const float *pp_model_entry_view_alphas(PpModelEntry *self); /* (K) */
/* What the views and the probe run with, in words: "α learned (mean 0.43) ·
 * pooling 3×3", or with overrides "α 0.00 on all channels (learned mean 0.43) ·
 * pooling 5×5 (file: 3×3)"; "plain conv1" for a baseline. Free with g_free. */
char *pp_model_entry_describe_view(PpModelEntry *self);
/* Only the overrides ("pooling 5×5 (file: 3×3)"), or NULL when the view is learned. */
char *pp_model_entry_describe_overrides(PpModelEntry *self);
void pp_model_entry_reset_view(PpModelEntry *self);

/* Side of the effective kernel with the view's pooling (kh for a baseline). */
int pp_model_entry_effective_size(PpModelEntry *self);
/* out: (C, e, e) effective kernel W - alpha * (P * box) of kernel k with the
 * view's alpha and pooling; the plain kernel for a baseline. */
void pp_model_entry_effective(PpModelEntry *self, int k, float *out);

G_END_DECLS

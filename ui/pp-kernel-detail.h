/* One kernel in detail: push kernel W, derived pull kernel P and the effective
 * kernel W - alpha (P * box), per input channel and as an RGB composite for
 * 3-channel models; a baseline shows its plain kernel. */
#pragma once

#include <gtk/gtk.h>

#include "pp-model-entry.h"

G_BEGIN_DECLS

#define PP_TYPE_KERNEL_DETAIL (pp_kernel_detail_get_type())
G_DECLARE_FINAL_TYPE(PpKernelDetail, pp_kernel_detail, PP, KERNEL_DETAIL, GtkWidget)

GtkWidget *pp_kernel_detail_new(void);
void pp_kernel_detail_set_entry(PpKernelDetail *self, PpModelEntry *entry);
void pp_kernel_detail_set_kernel(PpKernelDetail *self, int k);
void pp_kernel_detail_draw(GtkWidget *widget, cairo_t *cr, int width, int height);
/* The selected kernel's W, P and effective values as CSV. */
char *pp_kernel_detail_to_csv(PpKernelDetail *self);

G_END_DECLS

/* The studio application: app actions and accelerators, command-line files and
 * options (--screenshot, --view, --model, --dark, the probe and view options,
 * which also apply to a normal launch), dark style (AdwStyleManager), about. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PP_APPLICATION_ID "io.github.PushPullStudio"
#define PP_TYPE_APPLICATION (pp_application_get_type())
G_DECLARE_FINAL_TYPE(PpApplication, pp_application, PP, APPLICATION, AdwApplication)

PpApplication *pp_application_new(void);
/* Exit status for main: non-zero when a --screenshot run failed. */
int pp_application_get_exit_status(PpApplication *self);

G_END_DECLS

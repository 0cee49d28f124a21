/* pushpull-studio: the GTK4 window around the engine. */
#include <gtk/gtk.h>

#include "pp-application.h"

/* Every view is Cairo drawing; GTK's GL renderer adds nothing for it and, on
 * machines without a GPU (software GL), triples the time from a slider move to
 * the redrawn panels (measured: 54 ms vs 19 ms). With the Cairo renderer GDK
 * still probes EGL at start: under Xvfb that loads Mesa's swrast_dri.so, fails,
 * falls back to GLX and unloads the first copy (with an allocation of its own
 * that nothing can free or name any more), so GL is switched off as well. The
 * user's choice of renderer wins, and then GL stays on. */
static void prefer_cairo_renderer(void)
{
    if (g_getenv("GSK_RENDERER"))
        return;
    g_setenv("GSK_RENDERER", "cairo", FALSE);
    const char *debug = g_getenv("GDK_DEBUG");
    g_autofree char *flags = debug && *debug ? g_strconcat(debug, ",gl-disable", NULL)
                                             : g_strdup("gl-disable");
    g_setenv("GDK_DEBUG", flags, TRUE);
}

/* Sanitizer builds only: PP_LEAK_ON_PURPOSE=1 drops a GLib allocation on the
 * floor, so the leak test can show that our own leaks still fail it (the
 * suppressions cover system-library caches, never GLib's allocator). */
#if defined(__SANITIZE_ADDRESS__)
static __attribute__((noinline)) void plant_leak_on_purpose(void)
{
    if (g_strcmp0(g_getenv("PP_LEAK_ON_PURPOSE"), "1") != 0)
        return;
    char *volatile lost = g_strdup_printf("leaked on purpose by %s", G_STRFUNC);
    lost = NULL;
    (void)lost;
}
#else
static void plant_leak_on_purpose(void) {}
#endif

int main(int argc, char **argv)
{
    prefer_cairo_renderer();
    plant_leak_on_purpose();
    PpApplication *app = pp_application_new();
    int status = g_application_run(G_APPLICATION(app), argc, argv);
    if (status == 0)
        status = pp_application_get_exit_status(app);
    g_object_unref(app);
    return status;
}

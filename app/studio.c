/* pushpull-studio: the GTK4 window around the engine. */
#include <gtk/gtk.h>

#include "pp-application.h"

int main(int argc, char **argv)
{
    /* Every view is Cairo drawing; GTK's GL renderer adds nothing for it and, on
     * machines without a GPU (software GL), triples the time from a slider move
     * to the redrawn panels (measured: 54 ms vs 19 ms). The user's choice wins. */
    if (!g_getenv("GSK_RENDERER"))
        g_setenv("GSK_RENDERER", "cairo", FALSE);
    PpApplication *app = pp_application_new();
    int status = g_application_run(G_APPLICATION(app), argc, argv);
    if (status == 0)
        status = pp_application_get_exit_status(app);
    g_object_unref(app);
    return status;
}

/* pushpull-studio: the GTK4 window around the engine. */
#include <gtk/gtk.h>

#include "pp-application.h"

int main(int argc, char **argv)
{
    PpApplication *app = pp_application_new();
    int status = g_application_run(G_APPLICATION(app), argc, argv);
    if (status == 0)
        status = pp_application_get_exit_status(app);
    g_object_unref(app);
    return status;
}

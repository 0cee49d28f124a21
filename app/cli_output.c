#include "cli_output.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "output_path.h"

int pp_cli_claim_output(const char *path)
{
    pp_error err = {0};
    if (path && pp_output_claim(path, &err) != PP_OK)
        return pp_cli_fail(&err);
    return 0;
}

int pp_cli_output_dir(const char *dir)
{
    struct stat st;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return pp_cli_failf("%s: cannot create the output directory: %s", dir, strerror(errno));
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return pp_cli_failf("%s: is not a directory", dir);
    return 0;
}

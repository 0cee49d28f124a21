#include "cli_shard.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

bool pp_cli_parse_shard(const char *s, int *k, int *n)
{
    const char *slash = s ? strchr(s, '/') : NULL;
    if (!slash || slash == s || slash - s > 15)
        return false;
    char head[16];
    memcpy(head, s, (size_t)(slash - s));
    head[slash - s] = '\0';
    long vk, vn;
    if (!pp_cli_parse_int(slash + 1, 1, 1L << 20, &vn) || !pp_cli_parse_int(head, 1, vn, &vk))
        return false;
    *k = (int)vk;
    *n = (int)vn;
    return true;
}

bool pp_cli_shard_path(const char *path, int k, int n, char *out, size_t len)
{
    size_t plen = strlen(path);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    bool json = plen - (size_t)(base - path) > 5 && strcmp(path + plen - 5, ".json") == 0;
    int w = json ? snprintf(out, len, "%.*s.shard-%d-of-%d.json", (int)(plen - 5), path, k, n)
                 : snprintf(out, len, "%s.shard-%d-of-%d", path, k, n);
    return w > 0 && (size_t)w < len;
}

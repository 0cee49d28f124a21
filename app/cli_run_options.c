#include "cli_run_options.h"

#include <string.h>

#include "cli_model.h"
#include "cli_shard.h"

static const struct {
    unsigned bit;
    const char *name;
} shared[] = {{PP_RUN_DATA, "data"},   {PP_RUN_LIMIT, "limit"},   {PP_RUN_BATCH, "batch"},
              {PP_RUN_SEED, "seed"},   {PP_RUN_PRESET, "preset"}, {PP_RUN_SHARD, "shard"},
              {PP_RUN_AVG_KERNEL, "avg-kernel"}};

pp_cli_run_options pp_cli_run_options_init(unsigned offered)
{
    return (pp_cli_run_options){.offered = offered, .preset = PP_PRESET_AUTO, .avg_kernel = -1};
}

void pp_cli_run_getopt_table(unsigned offered, struct option *table, int *n)
{
    for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++)
        if (offered & shared[i].bit)
            table[(*n)++] = (struct option){shared[i].name, required_argument, NULL, PP_RUN_GETOPT};
    table[*n] = (struct option){0};
}

pp_cli_run_options pp_cli_run_options_getopt(unsigned offered, struct option *table, int n)
{
    pp_cli_run_getopt_table(offered, table, &n);
    return pp_cli_run_options_init(offered);
}

static unsigned option_bit(const char *name)
{
    for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++)
        if (strcmp(name, shared[i].name) == 0)
            return shared[i].bit;
    return 0;
}

bool pp_cli_run_option(const pp_cli_command *cmd, pp_cli_run_options *o, const char *name, const char *value,
                       int *rc)
{
    const unsigned bit = option_bit(name);
    if (!(bit & o->offered))
        return false;
    *rc = 0;
    long v;
    if (!value) {
        *rc = pp_cli_usage_error(cmd, "--%s needs a value", name);
        return true;
    }
    switch (bit) {
    case PP_RUN_DATA: o->data = value; break;
    case PP_RUN_LIMIT:
        if (!pp_cli_parse_int(value, 1, 1L << 40, &v))
            *rc = pp_cli_usage_error(cmd, "--limit needs a positive number");
        o->limit = v;
        break;
    case PP_RUN_BATCH: {
        const long min = o->batch_min > 0 ? o->batch_min : 1;
        if (!pp_cli_parse_int(value, min, 4096, &v))
            *rc = pp_cli_usage_error(cmd, "--batch needs a number from %ld to 4096", min);
        o->batch = (int)v;
        break;
    }
    case PP_RUN_SEED:
        if (!pp_cli_parse_int(value, 0, 1L << 62, &v))
            *rc = pp_cli_usage_error(cmd, "--seed needs a non-negative number");
        o->seed = (uint64_t)v;
        break;
    case PP_RUN_PRESET:
        if (!pp_corruption_preset_parse(value, &o->preset))
            *rc = pp_cli_usage_error(cmd, "--preset is auto, imagenet or cifar");
        break;
    case PP_RUN_SHARD:
        if (!pp_cli_parse_shard(value, &o->shard, &o->n_shards))
            *rc = pp_cli_usage_error(cmd, "--shard needs K/N with 1 <= K <= N");
        break;
    case PP_RUN_AVG_KERNEL:
        if (!pp_cli_parse_avg_kernel(value, &o->avg_kernel))
            *rc = pp_cli_usage_error(cmd, "--avg-kernel is 0, 3 or 5");
        break;
    }
    return true;
}

int pp_cli_run_getopt(const pp_cli_command *cmd, pp_cli_run_options *o, int argc, char **argv,
                      const struct option *table, int *rc)
{
    int opt, index;
    while ((opt = getopt_long(argc, argv, "", table, &index)) == PP_RUN_GETOPT) {
        pp_cli_run_option(cmd, o, table[index].name, optarg, rc);
        if (*rc)
            return PP_RUN_FAILED;
    }
    return opt;
}

bool pp_cli_run_argv(const pp_cli_command *cmd, pp_cli_run_options *o, int argc, char **argv, int *i, int *rc)
{
    const char *a = argv[*i];
    if (strncmp(a, "--", 2) != 0 || !pp_cli_run_option(cmd, o, a + 2, *i + 1 < argc ? argv[*i + 1] : NULL, rc))
        return false;
    (*i)++;
    return true;
}

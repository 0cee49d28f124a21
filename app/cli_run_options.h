/* The options the data-set commands share (eval, eval-p, make-c, make-p,
 * cka): --data, --limit, --batch, --seed, --preset, --shard, --avg-kernel,
 * parsed and checked in one place with one wording. A command offers the
 * ones it takes (a bit set) and hands every option to
 * pp_cli_run_option first. */
#ifndef PP_CLI_RUN_OPTIONS_H
#define PP_CLI_RUN_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "corrupt/corruption.h"

enum {
    PP_RUN_DATA = 1 << 0,
    PP_RUN_LIMIT = 1 << 1,
    PP_RUN_BATCH = 1 << 2,
    PP_RUN_SEED = 1 << 3,
    PP_RUN_PRESET = 1 << 4,
    PP_RUN_SHARD = 1 << 5,
    PP_RUN_AVG_KERNEL = 1 << 6,
};

typedef struct {
    unsigned offered;            /* PP_RUN_* the command takes */
    const char *data;            /* NULL: not given */
    int64_t limit;               /* 0: all */
    int batch;                   /* 0: the command's default */
    int batch_min;               /* the smallest --batch (0: 1) */
    uint64_t seed;
    pp_corruption_preset preset; /* PP_PRESET_AUTO unless given */
    int shard, n_shards;         /* 0 of 0: the whole run */
    int avg_kernel;              /* -1: as the model file says */
} pp_cli_run_options;

/* Options `offered`, nothing given yet. */
pp_cli_run_options pp_cli_run_options_init(unsigned offered);
/* The same for a getopt command: the offered options' entries appended to
 * its `table` of n own entries (room for 7 more and the zero entry). */
pp_cli_run_options pp_cli_run_options_getopt(unsigned offered, struct option *table, int n);

/* Option `name` (without the leading "--") with `value`: true when it is one
 * of the offered shared options, parsed into o; *rc is then 0 or the usage
 * error's exit code (2). False: the command's own option. */
bool pp_cli_run_option(const pp_cli_command *cmd, pp_cli_run_options *o, const char *name, const char *value,
                       int *rc);

/* getopt_long entries of the offered options, appended to `table` from
 * index *n (the caller keeps room for 7 and the terminating zero entry). Each
 * entry's val is PP_RUN_GETOPT, so a getopt loop hands it on with
 * options[index].name. */
#define PP_RUN_GETOPT 0x5200
void pp_cli_run_getopt_table(unsigned offered, struct option *table, int *n);
/* In a loop over argv (commands without getopt): true when argv[*i] is an
 * offered shared option; its value is consumed (*i moves onto it) and *rc is
 * 0 or the exit code. */
bool pp_cli_run_argv(const pp_cli_command *cmd, pp_cli_run_options *o, int argc, char **argv, int *i, int *rc);

/* getopt_long over table with the shared options handled on the way: the
 * next option of the command's own, -1 at the end, or PP_RUN_FAILED (a bad
 * shared option: *rc is its exit code). */
#define PP_RUN_FAILED (-2)
int pp_cli_run_getopt(const pp_cli_command *cmd, pp_cli_run_options *o, int argc, char **argv,
                      const struct option *table, int *rc);

#endif

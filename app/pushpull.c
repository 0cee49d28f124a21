/* `pushpull`: the headless face of PushPull Studio. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "cli.h"
#include "cli_interrupt.h"
#include "cpu.h"
#include "output_path.h"
#include "threads.h"

extern const pp_cli_command pp_cmd_info, pp_cmd_forward, pp_cmd_predict, pp_cmd_eval, pp_cmd_compare,
    pp_cmd_train, pp_cmd_finetune, pp_cmd_probe, pp_cmd_cka,
    pp_cmd_weights, pp_cmd_saliency;
extern const pp_cli_command pp_cmd_corrupt, pp_cmd_make_c, pp_cmd_augment;
extern const pp_cli_command pp_cmd_convert, pp_cmd_merge;
extern const pp_cli_command pp_cmd_eval_p, pp_cmd_make_p;


static const pp_cli_command *const commands[] = {
    &pp_cmd_info,
    &pp_cmd_forward,
    &pp_cmd_predict,
    &pp_cmd_eval,
    &pp_cmd_eval_p,
    &pp_cmd_compare,
    &pp_cmd_train,
    &pp_cmd_finetune,
    &pp_cmd_probe,
    &pp_cmd_cka,
    &pp_cmd_weights,
    &pp_cmd_saliency,
    &pp_cmd_corrupt,
    &pp_cmd_augment,
    &pp_cmd_make_c,
    &pp_cmd_make_p,
    &pp_cmd_convert,
    &pp_cmd_merge,
};

static void print_main_help(FILE *out)
{
    fputs("usage: pushpull [--threads N] COMMAND [ARGS...]\n\n"
          "PushPull Studio's command line: inspect, run and probe PushPull ResNets.\n\n"
          "commands:\n",
          out);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fputs("\nglobal options:\n"
          "  --threads N  threads for the engine (default: SLURM_CPUS_PER_TASK inside a Slurm\n"
          "               job, else OMP_NUM_THREADS, else all cores)\n"
          "  -h, --help   this help; `pushpull COMMAND --help` for a command\n"
          "  --version    print the version\n\n"
          "environment:\n"
          "  PP_CPU=avx512|avx2|portable  the engine's kernels (default: the best this CPU has)\n",
          out);
}

/* Ends the process without exit()'s library destructors: OpenBLAS's joins its
 * worker threads, and a worker whose buffer allocation failed (ulimit -v,
 * memory pressure) retries forever, so exit() never returned. Everything of
 * ours is flushed or released before this. */
_Noreturn static void finish(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "pushpull: cannot write the results to standard output\n");
        rc = rc ? rc : 1;
    }
    fflush(stderr);
#if defined(__SANITIZE_ADDRESS__)
    __lsan_do_leak_check(); /* what exit() would have run */
#endif
    _exit(rc);
}

static int run(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            print_main_help(stdout);
            return 0;
        } else if (strcmp(argv[i], "--version") == 0) {
            puts("pushpull " PP_VERSION);
            /* what the benchmarks and bug reports need to know */
            printf("CPU path: %s (this CPU's best: %s)\n", pp_cpu_path_name(pp_cpu_path()),
                   pp_cpu_path_name(pp_cpu_best_path()));
            return pp_cpu_error() ? (fprintf(stderr, "pushpull: %s\n", pp_cpu_error()), 2) : 0;
        } else if (strcmp(argv[i], "--threads") == 0 || strncmp(argv[i], "--threads=", 10) == 0) {
            const char *v = argv[i][9] == '=' ? argv[i] + 10 : (i + 1 < argc ? argv[++i] : NULL);
            long n;
            if (!pp_cli_parse_int(v, 1, 1024, &n)) {
                fprintf(stderr, "pushpull: --threads needs a number from 1 to 1024\n");
                return 2;
            }
            pp_cli_threads = (int)n;
        } else {
            fprintf(stderr, "pushpull: unknown option '%s' (see `pushpull --help`)\n", argv[i]);
            return 2;
        }
    }
    if (i >= argc) {
        print_main_help(stderr);
        return 2;
    }
    if (pp_cli_threads == 0) { /* a Slurm task's share of its node */
        long n;
        const char *slurm = getenv("SLURM_CPUS_PER_TASK");
        if (slurm && pp_cli_parse_int(slurm, 1, 1024, &n))
            pp_cli_threads = (int)n;
    }
    pp_threads_set_default(pp_cli_threads);
    if (pp_cpu_error()) { /* before any kernel runs: never an illegal instruction */
        fprintf(stderr, "pushpull: %s\n", pp_cpu_error());
        return 2;
    }
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++) {
        if (strcmp(argv[i], commands[c]->name) == 0) {
            if (pp_cli_wants_help(commands[c], argc - i, argv + i))
                return 0;
            if (commands[c]->writes_files)
                pp_cli_interrupt_install();
            int rc = commands[c]->run(argc - i, argv + i);
            pp_output_release_all();
            fflush(NULL);
            pp_cli_interrupt_finish();
            return rc;
        }
    }
    fprintf(stderr, "pushpull: unknown command '%s' (see `pushpull --help`)\n", argv[i]);
    return 2;
}

int main(int argc, char **argv)
{
    finish(run(argc, argv));
}

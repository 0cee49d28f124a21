/* Runs a test program on the CPU path PP_CPU names (core/cpu.h), or skips it
 * (exit 77, meson's "skipped") when this CPU cannot run that path: the test
 * lists name every path once, and each machine runs the ones it has. A
 * PP_CPU that names no path at all is an error, not a skip, so a typo in a
 * meson file cannot hide a whole variant.
 * Usage: on_cpu_path TEST_PROGRAM [ARGS...] (with PP_CPU set). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu.h"

int main(int argc, char **argv)
{
    const char *want = getenv("PP_CPU");
    if (argc < 2 || !want || !*want) {
        fprintf(stderr, "usage: PP_CPU=PATH on_cpu_path TEST_PROGRAM [ARGS...]\n");
        return 2;
    }
    int known = 0;
    for (int p = PP_CPU_PORTABLE; p <= PP_CPU_AVX512; p++)
        known |= strcmp(want, pp_cpu_path_name((pp_cpu_path_kind)p)) == 0;
    if (!known) {
        fprintf(stderr, "on_cpu_path: %s\n", pp_cpu_error() ? pp_cpu_error() : "PP_CPU names no CPU path");
        return 2;
    }
    if (pp_cpu_error()) {
        printf("skipped: %s\n", pp_cpu_error());
        return 77;
    }
    execv(argv[1], argv + 1);
    fprintf(stderr, "on_cpu_path: cannot run %s\n", argv[1]);
    perror("execv");
    return 2;
}

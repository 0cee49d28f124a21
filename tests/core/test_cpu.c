/* PP_CPU: the rule for every kind of CPU (pp_cpu_resolve, so an AVX2-only or
 * an older CPU is covered here too), and the path this process runs. */
#include "../test_util.h"
#include "cpu.h"

static void expect(const char *value, pp_cpu_path_kind best, bool ok, pp_cpu_path_kind path, const char *words)
{
    char msg[256] = "";
    pp_cpu_path_kind got = (pp_cpu_path_kind)-1;
    bool r = pp_cpu_resolve(value, best, &got, msg, sizeof msg);
    CHECK(r == ok, "PP_CPU=%s on a %s CPU: %s", value ? value : "(unset)", pp_cpu_path_name(best),
          r ? "accepted" : msg);
    CHECK(got == path, "PP_CPU=%s on a %s CPU runs %s, not %s", value ? value : "(unset)", pp_cpu_path_name(best),
          pp_cpu_path_name(got), pp_cpu_path_name(path));
    if (words)
        CHECK(strstr(msg, words) != NULL, "message '%s' lacks '%s'", msg, words);
}

static void test_resolve(void)
{
    for (int b = PP_CPU_PORTABLE; b <= PP_CPU_AVX512; b++) {
        expect(NULL, b, true, b, NULL);
        expect("", b, true, b, NULL);
        expect("portable", b, true, PP_CPU_PORTABLE, NULL);
    }
    expect("avx2", PP_CPU_AVX512, true, PP_CPU_AVX2, NULL);
    expect("avx2", PP_CPU_AVX2, true, PP_CPU_AVX2, NULL);
    expect("avx512", PP_CPU_AVX512, true, PP_CPU_AVX512, NULL);
    /* more than the CPU has: an error, and the best path meanwhile */
    expect("avx512", PP_CPU_AVX2, false, PP_CPU_AVX2, "PP_CPU=avx512: this CPU cannot run the avx512 kernels");
    expect("avx2", PP_CPU_PORTABLE, false, PP_CPU_PORTABLE, "the best it has is portable");
    expect("AVX2", PP_CPU_AVX512, false, PP_CPU_AVX512, "PP_CPU=AVX2 is not a CPU path");
    expect("sse4", PP_CPU_AVX2, false, PP_CPU_AVX2, "use avx512, avx2 or portable");
}

/* What meson asked for (PP_CPU) is what runs. */
static void test_this_process(void)
{
    const char *want = getenv("PP_CPU");
    printf("CPU path: %s (best %s)\n", pp_cpu_path_name(pp_cpu_path()), pp_cpu_path_name(pp_cpu_best_path()));
    CHECK(pp_cpu_path() <= pp_cpu_best_path(), "runs more than the CPU has");
    if (want)
        CHECK(strcmp(pp_cpu_path_name(pp_cpu_path()), want) == 0 && !pp_cpu_error(), "PP_CPU=%s: %s", want,
              pp_cpu_error() ? pp_cpu_error() : pp_cpu_path_name(pp_cpu_path()));
    else
        CHECK(pp_cpu_path() == pp_cpu_best_path() && !pp_cpu_error(), "unset PP_CPU must run the best path");
}

int main(void)
{
    RUN_TEST(test_resolve);
    RUN_TEST(test_this_process);
    return TEST_EXIT();
}

/* The benchmarks' --case (bench/bench_options.h): a full case name runs that
 * case alone, even where it is the start of another ("224_b1", "224_b16");
 * any other string is a family (every case containing it); cases on request
 * run only when --case names their family. If this failed, a script timing
 * one case would time others too, or a family would run nothing. */
#include "../test_util.h"
#include "bench_options.h"

static const char *const names[] = {"224_b1", "224_b16", "cifar32_b128", "effnet_b0_224_b1", "effnet_b0_224_b16", NULL};

/* which of names[] --case ONLY picks (default ones by bench_wants, effnet on request) */
static void expect(const char *only, const char *want)
{
    bench_options o = {.only = only, .cases = names};
    char got[256] = "";
    for (int k = 0; names[k]; k++) {
        const bool on_request = strncmp(names[k], "effnet", 6) == 0;
        if (on_request ? bench_wants_on_request(&o, names[k], "effnet") : bench_wants(&o, names[k]))
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", *got ? " " : "", names[k]);
    }
    CHECK(strcmp(got, want) == 0, "--case %s picks '%s', not '%s'", only ? only : "(none)", got, want);
}

static void test_case_selection(void)
{
    expect(NULL, "224_b1 224_b16 cifar32_b128"); /* no --case: the default cases */
    expect("224_b1", "224_b1");
    expect("224_b16", "224_b16");
    expect("effnet_b0_224_b1", "effnet_b0_224_b1");
    expect("effnet_b0_224_b16", "effnet_b0_224_b16");
    expect("effnet", "effnet_b0_224_b1 effnet_b0_224_b16");
    expect("224", "224_b1 224_b16"); /* a family; the on-request nets only by their name */
    expect("effnet_b0_224", "effnet_b0_224_b1 effnet_b0_224_b16");
    expect("cifar", "cifar32_b128");
    expect("nothing", "");
}

int main(void)
{
    RUN_TEST(test_case_selection);
    return TEST_EXIT();
}

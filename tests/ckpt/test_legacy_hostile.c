/* Hostile legacy torch.save files (tests/ckpt/make_legacy_fixtures.py builds
 * them part by part): each must be refused with a message naming the file
 * and the problem, leave the state dict empty, and run nothing. If one of
 * these fails, opening an old checkpoint from the internet could run code,
 * read past the file or exhaust memory. */
#include "ckpt/torch_legacy.h"
#include "ckpt_expect.h"

static void expect_refused(const char *file, const char *why)
{
    expect_refused_with(file, why, pp_torch_legacy_load_buffer);
}

static void test_truncated(void)
{
    expect_refused("hostile_truncated.pt", "runs past the end of the file");
    expect_refused("hostile_truncated_header.pt", "truncated");
}

static void test_huge_sizes(void)
{
    /* An element count of 2^62 in the storage record; a storage of 2^60
     * elements that the record agrees with: neither allocates. */
    expect_refused("hostile_count_mismatch.pt", "records 4611686018427387904 elements but the pickle declares 4");
    expect_refused("hostile_huge_storage.pt", "runs past the end of the file");
}

static void test_storage_keys(void)
{
    expect_refused("hostile_key_missing.pt", "storage '0' is used by a tensor but missing from the storage key list");
    expect_refused("hostile_key_unknown.pt", "names '9', which no tensor uses");
    expect_refused("hostile_key_twice.pt", "storage '0' is listed twice");
    expect_refused("hostile_storage_redeclared.pt", "storage '0' is named twice with different types or sizes");
}

static void test_offsets_past_the_end(void)
{
    expect_refused("hostile_offset_past_end.pt", "past the end of storage '0' of 4 elements");
    expect_refused("hostile_view_outside.pt", "storage view of 2 elements at 3 lies outside storage '0' of 4");
}

static void test_header(void)
{
    expect_refused("hostile_big_endian.pt", "big-endian");
    expect_refused("hostile_version.pt", "protocol version 1000 (only 1001 is known)");
}

static void test_recursion_and_memo(void)
{
    expect_refused("hostile_nesting.pt", "nested deeper than");
    expect_refused("hostile_memo_get.pt", "memo index 200 was never stored");
    expect_refused("hostile_memo_put_huge.pt", "memo index 2147483647 is beyond the limit");
}

static void test_code_is_never_run(void)
{
    expect_refused("hostile_reduce_in_state_dict.pt", "'b' is unsupported object evilmod.run");
    expect_refused("hostile_os_system_in_hparams.ckpt", "refusing os.system");
    expect_refused("hostile_backward_hook.pt", "backward hooks");
    /* A whole pickled model is walked, not run; a module that holds itself ends. */
    expect_refused("hostile_module_cycle.pt", "modules nested deeper than 32 (at 'm.m.m.");
}

static void test_shared_list_bomb(void)
{
    double t0 = pp_test_seconds();
    expect_refused("hostile_billion_laughs.ckpt", "hyper-parameter 'nested' expands to more than the pickle's own size");
    printf("  refused in %.3f s\n", pp_test_seconds() - t0);
}

int main(void)
{
    fixture_dir = "legacy";
    RUN_TEST(test_truncated);
    RUN_TEST(test_huge_sizes);
    RUN_TEST(test_storage_keys);
    RUN_TEST(test_offsets_past_the_end);
    RUN_TEST(test_header);
    RUN_TEST(test_recursion_and_memo);
    RUN_TEST(test_code_is_never_run);
    RUN_TEST(test_shared_list_bomb);
    return TEST_EXIT();
}

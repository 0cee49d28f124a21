/* Hostile checkpoints (tests/ckpt/make_fixtures.py builds them opcode by
 * opcode): each must be refused with a message naming the file and the
 * problem, leave the state dict empty, and run nothing. If one of these fails,
 * opening a file from the internet could run code or crash the app. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt_expect.h"

static void expect_refused(const char *file, const char *why)
{
    expect_refused_with(file, why, NULL);
}

static void test_os_system(void)
{
    expect_refused("hostile_os_system.pt", "refusing posix.system");
}

static void test_os_system_nested_in_valid_checkpoint(void)
{
    expect_refused("hostile_os_system_nested.ckpt", "refusing os.system");
}

static void test_builtins_eval_exec(void)
{
    expect_refused("hostile_eval.pt", "refusing builtins.eval");
    expect_refused("hostile_exec.pt", "refusing builtins.exec");
}

/* getattr is how pickles name attributes (Python 3.12 enums, bound methods:
 * augmentation objects in hyper-parameters use it), so it is inert rather
 * than refused; a file that is nothing but such a call holds no tensors. */
static void test_getattr_is_inert(void)
{
    expect_refused("hostile_getattr.pt", "holds an object of class collections.OrderedDict.__init__, neither");
    expect_refused("hostile_getattr.pt", "nothing was run");
}

static void test_reduce_of_unknown_callable(void)
{
    expect_refused("hostile_reduce_unknown.pt", "'b' is unsupported object evilmod.run");
}

static void test_memo_index_out_of_range(void)
{
    expect_refused("hostile_memo_out_of_range.pt", "memo index 200 was never stored");
}

static void test_nesting_bombs(void)
{
    expect_refused("hostile_nesting_lists.pt", "nested deeper than");
    expect_refused("hostile_nesting_marks.pt", "MARKs nested deeper than");
}

static void test_storage_offset_past_end(void)
{
    expect_refused("hostile_offset_past_end.pt", "past the end of storage '0' of 4 elements");
}

static void test_size_stride_overflow(void)
{
    expect_refused("hostile_size_stride_overflow.pt", "overflows");
}

static void test_storage_numel_mismatch(void)
{
    expect_refused("hostile_numel_mismatch.pt", "holds 16 bytes but the pickle declares 1000");
}

static void test_zip_entry_claiming_huge_size(void)
{
    /* Its directory record reaches past the directory: refused at open. */
    expect_refused("hostile_huge_entry.pt", "entries past the directory");
}

static void test_truncated_archive(void)
{
    expect_refused("hostile_truncated.pt", "not a valid zip archive");
}

/* Small files that expand: refused before they cost time or memory (the
 * suite's timeout is the bound; the time is reported). */
static void expect_refused_quickly(const char *file, const char *why)
{
    double t0 = pp_test_seconds();
    expect_refused(file, why);
    printf("  %s: refused in %.3f s\n", file, pp_test_seconds() - t0);
}

static void test_shared_list_bomb_in_hyper_parameters(void)
{
    /* 40 levels of a list holding the memoised list below twice: 2^40
     * leaves as JSON; 24 levels took 14-26 s and 4.4 GB before the bound. */
    expect_refused_quickly("hostile_billion_laughs.ckpt",
                           "hyper-parameter 'nested' expands to more than the pickle's own size");
}

static void test_overlapping_zip_entries(void)
{
    /* 64 directory records naming one 4 MiB deflated stream: 256 MiB
     * inflated from 17 KB before (the probe's 119 KB file: 16 GB). */
    expect_refused_quickly("hostile_overlapping_entries.pt",
                           "zip entries 'archive/data/zero' and 'archive/data/0' overlap");
    /* One entry's header and stream quoted inside another's stored data:
     * every header matches its record, only the byte ranges tell. */
    expect_refused_quickly("hostile_quoted_overlap.pt",
                           "zip entries 'archive/data/0' and 'archive/data/1' overlap");
}

static void test_total_inflated_bytes_bounded(void)
{
    /* Eight distinct entries of 4 MiB zeros each, 1000:1 compressed. */
    expect_refused_quickly("hostile_inflate_total.pt", "would inflate the archive past 16 MiB");
}

static void test_missing_file(void)
{
    pp_state_dict sd;
    pp_error err;
    CHECK(pp_torch_load("/nonexistent/x.ckpt", &sd, &err) == PP_ERR_IO, "missing file: %s", err.msg);
    CHECK(sd.count == 0, "missing file loaded something");
}

int main(void)
{
    RUN_TEST(test_os_system);
    RUN_TEST(test_os_system_nested_in_valid_checkpoint);
    RUN_TEST(test_builtins_eval_exec);
    RUN_TEST(test_getattr_is_inert);
    RUN_TEST(test_reduce_of_unknown_callable);
    RUN_TEST(test_memo_index_out_of_range);
    RUN_TEST(test_nesting_bombs);
    RUN_TEST(test_storage_offset_past_end);
    RUN_TEST(test_size_stride_overflow);
    RUN_TEST(test_storage_numel_mismatch);
    RUN_TEST(test_zip_entry_claiming_huge_size);
    RUN_TEST(test_truncated_archive);
    RUN_TEST(test_shared_list_bomb_in_hyper_parameters);
    RUN_TEST(test_overlapping_zip_entries);
    RUN_TEST(test_total_inflated_bytes_bounded);
    RUN_TEST(test_missing_file);
    return TEST_EXIT();
}

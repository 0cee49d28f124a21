/* Metadata input_size is checked when a model loads: one predict at 4096 took
 * 27 s and 4.3 GB, so sides above PP_INPUT_SIZE_MAX are errors naming the key
 * and sides above PP_INPUT_SIZE_WARN load with a note. */
#include <string.h>

#include "../fixture.h"
#include "../test_util.h"
#include "arch.h"
#include "ckpt/checkpoint.h"

static void check_side(pp_state_dict *sd, const char *value, pp_status want, const char *note)
{
    pp_error err = {0};
    char notes[512];
    pp_arch a;
    CHECK_OK(pp_sd_meta_set(sd, "input_size", value, &err), &err);
    pp_status st = pp_arch_infer(&a, sd, NULL, notes, sizeof notes, &err);
    CHECK(st == want, "input_size %s: %s (%s), want %s", value, pp_status_string(st), err.msg,
          pp_status_string(want));
    if (st != PP_OK)
        CHECK(strstr(err.msg, "input_size") && strstr(err.msg, "1 to 1024"), "message: %s", err.msg);
    else
        CHECK(note ? strstr(notes, note) != NULL : strstr(notes, "input_size") == NULL, "%s: notes '%s'", value,
              notes);
}

static void test_input_size_limits(void)
{
    pp_state_dict sd;
    pp_error err = {0};
    CHECK_OK(pp_checkpoint_load(fixture_path("core", "r18_cifar_gray_pp5.safetensors"), &sd, &err), &err);
    if (err.status)
        return;
    check_side(&sd, "28", PP_OK, NULL);
    check_side(&sd, "224", PP_OK, NULL);
    check_side(&sd, "600", PP_OK, "input_size 600 is large");
    check_side(&sd, "1024", PP_OK, "input_size 1024 is large");
    check_side(&sd, "4096", PP_ERR_FORMAT, NULL);
    check_side(&sd, "0", PP_ERR_FORMAT, NULL);
    check_side(&sd, "-32", PP_ERR_FORMAT, NULL);
    check_side(&sd, "224px", PP_ERR_FORMAT, NULL);
    pp_sd_free(&sd);
}

int main(void)
{
    RUN_TEST(test_input_size_limits);
    return TEST_EXIT();
}

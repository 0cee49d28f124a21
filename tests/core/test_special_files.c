/* A FIFO or a device given as any input (image, model, npy, IDX, CIFAR, eval
 * JSON, a model's labels.txt) is refused with "not a regular file" instead of
 * blocking on the open or the read. An alarm fails the test if a loader blocks. */
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../fixture.h"
#include "../test_util.h"
#include "ckpt/checkpoint.h"
#include "ckpt/safetensors.h"
#include "ckpt/torch_checkpoint.h"
#include "data/dataset.h"
#include "data/idx.h"
#include "eval/evaluate.h"
#include "image/image.h"
#include "model_file.h"

static char dir[64];

static const char *at(const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static void expect_refused(const char *what, pp_status st, const pp_error *err, const char *path)
{
    CHECK(st != PP_OK && strstr(err->msg, path) && strstr(err->msg, "not a regular file"),
          "%s: want '%s: not a regular file', got %s: %s", what, path, pp_status_string(st), err->msg);
}

static void test_fifo_and_device_inputs(void)
{
    const char *fifo = at("input.fifo");
    CHECK(mkfifo(fifo, 0600) == 0, "mkfifo");
    pp_error err = {0};
    pp_image img;
    pp_npy arr;
    pp_state_dict sd;
    pp_model m;
    pp_idx_images ii;
    pp_idx_labels il;
    pp_dataset ds;
    pp_eval_result r;
    expect_refused("image", pp_image_load(fifo, &img, &err), &err, fifo);
    expect_refused("image from a device", pp_image_load("/dev/zero", &img, &err), &err, "/dev/zero");
    expect_refused("npy", pp_npy_load(fifo, &arr, &err), &err, fifo);
    expect_refused("checkpoint", pp_checkpoint_load(fifo, &sd, &err), &err, fifo);
    expect_refused("safetensors", pp_safetensors_load(fifo, &sd, &err), &err, fifo);
    expect_refused("torch", pp_torch_load(fifo, &sd, &err), &err, fifo);
    expect_refused("model", pp_model_open(&m, fifo, NULL, NULL, 0, &err), &err, fifo);
    expect_refused("IDX images", pp_idx_load_images(fifo, &ii, &err), &err, fifo);
    expect_refused("IDX labels", pp_idx_load_labels(fifo, 10, &il, &err), &err, fifo);
    expect_refused("eval JSON", pp_eval_result_load_json(&r, fifo, &err), &err, fifo);
    CHECK(symlink(fifo, at("images.npy")) == 0, "symlink");
    CHECK(pp_dataset_open(&ds, at("images.npy"), false, &err) != PP_OK, "a FIFO behind a .npy name");
}

static void test_fifo_beside_a_model(void)
{
    /* A model without class names reads labels.txt beside it if there is one. */
    pp_error err = {0};
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", fixture_path("core", "r18_cifar_gray_pp5.safetensors"),
             at("m.safetensors"));
    CHECK(system(cmd) == 0, "copy model");
    CHECK(mkfifo(at("labels.txt"), 0600) == 0, "mkfifo labels.txt");
    pp_model m;
    CHECK_OK(pp_model_open(&m, at("m.safetensors"), NULL, NULL, 0, &err), &err);
    if (!err.status)
        pp_model_free(&m);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/pp-test-special-XXXXXX");
    if (!mkdtemp(dir))
        return 2;
    alarm(60); /* a loader blocking on a FIFO ends the test here */
    RUN_TEST(test_fifo_and_device_inputs);
    RUN_TEST(test_fifo_beside_a_model);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 2;
    return TEST_EXIT();
}

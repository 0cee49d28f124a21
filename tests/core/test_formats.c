/* npy and safetensors: round trips, and hostile files rejected with a clear
 * message, without crashing and without partial outputs. */
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "../fixture.h"
#include "../test_util.h"
#include "ckpt/npy.h"
#include "ckpt/safetensors.h"
#include "forward.h"
#include "model_file.h"

static char tmpdir[256];

static const char *tmp(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return path;
}

static int files_in_tmpdir(void)
{
    DIR *d = opendir(tmpdir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

static void test_npy_roundtrip(void)
{
    pp_error err = {0};
    float f[6] = {1.5f, -2, 3, 4e-8f, 5, 6};
    int64_t fshape[2] = {2, 3};
    CHECK_OK(pp_npy_save(tmp("f.npy"), PP_NPY_F32, 2, fshape, f, &err), &err);
    pp_npy a;
    CHECK_OK(pp_npy_load(tmp("f.npy"), &a, &err), &err);
    CHECK(a.dtype == PP_NPY_F32 && a.ndim == 2 && a.shape[0] == 2 && a.shape[1] == 3, "f32 header");
    CHECK(a.data && memcmp(a.data, f, sizeof f) == 0, "f32 data");
    pp_npy_free(&a);

    uint8_t u[5] = {0, 1, 127, 200, 255};
    int64_t ushape[1] = {5};
    CHECK_OK(pp_npy_save(tmp("u.npy"), PP_NPY_U8, 1, ushape, u, &err), &err);
    CHECK_OK(pp_npy_load(tmp("u.npy"), &a, &err), &err);
    CHECK(a.dtype == PP_NPY_U8 && a.ndim == 1 && a.shape[0] == 5 && memcmp(a.data, u, 5) == 0, "u8 round trip");
    pp_npy_free(&a);

    int64_t l[3] = {-1, 0, INT64_MAX};
    int64_t lshape[1] = {3};
    CHECK_OK(pp_npy_save(tmp("l.npy"), PP_NPY_I64, 1, lshape, l, &err), &err);
    CHECK_OK(pp_npy_load(tmp("l.npy"), &a, &err), &err);
    CHECK(a.dtype == PP_NPY_I64 && memcmp(a.data, l, sizeof l) == 0, "i64 round trip");
    pp_npy_free(&a);

    /* A 0-d array and the numpy-written fixtures (f4, i8) parse too. */
    CHECK_OK(pp_npy_save(tmp("s.npy"), PP_NPY_F32, 0, NULL, f, &err), &err);
    CHECK_OK(pp_npy_load(tmp("s.npy"), &a, &err), &err);
    CHECK(a.ndim == 0 && ((float *)a.data)[0] == 1.5f, "scalar");
    pp_npy_free(&a);
    a = fixture_npy("core", "conv_3x3_s1_meta.npy");
    CHECK(a.dtype == PP_NPY_I64 && a.shape[0] == 7 && ((int64_t *)a.data)[0] == 3, "numpy int64 fixture");
    pp_npy_free(&a);
}

static void expect_npy_error(const char *what, const uint8_t *buf, size_t len, const char *needle)
{
    pp_npy a;
    pp_error err = {0};
    pp_status st = pp_npy_parse(buf, len, "hostile.npy", &a, &err);
    CHECK(st != PP_OK, "%s: accepted", what);
    CHECK(strstr(err.msg, "hostile.npy") && strstr(err.msg, needle), "%s: message '%s' lacks '%s'", what, err.msg,
          needle);
}

static void test_npy_hostile(void)
{
    uint8_t buf[256];
    const char *hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 4), }";
    size_t hl = strlen(hdr);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (uint8_t)hl;
    buf[9] = 0;
    memcpy(buf + 10, hdr, hl);
    memset(buf + 10 + hl, 0, 64);
    expect_npy_error("truncated data", buf, 10 + hl + 60, "truncated");
    expect_npy_error("bad magic", (const uint8_t *)"NUMPY\x01\x00xxxxxxxx", 14, "magic");
    buf[8] = 250;
    expect_npy_error("header past the end", buf, 10 + hl, "truncated");
    const char *huge = "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }";
    hl = strlen(huge);
    buf[8] = (uint8_t)hl;
    memcpy(buf + 10, huge, hl);
    expect_npy_error("size overflow", buf, 10 + hl, "overflow");
    const char *odd = "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }";
    hl = strlen(odd);
    buf[8] = (uint8_t)hl;
    memcpy(buf + 10, odd, hl);
    expect_npy_error("complex dtype", buf, 10 + hl + 8, "not supported");
    /* Found by fuzz_npy: the header ends right after 'shape': (was a 1-byte over-read). */
    static const uint8_t cut_shape[] = {0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00, 0x76, 0x00, 0x7b, 0x27, 0x64, 0x65, 0x73, 0x63, 0x72, 0x27, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x76, 0x00, 0x7b, 0x27, 0x64, 0x65, 0x73, 0x63, 0x72, 0x27, 0x3a, 0x20, 0x27, 0x3e, 0x69, 0x31, 0x27, 0x2c, 0x28, 0x20, 0x27, 0x66, 0x6f, 0x72, 0x74, 0x72, 0x61, 0x6e, 0x5f, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x27, 0x20, 0x3a, 0x46, 0x61, 0x6c, 0x73, 0x65, 0x2c, 0x20, 0x27, 0x73, 0x68, 0x61, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x73, 0x63, 0x72, 0x27, 0x72, 0x72, 0x61, 0x6e, 0x5f, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x27, 0x20, 0x3a, 0x46, 0x61, 0x6c, 0x73, 0x65, 0x2c, 0x20, 0x27, 0x73, 0x68, 0x61, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x73, 0x63, 0x72, 0x27, 0x72, 0x72, 0x61, 0x6e, 0x5f, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x27, 0x3a, 0x25, 0x20, 0x73, 0x65, 0x2c, 0x20, 0x27, 0x73, 0x68, 0x61, 0x70, 0x65, 0x27, 0x3a};
    expect_npy_error("header ending at 'shape':", cut_shape, sizeof cut_shape, "shape");
}

static void test_safetensors_roundtrip(void)
{
    pp_model m, back;
    pp_error err = {0};
    char notes[256];
    pp_arch_hints hints = {.avg_kernel = -1};
    CHECK_OK(pp_model_open(&m, fixture_path("core", "r18_cifar_pp0_fixed.safetensors"), &hints, notes,
                           sizeof notes, &err), &err);
    if (err.status)
        return;
    const char *names[10] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"};
    CHECK_OK(pp_model_set_class_names(&m, names, 10, &err), &err);
    CHECK_OK(pp_model_save(&m, tmp("saved.safetensors"), &err), &err);
    CHECK_OK(pp_model_open(&back, tmp("saved.safetensors"), &hints, notes, sizeof notes, &err), &err);
    if (err.status) {
        pp_model_free(&m);
        return;
    }
    CHECK(notes[0] == '\0', "saved file needs no assumptions, got: %s", notes);
    CHECK(memcmp(&m.arch, &back.arch, sizeof m.arch) == 0, "architecture survives the round trip");
    CHECK(strcmp(pp_model_class_name(&back, 6), "g") == 0, "class names survive");
    CHECK(m.arena_floats == back.arena_floats, "same arena size");
    for (int i = 0; i < m.param_count; i++)
        CHECK(memcmp(m.params[i].data, back.params[i].data,
                     sizeof(float) * (size_t)pp_shape_numel(m.params[i].ndim, m.params[i].shape)) == 0,
              "%s differs after the round trip", m.params[i].name);
    CHECK(m.bn.num_batches_tracked == 7 && back.bn.num_batches_tracked == 7, "num_batches_tracked kept");
    pp_model_free(&back);
    pp_model_free(&m);
}

/* Builds a safetensors file from a header string and `data_len` data bytes. */
static size_t make_st(uint8_t *buf, const char *header, size_t data_len)
{
    size_t hl = strlen(header);
    for (int i = 0; i < 8; i++)
        buf[i] = (uint8_t)((uint64_t)hl >> (8 * i));
    memcpy(buf + 8, header, hl);
    memset(buf + 8 + hl, 0x3f, data_len);
    return 8 + hl + data_len;
}

static void expect_st_error(const char *what, const uint8_t *buf, size_t len, const char *needle)
{
    pp_state_dict sd;
    pp_error err = {0};
    pp_status st = pp_safetensors_parse(buf, len, "hostile.safetensors", &sd, &err);
    CHECK(st != PP_OK, "%s: accepted", what);
    CHECK(strstr(err.msg, "hostile.safetensors") && strstr(err.msg, needle), "%s: message '%s' lacks '%s'", what,
          err.msg, needle);
    CHECK(sd.count == 0 && sd.entries == NULL, "%s: state dict not emptied", what);
}

static void test_safetensors_hostile(void)
{
    uint8_t buf[1024];
    size_t n = make_st(buf, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8);
    pp_state_dict sd;
    pp_error err = {0};
    CHECK_OK(pp_safetensors_parse(buf, n, "ok.safetensors", &sd, &err), &err);
    pp_sd_free(&sd);

    expect_st_error("truncated data", buf, n - 1, "the file is truncated");
    n = make_st(buf, "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8);
    expect_st_error("shape and bytes disagree", buf, n, "need");
    n = make_st(buf, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                     "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12);
    expect_st_error("overlapping tensors", buf, n, "overlap");
    n = make_st(buf, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8);
    expect_st_error("reversed offsets", buf, n, "data_offsets");
    n = make_st(buf, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", 8);
    expect_st_error("size overflow", buf, n, "overflow");
    n = make_st(buf, "{\"a\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8);
    expect_st_error("unknown dtype", buf, n, "dtype");
    n = make_st(buf, "{\"__metadata__\":{\"k\":3}}", 0);
    expect_st_error("non-string metadata", buf, n, "metadata");
    n = make_st(buf, "{\"a\": [", 0);
    expect_st_error("broken JSON", buf, n, "JSON");
    memset(buf, 0xff, 16);
    expect_st_error("header length past the end", buf, 16, "header length");
    expect_st_error("too short", buf, 4, "too short");
}

/* A header with `tensors` empty tensors and `keys` metadata keys. */
static uint8_t *make_many_keys_st(int tensors, int keys, size_t *len)
{
    size_t cap = 64 + (size_t)tensors * 64 + (size_t)keys * 32;
    char *h = malloc(cap);
    size_t n = (size_t)snprintf(h, cap, "{\"__metadata__\":{");
    for (int i = 0; i < keys; i++)
        n += (size_t)snprintf(h + n, cap - n, "%s\"key%d\":\"v\"", i ? "," : "", i);
    n += (size_t)snprintf(h + n, cap - n, "}");
    for (int i = 0; i < tensors; i++)
        n += (size_t)snprintf(h + n, cap - n, ",\"t%d\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}", i);
    snprintf(h + n, cap - n, "}");
    uint8_t *buf = malloc(8 + strlen(h));
    *len = make_st(buf, h, 0);
    free(h);
    return buf;
}

static void test_safetensors_many_keys(void)
{
    /* Name lookups were linear, so a load was quadratic in the key count
     * (80k metadata keys took 14 s, 320k 278 s), and nothing capped it. */
    size_t len;
    uint8_t *buf = make_many_keys_st(PP_SD_MAX_TENSORS, PP_SD_MAX_META, &len);
    pp_state_dict sd;
    pp_error err = {0};
    double t0 = pp_test_seconds();
    CHECK_OK(pp_safetensors_parse(buf, len, "many.safetensors", &sd, &err), &err);
    printf("  %d tensors and %d metadata keys (%zu KB) parsed in %.3f s\n", PP_SD_MAX_TENSORS, PP_SD_MAX_META,
           len >> 10, pp_test_seconds() - t0);
    CHECK(sd.count == PP_SD_MAX_TENSORS && sd.meta_count == PP_SD_MAX_META, "loaded %zu tensors, %zu keys",
          sd.count, sd.meta_count);
    CHECK(pp_sd_find(&sd, "t9999") && strcmp(pp_sd_meta_get(&sd, "key12345"), "v") == 0, "lookups fail");
    pp_sd_free(&sd);
    free(buf);
    buf = make_many_keys_st(1, PP_SD_MAX_META + 1, &len);
    expect_st_error("too many metadata keys", buf, len, "metadata entries (at most");
    free(buf);
    buf = make_many_keys_st(PP_SD_MAX_TENSORS + 1, 0, &len);
    expect_st_error("too many tensors", buf, len, "tensors and 0 metadata entries (at most");
    free(buf);
}

static void test_failed_save_leaves_nothing(void)
{
    int before = files_in_tmpdir();
    pp_error err = {0};
    int64_t shape[1] = {1};
    float v = 1;
    pp_status st = pp_npy_save("/nonexistent-dir/x.npy", PP_NPY_F32, 1, shape, &v, &err);
    CHECK(st == PP_ERR_IO && strstr(err.msg, "/nonexistent-dir/x.npy"), "error names the file: %s", err.msg);
    /* A streaming writer abandoned half-way leaves neither target nor temp file. */
    pp_npy_writer w;
    int64_t big[1] = {100};
    CHECK_OK(pp_npy_writer_open(&w, tmp("partial.npy"), PP_NPY_F32, 1, big, &err), &err);
    CHECK_OK(pp_npy_writer_append(&w, &v, sizeof v, &err), &err);
    CHECK(pp_npy_writer_commit(&w, &err) != PP_OK, "commit with missing data must fail");
    CHECK(access(tmp("partial.npy"), F_OK) != 0, "no partial file");
    CHECK(files_in_tmpdir() == before, "temp files left behind");
}

/* "Disk full" while saving: a file-size limit makes the write fail part-way;
 * the previous file must survive byte for byte and no temp file may remain. */
static void test_disk_full_keeps_old_file(void)
{
    pp_model m;
    pp_error err = {0};
    char notes[256];
    pp_arch_hints hints = {.avg_kernel = -1};
    CHECK_OK(pp_model_open(&m, fixture_path("core", "r18_cifar_pp3.safetensors"), &hints, notes, sizeof notes, &err),
             &err);
    if (err.status)
        return;
    const char *path = tmp("keep.safetensors");
    FILE *fp = fopen(path, "wb");
    fputs("previous contents", fp);
    fclose(fp);
    int before = files_in_tmpdir();
    struct rlimit old, small = {.rlim_cur = 4096, .rlim_max = RLIM_INFINITY};
    getrlimit(RLIMIT_FSIZE, &old);
    small.rlim_max = old.rlim_max;
    signal(SIGXFSZ, SIG_IGN); /* get EFBIG instead of being killed */
    setrlimit(RLIMIT_FSIZE, &small);
    pp_status st = pp_model_save(&m, path, &err);
    setrlimit(RLIMIT_FSIZE, &old);
    CHECK(st == PP_ERR_IO && strstr(err.msg, "keep.safetensors"), "save must fail with the file named: %s", err.msg);
    char buf[64] = {0};
    fp = fopen(path, "rb");
    size_t n = fp ? fread(buf, 1, sizeof buf - 1, fp) : 0;
    if (fp)
        fclose(fp);
    CHECK(n == 17 && strcmp(buf, "previous contents") == 0, "old file intact, got '%s'", buf);
    CHECK(files_in_tmpdir() == before, "no temp file left after the failed save");
    pp_model_free(&m);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pp-test-formats-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 2;
    RUN_TEST(test_npy_roundtrip);
    RUN_TEST(test_npy_hostile);
    RUN_TEST(test_safetensors_roundtrip);
    RUN_TEST(test_safetensors_hostile);
    RUN_TEST(test_safetensors_many_keys);
    RUN_TEST(test_failed_save_leaves_nothing);
    RUN_TEST(test_disk_full_keeps_old_file);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return TEST_EXIT();
}

/* The restricted pickle interpreter on its own: real Python pickles of plain
 * data (protocols 2, 4, 5), hand-written programs for the allow-list and the
 * inert values, and every limit. If these fail, checkpoints with less common
 * opcodes are refused or, worse, a malformed pickle is accepted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/pickle.h"
#include "ckpt/pickle_text.h"
#include "test_util.h"

static char path_buf[1024];

static const char *fixture(const char *name)
{
    const char *dir = getenv("PP_FIXTURES");
    snprintf(path_buf, sizeof path_buf, "%s/ckpt/%s", dir ? dir : "tests/fixtures", name);
    return path_buf;
}

static uint8_t *read_all(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    uint8_t *buf = malloc(1 << 20);
    *n = fread(buf, 1, 1 << 20, fp);
    fclose(fp);
    return buf;
}

static pp_status parse(const char *bytes, size_t n, pp_pickle **pk, const pp_pv **root,
                       pp_error *err)
{
    return pp_pickle_parse((const uint8_t *)bytes, n, "test.pkl", NULL, NULL, pk, root, err);
}
#define PARSE(lit, pk, root, err) parse(lit, sizeof(lit) - 1, pk, root, err)

static int64_t int_of(const pp_pv *v)
{
    return v && v->kind == PP_PV_INT ? v->u.i : -999999;
}

static void check_plain(const char *file)
{
    size_t n;
    uint8_t *buf = read_all(fixture(file), &n);
    CHECK(buf != NULL, "cannot read %s", file);
    if (!buf)
        return;
    pp_pickle *pk;
    const pp_pv *root;
    pp_error err;
    CHECK_OK(pp_pickle_parse(buf, n, file, NULL, NULL, &pk, &root, &err), &err);
    if (err.status == PP_OK) {
        CHECK(root->kind == PP_PV_DICT, "%s: root is not a dict", file);
        CHECK(int_of(pp_pv_dict_get(root, "a")) == 3, "%s: a", file);
        CHECK(int_of(pp_pv_dict_get(root, "a ")) == 2, "%s: 'a '", file);
        const pp_pv *b = pp_pv_dict_get(root, "b");
        CHECK(b && b->kind == PP_PV_LIST && b->u.seq.len == 4, "%s: b", file);
        if (b && b->kind == PP_PV_LIST && b->u.seq.len == 4) {
            CHECK(b->u.seq.items[0]->kind == PP_PV_FLOAT && b->u.seq.items[0]->u.f == 1.5, "b[0]");
            CHECK(b->u.seq.items[1]->kind == PP_PV_STR &&
                      strcmp(b->u.seq.items[1]->u.str.s, "x\xc3\xa9") == 0,
                  "b[1] utf-8");
            CHECK(b->u.seq.items[2]->kind == PP_PV_NONE, "b[2]");
            CHECK(b->u.seq.items[3]->kind == PP_PV_BOOL && b->u.seq.items[3]->u.b, "b[3]");
        }
        const pp_pv *c = pp_pv_dict_get(root, "c");
        CHECK(c && c->kind == PP_PV_TUPLE && c->u.seq.len == 2 && int_of(c->u.seq.items[1]) == 2,
              "%s: c", file);
        const pp_pv *big = pp_pv_dict_get(root, "big");
        CHECK(big && big->kind == PP_PV_OBJECT, "%s: 2**70 should be inert", file);
        CHECK(int_of(pp_pv_dict_get(root, "neg")) == -((int64_t)1 << 40), "%s: neg", file);
        const pp_pv *s = pp_pv_dict_get(root, "s"), *fs = pp_pv_dict_get(root, "fs");
        CHECK(s && s->kind == PP_PV_SET && s->u.seq.len == 1 && int_of(s->u.seq.items[0]) == 7,
              "%s: set", file);
        CHECK(fs && fs->kind == PP_PV_SET && fs->u.seq.len == 1 && int_of(fs->u.seq.items[0]) == 3,
              "%s: frozenset", file);
        const pp_pv *by = pp_pv_dict_get(root, "bytes");
        /* Protocol 2 writes bytes as a call of _codecs.encode: inert, not called. */
        if (strcmp(file, "plain_p2.pkl") == 0)
            CHECK(by && by->kind == PP_PV_OBJECT && strcmp(by->u.str.s, "_codecs.encode") == 0,
                  "%s: bytes", file);
        else
            CHECK(by && by->kind == PP_PV_BYTES && by->u.str.len == 2 &&
                      memcmp(by->u.str.s, "ab", 2) == 0,
                  "%s: bytes", file);
        const pp_pv *od = pp_pv_dict_get(root, "od");
        CHECK(od && od->kind == PP_PV_DICT && int_of(pp_pv_dict_get(od, "z")) == 1, "%s: OrderedDict",
              file);
        pp_pickle_free(pk);
    }
    /* Every truncation must fail cleanly, never read past the end. */
    for (size_t cut = 0; cut < n; cut++) {
        uint8_t *part = malloc(cut ? cut : 1);
        memcpy(part, buf, cut);
        pp_status st = pp_pickle_parse(part, cut, file, NULL, NULL, &pk, &root, &err);
        CHECK(st != PP_OK, "%s cut at %zu accepted", file, cut);
        CHECK(pk == NULL && root == NULL, "%s cut at %zu left values", file, cut);
        free(part);
    }
    free(buf);
}

static void test_python_pickles_p2_p4_p5(void)
{
    check_plain("plain_p2.pkl");
    check_plain("plain_p4.pkl");
    check_plain("plain_p5.pkl");
}

static void test_duplicate_keys_last_wins(void)
{
    pp_pickle *pk;
    const pp_pv *root;
    pp_error err;
    CHECK_OK(PARSE("\x80\x02}(X\x01\x00\x00\x00kK\x01X\x01\x00\x00\x00kK\x02u.", &pk, &root, &err),
             &err);
    if (err.status == PP_OK) {
        CHECK(int_of(pp_pv_dict_get(root, "k")) == 2, "last value wins");
        pp_pickle_free(pk);
    }
}

/* An unknown global is never called: REDUCE, NEWOBJ and BUILD on it give
 * inert values that remember the name. */
static void test_unknown_global_is_inert(void)
{
    pp_pickle *pk;
    const pp_pv *root;
    pp_error err;
    CHECK_OK(PARSE("\x80\x02" "cnumpy.core.multiarray\nscalar\n" "(K\x01tR}b"
                   "cpathlib\nPosixPath\n)\x81K\x01" "a.",
                   &pk, &root, &err),
             &err);
    if (err.status == PP_OK) {
        CHECK(root->kind == PP_PV_OBJECT && strcmp(root->u.str.s, "pathlib.PosixPath") == 0,
              "got %d", root->kind);
        char d[128];
        CHECK(strcmp(pp_pv_describe(root, d, sizeof d), "unsupported object pathlib.PosixPath") == 0,
              "describe: %s", d);
        pp_pickle_free(pk);
    }
}

/* An inert object keeps what it was built from, to be shown as text:
 * NEWOBJ's class and BUILD's state, REDUCE's arguments, getattr chains. */
static void test_inert_object_keeps_arguments_and_state(void)
{
    pp_pickle *pk;
    const pp_pv *root;
    pp_error err;
    /* aug.AugMix.__new__ + BUILD {'severity': 3, '_private': 1,
     * 'mode': getattr(aug.Mode, 'BILINEAR')}, then
     * getattr(aug.P, 'from_config')((1, 'x'),) in a list. */
    CHECK_OK(PARSE("\x80\x02(" "caug\nAugMix\n)\x81}(X\x08\x00\x00\x00severityK\x03"
                   "X\x08\x00\x00\x00_privateK\x01X\x04\x00\x00\x00mode"
                   "c__builtin__\ngetattr\ncaug\nMode\nX\x08\x00\x00\x00" "BILINEAR\x86Rub"
                   "cbuiltins\ngetattr\ncaug\nP\nX\x0b\x00\x00\x00" "from_config\x86R"
                   "K\x01X\x01\x00\x00\x00x\x86\x85Rl.",
                   &pk, &root, &err),
             &err);
    if (err.status != PP_OK)
        return;
    CHECK(root->kind == PP_PV_LIST && root->u.seq.len == 2, "list of two objects");
    if (root->kind == PP_PV_LIST && root->u.seq.len == 2) {
        char t[256];
        pp_pv_text(root->u.seq.items[0], t, sizeof t);
        CHECK(strcmp(t, "aug.AugMix(severity=3, mode=aug.Mode.BILINEAR)") == 0, "text: %s", t);
        pp_pv_text(root->u.seq.items[1], t, sizeof t);
        CHECK(strcmp(t, "aug.P.from_config((1, 'x'))") == 0, "text: %s", t);
        pp_pv_object_name(root->u.seq.items[1], t, sizeof t);
        CHECK(strcmp(t, "aug.P.from_config") == 0, "name: %s", t);
        CHECK(pp_pv_holds_object(root), "a list of objects holds one");
        char tiny[8];
        pp_pv_text(root, tiny, sizeof tiny);
        CHECK(strcmp(tiny, "[aug...") == 0, "cut text ends in ...: %s", tiny);
    }
    pp_pickle_free(pk);
}

/* Legacy persistent ids: nn.Module classes and storage views. */
static void test_legacy_persistent_ids(void)
{
    pp_pickle *pk;
    const pp_pv *root;
    pp_error err;
    /* ('module', mod.Net, 'net.py', 'source') -> the inert class */
    CHECK_OK(PARSE("\x80\x02(X\x06\x00\x00\x00module" "cmod\nNet\n"
                   "X\x06\x00\x00\x00net.pyX\x06\x00\x00\x00sourcetQ.",
                   &pk, &root, &err),
             &err);
    if (err.status == PP_OK) {
        CHECK(root->kind == PP_PV_OBJECT && strcmp(root->u.obj.s, "mod.Net") == 0, "module id");
        pp_pickle_free(pk);
    }
    /* A view of elements 1..2 of storage '0' (4 floats). */
    CHECK_OK(PARSE("\x80\x02(X\x07\x00\x00\x00storage" "ctorch\nFloatStorage\n"
                   "X\x01\x00\x00\x00" "0X\x03\x00\x00\x00" "cpuK\x04(X\x01\x00\x00\x00vK\x01K\x02ttQ.",
                   &pk, &root, &err),
             &err);
    if (err.status == PP_OK) {
        CHECK(root->kind == PP_PV_STORAGE && root->u.storage.numel == 2 &&
                  root->u.storage.root_numel == 4 && root->u.storage.view_offset == 1,
              "storage view");
        pp_pickle_free(pk);
    }
}

static void test_namespace_build_and_newobj_ex(void)
{
    pp_pickle *pk;
    const pp_pv *root;
    pp_error err;
    CHECK_OK(PARSE("\x80\x04" "\x8c\x08" "argparse" "\x8c\x09" "Namespace" "\x93)}\x92"
                   "}X\x01\x00\x00\x00xK\x07sb.",
                   &pk, &root, &err),
             &err);
    if (err.status == PP_OK) {
        CHECK(root->kind == PP_PV_DICT && int_of(pp_pv_dict_get(root, "x")) == 7,
              "Namespace state becomes the dict");
        pp_pickle_free(pk);
    }
    /* An OrderedDict's BUILD state is attributes (_metadata), not items. */
    CHECK_OK(PARSE("\x80\x02" "ccollections\nOrderedDict\n)R}X\x09\x00\x00\x00_metadataK\x01sb.",
                   &pk, &root, &err),
             &err);
    if (err.status == PP_OK) {
        CHECK(root->kind == PP_PV_DICT && root->u.dict.len == 0, "OrderedDict attributes ignored");
        pp_pickle_free(pk);
    }
}

static void test_tensor_views_checked(void)
{
    /* 4-element storage, size (2,2) stride (2,1), offset 0: fits exactly. */
#define STORAGE "((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x00" "0X\x03\x00\x00\x00" "cpuK\x04tQ"
#define REBUILD "ctorch._utils\n_rebuild_tensor_v2\n" /* STORAGE opens the args */
    pp_pickle *pk;
    const pp_pv *root;
    pp_error err;
    CHECK_OK(PARSE("\x80\x02" REBUILD STORAGE "K\x00K\x02K\x02\x86K\x02K\x01\x86\x89}tR.", &pk,
                   &root, &err),
             &err);
    if (err.status == PP_OK) {
        CHECK(root->kind == PP_PV_TENSOR && root->u.tensor.numel == 4 && root->u.tensor.ndim == 2,
              "tensor");
        pp_pickle_free(pk);
    }
    /* One element more: past the end. */
    CHECK(PARSE("\x80\x02" REBUILD STORAGE "K\x01K\x02K\x02\x86K\x02K\x01\x86\x89}tR.", &pk, &root,
                &err) == PP_ERR_FORMAT &&
              strstr(err.msg, "past the end"),
          "offset 1: %s", err.msg);
    /* Negative stride. */
    CHECK(PARSE("\x80\x02" REBUILD STORAGE "K\x00K\x02\x85J\xff\xff\xff\xff\x85\x89}tR.", &pk, &root,
                &err) == PP_ERR_FORMAT,
          "negative stride accepted");
    /* Empty tensors may sit anywhere up to the end. */
    CHECK_OK(PARSE("\x80\x02" REBUILD STORAGE "K\x04K\x00\x85K\x01\x85\x89}tR.", &pk, &root, &err),
             &err);
    if (err.status == PP_OK)
        pp_pickle_free(pk);
    /* A parameter wraps a tensor. */
    CHECK_OK(PARSE("\x80\x02" "ctorch._utils\n_rebuild_parameter\n(" REBUILD STORAGE
                   "K\x00K\x04\x85K\x01\x85\x89}tR\x88}tR.",
                   &pk, &root, &err),
             &err);
    if (err.status == PP_OK) {
        CHECK(root->kind == PP_PV_TENSOR, "parameter -> tensor");
        pp_pickle_free(pk);
    }
    /* A storage type that is not on the list. */
    CHECK(PARSE("\x80\x02((X\x07\x00\x00\x00storagectorch\nComplexFloatStorage\nX\x01\x00\x00\x00" "0"
                "X\x03\x00\x00\x00" "cpuK\x04tQ.",
                &pk, &root, &err) == PP_ERR_FORMAT &&
              strstr(err.msg, "not a known torch storage class"),
          "complex storage: %s", err.msg);
}

static void test_malformed_programs(void)
{
    static const struct {
        const char *bytes;
        size_t len;
        const char *why;
    } bad[] = {
#define B(s, why) {s, sizeof(s) - 1, why}
        B("", "truncated"),
        B("\x80\x02", "truncated"),
        B("\x80\x01N.", "protocol 1"),
        B("\x80\x02.", "empty stack"),
        B("\x80\x02" "a.", "stack underflow"),
        B("\x80\x02N]ea.", "no MARK"),
        B("\x80\x02(N.", "N"), /* accepted? no: STOP leaves the value; see below */
        B("\x80\x02r\x00\x00\x00\x10N.", "stack underflow"),
        B("\x80\x02Nr\xff\xff\xff\x7f.", "beyond the limit"),
        B("\x80\x02Nh\x05.", "never stored"),
        B("\x80\x02X\x02\x00\x00\x00\xff\xfe.", "UTF-8"),
        B("\x80\x02X\xff\xff\xff\xff", "truncated"),
        B("\x80\x02\x8d\xff\xff\xff\xff\xff\xff\xff\xff", "truncated"),
        B("\x80\x02\x95\xff\xff\xff\xff\xff\xff\xff\x7fN.", "frame"),
        B("\x80\x02(cos\nsystem\ni.", "refusing os.system"),
        B("\x80\x02i__main__\nX\n.", "opcode 0x69"),
        B("\x80\x02}(K\x01u.", "odd number"),
        B("\x80\x02N)R.", "not callable"),
        B("\x80\x02" "cbad name\nx\n.", "malformed"),
        B("\x80\x02\x8c\x02os\x8c\x06system\x93.", "refusing os.system"),
        B("\x80\x02\x8c\x08" "builtins\x8c\x0a__import__\x93.", "refusing builtins.__import__"),
        B("\x80\x02" "csubprocess\nPopen\n.", "refusing subprocess.Popen"),
        B("\x80\x02" "ctorch\nload\n.", "refusing torch.load"),
        B("\x80\x02P0\n.", "opcode 0x50"),
        B("\x80\x02}N]b.", "BUILD on None"),
        B("\x80\x02\x8b\x00\x00\x00\x80.", "negative length"),
        B("\x80\x02I12x\n.", "bad integer"),
#undef B
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pp_pickle *pk;
        const pp_pv *root;
        pp_error err;
        pp_status s = parse(bad[i].bytes, bad[i].len, &pk, &root, &err);
        if (i == 6) { /* "(N." : a MARK left open is harmless, as in Python */
            CHECK(s == PP_OK, "case %zu: %s", i, err.msg);
            pp_pickle_free(pk);
            continue;
        }
        CHECK(s != PP_OK && pk == NULL, "case %zu accepted", i);
        CHECK(strstr(err.msg, bad[i].why) && strstr(err.msg, "test.pkl"),
              "case %zu: message '%s' lacks '%s'", i, err.msg, bad[i].why);
    }
}

static pp_status refuse_storage(void *user, const char *key, pp_raw_dtype dtype, int64_t numel,
                                pp_error *err)
{
    (void)dtype;
    ++*(int *)user;
    return pp_fail(err, PP_ERR_FORMAT, "no entry for storage %s of %lld", key, (long long)numel);
}

static void test_persistent_storage(void)
{
    pp_pickle *pk;
    const pp_pv *root;
    pp_error err;
    /* STORAGE opens with the rebuild-args MARK; the persistent id follows. */
    static const char prog[] = "\x80\x02" STORAGE ".";
    CHECK_OK(pp_pickle_parse((const uint8_t *)prog, sizeof prog - 1, "x", NULL, NULL, &pk, &root,
                             &err),
             &err);
    if (err.status == PP_OK) {
        CHECK(root->kind == PP_PV_STORAGE && root->u.storage.numel == 4 &&
                  root->u.storage.dtype == PP_RAW_F32 && strcmp(root->u.storage.key, "0") == 0,
              "storage value");
        pp_pickle_free(pk);
    }
    int calls = 0;
    pp_status s = pp_pickle_parse((const uint8_t *)prog, sizeof prog - 1, "x", refuse_storage,
                                  &calls, &pk, &root, &err);
    CHECK(s == PP_ERR_FORMAT && calls == 1 && strstr(err.msg, "no entry for storage 0 of 4"),
          "the archive's refusal is the parse's: %s", err.msg);
}

int main(void)
{
    RUN_TEST(test_python_pickles_p2_p4_p5);
    RUN_TEST(test_duplicate_keys_last_wins);
    RUN_TEST(test_unknown_global_is_inert);
    RUN_TEST(test_inert_object_keeps_arguments_and_state);
    RUN_TEST(test_legacy_persistent_ids);
    RUN_TEST(test_namespace_build_and_newobj_ex);
    RUN_TEST(test_tensor_views_checked);
    RUN_TEST(test_malformed_programs);
    RUN_TEST(test_persistent_storage);
    return TEST_EXIT();
}

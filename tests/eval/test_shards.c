/* The pieces of sharded evaluation: SHA-256 against FIPS 180-4's vectors
 * (a wrong hash would let merge join shards of different model files), and
 * the shard cut: N shards cover every unit once, in order, and each holds its
 * share of the samples to within one batch. */
#include <stdint.h>
#include <string.h>

#include "../test_util.h"
#include "eval/evaluate.h"
#include "sha256.h"

static void hash_of(const char *data, size_t len, size_t piece, char hex[65])
{
    pp_sha256 s;
    pp_sha256_init(&s);
    for (size_t i = 0; i < len; i += piece)
        pp_sha256_update(&s, data + i, len - i < piece ? len - i : piece);
    pp_sha256_hex(&s, hex);
}

static void test_sha256_vectors(void)
{
    char hex[65];
    hash_of("", 0, 1, hex);
    CHECK(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0, "empty: %s", hex);
    hash_of("abc", 3, 3, hex);
    CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0, "abc: %s", hex);
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; /* 56 bytes: padding spills */
    for (size_t piece = 1; piece <= 64; piece += 7) {
        hash_of(two, strlen(two), piece, hex);
        CHECK(strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0,
              "448 bits in pieces of %zu: %s", piece, hex);
    }
    static char million[1000000];
    memset(million, 'a', sizeof million);
    hash_of(million, sizeof million, 4096 + 3, hex);
    CHECK(strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0, "a x 10^6: %s", hex);
}

static void check_cut(int64_t samples, int batch, int n_corr, int n_sev, int n)
{
    pp_eval_result r = {0};
    r.samples = samples;
    r.shard.batch = batch;
    r.n_corruptions = n_corr;
    for (int c = 0; c < n_corr; c++)
        for (int s = 0; s < n_sev; s++)
            r.corruptions[c].has[s] = true;
    const int64_t phases = 1 + (int64_t)n_corr * n_sev, batches = (samples + batch - 1) / batch;
    int64_t next = 0, share = samples * phases / n;
    for (int k = 1; k <= n; k++) {
        int64_t lo, hi, work = 0;
        pp_eval_shard_units(&r, k, n, &lo, &hi);
        CHECK(lo == next && hi >= lo, "%lld samples / %d shards: shard %d is [%lld, %lld), expected it from %lld",
              (long long)samples, n, k, (long long)lo, (long long)hi, (long long)next);
        for (int64_t u = lo; u < hi; u++) {
            int64_t b = u / phases;
            work += samples - b * batch < batch ? samples - b * batch : batch;
        }
        CHECK(work >= share - batch && work <= share + batch + 1,
              "%lld samples x %lld phases / %d shards: shard %d has %lld, share %lld", (long long)samples,
              (long long)phases, n, k, (long long)work, (long long)share);
        next = hi;
    }
    CHECK(next == batches * phases, "%d shards end at unit %lld of %lld", n, (long long)next,
          (long long)(batches * phases));
}

static void test_shard_cut(void)
{
    check_cut(200, 64, 15, 5, 2);
    check_cut(200, 64, 15, 5, 3);
    check_cut(100, 64, 0, 0, 2);      /* clean only: two units */
    check_cut(50000, 64, 15, 5, 1000); /* ImageNet-C at 1000 tasks */
    check_cut(7, 64, 15, 5, 100);      /* more shards than units: some empty */
    check_cut(1000, 1, 3, 2, 7);
}

int main(void)
{
    RUN_TEST(test_sha256_vectors);
    RUN_TEST(test_shard_cut);
    return TEST_EXIT();
}

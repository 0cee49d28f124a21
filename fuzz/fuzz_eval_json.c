/* libFuzzer: the evaluation result and shard JSON readers (`compare`, `merge`)
 * and what merge does with a shard that parsed: the input is written to a
 * file because the readers take paths, as the CLI gives them. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "eval/evaluate.h"

static char in_path[64], out_path[64];

static void paths_once(void)
{
    if (!in_path[0]) {
        snprintf(in_path, sizeof in_path, "/tmp/fuzz_eval_json.%ld.json", (long)getpid());
        snprintf(out_path, sizeof out_path, "/tmp/fuzz_eval_json.%ld.out", (long)getpid());
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    paths_once();
    FILE *f = fopen(in_path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);

    pp_error err;
    static pp_eval_result r, twice[2], merged; /* large: keep them off the stack */
    if (pp_eval_result_load_json(&r, in_path, &err) == PP_OK) {
        pp_eval_result_save_json(&r, out_path, &err);
        pp_eval_result_save_csv(&r, out_path, &err);
    }
    if (pp_eval_shard_load_json(&twice[0], in_path, &err) == PP_OK) {
        twice[1] = twice[0];
        const char *names[2] = {"a.json", "b.json"};
        char what[256];
        pp_eval_shard_mismatch(&twice[0], &twice[1], what, sizeof what);
        /* one shard alone, then the same shard doubled (which must be refused) */
        pp_eval_merge(twice, names, 1, &merged, &err);
        if (pp_eval_merge(twice, names, 2, &merged, &err) == PP_OK && twice[0].shard.count != 2)
            abort();
        pp_eval_shard_save_json(&twice[0], out_path, &err);
    }
    unlink(in_path);
    unlink(out_path);
    return 0;
}

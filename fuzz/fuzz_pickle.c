/* libFuzzer: the restricted pickle interpreter on arbitrary bytes. Any crash,
 * leak or sanitizer report is a bug; errors are the expected outcome. */
#include <stddef.h>
#include <stdint.h>

#include "ckpt/pickle.h"

/* Accepts every storage, so tensor rebuilds are reached. */
static pp_status any_storage(void *user, const char *key, pp_raw_dtype dtype, int64_t numel,
                             pp_error *err)
{
    (void)user, (void)key, (void)dtype, (void)numel, (void)err;
    return PP_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pp_pickle *pk;
    const pp_pv *root;
    pp_error err;
    if (pp_pickle_parse(data, size, "fuzz", any_storage, NULL, &pk, &root, &err) == PP_OK) {
        char d[256];
        pp_pv_describe(root, d, sizeof d);
        pp_pv_dict_get(root, "state_dict");
        pp_pickle_free(pk);
    }
    return 0;
}

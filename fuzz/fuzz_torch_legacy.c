/* libFuzzer: a legacy (pre-1.6) torch.save stream held in memory: the
 * header pickles, the main pickle's storages and views, the storage key list
 * and the raw storage records after it, containers and hyper-parameters.
 * An input that does not start with the pickled magic number gets the usual
 * header (magic, version 1001, sys_info) put in front, so mutations of the
 * main pickle and the storage records are not all spent on the magic. */
#include <stdlib.h>
#include <string.h>

#include "ckpt/torch_legacy.h"

/* pickle.dumps(MAGIC, 2), pickle.dumps(1001, 2), pickle.dumps(sys_info, 2). */
static const uint8_t header[] =
    "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.\x80\x02M\xe9\x03.\x80\x02}q\x00("
    "X\x10\x00\x00\x00protocol_versionq\x01M\xe9\x03X\x0d\x00\x00\x00little_endianq\x02\x88"
    "X\x0a\x00\x00\x00type_sizesq\x03}q\x04(X\x05\x00\x00\x00shortq\x05K\x02X\x03\x00\x00\x00"
    "intq\x06K\x04X\x04\x00\x00\x00longq\x07K\x04uu.";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pp_state_dict sd;
    pp_error err;
    if (pp_torch_legacy_detect(data, size)) {
        if (pp_torch_legacy_load_buffer(data, size, "fuzz.pt", &sd, &err) == PP_OK)
            pp_sd_free(&sd);
        return 0;
    }
    size_t hlen = sizeof header - 1;
    uint8_t *buf = malloc(hlen + size + 1);
    if (!buf)
        return 0;
    memcpy(buf, header, hlen);
    if (size)
        memcpy(buf + hlen, data, size);
    if (pp_torch_legacy_load_buffer(buf, hlen + size, "fuzz.pt", &sd, &err) == PP_OK)
        pp_sd_free(&sd);
    free(buf);
    return 0;
}

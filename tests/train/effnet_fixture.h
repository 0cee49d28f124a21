/* tests/fixtures/arch_effnet's EfficientNets rebuilt with other training-only
 * rates (drop-connect, classifier dropout: properties of the built plan), and
 * the check that evaluation ignores them (test_effnet_train, test_effnet_dropout). */
#ifndef PP_TEST_EFFNET_FIXTURE_H
#define PP_TEST_EFFNET_FIXTURE_H

#include <string.h>

#include "../fixture.h"
#include "../test_util.h"
#include "forward.h"
#include "model_file.h"

/* False (a failed check) when the model does not open. */
static inline bool effnet_fixture_open(pp_model *m, const char *file, float drop_connect, float dropout)
{
    char notes[512];
    pp_error err = {0};
    pp_arch_hints hints = {.avg_kernel = -1};
    pp_model loaded;
    CHECK_OK(pp_model_open(&loaded, fixture_path("arch_effnet", file), &hints, notes, sizeof notes, &err), &err);
    if (err.status != PP_OK)
        return false;
    pp_state_dict sd;
    CHECK_OK(pp_model_to_state_dict(&loaded, &sd, &err), &err);
    pp_arch a = loaded.arch;
    CHECK(a.dropout == 0.2f && a.drop_connect == 0.2f, "%s trains with the references' rates 0.2 (got %g, %g)", file,
          (double)a.drop_connect, (double)a.dropout);
    a.drop_connect = drop_connect;
    a.dropout = dropout;
    pp_model_free(&loaded);
    if (err.status != PP_OK)
        return false;
    CHECK_OK(pp_model_create(m, &a, &err), &err);
    if (err.status == PP_OK)
        CHECK_OK(pp_model_load_state_dict(m, &sd, &err), &err);
    pp_sd_free(&sd);
    return err.status == PP_OK;
}

/* Evaluation logits of `file` as it is with rates 0 and with the given ones
 * (fresh models: a training forward moves the running statistics) are equal. */
static inline void effnet_fixture_check_eval(const char *file, float drop_connect, float dropout,
                                             const pp_tensor *input, const char *what)
{
    pp_error err = {0};
    pp_model plain, dropping;
    if (!effnet_fixture_open(&plain, file, 0.0f, 0.0f))
        return;
    pp_tensor la = {0}, lb = {0};
    pp_forward_ctx *f = pp_forward_ctx_new(1);
    if (effnet_fixture_open(&dropping, file, drop_connect, dropout)) {
        CHECK_OK(pp_model_forward(&plain, f, input, &la, NULL, &err), &err);
        CHECK_OK(pp_model_forward(&dropping, f, input, &lb, NULL, &err), &err);
        CHECK(la.data && lb.data && memcmp(la.data, lb.data, (size_t)pp_tensor_numel(&la) * sizeof(float)) == 0,
              "evaluation ignores %s", what);
        pp_model_free(&dropping);
    }
    pp_forward_ctx_free(f);
    pp_tensor_free(&la), pp_tensor_free(&lb);
    pp_model_free(&plain);
}

#endif

#include "cli_model_pair.h"

#include "cli_model.h"
#include "cli_output.h"

int pp_cli_run_model_pair(const pp_cli_model_pair *run, char *const *models, int n)
{
    if (n < 1 || n > 2)
        return pp_cli_usage_error(run->cmd, "give one or two models");
    if (pp_cli_claim_output(run->json_path) || pp_cli_claim_output(run->csv_path))
        return 1;
    const char *path_a = models[0], *path_b = n == 2 ? models[1] : NULL;
    pp_model a, b;
    int rc = pp_cli_open_models(path_a, path_b, run->avg_kernel, &a, &b);
    if (rc)
        return rc;
    pp_error err = {0};
    pp_status st = run->compute(run->ctx, &a, path_a, path_b ? &b : NULL, path_b, &err);
    if (st == PP_OK && run->json_path)
        st = run->save_json(run->ctx, run->json_path, &err);
    if (st == PP_OK && run->csv_path && run->save_csv)
        st = run->save_csv(run->ctx, run->csv_path, &err);
    if (st == PP_OK)
        run->print(run->ctx);
    rc = st == PP_OK ? 0 : pp_cli_fail(&err);
    run->release(run->ctx);
    pp_cli_close_models(&a, &b, path_b != NULL);
    return rc;
}

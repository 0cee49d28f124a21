/* npy_compare GOT.npy WANT.npy TOL: exit 0 when shapes match and
 * max |got - want| <= TOL * max |want|; prints the error either way. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ckpt/npy.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: npy_compare GOT.npy WANT.npy TOL\n");
        return 2;
    }
    pp_npy got, want;
    pp_error err = {0};
    if (pp_npy_load(argv[1], &got, &err) || pp_npy_load(argv[2], &want, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    int rc = 0;
    if (got.ndim != want.ndim || got.dtype != PP_NPY_F32 || want.dtype != PP_NPY_F32) {
        fprintf(stderr, "rank or dtype differs\n");
        rc = 1;
    }
    for (int i = 0; i < got.ndim && rc == 0; i++)
        if (got.shape[i] != want.shape[i]) {
            fprintf(stderr, "shape differs in dim %d: %lld vs %lld\n", i, (long long)got.shape[i],
                    (long long)want.shape[i]);
            rc = 1;
        }
    if (rc) {
        pp_npy_free(&got);
        pp_npy_free(&want);
        return rc;
    }
    const float *g = got.data, *w = want.data;
    double scale = 0, max_err = 0;
    for (int64_t i = 0; i < pp_npy_numel(&want); i++)
        scale = fmax(scale, fabs(w[i]));
    for (int64_t i = 0; i < pp_npy_numel(&want); i++)
        max_err = fmax(max_err, fabs((double)g[i] - w[i]));
    double rel = max_err / (scale > 0 ? scale : 1);
    printf("max error %.3g relative to max |want| %.3g\n", rel, scale);
    pp_npy_free(&got);
    pp_npy_free(&want);
    return rel <= atof(argv[3]) ? 0 : 1;
}

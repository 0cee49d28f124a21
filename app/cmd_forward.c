/* pushpull forward MODEL IN.npy OUT.npy [--layer NAME]: raw network outputs. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt/npy.h"
#include "cli.h"
#include "cli_interrupt.h"
#include "cli_model.h"
#include "cli_output.h"
#include "forward.h"
#include "threads.h"

static int run(int argc, char **argv);

const pp_cli_command pp_cmd_forward = {
    .name = "forward",
    .summary = "run a model on a .npy batch and save logits or a named layer",
    .usage = "usage: pushpull forward MODEL IN.npy OUT.npy [--layer NAME] [--batch B] [--avg-kernel K]\n\n"
             "IN.npy is float32 (N, C, H, W) in the model's input space (already normalised).\n"
             "OUT.npy receives float32 logits (N, classes), or the output of --layer:\n"
             "  conv1     first-layer unit output, before BatchNorm (N, 64, Ho, Wo)\n"
             "  push      push response conv(x, W) before ReLU (push-pull models)\n"
             "  pull      pull response conv(x, P), average-pooled, before ReLU (push-pull)\n"
             "  kernels   effective first-layer kernels W - alpha * P (K, C, e, e)\n"
             "  stem      after BatchNorm, ReLU and max-pool\n"
             "  layer1..layer4, features (pooled), logits (default)\n\n"
             "  --batch B       images per forward pass (default 32; bounds memory)\n"
             "  --avg-kernel K  pull pooling size (0, 3, 5) when the file does not record it\n",
    .run = run,
    .writes_files = true,
};

static int run(int argc, char **argv)
{
    static const struct option options[] = {{"layer", required_argument, NULL, 'l'},
                                             {"batch", required_argument, NULL, 'b'},
                                             {"avg-kernel", required_argument, NULL, 'a'},
                                             {0}};
    const char *layer = "logits";
    long batch = 32;
    int avg = -1, opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 'l')
            layer = optarg;
        else if (opt == 'b' && pp_cli_parse_int(optarg, 1, 65536, &batch))
            continue;
        else if (opt == 'a' && pp_cli_parse_avg_kernel(optarg, &avg))
            continue;
        else
            return pp_cli_usage_error(&pp_cmd_forward, "bad option or value");
    }
    if (optind != argc - 3)
        return pp_cli_usage_error(&pp_cmd_forward, "expected MODEL IN.npy OUT.npy");
    const char *model_path = argv[optind], *in_path = argv[optind + 1], *out_path = argv[optind + 2];
    pp_error err = {0};
    pp_tap tap;
    if (pp_tap_from_name(layer, &tap, &err) != PP_OK)
        return pp_cli_fail(&err);
    if (pp_cli_claim_output(out_path))
        return 1;

    pp_npy in;
    if (pp_npy_load(in_path, &in, &err) != PP_OK)
        return pp_cli_fail(&err);
    int rc = 0;
    char shape_text[128];
    if (in.dtype != PP_NPY_F32 || in.ndim != 4) {
        rc = pp_cli_failf("%s: expected a float32 (N, C, H, W) array, got %s %s", in_path,
                          in.dtype == PP_NPY_F32 ? "float32" : in.dtype == PP_NPY_U8 ? "uint8" : "int64",
                          pp_shape_string(in.ndim, in.shape, shape_text, sizeof shape_text));
        pp_npy_free(&in);
        return rc;
    }
    if (in.shape[0] == 0) { /* an empty OUT would look like a result */
        pp_npy_free(&in);
        return pp_cli_failf("%s: the batch holds no images (N = 0); nothing to run", in_path);
    }
    pp_model m;
    if ((rc = pp_cli_open_model(model_path, avg, &m))) {
        pp_npy_free(&in);
        return rc;
    }
    if (in.shape[1] != m.arch.in_channels) {
        rc = pp_cli_failf("%s: input has %lld channels but %s takes %d", in_path, (long long)in.shape[1],
                          model_path, m.arch.in_channels);
        goto done;
    }
    if (!pp_arch_inhibits(&m.arch) && (tap == PP_TAP_PUSH || tap == PP_TAP_PULL)) {
        rc = pp_cli_failf("%s: --layer %s needs a push-pull model; this is a baseline", model_path, layer);
        goto done;
    }

    pp_forward_ctx *ctx = pp_forward_ctx_new(pp_threads_default());
    pp_taps taps = {.requested = 1u << tap};
    const int64_t n_total = in.shape[0];
    const size_t sample = (size_t)(in.shape[1] * in.shape[2] * in.shape[3]);
    float *result = NULL;
    int64_t out_shape[4];
    int out_ndim = 0;
    size_t out_sample = 0;
    for (int64_t start = 0; start < n_total && rc == 0; start += batch) {
        int64_t n = n_total - start < batch ? n_total - start : batch;
        if (pp_cli_interrupted()) {
            rc = pp_cli_failf("%s: interrupted; not written", out_path);
            break;
        }
        pp_tensor x = {.ndim = 4, .shape = {n, in.shape[1], in.shape[2], in.shape[3]},
                       .data = (float *)in.data + (size_t)start * sample};
        if (pp_model_forward(&m, ctx, &x, NULL, &taps, &err) != PP_OK) {
            rc = pp_cli_fail(&err);
            break;
        }
        const pp_tensor *t = &taps.out[tap];
        if (tap == PP_TAP_KERNELS) { /* not per image: one copy is the answer */
            out_ndim = t->ndim;
            memcpy(out_shape, t->shape, sizeof out_shape);
            result = malloc(sizeof(float) * (size_t)pp_tensor_numel(t));
            if (result)
                memcpy(result, t->data, sizeof(float) * (size_t)pp_tensor_numel(t));
            break;
        }
        if (!result) {
            out_ndim = t->ndim;
            memcpy(out_shape, t->shape, sizeof out_shape);
            out_shape[0] = n_total;
            out_sample = (size_t)(pp_tensor_numel(t) / n);
            result = malloc(sizeof(float) * out_sample * (size_t)n_total);
            if (!result) {
                rc = pp_cli_failf("out of memory for the output (%lld samples)", (long long)n_total);
                break;
            }
        }
        memcpy(result + (size_t)start * out_sample, t->data, sizeof(float) * out_sample * (size_t)n);
    }
    if (rc == 0 && result && pp_npy_save(out_path, PP_NPY_F32, out_ndim, out_shape, result, &err) != PP_OK)
        rc = pp_cli_fail(&err);
    free(result);
    pp_taps_free(&taps);
    pp_forward_ctx_free(ctx);
done:
    pp_model_free(&m);
    pp_npy_free(&in);
    return rc;
}

/* pushpull saliency MODEL IMAGE OUT.png: Grad-CAM or gradient saliency as an overlay. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "analysis/feature_maps.h"
#include "analysis/saliency.h"
#include "ckpt/npy.h"
#include "cli.h"
#include "cli_model.h"
#include "cli_output.h"
#include "threads.h"

static int run(int argc, char **argv);

const pp_cli_command pp_cmd_saliency = {
    .name = "saliency",
    .summary = "where a model looks: Grad-CAM or gradient saliency of an image as an overlay",
    .usage =
        "usage: pushpull saliency MODEL IMAGE [options] OUT.png\n\n"
        "Grad-CAM (default: the class's gradient averaged per channel of layer4, the\n"
        "channels so weighted and summed, ReLU, upsampled to the input) or gradient\n"
        "saliency (|d logit / d image|) for the top-1 or a chosen class, on the image\n"
        "as the model receives it, clean or corrupted. OUT.png: the image enlarged to\n"
        "at least 224 px under the map (blue 0 to red 1).\n\n"
        "  --class K          the class to explain (default: the top-1)\n"
        "  --method M         gradcam (default) or gradient\n"
        "  --layer L          Grad-CAM's layer: stem, layer1..layer4 (default layer4)\n"
        "  --corruption C     corrupt the image first (see `pushpull corrupt --list`)\n"
        "  --severity S       its severity, 0..5 (default 3)\n"
        "  --seed N           corruption seed (default 0)\n"
        "  --npy FILE         also write the map, (H, W) float32 in [0, 1]\n"
        "  --avg-kernel K     pull pooling size when the model file does not record it\n",
    .run = run,
    .writes_files = true,
};

static int run(int argc, char **argv)
{
    static const struct option options[] = {
        {"class", required_argument, NULL, 'k'},      {"method", required_argument, NULL, 'm'},
        {"layer", required_argument, NULL, 'l'},      {"corruption", required_argument, NULL, 'c'},
        {"severity", required_argument, NULL, 's'},   {"seed", required_argument, NULL, 'S'},
        {"npy", required_argument, NULL, 'n'},        {"avg-kernel", required_argument, NULL, 'a'},
        {0}};
    pp_saliency_options opt = {.method = PP_SALIENCY_GRADCAM, .layer = PP_TAP_LAYER4, .target_class = -1};
    pp_corruption_request req = {.severity = 3};
    const char *corruption = NULL, *npy_path = NULL;
    bool severity_given = false;
    int avg = -1, o;
    long v;
    double d;
    pp_error err = {0};
    optind = 1;
    while ((o = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (o) {
        case 'k':
            if (!pp_cli_parse_int(optarg, 0, 1L << 20, &v))
                return pp_cli_usage_error(&pp_cmd_saliency, "--class needs a class number (0, 1, ...)");
            opt.target_class = (int)v;
            break;
        case 'm':
            if (!pp_saliency_method_parse(optarg, &opt.method))
                return pp_cli_usage_error(&pp_cmd_saliency, "--method is gradcam or gradient");
            break;
        case 'l':
            if (pp_feature_maps_layer_parse(optarg, &opt.layer, &err) != PP_OK || opt.layer == PP_TAP_CONV1)
                return pp_cli_usage_error(&pp_cmd_saliency, "--layer is stem or layer1..layer4");
            break;
        case 'c': corruption = optarg; break;
        case 's':
            if (!pp_cli_parse_float(optarg, &d) || !(d >= 0 && d <= PP_CORRUPTION_MAX_SEVERITY))
                return pp_cli_usage_error(&pp_cmd_saliency, "--severity needs a number from 0 to 5");
            req.severity = d;
            severity_given = true;
            break;
        case 'S':
            if (!pp_cli_parse_int(optarg, 0, 1L << 62, &v))
                return pp_cli_usage_error(&pp_cmd_saliency, "--seed needs a non-negative number");
            req.seed = (uint64_t)v;
            break;
        case 'n': npy_path = optarg; break;
        case 'a':
            if (!pp_cli_parse_avg_kernel(optarg, &avg))
                return pp_cli_usage_error(&pp_cmd_saliency, "--avg-kernel is 0, 3 or 5");
            break;
        default: return pp_cli_usage_error(&pp_cmd_saliency, "unknown option");
        }
    }
    if (optind != argc - 3)
        return pp_cli_usage_error(&pp_cmd_saliency, "expected MODEL, IMAGE and OUT.png");
    if (severity_given && !corruption)
        return pp_cli_usage_error(&pp_cmd_saliency, "--severity needs --corruption");
    const pp_corruption *c = NULL;
    if (corruption && !(c = pp_corruption_find(corruption)))
        return pp_cli_failf("unknown corruption '%s' (see `pushpull corrupt --list`)", corruption);
    const char *model_path = argv[optind], *image_path = argv[optind + 1], *out_path = argv[optind + 2];
    if (pp_cli_claim_output(out_path) || pp_cli_claim_output(npy_path))
        return 1;
    pp_model m;
    int rc = pp_cli_open_model(model_path, avg, &m);
    if (rc)
        return rc;
    pp_image img = {0}, shown = {0}, overlay = {0};
    pp_saliency_map s = {0};
    pp_train_ctx *ctx = NULL;
    req.threads = pp_threads_default();
    pp_status st = pp_image_load(image_path, &img, &err);
    if (st == PP_OK)
        st = pp_train_ctx_new(&ctx, &m, pp_threads_default(), &err);
    if (st == PP_OK)
        st = pp_saliency_of_image(&m, ctx, &img, c, &req, &opt, &s, &shown, &err);
    if (st == PP_OK)
        st = pp_saliency_overlay(&shown, &s, 224, &overlay, &err);
    if (st == PP_OK)
        st = pp_image_save_png(out_path, &overlay, &err);
    if (st == PP_OK && npy_path)
        st = pp_npy_save(npy_path, PP_NPY_F32, 2, (int64_t[]){s.height, s.width}, s.map, &err);
    if (st == PP_OK) {
        char name[128], top[128];
        printf("%s of class %d (%s, logit %.4f, p %.4f)%s%s; top-1 %d (%s) -> %s\n",
               opt.method == PP_SALIENCY_GRADCAM ? "Grad-CAM" : "gradient saliency", s.target_class,
               pp_cli_printable(pp_model_class_name(&m, s.target_class), name, sizeof name), s.logit, s.prob,
               c ? " under " : "", c ? c->name : "", s.top1,
               pp_cli_printable(pp_model_class_name(&m, s.top1), top, sizeof top), out_path);
    }
    rc = st == PP_OK ? 0 : pp_cli_fail(&err);
    pp_saliency_map_free(&s);
    pp_image_free(&img);
    pp_image_free(&shown);
    pp_image_free(&overlay);
    pp_train_ctx_free(ctx);
    pp_model_free(&m);
    return rc;
}

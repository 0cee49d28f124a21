/* pushpull predict MODEL IMAGE... [--top K] [--json]: classify images. */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>

#include "cli.h"
#include "cli_model.h"
#include "forward.h"
#include "preprocess.h"
#include "threads.h"
#include "topk.h"
#include "number_text.h"

static int run(int argc, char **argv);

const pp_cli_command pp_cmd_predict = {
    .name = "predict",
    .summary = "classify PNG/JPEG images with a model (top-k classes)",
    .usage = "usage: pushpull predict MODEL IMAGE... [--top K] [--json] [--avg-kernel K]\n\n"
             "Loads each PNG or JPEG image, applies the model's preprocessing (size and\n"
             "normalisation from its metadata or its data set: CIFAR 32x32, Fashion-MNIST\n"
             "28x28 grayscale, ImageNet resize-256 centre-crop-224) and prints the top K\n"
             "classes with their softmax probabilities.\n\n"
             "  --top K         classes to show per image (default 5)\n"
             "  --json          print a JSON array, one object per image\n"
             "  --avg-kernel K  pull pooling size (0, 3, 5) when the file does not record it\n",
    .run = run,
};

static int run(int argc, char **argv)
{
    static const struct option options[] = {{"top", required_argument, NULL, 't'},
                                             {"json", no_argument, NULL, 'j'},
                                             {"avg-kernel", required_argument, NULL, 'a'},
                                             {0}};
    long top = 5;
    bool json = false;
    int avg = -1, opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 't' && pp_cli_parse_int(optarg, 1, 100000, &top))
            continue;
        else if (opt == 'j')
            json = true;
        else if (opt == 'a' && pp_cli_parse_avg_kernel(optarg, &avg))
            continue;
        else
            return pp_cli_usage_error(&pp_cmd_predict, "bad option or value");
    }
    if (argc - optind < 2)
        return pp_cli_usage_error(&pp_cmd_predict, "expected MODEL and at least one IMAGE");
    const char *model_path = argv[optind];
    int image_count = argc - optind - 1;
    char **images = argv + optind + 1;
    pp_model m;
    int rc = pp_cli_open_model(model_path, avg, &m);
    if (rc)
        return rc;
    pp_preprocess pre;
    pp_error err = {0};
    if (pp_preprocess_for_model(&pre, &m, &err) != PP_OK) {
        pp_error_prefix(&err, model_path);
        pp_model_free(&m);
        return pp_cli_fail(&err);
    }
    if (top > m.arch.num_classes)
        top = m.arch.num_classes;

    /* Decode everything first: a bad image fails before any output. */
    pp_tensor batch;
    if (pp_tensor_alloc4(&batch, image_count, pre.channels, pre.size, pre.size, &err) != PP_OK) {
        pp_model_free(&m);
        return pp_cli_fail(&err);
    }
    for (int i = 0; i < image_count && rc == 0; i++) {
        pp_image img;
        if (pp_image_load(images[i], &img, &err) != PP_OK) {
            rc = pp_cli_fail(&err);
            break;
        }
        if (pp_preprocess_image(&pre, &img, &batch, i, &err) != PP_OK)
            rc = pp_cli_fail(&err);
        pp_image_free(&img);
    }
    pp_tensor logits = {0};
    pp_forward_ctx *ctx = pp_forward_ctx_new(pp_threads_default());
    if (rc == 0 && pp_model_forward(&m, ctx, &batch, &logits, NULL, &err) != PP_OK)
        rc = pp_cli_fail(&err);
    for (int i = 0; i < image_count && rc == 0; i++)
        if (pp_logits_check(logits.data + (size_t)i * m.arch.num_classes, m.arch.num_classes, &err) != PP_OK) {
            pp_error_prefix(&err, images[i]);
            rc = pp_cli_fail(&err);
        }
    if (rc == 0) {
        const int classes = m.arch.num_classes;
        float *probs = malloc(sizeof(float) * classes);
        int *order = malloc(sizeof(int) * classes);
        json_t *all = json ? json_array() : NULL;
        for (int i = 0; i < image_count && probs && order; i++) {
            pp_softmax(probs, logits.data + (size_t)i * classes, classes);
            pp_topk(order, probs, classes, (int)top);
            if (json) {
                json_t *o = json_object(), *list = json_array();
                json_object_set_new(o, "image", json_string(images[i]));
                for (int k = 0; k < top; k++) {
                    json_t *p = json_object();
                    json_object_set_new(p, "index", json_integer(order[k]));
                    json_object_set_new(p, "class", json_string(pp_model_class_name(&m, order[k])));
                    json_object_set_new(p, "probability", pp_json_number(probs[order[k]]));
                    json_array_append_new(list, p);
                }
                json_object_set_new(o, "top", list);
                json_array_append_new(all, o);
            } else {
                printf("%s\n", images[i]);
                char name[256];
                for (int k = 0; k < top; k++)
                    printf("  %2d. %-24s %6.2f%%\n", k + 1,
                           pp_cli_printable(pp_model_class_name(&m, order[k]), name, sizeof name),
                           100.0 * probs[order[k]]);
            }
        }
        if (json) {
            pp_cli_print_json(all);
        }
        free(probs);
        free(order);
    }
    pp_forward_ctx_free(ctx);
    pp_tensor_free(&logits);
    pp_tensor_free(&batch);
    pp_model_free(&m);
    return rc;
}

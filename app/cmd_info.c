/* pushpull info MODEL [--json]: what a checkpoint holds. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_model.h"
#include "model/efficientnet.h"
#include "model/families.h"
#include "preprocess.h"
#include "number_text.h"

static int run(int argc, char **argv);

const pp_cli_command pp_cmd_info = {
    .name = "info",
    .summary = "describe a model: architecture, parameters, push-pull settings, classes",
    .usage = "usage: pushpull info MODEL [--json] [--avg-kernel K] [--pull-minmax M]\n\n"
             "Describes MODEL (.safetensors, .ckpt, .pt or .pth): architecture, parameter\n"
             "count, stem, input preprocessing, push-pull settings (avg pooling size, alpha\n"
             "min/mean/max), classes, and how the file was read: its format (safetensors,\n"
             "PyTorch zip or legacy torch.save), where the tensors were ('state_dict',\n"
             "'model_state_dict', ...), key prefixes removed, entries left out, and the\n"
             "objects pickled outside the state dict (augmentations in Lightning\n"
             "hyper-parameters), which are kept as text and never run.\n\n"
             "  --json          print one JSON object instead of text\n"
             "  --avg-kernel K  pull pooling size (0, 3, 5) when the file does not record it\n"
             PP_CLI_PULL_MINMAX_HELP,
    .run = run,
};

/* Lines of a metadata value ("a\nb") as a JSON array. */
static json_t *lines_json(const char *text)
{
    json_t *a = json_array();
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        json_array_append_new(a, json_stringn(p, n));
        p = nl ? nl + 1 : NULL;
    }
    return a;
}

/* How the file was read: the loader's checkpoint.* metadata. */
static json_t *source_json(const pp_model *m)
{
    json_t *o = json_object();
    static const char *keys[][2] = {{"format", "format"}, {"container", "container"},
                                    {"prefix", "prefix_removed"}, {"dropped", "dropped"}};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        char key[64];
        snprintf(key, sizeof key, PP_SD_SOURCE_META "%s", keys[i][0]);
        const char *v = pp_sd_meta_get(&m->meta, key);
        if (v)
            json_object_set_new(o, keys[i][1], json_string(v));
    }
    json_object_set_new(o, "inert_objects",
                        lines_json(pp_sd_meta_get(&m->meta, PP_SD_SOURCE_META "inert_objects")));
    return o;
}

static json_t *info_json(const char *path, const pp_model *m, const pp_preprocess *pre)
{
    const pp_arch *a = &m->arch;
    json_t *o = json_object();
    json_object_set_new(o, "file", json_string(path));
    json_object_set_new(o, "checkpoint", source_json(m));
    json_object_set_new(o, "arch", json_string(pp_arch_name(a)));
    const pp_family *family = pp_family_of_arch(a);
    json_object_set_new(o, "family", json_string(family->name));
    json_object_set_new(o, "family_description", json_string(family->description));
    if (a->blur_filter) {
        json_t *blur = json_object();
        json_object_set_new(blur, "filter", json_integer(a->blur_filter));
        json_object_set_new(blur, "stem_blurred", json_boolean(a->blur_stem || strcmp(family->name, "vasconcelos_resnet") == 0));
        json_object_set_new(o, "blurpool", blur);
    }
    if (strcmp(family->name, "perturb_resnet") == 0) {
        json_t *pnn = json_object();
        json_object_set_new(pnn, "masks", json_integer(a->pnn.masks));
        json_object_set_new(pnn, "unique_masks", json_boolean(a->pnn.unique));
        json_object_set_new(pnn, "mask_size", json_integer(a->pnn.size));
        json_object_set_new(pnn, "first_filter_size", json_integer(a->pnn.first_filter));
        json_object_set_new(pnn, "level", json_real(a->pnn.level));
        json_object_set_new(pnn, "first_level", json_real(a->pnn.first_level));
        json_object_set_new(pnn, "first_use_act", json_boolean(a->pnn.first_act));
        json_object_set_new(pnn, "mix_maps", json_boolean(a->pnn.mix_maps));
        json_object_set_new(pnn, "pool", json_string(a->pnn.avg_pool ? "avg" : "max"));
        json_object_set_new(o, "pnn", pnn);
    }
    if (pp_arch_is_efficientnet(a)) {
        json_t *eb = json_array(), *eo = json_array();
        for (int s = 0; s < 7; s++) {
            json_array_append_new(eb, json_integer(a->effnet_blocks[s]));
            json_array_append_new(eo, json_integer(a->effnet_out[s]));
        }
        json_t *e = json_object();
        json_object_set_new(e, "blocks", eb);
        json_object_set_new(e, "stage_outputs", eo);
        json_object_set_new(e, "head", json_integer(a->effnet_head));
        json_object_set_new(e, "padding", json_string(pp_effnet_is_lukemelas(a) ? "tf-same-224" : "symmetric"));
        json_object_set_new(e, "drop_connect", json_real(a->drop_connect));
        json_object_set_new(e, "classifier_dropout", json_real(a->dropout));
        json_object_set_new(o, "efficientnet", e);
    }
    json_object_set_new(o, "stages", json_integer(pp_arch_stages(a)));
    json_object_set_new(o, "groups", json_integer(pp_arch_groups(a)));
    json_t *mids = json_array(), *outs = json_array();
    for (int s = 0; s < pp_arch_stages(a); s++) {
        json_array_append_new(mids, json_integer(pp_arch_stage_mid(a, s)));
        json_array_append_new(outs, json_integer(pp_arch_stage_out(a, s)));
    }
    json_object_set_new(o, "stage_widths", mids);
    json_object_set_new(o, "stage_outputs", outs);
    json_t *blocks = json_array();
    for (int i = 0; i < 4; i++)
        json_array_append_new(blocks, json_integer(a->blocks[i]));
    json_object_set_new(o, "block", json_string(a->block == PP_BLOCK_BASIC ? "basic" : "bottleneck"));
    json_object_set_new(o, "blocks", blocks);
    json_object_set_new(o, "stem", json_string(pp_stem_name(a->stem)));
    json_object_set_new(o, "width", json_integer(a->width));
    json_object_set_new(o, "in_channels", json_integer(a->in_channels));
    json_object_set_new(o, "num_classes", json_integer(a->num_classes));
    json_object_set_new(o, "parameters", json_integer(pp_model_param_count(m)));
    json_object_set_new(o, "push_pull", json_boolean(a->push_pull));
    json_object_set_new(o, "conv1_bias", json_boolean(a->conv1_bias));
    if (a->push_pull) {
        float lo, mean, hi;
        pp_model_alpha_stats(m, &lo, &mean, &hi);
        json_t *pp = json_object();
        json_object_set_new(pp, "avg_kernel_size", json_integer(a->avg_kernel));
        json_object_set_new(pp, "alpha_trainable", json_boolean(a->alpha_trainable));
        json_object_set_new(pp, "pull_minmax", json_string(pp_pull_minmax_name(a->pull_minmax)));
        json_object_set_new(pp, "alpha_min", pp_json_number(lo));
        json_object_set_new(pp, "alpha_mean", pp_json_number(mean));
        json_object_set_new(pp, "alpha_max", pp_json_number(hi));
        json_object_set_new(o, "pushpull", pp);
    }
    if (a->pp2020) {
        float lo, mean, hi;
        pp_model_alpha_stats(m, &lo, &mean, &hi);
        json_t *pp = json_object();
        json_object_set_new(pp, "push_size", json_integer(m->pp2020.push.kh));
        json_object_set_new(pp, "pull_size", json_integer(m->pp2020.pull.kh));
        json_object_set_new(pp, "pull_padding", json_integer(m->pp2020.pull.pad));
        json_object_set_new(pp, "alpha_trainable", json_boolean(a->alpha_trainable));
        json_object_set_new(pp, "alpha_min", pp_json_number(lo));
        json_object_set_new(pp, "alpha_mean", pp_json_number(mean));
        json_object_set_new(pp, "alpha_max", pp_json_number(hi));
        json_object_set_new(pp, "bias", json_boolean(a->conv1_bias));
        json_object_set_new(o, "pushpull2020", pp);
    }
    json_object_set_new(o, "dataset", json_string(a->dataset));
    const char *augment = pp_sd_meta_get(&m->meta, "train_augment");
    if (augment)
        json_object_set_new(o, "train_augment", json_string(augment));
    json_t *input = json_object();
    json_object_set_new(input, "size", json_integer(pre->size));
    json_object_set_new(input, "channels", json_integer(pre->channels));
    json_t *mean = json_array(), *std = json_array();
    for (int c = 0; c < pre->channels; c++) {
        json_array_append_new(mean, pp_json_number(pre->mean[c]));
        json_array_append_new(std, pp_json_number(pre->std[c]));
    }
    json_object_set_new(input, "mean", mean);
    json_object_set_new(input, "std", std);
    json_object_set_new(input, "resize", json_string(pre->mode == PP_RESIZE_CROP_IMAGENET ? "resize-crop" : "resize"));
    json_object_set_new(input, "source", json_string(pre->source));
    json_object_set_new(o, "input", input);
    json_t *classes = json_array();
    for (int i = 0; i < a->num_classes; i++)
        json_array_append_new(classes, json_string(pp_model_class_name(m, i)));
    json_object_set_new(o, "classes", classes);
    return o;
}

static const char *source_meta(const pp_model *m, const char *what)
{
    char key[64];
    snprintf(key, sizeof key, PP_SD_SOURCE_META "%s", what);
    return pp_sd_meta_get(&m->meta, key);
}

/* "format:" and, when there are any, "inert objects:" lines. */
static void source_text(const pp_model *m)
{
    char text[1024];
    const char *format = source_meta(m, "format"), *container = source_meta(m, "container");
    const char *prefix = source_meta(m, "prefix"), *dropped = source_meta(m, "dropped");
    if (format) {
        printf("format:        %s", pp_cli_printable(format, text, sizeof text));
        if (container && strcmp(container, "top level") != 0)
            printf(", tensors from '%s'", pp_cli_printable(container, text, sizeof text));
        if (prefix)
            printf(", key prefix '%s' removed", pp_cli_printable(prefix, text, sizeof text));
        printf("\n");
    }
    if (dropped)
        printf("left out:      %s\n", pp_cli_printable(dropped, text, sizeof text));
    const char *inert = source_meta(m, "inert_objects");
    for (int i = 0; inert && *inert; i++) {
        const char *nl = strchr(inert, '\n');
        int n = nl ? (int)(nl - inert) : (int)strlen(inert);
        char line[512];
        snprintf(line, sizeof line, "%.*s", n, inert);
        printf("%s%s\n", i ? "               " : "inert objects: ", pp_cli_printable(line, text, sizeof text));
        inert = nl ? nl + 1 : NULL;
    }
    if (source_meta(m, "inert_objects"))
        printf("               (pickled objects, kept as text and never run)\n");
}

/* Where the family puts its blurs, for the text output. */
static const char *blur_places(const pp_arch *a, const pp_family *family)
{
    if (a->stem == PP_STEM_CIFAR)
        return strcmp(family->name, "vasconcelos_resnet") == 0
                   ? ", after every 3x3 conv of layers 2-4 and in the shortcuts; CIFAR stem (no stem blur)"
                   : ", at the downsampling of layers 2-4; CIFAR stem (no stem blur)";
    if (strcmp(family->name, "vasconcelos_resnet") == 0)
        return ", after every 3x3 conv of layers 2-4, in the shortcuts and twice in the stem";
    return a->blur_stem ? ", at every downsampling, the stem blurred too (pool_only false; conv1 at stride 1)"
                        : ", at every downsampling but the stem conv (pool_only true)";
}

static void info_text(const char *path, const pp_model *m, const pp_preprocess *pre)
{
    const pp_arch *a = &m->arch;
    const pp_family *family = pp_family_of_arch(a);
    printf("file:          %s\n", path);
    source_text(m);
    if (pp_arch_is_efficientnet(a)) {
        /* MBConv stages: blocks x output channels, b0's kernels, strides and expansions */
        printf("architecture:  %s (MBConv blocks %d", pp_arch_name(a), a->effnet_blocks[0]);
        for (int s = 1; s < 7; s++)
            printf("-%d", a->effnet_blocks[s]);
        printf(", stem %d, stage outputs %d", a->width, a->effnet_out[0]);
        for (int s = 1; s < 7; s++)
            printf("-%d", a->effnet_out[s]);
        printf(", head %d; %s)\n", a->effnet_head,
               pp_effnet_is_lukemelas(a) ? "TF \"same\" padding for 224, BN eps 1e-3" : "symmetric padding, BN eps 1e-5");
        printf("training:      drop-connect %g (block i of B: %g * i / B), classifier dropout %g; both off at "
               "evaluation\n", (double)a->drop_connect, (double)a->drop_connect, (double)a->dropout);
    } else
        printf("architecture:  %s (%s blocks %d", pp_arch_name(a), a->block == PP_BLOCK_BASIC ? "basic" : "bottleneck",
               a->blocks[0]);
    for (int s = 1; s < pp_arch_stages(a) && !pp_arch_is_efficientnet(a); s++)
        printf("-%d", a->blocks[s]);
    if (!pp_arch_is_efficientnet(a))
        printf(", width %d", a->width);
    bool standard = true; /* inner widths other than the stage's planes: torchvision's width_per_group */
    for (int s = 0; s < pp_arch_stages(a); s++)
        standard = standard && pp_arch_stage_mid(a, s) == a->width << s;
    if (!pp_arch_is_efficientnet(a) && (!standard || pp_arch_groups(a) > 1)) {
        printf(", inner widths %d", pp_arch_stage_mid(a, 0));
        for (int s = 1; s < pp_arch_stages(a); s++)
            printf("-%d", pp_arch_stage_mid(a, s));
    }
    if (pp_arch_groups(a) > 1)
        printf(", %d groups", pp_arch_groups(a));
    if (!pp_arch_is_efficientnet(a))
        printf(")\n");
    printf("family:        %s [%s]\n", family->description, family->name);
    if (a->blur_filter)
        printf("blur:          BlurPool filter %d (reflection padding)%s\n", a->blur_filter, blur_places(a, family));
    printf("parameters:    %lld\n", (long long)pp_model_param_count(m));
    printf("stem:          %s, %d input channel%s\n", pp_stem_name(a->stem), a->in_channels,
           a->in_channels == 1 ? "" : "s");
    if (a->push_pull) {
        float lo, mean, hi;
        pp_model_alpha_stats(m, &lo, &mean, &hi);
        printf("conv1:         PushPull unit, avg pooling %d, alpha %s (min %.4f, mean %.4f, max %.4f)%s,"
               " pull max + min per %s\n",
               a->avg_kernel, a->alpha_trainable ? "per channel" : "fixed", lo, mean, hi,
               a->conv1_bias ? ", bias" : "", pp_pull_minmax_name(a->pull_minmax));
    } else if (a->pp2020) {
        float lo, mean, hi;
        pp_model_alpha_stats(m, &lo, &mean, &hi);
        const pp_pushpull2020_layer *l = &m->pp2020;
        printf("conv1:         2020 push-pull layer, %dx%d push, %dx%d pull (-push upsampled x2, pad %d), alpha %s"
               " (min %.4f, mean %.4f, max %.4f)%s\n",
               l->push.kh, l->push.kw, l->pull.kh, l->pull.kw, l->pull.pad,
               a->alpha_trainable ? "per channel, as ReLU(alpha)" : "fixed", lo, mean, hi,
               a->conv1_bias ? ", bias" : "");
    } else if (strcmp(family->name, "perturb_resnet") == 0) {
        printf("conv1:         %s\n", a->pnn.first_filter ? "3x3 convolution (first_filter_size 3), then BN, ReLU"
                                                          : "perturbation layer (noise masks, 1x1 convolution)");
        printf("pnn:           %d %s noise mask%s per channel, %dx%d; level %g (first layer %g, ReLU after its "
               "noise: %s); %s pooling%s\n",
               a->pnn.masks, a->pnn.unique ? "unique" : "shared", a->pnn.masks == 1 ? "" : "s", a->pnn.size,
               a->pnn.size, a->pnn.level, a->pnn.first_level, a->pnn.first_act ? "yes" : "no",
               a->pnn.avg_pool ? "average" : "max", a->pnn.mix_maps ? "; mix_maps" : "");
    } else {
        printf("conv1:         plain convolution%s (baseline)\n", a->conv1_bias ? " with bias" : "");
    }
    printf("input:         %dx%d, mean (%.4f", pre->size, pre->size, pre->mean[0]);
    for (int c = 1; c < pre->channels; c++)
        printf(", %.4f", pre->mean[c]);
    printf("), std (%.4f", pre->std[0]);
    for (int c = 1; c < pre->channels; c++)
        printf(", %.4f", pre->std[c]);
    printf(") [%s]\n", pre->source);
    char name[256];
    printf("dataset:       %s\n", a->dataset[0] ? pp_cli_printable(a->dataset, name, sizeof name) : "(not recorded)");
    printf("classes:       %d:", a->num_classes);
    int shown = a->num_classes < 12 ? a->num_classes : 12;
    for (int i = 0; i < shown; i++)
        printf("%s %s", i ? "," : "", pp_cli_printable(pp_model_class_name(m, i), name, sizeof name));
    printf("%s\n", shown < a->num_classes ? ", ..." : "");
    const char *augment = pp_sd_meta_get(&m->meta, "train_augment");
    if (augment)
        printf("trained with:  %s\n", pp_cli_printable(augment, name, sizeof name));
}

static int run(int argc, char **argv)
{
    static const struct option options[] = {
        {"json", no_argument, NULL, 'j'}, {"avg-kernel", required_argument, NULL, 'a'},
        {"pull-minmax", required_argument, NULL, 'm'}, {0}};
    bool json = false;
    pp_arch_hints hints = {.avg_kernel = -1};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 'j')
            json = true;
        else if (opt == 'a' && pp_cli_parse_avg_kernel(optarg, &hints.avg_kernel))
            continue;
        else if (opt == 'a')
            return pp_cli_usage_error(&pp_cmd_info, "--avg-kernel must be 0, 3 or 5");
        else if (opt == 'm' && pp_cli_parse_pull_minmax(optarg, &hints.pull_minmax))
            continue;
        else if (opt == 'm')
            return pp_cli_usage_error(&pp_cmd_info, "--pull-minmax must be filter or channel");
        else
            return pp_cli_usage_error(&pp_cmd_info, "bad option");
    }
    if (optind != argc - 1)
        return pp_cli_usage_error(&pp_cmd_info, "expected one MODEL");
    pp_model m;
    int rc = pp_cli_open_model_hints(argv[optind], &hints, &m);
    if (rc)
        return rc;
    pp_preprocess pre;
    pp_error err = {0};
    if (pp_preprocess_for_model(&pre, &m, &err) != PP_OK) {
        pp_error_prefix(&err, argv[optind]);
        pp_model_free(&m);
        return pp_cli_fail(&err);
    }
    if (json) {
        json_t *o = info_json(argv[optind], &m, &pre);
        pp_cli_print_json(o);
    } else {
        info_text(argv[optind], &m, &pre);
    }
    pp_model_free(&m);
    return 0;
}

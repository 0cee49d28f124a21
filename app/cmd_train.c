/* pushpull train / pushpull finetune: SGD on a data set, saved as safetensors. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_model.h"
#include "cli_output.h"
#include "cli_progress.h"
#include "model_file.h"
#include "model_init.h"
#include "train/trainer.h"

static int run_train(int argc, char **argv);
static int run_finetune(int argc, char **argv);

#define COMMON_OPTIONS                                                                                        \
    "  --data D            fashion-mnist (default), a CIFAR-10 binary folder, images.npy or a\n"              \
    "                      class-folder tree (the training split where there is one)\n"                       \
    "  --val D             clean validation set reported after each epoch (e.g. fashion-mnist:test)\n"        \
    "  --epochs E          default 20 (train) / 3 (finetune)\n"                                               \
    "  --batch B           default 128\n"                                                                     \
    "  --lr LR             peak learning rate (default 0.1 train, 0.01 finetune)\n"                          \
    "  --schedule S        one-cycle (the paper's; default), constant, or step[:EPOCHS[:GAMMA]]\n"            \
    "  --momentum M        default 0.9;  --weight-decay W  default 1e-5\n"                                     \
    "  --seed N            shuffling, augmentation and initial weights (default 0)\n"                          \
    "  --no-augment        no random crop (padding size/8) or horizontal flip\n"                              \
    "  --augment M[:K=V,...]  robustness augmentation after crop and flip (default none); M is\n"           \
    "                      augmix, augmix-tv, trivialaugment, autoaugment, prime, gaussian,\n"                \
    "                      stability[:alpha=A,sigma=S], or an attack replacing half of each\n"              \
    "                      batch: fooling[:5,20,100,iters=10], fgsm[:eps=E], pgd[:eps=E,step=A,\n"          \
    "                      steps=K] (docs/augmentations.md; `pushpull augment --list`)\n"                    \
    "  --jsd               with --augment: clean + two augmented views per sample and AugMix's\n"             \
    "                      Jensen-Shannon consistency loss (lambda 12); 3x the work per step\n"              \
    "  --limit N           first N training samples\n"                                                        \
    "  --checkpoint FILE   save after every epoch (atomically); with --resume, continue from it\n"            \
    "  --output FILE       the trained model (.safetensors), written atomically at the end\n"

const pp_cli_command pp_cmd_train = {
    .name = "train",
    .summary = "train a (PushPull-)ResNet or EfficientNet-b0 from scratch",
    .usage = "usage: pushpull train --output FILE [options]\n\n"
             "Builds a ResNet and trains it with SGD (momentum, weight decay), cross-entropy and\n"
             "the paper's one-cycle cosine schedule unless told otherwise.\n\n"
             "  --arch A            resnet18 (default), resnet34, resnet50, resnet101, resnet152,\n"
             "                      wide_resnet50_2, resnext50_32x4d (torchvision's widths and groups),\n"
             "                      resnet20, resnet32, resnet44, resnet56 (the CIFAR ResNets of the 2020\n"
             "                      push-pull paper: 3 stages, width 16); anti-aliased (BlurPool) nets:\n"
             "                      blurpool-resnetN (adobe/antialiased-cnns, pool_only),\n"
             "                      zhang-resnetN (the stem blurred too: pushpull-conv's zhang_resnet50),\n"
             "                      vasconcelos-resnetN (blur after every 3x3 conv), N = 18-152;\n"
             "                      pre-activation CIFAR nets: wrn-D-K (WideResNet, depth D = 6n + 4,\n"
             "                      widen factor K; AugMix's wrn-40-2, RobustBench's wrn-28-10) and\n"
             "                      preact_resnet18 (RobustBench); --width scales their stages too;\n"
             "                      perturb_resnet18 (PNN, pnn.pytorch's defaults: one 32x32 noise mask\n"
             "                      per channel, level 0.5; masks sized to the data's images)\n"
             "                      efficientnet_b0 (torchvision's layout) and lukemelas-efficientnet_b0\n"
             "                      (pushpull-conv's copy: TF padding, BN eps 1e-3), 3x3/2 stem (PushPull\n"
             "                      or --no-push-pull), --width scales every stage (b0: 32), --stem unused\n"
             "  --blur-filter F     BlurPool filter size 1-7 (default 4; vasconcelos 5)\n"
             "  --stem S            cifar (default: 3x3, no max-pool) or imagenet (7x7/2 + max-pool)\n"
             "  --width W           stem/stage-1 channels (default the net's: 64, or 16 for resnet20..56;\n"
             "                      small teaching models: 8-16)\n"
             "  --push-pull         PushPull first layer (default); --no-push-pull for the baseline\n"
             "  --pp2020            the 2020 push-pull layer (Strisciuglio et al.) as the first layer:\n"
             "                      pull = -push upsampled x2; --alpha as below (trainable: ReLU(alpha))\n"
             "  --avg K             pull average pooling: 0, 3 (default) or 5\n"
             "  --alpha A           'trainable' (default, per channel) or a fixed number\n" COMMON_OPTIONS
             "  --resume            continue from --checkpoint if it exists\n",
    .run = run_train,
    .writes_files = true,
};

const pp_cli_command pp_cmd_finetune = {
    .name = "finetune",
    .summary = "fine-tune a loaded model on a data set",
    .usage = "usage: pushpull finetune MODEL --output FILE [options]\n\n"
             "Continues training MODEL (any checkpoint format) and saves it as safetensors.\n\n" COMMON_OPTIONS
             "  --resume            continue from --checkpoint if it exists\n"
             "  --avg-kernel K      pull pooling size when MODEL does not record it\n",
    .run = run_finetune,
    .writes_files = true,
};

typedef struct {
    const char *data, *val, *output, *checkpoint;
    pp_train_options opt;
    pp_train_recipe recipe;
    const char *augment;
    bool jsd;
    double lr;
    char schedule[32];
    bool resume;
    /* train only */
    const char *arch_name;
    pp_stem_kind stem;
    int width, avg;
    int blur_filter; /* 0: the family's default */
    bool push_pull, pp2020, alpha_trainable;
    float alpha;
    int avg_kernel_hint;
} train_args;

enum { O_DATA = 256, O_VAL, O_EPOCHS, O_BATCH, O_LR, O_SCHEDULE, O_MOMENTUM, O_WD, O_SEED, O_NOAUG, O_LIMIT,
       O_CHECKPOINT, O_OUTPUT, O_RESUME, O_ARCH, O_STEM, O_WIDTH, O_PP, O_NOPP, O_AVG, O_ALPHA, O_AVGK, O_AUGMENT,
       O_JSD, O_BLUR, O_PP2020 };

static int parse(const pp_cli_command *cmd, int argc, char **argv, train_args *a)
{
    static const struct option options[] = {
        {"data", required_argument, NULL, O_DATA},     {"val", required_argument, NULL, O_VAL},
        {"epochs", required_argument, NULL, O_EPOCHS}, {"batch", required_argument, NULL, O_BATCH},
        {"lr", required_argument, NULL, O_LR},         {"schedule", required_argument, NULL, O_SCHEDULE},
        {"momentum", required_argument, NULL, O_MOMENTUM}, {"weight-decay", required_argument, NULL, O_WD},
        {"seed", required_argument, NULL, O_SEED},     {"no-augment", no_argument, NULL, O_NOAUG},
        {"limit", required_argument, NULL, O_LIMIT},   {"checkpoint", required_argument, NULL, O_CHECKPOINT},
        {"output", required_argument, NULL, O_OUTPUT}, {"resume", no_argument, NULL, O_RESUME},
        {"arch", required_argument, NULL, O_ARCH},     {"stem", required_argument, NULL, O_STEM},
        {"width", required_argument, NULL, O_WIDTH},   {"push-pull", no_argument, NULL, O_PP},
        {"no-push-pull", no_argument, NULL, O_NOPP},   {"avg", required_argument, NULL, O_AVG},
        {"alpha", required_argument, NULL, O_ALPHA},   {"avg-kernel", required_argument, NULL, O_AVGK},
        {"augment", required_argument, NULL, O_AUGMENT}, {"jsd", no_argument, NULL, O_JSD},
        {"blur-filter", required_argument, NULL, O_BLUR}, {"pp2020", no_argument, NULL, O_PP2020},
        {0}};
    long v;
    double d;
    int o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (o) {
        case O_DATA: a->data = optarg; break;
        case O_VAL: a->val = optarg; break;
        case O_OUTPUT: a->output = optarg; break;
        case O_CHECKPOINT: a->checkpoint = optarg; break;
        case O_RESUME: a->resume = true; break;
        case O_AUGMENT: a->augment = optarg; break;
        case O_JSD: a->jsd = true; break;
        case O_NOAUG: a->opt.crop_padding = -1; a->opt.flip = false; break;
        case O_SCHEDULE: snprintf(a->schedule, sizeof a->schedule, "%s", optarg); break;
        case O_ARCH: a->arch_name = optarg; break;
        case O_PP: a->push_pull = true, a->pp2020 = false; break;
        case O_NOPP: a->push_pull = false, a->pp2020 = false; break;
        case O_PP2020: a->pp2020 = true, a->push_pull = false; break;
        case O_EPOCHS:
            if (!pp_cli_parse_int(optarg, 1, PP_TRAIN_MAX_EPOCHS, &v))
                return pp_cli_usage_error(cmd, "--epochs needs 1 to %d", PP_TRAIN_MAX_EPOCHS);
            a->opt.epochs = (int)v;
            break;
        case O_BATCH:
            if (!pp_cli_parse_int(optarg, 2, 4096, &v))
                return pp_cli_usage_error(cmd, "--batch needs 2 to 4096");
            a->opt.batch = (int)v;
            break;
        case O_LIMIT:
            if (!pp_cli_parse_int(optarg, 2, 1L << 40, &v))
                return pp_cli_usage_error(cmd, "--limit needs a number >= 2");
            a->opt.limit = v;
            break;
        case O_SEED:
            if (!pp_cli_parse_int(optarg, 0, 1L << 62, &v))
                return pp_cli_usage_error(cmd, "--seed needs a non-negative number");
            a->opt.seed = (uint64_t)v;
            break;
        case O_BLUR:
            if (!pp_cli_parse_int(optarg, 1, 7, &v))
                return pp_cli_usage_error(cmd, "--blur-filter needs 1 to 7");
            a->blur_filter = (int)v;
            break;
        case O_WIDTH:
            if (!pp_cli_parse_int(optarg, 1, 1024, &v))
                return pp_cli_usage_error(cmd, "--width needs 1 to 1024");
            a->width = (int)v;
            break;
        case O_AVG:
        case O_AVGK:
            if (!pp_cli_parse_avg_kernel(optarg, o == O_AVG ? &a->avg : &a->avg_kernel_hint))
                return pp_cli_usage_error(cmd, "the pull pooling size is 0, 3 or 5");
            break;
        case O_STEM:
            if (strcmp(optarg, "cifar") && strcmp(optarg, "imagenet"))
                return pp_cli_usage_error(cmd, "--stem is cifar or imagenet");
            a->stem = strcmp(optarg, "cifar") == 0 ? PP_STEM_CIFAR : PP_STEM_IMAGENET;
            break;
        case O_ALPHA:
            if (strcmp(optarg, "trainable") == 0) {
                a->alpha_trainable = true;
            } else if (pp_cli_parse_float(optarg, &d) && d >= 0) {
                a->alpha_trainable = false;
                a->alpha = (float)d;
            } else {
                return pp_cli_usage_error(cmd, "--alpha is 'trainable' or a non-negative number");
            }
            break;
        case O_LR:
        case O_MOMENTUM:
        case O_WD:
            if (!pp_cli_parse_float(optarg, &d) || d < 0 || (o == O_LR && d == 0))
                return pp_cli_usage_error(cmd, "--lr, --momentum and --weight-decay take non-negative numbers");
            if (o == O_LR)
                a->lr = d;
            else if (o == O_MOMENTUM)
                a->opt.sgd.momentum = (float)d;
            else
                a->opt.sgd.weight_decay = (float)d;
            break;
        default: return pp_cli_usage_error(cmd, "bad option");
        }
    }
    if (!a->output)
        return pp_cli_usage_error(cmd, "--output FILE is required");
    if (a->resume && !a->checkpoint)
        return pp_cli_usage_error(cmd, "--resume needs --checkpoint FILE");
    pp_error err = {0};
    if (pp_train_recipe_parse(&a->recipe, a->augment, a->jsd, &err) != PP_OK)
        return pp_cli_usage_error(cmd, "--augment: %s", err.msg);
    a->opt.recipe = &a->recipe;
    if (strcmp(a->schedule, "one-cycle") == 0) {
        a->opt.schedule = pp_lr_one_cycle_default((float)a->lr);
    } else if (strcmp(a->schedule, "constant") == 0) {
        a->opt.schedule = (pp_lr_schedule){.kind = PP_LR_CONSTANT, .peak = (float)a->lr};
    } else if (strncmp(a->schedule, "step", 4) == 0) {
        int every = 10;
        double gamma = 0.1;
        if (a->schedule[4] == ':')
            sscanf(a->schedule + 5, "%d:%lf", &every, &gamma);
        a->opt.schedule = (pp_lr_schedule){.kind = PP_LR_STEP, .peak = (float)a->lr, .gamma = (float)gamma,
                                           .step_epochs = every > 0 ? every : 10};
    } else {
        return pp_cli_usage_error(cmd, "--schedule is one-cycle, constant or step[:EPOCHS[:GAMMA]]");
    }
    return 0;
}

/* The output was checked before training, but a save can still fail at the end
 * (disk full, folder removed): the training itself must not be lost. */
static void rescue(const pp_model *m, const char *checkpoint)
{
    if (checkpoint) {
        fprintf(stderr, "pushpull: the trained weights are in the checkpoint %s\n", checkpoint);
        return;
    }
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/pushpull-rescued-%ld.safetensors", dir && *dir ? dir : "/tmp", (long)getpid());
    pp_error err = {0};
    if (pp_model_save(m, path, &err) == PP_OK)
        fprintf(stderr, "pushpull: the trained model was saved to %s instead\n", path);
    else
        pp_cli_fail(&err);
}

/* Trains `m` as the arguments say and saves it; shared by train and finetune. */
static int train_and_save(pp_model *m, train_args *a)
{
    pp_error err = {0};
    pp_dataset train, val;
    if (pp_dataset_open(&train, a->data, true, &err) != PP_OK)
        return pp_cli_fail(&err);
    bool has_val = a->val != NULL;
    if (has_val && pp_dataset_open(&val, a->val, false, &err) != PP_OK) {
        pp_dataset_free(&train);
        return pp_cli_fail(&err);
    }
    pp_train_options *opt = &a->opt;
    if (opt->crop_padding == 0) /* default: torchvision's CIFAR recipe, padding = size / 8 */
        opt->crop_padding = train.height ? (train.height + 7) / 8 : 4;
    else if (opt->crop_padding < 0)
        opt->crop_padding = 0;
    opt->val = has_val ? &val : NULL;
    opt->val_limit = 2000;
    opt->checkpoint = a->checkpoint;
    opt->resume = a->resume;
    opt->schedule.steps_per_epoch =
        (int)((opt->limit > 0 && opt->limit < train.count ? opt->limit : train.count) / (opt->batch ? opt->batch : 1));
    int rc = 0;
    static pp_train_history hist;
    pp_job job = pp_cli_progress_job();
    pp_status st = pp_trainer_describe_data(m, &train, &err);
    if (st == PP_OK)
        st = pp_trainer_run(m, &train, opt, &job, &hist, &err);
    pp_cli_progress_done();
    for (int e = 0; e < hist.epochs_done; e++) {
        printf("epoch %3d  loss %.4f  train acc %.4f", hist.first_epoch + e + 1, hist.loss[e], hist.accuracy[e]);
        if (!isnan(hist.val_error[e]))
            printf("  val error %.4f", hist.val_error[e]);
        printf("\n");
    }
    fflush(stdout);
    bool trained = st == PP_OK;
    if (st == PP_OK)
        st = pp_model_save(m, a->output, &err);
    if (st != PP_OK)
        rc = pp_cli_fail(&err);
    if (st != PP_OK && trained)
        rescue(m, a->checkpoint);
    else if (st == PP_OK)
        printf("saved %s (%.0f s)\n", a->output, hist.seconds);
    if (has_val)
        pp_dataset_free(&val);
    pp_dataset_free(&train);
    return rc;
}

static void defaults(train_args *a, bool finetune)
{
    memset(a, 0, sizeof *a);
    a->data = "fashion-mnist";
    a->opt.epochs = finetune ? 3 : 20;
    a->opt.batch = 128;
    a->opt.sgd = (pp_sgd_config){.momentum = 0.9f, .weight_decay = 1e-5f};
    a->opt.flip = true;
    a->lr = finetune ? 0.01 : 0.1;
    snprintf(a->schedule, sizeof a->schedule, "one-cycle");
    a->arch_name = "resnet18";
    a->stem = PP_STEM_CIFAR;
    a->width = 0; /* the net's */
    a->avg = 3;
    a->push_pull = true;
    a->alpha_trainable = true;
    a->alpha = 1.0f;
    a->avg_kernel_hint = -1;
}

static int run_train(int argc, char **argv)
{
    train_args a;
    defaults(&a, false);
    int rc = parse(&pp_cmd_train, argc, argv, &a);
    if (rc)
        return rc;
    if (optind != argc)
        return pp_cli_usage_error(&pp_cmd_train, "unexpected argument '%s'", argv[optind]);
    if (pp_cli_claim_output(a.output) || pp_cli_claim_output(a.checkpoint))
        return 1;
    pp_error err = {0};
    pp_dataset probe;
    /* The data set decides input channels and classes. */
    if (pp_dataset_open(&probe, a.data, false, &err) != PP_OK)
        return pp_cli_fail(&err);
    int channels = probe.channels ? probe.channels : 3, classes = probe.num_classes;
    const int side = probe.height == probe.width ? probe.height : 0;
    const int probe_w = probe.width, probe_h = probe.height;
    pp_dataset_free(&probe);
    pp_arch arch;
    if (pp_arch_from_name(&arch, a.arch_name, a.stem, channels, classes, &err) != PP_OK)
        return pp_cli_fail(&err);
    if (a.width > 0)
        pp_arch_set_width(&arch, a.width);
    const bool pnn = strcmp(arch.family, "perturb_resnet") == 0;
    if (pnn && side > 0 && side % 8 != 0)
        return pp_cli_failf("--arch perturb_resnet18 needs square images whose side divides by 8 (its masks halve "
                            "three times, pnn.pytorch's CIFAR 32x32); %s has %dx%d", a.data, probe_w, probe_h);
    if (pnn && side > 0)
        arch.pnn.size = side; /* the fixed masks are made for the data's images */
    arch.push_pull = a.push_pull && !pnn; /* a perturbative net has no convolution to replace */
    arch.pp2020 = a.pp2020 && !pnn;
    arch.avg_kernel = a.push_pull ? a.avg : 0;
    arch.alpha_trainable = a.alpha_trainable;
    arch.alpha_fixed = a.alpha;
    if (a.blur_filter && !arch.blur_filter)
        return pp_cli_usage_error(&pp_cmd_train, "--blur-filter needs an anti-aliased --arch (blurpool-, zhang-, "
                                                 "vasconcelos-resnetN)");
    if (a.pp2020 && pp_arch_is_efficientnet(&arch))
        return pp_cli_usage_error(&pp_cmd_train, "--pp2020 is for the ResNets; EfficientNet's stem is plain or a "
                                                 "PushPull unit");
    if (a.pp2020 && arch.blur_filter)
        return pp_cli_usage_error(&pp_cmd_train, "--pp2020 is for the plain ResNets, not the anti-aliased '%s'",
                                  a.arch_name);
    if (a.blur_filter)
        arch.blur_filter = a.blur_filter;
    /* the official 2020 CIFAR nets have no bias in the layer; strisciuglio_resnet50 has one */
    if (a.pp2020 && pp_arch_stages(&arch) == 3)
        arch.conv1_bias = false;
    pp_model m;
    if (pp_model_create(&m, &arch, &err) != PP_OK)
        return pp_cli_fail(&err);
    pp_model_init_random(&m, a.opt.seed);
    rc = train_and_save(&m, &a);
    pp_model_free(&m);
    return rc;
}

static int run_finetune(int argc, char **argv)
{
    train_args a;
    defaults(&a, true);
    int rc = parse(&pp_cmd_finetune, argc, argv, &a);
    if (rc)
        return rc;
    if (optind != argc - 1)
        return pp_cli_usage_error(&pp_cmd_finetune, "expected one MODEL");
    if (pp_cli_claim_output(a.output) || pp_cli_claim_output(a.checkpoint))
        return 1;
    pp_model m;
    if ((rc = pp_cli_open_model(argv[optind], a.avg_kernel_hint, &m)))
        return rc;
    rc = train_and_save(&m, &a);
    pp_model_free(&m);
    return rc;
}

/* pushpull convert IN OUT.safetensors: any checkpoint the app reads (Lightning
 * .ckpt, torch .pt/.pth, safetensors) rewritten as safetensors with the
 * architecture and push-pull settings in the metadata, atomically. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_interrupt.h"
#include "cli_model.h"
#include "cli_output.h"
#include "model_file.h"

static int run(int argc, char **argv);

const pp_cli_command pp_cmd_convert = {
    .name = "convert",
    .summary = "rewrite a checkpoint (.ckpt, .pt, .pth) as .safetensors with its settings",
    .usage = "usage: pushpull convert IN OUT.safetensors [--avg-kernel K] [--pull-minmax M] [--pnn-level L]\n"
             "       [--pnn-first-level L] [--pnn-first-act] [--pnn-pool max|avg]\n\n"
             "Reads IN (a PyTorch Lightning .ckpt, a torch.save .pt/.pth state dict or a\n"
             ".safetensors file) without running any code from it, and writes the model to\n"
             "OUT as safetensors, with the architecture, push-pull settings and class names\n"
             "in its metadata. OUT is written to a temporary file and renamed, so it is\n"
             "never left half-written.\n\n"
             "  --avg-kernel K  pull pooling size (0, 3, 5) when IN does not record it\n"
             PP_CLI_PULL_MINMAX_HELP
             "  --pnn-level L        a perturbative network's noise level in its blocks (pnn.pytorch's\n"
             "                       --level; a state dict never records it; default 0.5)\n"
             "  --pnn-first-level L  its first layer's level (--level x --scale_noise; default L)\n"
             "  --pnn-first-act      ReLU after the first layer's noise (pnn.pytorch's --use_act)\n"
             "  --pnn-pool P         the blocks' stride pooling, max (default) or avg (--pool_type)\n"
             "A whole pickled pnn.pytorch model (torch.save(model)) records all four; these then\n"
             "are not needed. OUT records them for every other command.\n",
    .run = run,
    .writes_files = true,
};

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int run(int argc, char **argv)
{
    static const struct option options[] = {
        {"avg-kernel", required_argument, NULL, 'a'}, {"pull-minmax", required_argument, NULL, 'm'},
        {"pnn-level", required_argument, NULL, 'l'},  {"pnn-first-level", required_argument, NULL, 'f'},
        {"pnn-first-act", no_argument, NULL, 'u'},    {"pnn-pool", required_argument, NULL, 'p'},
        {0}};
    pp_arch_hints hints = {.avg_kernel = -1};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 'a' && pp_cli_parse_avg_kernel(optarg, &hints.avg_kernel))
            continue;
        else if (opt == 'a')
            return pp_cli_usage_error(&pp_cmd_convert, "--avg-kernel must be 0, 3 or 5");
        else if (opt == 'm' && pp_cli_parse_pull_minmax(optarg, &hints.pull_minmax))
            continue;
        else if (opt == 'm')
            return pp_cli_usage_error(&pp_cmd_convert, "--pull-minmax must be filter or channel");
        else if (opt == 'l' || opt == 'f') {
            char *end;
            float v = strtof(optarg, &end);
            if (*end || !(v > 0 && v <= 100))
                return pp_cli_usage_error(&pp_cmd_convert, "--pnn-level and --pnn-first-level take a level in (0, 100]");
            *(opt == 'l' ? &hints.pnn_level : &hints.pnn_first_level) = v;
        } else if (opt == 'u')
            hints.pnn_first_act = 2;
        else if (opt == 'p' && (strcmp(optarg, "max") == 0 || strcmp(optarg, "avg") == 0))
            hints.pnn_avg_pool = strcmp(optarg, "avg") == 0 ? 2 : 1;
        else if (opt == 'p')
            return pp_cli_usage_error(&pp_cmd_convert, "--pnn-pool is max or avg");
        else
            return pp_cli_usage_error(&pp_cmd_convert, "bad option");
    }
    if (optind != argc - 2)
        return pp_cli_usage_error(&pp_cmd_convert, "expected IN and OUT.safetensors");
    const char *in = argv[optind], *out = argv[optind + 1];
    if (!ends_with(out, ".safetensors"))
        return pp_cli_usage_error(&pp_cmd_convert, "OUT must end in .safetensors");
    int rc = pp_cli_claim_output(out);
    if (rc)
        return rc;
    pp_model m;
    if ((rc = pp_cli_open_model_hints(in, &hints, &m)))
        return rc;
    pp_error err = {0};
    if (pp_cli_interrupted()) { /* loading a large file is not cancellable; stop before writing */
        pp_model_free(&m);
        return pp_cli_failf("%s: interrupted; not written", out);
    }
    if (pp_model_save(&m, out, &err) != PP_OK) {
        pp_model_free(&m);
        return pp_cli_fail(&err);
    }
    const pp_arch *a = &m.arch;
    printf("wrote %s: %s, %lld parameters, %d classes", out, pp_arch_name(a),
           (long long)pp_model_param_count(&m), a->num_classes);
    if (a->push_pull)
        printf(", push-pull (avg pooling %d, alpha %s, max + min per %s)", a->avg_kernel,
               a->alpha_trainable ? "per channel" : "fixed", pp_pull_minmax_name(a->pull_minmax));
    else if (a->pp2020)
        printf(", the 2020 push-pull layer (alpha %s)", a->alpha_trainable ? "per channel" : "fixed");
    printf("\n");
    pp_model_free(&m);
    return 0;
}

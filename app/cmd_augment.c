/* `pushpull augment`: one augmented image (or a preview grid), or the list of methods. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "augment/augment_grid.h"
#include "augment/augmentation.h"
#include "cli.h"
#include "cli_output.h"
#include "image/image.h"

extern const pp_cli_command pp_cmd_augment;

static void print_list(void)
{
    for (size_t i = 0; i < pp_augmentation_count(); i++) {
        const pp_augmentation *a = pp_augmentation_at(i);
        printf("%-15s %s\n", a->name, a->summary);
        for (int k = 0; k < a->n_params; k++) {
            const pp_augment_param *p = &a->params[k];
            printf("    %-13s %g to %g, default %g  %s\n", p->name, p->min, p->max, p->def, p->help);
        }
    }
}

static bool ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static int run(int argc, char **argv)
{
    const pp_cli_command *cmd = &pp_cmd_augment;
    const char *paths[2] = {NULL, NULL}, *method = NULL;
    int n_paths = 0;
    long seed = 0, grid = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--list") == 0) {
            print_list();
            return 0;
        } else if (strcmp(a, "--method") == 0 || strcmp(a, "-m") == 0) {
            if (!next)
                return pp_cli_usage_error(cmd, "--method needs a name");
            method = argv[++i];
        } else if (strcmp(a, "--seed") == 0) {
            if (!next || !pp_cli_parse_int(next, 0, 0xFFFFFFFFL, &seed))
                return pp_cli_usage_error(cmd, "--seed needs 0 to 4294967295, got '%s'", next ? next : "");
            i++;
        } else if (strcmp(a, "--grid") == 0) {
            if (!next || !pp_cli_parse_int(next, 1, PP_AUGMENT_GRID_MAX, &grid))
                return pp_cli_usage_error(cmd, "--grid needs 1 to %d, got '%s'", PP_AUGMENT_GRID_MAX, next ? next : "");
            i++;
        } else if (a[0] == '-' && a[1]) {
            return pp_cli_usage_error(cmd, "unknown option '%s'", a);
        } else {
            if (n_paths == 2)
                return pp_cli_usage_error(cmd, "unexpected argument '%s'", a);
            paths[n_paths++] = a;
        }
    }
    if (n_paths != 2)
        return pp_cli_usage_error(cmd, "needs an input and an output image");
    if (!method)
        return pp_cli_usage_error(cmd, "needs --method M (see --list)");
    pp_augment_config cfg;
    pp_error err = {0};
    if (pp_augment_config_parse(&cfg, method, &err) != PP_OK)
        return pp_cli_usage_error(cmd, "%s", err.msg);
    bool out_jpeg = ends_with_ci(paths[1], ".jpg") || ends_with_ci(paths[1], ".jpeg");
    if (!out_jpeg && !ends_with_ci(paths[1], ".png"))
        return pp_cli_usage_error(cmd, "output '%s' must end in .png, .jpg or .jpeg", paths[1]);
    if (pp_cli_claim_output(paths[1]))
        return 1;
    pp_image in = {0}, out = {0};
    if (pp_image_load(paths[0], &in, &err) != PP_OK)
        return pp_cli_fail(&err);
    pp_status st = grid ? pp_augment_grid(&cfg, (uint32_t)seed, &in, (int)grid, 0, &out, &err)
                        : pp_augment_image(&cfg, (uint32_t)seed, &in, &out, &err);
    pp_image_free(&in);
    if (st == PP_OK)
        st = out_jpeg ? pp_image_save_jpeg(paths[1], &out, 95, &err) : pp_image_save_png(paths[1], &out, &err);
    pp_image_free(&out);
    return st == PP_OK ? 0 : pp_cli_fail(&err);
}

const pp_cli_command pp_cmd_augment = {
    .name = "augment",
    .summary = "apply a training augmentation (AugMix, TrivialAugment, ...) to an image",
    .usage =
        "usage: pushpull augment IN OUT --method M[:KEY=VALUE,...] [--seed S] [--grid N]\n"
        "       pushpull augment --list\n\n"
        "Augments IN (PNG or JPEG) as training would and writes OUT (.png, or .jpg at quality\n"
        "95) atomically. The seed seeds the method's reference generator: augmix replays\n"
        "np.random.seed(S) with the official AugMix code, augmix-tv, trivialaugment and\n"
        "autoaugment replay torch.manual_seed(S) with torchvision 0.14, byte for byte.\n"
        "Float results (augmix, prime, gaussian) are rounded back to 0..255.\n\n"
        "  -m, --method M   augmix, augmix-tv, trivialaugment, autoaugment, prime or gaussian,\n"
        "                   with parameters, e.g. augmix:severity=1,width=3\n"
        "  --seed S         0 (default) to 4294967295\n"
        "  --grid N         a preview sheet instead: the clean image, then N samples with\n"
        "                   seeds S, S+1, ... (N up to 64)\n"
        "  --list           the methods and their parameters\n",
    .run = run,
    .writes_files = true,
};

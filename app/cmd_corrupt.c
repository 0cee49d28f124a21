/* `pushpull corrupt`: apply one corruption to one image, or list the corruptions. */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "cli_interrupt.h"
#include "cli_output.h"
#include "corrupt/corruption.h"
#include "image/image.h"
#include "number_text.h"
#include "threads.h"

extern const pp_cli_command pp_cmd_corrupt;

static void print_names(FILE *out)
{
    for (size_t i = 0; i < pp_corruption_count(); i++)
        fprintf(out, "%s%s", i ? ", " : "", pp_corruption_at(i)->name);
}

static int unknown_corruption(const char *name)
{
    fprintf(stderr, "pushpull corrupt: unknown corruption '%s'; valid names: ", name);
    print_names(stderr);
    fputc('\n', stderr);
    return 2;
}

static void print_list_text(void)
{
    for (size_t i = 0; i < pp_corruption_count(); i++) {
        const pp_corruption *c = pp_corruption_at(i);
        printf("%-18s %-7s %-4s %s%s\n", c->name, pp_corruption_family_name(c->family),
               pp_corruption_band_name(c->band), c->summary, c->random ? " [random]" : "");
        for (int k = 0; k < c->n_params; k++) {
            const pp_corruption_param *p = &c->params[k];
            printf("    %-13s [%g, %g]", p->name, p->min, p->max);
            if (p->flags & PP_PARAM_RANDOM) {
                printf(" random draw");
            } else {
                printf(" imagenet");
                for (int s = 0; s < 5; s++)
                    printf("%c%g", s ? ',' : ' ', p->imagenet[s]);
                printf("  cifar");
                for (int s = 0; s < 5; s++)
                    printf("%c%g", s ? ',' : ' ', p->cifar[s]);
            }
            printf("%s  %s\n", (p->flags & PP_PARAM_PIXELS) ? " (px, scaled)" : "", p->help);
        }
    }
}

static json_t *severities_json(const double *v)
{
    json_t *a = json_array();
    for (int s = 0; s < 5; s++)
        json_array_append_new(a, pp_json_number(v[s]));
    return a;
}

static int print_list_json(void)
{
    json_t *root = json_array();
    for (size_t i = 0; i < pp_corruption_count(); i++) {
        const pp_corruption *c = pp_corruption_at(i);
        json_t *o = json_object(), *params = json_array();
        json_object_set_new(o, "name", json_string(c->name));
        json_object_set_new(o, "summary", json_string(c->summary));
        json_object_set_new(o, "family", json_string(pp_corruption_family_name(c->family)));
        json_object_set_new(o, "band", json_string(pp_corruption_band_name(c->band)));
        json_object_set_new(o, "benchmark", json_boolean(i < PP_CORRUPTION_BENCHMARK_COUNT));
        json_object_set_new(o, "random", json_boolean(c->random));
        for (int k = 0; k < c->n_params; k++) {
            const pp_corruption_param *p = &c->params[k];
            json_t *po = json_object();
            json_object_set_new(po, "name", json_string(p->name));
            json_object_set_new(po, "help", json_string(p->help));
            json_object_set_new(po, "min", pp_json_number(p->min));
            json_object_set_new(po, "max", pp_json_number(p->max));
            json_object_set_new(po, "identity", pp_json_number(p->identity));
            json_object_set_new(po, "pixels", json_boolean(p->flags & PP_PARAM_PIXELS));
            json_object_set_new(po, "integer", json_boolean(p->flags & PP_PARAM_INTEGER));
            json_object_set_new(po, "random", json_boolean(p->flags & PP_PARAM_RANDOM));
            if (!(p->flags & PP_PARAM_RANDOM)) {
                json_object_set_new(po, "imagenet", severities_json(p->imagenet));
                json_object_set_new(po, "cifar", severities_json(p->cifar));
            }
            json_array_append_new(params, po);
        }
        json_object_set_new(o, "params", params);
        json_array_append_new(root, o);
    }
    pp_cli_print_json(root); /* 6 significant digits: every preset's value as written */
    return 0;
}

static bool ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static bool parse_seed(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-')
        return false;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end)
        return false;
    *out = v;
    return true;
}

static int run(int argc, char **argv)
{
    const pp_cli_command *cmd = &pp_cmd_corrupt;
    const char *paths[2] = {NULL, NULL}, *name = NULL;
    const char *param_args[64];
    int n_param_args = 0, n_paths = 0;
    bool list = false, json = false, have_sev = false;
    pp_corruption_request req = {.threads = pp_threads_default()};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--list") == 0) {
            list = true;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--jpeg85") == 0) {
            req.jpeg85 = true;
        } else if (strcmp(a, "--corruption") == 0 || strcmp(a, "-c") == 0) {
            if (!next)
                return pp_cli_usage_error(cmd, "%s needs a name", a);
            name = argv[++i];
        } else if (strcmp(a, "--severity") == 0 || strcmp(a, "-s") == 0) {
            if (!pp_cli_parse_float(next, &req.severity) || req.severity < 0 || req.severity > 5)
                return pp_cli_usage_error(cmd, "--severity needs a number from 0 to 5, got '%s'",
                                          next ? next : "");
            have_sev = true;
            i++;
        } else if (strcmp(a, "--seed") == 0) {
            if (!parse_seed(next, &req.seed))
                return pp_cli_usage_error(cmd, "--seed needs a non-negative integer, got '%s'",
                                          next ? next : "");
            i++;
        } else if (strcmp(a, "--preset") == 0) {
            if (!pp_corruption_preset_parse(next, &req.preset))
                return pp_cli_usage_error(cmd, "--preset must be imagenet, cifar or auto, got '%s'",
                                          next ? next : "");
            i++;
        } else if (strcmp(a, "--param") == 0 || strcmp(a, "-p") == 0) {
            if (!next || !strchr(next, '='))
                return pp_cli_usage_error(cmd, "--param needs NAME=VALUE");
            if (n_param_args == 64)
                return pp_cli_usage_error(cmd, "too many --param options");
            param_args[n_param_args++] = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            return pp_cli_usage_error(cmd, "unknown option '%s'", a);
        } else {
            if (n_paths == 2)
                return pp_cli_usage_error(cmd, "unexpected argument '%s'", a);
            paths[n_paths++] = a;
        }
    }
    if (list)
        return json ? print_list_json() : (print_list_text(), 0);
    if (n_paths != 2)
        return pp_cli_usage_error(cmd, "needs an input and an output image");
    if (!name)
        return pp_cli_usage_error(cmd, "needs --corruption NAME");
    if (!have_sev)
        return pp_cli_usage_error(cmd, "needs --severity S (0 to 5)");
    const pp_corruption *c = pp_corruption_find(name);
    if (!c)
        return unknown_corruption(name);
    double overrides[PP_CORRUPTION_MAX_PARAMS];
    for (int k = 0; k < PP_CORRUPTION_MAX_PARAMS; k++)
        overrides[k] = NAN;
    for (int k = 0; k < n_param_args; k++) {
        const char *eq = strchr(param_args[k], '=');
        char pname[64];
        size_t len = (size_t)(eq - param_args[k]);
        if (len >= sizeof pname)
            len = sizeof pname - 1;
        memcpy(pname, param_args[k], len);
        pname[len] = 0;
        int idx = pp_corruption_param_index(c, pname);
        if (idx < 0) {
            fprintf(stderr, "pushpull corrupt: %s has no parameter '%s'; its parameters:", c->name, pname);
            for (int j = 0; j < c->n_params; j++)
                fprintf(stderr, " %s", c->params[j].name);
            fputc('\n', stderr);
            return 2;
        }
        double v;
        if (!pp_cli_parse_float(eq + 1, &v) || v < c->params[idx].min || v > c->params[idx].max)
            return pp_cli_usage_error(cmd, "--param %s needs a number in [%g, %g], got '%s'", pname,
                                      c->params[idx].min, c->params[idx].max, eq + 1);
        overrides[idx] = v;
    }
    req.overrides = overrides;

    bool out_jpeg = ends_with_ci(paths[1], ".jpg") || ends_with_ci(paths[1], ".jpeg");
    if (!out_jpeg && !ends_with_ci(paths[1], ".png"))
        return pp_cli_usage_error(cmd, "output '%s' must end in .png, .jpg or .jpeg", paths[1]);
    if (pp_cli_claim_output(paths[1]))
        return 1;
    req.cancel = pp_cli_interrupt_cancel;
    pp_error err = {0};
    pp_image in = {0}, out = {0};
    if (pp_image_load(paths[0], &in, &err))
        return pp_cli_fail(&err);
    /* A JPEG output with --jpeg85 is the quality-85 file itself (no second encode). */
    bool save85 = out_jpeg && req.jpeg85;
    if (save85)
        req.jpeg85 = false;
    pp_status st = pp_corruption_apply(c, &req, &in, &out, &err);
    pp_image_free(&in);
    if (!st)
        st = out_jpeg ? pp_image_save_jpeg(paths[1], &out, save85 ? 85 : 95, &err)
                      : pp_image_save_png(paths[1], &out, &err);
    pp_image_free(&out);
    if (st)
        return pp_cli_fail(&err);
    return 0;
}

const pp_cli_command pp_cmd_corrupt = {
    .name = "corrupt",
    .summary = "apply an ImageNet-C corruption to an image (--list shows them)",
    .usage =
        "usage: pushpull corrupt IN OUT --corruption NAME --severity S [--seed N]\n"
        "                        [--preset imagenet|cifar|auto] [--param NAME=VALUE]... [--jpeg85]\n"
        "       pushpull corrupt --list [--json]\n\n"
        "Corrupts IN (PNG or JPEG) and writes OUT (.png, or .jpg at quality 95) atomically.\n\n"
        "  -c, --corruption NAME  one of the names from --list\n"
        "  -s, --severity S       0 (clean) to 5; integers are the published levels,\n"
        "                         values between interpolate every parameter\n"
        "  --seed N               seed of the random corruptions (default 0); the same\n"
        "                         image, corruption, severity and seed give the same bytes\n"
        "  --preset P             parameter table: imagenet (224 px), cifar (32 px), or auto\n"
        "                         (cifar below 85 px on the shorter side; the default).\n"
        "                         Lengths in pixels scale with min(H, W) / 224 or / 32.\n"
        "  -p, --param NAME=VALUE override one parameter (published units), e.g.\n"
        "                         --param angle=30 pins motion blur's random angle\n"
        "  --jpeg85               re-save the result as JPEG quality 85, as the published\n"
        "                         ImageNet-C files were (with a .jpg OUT, OUT is that file)\n"
        "  --list [--json]        names, families, frequency bands and parameters\n",
    .run = run,
    .writes_files = true,
};

/* pushpull probe MODEL IMAGE --corruption NAME [--severity S | --sweep N]:
 * what the studio's probe view shows, headless. */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "cli.h"
#include "cli_model.h"
#include "probe.h"
#include "number_text.h"
#include "threads.h"

static int run(int argc, char **argv);

const pp_cli_command pp_cmd_probe = {
    .name = "probe",
    .summary = "corrupt an image live: top-5 and first-layer SNR, or a severity sweep",
    .usage = "usage: pushpull probe MODEL IMAGE [--corruption NAME|none] [--severity S | --sweep N]\n"
             "                     [--seed N] [--preset P] [--true-class K] [--json]\n\n"
             "Brings IMAGE to the model's input size, corrupts it (default, or `--corruption\n"
             "none`: the clean image, any severity ignored), and prints the top-5 classes and\n"
             "the first-layer signal-to-noise ratio against\n"
             "the clean image: SNR_dB = 10 log10(sum r(x)^2 / sum (r(x') - r(x))^2), for the\n"
             "push-only path relu(conv(x, W)) and the PushPull unit's output (a baseline's\n"
             "plain conv1), pooled and per channel. --sweep N evaluates N+1 severities from 0\n"
             "to 5 (the paper's Fig. 4) with the true-class probability and the flip points.\n\n"
             "  --true-class K   class whose probability is tracked (default: the clean top-1)\n",
    .run = run,
};


static int run(int argc, char **argv)
{
    static const struct option options[] = {
        {"corruption", required_argument, NULL, 'c'}, {"severity", required_argument, NULL, 's'},
        {"sweep", required_argument, NULL, 'w'},      {"seed", required_argument, NULL, 'S'},
        {"preset", required_argument, NULL, 'p'},     {"true-class", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},             {"avg-kernel", required_argument, NULL, 'a'},
        {0}};
    const char *name = NULL;
    pp_corruption_request req = {0};
    long sweep = 0, true_class = -1, v;
    double d;
    bool json = false;
    int avg = -1, o;
    optind = 1;
    while ((o = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (o == 'c')
            name = optarg;
        else if (o == 's' && pp_cli_parse_float(optarg, &d) && d >= 0 && d <= PP_CORRUPTION_MAX_SEVERITY)
            req.severity = d;
        else if (o == 'w' && pp_cli_parse_int(optarg, 1, 63, &sweep))
            continue;
        else if (o == 'S' && pp_cli_parse_int(optarg, 0, 1L << 62, &v))
            req.seed = (uint64_t)v;
        else if (o == 'p' && pp_corruption_preset_parse(optarg, &req.preset))
            continue;
        else if (o == 't' && pp_cli_parse_int(optarg, 0, 1L << 20, &true_class))
            continue;
        else if (o == 'j')
            json = true;
        else if (o == 'a' && pp_cli_parse_avg_kernel(optarg, &avg))
            continue;
        else
            return pp_cli_usage_error(&pp_cmd_probe, "bad option or value (severity 0..5, sweep 1..63 steps)");
    }
    if (optind != argc - 2)
        return pp_cli_usage_error(&pp_cmd_probe, "expected MODEL and IMAGE");
    const pp_corruption *c = NULL;
    if (name && !pp_probe_corruption_find(name, &c))
        return pp_cli_failf("unknown corruption '%s' (see `pushpull corrupt --list`; `none`: the clean image)", name);
    pp_model m;
    int rc = pp_cli_open_model(argv[optind], avg, &m);
    if (rc)
        return rc;
    pp_error err = {0};
    pp_image img;
    pp_probe p;
    if (pp_image_load(argv[optind + 1], &img, &err) != PP_OK) {
        pp_model_free(&m);
        return pp_cli_fail(&err);
    }
    pp_status st = pp_probe_init(&p, &m, &img, pp_threads_default(), &err);
    pp_image_free(&img);
    if (st == PP_OK && true_class >= m.arch.num_classes)
        st = pp_fail(&err, PP_ERR_ARG, "--true-class %ld: the model has %d classes", true_class, m.arch.num_classes);
    p.true_class = (int)true_class;
    json_t *o_json = json ? json_object() : NULL;
    if (st == PP_OK && sweep > 0) {
        static pp_probe_sweep sw;
        st = pp_probe_sweep_run(&p, c, &req, (int)sweep, &sw, NULL, NULL, &err);
        for (int i = 0; st == PP_OK && i <= sw.steps; i++) {
            if (json) {
                json_t *row = json_object();
                json_object_set_new(row, "severity", pp_json_number(sw.severity[i]));
                json_object_set_new(row, "snr_push_db", pp_json_number(sw.snr_push[i]));
                json_object_set_new(row, "snr_output_db", pp_json_number(sw.snr_output[i]));
                json_object_set_new(row, "true_class_probability", pp_json_number(sw.true_prob[i]));
                json_object_set_new(row, "top1", json_string(pp_model_class_name(&m, sw.top1[i])));
                json_object_set_new(row, "flip", json_boolean(sw.flip[i]));
                if (!json_object_get(o_json, "sweep"))
                    json_object_set_new(o_json, "sweep", json_array());
                json_array_append_new(json_object_get(o_json, "sweep"), row);
            } else {
                if (i == 0)
                    printf("severity  SNR push (dB)  SNR output (dB)  p(true)  top-1\n");
                char name[256];
                printf("%8.2f  %13.2f  %15.2f  %7.4f  %s%s\n", sw.severity[i], sw.snr_push[i], sw.snr_output[i],
                       sw.true_prob[i], pp_cli_printable(pp_model_class_name(&m, sw.top1[i]), name, sizeof name),
                       sw.flip[i] ? "   <- flip" : "");
            }
        }
    } else if (st == PP_OK) {
        pp_probe_result r;
        st = pp_probe_run(&p, c, &req, &r, &err);
        if (st == PP_OK && json) {
            json_t *top = json_array(), *pc = json_array(), *pp = json_array();
            for (int i = 0; i < PP_PROBE_TOPK && r.top_class[i] >= 0; i++) {
                json_t *e = json_object();
                json_object_set_new(e, "index", json_integer(r.top_class[i]));
                json_object_set_new(e, "class", json_string(pp_model_class_name(&m, r.top_class[i])));
                json_object_set_new(e, "probability", pp_json_number(r.top_prob[i]));
                json_array_append_new(top, e);
            }
            for (int k = 0; k < m.arch.width; k++) {
                json_array_append_new(pc, pp_json_number(r.snr_output_channel[k]));
                json_array_append_new(pp, pp_json_number(r.snr_push_channel[k]));
            }
            json_object_set_new(o_json, "corruption", json_string(c ? c->name : "none"));
            json_object_set_new(o_json, "severity", pp_json_number(c ? req.severity : 0));
            json_object_set_new(o_json, "top", top);
            json_object_set_new(o_json, "snr_push_db", pp_json_number(r.snr_push));
            json_object_set_new(o_json, "snr_output_db", pp_json_number(r.snr_output));
            json_object_set_new(o_json, "snr_push_db_per_channel", pp);
            json_object_set_new(o_json, "snr_output_db_per_channel", pc);
        } else if (st == PP_OK) {
            printf("%s at severity %.2f\n", c ? c->name : "clean", c ? req.severity : 0.0);
            char name[256];
            for (int i = 0; i < PP_PROBE_TOPK && r.top_class[i] >= 0; i++)
                printf("  %d. %-24s %6.2f%%\n", i + 1,
                       pp_cli_printable(pp_model_class_name(&m, r.top_class[i]), name, sizeof name),
                       100 * r.top_prob[i]);
            if (pp_arch_inhibits(&m.arch))
                printf("first-layer SNR: push-only %.2f dB, push-pull output %.2f dB\n", r.snr_push, r.snr_output);
            else
                printf("first-layer SNR: plain conv1 output %.2f dB (a baseline has no push/pull split)\n",
                       r.snr_output);
        }
        if (st == PP_OK)
            pp_probe_result_free(&r);
    }
    if (st != PP_OK) {
        rc = pp_cli_fail(&err);
        json_decref(o_json);
    } else if (json) {
        pp_cli_print_json(o_json); /* and frees it */
    }
    pp_probe_free(&p);
    pp_model_free(&m);
    return rc;
}

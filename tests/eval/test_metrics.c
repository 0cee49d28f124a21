/* Robustness metrics (docs/spec/pushpull.md) on hand-computed tables, the paper's
 * R_net check, and the eval JSON round trip and validation. */
#include <jansson.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "../test_util.h"
#include "eval/evaluate.h"
#include "eval/metrics.h"

#define NEAR(a, b, tol) (fabs((a) - (b)) <= (tol))

static void test_rnet_matches_paper(void)
{
    /* spec: base E 0.269, mCE 0.667; model E 0.282, mCE 0.645 gives R_net = +1.67 % */
    pp_rnet r = pp_rnet_compute(0.269, 0.667, 0.282, 0.645, 0);
    CHECK(NEAR(r.r_net, 0.0167, 0.00005), "R_net %.5f, want 0.0167", r.r_net);
    CHECK(NEAR(r.beta, 0.667 / 0.269, 1e-12), "beta auto = mCE_base / E_base");
    /* published +PP5: E 0.276, mCE 0.645 -> 2.79 % ; +PRIME+PP3: 0.306 / 0.4995 -> 24.31 % */
    CHECK(NEAR(pp_rnet_compute(0.269, 0.667, 0.276, 0.645, 0).r_net, 0.0279, 0.00006), "PP5 R_net");
    CHECK(NEAR(pp_rnet_compute(0.269, 0.667, 0.306, 0.4995, 0).r_net, 0.2431, 0.001), "PRIME+PP3 R_net (inputs rounded in the paper)");
    pp_rnet eq = pp_rnet_compute(0.2, 0.5, 0.1, 0.25, 1.0);
    CHECK(NEAR(eq.r_net, (0.5 + 0.5) / 2, 1e-12) && eq.beta == 1.0, "beta 1: equal weight");
}

static void test_ce_mce_groups(void)
{
    pp_error_table base = {.clean_error = 0.1}, model = {.clean_error = 0.2};
    /* Two corruptions: gaussian_noise (high) and fog (low). */
    int g = pp_benchmark_index("gaussian_noise"), f = pp_benchmark_index("fog");
    CHECK(g == 0 && f == 9, "benchmark order");
    double be[5] = {0.2, 0.3, 0.4, 0.5, 0.6}, me[5] = {0.3, 0.3, 0.3, 0.3, 0.3};
    base.has[g] = base.has[f] = model.has[g] = model.has[f] = true;
    memcpy(base.error[g], be, sizeof be);
    memcpy(base.error[f], be, sizeof be);
    memcpy(model.error[g], me, sizeof me);
    memcpy(model.error[f], be, sizeof be);
    pp_normalizer norm = {.table = &base};
    pp_ce_summary s;
    pp_error err = {0};
    CHECK_OK(pp_ce_summarize(&model, &norm, &s, &err), &err);
    CHECK(NEAR(s.ce[g], 1.5 / 2.0, 1e-12), "CE gauss %.4f", s.ce[g]);
    CHECK(NEAR(s.ce[f], 1.0, 1e-12), "CE fog %.4f", s.ce[f]);
    CHECK(NEAR(s.mce, (0.75 + 1.0) / 2, 1e-12) && s.corruptions_used == 2, "mCE %.4f", s.mce);
    /* relative: (sum E_m - 5 E_m,clean) / (sum E_b - 5 E_b,clean) */
    CHECK(NEAR(s.relative_ce[g], (1.5 - 1.0) / (2.0 - 0.5), 1e-12), "relative CE gauss %.4f", s.relative_ce[g]);
    CHECK(NEAR(s.relative_ce[f], (2.0 - 1.0) / (2.0 - 0.5), 1e-12), "relative CE fog");
    CHECK(NEAR(s.group_ce[PP_GROUP_HIGH], 0.75, 1e-12) && NEAR(s.group_ce[PP_GROUP_LOW], 1.0, 1e-12) &&
              isnan(s.group_ce[PP_GROUP_MID]), "groups");
    CHECK(isnan(s.ce[1]), "missing corruption stays NaN");

    pp_normalizer alexnet = {.table = NULL};
    CHECK_OK(pp_ce_summarize(&model, &alexnet, &s, &err), &err);
    CHECK(NEAR(s.ce[g], 1.5 / (5 * 0.886428), 1e-9), "AlexNet-normalised CE");
    CHECK(isnan(s.relative_mce), "no relative mCE without AlexNet's clean error");
}

static void test_groups_cover_paper(void)
{
    const char *low[] = {"frost", "fog", "brightness", "contrast"};
    const char *mid[] = {"glass_blur", "motion_blur", "zoom_blur", "snow", "elastic_transform"};
    for (int i = 0; i < 4; i++)
        CHECK(pp_corruption_group(pp_benchmark_index(low[i])) == PP_GROUP_LOW, "%s is low", low[i]);
    for (int i = 0; i < 5; i++)
        CHECK(pp_corruption_group(pp_benchmark_index(mid[i])) == PP_GROUP_MID, "%s is mid", mid[i]);
    int high = 0;
    for (int i = 0; i < PP_BENCHMARK_CORRUPTIONS; i++)
        high += pp_corruption_group(i) == PP_GROUP_HIGH;
    CHECK(high == 6, "six high-frequency corruptions, got %d", high);
}

static void test_eval_json_roundtrip_and_validation(void)
{
    char path[] = "/tmp/pp-eval-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    pp_eval_result r = {.samples = 100, .clean_error = 0.25, .clean_top5_error = 0.05, .n_corruptions = 2};
    snprintf(r.model, sizeof r.model, "m.safetensors");
    snprintf(r.corruptions[0].name, 32, "fog");
    snprintf(r.corruptions[1].name, 32, "spatter");
    for (int s = 0; s < 5; s++) {
        r.corruptions[0].has[s] = true;
        r.corruptions[0].error[s] = 0.3 + 0.1 * s;
    }
    r.corruptions[1].has[2] = true;
    r.corruptions[1].error[2] = 0.5;
    pp_error err = {0};
    CHECK_OK(pp_eval_result_save_json(&r, path, &err), &err);
    pp_eval_result back;
    CHECK_OK(pp_eval_result_load_json(&back, path, &err), &err);
    CHECK(back.samples == 100 && NEAR(back.clean_error, 0.25, 1e-9) && back.n_corruptions == 2, "header fields");
    CHECK(back.corruptions[1].has[2] && !back.corruptions[1].has[0], "null severities survive");
    pp_error_table t;
    pp_eval_result_table(&back, &t);
    CHECK(t.has[9] && NEAR(t.error[9][4], 0.7, 1e-9), "fog in the table");
    CHECK(!t.has[pp_benchmark_index("gaussian_noise")], "absent corruption not in the table");

    const char *bad[] = {
        "{\"format\": \"other\", \"clean_error\": 0.1, \"samples\": 1, \"corruptions\": {}}",
        "{\"format\": \"pushpull-eval/1\", \"clean_error\": 1.5, \"samples\": 1, \"corruptions\": {}}",
        "{\"format\": \"pushpull-eval/1\", \"clean_error\": 0.1, \"samples\": 1, \"corruptions\": {\"fog\": [0.1]}}",
        "{\"format\": \"pushpull-eval/1\", \"clean_error\": 0.1, \"samples\": 1, \"corruptions\": {\"fog\": [0.1, 0.2, 0.3, 0.4, -1]}}",
        "not json",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        FILE *fp = fopen(path, "w");
        fputs(bad[i], fp);
        fclose(fp);
        CHECK(pp_eval_result_load_json(&back, path, &err) == PP_ERR_FORMAT && strstr(err.msg, path),
              "bad file %zu accepted or unnamed: %s", i, err.msg);
    }
    unlink(path);
}

static char *read_text(const char *path)
{
    static char buf[4096];
    FILE *fp = fopen(path, "r");
    size_t n = fp ? fread(buf, 1, sizeof buf - 1, fp) : 0;
    if (fp)
        fclose(fp);
    buf[n] = 0;
    return buf;
}

/* NaN and infinities spelled one way: null in JSON (which has no NaN; jansson
 * drops the key otherwise), nan/inf/-inf in CSV (printf gives -nan for x86's
 * default NaN). */
static void test_nonfinite_numbers_in_reports(void)
{
    char path[] = "/tmp/pp-eval-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    pp_eval_result r = {.samples = 1, .clean_error = -NAN, .seconds = INFINITY, .n_corruptions = 1};
    snprintf(r.corruptions[0].name, 32, "fog");
    r.corruptions[0].has[0] = r.corruptions[0].has[1] = r.corruptions[0].has[2] = true;
    r.corruptions[0].error[0] = INFINITY;
    r.corruptions[0].error[1] = -INFINITY;
    r.corruptions[0].error[2] = 0.5;
    pp_error err = {0};
    CHECK_OK(pp_eval_result_save_csv(&r, path, &err), &err);
    const char *csv = read_text(path);
    CHECK(strstr(csv, "clean,0,nan\n") && strstr(csv, "fog,1,inf\n") && strstr(csv, "fog,2,-inf\n") &&
              strstr(csv, "fog,3,0.500000\n") && !strstr(csv, "-nan"),
          "CSV spells nan, inf, -inf: %s", csv);
    CHECK_OK(pp_eval_result_save_json(&r, path, &err), &err);
    const char *json = read_text(path);
    CHECK(strstr(json, "\"clean_error\": null") && strstr(json, "\"seconds\": null") && !strstr(json, "nan") &&
              !strstr(json, "inf"),
          "JSON writes non-finite numbers as null: %s", json);
    json_t *root = json_loads(json, 0, NULL);
    json_t *fog = json_object_get(json_object_get(root, "corruptions"), "fog");
    CHECK(json_array_size(fog) == 5 && json_is_null(json_array_get(fog, 0)) && json_is_null(json_array_get(fog, 1)) &&
              json_real_value(json_array_get(fog, 2)) == 0.5,
          "non-finite severities are null in place, not dropped: %s", json);
    json_decref(root);
    unlink(path);
}

int main(void)
{
    RUN_TEST(test_rnet_matches_paper);
    RUN_TEST(test_ce_mce_groups);
    RUN_TEST(test_groups_cover_paper);
    RUN_TEST(test_eval_json_roundtrip_and_validation);
    RUN_TEST(test_nonfinite_numbers_in_reports);
    return TEST_EXIT();
}

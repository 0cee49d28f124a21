/* Weight statistics and histograms of two checkpoints against numpy
 * (make_weight_fixtures.py), and the histogram's edge cases. */
#include "analysis/weight_stats.h"
#include "fixture.h"
#include "model_file.h"
#include "test_util.h"

static const char *const tensors[] = {"conv1.push_conv.weight", "conv1.pull_inhibition_strength", "bn.weight",
                                      "layer1.0.conv1.weight",  "layer4.1.conv2.weight",          "classifier.weight"};
#define TENSORS 6

static bool close_to(double got, double want)
{
    return fabs(got - want) <= 1e-5 * fabs(want) + 1e-7;
}

static const pp_weight_layer *find(const pp_weight_report *r, const char *name)
{
    for (int i = 0; i < r->count; i++)
        if (strcmp(r->layers[i].name, name) == 0)
            return &r->layers[i];
    return NULL;
}

static void check_stats(const pp_weight_stats *s, const float *want, const char *what)
{
    double got[8] = {(double)s->count, s->mean, s->std, s->min, s->max, s->norm, s->near_zero, s->sparsity};
    static const char *fields[8] = {"count", "mean", "std", "min", "max", "norm", "near_zero", "sparsity"};
    for (int k = 0; k < 8; k++)
        CHECK(close_to(got[k], want[k]), "%s %s: %.9g, numpy %.9g", what, fields[k], got[k], want[k]);
}

static void test_against_numpy(void)
{
    pp_model a, b;
    pp_error err = {0};
    char notes[256];
    CHECK_OK(pp_model_open(&a, fixture_path("core", "r18_cifar_pp3.safetensors"), NULL, notes, sizeof notes, &err),
             &err);
    CHECK_OK(pp_model_open(&b, fixture_path("analysis", "r18_cifar_pp3_tuned.safetensors"), NULL, notes, sizeof notes,
                           &err),
             &err);
    pp_weight_report r;
    CHECK_OK(pp_weights_compare(&a, "A", &b, "B", 100, false, &r, &err), &err);
    pp_npy st = fixture_npy("analysis", "weights_stats.npy"), hist = fixture_npy("analysis", "weights_hist.npy");
    pp_npy change = fixture_npy("analysis", "weights_change.npy"), filters = fixture_npy("analysis", "weights_filters.npy");
    const float *s = st.data, *h = hist.data, *c = change.data, *f = filters.data;
    for (int t = 0; t < TENSORS; t++) {
        const pp_weight_layer *l = find(&r, tensors[t]);
        CHECK(l && l->in_b && l->same_shape, "%s listed with B", tensors[t]);
        if (!l)
            continue;
        char what[128];
        snprintf(what, sizeof what, "%s A", tensors[t]);
        check_stats(&l->a, s + (t * 2) * 8, what);
        snprintf(what, sizeof what, "%s B", tensors[t]);
        check_stats(&l->b, s + (t * 2 + 1) * 8, what);
        CHECK(close_to(l->relative_change, c[t]), "%s change %.9g, numpy %.9g", tensors[t], l->relative_change, c[t]);
        int64_t diff_counts = 0;
        for (int k = 0; k < 100; k++) {
            CHECK(l->hist_a[k] == (int64_t)h[(t * 3) * 100 + k], "%s A bin %d", tensors[t], k);
            CHECK(l->hist_b[k] == (int64_t)h[(t * 3 + 1) * 100 + k], "%s B bin %d", tensors[t], k);
            CHECK(l->hist_diff[k] == (int64_t)h[(t * 3 + 2) * 100 + k], "%s B-A bin %d", tensors[t], k);
            diff_counts += l->hist_diff[k];
        }
        CHECK(diff_counts == l->a.count, "%s: every difference counted", tensors[t]);
    }
    const pp_weight_layer *conv1 = find(&r, "conv1.push_conv.weight");
    CHECK(conv1 && conv1->a.filters == 8, "conv1 has 8 filters");
    for (int k = 0; conv1 && k < 8; k++)
        CHECK(close_to(conv1->a.filter_norm[k], f[k]) && close_to(conv1->a.filter_mean[k], f[8 + k]),
              "filter %d: norm %g mean %g, numpy %g %g", k, conv1->a.filter_norm[k], conv1->a.filter_mean[k], f[k],
              f[8 + k]);
    CHECK(!find(&r, "bn.running_mean"), "buffers only with buffers");
    pp_weight_report_free(&r);
    CHECK_OK(pp_weights_compare(&a, "A", &b, "B", 100, true, &r, &err), &err);
    CHECK(find(&r, "bn.running_mean") && find(&r, "bn.running_mean")->buffer, "buffers listed and marked");
    pp_weight_report_free(&r);
    pp_npy_free(&st);
    pp_npy_free(&hist);
    pp_npy_free(&change);
    pp_npy_free(&filters);

    /* Another width: names in common, shapes not; no B - A there. */
    pp_model deep;
    CHECK_OK(pp_model_open(&deep, fixture_path("core", "r34_cifar_pp3.safetensors"), NULL, notes, sizeof notes, &err),
             &err);
    CHECK_OK(pp_weights_compare(&a, "A", &deep, "D", 10, false, &r, &err), &err);
    const pp_weight_layer *w = find(&r, "layer1.0.conv1.weight");
    CHECK(w && w->in_b && !w->same_shape && !w->hist_diff && isnan(w->relative_change) && w->b.count == 4 * 4 * 9,
          "other shape: B's own statistics, no difference");
    CHECK(r.only_in_b > 0, "layers only in the deeper model counted");
    pp_weight_report_free(&r);
    CHECK(pp_weights_compare(&a, "A", &deep, "D", 0, false, &r, &err) == PP_ERR_ARG, "0 bins");
    pp_model_free(&deep);
    pp_model_free(&a);
    pp_model_free(&b);
}

static void test_histogram_edges(void)
{
    /* numpy: np.histogram([0, 0.1, 0.2, 0.3, 1.0, 1.5, -1], 10, (0, 1)) */
    const float v[] = {0.0f, 0.1f, 0.2f, 0.3f, 1.0f, 1.5f, -1.0f};
    int64_t counts[10];
    pp_weight_histogram(v, 7, 0, 1, 10, counts);
    const int64_t want[10] = {1, 1, 1, 1, 0, 0, 0, 0, 0, 1};
    for (int k = 0; k < 10; k++)
        CHECK(counts[k] == want[k], "bin %d: %lld, numpy %lld", k, (long long)counts[k], (long long)want[k]);
    const float same[] = {2, 2, 2};
    int64_t c3[3];
    pp_weight_histogram(same, 3, 2, 2, 3, c3); /* numpy widens to (1.5, 2.5) */
    CHECK(c3[0] == 0 && c3[1] == 3 && c3[2] == 0, "a constant tensor in the middle bin");
    pp_weight_stats s;
    pp_error err = {0};
    const float z[] = {0, 0, 1e-5f, 1};
    CHECK_OK(pp_weight_stats_compute(z, 4, 0, &s, &err), &err);
    CHECK(s.sparsity == 0.5 && s.near_zero == 0.75, "zeros %g near-zero %g", s.sparsity, s.near_zero);
}

int main(void)
{
    RUN_TEST(test_against_numpy);
    RUN_TEST(test_histogram_edges);
    return TEST_EXIT();
}

/* CKA: the spec's published demo values, the sanity properties, and the layer
 * matrices of two fixture models against PyTorch activations
 * (make_cka_fixtures.py). */
#include "analysis/cka.h"
#include "analysis/cka_layers.h"
#include "eval/compat.h"
#include "model_file.h"
#include "fixture.h"
#include "test_util.h"

/* CKA of two row-major float matrices (n rows) as the CLI computes it. */
static double cka_of(const float *x, int64_t px, const float *y, int64_t py, int n, pp_cka_kind kind, int threads)
{
    double *kx = malloc((size_t)n * n * sizeof(double)), *ky = malloc((size_t)n * n * sizeof(double));
    pp_error err = {0};
    CHECK_OK(pp_cka_gram(x, n, px, kx, threads, &err), &err);
    CHECK_OK(pp_cka_gram(y, n, py, ky, threads, &err), &err);
    pp_cka_prepare_kernel(kx, n, kind, PP_CKA_RBF_THRESHOLD);
    pp_cka_prepare_kernel(ky, n, kind, PP_CKA_RBF_THRESHOLD);
    double c = pp_cka_from_centered(kx, ky, n);
    free(kx);
    free(ky);
    return c;
}

static void test_demo_values(void)
{
    pp_npy x = fixture_npy("analysis", "cka_demo_x.npy"), y = fixture_npy("analysis", "cka_demo_y.npy");
    CHECK(x.ndim == 2 && x.shape[0] == 100 && x.shape[1] == 10, "demo X shape");
    /* The demo prints five digits: within half a unit of the last one. */
    double lin = cka_of(x.data, 10, y.data, 10, 100, PP_CKA_LINEAR, 1);
    double rbf = cka_of(x.data, 10, y.data, 10, 100, PP_CKA_RBF, 1);
    double deb = cka_of(x.data, 10, y.data, 10, 100, PP_CKA_DEBIASED, 1);
    CHECK(fabs(lin - 0.55761) < 6e-6, "linear CKA %.7f, published 0.55761", lin);
    CHECK(fabs(rbf - 0.65483) < 6e-6, "RBF CKA %.7f, published 0.65483", rbf);
    CHECK(fabs(deb - 0.51346) < 6e-6, "debiased CKA %.7f, published 0.51346", deb);
    pp_npy_free(&x);
    pp_npy_free(&y);
}

/* X (n x p) times a p x p matrix. */
static float *transform(const float *x, int n, int p, const double *m)
{
    float *out = malloc((size_t)n * p * sizeof(float));
    for (int i = 0; i < n; i++)
        for (int j = 0; j < p; j++) {
            double s = 0;
            for (int k = 0; k < p; k++)
                s += x[i * p + k] * m[k * p + j];
            out[i * p + j] = (float)s;
        }
    return out;
}

static void test_properties(void)
{
    pp_npy x = fixture_npy("analysis", "cka_demo_x.npy"), y = fixture_npy("analysis", "cka_demo_y.npy");
    const int n = 100, p = 10;
    const float *xs = x.data, *ys = y.data;
    for (pp_cka_kind kind = PP_CKA_LINEAR; kind <= PP_CKA_DEBIASED; kind++) {
        double self = cka_of(xs, p, xs, p, n, kind, 1);
        CHECK(fabs(self - 1) < 1e-9, "%s CKA(X, X) = %.12f", pp_cka_kind_name(kind), self);
        double xy = cka_of(xs, p, ys, p, n, kind, 1), yx = cka_of(ys, p, xs, p, n, kind, 1);
        CHECK(fabs(xy - yx) < 1e-12, "%s symmetry %.12f vs %.12f", pp_cka_kind_name(kind), xy, yx);
    }
    /* A Householder reflection (orthogonal) times 3.5 (isotropic scale). */
    double v[10], vv = 0, q[100], a[100];
    for (int i = 0; i < p; i++) {
        v[i] = sin(1.0 + i * 0.7);
        vv += v[i] * v[i];
    }
    for (int i = 0; i < p; i++)
        for (int j = 0; j < p; j++) {
            q[i * p + j] = 3.5 * ((i == j) - 2 * v[i] * v[j] / vv);
            a[i * p + j] = (i == j) * (1.0 + 9.0 * (i == 0)) + (j == i + 1) * 2.0; /* invertible, not orthogonal */
        }
    float *xq = transform(xs, n, p, q), *xa = transform(xs, n, p, a);
    for (pp_cka_kind kind = PP_CKA_LINEAR; kind <= PP_CKA_DEBIASED; kind++) {
        double base = cka_of(xs, p, ys, p, n, kind, 1), rotated = cka_of(xq, p, ys, p, n, kind, 1);
        CHECK(fabs(base - rotated) < 1e-6, "%s invariance to orthogonal maps and scale: %.9f vs %.9f",
              pp_cka_kind_name(kind), base, rotated);
    }
    double base = cka_of(xs, p, ys, p, n, PP_CKA_LINEAR, 1), mapped = cka_of(xa, p, ys, p, n, PP_CKA_LINEAR, 1);
    CHECK(fabs(base - mapped) > 1e-2, "linear CKA should change under a general linear map: %.6f vs %.6f", base,
          mapped);
    CHECK(base >= 0 && base <= 1, "linear CKA in [0, 1]: %f", base);
    free(xq);
    free(xa);
    pp_npy_free(&x);
    pp_npy_free(&y);
}

/* The Gram of many features over several threads equals the one-thread sum. */
static void test_gram_threads(void)
{
    const int n = 9;
    const int64_t p = 5000; /* several chunks */
    float *x = malloc((size_t)n * p * sizeof(float));
    for (int64_t i = 0; i < n * p; i++)
        x[i] = (float)sin(0.37 * (double)i) * (float)(1 + i % 7);
    double g1[81], g3[81], exact[81];
    pp_error err = {0};
    CHECK_OK(pp_cka_gram(x, n, p, g1, 1, &err), &err);
    CHECK_OK(pp_cka_gram(x, n, p, g3, 3, &err), &err);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int64_t k = 0; k < p; k++)
                s += (double)x[i * p + k] * x[j * p + k];
            exact[i * n + j] = s;
        }
    double worst = 0;
    for (int i = 0; i < 81; i++) {
        double d = fabs(g1[i] - exact[i]) / (fabs(exact[i]) + 1), d3 = fabs(g3[i] - exact[i]) / (fabs(exact[i]) + 1);
        worst = fmax(worst, fmax(d, d3));
    }
    CHECK(worst < 1e-5, "Gram relative error %g", worst);
    CHECK(pp_cka_gram(x, 0, p, g1, 1, &err) == PP_ERR_ARG, "no examples is an error");
    free(x);
}

typedef struct {
    pp_model a, b;
    pp_dataset ds;
} fixture_pair;

static bool open_pair(fixture_pair *f)
{
    pp_error err = {0};
    char notes[256];
    pp_status st = pp_model_open(&f->a, fixture_path("core", "r18_cifar_pp3.safetensors"), NULL, notes, sizeof notes,
                                 &err);
    if (st == PP_OK)
        st = pp_model_open(&f->b, fixture_path("core", "r34_cifar_pp3.safetensors"), NULL, notes, sizeof notes, &err);
    if (st == PP_OK)
        st = pp_dataset_open(&f->ds, fixture_path("analysis", "cka/images.npy"), false, &err);
    CHECK(st == PP_OK, "fixtures: %s", err.msg);
    return st == PP_OK;
}

static void close_pair(fixture_pair *f)
{
    pp_model_free(&f->a);
    pp_model_free(&f->b);
    pp_dataset_free(&f->ds);
}

static void compare_matrix(const pp_cka_result *r, const char *fixture, double tol)
{
    pp_npy want = fixture_npy("analysis", fixture);
    CHECK(want.shape[0] == r->layers_a && want.shape[1] == r->layers_b, "%s shape", fixture);
    const float *w = want.data;
    double worst = 0;
    for (int i = 0; i < r->layers_a * r->layers_b; i++)
        worst = fmax(worst, fabs(r->matrix[i] - w[i]));
    CHECK(worst < tol, "%s: largest difference from PyTorch's activations %g", fixture, worst);
    pp_npy_free(&want);
}

static const char *const stage_layers[] = {"stem", "layer1", "layer2", "layer3", "layer4", "features", "logits"};

/* stages: the 7 stage layers; else the default per block. passes 0: the
 * minibatch in data-set order; else that many shuffled passes (seed 5). */
static pp_cka_result run_cka(fixture_pair *f, bool self, pp_cka_kind kind, int batch, int threads, bool stages,
                             int passes)
{
    pp_cka_options opt = {.kind = kind, .batch = batch, .layers = stages ? stage_layers : NULL,
                          .n_layers = stages ? 7 : 0, .passes = passes, .in_order = passes == 0, .seed = 5};
    pp_job job = {.threads = threads};
    pp_cka_result r;
    pp_error err = {0};
    CHECK_OK(pp_cka_models(&f->a, "A", self ? NULL : &f->b, "B", &f->ds, &opt, &job, &r, &err), &err);
    return r;
}

static void test_models_against_pytorch(void)
{
    fixture_pair f;
    if (!open_pair(&f))
        return;
    static const struct {
        pp_cka_kind kind;
        int batch, passes;
        const char *stages, *blocks;
    } cases[] = {{PP_CKA_LINEAR, 0, 0, "cka_linear.npy", "cka_blocks_linear.npy"},
                 {PP_CKA_RBF, 0, 0, "cka_rbf.npy", "cka_blocks_rbf.npy"},
                 {PP_CKA_DEBIASED, 0, 0, "cka_debiased.npy", "cka_blocks_debiased.npy"},
                 {PP_CKA_LINEAR, 8, 0, "cka_minibatch8.npy", "cka_blocks_minibatch8.npy"},
                 {PP_CKA_LINEAR, 8, 2, NULL, "cka_blocks_minibatch8_shuffled.npy"}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        if (cases[c].stages) {
            pp_cka_result r = run_cka(&f, false, cases[c].kind, cases[c].batch, 2, true, cases[c].passes);
            if (r.matrix) {
                CHECK(r.layers_a == 7 && strcmp(r.names_a[0].name, "stem") == 0 &&
                          strcmp(r.names_b[6].name, "logits") == 0, "stage layer names");
                CHECK(r.minibatch == (cases[c].batch == 8) && r.batches == (cases[c].batch == 8 ? 3 : 1), "method");
                CHECK(!r.matched_by_position && r.match[3] == 3, "layers matched by name");
                compare_matrix(&r, cases[c].stages, 1e-4);
            }
            pp_cka_result_free(&r);
        }
        /* per block: ResNet18's 8 blocks against ResNet34's 16 */
        pp_cka_result r = run_cka(&f, false, cases[c].kind, cases[c].batch, 2, false, cases[c].passes);
        if (!r.matrix)
            continue;
        CHECK(r.layers_a == 11 && r.layers_b == 19 && strcmp(r.names_a[1].name, "layer1.0") == 0 &&
                  strcmp(r.names_a[8].name, "layer4.1") == 0 && strcmp(r.names_b[17].name, "features") == 0,
              "per-block layer names");
        CHECK(r.match[2] == 2 && r.match[3] == 4 && r.match[10] == 18, "blocks matched by name (layer2.0: %d)",
              r.match[3]);
        CHECK(r.passes == (cases[c].passes ? cases[c].passes : 1) && r.shuffled == (cases[c].passes > 0),
              "passes and order");
        compare_matrix(&r, cases[c].blocks, 1e-4);
        pp_cka_result_free(&r);
    }
    pp_cka_result self = run_cka(&f, true, PP_CKA_LINEAR, 0, 1, false, 0);
    if (self.matrix) {
        CHECK(self.same_model && self.layers_a == 11, "one model with itself");
        compare_matrix(&self, "cka_blocks_self_linear.npy", 1e-4);
        for (int i = 0; i < 11; i++)
            CHECK(fabs(self.matrix[i * 11 + i] - 1) < 1e-9, "self CKA diagonal %d: %.12f", i, self.matrix[i * 11 + i]);
        pp_cka_result_free(&self);
    }
    /* The thread count changes only the order of float sums (and which
     * convolution kernels the forward picks). */
    pp_cka_result one = run_cka(&f, false, PP_CKA_LINEAR, 0, 1, true, 0),
                  three = run_cka(&f, false, PP_CKA_LINEAR, 0, 3, true, 0);
    if (one.matrix && three.matrix)
        for (int i = 0; i < 49; i++)
            CHECK(fabs(one.matrix[i] - three.matrix[i]) < 1e-5, "threads 1 vs 3 at %d: %g", i,
                  fabs(one.matrix[i] - three.matrix[i]));
    pp_cka_result_free(&one);
    pp_cka_result_free(&three);
    /* Another seed, another shuffle: the same estimate up to sampling, not the same numbers. */
    pp_cka_options opt = {.batch = 8, .passes = 2, .seed = 6};
    pp_cka_result other;
    pp_error err = {0};
    pp_job job = {.threads = 2};
    CHECK_OK(pp_cka_models(&f.a, "A", &f.b, "B", &f.ds, &opt, &job, &other, &err), &err);
    pp_npy seed5 = fixture_npy("analysis", "cka_blocks_minibatch8_shuffled.npy");
    if (other.matrix && seed5.data) {
        double diff = 0;
        for (int i = 0; i < 11 * 19; i++)
            diff = fmax(diff, fabs(other.matrix[i] - ((const float *)seed5.data)[i]));
        CHECK(diff > 1e-3 && diff < 0.5, "seed 6 shuffles differently from seed 5 (%g)", diff);
    }
    pp_npy_free(&seed5);
    pp_cka_result_free(&other);
    close_pair(&f);
}

static void test_corrupted(void)
{
    fixture_pair f;
    if (!open_pair(&f))
        return;
    pp_cka_result clean = run_cka(&f, false, PP_CKA_LINEAR, 0, 2, true, 0);
    pp_cka_options opt = {.kind = PP_CKA_LINEAR, .corruption = "gaussian_noise", .severity = 5,
                          .layers = stage_layers, .n_layers = 7};
    pp_job job = {.threads = 2};
    pp_cka_result noisy;
    pp_error err = {0};
    CHECK_OK(pp_cka_models(&f.a, "A", &f.b, "B", &f.ds, &opt, &job, &noisy, &err), &err);
    if (clean.matrix && noisy.matrix) {
        CHECK(strcmp(noisy.corruption, "gaussian_noise") == 0 && noisy.severity == 5, "corruption recorded");
        CHECK(fabs(noisy.matrix[0] - clean.matrix[0]) > 1e-3, "noise changes the stem's CKA (%f vs %f)",
              noisy.matrix[0], clean.matrix[0]);
        for (int i = 0; i < 49; i++)
            CHECK(noisy.matrix[i] >= -1e-9 && noisy.matrix[i] <= 1 + 1e-9, "linear CKA in [0, 1]");
    }
    pp_cka_result_free(&clean);
    pp_cka_result_free(&noisy);
    close_pair(&f);
}

static bool cancel_now(void *ctx)
{
    return ++*(int *)ctx > 1;
}

static void test_bad_input(void)
{
    fixture_pair f;
    if (!open_pair(&f))
        return;
    pp_error err = {0};
    pp_cka_result r;
    pp_cka_options opt = {.kind = PP_CKA_DEBIASED, .limit = 3};
    CHECK(pp_cka_models(&f.a, "A", &f.b, "B", &f.ds, &opt, NULL, &r, &err) == PP_ERR_ARG &&
              strstr(err.msg, "at least 4 images"),
          "debiased CKA of 3 images: %s", err.msg);
    opt = (pp_cka_options){.corruption = "no_such_thing"};
    CHECK(pp_cka_models(&f.a, "A", &f.b, "B", &f.ds, &opt, NULL, &r, &err) == PP_ERR_ARG &&
              strstr(err.msg, "no_such_thing"),
          "unknown corruption: %s", err.msg);
    opt = (pp_cka_options){.batch = 4};
    CHECK(pp_cka_models(&f.a, "A", &f.b, "B", &f.ds, &opt, NULL, &r, &err) == PP_ERR_ARG, "batch of 4");
    const char *none[1] = {"stem"};
    opt = (pp_cka_options){.layers = none, .n_layers = 0};
    CHECK(pp_cka_models(&f.a, "A", &f.b, "B", &f.ds, &opt, NULL, &r, &err) == PP_ERR_ARG, "no layers: %s", err.msg);
    static const char *const bad_layers[][2] = {{"push", "A"}, {"layer9", "A"}, {"layer1.2", "A"}, {"layer2.x", "A"}};
    for (size_t i = 0; i < sizeof bad_layers / sizeof bad_layers[0]; i++) {
        opt = (pp_cka_options){.layers = &bad_layers[i][0], .n_layers = 1};
        CHECK(pp_cka_models(&f.a, "A.safetensors", &f.b, "B", &f.ds, &opt, NULL, &r, &err) == PP_ERR_ARG &&
                  strstr(err.msg, bad_layers[i][0]) && strstr(err.msg, "A.safetensors") &&
                  strstr(err.msg, "layer1.0..layer4.1"),
              "unknown layer %s: %s", bad_layers[i][0], err.msg);
    }
    /* ResNet34 has a layer1.2, ResNet18 not: the error names the model lacking it */
    const char *third[1] = {"layer1.2"};
    opt = (pp_cka_options){.layers = third, .n_layers = 1};
    CHECK(pp_cka_models(&f.b, "B.safetensors", &f.a, "A.safetensors", &f.ds, &opt, NULL, &r, &err) == PP_ERR_ARG &&
              strstr(err.msg, "A.safetensors has no layer 'layer1.2'"),
          "a block only one model has: %s", err.msg);
    opt = (pp_cka_options){.batch = 8, .passes = 3, .in_order = true};
    CHECK(pp_cka_models(&f.a, "A", &f.b, "B", &f.ds, &opt, NULL, &r, &err) == PP_ERR_ARG &&
              strstr(err.msg, "passes"),
          "several passes in order: %s", err.msg);
    const char *mixed[3] = {"conv1", "layer3", "layer3.1"};
    opt = (pp_cka_options){.layers = mixed, .n_layers = 3};
    CHECK_OK(pp_cka_models(&f.a, "A", NULL, NULL, &f.ds, &opt, NULL, &r, &err), &err);
    if (r.matrix) /* layer3 is the stage output: its last block */
        CHECK(strcmp(r.names_a[2].name, "layer3.1") == 0 && fabs(r.matrix[1 * 3 + 2] - 1) < 1e-9,
              "layer3 = layer3.1 (%f)", r.matrix[1 * 3 + 2]);
    pp_cka_result_free(&r);

    /* A greyscale model of another input size and data set. */
    pp_model gray;
    char notes[256];
    CHECK_OK(pp_model_open(&gray, fixture_path("core", "r18_cifar_gray_base.safetensors"), NULL, notes, sizeof notes,
                           &err),
             &err);
    opt = (pp_cka_options){0};
    pp_dataset_free(&f.ds); /* a data set both could read: the check of the two models speaks first */
    CHECK_OK(pp_dataset_open(&f.ds, fixture_path("analysis", "cka/images.npy"), false, &err), &err);
    pp_status st = pp_cka_models(&f.a, "A.safetensors", &gray, "gray.safetensors", &f.ds, &opt, NULL, &r, &err);
    CHECK(st == PP_ERR_ARG && strstr(err.msg, "gray.safetensors"), "a greyscale model: %s", err.msg);
    st = pp_check_models_comparable(&f.a, "A.safetensors", &gray, "gray.safetensors", &err);
    CHECK(st == PP_ERR_ARG && strstr(err.msg, "A.safetensors") && strstr(err.msg, "28x28"),
          "models of different input: %s", err.msg);
    pp_model_free(&gray);

    int polls = 0;
    pp_job job = {.cancel = cancel_now, .ctx = &polls, .threads = 1};
    CHECK(pp_cka_models(&f.a, "A", &f.b, "B", &f.ds, &opt, &job, &r, &err) == PP_ERR_CANCELLED, "cancel stops CKA");
    close_pair(&f);
}

static void test_match_by_position(void)
{
    pp_cka_layer_name a[3] = {{"conv"}, {"block1"}, {"head"}}, b[2] = {{"stem"}, {"layer1"}}, c[2] = {{"x"}, {"head"}};
    int match[3];
    bool by_position;
    pp_cka_match_layers(a, 3, b, 2, match, &by_position);
    CHECK(by_position && match[0] == 0 && match[1] == 1 && match[2] == -1, "no common names: by position");
    pp_cka_match_layers(a, 3, c, 2, match, &by_position);
    CHECK(!by_position && match[0] == -1 && match[2] == 1, "a common name: by name only");
}

int main(void)
{
    RUN_TEST(test_demo_values);
    RUN_TEST(test_properties);
    RUN_TEST(test_gram_threads);
    RUN_TEST(test_models_against_pytorch);
    RUN_TEST(test_corrupted);
    RUN_TEST(test_bad_input);
    RUN_TEST(test_match_by_position);
    return TEST_EXIT();
}

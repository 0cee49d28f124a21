/* BlurPool (ops/blurpool.h) against PyTorch (fixtures by
 * tests/make_arch_fixtures_blur.py: the reference BlurPool's output and the
 * input gradient autograd gives for a random output gradient), its fast
 * kernels against the plain reference ones, and the backward pass against
 * finite differences and the adjoint identity. Tensors are (C, N, H, W). */
#include <string.h>

#include "../fixture.h"
#include "../test_util.h"
#include "ops/blurpool.h"
#include "tensor.h"

#define F(name) fixture_npy("arch_blur", name)
#define CHANNELS 3
#define BATCH 2

static unsigned long long rng_state = 0x9e3779b97f4a7c15ull;

static float uniform(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (float)((double)(rng_state >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

static float *random_floats(size_t n)
{
    float *x = malloc((n ? n : 1) * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = uniform();
    return x;
}

/* The binomial filter of size f repeated for every channel, as the `filt` buffer. */
static float *binomial_filt(int channels, int f)
{
    float *filt = malloc((size_t)channels * f * f * sizeof *filt);
    for (int c = 0; c < channels; c++)
        pp_blurpool_binomial(filt + (size_t)c * f * f, f);
    return filt;
}

static void check_close(const char *what, const float *got, const float *want, size_t n, double tol)
{
    double e = pp_test_compare(what, got, want, n, tol, 1);
    CHECK(e <= tol, "%s: max relative error %.3g > %.1g", what, e, tol);
}

/* One fixture case: forward and backward, fast and reference, against PyTorch. */
static void fixture_case(const char *name, int f, int stride, const float *custom_filt)
{
    char buf[160];
#define LOAD(suffix) (snprintf(buf, sizeof buf, "%s_%s.npy", name, suffix), F(buf))
    pp_npy x = LOAD("x"), y = LOAD("y"), dy = LOAD("dy"), dx = LOAD("dx");
#undef LOAD
    const int h = (int)x.shape[2], w = (int)x.shape[3];
    CHECK(x.shape[0] == CHANNELS && x.shape[1] == BATCH, "%s: fixture layout", name);
    CHECK(y.shape[2] == pp_blurpool_out_size(h, f, stride) && y.shape[3] == pp_blurpool_out_size(w, f, stride),
          "%s: output %lldx%lld, the engine says %dx%d", name, (long long)y.shape[2], (long long)y.shape[3],
          pp_blurpool_out_size(h, f, stride), pp_blurpool_out_size(w, f, stride));
    CHECK(pp_blurpool_fits(f, h, w), "%s: %dx%d fits PyTorch's reflection pad", name, h, w);
    float *filt = custom_filt ? NULL : binomial_filt(CHANNELS, f);
    pp_blurpool bp = {.channels = CHANNELS, .filter = f, .stride = stride, .filt = custom_filt ? custom_filt : filt};
    const size_t ny = (size_t)pp_npy_numel(&y), nx = (size_t)pp_npy_numel(&x);
    float *out = calloc(ny, sizeof *out), *grad = calloc(nx, sizeof *grad);
    for (int threads = 1; threads <= 3; threads += 2) {
        memset(out, 0, ny * sizeof *out);
        pp_blurpool_forward(out, x.data, &bp, BATCH, h, w, threads);
        snprintf(buf, sizeof buf, "%s forward (%d threads)", name, threads);
        check_close(buf, out, y.data, ny, 1e-6);
        memset(grad, 0, nx * sizeof *grad);
        pp_blurpool_backward(grad, dy.data, &bp, BATCH, h, w, threads);
        snprintf(buf, sizeof buf, "%s backward (%d threads)", name, threads);
        check_close(buf, grad, dx.data, nx, 1e-6);
    }
    memset(out, 0, ny * sizeof *out);
    pp_blurpool_forward_ref(out, x.data, &bp, BATCH, h, w);
    snprintf(buf, sizeof buf, "%s forward reference", name);
    check_close(buf, out, y.data, ny, 1e-6);
    memset(grad, 0, nx * sizeof *grad);
    pp_blurpool_backward_ref(grad, dy.data, &bp, BATCH, h, w);
    snprintf(buf, sizeof buf, "%s backward reference", name);
    check_close(buf, grad, dx.data, nx, 1e-6);
    free(out), free(grad), free(filt);
    pp_npy_free(&x), pp_npy_free(&y), pp_npy_free(&dy), pp_npy_free(&dx);
}

/* Every filter size 1..7 at stride 1 and 2 (9x8 planes: odd and even sides). */
static void test_against_pytorch(void)
{
    char name[64];
    for (int f = 1; f <= PP_BLURPOOL_MAX_FILTER; f++)
        for (int s = 1; s <= 2; s++) {
            snprintf(name, sizeof name, "blur_%d_s%d", f, s);
            fixture_case(name, f, s, NULL);
        }
}

/* Planes where the pad is just smaller than the side: every output reads
 * mirrored cells, the interior run is empty. */
static void test_small_planes(void)
{
    fixture_case("blur_4_s2_7x4", 4, 2, NULL);
    fixture_case("blur_5_s2_3x6", 5, 2, NULL);
    fixture_case("blur_2_s2_2x5", 2, 2, NULL);
}

/* A different filter per channel: the engine must use the buffer as saved,
 * not a regenerated binomial, and pick channel c's filter for plane (c, n). */
static void test_saved_filter(void)
{
    pp_npy filt = F("blur_custom_filt.npy");
    CHECK(filt.ndim == 4 && filt.shape[0] == CHANNELS && filt.shape[2] == 3, "custom filter fixture shape");
    fixture_case("blur_custom", 3, 2, filt.data);
    pp_npy_free(&filt);
}

/* The reference's filters: outer(a, a) / sum, a = a row of Pascal's triangle. */
static void test_binomial(void)
{
    float k[PP_BLURPOOL_MAX_FILTER * PP_BLURPOOL_MAX_FILTER];
    pp_blurpool_binomial(k, 4);
    const float a4[4] = {1, 3, 3, 1};
    for (int i = 0; i < 16; i++)
        CHECK(k[i] == a4[i / 4] * a4[i % 4] / 64.0f, "f=4 tap %d = %g", i, k[i]);
    pp_blurpool_binomial(k, 7);
    const float a7[7] = {1, 6, 15, 20, 15, 6, 1};
    for (int i = 0; i < 49; i++)
        CHECK(k[i] == a7[i / 7] * a7[i % 7] / 4096.0f, "f=7 tap %d = %g", i, k[i]);
    pp_blurpool_binomial(k, 1);
    CHECK(k[0] == 1.0f, "f=1 is the identity tap");
}

/* Sizes and pads from the spec: ceil(H / 2); f = 4 pads (1, 2); the pad must
 * stay below the side (PyTorch refuses otherwise). */
static void test_sizes(void)
{
    CHECK(pp_blurpool_out_size(7, 4, 2) == 4 && pp_blurpool_out_size(56, 4, 2) == 28 &&
              pp_blurpool_out_size(111, 5, 2) == 56 && pp_blurpool_out_size(7, 1, 2) == 4,
          "stride-2 output sizes are ceil(H / 2)");
    CHECK(pp_blurpool_out_size(9, 5, 1) == 9 && pp_blurpool_out_size(9, 1, 1) == 9, "stride 1 keeps the size");
    CHECK(pp_blurpool_pad_lo(4) == 1 && pp_blurpool_pad_hi(4) == 2 && pp_blurpool_pad_lo(5) == 2 &&
              pp_blurpool_pad_hi(5) == 2 && pp_blurpool_pad_hi(1) == 0,
          "pads (floor, ceil) of (f - 1) / 2");
    CHECK(!pp_blurpool_fits(4, 2, 9) && pp_blurpool_fits(4, 3, 9) && !pp_blurpool_fits(5, 9, 2) &&
              pp_blurpool_fits(1, 1, 1) && !pp_blurpool_fits(2, 1, 5) && !pp_blurpool_fits(8, 20, 20) &&
              !pp_blurpool_fits(0, 20, 20),
          "a pad must be smaller than the side, the filter 1..7");
}

/* Fast against reference on larger random planes (interior runs, both
 * strides, a channel count that does not divide the thread count), and the
 * results the same whatever the thread count. */
static void test_fast_matches_reference(void)
{
    const int channels = 5, n = 3, h = 37, w = 30;
    float *x = random_floats((size_t)channels * n * h * w);
    for (int f = 1; f <= PP_BLURPOOL_MAX_FILTER; f++)
        for (int s = 1; s <= 2; s++) {
            float *filt = binomial_filt(channels, f);
            for (int i = 0; i < channels * f * f; i++) /* channels differ */
                filt[i] *= 1.0f + 0.1f * (float)(i / (f * f));
            pp_blurpool bp = {.channels = channels, .filter = f, .stride = s, .filt = filt};
            const int ho = pp_blurpool_out_size(h, f, s), wo = pp_blurpool_out_size(w, f, s);
            const size_t ny = (size_t)channels * n * ho * wo, nx = (size_t)channels * n * h * w;
            float *ref = calloc(ny, sizeof *ref), *one = calloc(ny, sizeof *one), *four = calloc(ny, sizeof *four);
            pp_blurpool_forward_ref(ref, x, &bp, n, h, w);
            pp_blurpool_forward(one, x, &bp, n, h, w, 1);
            pp_blurpool_forward(four, x, &bp, n, h, w, 4);
            char what[64];
            snprintf(what, sizeof what, "f=%d s=%d forward", f, s);
            check_close(what, one, ref, ny, 1e-6);
            CHECK(memcmp(one, four, ny * sizeof *one) == 0, "%s: 1 and 4 threads differ", what);
            float *dy = random_floats(ny);
            float *gref = calloc(nx, sizeof *gref), *gone = calloc(nx, sizeof *gone), *gfour = calloc(nx, sizeof *gfour);
            pp_blurpool_backward_ref(gref, dy, &bp, n, h, w);
            pp_blurpool_backward(gone, dy, &bp, n, h, w, 1);
            pp_blurpool_backward(gfour, dy, &bp, n, h, w, 4);
            snprintf(what, sizeof what, "f=%d s=%d backward", f, s);
            check_close(what, gone, gref, nx, 1e-6);
            CHECK(memcmp(gone, gfour, nx * sizeof *gone) == 0, "%s: 1 and 4 threads differ", what);
            free(ref), free(one), free(four), free(dy), free(gref), free(gone), free(gfour), free(filt);
        }
    free(x);
}

static double dot(const float *a, const float *b, size_t n)
{
    double acc = 0;
    for (size_t i = 0; i < n; i++)
        acc += (double)a[i] * b[i];
    return acc;
}

/* A random problem: input x, output buffer y, output gradient r, input gradient g. */
typedef struct {
    float *filt, *x, *y, *r, *g;
    pp_blurpool bp;
    int n, h, w;
    size_t nx, ny;
} problem;

static problem problem_new(int channels, int n, int h, int w, int f, int s)
{
    problem p = {.filt = binomial_filt(channels, f), .n = n, .h = h, .w = w};
    p.bp = (pp_blurpool){.channels = channels, .filter = f, .stride = s, .filt = p.filt};
    p.nx = (size_t)channels * n * h * w;
    p.ny = (size_t)channels * n * pp_blurpool_out_size(h, f, s) * pp_blurpool_out_size(w, f, s);
    p.x = random_floats(p.nx), p.r = random_floats(p.ny);
    p.y = calloc(p.ny, sizeof *p.y), p.g = calloc(p.nx, sizeof *p.g);
    return p;
}

static void problem_free(problem *p)
{
    free(p->filt), free(p->x), free(p->y), free(p->r), free(p->g);
}

/* The backward is the forward's adjoint: <B x, r> = <x, B^T r> for random x, r,
 * and it accumulates (dx += ..., never dx = ...). */
static void test_adjoint(void)
{
    for (int f = 1; f <= PP_BLURPOOL_MAX_FILTER; f++)
        for (int s = 1; s <= 2; s++) {
            problem p = problem_new(2, 2, 11, 6, f, s);
            for (size_t i = 0; i < p.nx; i++)
                p.g[i] = 1.0f; /* accumulates on top of this */
            pp_blurpool_forward(p.y, p.x, &p.bp, p.n, p.h, p.w, 2);
            pp_blurpool_backward(p.g, p.r, &p.bp, p.n, p.h, p.w, 2);
            for (size_t i = 0; i < p.nx; i++)
                p.g[i] -= 1.0f;
            const double lhs = dot(p.y, p.r, p.ny), rhs = dot(p.x, p.g, p.nx);
            CHECK(fabs(lhs - rhs) <= 1e-5 * (fabs(lhs) + 1), "f=%d s=%d: <Bx, r> = %.9g, <x, B'r> = %.9g", f, s,
                  lhs, rhs);
            problem_free(&p);
        }
}

/* Central differences of L = <r, B x> over every input cell. The layer is
 * linear, so the difference has no truncation error and a large step keeps
 * round-off small. */
static void test_finite_differences(void)
{
    for (int f = 2; f <= PP_BLURPOOL_MAX_FILTER; f += 3) /* 2, 5: even and odd pads */
        for (int s = 1; s <= 2; s++) {
            problem p = problem_new(2, 1, 7, 8, f, s);
            pp_blurpool_backward(p.g, p.r, &p.bp, p.n, p.h, p.w, 1);
            double worst = 0;
            for (size_t i = 0; i < p.nx; i++) {
                const float keep = p.x[i], eps = 0.25f;
                p.x[i] = keep + eps;
                pp_blurpool_forward(p.y, p.x, &p.bp, p.n, p.h, p.w, 1);
                const double up = dot(p.r, p.y, p.ny);
                p.x[i] = keep - eps;
                pp_blurpool_forward(p.y, p.x, &p.bp, p.n, p.h, p.w, 1);
                const double down = dot(p.r, p.y, p.ny);
                p.x[i] = keep;
                worst = fmax(worst, fabs((up - down) / (2 * eps) - p.g[i]));
            }
            CHECK(worst <= 1e-4, "f=%d s=%d: gradient off finite differences by %.3g", f, s, worst);
            problem_free(&p);
        }
}

int main(void)
{
    RUN_TEST(test_against_pytorch);
    RUN_TEST(test_small_planes);
    RUN_TEST(test_saved_filter);
    RUN_TEST(test_binomial);
    RUN_TEST(test_sizes);
    RUN_TEST(test_fast_matches_reference);
    RUN_TEST(test_adjoint);
    RUN_TEST(test_finite_differences);
    return TEST_EXIT();
}

/* The corruption engine: published parameters, fixtures from the reference formulas,
 * distributions of the noises, kernels, determinism, sizes, bad input. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../test_util.h"
#include "ckpt/npy.h"
#include "corrupt/corruption.h"
#include "corrupt/defocus_kernel.h"
#include "corrupt/noise_field.h"
#include "corrupt/filter.h"
#include "image/image.h"

static const char *fixtures(void)
{
    const char *d = getenv("PP_FIXTURES");
    return d ? d : "tests/fixtures";
}

static double psnr(const pp_image *a, const pp_image *b)
{
    size_t n = (size_t)a->width * a->height * a->channels;
    double se = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a->pixels[i] - b->pixels[i];
        se += d * d;
    }
    return se == 0 ? 99.0 : 10 * log10(255.0 * 255.0 / (se / n));
}

/* A textured picture with values away from 0 and 255, so damage is visible both ways. */
static pp_image synth(int w, int h, int c)
{
    pp_image img = {0};
    pp_image_alloc(&img, w, h, c, NULL);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int k = 0; k < c; k++) {
                double v = 128 + 60 * sin(0.31 * x + 1.3 * k) * cos(0.17 * y) + 30 * sin(0.05 * (x + 2 * y));
                img.pixels[((size_t)y * w + x) * c + k] = (uint8_t)v;
            }
    return img;
}

static pp_image constant(int w, int h, int c, uint8_t v)
{
    pp_image img = {0};
    pp_image_alloc(&img, w, h, c, NULL);
    memset(img.pixels, v, (size_t)w * h * c);
    return img;
}

static pp_image run(const char *name, double sev, pp_corruption_preset preset, uint64_t seed,
                    const pp_image *in, const double *overrides)
{
    const pp_corruption *c = pp_corruption_find(name);
    pp_image out = {0};
    pp_error err = {0};
    pp_corruption_request req = {.severity = sev, .preset = preset, .seed = seed, .overrides = overrides};
    CHECK(c != NULL, "%s is not registered", name);
    if (c)
        CHECK_OK(pp_corruption_apply(c, &req, in, &out, &err), &err);
    return out;
}

/* Spec section 2: names, families, frequency bands, and sane parameter tables. */
static void test_registry(void)
{
    static const struct { const char *name, *band, *family; } spec[] = {
        {"gaussian_noise", "high", "noise"}, {"shot_noise", "high", "noise"},
        {"impulse_noise", "high", "noise"},  {"defocus_blur", "high", "blur"},
        {"glass_blur", "mid", "blur"},       {"motion_blur", "mid", "blur"},
        {"zoom_blur", "mid", "blur"},        {"snow", "mid", "weather"},
        {"frost", "low", "weather"},         {"fog", "low", "weather"},
        {"brightness", "low", "digital"},    {"contrast", "low", "digital"},
        {"elastic_transform", "mid", "digital"}, {"pixelate", "high", "digital"},
        {"jpeg_compression", "high", "digital"},
    };
    CHECK(pp_corruption_count() == 19, "19 corruptions, got %zu", pp_corruption_count());
    for (size_t i = 0; i < 15; i++) {
        const pp_corruption *c = pp_corruption_at(i);
        CHECK(strcmp(c->name, spec[i].name) == 0, "benchmark order: %zu is %s", i, c->name);
        CHECK(strcmp(pp_corruption_band_name(c->band), spec[i].band) == 0, "%s band", c->name);
        CHECK(strcmp(pp_corruption_family_name(c->family), spec[i].family) == 0, "%s family", c->name);
    }
    for (size_t i = 0; i < pp_corruption_count(); i++) {
        const pp_corruption *c = pp_corruption_at(i);
        CHECK(pp_corruption_find(c->name) == c, "find %s", c->name);
        for (int k = 0; k < c->n_params; k++) {
            const pp_corruption_param *p = &c->params[k];
            CHECK(pp_corruption_param_index(c, p->name) == k, "%s.%s index", c->name, p->name);
            if (p->flags & PP_PARAM_RANDOM)
                continue;
            for (int s = 0; s < 5; s++)
                CHECK(p->imagenet[s] >= p->min && p->imagenet[s] <= p->max && p->cifar[s] >= p->min &&
                          p->cifar[s] <= p->max,
                      "%s.%s severity %d outside its own range", c->name, p->name, s + 1);
        }
    }
    CHECK(pp_corruption_find("nope") == NULL, "unknown name found");
}

/* Integer severities are the published tables; halves interpolate. */
static void test_params_at(void)
{
    const pp_corruption *g = pp_corruption_find("gaussian_noise");
    const pp_corruption *z = pp_corruption_find("zoom_blur");
    const pp_corruption *j = pp_corruption_find("jpeg_compression");
    static const double in_std[5] = {.08, .12, .18, .26, .38}, c_std[5] = {.04, .06, .08, .09, .10};
    double p[8];
    pp_error err = {0};
    for (int s = 1; s <= 5; s++) {
        CHECK_OK(pp_corruption_params_at(g, PP_PRESET_IMAGENET, s, p, &err), &err);
        CHECK(p[0] == in_std[s - 1], "gaussian imagenet s%d = %g", s, p[0]);
        CHECK_OK(pp_corruption_params_at(g, PP_PRESET_CIFAR, s, p, &err), &err);
        CHECK(p[0] == c_std[s - 1], "gaussian cifar s%d = %g", s, p[0]);
    }
    pp_corruption_params_at(g, PP_PRESET_IMAGENET, 2.5, p, &err);
    CHECK(fabs(p[0] - 0.15) < 1e-12, "s2.5 = %g, want 0.15", p[0]);
    pp_corruption_params_at(g, PP_PRESET_IMAGENET, 0.5, p, &err);
    CHECK(fabs(p[0] - 0.04) < 1e-12, "s0.5 = %g, want half of s1 from identity 0", p[0]);
    static const int counts[5] = {12, 16, 11, 13, 11};
    for (int s = 1; s <= 5; s++) {
        pp_corruption_params_at(z, PP_PRESET_IMAGENET, s, p, &err);
        CHECK(p[1] == counts[s - 1], "zoom count s%d = %g (arange length)", s, p[1]);
    }
    pp_corruption_params_at(j, PP_PRESET_CIFAR, 4, p, &err);
    CHECK(p[0] == 50, "jpeg cifar s4 quality %g", p[0]);
    CHECK(pp_corruption_params_at(g, PP_PRESET_IMAGENET, 5.01, p, &err) == PP_ERR_ARG, "5.01 accepted");
    CHECK(pp_corruption_params_at(g, PP_PRESET_IMAGENET, -0.1, p, &err) == PP_ERR_ARG, "-0.1 accepted");
    CHECK(pp_corruption_params_at(g, PP_PRESET_IMAGENET, NAN, p, &err) == PP_ERR_ARG, "NaN accepted");
    CHECK(pp_corruption_preset_resolve(PP_PRESET_AUTO, 32, 32) == PP_PRESET_CIFAR, "auto 32");
    CHECK(pp_corruption_preset_resolve(PP_PRESET_AUTO, 224, 224) == PP_PRESET_IMAGENET, "auto 224");
    CHECK(pp_corruption_preset_resolve(PP_PRESET_AUTO, 500, 84) == PP_PRESET_CIFAR, "auto 84");
}

static bool load_u8(const char *name, pp_npy *a)
{
    char path[1024];
    pp_error err = {0};
    snprintf(path, sizeof path, "%s/corrupt/%s.npy", fixtures(), name);
    pp_status st = pp_npy_load(path, a, &err);
    CHECK(st == PP_OK && a->dtype == PP_NPY_U8, "%s: %s", path, err.msg);
    return st == PP_OK;
}

/* Deterministic corruptions against the reference formulas (make_fixtures.py): every
 * value within 1 of the reference (float rounding before the uint8 truncation). */
static void test_fixtures(void)
{
    static const char *names[] = {"brightness", "contrast", "pixelate", "jpeg_compression",
                                  "zoom_blur", "defocus_blur"};
    pp_npy rgb_in, gray_in;
    if (!load_u8("input_rgb", &rgb_in) || !load_u8("input_gray", &gray_in))
        return;
    pp_image rgb = {.width = 32, .height = 32, .channels = 3, .pixels = rgb_in.data};
    pp_image gray = {.width = 32, .height = 32, .channels = 1, .pixels = gray_in.data};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        for (int variant = 0; variant < 3; variant++) {
            static const char *suffix[] = {"cifar", "imagenet", "gray"};
            if (variant == 1 && strcmp(names[i], "defocus_blur") == 0)
                continue; /* ImageNet radii are lengths: scaled at 32 px, no fixture */
            char fname[128];
            snprintf(fname, sizeof fname, "%s_%s", names[i], suffix[variant]);
            pp_npy want;
            if (!load_u8(fname, &want))
                continue;
            const pp_image *in = variant == 2 ? &gray : &rgb;
            size_t n = (size_t)32 * 32 * in->channels;
            for (int s = 1; s <= 5; s++) {
                pp_image out = run(names[i], s, variant == 1 ? PP_PRESET_IMAGENET : PP_PRESET_CIFAR, 0, in, NULL);
                if (!out.pixels)
                    continue;
                const uint8_t *ref = (const uint8_t *)want.data + (s - 1) * n;
                int worst = 0, bad = 0;
                for (size_t k = 0; k < n; k++) {
                    int d = abs((int)out.pixels[k] - ref[k]);
                    worst = d > worst ? d : worst;
                    if (d > 1 && bad++ < 3)
                        fprintf(stderr, "  %s s%d [%zu]: got %d want %d\n", fname, s, k, out.pixels[k], ref[k]);
                }
                CHECK(worst <= 1, "%s severity %d: max |diff| %d vs the reference", fname, s, worst);
                pp_image_free(&out);
            }
            pp_npy_free(&want);
        }
    }
    pp_npy_free(&rgb_in);
    pp_npy_free(&gray_in);
}

/* pixelate and jpeg_compression byte for byte against PIL on a 41x37 image (no
 * multiple of 2, 8 or 16: Pillow's NEAREST rounding of half-way rows, libjpeg's edge
 * padding and chroma subsampling at odd sizes). */
static void test_fixtures_odd_size(void)
{
    static const char *names[] = {"pixelate", "jpeg_compression"};
    pp_npy in_npy;
    if (!load_u8("input_odd_rgb", &in_npy))
        return;
    pp_image in = {.width = 41, .height = 37, .channels = 3, .pixels = in_npy.data};
    size_t n = (size_t)41 * 37 * 3;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char fname[128];
        snprintf(fname, sizeof fname, "%s_odd", names[i]);
        pp_npy want;
        if (!load_u8(fname, &want))
            continue;
        for (int s = 1; s <= 5; s++) {
            pp_image out = run(names[i], s, PP_PRESET_IMAGENET, 0, &in, NULL);
            if (!out.pixels)
                continue;
            const uint8_t *ref = (const uint8_t *)want.data + (s - 1) * n;
            size_t bad = 0, first = n;
            for (size_t k = 0; k < n; k++)
                if (out.pixels[k] != ref[k] && bad++ == 0)
                    first = k;
            CHECK(bad == 0, "%s severity %d: %zu values differ from PIL, the first at %zu (%d, want %d)",
                  fname, s, bad, first, bad ? out.pixels[first] : 0, bad ? ref[first] : 0);
            pp_image_free(&out);
        }
        pp_npy_free(&want);
    }
    pp_npy_free(&in_npy);
}

/* Random corruptions against the reference's damage statistics
 * (make_damage_fixtures.py): our mean PSNR vs clean over our seeds 0..n-1 on synth()
 * within 3 standard errors (ours and the reference's combined) of the reference's mean
 * over its numpy seeds. Snow at CIFAR s4 was 0.8 dB too damaging before its layer was
 * trimmed like make_cifar_c.py's; spatter at ImageNet s1 has a heavy-tailed PSNR, so a
 * 20-seed mean can be 2 dB off by chance (docs/corruptions.md). */
static void test_damage_vs_reference(void)
{
    static const struct {
        const char *name;
        int seeds;
    } ours_n[] = {{"snow", 1000}, {"spatter", 300}};
    char path[1024];
    snprintf(path, sizeof path, "%s/corrupt/damage_stats.txt", fixtures());
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "cannot open %s", path);
    if (!f)
        return;
    char line[256];
    int cases = 0;
    while (fgets(line, sizeof line, f)) {
        char name[64], preset_name[16];
        int sev, side, ref_n;
        double ref_mean, ref_se, ref_sum;
        if (line[0] == '#' || sscanf(line, "%63s %15s %d %d %d %lf %lf %lf", name, preset_name, &sev, &side,
                                     &ref_n, &ref_mean, &ref_se, &ref_sum) != 8)
            continue;
        pp_corruption_preset preset;
        CHECK(pp_corruption_preset_parse(preset_name, &preset), "%s: preset %s", path, preset_name);
        int n = 200;
        for (size_t i = 0; i < sizeof ours_n / sizeof ours_n[0]; i++)
            if (strcmp(ours_n[i].name, name) == 0)
                n = ours_n[i].seeds;
        pp_image img = synth(side, side, 3);
        double sum = 0;
        for (size_t i = 0; i < (size_t)side * side * 3; i++)
            sum += img.pixels[i];
        CHECK(sum == ref_sum, "%s: synth(%d) sums to %.0f, the fixture's input to %.0f", name, side, sum,
              ref_sum);
        double m = 0, m2 = 0;
        for (int seed = 0; seed < n; seed++) {
            pp_image out = run(name, sev, preset, (uint64_t)seed, &img, NULL);
            double p = out.pixels ? psnr(&out, &img) : 0;
            m += p, m2 += p * p;
            pp_image_free(&out);
        }
        m /= n;
        double se = sqrt(fmax(m2 / n - m * m, 0) * n / (n - 1) / n);
        double tol = 3 * sqrt(se * se + ref_se * ref_se);
        printf("  %s %s s%d %dx%d: ours %.2f +- %.2f dB (%d seeds), reference %.2f +- %.2f (%d seeds), "
               "tolerance %.2f\n",
               name, preset_name, sev, side, side, m, se, n, ref_mean, ref_se, ref_n, tol);
        CHECK(fabs(m - ref_mean) <= tol, "%s %s s%d: mean PSNR %.2f dB, reference %.2f (|diff| > %.2f)", name,
              preset_name, sev, m, ref_mean, tol);
        pp_image_free(&img);
        cases++;
    }
    fclose(f);
    CHECK(cases >= 2, "%s: %d cases", path, cases);
}

/* Severity 0 is the clean image, for every corruption, seed and preset. */
static void test_severity_zero(void)
{
    pp_image img = synth(23, 17, 3);
    for (size_t i = 0; i < pp_corruption_count(); i++) {
        const pp_corruption *c = pp_corruption_at(i);
        pp_image out = run(c->name, 0, PP_PRESET_AUTO, 99, &img, NULL);
        CHECK(out.pixels && memcmp(out.pixels, img.pixels, 23 * 17 * 3) == 0, "%s severity 0 changed the image", c->name);
        pp_image_free(&out);
    }
    pp_image_free(&img);
}

/* Same (image, corruption, severity, seed) -> same bytes; a new seed -> new draws for the
 * random ones only; a small severity step keeps the noise field (no flicker). */
static void test_determinism(void)
{
    pp_image img = synth(64, 48, 3);
    for (size_t i = 0; i < pp_corruption_count(); i++) {
        const pp_corruption *c = pp_corruption_at(i);
        /* auto: CIFAR at 48 px, lengths scaled by 1.5 */
        pp_image a = run(c->name, 3, PP_PRESET_AUTO, 7, &img, NULL);
        pp_image b = run(c->name, 3, PP_PRESET_AUTO, 7, &img, NULL);
        pp_image d = run(c->name, 3, PP_PRESET_AUTO, 8, &img, NULL);
        size_t n = 64 * 48 * 3;
        if (!a.pixels || !b.pixels || !d.pixels)
            continue;
        CHECK(memcmp(a.pixels, b.pixels, n) == 0, "%s: same seed, different bytes", c->name);
        bool differs = memcmp(a.pixels, d.pixels, n) != 0;
        CHECK(differs == c->random, "%s: seed %s the output", c->name, differs ? "changes" : "does not change");
        if (c->random) {
            pp_image e = run(c->name, 3.02, PP_PRESET_AUTO, 7, &img, NULL);
            double near = psnr(&a, &e), far = psnr(&a, &d);
            CHECK(near > far + 3, "%s: severity 3 -> 3.02 (%.1f dB) should change less than a new seed (%.1f dB)",
                  c->name, near, far);
            pp_image_free(&e);
        }
        pp_image_free(&a), pp_image_free(&b), pp_image_free(&d);
    }
    pp_image_free(&img);
}

/* Any size and gray: 1x1, 7x5, 500x333 at fractional and full severities. */
static void test_sizes(void)
{
    static const int sizes[][2] = {{1, 1}, {7, 5}, {5, 7}, {500, 333}};
    for (int s = 0; s < 4; s++)
        for (int c = 1; c <= 3; c += 2) {
            pp_image img = synth(sizes[s][0], sizes[s][1], c);
            for (size_t i = 0; i < pp_corruption_count(); i++) {
                const pp_corruption *k = pp_corruption_at(i);
                for (double sev = 0.5; sev <= 5; sev += 2.25) {
                    pp_image out = run(k->name, sev, PP_PRESET_AUTO, 1, &img, NULL);
                    CHECK(out.pixels && out.width == img.width && out.height == img.height && out.channels == c,
                          "%s on %dx%dx%d at %g", k->name, img.width, img.height, c, sev);
                    pp_image_free(&out);
                }
            }
            pp_image_free(&img);
        }
}

/* Damage grows with severity: PSNR vs clean at s5 is below s1 for all, and falls
 * step by step (0.3 dB slack) where the published table is monotone. */
static void test_monotone_damage(void)
{
    static const char *not_monotone[] = {"glass_blur", "snow", "frost", "saturate", "spatter",
                                         "elastic_transform", "motion_blur", NULL};
    for (int preset = PP_PRESET_IMAGENET; preset <= PP_PRESET_CIFAR; preset++) {
        int side = preset == PP_PRESET_CIFAR ? 32 : 224;
        pp_image img = synth(side, side, 3);
        for (size_t i = 0; i < pp_corruption_count(); i++) {
            const pp_corruption *c = pp_corruption_at(i);
            bool mono = true;
            for (int k = 0; not_monotone[k]; k++)
                mono &= strcmp(not_monotone[k], c->name) != 0;
            double prev = 1e9, first = 0, last = 0;
            for (int s = 1; s <= 5; s++) {
                double p = 0;
                for (uint64_t seed = 0; seed < 3; seed++) {
                    pp_image out = run(c->name, s, (pp_corruption_preset)preset, seed, &img, NULL);
                    if (out.pixels)
                        p += psnr(&out, &img) / 3;
                    pp_image_free(&out);
                }
                if (mono)
                    CHECK(p <= prev + 0.3, "%s (%s): PSNR rises from %.2f to %.2f dB at severity %d", c->name,
                          pp_corruption_preset_name((pp_corruption_preset)preset), prev, p, s);
                prev = p;
                if (s == 1)
                    first = p;
                last = p;
            }
            /* CIFAR elastic: the affine step makes s1 the most damaging (reference too) */
            if (preset == PP_PRESET_IMAGENET || strcmp(c->name, "elastic_transform") != 0)
                CHECK(last < first, "%s (%s): severity 5 (%.2f dB) not worse than 1 (%.2f dB)", c->name,
                  pp_corruption_preset_name((pp_corruption_preset)preset), last, first);
        }
        pp_image_free(&img);
    }
}

/* Mean and variance of (out - in) on a flat mid-gray image against the distribution. */
static void noise_moments(const char *name, double sev, pp_corruption_preset preset, uint8_t level,
                          double scale_by_lambda, double *mean, double *var, double *hits)
{
    pp_image img = constant(256, 256, 3, level);
    pp_image out = run(name, sev, preset, 5, &img, NULL);
    size_t n = 256 * 256 * 3;
    double s = 0, s2 = 0;
    size_t h = 0;
    for (size_t i = 0; out.pixels && i < n; i++) {
        double v = out.pixels[i] / 255.0;
        if (scale_by_lambda > 0) /* shot noise: recover the Poisson count */
            v = round(v * scale_by_lambda);
        else
            v -= level / 255.0;
        s += v, s2 += v * v;
        h += out.pixels[i] == 0 || out.pixels[i] == 255;
    }
    *mean = s / n;
    *var = s2 / n - *mean * *mean;
    *hits = (double)h / n;
    pp_image_free(&img);
    pp_image_free(&out);
}

static void test_noise_distributions(void)
{
    double m, v, hits;
    /* gaussian: N(0, c^2); truncation to uint8 biases the mean by -0.5/255 */
    noise_moments("gaussian_noise", 2, PP_PRESET_IMAGENET, 128, 0, &m, &v, &hits);
    CHECK(fabs(m + 0.5 / 255) < 0.002, "gaussian mean %g", m);
    CHECK(fabs(sqrt(v) - 0.12) < 0.003, "gaussian std %g, want 0.12", sqrt(v));
    /* shot: Poisson(lambda x): mean = variance = lambda x, both code paths */
    /* (levels low enough that clipping at 1 is negligible) */
    static const double lambdas[] = {60, 12, 3};
    static const uint8_t levels[] = {128, 64, 20};
    for (int k = 0; k < 3; k++) {
        double lam = lambdas[k], mu = lam * levels[k] / 255.0;
        int sev = k == 0 ? 1 : k == 1 ? 3 : 5;
        noise_moments("shot_noise", sev, PP_PRESET_IMAGENET, levels[k], lam, &m, &v, &hits);
        CHECK(fabs(m - mu) < 0.03 * mu + 0.02, "shot lambda %g: mean %g, want %g", lam, m, mu);
        CHECK(fabs(v - mu) < 0.05 * mu + 0.02, "shot lambda %g: variance %g, want %g", lam, v, mu);
    }
    /* impulse: a fraction `amount` of values becomes 0 or 255 */
    noise_moments("impulse_noise", 4, PP_PRESET_IMAGENET, 128, 0, &m, &v, &hits);
    CHECK(fabs(hits - 0.17) < 0.005, "impulse hit fraction %g, want 0.17", hits);
    CHECK(fabs(m) < 0.01, "impulse salt and pepper unbalanced: mean shift %g", m);
    /* speckle: x * N(0, c^2) */
    noise_moments("speckle_noise", 3, PP_PRESET_IMAGENET, 128, 0, &m, &v, &hits);
    CHECK(fabs(sqrt(v) - 0.35 * 128 / 255.0) < 0.004, "speckle std %g, want %g", sqrt(v), 0.35 * 128 / 255.0);
}

/* The vectorised fields themselves: the normal field's moments and tails, its
 * value i the same whatever the length asked for, and the hash stream's bits
 * balanced. */
static void test_noise_fields(void)
{
    const size_t n = 1 << 21;
    float *z = malloc(sizeof(float) * n);
    pp_noise_normal_fill(0x1234567887654321ull, 0, z, n);
    double m1 = 0, m2 = 0, m4 = 0, tail3 = 0, tail1 = 0, zmax = 0;
    for (size_t i = 0; i < n; i++) {
        double v = z[i];
        m1 += v, m2 += v * v, m4 += v * v * v * v;
        tail3 += fabs(v) > 3, tail1 += v > 1;
        zmax = fmax(zmax, fabs(v));
    }
    m1 /= n, m2 /= n, m4 /= n, tail3 /= n, tail1 /= n;
    CHECK(fabs(m1) < 0.003 && fabs(m2 - 1) < 0.005, "normal field mean %g, variance %g", m1, m2);
    CHECK(fabs(m4 - 3) < 0.03, "normal field fourth moment %g, want 3", m4);
    CHECK(fabs(tail3 - 0.0026998) < 0.0003 && fabs(tail1 - 0.158655) < 0.002, "normal tails: |z| > 3 %g, z > 1 %g",
          tail3, tail1);
    CHECK(zmax > 4.5 && zmax < 6, "largest |z| %g", zmax);
    /* neighbours (the cos and sin of one pair sit BLOCK apart) are uncorrelated */
    double c1 = 0, c64 = 0;
    for (size_t i = 0; i + 64 < n; i++)
        c1 += (double)z[i] * z[i + 1], c64 += (double)z[i] * z[i + 64];
    CHECK(fabs(c1 / n) < 0.003 && fabs(c64 / n) < 0.003, "normal field correlations %g (lag 1), %g (lag 64)", c1 / n,
          c64 / n);
    static const size_t lengths[] = {1, 7, 127, 129, 300};
    for (int k = 0; k < 5; k++) {
        float part[300];
        pp_noise_normal_fill(0x1234567887654321ull, 0, part, lengths[k]);
        CHECK(memcmp(part, z, sizeof(float) * lengths[k]) == 0, "the first %zu values differ from the long fill",
              lengths[k]);
        pp_noise_normal_fill(0x1234567887654321ull, PP_NOISE_CHUNK * (k + 1), part, lengths[k]);
        CHECK(memcmp(part, z + PP_NOISE_CHUNK * (k + 1), sizeof(float) * lengths[k]) == 0,
              "a chunk from %d differs from the long fill", PP_NOISE_CHUNK * (k + 1));
    }
    free(z);
    uint32_t *u = malloc(sizeof(uint32_t) * n);
    pp_noise_u32_fill(99, 0, u, n);
    size_t ones[32] = {0};
    for (size_t i = 0; i < n; i++)
        for (int b = 0; b < 32; b++)
            ones[b] += u[i] >> b & 1;
    for (int b = 0; b < 32; b++)
        CHECK(fabs((double)ones[b] / n - 0.5) < 0.002, "hash bit %d set in %g of the values", b,
              (double)ones[b] / n);
    free(u);
}

/* Kernels: sums, sizes and shapes as the reference builds them. */
static void test_kernels(void)
{
    static const double radii[] = {3, 4, 6, 8, 10, 0.3, 1, 1.5};
    for (int i = 0; i < 8; i++) {
        int side;
        pp_error err = {0};
        float *k = pp_defocus_kernel(radii[i], 0.5, &side, &err);
        CHECK(k != NULL, "%s", err.msg);
        if (!k)
            continue;
        CHECK(side == (radii[i] <= 8 ? 17 : 21), "defocus r=%g side %d", radii[i], side);
        double sum = 0;
        int c = side / 2;
        for (int j = 0; j < side * side; j++)
            sum += k[j];
        /* normalised disk; only a disk touching the grid's edge (r >= 8) gains mass from
         * the anti-alias blur's reflect-101 border, and the reference does not renormalise */
        if (radii[i] < 8)
            CHECK(fabs(sum - 1) < 1e-5, "defocus r=%g sum %g", radii[i], sum);
        else
            CHECK(sum > 1 && sum < 1.02, "defocus r=%g sum %g", radii[i], sum);
        CHECK(k[c * side + c] >= k[c * side + c + (int)radii[i]], "defocus r=%g not centre-heavy", radii[i]);
        /* beyond r + 1 (the 3x3 anti-alias reach) the disk is empty */
        int out = c + (int)ceil(radii[i]) + 2;
        if (out < side)
            CHECK(k[c * side + out] == 0, "defocus r=%g leaks to %d px", radii[i], out - c);
        CHECK(k[(c - 1) * side + c] == k[(c + 1) * side + c] && k[c * side + c - 1] == k[c * side + c + 1],
              "defocus r=%g asymmetric", radii[i]);
        free(k);
    }
    double w[64];
    int width = pp_motion_kernel(15, 5, w, 64);
    double sum = 0;
    for (int i = 0; i < width; i++) {
        sum += w[i];
        if (i)
            CHECK(w[i] < w[i - 1], "motion taps must fall with distance (one-sided Gaussian)");
    }
    CHECK(width == 31 && fabs(sum - 1) < 1e-12, "motion kernel width %d sum %g", width, sum);
    CHECK(fabs(w[1] / w[0] - exp(-1.0 / 50)) < 1e-12, "motion tap ratio");
    float g[64];
    int r = pp_gaussian_kernel(1.5, 4.0, g, 64);
    double gs = 0;
    for (int i = 0; i <= 2 * r; i++)
        gs += g[i];
    CHECK(r == 6 && fabs(gs - 1) < 1e-6, "gaussian radius %d (want int(4 sigma + 0.5) = 6) sum %g", r, gs);
    CHECK(pp_border_index(-1, 5, PP_BORDER_REFLECT) == 0 && pp_border_index(-1, 5, PP_BORDER_REFLECT101) == 1 &&
              pp_border_index(5, 5, PP_BORDER_NEAREST) == 4 && pp_border_index(-1, 5, PP_BORDER_WRAP) == 4,
          "border modes");
}

/* Motion blur with a pinned angle of 0 streaks along +x only: a vertical edge smears
 * to the left of the edge (taps read to the right), rows stay independent. */
static void test_motion_direction(void)
{
    pp_image img = constant(224, 224, 1, 0);
    for (int y = 0; y < 224; y++)
        for (int x = 112; x < 224; x++)
            img.pixels[y * 224 + x] = 255;
    double ov[8] = {NAN, NAN, 0, NAN, NAN, NAN, NAN, NAN};
    pp_image out = run("motion_blur", 3, PP_PRESET_IMAGENET, 0, &img, ov); /* radius 15, sigma 8 */
    if (out.pixels) {
        const uint8_t *row = out.pixels + 100 * 224;
        CHECK(row[111] > 0 && row[100] > 0 && row[80] == 0, "smear left of the edge: %d %d %d", row[111], row[100], row[80]);
        CHECK(row[112] == 255 && row[150] == 255, "smear right of the edge");
        CHECK(memcmp(out.pixels, out.pixels + 224 * 7, 224) == 0, "angle 0 mixed rows");
    }
    pp_image_free(&out);
    pp_image_free(&img);
}

static bool cancel_now(void *ctx)
{
    (void)ctx;
    return true;
}

static void test_bad_input(void)
{
    const pp_corruption *c = pp_corruption_find("contrast");
    pp_image img = synth(8, 8, 3), out = {0};
    pp_error err = {0};
    pp_corruption_request req = {.severity = 5.5};
    CHECK(pp_corruption_apply(c, &req, &img, &out, &err) == PP_ERR_ARG && !out.pixels, "severity 5.5");
    req.severity = 2;
    double ov[8] = {99, NAN};
    req.overrides = ov;
    CHECK(pp_corruption_apply(c, &req, &img, &out, &err) == PP_ERR_ARG && strstr(err.msg, "c = 99"),
          "override out of range: %s", err.msg);
    req.overrides = NULL;
    req.cancel = cancel_now;
    CHECK(pp_corruption_apply(c, &req, &img, &out, &err) == PP_ERR_CANCELLED && !out.pixels, "cancel");
    req.cancel = NULL;
    img.channels = 2;
    CHECK(pp_corruption_apply(c, &req, &img, &out, &err) == PP_ERR_SHAPE, "2 channels accepted");
    img.channels = 3;
    pp_image_free(&img);
}

int main(void)
{
    RUN_TEST(test_registry);
    RUN_TEST(test_params_at);
    RUN_TEST(test_fixtures);
    RUN_TEST(test_fixtures_odd_size);
    RUN_TEST(test_damage_vs_reference);
    RUN_TEST(test_severity_zero);
    RUN_TEST(test_determinism);
    RUN_TEST(test_sizes);
    RUN_TEST(test_monotone_damage);
    RUN_TEST(test_noise_distributions);
    RUN_TEST(test_noise_fields);
    RUN_TEST(test_kernels);
    RUN_TEST(test_motion_direction);
    RUN_TEST(test_bad_input);
    return TEST_EXIT();
}

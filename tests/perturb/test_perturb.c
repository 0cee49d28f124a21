/* The perturbation sequences: registry and frame tables, determinism, noise re-drawn
 * per frame, the ImageNet-P geometry (256 image, then the crop), bad input, and the
 * sequence statistics (frame-to-frame change, PSNR against frame 0 per frame index)
 * against the official generators' (tests/perturb/make_reference.py). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "image/video.h"
#include "perturb/perturbation.h"
#include "test_util.h"

static pp_image load_fixture(const char *sub, const char *name)
{
    pp_image img = {0};
    pp_error err = {0};
    if (pp_image_load(fixture_path(sub, name), &img, &err) != PP_OK) {
        fprintf(stderr, "fixture: %s\n", err.msg);
        exit(2);
    }
    return img;
}

static double mse(const uint8_t *a, const uint8_t *b, size_t n)
{
    double se = 0;
    for (size_t i = 0; i < n; i++)
        se += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return se / (double)n;
}

static double psnr_of(double mse)
{
    return mse == 0 ? 99.0 : 10 * log10(255.0 * 255.0 / mse);
}

static double psnr(const uint8_t *a, const uint8_t *b, size_t n)
{
    return psnr_of(mse(a, b, n));
}

static double mean_abs(const uint8_t *a, const uint8_t *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += fabs((double)a[i] - b[i]);
    return s / (double)n;
}

static void test_registry(void)
{
    static const char *const test_set[10] = {"gaussian_noise", "shot_noise", "motion_blur", "zoom_blur", "snow",
                                             "brightness", "translate", "rotate", "tilt", "scale"};
    static const char *const validation[4] = {"speckle_noise", "gaussian_blur", "spatter", "shear"};
    CHECK(pp_perturbation_count() == 18, "%zu perturbations", pp_perturbation_count());
    for (int i = 0; i < 10; i++) {
        const pp_perturbation *p = pp_perturbation_at((size_t)i);
        CHECK(strcmp(p->name, test_set[i]) == 0 && p->set == PP_PERTURB_TEST, "test %d is %s", i, p->name);
    }
    for (int i = 0; i < 4; i++) {
        const pp_perturbation *p = pp_perturbation_at((size_t)(10 + i));
        CHECK(strcmp(p->name, validation[i]) == 0 && p->set == PP_PERTURB_VALIDATION, "validation %d is %s", i,
              p->name);
    }
    for (size_t i = 0; i < pp_perturbation_count(); i++) {
        const pp_perturbation *p = pp_perturbation_at(i);
        CHECK(pp_perturbation_find(p->name) == p, "find %s", p->name);
        /* the official scripts choose the metric branch by `'noise' in p` */
        if (p->set != PP_PERTURB_REPEATABILITY)
            CHECK(p->against_first == (strstr(p->name, "noise") != NULL), "%s against_first", p->name);
        else
            CHECK(p->against_first, "%s: repeatability compares with the clean frame", p->name);
    }
    for (int i = 0; i < PP_CIFAR_P_MEAN_COUNT; i++)
        CHECK(pp_perturbation_find(pp_cifar_p_mean_set[i]), "CIFAR mean set: %s", pp_cifar_p_mean_set[i]);
    CHECK(pp_perturbation_find("translate")->frames_imagenet == 41 && pp_perturbation_find("translate")->frames_cifar == 16,
          "translate frames");
    CHECK(pp_perturbation_find("motion_blur")->frames_cifar == 21, "CIFAR motion_blur frames");
    CHECK(!pp_perturbation_find("fog") && !pp_perturbation_find(NULL), "unknown names");
}

static pp_sequence make(const char *name, pp_corruption_preset preset, uint64_t seed, int level, const pp_image *img)
{
    pp_sequence s;
    pp_error err = {0};
    pp_perturb_request req = {.preset = preset, .seed = seed, .level = level};
    CHECK_OK(pp_perturb_sequence(pp_perturbation_find(name), &req, img, &s, &err), &err);
    return s;
}

static size_t seq_frame_bytes(const pp_sequence *s)
{
    return (size_t)s->width * s->height * s->channels;
}

static void test_determinism_and_redraws(void)
{
    pp_image small = load_fixture("perturb", "photo_32.png");
    for (size_t k = 0; k < pp_perturbation_count(); k++) {
        const pp_perturbation *p = pp_perturbation_at(k);
        pp_sequence a = make(p->name, PP_PRESET_CIFAR, 7, 1, &small), b = make(p->name, PP_PRESET_CIFAR, 7, 1, &small);
        pp_sequence c = make(p->name, PP_PRESET_CIFAR, 8, 1, &small);
        size_t bytes = seq_frame_bytes(&a) * (size_t)a.n;
        CHECK(a.n == p->frames_cifar && a.width == 32 && a.height == 32 && a.channels == 3, "%s: %d frames %dx%d",
              p->name, a.n, a.width, a.height);
        CHECK(memcmp(a.pixels, b.pixels, bytes) == 0, "%s: same seed, same frames", p->name);
        CHECK((memcmp(a.pixels, c.pixels, bytes) != 0) == p->random, "%s: seed dependence %d", p->name, p->random);
        if (p->against_first && p->random) { /* noise: frames 1, 2, ... are fresh draws */
            size_t f = seq_frame_bytes(&a);
            CHECK(memcmp(a.pixels, small.pixels, f) == 0, "%s: frame 0 is the clean image", p->name);
            CHECK(memcmp(a.pixels + f, a.pixels + 2 * f, f) != 0, "%s: frames 1 and 2 are different draws", p->name);
        }
        pp_sequence_free(&a), pp_sequence_free(&b), pp_sequence_free(&c);
    }
    /* stronger noise levels: lower PSNR against the clean frame */
    double last = 1e9;
    for (int level = 1; level <= 3; level++) {
        pp_sequence s = make("gaussian_noise", PP_PRESET_CIFAR, 1, level, &small);
        double p = psnr(s.pixels + seq_frame_bytes(&s), s.pixels, seq_frame_bytes(&s));
        CHECK(p < last - 1, "level %d PSNR %.2f after %.2f", level, p, last);
        last = p;
        pp_sequence_free(&s);
    }
    pp_image_free(&small);
}

static void test_imagenet_geometry(void)
{
    pp_image photo = load_fixture("images", "photo_300x200.jpg");
    /* translate frame 20 (no shift) and rotate frame 15 (0 degrees) are the plain centre crop
     * of the 256-resized picture; frame 0 of translate has content, not black, on its left
     * edge (it came from outside the crop) */
    pp_image big = {0}, crop = {0};
    pp_error err = {0};
    CHECK_OK(pp_image_resize_short_side(&big, &photo, 256, &err), &err);
    CHECK_OK(pp_image_center_crop(&crop, &big, 224, 224, &err), &err);
    pp_sequence t = make("translate", PP_PRESET_IMAGENET, 0, 1, &photo);
    size_t f = seq_frame_bytes(&t);
    CHECK(t.width == 224 && t.height == 224 && t.n == 41, "translate %dx%d x %d", t.width, t.height, t.n);
    CHECK(memcmp(t.pixels + 20 * f, crop.pixels, f) == 0, "translate frame 20 is the clean crop");
    int black = 0;
    for (int y = 0; y < 224; y++)
        for (int x = 0; x < 20; x++)
            black += t.pixels[((size_t)y * 224 + x) * 3] == 0 && t.pixels[((size_t)y * 224 + x) * 3 + 1] == 0;
    CHECK(black < 50, "translate frame 0: %d black pixels at the left edge", black);
    /* the shift is exactly i - 20 pixels: frame 21 column x+1 = clean crop column x (within the crop) */
    int bad = 0;
    for (int y = 0; y < 224; y++)
        bad += memcmp(t.pixels + 21 * f + ((size_t)y * 224 + 1) * 3, crop.pixels + (size_t)y * 224 * 3, 223 * 3) != 0;
    CHECK(bad == 0, "translate frame 21 is the crop moved 1 px right (%d rows differ)", bad);
    pp_sequence_free(&t);
    pp_sequence r = make("rotate", PP_PRESET_IMAGENET, 0, 1, &photo);
    CHECK(memcmp(r.pixels + 15 * f, crop.pixels, f) == 0, "rotate frame 15 is the clean crop");
    pp_sequence_free(&r);
    pp_image_free(&big), pp_image_free(&crop), pp_image_free(&photo);
}

static void test_bad_input(void)
{
    pp_image small = load_fixture("perturb", "photo_32.png");
    pp_sequence s;
    pp_error err = {0};
    pp_perturb_request req = {.preset = PP_PRESET_CIFAR, .level = 4};
    CHECK(pp_perturb_sequence(pp_perturbation_find("gaussian_noise"), &req, &small, &s, &err) == PP_ERR_ARG &&
              strstr(err.msg, "level 4"),
          "level 4: %s", err.msg);
    CHECK(s.pixels == NULL, "nothing allocated on failure");
    pp_image two = small;
    two.channels = 2;
    req.level = 1;
    CHECK(pp_perturb_sequence(pp_perturbation_find("rotate"), &req, &two, &s, &err) == PP_ERR_SHAPE, "2 channels");
    pp_image empty = {0};
    CHECK(pp_perturb_sequence(pp_perturbation_find("rotate"), &req, &empty, &s, &err) == PP_ERR_SHAPE, "no pixels");
    /* gray pictures work (Fashion-MNIST) */
    pp_image gray = load_fixture("images", "gray_28.png");
    for (size_t k = 0; k < pp_perturbation_count(); k++) {
        const pp_perturbation *p = pp_perturbation_at(k);
        pp_perturb_request r = {.preset = PP_PRESET_AUTO, .seed = 3};
        CHECK_OK(pp_perturb_sequence(p, &r, &gray, &s, &err), &err);
        CHECK(s.channels == 1 && s.width == gray.width && s.n == p->frames_cifar, "%s on gray", p->name);
        pp_sequence_free(&s);
    }
    pp_image_free(&gray), pp_image_free(&small);
}

/* One line of reference_stats.txt. */
typedef struct {
    char preset[16], name[32];
    int frames;
    double change[64], psnr0[64];
} ref_line;

static bool parse_line(char *line, ref_line *r)
{
    char *save = NULL, *tok = strtok_r(line, " \n", &save);
    if (!tok)
        return false;
    snprintf(r->preset, sizeof r->preset, "%s", tok);
    snprintf(r->name, sizeof r->name, "%s", strtok_r(NULL, " \n", &save));
    r->frames = atoi(strtok_r(NULL, " \n", &save));
    if (r->frames < 2 || r->frames > 64)
        return false;
    strtok_r(NULL, " \n", &save); /* "change" */
    for (int i = 0; i < r->frames - 1; i++)
        r->change[i] = atof(strtok_r(NULL, " \n", &save));
    strtok_r(NULL, " \n", &save); /* "psnr0" */
    for (int i = 0; i < r->frames - 1; i++)
        r->psnr0[i] = atof(strtok_r(NULL, " \n", &save));
    return true;
}

/* Tolerances: deterministic sequences follow the reference closely (the libraries'
 * rounding only); random ones agree in distribution, not in draws (averaged over as
 * many draws as the reference: the change, and the squared error against frame 0).
 * Above 50 dB two frames differ by single levels of 8-bit rounding (numpy's uint8 cast
 * of 255 x, which a float sum an ulp below k sends to k - 1), so PSNRs are compared up
 * to 50 dB and changes below a quarter level absolutely. */
static void test_reference_statistics(void)
{
    FILE *f = fopen(fixture_path("perturb", "reference_stats.txt"), "r");
    CHECK(f != NULL, "reference_stats.txt missing");
    if (!f)
        return;
    pp_image photo = load_fixture("images", "photo_300x200.jpg"), small = load_fixture("perturb", "photo_32.png");
    char line[8192];
    int lines = 0;
    while (fgets(line, sizeof line, f)) {
        ref_line r;
        if (!parse_line(line, &r))
            continue;
        lines++;
        const pp_perturbation *p = pp_perturbation_find(r.name);
        CHECK(p != NULL, "%s", r.name);
        if (!p)
            continue;
        bool cifar = strcmp(r.preset, "cifar") == 0;
        int draws = p->random ? (cifar ? 16 : 4) : 1;
        double change[64] = {0}, p0[64] = {0}, mse0[64] = {0};
        int n = 0;
        for (int d = 0; d < draws; d++) {
            pp_sequence s = make(r.name, cifar ? PP_PRESET_CIFAR : PP_PRESET_IMAGENET, (uint64_t)d, 1,
                                 cifar ? &small : &photo);
            n = s.n;
            size_t fb = seq_frame_bytes(&s);
            for (int i = 1; i < s.n && i < 64; i++) {
                change[i - 1] += mean_abs(s.pixels + fb * i, s.pixels + fb * (i - 1), fb) / draws;
                mse0[i - 1] += mse(s.pixels + fb * i, s.pixels, fb) / draws;
            }
            pp_sequence_free(&s);
        }
        for (int i = 0; i < 64; i++)
            p0[i] = psnr_of(mse0[i]);
        CHECK(n == r.frames, "%s %s: %d frames, reference %d", r.preset, r.name, n, r.frames);
        double worst_c = 0, worst_p = 0, sum_c = 0, sum_rc = 0;
        for (int i = 0; i < r.frames - 1 && n == r.frames; i++) {
            double tc = 0.12 * r.change[i] + (p->random ? 0.4 : 0.3);
            double dc = fabs(change[i] - r.change[i]) - tc;
            double pr = fmin(r.psnr0[i], 50), po = fmin(p0[i], 50);
            double dp = fabs(po - pr) - (p->random ? 1.5 : 1.0);
            worst_c = fmax(worst_c, dc), worst_p = fmax(worst_p, dp);
            sum_c += change[i], sum_rc += r.change[i];
            if (dc > 0 || dp > 0)
                fprintf(stderr, "  %s %s frame %d: change %.3f ref %.3f, psnr0 %.2f ref %.2f\n", r.preset, r.name,
                        i + 1, change[i], r.change[i], p0[i], r.psnr0[i]);
        }
        CHECK(worst_c <= 0 && worst_p <= 0, "%s %s: per-frame statistics off the reference", r.preset, r.name);
        /* the total motion of the sequence within 5 % (random: 10 %) */
        CHECK(fabs(sum_c - sum_rc) <= (p->random ? 0.10 : 0.05) * sum_rc + 0.5, "%s %s: total change %.2f ref %.2f",
              r.preset, r.name, sum_c, sum_rc);
    }
    fclose(f);
    CHECK(lines == 28, "%d reference lines", lines);
    pp_image_free(&photo), pp_image_free(&small);
}

/* The H.264 reader against what Debian's ffmpeg decodes (tests/perturb/make_video.sh),
 * and hostile files. */
static void test_video_reader(void)
{
    pp_sequence v;
    pp_error err = {0};
    CHECK_OK(pp_video_load(fixture_path("perturb", "seq_64x48.mp4"), 0, &v, &err), &err);
    CHECK(v.n == 7 && v.width == 64 && v.height == 48 && v.channels == 3, "%d frames %dx%d", v.n, v.width, v.height);
    FILE *f = fopen(fixture_path("perturb", "seq_64x48.rgb"), "rb");
    size_t bytes = (size_t)7 * 48 * 64 * 3;
    uint8_t *want = malloc(bytes);
    CHECK(f && fread(want, 1, bytes, f) == bytes, "seq_64x48.rgb");
    if (f)
        fclose(f);
    if (v.n == 7 && v.width == 64 && v.height == 48) {
        int worst = 0;
        for (size_t i = 0; i < bytes; i++)
            worst = abs((int)v.pixels[i] - want[i]) > worst ? abs((int)v.pixels[i] - want[i]) : worst;
        double p = psnr(v.pixels, want, bytes);
        CHECK(worst <= 2 && p > 45, "decoded frames: max difference %d, PSNR %.1f dB", worst, p);
        CHECK(memcmp(v.pixels, v.pixels + (size_t)64 * 48 * 3, (size_t)64 * 48 * 3) != 0, "frames differ");
    }
    pp_sequence_free(&v);
    free(want);
    CHECK(pp_video_load(fixture_path("perturb", "seq_64x48.mp4"), 5, &v, &err) == PP_ERR_FORMAT &&
              strstr(err.msg, "more than 5 frames"),
          "frame cap: %s", err.msg);
    CHECK(pp_video_load("/nonexistent/x.mp4", 0, &v, &err) == PP_ERR_IO && strstr(err.msg, "/nonexistent/x.mp4"),
          "missing: %s", err.msg);
    const char *text = fixture_path("perturb", "reference_stats.txt");
    char name[1100];
    snprintf(name, sizeof name, "%s", text);
    CHECK(pp_video_load(name, 0, &v, &err) != PP_OK && strstr(err.msg, "reference_stats.txt") && v.pixels == NULL,
          "not a video: %s", err.msg);
    /* truncated after the first kilobyte */
    char cut[] = "/tmp/pp-video-cut-XXXXXX";
    int fd = mkstemp(cut);
    FILE *in = fopen(fixture_path("perturb", "seq_64x48.mp4"), "rb");
    uint8_t head[1024];
    size_t got = in ? fread(head, 1, sizeof head, in) : 0;
    if (in)
        fclose(in);
    CHECK(fd >= 0 && write(fd, head, got) == (ssize_t)got, "temp file");
    close(fd);
    pp_status st = pp_video_load(cut, 0, &v, &err);
    CHECK(st != PP_OK && strstr(err.msg, cut), "truncated: %s", err.msg);
    pp_sequence_free(&v);
    unlink(cut);
}

int main(void)
{
    RUN_TEST(test_registry);
    RUN_TEST(test_determinism_and_redraws);
    RUN_TEST(test_imagenet_geometry);
    RUN_TEST(test_bad_input);
    RUN_TEST(test_reference_statistics);
    RUN_TEST(test_video_reader);
    return TEST_EXIT();
}

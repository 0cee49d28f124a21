/* png_stats A.png [B.png]: prints the size and the number of distinct colours
 * of A; with B, the fraction of pixels that differ between A and B.
 * Exit 1 when a file cannot be read. Used by test_studio.sh. */
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t *load(const char *path, int *w, int *h)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path)) {
        fprintf(stderr, "%s: %s\n", path, img.message);
        return NULL;
    }
    img.format = PNG_FORMAT_RGBA;
    uint32_t *px = malloc(PNG_IMAGE_SIZE(img));
    if (!px || !png_image_finish_read(&img, NULL, px, 0, NULL)) {
        fprintf(stderr, "%s: %s\n", path, img.message);
        free(px);
        return NULL;
    }
    *w = (int)img.width;
    *h = (int)img.height;
    return px;
}

static int cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    int w, h;
    uint32_t *a = load(argv[1], &w, &h);
    if (!a)
        return 1;
    size_t n = (size_t)w * h;
    uint32_t *sorted = malloc(n * sizeof *sorted);
    memcpy(sorted, a, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp);
    size_t distinct = n ? 1 : 0;
    for (size_t i = 1; i < n; i++)
        distinct += sorted[i] != sorted[i - 1];
    printf("size %d %d colours %zu", w, h, distinct);
    if (argc > 2) {
        int w2, h2;
        uint32_t *b = load(argv[2], &w2, &h2);
        if (!b)
            return 1;
        size_t diff = 0;
        if (w2 != w || h2 != h)
            diff = n;
        else
            for (size_t i = 0; i < n; i++)
                diff += a[i] != b[i];
        printf(" differ %.4f", n ? (double)diff / n : 0.0);
        free(b);
    }
    printf("\n");
    free(sorted);
    free(a);
    return 0;
}

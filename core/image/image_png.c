/* PNG decoding (libpng) and encoding (its simplified API).
 *
 * Decoding gives what PIL's Image.open(f).convert("RGB") gives, since the
 * reference pipelines feed their networks that: alpha and tRNS are dropped,
 * not composited; gAMA, iCCP and the other ancillary chunks are ignored (no
 * gamma correction); palettes and 1/2/4-bit gray are expanded; 16-bit colour
 * and 16-bit gray+alpha keep their high byte; 16-bit gray is clipped to 255
 * (PIL opens it as 32-bit mode "I" and clips when converting, so 0x4000 is
 * 255, not 64). Any libpng error, a truncated file included, is an error. */
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../atomic_file.h"
#include "image_codec.h"

/* Ancillary chunks are never kept; this bounds what libpng buffers for one. */
#define PNG_MAX_CHUNK_BYTES ((png_alloc_size_t)1 << 20)

typedef struct {
    const uint8_t *data;
    size_t len, pos;
    char message[256];
    bool out_of_memory; /* our allocation failed: not a bad file */
} png_reader;

static void png_on_error(png_structp png, png_const_charp msg)
{
    png_reader *r = png_get_error_ptr(png);
    snprintf(r->message, sizeof r->message, "%s", msg);
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg; /* problems in chunks we ignore anyway, as PIL does */
}

static void png_read_memory(png_structp png, png_bytep out, size_t n)
{
    png_reader *r = png_get_io_ptr(png);
    if (n > r->len - r->pos)
        png_error(png, "file is truncated");
    memcpy(out, r->data + r->pos, n);
    r->pos += n;
}

/* 16-bit gray (big-endian) to 8-bit, in place, clipped as PIL's I -> L. */
static void clip_gray16(uint8_t *pixels, size_t count)
{
    for (size_t i = 0; i < count; i++)
        pixels[i] = pixels[2 * i] ? 255 : pixels[2 * i + 1];
}

pp_status pp_image_decode_png(const uint8_t *data, size_t len, const char *name, pp_image *img,
                              pp_error *err)
{
    memset(img, 0, sizeof *img);
    png_reader r = {.data = data, .len = len};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r, png_on_error, png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory decoding PNG", name);
    }
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(pixels);
        free(rows);
        return pp_fail(err, r.out_of_memory ? PP_ERR_NOMEM : PP_ERR_FORMAT, "%s: cannot decode PNG: %s", name,
                       r.message);
    }
    png_set_user_limits(png, PP_IMAGE_MAX_SIDE, PP_IMAGE_MAX_SIDE);
    png_set_chunk_malloc_max(png, PNG_MAX_CHUNK_BYTES);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, -1);
    png_set_read_fn(png, &r, png_read_memory);
    png_read_info(png, info);
    png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    int depth = png_get_bit_depth(png, info), type = png_get_color_type(png, info);
    pp_status st = pp_image_check_size(name, "PNG", width, height, err);
    if (st != PP_OK) {
        png_destroy_read_struct(&png, &info, NULL);
        return st;
    }
    bool gray16 = depth == 16 && type == PNG_COLOR_TYPE_GRAY;
    if (type == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (type == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    png_set_strip_alpha(png); /* also the alpha a palette's tRNS expands to */
    if (depth == 16 && !gray16)
        png_set_strip_16(png); /* the high byte, as PIL's RGB;16B raw mode */
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if ((channels != 1 && channels != 3) || row_bytes != (size_t)width * channels * (gray16 ? 2 : 1))
        png_error(png, "unexpected pixel layout after conversion");
    pixels = malloc(row_bytes * height);
    rows = malloc(sizeof *rows * height);
    if (!pixels || !rows) {
        r.out_of_memory = true;
        png_error(png, "out of memory");
    }
    for (png_uint_32 y = 0; y < height; y++)
        rows[y] = pixels + row_bytes * y;
    png_read_image(png, rows);
    /* No png_read_end: what follows the image (text, trailing IDAT data) is unused. */
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    if (gray16)
        clip_gray16(pixels, (size_t)width * height);
    img->pixels = pixels;
    img->width = (int)width;
    img->height = (int)height;
    img->channels = channels;
    return PP_OK;
}

pp_status pp_image_save_png(const char *path, const pp_image *img, pp_error *err)
{
    png_image png;
    memset(&png, 0, sizeof png);
    png.version = PNG_IMAGE_VERSION;
    png.width = (png_uint_32)img->width;
    png.height = (png_uint_32)img->height;
    png.format = img->channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    png_alloc_size_t size = 0;
    if (!png_image_write_get_memory_size(png, size, 0, img->pixels, 0, NULL))
        return pp_fail(err, PP_ERR_FORMAT, "%s: cannot encode PNG: %s", path, png.message);
    void *buf = malloc(size);
    if (!buf)
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory encoding PNG", path);
    if (!png_image_write_to_memory(&png, buf, &size, 0, img->pixels, 0, NULL)) {
        free(buf);
        return pp_fail(err, PP_ERR_FORMAT, "%s: cannot encode PNG: %s", path, png.message);
    }
    pp_status st = pp_atomic_write(path, buf, size, err);
    free(buf);
    return st;
}

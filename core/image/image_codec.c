/* PNG (libpng simplified API) and JPEG (libjpeg-turbo) decoding and encoding. */
#include "image.h"

#include <setjmp.h>
#include <stdio.h>

#include <jpeglib.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "../atomic_file.h"
#include "../file_buffer.h"

pp_status pp_image_alloc(pp_image *img, int width, int height, int channels, pp_error *err)
{
    memset(img, 0, sizeof *img);
    if (width <= 0 || height <= 0 || width > PP_IMAGE_MAX_SIDE || height > PP_IMAGE_MAX_SIDE ||
        (channels != 1 && channels != 3))
        return pp_fail(err, PP_ERR_ARG, "invalid image size %dx%dx%d", width, height, channels);
    size_t bytes = (size_t)width * (size_t)height * (size_t)channels;
    img->pixels = calloc(bytes, 1);
    if (!img->pixels)
        return pp_fail(err, PP_ERR_NOMEM, "cannot allocate a %dx%d image", width, height);
    img->width = width;
    img->height = height;
    img->channels = channels;
    return PP_OK;
}

void pp_image_free(pp_image *img)
{
    if (img) {
        free(img->pixels);
        memset(img, 0, sizeof *img);
    }
}

pp_status pp_image_copy(pp_image *dst, const pp_image *src, pp_error *err)
{
    pp_status st = pp_image_alloc(dst, src->width, src->height, src->channels, err);
    if (st == PP_OK)
        memcpy(dst->pixels, src->pixels, (size_t)src->width * src->height * src->channels);
    return st;
}

/* ---- PNG ---- */

static pp_status decode_png(const uint8_t *data, size_t len, const char *name, pp_image *img,
                            pp_error *err)
{
    png_image png;
    memset(&png, 0, sizeof png);
    png.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&png, data, len))
        return pp_fail(err, PP_ERR_FORMAT, "%s: cannot decode PNG: %s", name, png.message);
    if (png.width > PP_IMAGE_MAX_SIDE || png.height > PP_IMAGE_MAX_SIDE) {
        png_image_free(&png);
        return pp_fail(err, PP_ERR_FORMAT, "%s: PNG is %ux%u, larger than %d on a side", name,
                       png.width, png.height, PP_IMAGE_MAX_SIDE);
    }
    int channels = (png.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1;
    png.format = channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    pp_status st = pp_image_alloc(img, (int)png.width, (int)png.height, channels, err);
    if (st != PP_OK) {
        png_image_free(&png);
        return st;
    }
    /* Composite transparent pixels on white, as a viewer would show them. */
    png_color white = {255, 255, 255};
    if (!png_image_finish_read(&png, &white, img->pixels, 0, NULL)) {
        pp_image_free(img);
        return pp_fail(err, PP_ERR_FORMAT, "%s: cannot decode PNG: %s", name, png.message);
    }
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

/* ---- JPEG ---- */

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf escape;
    char message[JMSG_LENGTH_MAX];
} jpeg_error_trap;

static void jpeg_error_exit(j_common_ptr cinfo)
{
    jpeg_error_trap *trap = (jpeg_error_trap *)cinfo->err;
    cinfo->err->format_message(cinfo, trap->message);
    longjmp(trap->escape, 1);
}

static void jpeg_quiet(j_common_ptr cinfo, int level)
{
    (void)cinfo;
    (void)level; /* warnings (e.g. premature end) are tolerated, like most viewers */
}

static pp_status decode_jpeg(const uint8_t *data, size_t len, const char *name, pp_image *img,
                             pp_error *err)
{
    struct jpeg_decompress_struct cinfo;
    jpeg_error_trap trap;
    memset(img, 0, sizeof *img);
    cinfo.err = jpeg_std_error(&trap.base);
    trap.base.error_exit = jpeg_error_exit;
    trap.base.emit_message = jpeg_quiet;
    if (setjmp(trap.escape)) {
        jpeg_destroy_decompress(&cinfo);
        pp_image_free(img);
        return pp_fail(err, PP_ERR_FORMAT, "%s: cannot decode JPEG: %s", name, trap.message);
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)len);
    jpeg_read_header(&cinfo, TRUE);
    if (cinfo.image_width > PP_IMAGE_MAX_SIDE || cinfo.image_height > PP_IMAGE_MAX_SIDE) {
        jpeg_destroy_decompress(&cinfo);
        return pp_fail(err, PP_ERR_FORMAT, "%s: JPEG is %ux%u, larger than %d on a side", name,
                       cinfo.image_width, cinfo.image_height, PP_IMAGE_MAX_SIDE);
    }
    int channels = cinfo.jpeg_color_space == JCS_GRAYSCALE ? 1 : 3;
    cinfo.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    pp_status st = pp_image_alloc(img, (int)cinfo.output_width, (int)cinfo.output_height, channels, err);
    if (st != PP_OK) {
        jpeg_destroy_decompress(&cinfo);
        return st;
    }
    size_t stride = (size_t)img->width * channels;
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = img->pixels + cinfo.output_scanline * stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return PP_OK;
}

pp_status pp_image_encode_jpeg(const pp_image *img, int quality, uint8_t **out, size_t *out_len,
                               pp_error *err)
{
    struct jpeg_compress_struct cinfo;
    jpeg_error_trap trap;
    unsigned char *buf = NULL;
    unsigned long buf_len = 0;
    *out = NULL;
    *out_len = 0;
    cinfo.err = jpeg_std_error(&trap.base);
    trap.base.error_exit = jpeg_error_exit;
    trap.base.emit_message = jpeg_quiet;
    if (setjmp(trap.escape)) {
        jpeg_destroy_compress(&cinfo);
        free(buf);
        return pp_fail(err, PP_ERR_FORMAT, "cannot encode JPEG: %s", trap.message);
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &buf, &buf_len);
    cinfo.image_width = (JDIMENSION)img->width;
    cinfo.image_height = (JDIMENSION)img->height;
    cinfo.input_components = img->channels;
    cinfo.in_color_space = img->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    /* Same as PIL's save(quality=q): libjpeg's standard tables scaled by q, 4:2:0. */
    jpeg_set_quality(&cinfo, quality < 1 ? 1 : quality > 100 ? 100 : quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    size_t stride = (size_t)img->width * img->channels;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = img->pixels + cinfo.next_scanline * stride;
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = buf;
    *out_len = buf_len;
    return PP_OK;
}

pp_status pp_image_save_jpeg(const char *path, const pp_image *img, int quality, pp_error *err)
{
    uint8_t *buf;
    size_t len;
    pp_status st = pp_image_encode_jpeg(img, quality, &buf, &len, err);
    if (st != PP_OK) {
        if (err)
            pp_error_prefix(err, path);
        return st;
    }
    st = pp_atomic_write(path, buf, len, err);
    free(buf);
    return st;
}

pp_status pp_image_jpeg_roundtrip(pp_image *img, int quality, pp_error *err)
{
    uint8_t *buf;
    size_t len;
    pp_status st = pp_image_encode_jpeg(img, quality, &buf, &len, err);
    if (st != PP_OK)
        return st;
    pp_image decoded;
    st = decode_jpeg(buf, len, "in-memory JPEG", &decoded, err);
    free(buf);
    if (st != PP_OK)
        return st;
    if (decoded.width != img->width || decoded.height != img->height ||
        decoded.channels != img->channels) {
        pp_image_free(&decoded);
        return pp_fail(err, PP_ERR_FORMAT, "JPEG round trip changed the image shape");
    }
    pp_image_free(img);
    *img = decoded;
    return PP_OK;
}

/* ---- dispatch ---- */

pp_status pp_image_decode(const uint8_t *data, size_t len, const char *name, pp_image *img,
                          pp_error *err)
{
    memset(img, 0, sizeof *img);
    static const uint8_t png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (len >= 8 && memcmp(data, png_magic, 8) == 0)
        return decode_png(data, len, name, img, err);
    if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
        return decode_jpeg(data, len, name, img, err);
    return pp_fail(err, PP_ERR_FORMAT, "%s: not a PNG or JPEG image", name);
}

pp_status pp_image_load(const char *path, pp_image *img, pp_error *err)
{
    memset(img, 0, sizeof *img);
    pp_file_buffer fb;
    pp_status st = pp_file_buffer_read(&fb, path, err);
    if (st != PP_OK)
        return st;
    st = pp_image_decode(fb.data, fb.size, path, img, err);
    pp_file_buffer_free(&fb);
    return st;
}

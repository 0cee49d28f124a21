/* Image buffers, and decoding dispatched by the file's magic bytes. */
#include "image_codec.h"

#include <stdlib.h>
#include <string.h>

#include "../file_buffer.h"

pp_status pp_image_alloc(pp_image *img, int width, int height, int channels, pp_error *err)
{
    memset(img, 0, sizeof *img);
    if (width <= 0 || height <= 0 || width > PP_IMAGE_MAX_SIDE || height > PP_IMAGE_MAX_SIDE ||
        (int64_t)width * height > PP_IMAGE_MAX_PIXELS || (channels != 1 && channels != 3))
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

pp_status pp_image_check_size(const char *name, const char *format, uint64_t width, uint64_t height,
                              pp_error *err)
{
    if (width == 0 || height == 0)
        return pp_fail(err, PP_ERR_FORMAT, "%s: %s declares an empty %llux%llu image", name, format,
                       (unsigned long long)width, (unsigned long long)height);
    if (width > PP_IMAGE_MAX_SIDE || height > PP_IMAGE_MAX_SIDE)
        return pp_fail(err, PP_ERR_FORMAT, "%s: %s is %llux%llu, larger than %d on a side", name, format,
                       (unsigned long long)width, (unsigned long long)height, PP_IMAGE_MAX_SIDE);
    if (width * height > (uint64_t)PP_IMAGE_MAX_PIXELS)
        return pp_fail(err, PP_ERR_FORMAT, "%s: %s is %llux%llu, %.0f Mpixel, more than the %lld Mpixel limit",
                       name, format, (unsigned long long)width, (unsigned long long)height,
                       (double)(width * height) / (1 << 20), (long long)(PP_IMAGE_MAX_PIXELS >> 20));
    return PP_OK;
}

pp_status pp_image_decode(const uint8_t *data, size_t len, const char *name, pp_image *img,
                          pp_error *err)
{
    memset(img, 0, sizeof *img);
    static const uint8_t png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (len >= 8 && memcmp(data, png_magic, 8) == 0)
        return pp_image_decode_png(data, len, name, img, err);
    if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
        return pp_image_decode_jpeg(data, len, name, img, err);
    if (len == 0)
        return pp_fail(err, PP_ERR_FORMAT, "%s: the file is empty (0 bytes)", name);
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

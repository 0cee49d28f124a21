/* 8-bit images: decode/encode PNG and JPEG, convert channels, resize, crop.
 * Pixels are interleaved (H, W, C) with C = 1 (gray) or 3 (RGB). */
#ifndef PP_IMAGE_H
#define PP_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../status.h"

/* Decoder limits against decompression bombs (a 519-byte JPEG can declare
 * 16000x16000): a side, the pixel count (64 Mpixel, e.g. 8192x8192, 192 MB as
 * RGB; PIL warns from 89 Mpixel), libjpeg's working memory (a progressive JPEG
 * keeps all its coefficients: 6 bytes a pixel at 4:4:4) and the scans of a
 * progressive JPEG (each one a pass over every block; encoders write about 10). */
#define PP_IMAGE_MAX_SIDE 16384
#define PP_IMAGE_MAX_PIXELS ((int64_t)1 << 26)
#define PP_IMAGE_MAX_DECODER_BYTES ((long)512 << 20)
#define PP_IMAGE_MAX_JPEG_SCANS 100

typedef struct {
    int width, height, channels;
    uint8_t *pixels; /* (height, width, channels) */
} pp_image;

pp_status pp_image_alloc(pp_image *img, int width, int height, int channels, pp_error *err);
void pp_image_free(pp_image *img);
pp_status pp_image_copy(pp_image *dst, const pp_image *src, pp_error *err);

/* PNG or JPEG, chosen by the file's magic bytes, decoded as PIL's
 * Image.open(f).convert("RGB") sees it: gray stays 1 channel, colour becomes 3
 * (details in image_png.c). Corrupt or truncated data is an error, never a
 * silently filled-in image. */
pp_status pp_image_load(const char *path, pp_image *img, pp_error *err);
pp_status pp_image_decode(const uint8_t *data, size_t len, const char *name, pp_image *img,
                          pp_error *err);

/* Atomic writes (temp file, fsync, rename). */
pp_status pp_image_save_png(const char *path, const pp_image *img, pp_error *err);
pp_status pp_image_save_jpeg(const char *path, const pp_image *img, int quality, pp_error *err);
/* In-memory JPEG encode; *out is malloc'd. */
pp_status pp_image_encode_jpeg(const pp_image *img, int quality, uint8_t **out, size_t *out_len,
                               pp_error *err);
/* Encode as JPEG at quality and decode back, in place (as ImageNet-C's files were saved);
 * RGB is computed in process without the file, the same bytes (jpeg_lossy.h). */
pp_status pp_image_jpeg_roundtrip(pp_image *img, int quality, pp_error *err);

/* Channel conversion: gray = ITU-R 601 luma (as PIL's "L"), rgb = gray replicated. */
pp_status pp_image_convert(pp_image *dst, const pp_image *src, int channels, pp_error *err);

/* Bilinear resize with antialiasing when shrinking (a triangle filter whose
 * support scales with the reduction, like PIL's BILINEAR used by torchvision). */
pp_status pp_image_resize(pp_image *dst, const pp_image *src, int width, int height, pp_error *err);
/* Resize so the shorter side is `side`, keeping the aspect ratio (torchvision Resize(int)). */
pp_status pp_image_resize_short_side(pp_image *dst, const pp_image *src, int side, pp_error *err);
/* Centre crop (torchvision CenterCrop: offsets rounded as int(round((H - h) / 2))). */
pp_status pp_image_center_crop(pp_image *dst, const pp_image *src, int width, int height,
                               pp_error *err);

#endif

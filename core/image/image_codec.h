/* Internal to core/image: the per-format decoders behind pp_image_decode and
 * the size check they share. */
#ifndef PP_IMAGE_CODEC_H
#define PP_IMAGE_CODEC_H

#include "image.h"

/* PP_FORMAT naming the file unless width x height fits the side and pixel caps. */
pp_status pp_image_check_size(const char *name, const char *format, uint64_t width, uint64_t height,
                              pp_error *err);

pp_status pp_image_decode_png(const uint8_t *data, size_t len, const char *name, pp_image *img,
                              pp_error *err);
pp_status pp_image_decode_jpeg(const uint8_t *data, size_t len, const char *name, pp_image *img,
                               pp_error *err);

#endif

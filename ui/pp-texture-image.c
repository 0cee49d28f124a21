#include "pp-texture-image.h"

#include <string.h>

pp_status pp_image_from_argb32(const guint8 *data, int width, int height, gsize stride, pp_image *out,
                               pp_error *err)
{
    memset(out, 0, sizeof *out);
    if (!data || width <= 0 || height <= 0 || width > PP_IMAGE_MAX_SIDE || height > PP_IMAGE_MAX_SIDE ||
        stride < (gsize)width * 4) {
        return pp_fail(err, PP_ERR_ARG, "pasted image: bad size %d x %d", width, height);
    }
    pp_status st = pp_image_alloc(out, width, height, 3, err);
    if (st != PP_OK)
        return st;
    for (int y = 0; y < height; y++) {
        const guint32 *src = (const guint32 *)(const void *)(data + (gsize)y * stride);
        guint8 *dst = out->pixels + (size_t)y * (size_t)width * 3;
        for (int x = 0; x < width; x++) {
            guint32 p = src[x]; /* premultiplied: over white adds (255 - a) */
            guint a = p >> 24, inv = 255 - a;
            dst[3 * x + 0] = (guint8)MIN(255u, ((p >> 16) & 0xff) + inv);
            dst[3 * x + 1] = (guint8)MIN(255u, ((p >> 8) & 0xff) + inv);
            dst[3 * x + 2] = (guint8)MIN(255u, (p & 0xff) + inv);
        }
    }
    return PP_OK;
}

pp_status pp_image_from_texture(GdkTexture *texture, pp_image *out, pp_error *err)
{
    int w = gdk_texture_get_width(texture), h = gdk_texture_get_height(texture);
    if (w <= 0 || h <= 0 || w > PP_IMAGE_MAX_SIDE || h > PP_IMAGE_MAX_SIDE) {
        memset(out, 0, sizeof *out);
        return pp_fail(err, PP_ERR_ARG, "pasted image: bad size %d x %d", w, h);
    }
    gsize stride = (gsize)w * 4;
    guint8 *buf = g_try_malloc(stride * (gsize)h);
    if (!buf) {
        memset(out, 0, sizeof *out);
        return pp_fail(err, PP_ERR_NOMEM, "pasted image: out of memory");
    }
    gdk_texture_download(texture, buf, stride);
    pp_status st = pp_image_from_argb32(buf, w, h, stride, out, err);
    g_free(buf);
    return st;
}

GdkTexture *pp_texture_from_image(const pp_image *img, int zoom)
{
    zoom = CLAMP(zoom, 1, 16);
    const int w = img->width * zoom, h = img->height * zoom, ch = img->channels;
    guint8 *rgb = g_malloc((gsize)w * h * 3);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const guint8 *p = img->pixels + ((size_t)(y / zoom) * img->width + x / zoom) * ch;
            guint8 *d = rgb + ((gsize)y * w + x) * 3;
            d[0] = p[0], d[1] = p[ch == 3 ? 1 : 0], d[2] = p[ch == 3 ? 2 : 0];
        }
    GBytes *bytes = g_bytes_new_take(rgb, (gsize)w * h * 3);
    GdkTexture *t = gdk_memory_texture_new(w, h, GDK_MEMORY_R8G8B8, bytes, (gsize)w * 3);
    g_bytes_unref(bytes);
    return t;
}

/* The clipboard paste's conversion: a GdkTexture (as gdk_clipboard_read_texture
 * gives it) -> pp_image RGB, alpha composited over white. No display needed:
 * memory textures download without one. */
#include <gtk/gtk.h>

#include "pp-texture-image.h"

static void test_argb32(void)
{
    /* premultiplied ARGB32 words: opaque red, half-transparent blue, transparent, opaque grey */
    guint32 px[4] = {0xffff0000u, 0x80000080u, 0x00000000u, 0xff404040u};
    pp_image img;
    pp_error err = {0};
    g_assert_cmpint(pp_image_from_argb32((const guint8 *)px, 2, 2, 8, &img, &err), ==, PP_OK);
    g_assert_cmpint(img.width, ==, 2);
    g_assert_cmpint(img.height, ==, 2);
    g_assert_cmpint(img.channels, ==, 3);
    const guint8 want[12] = {255, 0, 0, 127, 127, 255, 255, 255, 255, 64, 64, 64};
    g_assert_cmpmem(img.pixels, 12, want, 12);
    pp_image_free(&img);
    g_assert_cmpint(pp_image_from_argb32((const guint8 *)px, 0, 2, 8, &img, &err), !=, PP_OK);
    g_assert_cmpint(pp_image_from_argb32((const guint8 *)px, 3, 1, 8, &img, &err), !=, PP_OK); /* stride too small */
}

static void test_texture(void)
{
    /* straight (non-premultiplied) RGBA bytes, 3 x 2, with a padded stride */
    const int w = 3, h = 2, stride = 16;
    guint8 rgba[32] = {0};
    const guint8 pix[6][4] = {{10, 20, 30, 255}, {200, 100, 50, 255}, {0, 0, 0, 0},
                              {255, 255, 255, 255}, {0, 0, 0, 255}, {0, 0, 255, 0}};
    for (int i = 0; i < 6; i++)
        memcpy(rgba + (i / w) * stride + (i % w) * 4, pix[i], 4);
    GBytes *bytes = g_bytes_new(rgba, sizeof rgba);
    GdkTexture *t = gdk_memory_texture_new(w, h, GDK_MEMORY_R8G8B8A8, bytes, stride);
    g_bytes_unref(bytes);
    pp_image img;
    pp_error err = {0};
    g_assert_cmpint(pp_image_from_texture(t, &img, &err), ==, PP_OK);
    g_assert_cmpint(img.width, ==, 3);
    g_assert_cmpint(img.height, ==, 2);
    const guint8 want[18] = {10, 20, 30, 200, 100, 50, 255, 255, 255, 255, 255, 255, 0, 0, 0, 255, 255, 255};
    g_assert_cmpmem(img.pixels, 18, want, 18);
    pp_image_free(&img);
    g_object_unref(t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/texture-image/argb32", test_argb32);
    g_test_add_func("/texture-image/texture", test_texture);
    return g_test_run();
}

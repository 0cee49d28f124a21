/* JPEG decoding and encoding (libjpeg-turbo).
 *
 * Decoding is bounded before any pixel is produced: the declared size against
 * the pixel cap, libjpeg's working memory against PP_IMAGE_MAX_DECODER_BYTES
 * (a progressive file keeps every coefficient until its last scan), and the
 * number of progressive scans (each rereads every block; libjpeg-turbo 2.1
 * has no limit of its own, so a progress monitor counts them). Every libjpeg
 * warning (premature end of data, corrupt entropy data, ...) is an error:
 * libjpeg would fill the rest with grey and a network would classify it. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h> /* after stdio.h: it uses FILE and size_t */
#include <jerror.h>

#include "../atomic_file.h"
#include "image_codec.h"
#include "jpeg_lossy.h"

typedef struct {
    struct jpeg_error_mgr base;
    struct jpeg_progress_mgr progress;
    jmp_buf escape;
    char message[JMSG_LENGTH_MAX + 64];
} jpeg_error_trap;

static void jpeg_error_exit(j_common_ptr cinfo)
{
    jpeg_error_trap *trap = (jpeg_error_trap *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    cinfo->err->format_message(cinfo, text);
    if (cinfo->err->msg_code == JERR_NO_BACKING_STORE)
        snprintf(trap->message, sizeof trap->message, "needs more than %ld MB of decoder memory",
                 PP_IMAGE_MAX_DECODER_BYTES >> 20);
    else
        snprintf(trap->message, sizeof trap->message, "%s", text);
    longjmp(trap->escape, 1);
}

/* Level -1 is a warning: corrupt or missing data that libjpeg papers over. */
static void jpeg_warning_is_error(j_common_ptr cinfo, int level)
{
    if (level < 0)
        jpeg_error_exit(cinfo);
}

static void jpeg_count_scans(j_common_ptr cinfo)
{
    jpeg_error_trap *trap = (jpeg_error_trap *)cinfo->err;
    int scans = ((j_decompress_ptr)cinfo)->input_scan_number;
    if (scans > PP_IMAGE_MAX_JPEG_SCANS) {
        snprintf(trap->message, sizeof trap->message, "more than %d progressive scans",
                 PP_IMAGE_MAX_JPEG_SCANS);
        longjmp(trap->escape, 1);
    }
}

static void jpeg_trap_init(jpeg_error_trap *trap)
{
    jpeg_std_error(&trap->base);
    trap->base.error_exit = jpeg_error_exit;
    trap->base.emit_message = jpeg_warning_is_error;
    memset(&trap->progress, 0, sizeof trap->progress);
    trap->progress.progress_monitor = jpeg_count_scans;
    trap->message[0] = '\0';
}

pp_status pp_image_decode_jpeg(const uint8_t *data, size_t len, const char *name, pp_image *img,
                               pp_error *err)
{
    struct jpeg_decompress_struct cinfo;
    jpeg_error_trap trap;
    memset(img, 0, sizeof *img);
    jpeg_trap_init(&trap);
    cinfo.err = &trap.base;
    if (setjmp(trap.escape)) {
        jpeg_destroy_decompress(&cinfo);
        pp_image_free(img);
        return pp_fail(err, PP_ERR_FORMAT, "%s: cannot decode JPEG: %s", name, trap.message);
    }
    jpeg_create_decompress(&cinfo);
    cinfo.mem->max_memory_to_use = PP_IMAGE_MAX_DECODER_BYTES;
    cinfo.progress = &trap.progress;
    jpeg_mem_src(&cinfo, data, (unsigned long)len);
    jpeg_read_header(&cinfo, TRUE);
    pp_status st = pp_image_check_size(name, "JPEG", cinfo.image_width, cinfo.image_height, err);
    if (st != PP_OK) {
        jpeg_destroy_decompress(&cinfo);
        return st;
    }
    int channels = cinfo.jpeg_color_space == JCS_GRAYSCALE ? 1 : 3;
    cinfo.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    st = pp_image_alloc(img, (int)cinfo.output_width, (int)cinfo.output_height, channels, err);
    if (st != PP_OK) {
        jpeg_destroy_decompress(&cinfo);
        return st;
    }
    size_t stride = (size_t)img->width * channels;
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = img->pixels + cinfo.output_scanline * stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo); /* reads to EOI: a truncated tail warns, so fails */
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
    jpeg_trap_init(&trap);
    cinfo.err = &trap.base;
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
    /* RGB: the same bytes without the file (jpeg_lossy.c); gray through libjpeg */
    if (img->channels == 3)
        return pp_jpeg_lossy_roundtrip(img, quality, err);
    uint8_t *buf;
    size_t len;
    pp_status st = pp_image_encode_jpeg(img, quality, &buf, &len, err);
    if (st != PP_OK)
        return st;
    pp_image decoded;
    st = pp_image_decode_jpeg(buf, len, "in-memory JPEG", &decoded, err);
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

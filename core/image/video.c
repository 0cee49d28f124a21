#include "video.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "image_codec.h"

typedef struct {
    AVFormatContext *fmt;
    AVCodecContext *dec;
    AVFrame *frame;
    AVPacket *pkt;
    struct SwsContext *sws;
    int stream;
    uint8_t *pixels; /* (n, h, w, 3) growing */
    int n, cap, width, height, max_frames;
} video_reader;

static pp_status av_fail(pp_error *err, const char *path, const char *what, int code)
{
    char text[AV_ERROR_MAX_STRING_SIZE] = "";
    av_strerror(code, text, sizeof text);
    return pp_fail(err, code == AVERROR(ENOMEM) ? PP_ERR_NOMEM : PP_ERR_FORMAT, "%s: %s (%s)", path, what, text);
}

/* Converts the decoded frame to RGB24 and appends it. */
static pp_status keep_frame(video_reader *r, const char *path, pp_error *err)
{
    const AVFrame *f = r->frame;
    if (r->n == 0) {
        pp_status st = pp_image_check_size(path, "video", (uint64_t)f->width, (uint64_t)f->height, err);
        if (st)
            return st;
        r->width = f->width, r->height = f->height;
    } else if (f->width != r->width || f->height != r->height) {
        return pp_fail(err, PP_ERR_FORMAT, "%s: frame %d is %dx%d, the first was %dx%d", path, r->n, f->width,
                       f->height, r->width, r->height);
    }
    if (r->n >= r->max_frames)
        return pp_fail(err, PP_ERR_FORMAT, "%s: more than %d frames", path, r->max_frames);
    size_t per = (size_t)r->width * r->height * 3;
    if (r->n == r->cap) {
        int cap = r->cap ? 2 * r->cap : 32;
        uint8_t *p = realloc(r->pixels, per * (size_t)cap);
        if (!p)
            return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory for %d frames", path, cap);
        r->pixels = p, r->cap = cap;
    }
    /* SWS_BICUBIC, as OpenCV's FFmpeg backend (the official loader) converts */
    r->sws = sws_getCachedContext(r->sws, f->width, f->height, (enum AVPixelFormat)f->format, f->width, f->height,
                                  AV_PIX_FMT_RGB24, SWS_BICUBIC, NULL, NULL,
                                  NULL);
    if (!r->sws)
        return pp_fail(err, PP_ERR_UNSUPPORTED, "%s: cannot convert pixel format %d to RGB", path, f->format);
    uint8_t *dst[4] = {r->pixels + per * (size_t)r->n, NULL, NULL, NULL};
    int stride[4] = {r->width * 3, 0, 0, 0};
    if (sws_scale(r->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst, stride) != f->height)
        return pp_fail(err, PP_ERR_FORMAT, "%s: frame %d did not convert", path, r->n);
    r->n++;
    return PP_OK;
}

/* Takes every frame the decoder has ready. */
static pp_status drain(video_reader *r, const char *path, pp_error *err)
{
    for (;;) {
        int rc = avcodec_receive_frame(r->dec, r->frame);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
            return PP_OK;
        if (rc < 0)
            return av_fail(err, path, "cannot decode a frame", rc);
        pp_status st = keep_frame(r, path, err);
        av_frame_unref(r->frame);
        if (st)
            return st;
    }
}

static pp_status read_all(video_reader *r, const char *path, pp_error *err)
{
    /* MP4 only, probed by nothing else: FFmpeg would otherwise read a text file as
     * ANSI art (the tty demuxer) or reach for any of its other demuxers */
    const AVInputFormat *mp4 = av_find_input_format("mp4");
    if (!mp4)
        return pp_fail(err, PP_ERR_UNSUPPORTED, "%s: this FFmpeg has no MP4 demuxer", path);
    int rc = avformat_open_input(&r->fmt, path, mp4, NULL);
    if (rc < 0) {
        r->fmt = NULL;
        return rc == AVERROR(ENOENT) ? pp_fail(err, PP_ERR_IO, "%s: no such file", path)
                                     : av_fail(err, path, "not a readable video", rc);
    }
    if ((rc = avformat_find_stream_info(r->fmt, NULL)) < 0)
        return av_fail(err, path, "no stream information", rc);
    const AVCodec *codec = NULL;
    r->stream = av_find_best_stream(r->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (r->stream < 0 || !codec)
        return pp_fail(err, PP_ERR_FORMAT, "%s: no video stream that can be decoded", path);
    if (codec->id != AV_CODEC_ID_H264) /* ImageNet-P's codec; no other decoder sees the data */
        return pp_fail(err, PP_ERR_UNSUPPORTED, "%s: the video is %s, not H.264", path, codec->name);
    r->dec = avcodec_alloc_context3(codec);
    r->frame = av_frame_alloc();
    r->pkt = av_packet_alloc();
    if (!r->dec || !r->frame || !r->pkt)
        return pp_fail(err, PP_ERR_NOMEM, "%s: out of memory for the decoder", path);
    if ((rc = avcodec_parameters_to_context(r->dec, r->fmt->streams[r->stream]->codecpar)) < 0 ||
        (rc = avcodec_open2(r->dec, codec, NULL)) < 0)
        return av_fail(err, path, "cannot open the decoder", rc);
    r->dec->thread_count = 1; /* one sequence per worker: the caller parallelises */
    pp_status st = PP_OK;
    while (!st && (rc = av_read_frame(r->fmt, r->pkt)) >= 0) {
        if (r->pkt->stream_index == r->stream) {
            int sent = avcodec_send_packet(r->dec, r->pkt);
            if (sent < 0 && sent != AVERROR(EAGAIN))
                st = av_fail(err, path, "corrupt video data", sent);
            else
                st = drain(r, path, err);
        }
        av_packet_unref(r->pkt);
    }
    if (st)
        return st;
    if (rc != AVERROR_EOF)
        return av_fail(err, path, "cannot read the file", rc);
    avcodec_send_packet(r->dec, NULL); /* flush the frames held back */
    if ((st = drain(r, path, err)))
        return st;
    if (r->n == 0)
        return pp_fail(err, PP_ERR_FORMAT, "%s: no frames could be decoded", path);
    return PP_OK;
}

pp_status pp_video_load(const char *path, int max_frames, pp_sequence *out, pp_error *err)
{
    *out = (pp_sequence){0};
    av_log_set_level(AV_LOG_QUIET); /* errors come back as messages, not on stderr */
    video_reader r = {.max_frames = max_frames > 0 && max_frames < PP_VIDEO_MAX_FRAMES ? max_frames : PP_VIDEO_MAX_FRAMES};
    pp_status st = read_all(&r, path, err);
    sws_freeContext(r.sws);
    av_packet_free(&r.pkt);
    av_frame_free(&r.frame);
    avcodec_free_context(&r.dec);
    avformat_close_input(&r.fmt);
    if (st) {
        free(r.pixels);
        return st;
    }
    *out = (pp_sequence){.n = r.n, .width = r.width, .height = r.height, .channels = 3, .pixels = r.pixels};
    return PP_OK;
}

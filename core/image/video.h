/* Reading a whole short video (an ImageNet-P sequence: one MP4 of H.264 frames per
 * image) into 8-bit RGB frames with FFmpeg's libraries (libavformat, libavcodec,
 * libswscale), as the official loader's cv2.VideoCapture with BGR -> RGB does.
 * The file is hostile: sizes and counts are capped, every frame must have the first
 * frame's size, and any decoding failure is an error naming the file. */
#ifndef PP_VIDEO_H
#define PP_VIDEO_H

#include "../perturb/perturbation.h"
#include "../status.h"

#define PP_VIDEO_MAX_FRAMES 4096

/* All frames of the first video stream, RGB (3 channels). At most max_frames (<= 0:
 * PP_VIDEO_MAX_FRAMES); more is an error. */
pp_status pp_video_load(const char *path, int max_frames, pp_sequence *out, pp_error *err);

#endif

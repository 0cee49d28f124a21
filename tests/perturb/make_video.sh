#!/bin/bash
# The small H.264 sequence for the video reader test, encoded as make_imagenet_p.py
# encodes ImageNet-P (PNG frames at 1 frame per second, libx264 -crf 20 -preset
# veryslow), with Debian's ffmpeg. Also writes what ffmpeg itself decodes from it as
# raw RGB24, for the test to hold our libavcodec reader against.
#   tests/fixtures/perturb/seq_64x48.mp4   7 frames of testsrc2, 64x48
#   tests/fixtures/perturb/seq_64x48.rgb   (7, 48, 64, 3) uint8
set -euo pipefail
out="$(cd "$(dirname "$0")/../fixtures/perturb" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
ffmpeg -v error -f lavfi -i testsrc2=size=64x48:rate=1 -frames:v 7 "$tmp/img%01d.png"
ffmpeg -v error -r 1 -framerate 1 -start_number 1 -i "$tmp/img%01d.png" -vcodec libx264 -crf 20 -preset veryslow \
  -y "$out/seq_64x48.mp4"
ffmpeg -v error -i "$out/seq_64x48.mp4" -f rawvideo -pix_fmt rgb24 -y "$out/seq_64x48.rgb"
ffprobe -v error -show_entries stream=pix_fmt,nb_frames,width,height -of compact "$out/seq_64x48.mp4"

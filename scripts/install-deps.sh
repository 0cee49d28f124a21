#!/bin/bash
# Installs the Debian packages PushPull Studio builds and tests with.
# Runs apt-get as root (or through sudo); skips the install when all are present.
set -euo pipefail
packages=(
  gcc meson ninja-build pkg-config
  libopenblas-dev libfftw3-dev libpng-dev libjpeg62-turbo-dev zlib1g-dev libjansson-dev libzip-dev
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev ffmpeg
  libgtk-4-dev libadwaita-1-dev xvfb xauth dbus-x11 appstream
  poppler-utils librsvg2-bin xdotool desktop-file-utils shared-mime-info
  clang libclang-rt-14-dev
  dataset-fashion-mnist
  python3-numpy python3-pil # the CLI tests read .npy fixtures and check PNGs with them
  slurmctld slurmd slurm-client munge
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}"

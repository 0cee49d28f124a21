#!/usr/bin/python3
"""Damage statistics of the reference for the random corruptions that tests/corrupt
checks statistically: the mean PSNR (clean vs corrupted) over many seeds of numpy's
global Mersenne Twister, as the reference scripts draw them. Our draws cannot be the
reference's, so test_corrupt.c compares its own mean over its own seeds with these.

The reference algorithms are re-implemented here from docs/spec/corruptions.md with
numpy, scipy, scikit-image, OpenCV and ImageMagick (python3-wand), not with our code:
  snow, CIFAR-10-C severity 4, 32x32 (Hendrycks' make_cifar_c.py): normal field,
    clipped zoom trimmed about the centre to 32x32, threshold, 8-bit PNG, ImageMagick's
    MotionBlurImage (Q16, written back as an 8-bit PNG), blend, np.uint8.
  spatter, ImageNet-C severity 1, 224x224 (make_imagenet_c.py = imagecorruptions at
    s1): normal field, skimage gaussian, threshold, water branch with OpenCV (Canny,
    distance transform, equalizeHist, emboss filter2D, 3x3 blurs), np.uint8.
Without python3-wand the ImageMagick blur is emulated in numpy (the same taps; the
float result rounded to 16 bits and truncated to 8, which matched ImageMagick 6.9.11 Q16
on every pixel we tried).

The input is the test's synth() picture (same formula, glibc's sin/cos through math).

Run with Debian's python: /usr/bin/python3 tests/corrupt/make_damage_fixtures.py
Writes tests/fixtures/corrupt/damage_stats.txt: one line per case,
  name preset severity side seeds mean_psnr std_error input_sum
(input_sum: the sum of the input's bytes, so the test knows it draws the same picture)
"""
import io
import math
import os
import sys

import cv2
import numpy as np
from PIL import Image
from scipy.ndimage import zoom as scizoom
from skimage.filters import gaussian

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'corrupt',
                   'damage_stats.txt')

try:
    import ctypes
    from wand.api import library as magick
    from wand.image import Image as WandImage
    magick.MagickMotionBlurImage.argtypes = (ctypes.c_void_p, ctypes.c_double, ctypes.c_double,
                                             ctypes.c_double)
    HAVE_WAND = True
except ImportError:
    HAVE_WAND = False


def synth(w, h, c):
    """test_corrupt.c's synth(): uint8 truncation of a sum of sines."""
    img = np.zeros((h, w, c), np.uint8)
    for y in range(h):
        for x in range(w):
            for k in range(c):
                v = 128 + 60 * math.sin(0.31 * x + 1.3 * k) * math.cos(0.17 * y) + 30 * math.sin(0.05 * (x + 2 * y))
                img[y, x, k] = int(v)
    return img


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 99.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def magick_motion_blur(u8, radius, sigma, angle):
    """ImageMagick's MotionBlurImage on an 8-bit gray picture -> 8-bit result."""
    if HAVE_WAND:
        buf = io.BytesIO()
        Image.fromarray(u8, mode='L').save(buf, format='PNG')
        with WandImage(blob=buf.getvalue()) as im:
            magick.MagickMotionBlurImage(im.wand, radius, sigma, angle)
            blob = im.make_blob()
        return cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_UNCHANGED)
    width = 2 * int(math.ceil(radius)) + 1
    k = np.exp(-np.arange(width) ** 2 / (2.0 * sigma * sigma))
    k /= k.sum()
    a = math.radians(angle)
    h, w = u8.shape
    ys, xs = np.mgrid[0:h, 0:w]
    acc = np.zeros((h, w))
    for i in range(width):  # tap i reads (x + ceil(i cos - 1/2), y + ceil(i sin - 1/2)), edge pixels outside
        ox, oy = math.ceil(i * math.cos(a) - 0.5), math.ceil(i * math.sin(a) - 0.5)
        acc += k[i] * u8[np.clip(ys + oy, 0, h - 1), np.clip(xs + ox, 0, w - 1)]
    q = np.clip(np.round(acc / 255.0 * 65535), 0, 65535).astype(np.int64)
    return (q // 257).astype(np.uint8)


def zoom_centre(layer, z):
    """make_cifar_c.py's clipped_zoom: centre crop of ceil(h / z), linear zoom, centre trim."""
    h = layer.shape[0]
    ch = int(np.ceil(h / z))
    top = (h - ch) // 2
    out = scizoom(layer[top:top + ch, top:top + ch], (z, z), order=1)
    t = (out.shape[0] - h) // 2
    return out[t:t + h, t:t + h]


def snow_cifar(img, c):
    mean, std, z, thr, radius, sigma, weight = c
    x = img.astype(np.float32) / 255.0
    layer = np.random.normal(size=x.shape[:2], loc=mean, scale=std)
    layer = zoom_centre(layer, z)
    layer[layer < thr] = 0
    u8 = (np.clip(layer, 0, 1) * 255).astype(np.uint8)
    s = magick_motion_blur(u8, radius, sigma, np.random.uniform(-135, -45)) / 255.0
    s = s[..., None]
    gray = cv2.cvtColor(x, cv2.COLOR_RGB2GRAY)[..., None]
    x = weight * x + (1 - weight) * np.maximum(x, gray * 1.5 + 0.5)
    return np.uint8(np.clip(x + s + np.rot90(s, k=2), 0, 1) * 255)


def spatter_water(img, c):
    mean, std, sigma, thr, intensity = c
    x = img.astype(np.float32) / 255.0
    liquid = gaussian(np.random.normal(size=x.shape[:2], loc=mean, scale=std), sigma=sigma)
    liquid[liquid < thr] = 0
    l8 = (liquid * 255).astype(np.uint8)
    dist = cv2.distanceTransform(255 - cv2.Canny(l8, 50, 150), cv2.DIST_L2, 5)
    dist = np.minimum(dist, 20)
    dist = cv2.equalizeHist(cv2.blur(dist, (3, 3)).astype(np.uint8))
    emboss = np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])
    dist = cv2.blur(cv2.filter2D(dist, cv2.CV_8U, emboss), (3, 3)).astype(np.float32)
    m = l8 * dist
    m = m / np.max(m) * intensity
    water = np.array([175, 238, 238], np.float32) / 255.0
    return np.uint8(np.clip(x + m[..., None] * water, 0, 1) * 255)


CASES = [
    # name, preset, severity, side, seeds, function, published parameters
    ('snow', 'cifar', 4, 32, 4000, snow_cifar, (0.25, 0.3, 2.25, 0.6, 12, 6, 0.85)),
    ('spatter', 'imagenet', 1, 224, 1500, spatter_water, (0.65, 0.3, 4, 0.69, 0.6)),
]


def main():
    lines = ['# Reference damage: mean PSNR (dB, clean vs corrupted) over numpy seeds 0..seeds-1',
             '# on test_corrupt.c synth(side, side, 3); written by tests/corrupt/make_damage_fixtures.py',
             '# (ImageMagick blur: %s)' % ('python3-wand' if HAVE_WAND else 'numpy emulation'),
             '# name preset severity side seeds mean_psnr std_error input_sum']
    for name, preset, sev, side, seeds, fn, c in CASES:
        img = synth(side, side, 3)
        v = []
        for k in range(seeds):
            np.random.seed(k)
            v.append(psnr(fn(img, c), img))
        v = np.array(v)
        line = '%s %s %d %d %d %.4f %.4f %d' % (name, preset, sev, side, seeds, v.mean(),
                                                v.std(ddof=1) / np.sqrt(seeds), int(img.sum()))
        print(line, ' (median %.2f, 10-90%%: %.2f-%.2f)' % (np.median(v), *np.percentile(v, [10, 90])))
        sys.stdout.flush()
        lines.append(line)
    with open(OUT, 'w') as f:
        f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""Fixtures for tests/corrupt: the deterministic corruptions computed with the
reference formulas (re-implemented here from docs/spec/corruptions.md with numpy, scipy,
scikit-image, OpenCV and PIL, not with our code) on a small synthetic image.

Run with Debian's python: /usr/bin/python3 tests/corrupt/make_fixtures.py
Writes tests/fixtures/corrupt/*.npy (uint8):
  input_rgb.npy (32, 32, 3), input_gray.npy (32, 32)
  <name>_<preset>.npy (5, 32, 32, 3): severities 1..5 on input_rgb
  <name>_gray.npy (5, 32, 32): CIFAR severities on input_gray
  input_odd_rgb.npy (37, 41, 3), <name>_odd.npy (5, 37, 41, 3): ImageNet severities of
  pixelate and jpeg_compression on a size that is no multiple of 2, 8 or 16 (PIL's
  NEAREST rounding of exact half-way rows; JPEG's edge padding)
At 32x32 the CIFAR preset's pixel lengths are used as published (scale 1); the
ImageNet tables are only used for the corruptions without lengths.
"""
import io
import os

import cv2
import numpy as np
import skimage.color
from PIL import Image
from scipy.ndimage import zoom as scizoom

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'corrupt')

P = {
    'brightness': {'imagenet': [.1, .2, .3, .4, .5], 'cifar': [.05, .1, .15, .2, .3]},
    'contrast': {'imagenet': [.4, .3, .2, .1, .05], 'cifar': [.75, .5, .4, .3, .15]},
    'pixelate': {'imagenet': [.6, .5, .4, .3, .25], 'cifar': [.95, .9, .85, .75, .65]},
    'jpeg_compression': {'imagenet': [25, 18, 15, 10, 7], 'cifar': [80, 65, 58, 50, 40]},
    'zoom_blur': {'imagenet': [np.arange(1, 1.11, .01), np.arange(1, 1.16, .01), np.arange(1, 1.21, .02),
                               np.arange(1, 1.26, .02), np.arange(1, 1.31, .03)],
                  'cifar': [np.arange(1, 1.06, .01), np.arange(1, 1.11, .01), np.arange(1, 1.16, .01),
                            np.arange(1, 1.21, .01), np.arange(1, 1.26, .01)]},
    'defocus_blur': {'cifar': [(.3, .4), (.4, .5), (.5, .6), (1, .2), (1.5, .1)]},
}


def brightness(x, c):
    x = x / 255.
    if x.ndim == 2:
        return np.clip(x + c, 0, 1) * 255
    x = skimage.color.rgb2hsv(x)
    x[:, :, 2] = np.clip(x[:, :, 2] + c, 0, 1)
    return np.clip(skimage.color.hsv2rgb(x), 0, 1) * 255


def contrast(x, c):
    x = x / 255.
    means = np.mean(x, axis=(0, 1), keepdims=True)
    return np.clip((x - means) * c + means, 0, 1) * 255


def pixelate(x, c):
    im = Image.fromarray(x)
    w, h = im.size
    im = im.resize((int(w * c), int(h * c)), Image.BOX)
    return np.asarray(im.resize((w, h), Image.NEAREST))


def jpeg(x, q):
    im = Image.fromarray(x)
    gray = im.mode != 'RGB'
    if gray:
        im = im.convert('RGB')
    buf = io.BytesIO()
    im.save(buf, 'JPEG', quality=q)
    im = Image.open(buf)
    if gray:
        im = im.convert('L')
    return np.asarray(im)


def clipped_zoom(img, z):
    ch0 = int(np.ceil(img.shape[0] / z))
    top0 = (img.shape[0] - ch0) // 2
    ch1 = int(np.ceil(img.shape[1] / z))
    top1 = (img.shape[1] - ch1) // 2
    return scizoom(img[top0:top0 + ch0, top1:top1 + ch1], (z, z, 1), order=1)


def zoom_blur(x, factors):
    gray = x.ndim == 2
    x = (x / 255.).astype(np.float32)
    x3 = np.stack([x] * 3, 2) if gray else x
    out = np.zeros_like(x3)
    for z in factors:
        out += clipped_zoom(x3, z)[:x3.shape[0], :x3.shape[1], :]
    r = np.clip((x3 + out) / (len(factors) + 1), 0, 1) * 255
    return r[..., 0] if gray else r


def disk(radius, alias_blur):
    if radius <= 8:
        L, ksize = np.arange(-8, 8 + 1), (3, 3)
    else:
        L, ksize = np.arange(-radius, radius + 1), (5, 5)
    X, Y = np.meshgrid(L, L)
    d = np.array((X ** 2 + Y ** 2) <= radius ** 2, dtype=np.float32)
    d /= np.sum(d)
    return cv2.GaussianBlur(d, ksize=ksize, sigmaX=alias_blur)


def defocus(x, c):
    x = x / 255.
    k = disk(c[0], c[1])
    if x.ndim == 2:
        return np.clip(cv2.filter2D(x, -1, k), 0, 1) * 255
    return np.clip(np.stack([cv2.filter2D(x[:, :, d], -1, k) for d in range(3)], 2), 0, 1) * 255


FN = {'brightness': brightness, 'contrast': contrast, 'pixelate': pixelate,
      'jpeg_compression': jpeg, 'zoom_blur': zoom_blur, 'defocus_blur': defocus}


def main():
    os.makedirs(OUT, exist_ok=True)
    y, x = np.mgrid[0:32, 0:32] / 32.0
    rng = np.random.default_rng(4)
    rgb = np.stack([255 * (x + y) / 2, 128 + 100 * np.sin(9 * x) * np.cos(7 * y), 255 * ((3 * x) % 1)], 2)
    rgb = np.clip(rgb + rng.normal(0, 12, rgb.shape), 0, 255).astype(np.uint8)
    gray = np.asarray(Image.fromarray(rgb).convert('L'))
    np.save(os.path.join(OUT, 'input_rgb.npy'), rgb)
    np.save(os.path.join(OUT, 'input_gray.npy'), gray)
    for name, presets in P.items():
        for preset, values in presets.items():
            out = np.stack([np.uint8(FN[name](rgb, v)) for v in values])
            np.save(os.path.join(OUT, '%s_%s.npy' % (name, preset)), out)
        out = np.stack([np.uint8(FN[name](gray, v)) for v in presets['cifar']])
        np.save(os.path.join(OUT, '%s_gray.npy' % name), out)
    odd = np.random.default_rng(5).integers(0, 256, (18, 20, 3)).astype(np.uint8)
    odd = np.asarray(Image.fromarray(odd).resize((41, 37), Image.BILINEAR))  # smooth, with edges
    np.save(os.path.join(OUT, 'input_odd_rgb.npy'), odd)
    for name in ('pixelate', 'jpeg_compression'):
        out = np.stack([np.uint8(FN[name](odd, v)) for v in P[name]['imagenet']])
        np.save(os.path.join(OUT, '%s_odd.npy' % name), out)


if __name__ == '__main__':
    main()

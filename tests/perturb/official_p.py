#!/usr/bin/python3
"""A re-implementation of the official ImageNet-P / CIFAR-10-P generators
(hendrycks/robustness ImageNet-P/create_p/make_imagenet_p.py and make_cifar_p.py),
written from those scripts with numpy, scipy, scikit-image, OpenCV, PIL and torch,
not with our code. Two substitutions, both because the original libraries are not
Debian's: ImageMagick's MotionBlurImage is the numpy re-implementation of
imagecorruptions (the one our corruption tests use too), and torchvision 0.2's
functional.affine (the release the scripts ran on; Debian's 0.14 centres
differently) is its inverse matrix handed to PIL's Image.transform, which is all
0.2's affine did.

Used by tests/perturb/make_reference.py (the committed sequence statistics) and by
bench/perturb_vs_reference.py (the peer of the generation benchmark).
"""
import io
import math

import cv2
import numpy as np
import skimage.color as skcolor
import torch
from PIL import Image
from scipy.ndimage import zoom as scizoom
from skimage.filters import gaussian

FRAMES = {  # (ImageNet-P, CIFAR-10-P)
    'gaussian_noise': (31, 31), 'shot_noise': (31, 31), 'motion_blur': (31, 21), 'zoom_blur': (31, 31),
    'snow': (31, 31), 'brightness': (31, 31), 'translate': (41, 16), 'rotate': (31, 31), 'tilt': (31, 31),
    'scale': (31, 31), 'speckle_noise': (31, 31), 'gaussian_blur': (31, 31), 'spatter': (31, 31), 'shear': (31, 31),
}
GEOMETRIC = {'zoom_blur', 'translate', 'rotate', 'tilt', 'scale', 'shear'}


def tv02_affine(img, angle, translate, scale, shear, resample=Image.NEAREST):
    """torchvision 0.2.x functional.affine."""
    w, h = img.size
    center = (w * 0.5 + 0.5, h * 0.5 + 0.5)
    a, s, inv = math.radians(angle), math.radians(shear), 1.0 / scale
    d = math.cos(a + s) * math.cos(a) + math.sin(a + s) * math.sin(a)
    m = [math.cos(a + s), math.sin(a + s), 0, -math.sin(a), math.cos(a), 0]
    m = [inv / d * v for v in m]
    m[2] += m[0] * (-center[0] - translate[0]) + m[1] * (-center[1] - translate[1])
    m[5] += m[3] * (-center[0] - translate[0]) + m[4] * (-center[1] - translate[1])
    m[2] += center[0]
    m[5] += center[1]
    return img.transform((w, h), Image.AFFINE, m, resample)


def center_crop(img, size):
    w, h = img.size
    top, left = int(round((h - size) / 2.)), int(round((w - size) / 2.))
    return img.crop((left, top, left + size, top + size))


def magick_motion_blur(u8, radius, sigma, angle):
    """imagecorruptions' _motion_blur of an (h, w[, c]) 8-bit picture, Q16 then 8 bits."""
    width = 2 * int(radius) + 1
    k = np.exp(-np.arange(width) ** 2 / (2.0 * sigma * sigma))
    k /= k.sum()
    a = math.radians(angle)
    h, w = u8.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w]
    acc = np.zeros(u8.shape)
    for i in range(width):
        ox, oy = math.ceil(i * math.cos(a) - 0.5), math.ceil(i * math.sin(a) - 0.5)
        if abs(oy) >= h or abs(ox) >= w:
            break
        acc += k[i] * u8[np.clip(ys + oy, 0, h - 1), np.clip(xs + ox, 0, w - 1)]
    q = np.clip(np.round(acc / 255.0 * 65535), 0, 65535).astype(np.int64)
    return (q // 257).astype(np.uint8)


def clipped_zoom(img, zoom_factor):
    h = img.shape[0]
    ch = int(np.ceil(h / zoom_factor))
    top = (h - ch) // 2
    img = scizoom(img[top:top + ch, top:top + ch], (zoom_factor, zoom_factor, 1), order=1)
    trim_top = (img.shape[0] - h) // 2
    return img[trim_top:trim_top + h, trim_top:trim_top + h]


def brightness(x, c):
    x = np.array(x, copy=True) / 255.
    x = skcolor.rgb2hsv(x)
    x[:, :, 2] = np.clip(x[:, :, 2] + c, 0, 1)
    return np.uint8(skcolor.hsv2rgb(x) * 255)


def to_u8(t):
    return np.uint8(t.numpy().transpose(1, 2, 0) * 255)


def tilt_matrix(ang, w, h):
    f = np.sqrt(w ** 2 + h ** 2)
    P1 = np.array([[1, 0, -w / 2], [0, 1, -h / 2], [0, 0, 1], [0, 0, 1]])
    RX = np.array([[1, 0, 0, 0], [0, np.cos(ang), -np.sin(ang), 0], [0, np.sin(ang), np.cos(ang), 0], [0, 0, 0, 1]])
    RY = np.array([[np.cos(ang), 0, -np.sin(ang), 0], [0, 1, 0, 0], [np.sin(ang), 0, np.cos(ang), 0], [0, 0, 0, 1]])
    T = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, f], [0, 0, 0, 1]])
    P2 = np.array([[f, 0, w / 2, 0], [0, f, h / 2, 0], [0, 0, 1, 0]])
    return P2 @ T @ RX @ RY @ P1


def spatter_frames(x_u8, n, loc, scale, sigma, thr, kernel):
    x = cv2.cvtColor(np.array(x_u8, dtype=np.float32) / 255., cv2.COLOR_BGR2BGRA)
    liquid = np.random.normal(size=x.shape[:2], loc=loc, scale=scale)
    liquid = gaussian(liquid, sigma=sigma)
    liquid[liquid < thr] = 0
    seq = []
    for _ in range(n):
        li = (liquid * 255).astype(np.uint8)
        dist = 255 - cv2.Canny(li, 50, 150)
        dist = cv2.distanceTransform(dist, cv2.DIST_L2, 5)
        _, dist = cv2.threshold(dist, 20, 20, cv2.THRESH_TRUNC)
        dist = cv2.blur(dist, (3, 3)).astype(np.uint8)
        dist = cv2.equalizeHist(dist)
        ker = np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])
        dist = cv2.filter2D(dist, cv2.CV_8U, ker)
        dist = cv2.blur(dist, (3, 3)).astype(np.float32)
        m = cv2.cvtColor(li * dist, cv2.COLOR_GRAY2BGRA)
        with np.errstate(invalid="ignore"):  # no liquid left: 0 / 0, a black frame in the
            m = np.nan_to_num(m / np.max(m, axis=(0, 1)))  # official data; counted as dry here
        m *= 0.6
        color = np.concatenate((175 / 255. * np.ones_like(m[..., :1]), 238 / 255. * np.ones_like(m[..., :1]),
                                238 / 255. * np.ones_like(m[..., :1])), axis=2)
        color = cv2.cvtColor(color, cv2.COLOR_BGR2BGRA)
        seq.append(np.uint8(cv2.cvtColor(np.clip(x + m * color, 0, 1), cv2.COLOR_BGRA2BGR) * 255))
        liquid = np.apply_along_axis(lambda col: np.convolve(col, np.array(kernel), mode='same'), axis=0, arr=liquid)
    return seq


def snow_frames(x_u8, n, size, zoom, radius, sigma):
    x = np.array(x_u8) / 255.
    layer = np.random.normal(size=(size, size), loc=0.05, scale=0.3)
    layer = clipped_zoom(layer[..., np.newaxis], zoom)
    layer[layer < 0.5] = 0
    layer = (np.clip(layer.squeeze(), 0, 1) * 255).astype(np.uint8)  # the 'L' PNG
    seq = []
    for i in range(n):
        s = magick_motion_blur(layer, radius, sigma, i * 4 - 150) / 255.
        s = s[..., np.newaxis]
        z = 0.85 * x + 0.15 * np.maximum(x, cv2.cvtColor(np.float32(x), cv2.COLOR_RGB2GRAY).reshape(size, size, 1)
                                         * 1.5 + 0.5)
        seq.append(np.uint8(np.clip(z + s + np.rot90(s, k=2), 0, 1) * 255))
    return seq


def sequence(name, img, cifar, level=1):
    """The frames (list of uint8 (h, w, 3)) of perturbation `name` of a PIL RGB image:
    ImageNet-P from any image (Resize(256) here), CIFAR-10-P from a 32x32 one."""
    import torchvision.transforms as trn
    if cifar:
        big, size = img, img.size[0]
        crop = img
    else:
        big, size = trn.Resize(256)(img), 224
        crop = center_crop(big, 224)
    n = FRAMES[name][1 if cifar else 0]
    out = lambda pil: np.array(center_crop(pil, size))
    L = level - 1
    if name == 'gaussian_noise':
        x = trn.ToTensor()(crop)
        sd = [.02, .04, .06][L] if cifar else [.03, .05, .08][L]
        return [np.array(crop)] + [to_u8(torch.clamp(x + sd * torch.randn_like(x), 0, 1)) for _ in range(1, n)]
    if name == 'shot_noise':
        lam = [700, 400, 200][L] if cifar else [300, 120, 60][L]
        z = np.array(crop) / 255.
        return [np.array(crop)] + [np.uint8(255 * np.clip(np.random.poisson(z * lam) / lam, 0, 1)) for _ in range(1, n)]
    if name == 'speckle_noise':
        sd = [.05, .07, .10][L] if cifar else [.05, .10, .15][L]
        x = np.array(crop) / 255.
        return [np.array(crop)] + [np.uint8(255 * np.clip(x + x * np.random.normal(size=x.shape, scale=sd), 0, 1))
                                   for _ in range(1, n)]
    if name == 'motion_blur':
        u8 = np.array(crop)
        if cifar:
            return [magick_motion_blur(u8, 6, 1.8, (i - 20) * 9) for i in range(n)]
        return [magick_motion_blur(u8, 10, 3, (i - 30) * 4) for i in range(n)]
    if name == 'zoom_blur':
        avg = trn.ToTensor()(crop)
        seq = [np.array(crop)]
        for i in range(1, n):
            z = center_crop(tv02_affine(big, 0, (0, 0), 1 + 0.004 * i, 0, Image.BILINEAR), size)
            avg += trn.ToTensor()(z)
            seq.append(np.array(trn.ToPILImage()(avg / (i + 1))))
        return seq
    if name == 'snow':
        return snow_frames(crop, n, size, 2 if cifar else 3, 10 if cifar else 14, 2 if cifar else 4)
    if name == 'brightness':
        step = 1.5 / 100 if cifar else 2 / 100
        return [brightness(crop, (i - 15) * step) for i in range(n)]
    if name == 'translate':
        c = 7 if cifar else 20
        return [out(tv02_affine(big, 0, (i - c, 0), 1, 0)) for i in range(n)]
    if name == 'rotate':
        return [out(tv02_affine(big, i - 15, (0, 0), 1., 0, Image.BILINEAR)) for i in range(n)]
    if name == 'scale':
        sc = (lambda i: (i * 2 + 70) / 100.) if cifar else (lambda i: (i * 2.5 + 40) / 100.)
        return [out(tv02_affine(big, 0, (0, 0), sc(i), 0, Image.BILINEAR)) for i in range(n)]
    if name == 'shear':
        return [out(tv02_affine(big, 0, (0, 0), 1., i - 15, Image.BILINEAR)) for i in range(n)]
    if name == 'tilt':
        x = np.array(big)
        h, w = x.shape[:2]
        step = 0.75 if cifar else 1.0
        return [out(Image.fromarray(cv2.warpPerspective(x, tilt_matrix(np.deg2rad(step * (i - 15)), w, h), (w, h))))
                for i in range(n)]
    if name == 'gaussian_blur':
        x = np.array(crop, copy=True) / 255.
        sg = (lambda i: 0.3 + 0.015 * i) if cifar else (lambda i: 0.25 + 0.035 * i)
        return [np.uint8(255 * gaussian(x, sigma=sg(i), channel_axis=-1, truncate=7.0 if cifar else 6.0))
                for i in range(n)]
    if name == 'spatter':
        if cifar:
            return spatter_frames(crop, n, 0.6, 0.265, 1.75, 0.7, [0.2, 0.8])
        return spatter_frames(crop, n, 0.65, 0.27, 3.7, 0.69, [0.05, 0.1, 0.15, 0.7])
    raise KeyError(name)

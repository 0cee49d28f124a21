#!/usr/bin/python3
"""Fixtures for tests/augment, computed with the reference implementations:
torchvision 0.14's AugMix / TrivialAugmentWide / AutoAugment and tensor ops,
the official AugMix code (google-research/augmix @ 9b9824c, augmentations.py and
cifar.py aug(), reproduced verbatim below on Pillow), numpy's and torch's CPU
random draws, and the JSD / stability losses with torch autograd.

Run with Debian's python: /usr/bin/python3 tests/augment/make_fixtures.py
Writes tests/fixtures/augment/:
  rng.txt                  draw sequences (numpy legacy and torch CPU) per seed
  augmix_official.npy      (12, 3, 32, 32) f4: aug() on the RGB input, seeds 0..11,
                           severity 3, width 3, depth -1, mean = std = 0.5
  augmix_official_gray.npy (6, 1, 28, 28) f4: on the gray input, seeds 0..5, mean 0.2860 std 0.3530
  augmix_official_s1.npy   (6, 3, 32, 32) f4: severity 1 (the ImageNet setting), seeds 0..5
  augmix_tv.npy            (12, 32, 32, 3) u1: transforms.AugMix() seeds 0..11
  augmix_tv_gray.npy       (6, 28, 28) u1
  trivialaugment.npy       (40, 32, 32, 3) u1: TrivialAugmentWide(), seeds 0..39
  autoaugment.npy          (40, 32, 32, 3) u1: AutoAugment(IMAGENET), seeds 0..39
  tv_ops.txt, tv_ops.npy   (K, 32, 32, 3) u1: _apply_op(op, magnitude, interpolation) one per line
  jsd.npy                  logits (3*4, 10) f4; jsd_labels.npy (4,) i8; jsd_out.npy: [loss], dlogits
  stability.npy ...        as jsd for the stability-training loss (alpha 0.5)
The inputs are tests/fixtures/corrupt/input_rgb.npy and a 28x28 crop of input_gray.npy.
"""
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
import torchvision.transforms as T
from PIL import Image, ImageOps
from torchvision.transforms import autoaugment as tva

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'fixtures', 'augment')
CORRUPT = os.path.join(HERE, '..', 'fixtures', 'corrupt')

# ---- official AugMix (augmentations.py, cifar.py aug()) -------------------------------------
IMAGE_SIZE = 32


def int_parameter(level, maxval):
    return int(level * maxval / 10)


def float_parameter(level, maxval):
    return float(level) * maxval / 10.


def sample_level(n):
    return np.random.uniform(low=0.1, high=n)


def autocontrast(pil_img, _):
    return ImageOps.autocontrast(pil_img)


def equalize(pil_img, _):
    return ImageOps.equalize(pil_img)


def posterize(pil_img, level):
    level = int_parameter(sample_level(level), 4)
    return ImageOps.posterize(pil_img, 4 - level)


def rotate(pil_img, level):
    degrees = int_parameter(sample_level(level), 30)
    if np.random.uniform() > 0.5:
        degrees = -degrees
    return pil_img.rotate(degrees, resample=Image.BILINEAR)


def solarize(pil_img, level):
    level = int_parameter(sample_level(level), 256)
    return ImageOps.solarize(pil_img, 256 - level)


def shear_x(pil_img, level):
    level = float_parameter(sample_level(level), 0.3)
    if np.random.uniform() > 0.5:
        level = -level
    return pil_img.transform((IMAGE_SIZE, IMAGE_SIZE), Image.AFFINE, (1, level, 0, 0, 1, 0),
                             resample=Image.BILINEAR)


def shear_y(pil_img, level):
    level = float_parameter(sample_level(level), 0.3)
    if np.random.uniform() > 0.5:
        level = -level
    return pil_img.transform((IMAGE_SIZE, IMAGE_SIZE), Image.AFFINE, (1, 0, 0, level, 1, 0),
                             resample=Image.BILINEAR)


def translate_x(pil_img, level):
    level = int_parameter(sample_level(level), IMAGE_SIZE / 3)
    if np.random.random() > 0.5:
        level = -level
    return pil_img.transform((IMAGE_SIZE, IMAGE_SIZE), Image.AFFINE, (1, 0, level, 0, 1, 0),
                             resample=Image.BILINEAR)


def translate_y(pil_img, level):
    level = int_parameter(sample_level(level), IMAGE_SIZE / 3)
    if np.random.random() > 0.5:
        level = -level
    return pil_img.transform((IMAGE_SIZE, IMAGE_SIZE), Image.AFFINE, (1, 0, 0, 0, 1, level),
                             resample=Image.BILINEAR)


augmentations = [autocontrast, equalize, posterize, rotate, solarize, shear_x, shear_y, translate_x, translate_y]


def aug(image, preprocess, severity=3, width=3, depth=-1):
    ws = np.float32(np.random.dirichlet([1] * width))
    m = np.float32(np.random.beta(1, 1))
    mix = torch.zeros_like(preprocess(image))
    for i in range(width):
        image_aug = image.copy()
        d = depth if depth > 0 else np.random.randint(1, 4)
        for _ in range(d):
            op = np.random.choice(augmentations)
            image_aug = op(image_aug, severity)
        mix += ws[i] * preprocess(image_aug)
    mixed = (1 - m) * preprocess(image) + m * mix
    return mixed


def official(img, seeds, mean, std, severity=3):
    global IMAGE_SIZE
    IMAGE_SIZE = img.shape[1]
    pil = Image.fromarray(img)
    pre = T.Compose([T.ToTensor(), T.Normalize(mean, std)])
    out = []
    for s in seeds:
        np.random.seed(s)
        out.append(aug(pil, pre, severity).numpy())
    return np.stack(out).astype(np.float32)


def chw(img):
    t = torch.from_numpy(img)
    return (t.permute(2, 0, 1) if t.ndim == 3 else t.unsqueeze(0)).contiguous()


def hwc(t):
    t = t.permute(1, 2, 0) if t.shape[0] == 3 else t[0]
    return t.contiguous().numpy()


def tv(transform, img, seeds):
    out = []
    for s in seeds:
        torch.manual_seed(s)
        out.append(hwc(transform(chw(img))))
    return np.stack(out).astype(np.uint8)


def rng_lines():
    lines = []
    for seed in (0, 1, 7, 12345):
        np.random.seed(seed)
        v = [np.random.random() for _ in range(3)] + [np.random.randint(0, 9) for _ in range(6)]
        v += [np.random.randint(1, 4) for _ in range(4)] + [np.random.uniform(0.1, 3) for _ in range(2)]
        v += list(np.random.dirichlet([1] * 3)) + [np.random.beta(1, 1) for _ in range(3)]
        lines.append('numpy %d %s' % (seed, ' '.join('%.17g' % x for x in v)))
        torch.manual_seed(seed)
        v = [int(torch.randint(9, (1,)).item()) for _ in range(5)] + [int(torch.randint(31, (1,)).item())]
        v += [float(torch.rand(1).item()) for _ in range(3)]
        v += [float(x) for x in torch._sample_dirichlet(torch.tensor([[1.0, 1.0]]))[0]]
        v += [float(x) for x in torch._sample_dirichlet(torch.tensor([[1.0, 1.0, 1.0]]))[0]]
        v += [int(torch.randint(2, (1,)).item()) for _ in range(3)]
        lines.append('torch %d %s' % (seed, ' '.join('%.17g' % x for x in v)))
    return lines


def tv_ops(img):
    cases = []
    for op in ('ShearX', 'ShearY'):
        cases += [(op, m) for m in (0.0333, -0.2, 0.5)]
    for op in ('TranslateX', 'TranslateY'):
        cases += [(op, m) for m in (2.37, -5.0, 11.9)]
    cases += [('Rotate', m) for m in (3.3333332538604736, -30.0, 135.0)]
    for op in ('Brightness', 'Color', 'Contrast', 'Sharpness'):
        cases += [(op, m) for m in (0.2, -0.5, 0.9)]
    cases += [('Posterize', m) for m in (0.0, 3.0, 6.0)] + [('Solarize', m) for m in (226.6666717529297, 128.0)]
    cases += [(op, 0.0) for op in ('AutoContrast', 'Equalize', 'Invert', 'Identity')]
    lines, outs = [], []
    x = chw(img)
    for op, m in cases:
        for interp in ('nearest', 'bilinear'):
            mode = T.InterpolationMode.NEAREST if interp == 'nearest' else T.InterpolationMode.BILINEAR
            outs.append(hwc(tva._apply_op(x, op, float(np.float32(m)), interpolation=mode, fill=None)))
            lines.append('%s %.9g %s' % (op, np.float32(m), interp))
    return lines, np.stack(outs).astype(np.uint8)


def losses():
    g = torch.Generator().manual_seed(3)
    B, C = 4, 10
    z = (torch.randn(3 * B, C, generator=g) * 2).double().float()
    y = torch.tensor([1, 7, 3, 3], dtype=torch.int64)
    zj = z.clone().requires_grad_(True)
    lc, l1, l2 = torch.split(zj, B)
    loss = F.cross_entropy(lc, y)
    pc, p1, p2 = F.softmax(lc, dim=1), F.softmax(l1, dim=1), F.softmax(l2, dim=1)
    pm = torch.clamp((pc + p1 + p2) / 3., 1e-7, 1).log()
    loss = loss + 12 * (F.kl_div(pm, pc, reduction='batchmean') + F.kl_div(pm, p1, reduction='batchmean') +
                        F.kl_div(pm, p2, reduction='batchmean')) / 3.
    loss.backward()
    jsd = (z.numpy(), y.numpy(), np.concatenate([[loss.item()], zj.grad.numpy().ravel()]).astype(np.float32))
    z2 = z[:2 * B].clone().requires_grad_(True)
    clean, pert = torch.split(z2, B)
    alpha = 0.5
    loss = F.cross_entropy(clean, y) + alpha * F.kl_div(F.log_softmax(pert, dim=1), F.softmax(clean, dim=1),
                                                        reduction='batchmean')
    loss.backward()
    stab = (z[:2 * B].numpy(), np.concatenate([[loss.item()], z2.grad.numpy().ravel()]).astype(np.float32))
    return jsd, stab


def main():
    os.makedirs(OUT, exist_ok=True)
    rgb = np.load(os.path.join(CORRUPT, 'input_rgb.npy'))
    gray = np.ascontiguousarray(np.load(os.path.join(CORRUPT, 'input_gray.npy'))[2:30, 1:29])
    np.save(os.path.join(OUT, 'input_gray28.npy'), gray)
    with open(os.path.join(OUT, 'rng.txt'), 'w') as f:
        f.write('\n'.join(rng_lines()) + '\n')
    np.save(os.path.join(OUT, 'augmix_official.npy'), official(rgb, range(12), [0.5] * 3, [0.5] * 3))
    np.save(os.path.join(OUT, 'augmix_official_gray.npy'), official(gray, range(6), [0.2860], [0.3530]))
    np.save(os.path.join(OUT, 'augmix_official_s1.npy'), official(rgb, range(6), [0.5] * 3, [0.5] * 3, 1))
    np.save(os.path.join(OUT, 'augmix_tv.npy'), tv(T.AugMix(), rgb, range(12)))
    np.save(os.path.join(OUT, 'augmix_tv_gray.npy'), tv(T.AugMix(), gray, range(6)))
    np.save(os.path.join(OUT, 'trivialaugment.npy'), tv(T.TrivialAugmentWide(), rgb, range(40)))
    np.save(os.path.join(OUT, 'autoaugment.npy'), tv(T.AutoAugment(T.AutoAugmentPolicy.IMAGENET), rgb, range(40)))
    lines, ops = tv_ops(rgb)
    with open(os.path.join(OUT, 'tv_ops.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    np.save(os.path.join(OUT, 'tv_ops.npy'), ops)
    (z, y, out), (z2, out2) = losses()
    np.save(os.path.join(OUT, 'jsd_logits.npy'), z)
    np.save(os.path.join(OUT, 'jsd_labels.npy'), y)
    np.save(os.path.join(OUT, 'jsd_out.npy'), out)
    np.save(os.path.join(OUT, 'stability_logits.npy'), z2)
    np.save(os.path.join(OUT, 'stability_out.npy'), out2)


if __name__ == '__main__':
    main()

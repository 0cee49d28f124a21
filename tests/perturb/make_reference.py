#!/usr/bin/python3
"""Sequence statistics of the official ImageNet-P / CIFAR-10-P generators
(re-implemented in official_p.py) on the committed test pictures, for
tests/perturb/test_perturb.c to hold our generators against.

Run with Debian's python: /usr/bin/python3 tests/perturb/make_reference.py
Reads  tests/fixtures/images/photo_300x200.jpg (ImageNet-P: Resize(256) -> 384x256)
Writes tests/fixtures/perturb/photo_32.png (the 32x32 CIFAR-10-P picture, PIL bilinear)
       tests/fixtures/perturb/reference_stats.txt, one line per (preset, perturbation):
         <preset> <name> <frames> change <T-1 values> psnr0 <T-1 values>
       change[i] = mean |frame i+1 - frame i| (8-bit levels, all pixels and channels),
       psnr0[i]  = PSNR of frame i+1 against frame 0 (99 when equal).
Random perturbations are averaged over draws (seeds 0..3 at 224, 0..15 at 32): the
frame-to-frame change and the squared error against frame 0 (PSNR of the mean).
"""
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import official_p  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures')
RANDOM = {'gaussian_noise', 'shot_noise', 'speckle_noise', 'snow', 'spatter'}
DRAWS = {'imagenet': 4, 'cifar': 16}


def psnr(mse):
    return np.where(mse == 0, 99.0, 10 * np.log10(255.0 ** 2 / np.maximum(mse, 1e-300)))


def stats(frames):
    f = [x.astype(np.float64) for x in frames]
    change = [np.mean(np.abs(f[i] - f[i - 1])) for i in range(1, len(f))]
    mse0 = [np.mean((f[i] - f[0]) ** 2) for i in range(1, len(f))]
    return np.array(change), np.array(mse0)


def main():
    photo = Image.open(os.path.join(ROOT, 'images', 'photo_300x200.jpg')).convert('RGB')
    small = photo.resize((32, 32), Image.BILINEAR)
    small.save(os.path.join(ROOT, 'perturb', 'photo_32.png'))
    small = Image.open(os.path.join(ROOT, 'perturb', 'photo_32.png')).convert('RGB')
    lines = []
    for preset, img in (('imagenet', photo), ('cifar', small)):
        for name in official_p.FRAMES:
            draws = DRAWS[preset] if name in RANDOM else 1
            ch, p0 = 0, 0
            for d in range(draws):
                np.random.seed(d)
                torch.manual_seed(d)
                c, p = stats(official_p.sequence(name, img, preset == 'cifar'))
                ch, p0 = ch + c / draws, p0 + p / draws
            n, p0 = len(ch) + 1, psnr(p0)
            lines.append('%s %s %d change %s psnr0 %s' % (preset, name, n, ' '.join('%.4f' % v for v in ch),
                                                          ' '.join('%.3f' % v for v in p0)))
            print(lines[-1][:110])
    with open(os.path.join(ROOT, 'perturb', 'reference_stats.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()

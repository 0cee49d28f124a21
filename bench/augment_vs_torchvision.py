#!/usr/bin/python3
"""AugMix throughput of the references on the same 128 images and threads as
augment_bench --case throughput: the official aug() (tests/augment/make_fixtures.py
holds it verbatim) on PIL images, and torchvision 0.14's transforms.AugMix on uint8
tensors, each in a pool of THREADS worker processes (as a DataLoader would run them).
Prints "case ms img/s" lines. Usage: augment_vs_torchvision.py THREADS REPEATS BATCH"""
import os
import sys
import time
from multiprocessing import Pool

import numpy as np
import torch
import torchvision.transforms as T
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'augment'))
import make_fixtures as ref  # noqa: E402

SIDE = 32


def images(n):
    """The same images as augment_bench.c's make_images."""
    s = 0x9e3779b97f4a7c15
    mask = (1 << 64) - 1
    out = np.zeros((n, SIDE, SIDE, 3), np.uint8)
    for i in range(n):
        for y in range(SIDE):
            for x in range(SIDE):
                for c in range(3):
                    s ^= (s << 13) & mask
                    s ^= s >> 7
                    s ^= (s << 17) & mask
                    v = 128 + int(90 * ((x * (c + 1) + y * (i % 5 + 1)) % 32) / 32.0) - 45 + s % 24
                    out[i, y, x, c] = min(255, max(0, v))
    return out


def official(batch):
    torch.set_num_threads(1)
    pre = T.Compose([T.ToTensor(), T.Normalize([0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616])])
    ref.IMAGE_SIZE = SIDE
    for k, img in enumerate(batch):
        np.random.seed(k)
        ref.aug(Image.fromarray(img), pre)
    return len(batch)


def torchvision_augmix(batch):
    torch.set_num_threads(1)
    t = T.AugMix()
    for k, img in enumerate(batch):
        torch.manual_seed(k)
        t(torch.from_numpy(img).permute(2, 0, 1).contiguous())
    return len(batch)


def main():
    threads, repeats, n = (int(a) for a in sys.argv[1:4])
    imgs = images(n)
    chunks = np.array_split(imgs, threads)
    with Pool(threads) as pool:
        for name, fn in (('augmix_official', official), ('augmix_torchvision', torchvision_augmix)):
            best = 1e30
            for _ in range(repeats):
                t0 = time.perf_counter()
                pool.map(fn, chunks)
                best = min(best, time.perf_counter() - t0)
            print('%-28s %9.2f ms %9.1f img/s' % ('%s_%dpx' % (name, SIDE), best * 1e3, n / best))


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""Perturbation sequences: ours (bench/perturb_bench) next to the official generators
re-implemented in Python (tests/perturb/official_p.py: make_imagenet_p.py and
make_cifar_p.py with numpy, scipy, scikit-image, OpenCV, PIL and torch), in the same
run, per frame at 224 and at 32. Target: ours at least 10x faster per frame over the
ImageNet-P / CIFAR-10-P sets (the sum of the 14 perturbations' per-frame times), and
per perturbation the ratio printed.

    /usr/bin/python3 bench/perturb_vs_reference.py [BUILD_DIR] [--reps N]
"""
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'perturb'))
import official_p  # noqa: E402

args = [a for a in sys.argv[1:] if not a.startswith('--')]
BUILD = args[0] if args else os.path.join(ROOT, 'build')
REPS = int(sys.argv[sys.argv.index('--reps') + 1]) if '--reps' in sys.argv else 3


def reference_ms_per_frame(name, img, cifar):
    times = []
    for r in range(REPS):
        np.random.seed(r)
        torch.manual_seed(r)
        t0 = time.perf_counter()
        frames = official_p.sequence(name, img, cifar)
        times.append((time.perf_counter() - t0) * 1e3 / len(frames))
    return sorted(times)[len(times) // 2]


def main():
    torch.set_num_threads(1)
    env = dict(os.environ, PP_FIXTURES=os.path.join(ROOT, 'tests', 'fixtures'), OMP_NUM_THREADS='1')
    out = subprocess.run([os.path.join(BUILD, 'bench', 'perturb_bench'), '--json', '--reps', str(max(REPS, 3))],
                         check=True, capture_output=True, text=True, env=env).stdout
    ours = json.loads(out)
    photo = Image.open(os.path.join(ROOT, 'tests', 'fixtures', 'images', 'photo_300x200.jpg')).convert('RGB')
    small = Image.open(os.path.join(ROOT, 'tests', 'fixtures', 'perturb', 'photo_32.png')).convert('RGB')
    print('%-16s %12s %12s %8s   %12s %12s %8s' % ('perturbation', 'ours 224', 'ref 224', 'ratio', 'ours 32',
                                                  'ref 32', 'ratio'))
    tot = {'o224': 0, 'r224': 0, 'o32': 0, 'r32': 0}
    for name in official_p.FRAMES:
        r224 = reference_ms_per_frame(name, photo, False)
        r32 = reference_ms_per_frame(name, small, True)
        o224, o32 = ours[name]
        tot['o224'] += o224
        tot['r224'] += r224
        tot['o32'] += o32
        tot['r32'] += r32
        print('%-16s %10.3f ms %10.3f ms %7.1fx   %10.4f ms %10.4f ms %7.1fx' % (name, o224, r224, r224 / o224, o32,
                                                                              r32, r32 / o32))
    a, b = tot['r224'] / tot['o224'], tot['r32'] / tot['o32']
    print('all 14 per frame: 224 %.1fx, 32 %.1fx (target >= 10x at both; one thread each)' % (a, b))
    return 0 if a >= 10 and b >= 10 else 1


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/python3
"""Fixtures for the attacks (tests/augment/test_attack.c), computed with torch
autograd on the training fixtures' tiny CIFAR PushPull network (cifar_pp3, eval
mode), as the reference formulas in docs/spec/fooling.md state them:
  FGSM  x' = clamp(x + eps sign(grad_x CE), 0, 1) in [0, 1] pixels (eps 8/255)
  PGD   5 steps of alpha = 2/255 from x (no random start), projected to the
        8/255 ball and [0, 1] after each step
  fooling: per image (a batch of one, as the course-assignment loop), at most
        30 times: if argmax == target stop, else x += lr g / ||g||_2 with g the
        gradient of the target score wrt the normalised image

Run with Debian's python: /usr/bin/python3 tests/augment/make_attack_fixtures.py
Writes tests/fixtures/augment/attack_*.npy."""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'train'))
sys.path.insert(0, os.path.join(HERE, '..'))
import make_grad_fixtures as grad_fixtures  # noqa: E402

OUT = os.path.join(HERE, '..', 'fixtures', 'augment')
TRAIN = os.path.join(HERE, '..', 'fixtures', 'train')
MEAN = torch.tensor([0.4914, 0.4822, 0.4465]).view(1, 3, 1, 1)
STD = torch.tensor([0.2470, 0.2435, 0.2616]).view(1, 3, 1, 1)
EPS, ALPHA, STEPS = 8 / 255, 2 / 255, 5
LR = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0]
MAX_ITERS = 30


def model():
    name, block, stem, in_ch, pp, avg, trainable, alpha, bias = grad_fixtures.NETWORKS[0]
    m = grad_fixtures.ResNet(block, [1, 1, 1, 1], stem, grad_fixtures.WIDTH, in_ch, grad_fixtures.CLASSES, pp, avg,
                             trainable, alpha, bias)
    m.load_state_dict(grad_fixtures.load_safetensors(os.path.join(TRAIN, f'{name}.safetensors')))
    return m.eval()


def pixel_grad(net, x, y):
    x = x.clone().requires_grad_(True)
    F.cross_entropy(net((x - MEAN) / STD), y).backward()
    return x.grad


def main():
    net = model()
    g = torch.Generator().manual_seed(11)
    x = torch.rand(6, 3, 8, 8, generator=g)
    y = torch.randint(0, 10, (6,), generator=g)
    grad = pixel_grad(net, x, y)
    fgsm = torch.clamp(x + EPS * grad.sign(), 0, 1)
    adv = x.clone()
    for _ in range(STEPS):
        step = adv + ALPHA * pixel_grad(net, adv, y).sign()
        adv = torch.clamp(x + torch.clamp(step - x, -EPS, EPS), 0, 1)
    with torch.no_grad():
        pred = net((x - MEAN) / STD).argmax(1)
    targets = (pred + 1 + torch.arange(6)) % 10  # never the class predicted at the start
    fooled, iters = [], []
    for i in range(6):
        xf = ((x[i:i + 1] - MEAN) / STD).clone().requires_grad_(True)
        n = MAX_ITERS
        for it in range(MAX_ITERS):
            scores = net(xf)
            if scores.argmax(1).item() == targets[i].item():
                n = it
                break
            scores[0, targets[i]].backward()
            with torch.no_grad():
                xf += LR[i] * xf.grad / xf.grad.norm()
            xf.grad.zero_()
        fooled.append(xf.detach()[0].numpy())
        iters.append(n)
    print('fooling iterations', iters)
    np.save(os.path.join(OUT, 'attack_x.npy'), x.numpy())
    np.save(os.path.join(OUT, 'attack_y.npy'), y.numpy())
    np.save(os.path.join(OUT, 'attack_grad.npy'), grad.numpy())
    np.save(os.path.join(OUT, 'attack_fgsm.npy'), fgsm.numpy())
    np.save(os.path.join(OUT, 'attack_pgd.npy'), adv.numpy())
    np.save(os.path.join(OUT, 'attack_targets.npy'), targets.numpy())
    np.save(os.path.join(OUT, 'attack_fooling.npy'), np.stack(fooled).astype(np.float32))
    np.save(os.path.join(OUT, 'attack_fooling_iters.npy'), np.array(iters, dtype=np.int64))


if __name__ == '__main__':
    main()

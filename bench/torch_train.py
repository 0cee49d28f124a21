#!/usr/bin/python3
"""The same training steps (PushPull-ResNet18, CIFAR stem, avg 3, trainable alpha,
cross-entropy, SGD momentum 0.9, weight decay 1e-5; full width on 32x32 RGB and
the demo net's width 8 on 28x28 grayscale) in PyTorch (Debian's python3-torch),
printed in train_bench's format.
With --wrn: AugMix's WRN-40-2 instead (plain stem, tests/make_arch_fixtures_pnn_wrn.py).
Usage: torch_train.py THREADS REPEATS [BATCH] [--wrn]"""
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from make_fixtures import BasicBlock, ResNet  # noqa: E402
from make_arch_fixtures_pnn_wrn import AugMixWrn40x2  # noqa: E402

wrn = "--wrn" in sys.argv
args = [a for a in sys.argv[1:] if a != "--wrn"]
threads, repeats = int(args[0]), int(args[1])
batch = int(args[2]) if len(args) > 2 else 128
torch.set_num_threads(threads)


def run_case(tag, width, channels, side, prefix="pushpull"):
    torch.manual_seed(0)
    if tag == "wrn40_2":
        model = AugMixWrn40x2().train()
    else:
        model = ResNet(BasicBlock, [2, 2, 2, 2], "cifar", width, channels, 10, True, 3, True).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-5)
    x = torch.randn(batch, channels, side, side)
    y = torch.arange(batch) % 10
    best = 1e30
    for r in range(repeats + 1):
        t0 = time.perf_counter()
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        t = time.perf_counter() - t0
        if r > 0:
            best = min(best, t)
    name = f"{prefix}_train_{tag}_b{batch}"
    print(f"{name:<28} {best * 1e3:9.2f} ms {batch / best:9.1f} img/s", flush=True)


if wrn:
    run_case("wrn40_2", 0, 3, 32, "plain")
else:
    run_case("cifar32", 64, 3, 32)
    run_case("demo28", 8, 1, 28)

#!/usr/bin/python3
"""The same training step (PushPull-ResNet18, CIFAR stem, avg 3, trainable alpha,
cross-entropy, SGD momentum 0.9, weight decay 1e-5) in PyTorch (Debian's
python3-torch), printed in train_bench's format.
Usage: torch_train.py THREADS REPEATS [BATCH] [--baseline]"""
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from make_fixtures import BasicBlock, ResNet  # noqa: E402

args = [a for a in sys.argv[1:] if not a.startswith("--")]
threads, repeats = int(args[0]), int(args[1])
batch = int(args[2]) if len(args) > 2 else 128
baseline = "--baseline" in sys.argv
torch.set_num_threads(threads)
model = ResNet(BasicBlock, [2, 2, 2, 2], "cifar", 64, 3, 10, not baseline, 3, True).train()
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-5)
x = torch.randn(batch, 3, 32, 32)
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
tag = "plain" if baseline else "pushpull"
print(f"{tag + '_train_cifar32_b' + str(batch):<28} {best * 1e3:9.2f} ms {batch / best:9.1f} img/s", flush=True)

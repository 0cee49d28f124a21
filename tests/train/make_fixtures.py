#!/usr/bin/python3
"""Generates the training fixtures (run by hand, not in CI):

    /usr/bin/python3 tests/train/make_fixtures.py

Uses Debian's python3-torch and the reference model classes of
tests/make_fixtures.py. For each tiny network (width 4, one block per stage) it
runs ONE training step in PyTorch - train-mode BatchNorm, cross-entropy, SGD
with momentum 0.9, weight decay 5e-3, lr 0.1 - and writes under
tests/fixtures/train/:
  NAME.safetensors        initial weights, with the metadata pp_model_open reads
  NAME_x.npy, NAME_y.npy  the input batch (N, C, H, W) and its labels (int64)
  NAME_loss.npy           the loss of the step (float64)
  NAME_grad.safetensors   every trainable parameter's gradient, by name
  NAME_after.safetensors  the state dict after the step (parameters, running
                          statistics, num_batches_tracked), for two of the nets
plus onecycle_lr.npy: torch's OneCycleLR values over 100 steps for the
paper's schedule (peak 0.1, 30 % cosine warm-up from 0.05 x peak, cosine decay
to 5e-5 x peak)."""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from make_fixtures import ResNet, BasicBlock, Bottleneck, PushPullConv2DUnit, randomize, save_safetensors  # noqa: E402

OUT = os.path.join(os.path.dirname(HERE), "fixtures", "train")

NETWORKS = [
    # name, block, stem, in_ch, push_pull, avg, trainable, alpha, conv1_bias, side, save_after
    ("cifar_pp3", BasicBlock, "cifar", 3, True, 3, True, 1.0, True, 8, True),
    ("imagenet_pp5", BasicBlock, "imagenet", 3, True, 5, True, 1.0, True, 24, False),
    ("cifar_gray_pp0_fixed_nobias", BasicBlock, "cifar", 1, True, 0, False, 0.8, False, 8, False),
    ("imagenet_base", BasicBlock, "imagenet", 3, False, 0, False, 1.0, True, 24, True),
    ("cifar_bottleneck_pp3", Bottleneck, "cifar", 3, True, 3, True, 1.0, True, 8, False),
]
BATCH, CLASSES, WIDTH = 4, 10, 4
LR, MOMENTUM, WEIGHT_DECAY = 0.1, 0.9, 5e-3


def unique_extremes(w):
    """True when every push kernel has a single max and a single min element."""
    flat = w.detach().reshape(w.shape[0], -1)
    hi, lo = flat.max(1, keepdim=True).values, flat.min(1, keepdim=True).values
    return bool(((flat == hi).sum(1) == 1).all() and ((flat == lo).sum(1) == 1).all())


def one_network(gen, name, block, stem, in_ch, pp, avg, trainable, alpha, bias, side, save_after):
    model = ResNet(block, [1, 1, 1, 1], stem, WIDTH, in_ch, CLASSES, pp, avg, trainable, alpha, bias)
    randomize(model, gen)
    if pp:
        assert unique_extremes(model.conv1.push_conv.weight), name
    meta = {"avg_kernel_size": avg, "dataset_name": "cifar10" if in_ch == 3 else "fashion_mnist"}
    if pp and not trainable:
        meta["pull_inhibition_strength"] = repr(alpha)
        meta["trainable_pull_inhibition"] = "false"
    save_safetensors(os.path.join(OUT, f"{name}.safetensors"), model.state_dict(), meta)
    x = torch.randn(BATCH, in_ch, side, side, generator=gen)
    y = torch.randint(0, CLASSES, (BATCH,), generator=gen)
    np.save(os.path.join(OUT, f"{name}_x.npy"), x.numpy())
    np.save(os.path.join(OUT, f"{name}_y.npy"), y.numpy().astype(np.int64))

    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)
    opt.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
    opt.step()
    np.save(os.path.join(OUT, f"{name}_loss.npy"), np.array([loss.item()], dtype=np.float64))
    save_safetensors(os.path.join(OUT, f"{name}_grad.safetensors"), grads, None)
    if save_after:  # the update rule is the same for every net: two of them keep the fixtures small
        save_safetensors(os.path.join(OUT, f"{name}_after.safetensors"), model.state_dict(), None)
    print(f"{name}: loss {loss.item():.6f}, {sum(p.numel() for p in model.parameters())} parameters")


def schedule_fixture():
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=0.1)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=100, pct_start=0.3,
                                                anneal_strategy="cos", cycle_momentum=False,
                                                div_factor=1 / 0.05, final_div_factor=0.05 / 5e-5)
    lrs = []
    for _ in range(100):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    np.save(os.path.join(OUT, "onecycle_lr.npy"), np.array(lrs, dtype=np.float64))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(4321)
    for net in NETWORKS:
        one_network(gen, *net)
    schedule_fixture()


if __name__ == "__main__":
    main()

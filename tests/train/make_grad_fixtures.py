#!/usr/bin/python3
"""Generates the eval-mode gradient fixtures (run by hand, not in CI):

    /usr/bin/python3 tests/train/make_grad_fixtures.py

For three of the training fixtures' tiny networks (tests/train/make_fixtures.py;
their weights and input batch are read back from tests/fixtures/train/), in
eval mode (running BatchNorm statistics) with the reference model classes of
tests/make_fixtures.py, writes under tests/fixtures/train/:
  NAME_eval_dx.npy       d mean-cross-entropy / d input, (N, C, H, W)
  NAME_eval_dlayer2.npy  d mean-cross-entropy / d layer2 output (NCHW)
These are what attacks (FGSM, PGD) and Grad-CAM need of pp_model_backward."""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from make_fixtures import ResNet, BasicBlock, Bottleneck, load_safetensors  # noqa: E402

OUT = os.path.join(os.path.dirname(HERE), "fixtures", "train")

NETWORKS = [
    # name, block, stem, in_ch, push_pull, avg, trainable, alpha, conv1_bias (as in make_fixtures.py)
    ("cifar_pp3", BasicBlock, "cifar", 3, True, 3, True, 1.0, True),
    ("imagenet_base", BasicBlock, "imagenet", 3, False, 0, False, 1.0, True),
    ("cifar_bottleneck_pp3", Bottleneck, "cifar", 3, True, 3, True, 1.0, True),
]
WIDTH, CLASSES = 4, 10


def one_network(name, block, stem, in_ch, pp, avg, trainable, alpha, bias):
    model = ResNet(block, [1, 1, 1, 1], stem, WIDTH, in_ch, CLASSES, pp, avg, trainable, alpha, bias)
    model.load_state_dict(load_safetensors(os.path.join(OUT, f"{name}.safetensors")))
    model.eval()
    x = torch.from_numpy(np.load(os.path.join(OUT, f"{name}_x.npy"))).requires_grad_(True)
    y = torch.from_numpy(np.load(os.path.join(OUT, f"{name}_y.npy")))
    taps = {}
    loss = F.cross_entropy(model(x, taps), y)
    layer2 = taps["layer2"]
    layer2.retain_grad()
    loss.backward()
    np.save(os.path.join(OUT, f"{name}_eval_dx.npy"), x.grad.numpy().astype(np.float32))
    np.save(os.path.join(OUT, f"{name}_eval_dlayer2.npy"), layer2.grad.numpy().astype(np.float32))
    print(f"{name}: eval loss {loss.item():.6f}, |dx| max {x.grad.abs().max().item():.3g}")


def main():
    torch.manual_seed(0)
    for net in NETWORKS:
        one_network(*net)


if __name__ == "__main__":
    main()

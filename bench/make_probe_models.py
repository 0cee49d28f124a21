#!/usr/bin/python3
"""Two full-size ResNet18s at 224 for the studio probe's slider benchmark
(bench/probe_slider.sh): a PushPull-ResNet18 (pull pooling 3) and its
baseline, 1000 classes, random weights with non-trivial BN statistics, as
tests/make_fixtures.py makes its fixtures. Usage: make_probe_models.py DIR"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from make_fixtures import BasicBlock, ResNet, randomize, save_safetensors  # noqa: E402

out = sys.argv[1]
gen = torch.Generator().manual_seed(224)
for name, push_pull in (("r18_224_pushpull", True), ("r18_224_baseline", False)):
    model = ResNet(BasicBlock, [2, 2, 2, 2], "imagenet", 64, 3, 1000, push_pull, 3 if push_pull else 0)
    randomize(model, gen)
    meta = {"avg_kernel_size": 3 if push_pull else 0, "dataset_name": "imagenet"}
    save_safetensors(os.path.join(out, name + ".safetensors"), model.state_dict(), meta)
    print(f"{name}: {sum(p.numel() for p in model.parameters())} parameters")

#!/usr/bin/python3
"""Fixture for tests/cli/test_arch_blocks_cli.sh (run by hand with /usr/bin/python3:
torch, torchvision, numpy).

Writes tests/fixtures/analysis/arch_blocks_cka.json: for each comparison the test
makes with `pushpull cka` (no --layers), the layer names of both models as torch
names their modules and the linear CKA matrix between them, computed in float64
from forward hooks on the reference modules, on the images of cka/images.npy:
  "WRN"           AugMix's wrn-16-1 (rows) against RobustBench's wrn-10-2 (columns)
  "EfficientNet"  torchvision's small EfficientNet (tv_small.pth) with itself, at 32x32
The models are the committed fixtures of make_arch_fixtures_pnn_wrn.py and
make_arch_fixtures_effnet.py, whose definitions restate the reference code."""
import importlib.util
import json
import os

import numpy as np
import torch
from torchvision.models.efficientnet import MBConv

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, "..")
FIX = os.path.join(TESTS, "fixtures")
OUT = os.path.join(FIX, "analysis", "arch_blocks_cka.json")
CIFAR = ((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010))
IMAGENET = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))


def module(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(TESTS, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def linear_cka(x, y):  # make_cka_fixtures.py's, unbiased=False
    def centred(a):
        g = a @ a.T
        means = g.mean(0)
        means -= means.mean() / 2
        return g - means[:, None] - means[None, :]
    gx, gy = centred(x), centred(y)
    return gx.ravel().dot(gy.ravel()) / (np.linalg.norm(gx) * np.linalg.norm(gy))


def batch(images, mean, std):  # the engine's normalisation (preprocess.c)
    scale = (1.0 / (255.0 * np.array(std, np.float32))).astype(np.float32)
    offset = (np.array(mean, np.float32) / np.array(std, np.float32)).astype(np.float32)
    return torch.from_numpy(np.ascontiguousarray((images.astype(np.float32) * scale - offset).transpose(0, 3, 1, 2)))


def hooked(model, blocks, run):
    acts, hooks = {}, []
    for name, mod in model.named_modules():
        if name in blocks:
            hooks.append(mod.register_forward_hook(lambda m, i, o, name=name: acts.__setitem__(name, o)))
    with torch.no_grad():
        acts["logits"] = run(acts)
    for h in hooks:
        h.remove()
    return acts


def comparison(models, layers_of):
    acts = [[a[k].reshape(a[k].shape[0], -1).double().numpy() for k in layers_of[i]] for i, a in enumerate(models)]
    matrix = [[float(linear_cka(x, y)) for y in acts[1]] for x in acts[0]]
    return {"layers_a": layers_of[0], "layers_b": layers_of[1], "matrix": matrix}


def wide_resnets(images):
    wf = module("make_arch_fixtures_pnn_wrn")
    x = batch(images, *CIFAR)
    models, layers = [], []
    for file, depth, k, shortcut in (("augmix_wrn16_1.pth.tar", 16, 1, "conv_shortcut"),
                                     ("robustbench_wrn10_2.pt", 10, 2, "convShortcut")):
        sd = torch.load(os.path.join(FIX, "wrn", file), map_location="cpu")
        sd = sd.get("state_dict", sd)
        model = wf.WideResNet(depth, k, 10, shortcut)
        model.load_state_dict({n[len("module."):] if n.startswith("module.") else n: v for n, v in sd.items()})
        model.eval()
        blocks = [n for n, m in model.named_modules() if isinstance(m, wf.WrnBlock)]

        def run(acts, model=model, blocks=blocks):
            taps = {}
            logits = model(x, taps)
            acts["stem"] = taps["conv1"]
            acts["features"] = torch.relu(model.bn1(acts[blocks[-1]])).mean((2, 3))
            return logits
        models.append(hooked(model, blocks, run))
        layers.append(["stem"] + blocks + ["features", "logits"])
    return comparison(models, layers)


def efficientnet(images):
    ef = module("make_arch_fixtures_effnet")
    model = ef.torchvision_effnet(0.1, 0.5, 10)
    model.load_state_dict(torch.load(os.path.join(FIX, "arch_effnet", "tv_small.pth"), map_location="cpu"))
    model.eval()
    blocks = [n for n, m in model.named_modules() if isinstance(m, MBConv)]
    x = batch(images, *IMAGENET)

    def run(acts):
        acts["stem"] = model.features[0](x)
        y = model.features(x)
        acts["features"] = torch.flatten(model.avgpool(y), 1)
        return model.classifier(acts["features"])
    acts = hooked(model, blocks, run)
    names = ["stem"] + blocks + ["features", "logits"]
    return comparison([acts, acts], [names, names])


def main():
    images = np.load(os.path.join(FIX, "analysis", "cka", "images.npy"))
    result = {"WRN": wide_resnets(images), "EfficientNet": efficientnet(images)}
    with open(OUT, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    for label, r in result.items():
        print(label, len(r["layers_a"]), "x", len(r["layers_b"]), "->", OUT)


if __name__ == "__main__":
    main()

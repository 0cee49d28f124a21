#!/usr/bin/python3
"""The same forward cases as forward_bench in PyTorch (Debian's python3-torch), printed
in its format: PushPull-ResNet18 (224 batch 1 and 16, CIFAR batch 128) and the official
CIFAR ResNet-20 with the 2020 push-pull layer (batch 128).
Usage: torch_forward.py THREADS REPEATS [--baseline | --blurpool | --wrn | --effnet] [--case=NAME|SUBSTRING]
--blurpool: the anti-aliased ResNet50 (adobe/antialiased-cnns resnet50, filter 4,
pool_only true, the released default) at 224, batch 1 and 16, restated in
tests/make_arch_fixtures_blur.py.
--wrn: AugMix's WRN-40-2 (cifar.py's WideResNet(40, 10, 2)) at 32x32 batch 128, restated in
tests/make_arch_fixtures_pnn_wrn.py.
--effnet: torchvision's efficientnet_b0 (plain stem) at 224, batch 1 and 16."""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from make_fixtures import BasicBlock, ResNet  # noqa: E402
import make_arch_fixtures_blur as blur  # noqa: E402
from make_arch_fixtures_pp2020 import ResNetCifar  # noqa: E402
from make_arch_fixtures_pnn_wrn import AugMixWrn40x2  # noqa: E402

threads, repeats = int(sys.argv[1]), int(sys.argv[2])
baseline = "--baseline" in sys.argv
only = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--case=")), None)
torch.set_num_threads(threads)
tag = "plain" if baseline else "pushpull"


def resnet18(stem, classes):
    return ResNet(BasicBlock, [2, 2, 2, 2], stem, 64, 3, classes, not baseline, 3, True)


def pp2020_resnet20(stem, classes):  # nicstrisc resnet20(use_pp1=True), full width
    return ResNetCifar([3, 3, 3], 16, classes, not baseline)


def blurpool_resnet50(stem, classes):
    return blur.AdobeResNet(*blur.ADOBE_LAYERS[50], num_classes=classes, filter_size=4, pool_only=True)


def wrn40_2(stem, classes):
    return AugMixWrn40x2()


def efficientnet_b0(stem, classes):
    import torchvision
    return torchvision.models.efficientnet_b0(num_classes=classes)


def run(name, stem, classes, n, side, reps, make=resnet18):
    model = make(stem, classes).eval()
    x = torch.randn(n, 3, side, side)
    with torch.no_grad():
        model(x)
        best = 1e30
        for _ in range(reps):
            t0 = time.perf_counter()
            model(x)
            best = min(best, time.perf_counter() - t0)
    print(f"{name:<28} {best * 1e3:9.2f} ms {n / best:9.1f} img/s", flush=True)


if "--wrn" in sys.argv:
    cases = [("wrn40_2_cifar32_b128", "cifar", 10, 128, 32, repeats, wrn40_2)]
elif "--effnet" in sys.argv:
    cases = [("effnet_b0_224_b1", "imagenet", 1000, 1, 224, repeats * 4, efficientnet_b0),
             ("effnet_b0_224_b16", "imagenet", 1000, 16, 224, repeats, efficientnet_b0)]
elif "--blurpool" in sys.argv:
    cases = [("blurpool50_224_b1", "imagenet", 1000, 1, 224, repeats * 4, blurpool_resnet50),
             ("blurpool50_224_b16", "imagenet", 1000, 16, 224, repeats, blurpool_resnet50)]
else:
    cases = [(f"{tag}_224_b1", "imagenet", 1000, 1, 224, repeats * 4),
             (f"{tag}_224_b16", "imagenet", 1000, 16, 224, repeats),
             (f"{tag}_cifar32_b128", "cifar", 10, 128, 32, repeats),
             (f"{tag}_pp2020_r20_b128", "cifar", 10, 128, 32, repeats, pp2020_resnet20)]
# --case as forward_bench's: a full case name (with or without the tag) runs that
# case alone ("224_b1", not also "224_b16"), any other string every case containing it
exact = [c[0] for c in cases if only in (c[0], c[0].replace(f"{tag}_", "", 1))] if only else []
for case in cases:
    if not only or (case[0] in exact if exact else only in case[0]):
        run(*case)

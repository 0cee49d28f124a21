#!/usr/bin/python3
"""Fixtures for BlurPool and the anti-aliased ResNets (run by hand, not in CI):

    /usr/bin/python3 tests/make_arch_fixtures_blur.py

Uses Debian's python3-torch. The models restate, module for module and with
the same state-dict names, the official code of
  - adobe/antialiased-cnns @ b27a34a: antialiased_cnns/blurpool.py (BlurPool)
    and antialiased_cnns/resnet.py (ResNet18/34/50/101, filter_size,
    pool_only), and
  - bgswaroop/pushpull-conv @ a218234: project/models/classification/
    resnet_zhang_ICML2019.py (zhang_resnet50) and resnet_vasconcelos_etal.py
    (vasconcelos_resnet50), with or without a PushPull stem (the PushPull unit
    is tests/make_fixtures.py's restatement, imported), ImageNet and CIFAR.
Neither package is installed here (antialiased_cnns is not in Debian), so the
restatement is checked against the spec's tables (docs/spec/architectures.md) on
full-width models before anything is written: key counts, key names and
shapes, BlurPool's taps and output sizes at 224.

The only change from the official code is the width: the stem and stage
widths are `width` x (1, 2, 4, 8) instead of 64 x (1, 2, 4, 8), so the
fixtures stay small (the engine reads every width from the tensors' shapes).

Writes tests/fixtures/arch_blur/:
  blur_<f>_s<s>_{x,y,dy,dx}.npy  BlurPool alone, f = 1..7, stride 1 and 2,
                                 odd and even sides, in the engine's (C, N, H, W)
                                 layout: input, output, a random output gradient
                                 and the input gradient autograd gives for it
  blur_custom_*.npy              the same with a random filter per channel (the
                                 engine must use the `filt` buffer as saved)
  x<side>.npy                    inputs (N, C, side, side), shared by models
  <model>.pth / <model>.ckpt     adobe models as their released weights are
                                 saved ({'state_dict': ...}; zip format) and
                                 pushpull-conv models as Lightning checkpoints
                                 (no key prefix, hyper_parameters as an
                                 AttributeDict)
  <model>_logits.npy             (N, classes)
  <model>_conv1.npy              the first layer's output (the conv or PushPull
                                 unit, before blur and BN), NCHW
  <model>_stem.npy               after the stem's pools, NCHW
  aa_r18_f4_pool_legacy.pth      one model in the legacy (pre-1.6) format, as
                                 adobe's main.py --save_weights writes it (its
                                 storage keys are addresses: the bytes differ
                                 from run to run, the tensors do not)
  MODELS                         one line per model: file side family depth f
                                 pool_only push_pull config
  <model>_train_{y,loss}.npy,    one training step of two of the models (train-
  <model>_train_grad.safetensors mode BN, cross-entropy on labels y, input
                                 x<side>.npy): the loss and every trainable
                                 parameter's gradient, by state-dict name
"""
import argparse
import importlib.util
import os
import shutil

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "arch_blur")


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ENGINE = _load("engine_fixtures", os.path.join(HERE, "make_fixtures.py"))
CKPT = _load("ckpt_fixtures", os.path.join(HERE, "ckpt", "make_fixtures.py"))
PushPullConv2DUnit = ENGINE.PushPullConv2DUnit


# ------------------------------------------------------------------ BlurPool
class BlurPool(nn.Module):
    """antialiased_cnns.BlurPool (2-D): binomial filter, reflection padding."""
    TAPS = {1: [1.], 2: [1., 1.], 3: [1., 2., 1.], 4: [1., 3., 3., 1.], 5: [1., 4., 6., 4., 1.],
            6: [1., 5., 10., 10., 5., 1.], 7: [1., 6., 15., 20., 15., 6., 1.]}

    def __init__(self, channels, pad_type="reflect", filt_size=4, stride=2, pad_off=0):
        super().__init__()
        assert pad_type == "reflect"
        self.filt_size, self.pad_off, self.stride, self.channels = filt_size, pad_off, stride, channels
        self.pad_sizes = [int(1. * (filt_size - 1) / 2), int(np.ceil(1. * (filt_size - 1) / 2))] * 2
        self.pad_sizes = [p + pad_off for p in self.pad_sizes]
        a = np.array(self.TAPS[filt_size])
        filt = torch.Tensor(a[:, None] * a[None, :])
        filt = filt / torch.sum(filt)
        self.register_buffer("filt", filt[None, None, :, :].repeat((channels, 1, 1, 1)))
        self.pad = nn.ReflectionPad2d(self.pad_sizes)

    def forward(self, inp):
        if self.filt_size == 1:
            if self.pad_off == 0:
                return inp[:, :, ::self.stride, ::self.stride]
            return self.pad(inp)[:, :, ::self.stride, ::self.stride]
        return F.conv2d(self.pad(inp), self.filt, stride=self.stride, groups=inp.shape[1])


def conv3x3(cin, cout, stride=1, groups=1):
    return nn.Conv2d(cin, cout, kernel_size=3, stride=stride, padding=1, groups=groups, bias=False)


def conv1x1(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, kernel_size=1, stride=stride, bias=False)


# ------------------------------------------- adobe antialiased_cnns/resnet.py
# pushpull-conv's resnet_zhang_ICML2019.py copies these two blocks unchanged
# (its argument is named antialiasing_filter_size), so they serve both.
class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, filter_size=1):
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes)  # the stride moved into the blur
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        if stride == 1:
            self.conv2 = conv3x3(planes, planes)
        else:
            self.conv2 = nn.Sequential(BlurPool(planes, filt_size=filter_size, stride=stride),
                                       conv3x3(planes, planes))
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, filter_size=1, groups=1, base_width=64):
        super().__init__()
        width = int(planes * (base_width / 64.)) * groups  # adobe's (torchvision's) wide / ResNeXt widths
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = conv3x3(width, width, groups=groups)  # stride moved
        self.bn2 = nn.BatchNorm2d(width)
        if stride == 1:
            self.conv3 = conv1x1(width, planes * self.expansion)
        else:
            self.conv3 = nn.Sequential(BlurPool(width, filt_size=filter_size, stride=stride),
                                       conv1x1(width, planes * self.expansion))
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(out + identity)


def blur_downsample(inplanes, outplanes, stride, filter_size):
    """Zhang's shortcut: blur (stride 2 only), then the 1x1 conv at stride 1, then BN."""
    layers = [BlurPool(inplanes, filt_size=filter_size, stride=stride)] if stride != 1 else []
    layers += [conv1x1(inplanes, outplanes, 1), nn.BatchNorm2d(outplanes)]
    return nn.Sequential(*layers)


class StagedResNet(nn.Module):
    """What both repositories share after the stem: layer1..4 and the head."""

    def make_stages(self, block, layers, width, filter_size, make_block, make_down):
        self.inplanes = width
        self.layer1 = self._make_layer(block, width, layers[0], 1, 1, make_block, make_down)
        self.layer2 = self._make_layer(block, width * 2, layers[1], 2, filter_size, make_block, make_down)
        self.layer3 = self._make_layer(block, width * 4, layers[2], 2, filter_size, make_block, make_down)
        self.layer4 = self._make_layer(block, width * 8, layers[3], 2, filter_size, make_block, make_down)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))

    def _make_layer(self, block, planes, blocks, stride, filter_size, make_block, make_down):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = make_down(self.inplanes, planes * block.expansion, stride, filter_size)
        layers = [make_block(block, self.inplanes, planes, stride, downsample, filter_size)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(make_block(block, self.inplanes, planes, 1, None, filter_size))
        return nn.Sequential(*layers)

    def run(self, x, taps):
        x = self.stem(x, taps)
        for name in ("layer1", "layer2", "layer3", "layer4"):
            x = getattr(self, name)(x)
        return torch.flatten(self.avgpool(x), 1)


def plain_block(block, inplanes, planes, stride, downsample, filter_size):
    return block(inplanes, planes, stride, downsample, filter_size=filter_size)


class AdobeResNet(StagedResNet):
    def __init__(self, block, layers, num_classes=1000, filter_size=1, pool_only=True, width=64, groups=1,
                 width_per_group=64):
        super().__init__()

        def make_block(block, inplanes, planes, stride, downsample, filter_size):
            if block is not Bottleneck:
                return plain_block(block, inplanes, planes, stride, downsample, filter_size)
            return block(inplanes, planes, stride, downsample, filter_size=filter_size, groups=groups,
                         base_width=width_per_group)

        self.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2 if pool_only else 1, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        if pool_only:
            self.maxpool = nn.Sequential(nn.MaxPool2d(kernel_size=2, stride=1),
                                         BlurPool(width, filt_size=filter_size, stride=2))
        else:
            self.maxpool = nn.Sequential(BlurPool(width, filt_size=filter_size, stride=2),
                                         nn.MaxPool2d(kernel_size=2, stride=1),
                                         BlurPool(width, filt_size=filter_size, stride=2))
        self.make_stages(block, layers, width, filter_size, make_block, blur_downsample)
        self.fc = nn.Linear(width * 8 * block.expansion, num_classes)

    def stem(self, x, taps):
        taps["conv1"] = x = self.conv1(x)
        taps["stem"] = x = self.maxpool(self.relu(self.bn1(x)))
        return x

    def forward(self, x, taps=None):
        return self.fc(self.run(x, {} if taps is None else taps))


ADOBE_LAYERS = {18: (BasicBlock, [2, 2, 2, 2]), 34: (BasicBlock, [3, 4, 6, 3]),
                50: (Bottleneck, [3, 4, 6, 3]), 101: (Bottleneck, [3, 4, 23, 3])}


# ------------------------------------------- pushpull-conv baselines
def pp_args(dataset_name, use_push_pull, avg=3, alpha=1.0, trainable=True, num_classes=10):
    """The argparse namespace pushpull-conv's train_flow.py hands the model."""
    return argparse.Namespace(dataset_name=dataset_name, use_push_pull=use_push_pull, num_push_pull_layers=1,
                              avg_kernel_size=avg, pull_inhibition_strength=alpha,
                              trainable_pull_inhibition=trainable, num_classes=num_classes)


def pp_stem_conv(args, width):
    """The PushPull unit both baselines use for the stem: 7x7, stride 1, pad 3, no bias."""
    return PushPullConv2DUnit(3, width, 7, 1, 3, args.avg_kernel_size, args.trainable_pull_inhibition,
                              args.pull_inhibition_strength, bias=False)


class ZhangResNet(StagedResNet):
    """pushpull-conv resnet_zhang_ICML2019.ResNet (model name zhang_resnet50; filter 4)."""

    def __init__(self, args, block, layers, antialiasing_filter_size=4, width=64):
        super().__init__()
        f = antialiasing_filter_size
        if args.use_push_pull:
            self.conv1 = pp_stem_conv(args, width)
        else:
            self.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=1, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.Sequential(BlurPool(width, filt_size=f, stride=2), nn.MaxPool2d(kernel_size=2, stride=1),
                                     BlurPool(width, filt_size=f, stride=2))
        if args.dataset_name == "cifar10":  # replaces the stem, push-pull or not
            self.conv1 = nn.Conv2d(3, width, kernel_size=3, stride=1, padding=1)
            self.maxpool = nn.Identity()
        self.make_stages(block, layers, width, f, plain_block, blur_downsample)
        self.classifier = nn.Linear(width * 8 * block.expansion, args.num_classes)

    def stem(self, x, taps):
        taps["conv1"] = x = self.conv1(x)
        taps["stem"] = x = self.maxpool(self.relu(self.bn1(x)))
        return x

    def forward(self, x, taps=None):
        return self.classifier(self.run(x, {} if taps is None else taps))


class VasconcelosBasicBlock(BasicBlock):
    """The blur sits after conv1 (at the block's stride); forward as BasicBlock."""

    def __init__(self, inplanes, planes, stride=1, downsample=None, antialiasing_filter_size=1):
        nn.Module.__init__(self)
        self.conv1 = nn.Sequential(conv3x3(inplanes, planes),
                                   BlurPool(planes, filt_size=antialiasing_filter_size, stride=stride))
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample


class VasconcelosBottleneck(Bottleneck):
    """The blur sits after the 3x3 conv2 in every block, at stride 1 where the
    block does not downsample; forward as Bottleneck."""

    def __init__(self, inplanes, planes, stride=1, downsample=None, antialiasing_filter_size=1):
        nn.Module.__init__(self)
        width = planes
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Sequential(conv3x3(width, width),
                                   BlurPool(width, filt_size=antialiasing_filter_size, stride=stride))
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample


def vasconcelos_block(block, inplanes, planes, stride, downsample, filter_size):
    return block(inplanes, planes, stride, downsample, antialiasing_filter_size=filter_size)


def vasconcelos_downsample(inplanes, outplanes, stride, filter_size):
    """conv 1x1 at stride 1, then the blur (stride 2 only), then BN."""
    layers = [conv1x1(inplanes, outplanes, 1)]
    layers += [BlurPool(outplanes, filt_size=filter_size, stride=stride)] if stride != 1 else []
    layers += [nn.BatchNorm2d(outplanes)]
    return nn.Sequential(*layers)


class VasconcelosResNet(StagedResNet):
    """pushpull-conv resnet_vasconcelos_etal.ResNet (vasconcelos_resnet50; filter 5).
    layer1 is made without the filter size, so its blurs are f = 1 at stride 1."""

    def __init__(self, args, block, layers, antialiasing_filter_size=5, width=64):
        super().__init__()
        f = antialiasing_filter_size
        first = pp_stem_conv(args, width) if args.use_push_pull and args.num_push_pull_layers >= 1 else \
            nn.Conv2d(3, width, kernel_size=7, stride=1, padding=3, bias=False)
        self.conv1 = nn.Sequential(first, BlurPool(width, filt_size=f, stride=2))
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.Sequential(nn.MaxPool2d(kernel_size=2, stride=1), BlurPool(width, filt_size=f, stride=2))
        if args.dataset_name == "cifar10":
            self.conv1 = nn.Conv2d(3, width, kernel_size=3, stride=1, padding=1)
            self.maxpool = nn.Identity()
        self.make_stages(block, layers, width, f, vasconcelos_block, vasconcelos_downsample)
        self.classifier = nn.Linear(width * 8 * block.expansion, args.num_classes)

    def stem(self, x, taps):
        if isinstance(self.conv1, nn.Sequential):
            taps["conv1"] = x = self.conv1[0](x)
            x = self.conv1[1](x)
        else:
            taps["conv1"] = x = self.conv1(x)
        taps["stem"] = x = self.maxpool(self.relu(self.bn1(x)))
        return x

    def forward(self, x, taps=None):
        return self.classifier(self.run(x, {} if taps is None else taps))


PP_LAYERS = {18: ([2, 2, 2, 2], BasicBlock, VasconcelosBasicBlock),
             50: ([3, 4, 6, 3], Bottleneck, VasconcelosBottleneck)}


def zhang(depth, args, width=64, f=4):
    layers, block, _ = PP_LAYERS[depth]
    return ZhangResNet(args, block, layers, f, width)


def vasconcelos(depth, args, width=64, f=5):
    layers, _, block = PP_LAYERS[depth]
    return VasconcelosResNet(args, block, layers, f, width)


# ------------------------------------------- checks against the spec
def check_against_spec():
    """docs/spec/architectures.md: key counts, the key table and BlurPool's maths."""
    def keys(model):
        return model.state_dict()

    for f, taps in BlurPool.TAPS.items():
        filt = BlurPool(1, filt_size=f).filt[0, 0].double().numpy()
        a = np.array(taps)
        assert np.allclose(filt, np.outer(a, a) / np.outer(a, a).sum(), rtol=0, atol=1e-7), f
    assert BlurPool(1, filt_size=4).pad_sizes == [1, 2, 1, 2] and BlurPool(1, filt_size=5).pad_sizes == [2] * 4
    for h in (7, 56, 111):
        assert BlurPool(1, filt_size=4)(torch.zeros(1, 1, h, h)).shape[-1] == (h + 1) // 2

    sd = keys(AdobeResNet(*ADOBE_LAYERS[18], filter_size=4, pool_only=True))
    assert len(sd) == 129, len(sd)
    assert tuple(sd["maxpool.1.filt"].shape) == (64, 1, 4, 4)
    assert tuple(sd["layer2.0.conv2.0.filt"].shape) == (128, 1, 4, 4)
    assert tuple(sd["layer2.0.conv2.1.weight"].shape) == (128, 128, 3, 3)
    assert tuple(sd["layer2.0.downsample.0.filt"].shape) == (64, 1, 4, 4)
    assert tuple(sd["layer2.0.downsample.1.weight"].shape) == (128, 64, 1, 1)
    assert "layer2.0.downsample.2.running_var" in sd and "layer2.0.conv2.weight" not in sd
    r50 = AdobeResNet(*ADOBE_LAYERS[50], filter_size=4, pool_only=True)
    sd = keys(r50)
    assert len(sd) == 327, len(sd)
    assert tuple(sd["layer3.0.conv3.0.filt"].shape) == (256, 1, 4, 4)
    assert tuple(sd["layer3.0.conv3.1.weight"].shape) == (1024, 256, 1, 1)
    assert tuple(sd["layer3.0.downsample.0.filt"].shape) == (512, 1, 4, 4)
    assert "layer1.0.downsample.0.weight" in sd  # the stride-1 shortcut is unchanged
    sd = keys(AdobeResNet(*ADOBE_LAYERS[50], filter_size=4, pool_only=False))
    assert len(sd) == 328 and "maxpool.0.filt" in sd and "maxpool.2.filt" in sd, len(sd)
    # Same parameters as torchvision; the blur adds buffers only.
    import torchvision
    assert sum(p.numel() for p in r50.parameters()) == \
        sum(p.numel() for p in torchvision.models.resnet50().parameters())

    z = zhang(50, pp_args("imagenet", False, num_classes=1000))
    sd = keys(z)
    assert len(sd) == 328, len(sd)
    adobe = AdobeResNet(*ADOBE_LAYERS[50], filter_size=4, pool_only=False)
    renamed = {k.replace("fc.", "classifier."): v for k, v in adobe.state_dict().items()}
    assert list(renamed) == list(sd)  # the spec's strict load after fc. -> classifier.
    for k in renamed:
        assert renamed[k].shape == sd[k].shape, k
    v = vasconcelos(50, pp_args("imagenet", False))
    sd = keys(v)
    assert len(sd) == 341, len(sd)
    assert tuple(sd["conv1.0.weight"].shape) == (64, 3, 7, 7) and tuple(sd["conv1.1.filt"].shape) == (64, 1, 5, 5)
    assert tuple(sd["maxpool.1.filt"].shape) == (64, 1, 5, 5)
    assert tuple(sd["layer1.1.conv2.1.filt"].shape) == (64, 1, 1, 1)
    assert tuple(sd["layer3.2.conv2.1.filt"].shape) == (256, 1, 5, 5)
    assert tuple(sd["layer2.0.downsample.1.filt"].shape) == (512, 1, 5, 5)
    assert "layer2.0.downsample.2.running_mean" in sd and "layer1.0.downsample.1.weight" in sd
    vp = vasconcelos(50, pp_args("imagenet", True))
    assert "conv1.0.push_conv.weight" in vp.state_dict() and "conv1.0.pull_inhibition_strength" in vp.state_dict()
    zc = zhang(50, pp_args("cifar10", True))  # CIFAR replaces even a push-pull stem
    assert tuple(zc.state_dict()["conv1.weight"].shape) == (64, 3, 3, 3) and "conv1.bias" in zc.state_dict()

    # Stem output sizes at 224 (narrow models: the sizes do not depend on width).
    x = torch.zeros(1, 3, 224, 224)
    with torch.no_grad():
        for model in (AdobeResNet(*ADOBE_LAYERS[18], filter_size=4, pool_only=True, width=2),
                      AdobeResNet(*ADOBE_LAYERS[18], filter_size=4, pool_only=False, width=2),
                      vasconcelos(50, pp_args("imagenet", False), width=2)):
            taps = {}
            model(x, taps)
            assert taps["stem"].shape[-1] == 56, taps["stem"].shape


# ------------------------------------------- writers
def save(name, array):
    np.save(os.path.join(OUT, name), np.ascontiguousarray(array))


def to_cnhw(t):
    return t.detach().numpy().transpose(1, 0, 2, 3)


def blur_fixtures(gen):
    """BlurPool alone against autograd, every filter size, both strides."""
    cases = [(f, s, h, w) for f in range(1, 8) for s in (1, 2) for h, w in ((9, 8),)]
    cases += [(4, 2, 7, 4), (5, 2, 3, 6), (2, 2, 2, 5)]  # small sides: the pad just fits
    for f, s, h, w in cases:
        bp = BlurPool(3, filt_size=f, stride=s)
        name = f"blur_{f}_s{s}" + ("" if (h, w) == (9, 8) else f"_{h}x{w}")
        write_blur_case(name, bp, torch.randn(2, 3, h, w, generator=gen), gen)
    bp = BlurPool(3, filt_size=3, stride=2)
    bp.filt.copy_(torch.rand(3, 1, 3, 3, generator=gen))
    write_blur_case("blur_custom", bp, torch.randn(2, 3, 8, 9, generator=gen), gen)
    save("blur_custom_filt.npy", bp.filt.numpy())


def write_blur_case(name, bp, x, gen):
    x = x.clone().requires_grad_(True)
    y = bp(x)
    dy = torch.randn(y.shape, generator=gen)
    y.backward(dy)
    save(f"{name}_x.npy", to_cnhw(x))
    save(f"{name}_y.npy", to_cnhw(y))
    save(f"{name}_dy.npy", to_cnhw(dy))
    save(f"{name}_dx.npy", to_cnhw(x.grad))


def lightning_ckpt(sd, hparams):
    """A Lightning 2.1 ModelCheckpoint file as pushpull-conv writes it: the
    LightningModule's own state dict (no prefix) and save_hyperparameters(args)."""
    AttributeDict = CKPT.fake_attribute_dict()
    return {
        "epoch": 41,
        "global_step": 16422,
        "pytorch-lightning_version": "2.1.3",
        "state_dict": sd,
        "loops": {"fit_loop": {"state_dict": {}}},
        "callbacks": {},
        "optimizer_states": [],
        "lr_schedulers": [],
        "hparams_name": "args",
        "hyper_parameters": AttributeDict(hparams),
    }


# Blurs in the stem at stride 2 (adobe, pool_only false) and at stride 1 in
# every block of layers 2-4 plus f = 1 in layer1 (vasconcelos).
TRAINED = ("aa_r18_f3_full", "vasconcelos_r50_cifar")


def train_step_fixture(model, stem, x, classes, gen):
    """Gradients of one training step (train-mode BN, mean cross-entropy)."""
    y = torch.randint(0, classes, (x.shape[0],), generator=gen)
    model.train()
    model.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
    save(f"{stem}_train_y.npy", y.numpy().astype(np.int64))
    save(f"{stem}_train_loss.npy", np.array([loss.item()], dtype=np.float64))
    ENGINE.save_safetensors(os.path.join(OUT, f"{stem}_train_grad.safetensors"), grads, None)
    model.eval()


def model_fixtures(gen):
    adobe = [
        # depth, f, pool_only, width, input side: each filter size 2..5 and
        # both pool_only settings once, each depth at least once; the deep
        # ones at width 1 (stage widths 1, 2, 4, 8) to keep the files small
        (18, 2, True, 2, 48), (18, 3, False, 2, 48), (18, 4, True, 2, 48), (18, 5, False, 2, 48),
        (34, 4, False, 2, 48), (50, 4, True, 2, 48), (50, 3, False, 1, 48), (101, 5, True, 1, 48),
    ]
    # Vasconcelos blurs at stride 1 after layer4's 3x3s: the input must leave
    # layer4 at >= 3 px for the f = 5 reflection pad (72 -> 3).
    pushpull = [
        # name, maker, depth, dataset, push-pull, avg, alpha, trainable, side
        ("zhang_r50_imagenet", zhang, 50, "imagenet", False, 3, 1.0, True, 48),
        ("zhang_r50_imagenet_pp3", zhang, 50, "imagenet", True, 3, 1.0, True, 48),
        ("zhang_r50_cifar", zhang, 50, "cifar10", True, 3, 1.0, True, 32),
        ("vasconcelos_r50_imagenet", vasconcelos, 50, "imagenet", False, 3, 1.0, True, 72),
        ("vasconcelos_r50_imagenet_pp5_fixed", vasconcelos, 50, "imagenet", True, 5, 0.75, False, 72),
        ("vasconcelos_r50_cifar", vasconcelos, 50, "cifar10", False, 3, 1.0, True, 32),
    ]
    width, classes, batch = 2, 10, 2
    inputs = {}
    for side in sorted({c[-1] for c in adobe} | {c[-1] for c in pushpull}):
        inputs[side] = torch.randn(batch, 3, side, side, generator=gen)
        save(f"x{side}.npy", inputs[side].numpy())
    lines = []

    def write(model, fname, obj_of, side, line, train=False):
        ENGINE.randomize(model, gen)
        model.eval()
        taps = {}
        with torch.no_grad():
            logits = model(inputs[side], taps)
        stem = fname.rsplit(".", 1)[0]
        torch.save(obj_of(model.state_dict()), os.path.join(OUT, fname))
        save(f"{stem}_logits.npy", logits.numpy())
        save(f"{stem}_conv1.npy", taps["conv1"].numpy())
        save(f"{stem}_stem.npy", taps["stem"].numpy())
        lines.append(f"{fname} {side} {line}")
        if train:
            train_step_fixture(model, stem, inputs[side], classes, gen)
        return model

    for depth, f, pool_only, adobe_width, side in adobe:
        block, layers = ADOBE_LAYERS[depth]
        model = AdobeResNet(block, layers, classes, f, pool_only, adobe_width)
        name = f"aa_r{depth}_f{f}_{'pool' if pool_only else 'full'}"
        write(model, name + ".pth", lambda sd: {"state_dict": sd}, side,
              f"adobe {depth} {f} {int(pool_only)} 0 imagenet", train=name in TRAINED)
        if name == "aa_r18_f4_pool":
            torch.save({"state_dict": model.state_dict()}, os.path.join(OUT, name + "_legacy.pth"),
                       _use_new_zipfile_serialization=False)
    for name, maker, depth, dataset, pp, avg, alpha, trainable, side in pushpull:
        args = pp_args(dataset, pp, avg, alpha, trainable, classes)
        f = 4 if maker is zhang else 5
        model = maker(depth, args, width, f)
        hp = dict(vars(args), model=f"{maker.__name__}_resnet{depth}", img_size=side, use_grayscale=False,
                  augmentation=None, seed=None)
        write(model, name + ".ckpt", lambda sd: lightning_ckpt(sd, hp), side,
              f"{maker.__name__} {depth} {f} 0 {int(pp and dataset != 'cifar10')} {dataset}", train=name in TRAINED)
    # adobe's resnext50_32x4d / wide_resnet50_2 arguments (groups, width_per_group) at
    # width 2: inner widths 4-8-16-32 in 2 groups (last, so the models above keep their draws)
    model = AdobeResNet(Bottleneck, [3, 4, 6, 3], classes, 3, True, 2, groups=2, width_per_group=64)
    write(model, "aa_r50_f3_pool_g2.pth", lambda sd: {"state_dict": sd}, 48, "adobe 50 3 1 0 imagenet")
    with open(os.path.join(OUT, "MODELS"), "w") as fh:
        fh.write("# file side family depth filter pool_only push_pull config\n")
        fh.write("\n".join(lines) + "\n")


def main():
    check_against_spec()
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    gen = torch.Generator().manual_seed(2019)
    torch.manual_seed(2019)
    blur_fixtures(gen)
    model_fixtures(gen)
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {OUT}: {len(os.listdir(OUT))} files, {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()

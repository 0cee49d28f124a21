#!/usr/bin/python3
"""Fixtures for EfficientNet-b0 and its layers (run by hand, not in CI):

    /usr/bin/python3 tests/make_arch_fixtures_effnet.py

Uses Debian's python3-torch and python3-torchvision (0.14):
  - torchvision.models.efficientnet (EfficientNet, _efficientnet_conf): the
    models themselves, at width 0.1 and depth 0.5 so the files stay small;
  - a restatement of the lukemelas EfficientNet-PyTorch 0.7.1 model that
    bgswaroop/pushpull-conv @ a218234 copies (project/models/classification/
    efficientnet/{model,utils}.py: MBConvBlock, EfficientNet,
    Conv2dStaticSamePadding, round_filters/round_repeats), written from the
    spec (docs/spec/architectures.md, EfficientNet-B0) since the package is not
    installed: state-dict names, BN eps 1e-3 / momentum 0.01, swish, the
    TensorFlow "same" pads computed once for image_size 224, drop_connect.
    It is checked against the spec's tables on a full-size b0 before
    anything is written (360 keys, 5,288,548 parameters as torchvision, the
    static pads of every stride-2 conv);
  - the PushPull stem (tests/make_fixtures.py's restatement of pushpull-conv's
    PushPullConv2DUnit, imported): 3x3/2, padding 1 (symmetric), no bias.

Writes tests/fixtures/arch_effnet/:
  ops.safetensors             the new layers alone against autograd, in the
                              engine's (C, N, H, W) layout: depthwise 3x3/5x5 at
                              stride 1/2 with symmetric and TF pads
                              (dw_<k>_s<s>_<lrtb>.{x,w,y,dy,dx,dw}), squeeze-
                              excite (se.{x,w1,b1,w2,b2,y,dy,dx,dw1,db1,dw2,db2})
                              and SiLU (silu.{x,y,dy,dx})
  x<side>.npy                 inputs (N, C, side, side)
  <model>.pth / .ckpt         torchvision state dicts (torch.save(sd)) and
                              pushpull-conv Lightning checkpoints (no prefix,
                              hyper_parameters as an AttributeDict)
  <model>_{logits,conv1,stem}.npy  eval-mode outputs (conv1: the first layer's
                              output before BN; stem: after the stem's SiLU)
  <model>_train_{y,loss}.npy, <model>_train_grad.safetensors  one training
                              step (train-mode BN, cross-entropy; drop-connect
                              and dropout 0 so it is deterministic)
  MODELS                      file side family push_pull
  b0_keys_<impl>.txt          the full-size b0's keys and shapes (torchvision,
                              lukemelas, lukemelas with a trainable PushPull stem)
"""
import importlib.util
import math
import os
import shutil

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models.efficientnet import EfficientNet, _efficientnet_conf

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "arch_effnet")


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ENGINE = _load("engine_fixtures", os.path.join(HERE, "make_fixtures.py"))
BLUR = _load("blur_fixtures", os.path.join(HERE, "make_arch_fixtures_blur.py"))
PushPullConv2DUnit = ENGINE.PushPullConv2DUnit


# ------------------------------------------------------------ lukemelas copy
B0_BLOCKS = [  # r, k, s, e, i, o (se 0.25): utils.py's block strings for b0
    (1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40), (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192), (1, 3, 1, 6, 192, 320),
]


def round_filters(filters, width, divisor=8):
    filters *= width
    new = max(divisor, int(filters + divisor / 2) // divisor * divisor)
    if new < 0.9 * filters:
        new += divisor
    return int(new)


def round_repeats(repeats, depth):
    return int(math.ceil(depth * repeats))


class Conv2dStaticSamePadding(nn.Conv2d):
    """TF "same" padding computed once for image_size (ZeroPad2d, extra pixel
    right/bottom), then an unpadded conv."""

    def __init__(self, cin, cout, k, stride=1, groups=1, bias=False, image_size=224):
        super().__init__(cin, cout, k, stride, bias=bias, groups=groups)
        oh = math.ceil(image_size / stride)
        pad = max((oh - 1) * stride + k - image_size, 0)
        self.pads = (pad // 2, pad - pad // 2, pad // 2, pad - pad // 2)
        self.static_padding = nn.ZeroPad2d(self.pads) if pad > 0 else nn.Identity()

    def forward(self, x):
        return F.conv2d(self.static_padding(x), self.weight, self.bias, self.stride, 0, 1, self.groups)


def drop_connect(x, p, training):
    if not training:
        return x
    keep = 1 - p
    mask = torch.floor(keep + torch.rand([x.shape[0], 1, 1, 1], dtype=x.dtype))
    return x / keep * mask


class MBConvBlock(nn.Module):
    def __init__(self, k, s, e, cin, cout, image_size):
        super().__init__()
        mom, eps = 0.01, 1e-3
        exp = cin * e
        self.expand, self.skip = e != 1, s == 1 and cin == cout
        if self.expand:
            self._expand_conv = Conv2dStaticSamePadding(cin, exp, 1, image_size=image_size)
            self._bn0 = nn.BatchNorm2d(exp, momentum=mom, eps=eps)
        self._depthwise_conv = Conv2dStaticSamePadding(exp, exp, k, s, groups=exp, image_size=image_size)
        self._bn1 = nn.BatchNorm2d(exp, momentum=mom, eps=eps)
        sq = max(1, int(cin * 0.25))
        self._se_reduce = Conv2dStaticSamePadding(exp, sq, 1, bias=True, image_size=1)
        self._se_expand = Conv2dStaticSamePadding(sq, exp, 1, bias=True, image_size=1)
        self._project_conv = Conv2dStaticSamePadding(exp, cout, 1, image_size=math.ceil(image_size / s))
        self._bn2 = nn.BatchNorm2d(cout, momentum=mom, eps=eps)

    def forward(self, inputs, drop_connect_rate=None):
        x = inputs
        if self.expand:
            x = F.silu(self._bn0(self._expand_conv(x)))
        x = F.silu(self._bn1(self._depthwise_conv(x)))
        sq = F.adaptive_avg_pool2d(x, 1)
        sq = self._se_expand(F.silu(self._se_reduce(sq)))
        x = torch.sigmoid(sq) * x
        x = self._bn2(self._project_conv(x))
        if self.skip:
            if drop_connect_rate:
                x = drop_connect(x, drop_connect_rate, self.training)
            x = x + inputs
        return x


class LukemelasEfficientNet(nn.Module):
    def __init__(self, width=1.0, depth=1.0, num_classes=1000, image_size=224, drop_connect_rate=0.2,
                 pp=None):
        super().__init__()
        mom, eps = 0.01, 1e-3
        stem = round_filters(32, width)
        if pp:  # pushpull-conv: the unit pads symmetrically (padding 1), no bias
            avg, alpha, trainable = pp
            self._conv_stem = PushPullConv2DUnit(3, stem, 3, 2, 1, avg, trainable, alpha, bias=False)
        else:
            self._conv_stem = Conv2dStaticSamePadding(3, stem, 3, 2, image_size=image_size)
        self._bn0 = nn.BatchNorm2d(stem, momentum=mom, eps=eps)
        size = math.ceil(image_size / 2)
        self._blocks = nn.ModuleList()
        for r, k, s, e, i, o in B0_BLOCKS:
            cin, cout = round_filters(i, width), round_filters(o, width)
            for j in range(round_repeats(r, depth)):
                self._blocks.append(MBConvBlock(k, s if j == 0 else 1, e, cin if j == 0 else cout, cout, size))
                if j == 0:
                    size = math.ceil(size / s)
        last = round_filters(320, width)
        head = round_filters(1280, width)
        self._conv_head = Conv2dStaticSamePadding(last, head, 1, image_size=size)
        self._bn1 = nn.BatchNorm2d(head, momentum=mom, eps=eps)
        self._dropout = nn.Dropout(0.2)
        self._fc = nn.Linear(head, num_classes)
        self.drop_connect_rate = drop_connect_rate

    def forward(self, x, taps=None):
        x = self._conv_stem(x)
        if taps is not None:
            taps["conv1"] = x
        x = F.silu(self._bn0(x))
        if taps is not None:
            taps["stem"] = x
        for idx, block in enumerate(self._blocks):
            rate = self.drop_connect_rate
            if rate:
                rate *= float(idx) / len(self._blocks)
            x = block(x, drop_connect_rate=rate)
        x = F.silu(self._bn1(self._conv_head(x)))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self._fc(self._dropout(x))


# ------------------------------------------------------------ torchvision
def torchvision_effnet(width, depth, num_classes, pp=None, stochastic_depth=0.2, dropout=0.2):
    setting, last = _efficientnet_conf("efficientnet_b0", width_mult=width, depth_mult=depth)
    model = EfficientNet(setting, dropout, stochastic_depth, num_classes, last_channel=last)
    if pp:
        avg, alpha, trainable = pp
        cout = model.features[0][0].out_channels
        model.features[0][0] = PushPullConv2DUnit(3, cout, 3, 2, 1, avg, trainable, alpha, bias=False)
    return model


def torchvision_forward(model, x, taps):
    y = model.features[0][0](x)
    taps["conv1"] = y
    y = model.features[0][2](model.features[0][1](y))
    taps["stem"] = y
    for f in model.features[1:]:
        y = f(y)
    return model.classifier(torch.flatten(model.avgpool(y), 1))


# ------------------------------------------------------------ checks
def count(model):
    return sum(p.numel() for p in model.parameters())


def check_against_spec():
    tv = torchvision_effnet(1.0, 1.0, 1000)
    lm = LukemelasEfficientNet()
    tv_sd, lm_sd = tv.state_dict(), lm.state_dict()
    assert len(tv_sd) == 360 and len(lm_sd) == 360, (len(tv_sd), len(lm_sd))
    assert count(tv) == 5288548 and count(lm) == 5288548, (count(tv), count(lm))
    # the same tensors in the same order (block index map of the spec)
    assert [v.shape for v in tv_sd.values()] == [v.shape for v in lm_sd.values()]
    assert lm._conv_stem.pads == (0, 1, 0, 1)
    pads = {j: b._depthwise_conv.pads for j, b in enumerate(lm._blocks)}
    for j, want in {1: (0, 1, 0, 1), 3: (1, 2, 1, 2), 5: (0, 1, 0, 1), 11: (1, 2, 1, 2)}.items():
        assert pads[j] == want, (j, pads[j])
    for j, b in enumerate(lm._blocks):
        k = b._depthwise_conv.kernel_size[0]
        if b._depthwise_conv.stride[0] == 1:
            assert pads[j] == ((k - 1) // 2,) * 4, (j, pads[j])
    lm_pp = LukemelasEfficientNet(pp=(3, 1.0, True))
    assert len(lm_pp.state_dict()) == 361
    x = torch.randn(1, 3, 224, 224)
    lm.eval()
    with torch.no_grad():
        taps = {}
        assert lm(x, taps).shape == (1, 1000) and taps["stem"].shape[-1] == 112
    return {"torchvision": tv_sd, "lukemelas": lm_sd, "lukemelas_pp": lm_pp.state_dict()}


# ------------------------------------------------------------ writers
# the blur script's writers, pointed at this script's folder
BLUR.OUT = OUT
save = BLUR.save
to_cnhw = BLUR.to_cnhw


def randomise(model, gen):
    """Random weights and running statistics (the fresh model's are too tame)."""
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if t.dtype != torch.float32:
                continue
            if name.endswith("running_var"):
                t.copy_(torch.rand(t.shape, generator=gen) * 0.5 + 0.5)
            elif name.endswith("running_mean") or name.endswith(".bias"):
                t.copy_(torch.randn(t.shape, generator=gen) * 0.1)
            elif name.endswith("pull_inhibition_strength"):
                t.copy_(torch.rand(t.shape, generator=gen))
            elif t.ndim == 1:  # BN gamma
                t.copy_(torch.rand(t.shape, generator=gen) * 0.5 + 0.75)
            else:
                fan_in = t[0].numel()
                t.copy_(torch.randn(t.shape, generator=gen) * (2.0 / fan_in) ** 0.5)


def op_fixtures(gen):
    out = {}

    def grads(fn, inputs, prefix):
        for t in inputs.values():
            t.requires_grad_(True)
        y = fn(**inputs)
        dy = torch.randn(y.shape, generator=gen)
        y.backward(dy)
        for k, t in inputs.items():
            out[f"{prefix}.{k}"] = to_cnhw(t) if t.ndim == 4 and k == "x" else t.detach().clone()
            out[f"{prefix}.d{k}"] = to_cnhw(t.grad) if t.ndim == 4 and k == "x" else t.grad.clone()
        out[f"{prefix}.y"] = to_cnhw(y)
        out[f"{prefix}.dy"] = to_cnhw(dy)

    # depthwise: (k, stride, (left, right, top, bottom)); sides 9x10 (odd and even)
    for k, s, pads in [(3, 1, (1, 1, 1, 1)), (3, 2, (1, 1, 1, 1)), (5, 1, (2, 2, 2, 2)), (5, 2, (2, 2, 2, 2)),
                       (3, 2, (0, 1, 0, 1)), (5, 2, (1, 2, 1, 2))]:
        name = f"dw_{k}_s{s}_{''.join(map(str, pads))}"
        c = 5

        def dw(x, w, k=k, s=s, pads=pads, c=c):
            return F.conv2d(F.pad(x, pads), w, None, s, 0, 1, c)

        grads(dw, {"x": torch.randn(2, c, 9, 10, generator=gen), "w": torch.randn(c, 1, k, k, generator=gen)}, name)
    C, S = 12, 3

    def se(x, w1, b1, w2, b2):
        s = F.adaptive_avg_pool2d(x, 1)
        s = F.silu(F.conv2d(s, w1.view(S, C, 1, 1), b1))
        s = torch.sigmoid(F.conv2d(s, w2.view(C, S, 1, 1), b2))
        return x * s

    grads(se, {"x": torch.randn(3, C, 5, 6, generator=gen), "w1": torch.randn(S, C, generator=gen) * 0.5,
               "b1": torch.randn(S, generator=gen), "w2": torch.randn(C, S, generator=gen) * 0.5,
               "b2": torch.randn(C, generator=gen)}, "se")
    grads(lambda x: F.silu(x), {"x": torch.randn(2, 3, 4, 5, generator=gen) * 4}, "silu")
    ENGINE.save_safetensors(os.path.join(OUT, "ops.safetensors"),
                            {k: torch.as_tensor(np.ascontiguousarray(v)) for k, v in out.items()}, None)


def lm_hparams(pp, classes):
    avg, alpha, trainable = pp if pp else (3, 1.0, True)
    return {"model": "efficientnet_b0", "dataset_name": "imagenet", "num_classes": classes,
            "use_push_pull": bool(pp), "num_push_pull_layers": 1, "avg_kernel_size": avg,
            "pull_inhibition_strength": alpha, "trainable_pull_inhibition": trainable, "img_size": 224,
            "use_grayscale": False}


def train_step_fixture(model, stem, x, classes, gen):
    """One training step with drop-connect and dropout 0 (deterministic)."""
    if isinstance(model, LukemelasEfficientNet):
        model.drop_connect_rate = 0.0
        model._dropout.p = 0.0
    else:
        model.classifier[0].p = 0.0
        for m in model.modules():
            if m.__class__.__name__ == "StochasticDepth":
                m.p = 0.0
    BLUR.train_step_fixture(model, stem, x, classes, gen)


def model_fixtures(gen):
    width, depth, classes, batch = 0.1, 0.5, 10, 2
    models = [
        # name, implementation, PushPull (avg, alpha, trainable) or None, input side, train step
        ("tv_small", "torchvision", None, 64, True),
        ("tv_small_pp3", "torchvision", (3, 1.0, True), 64, False),
        ("lm_small", "lukemelas", None, 40, True),
        ("lm_small_pp3", "lukemelas", (3, 1.0, True), 64, True),
        ("lm_small_pp5_fixed", "lukemelas", (5, 0.75, False), 40, False),
    ]
    inputs = {s: torch.randn(batch, 3, s, s, generator=gen) for s in sorted({m[3] for m in models})}
    for s, x in inputs.items():
        save(f"x{s}.npy", x.numpy())
    rows = []
    for name, impl, pp, side, train in models:
        if impl == "torchvision":
            model = torchvision_effnet(width, depth, classes, pp)
        else:
            model = LukemelasEfficientNet(width, depth, classes, pp=pp)
        randomise(model, gen)
        model.eval()
        x = inputs[side]
        taps = {}
        with torch.no_grad():
            logits = torchvision_forward(model, x, taps) if impl == "torchvision" else model(x, taps)
        if impl == "torchvision" and not pp:
            file = f"{name}.pth"
            torch.save(model.state_dict(), os.path.join(OUT, file))
        else:
            file = f"{name}.ckpt"
            torch.save(BLUR.lightning_ckpt(model.state_dict(), lm_hparams(pp, classes)), os.path.join(OUT, file))
        save(f"{name}_logits.npy", logits.numpy())
        save(f"{name}_conv1.npy", taps["conv1"].numpy())
        save(f"{name}_stem.npy", taps["stem"].numpy())
        if train:
            train_step_fixture(model, name, x, classes, gen)
        family = "efficientnet" if impl == "torchvision" else "efficientnet_lukemelas"
        rows.append(f"{file} {side} {family} {1 if pp else 0}")
    with open(os.path.join(OUT, "MODELS"), "w") as f:
        f.write("# file side family push_pull\n" + "\n".join(rows) + "\n")


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(2024)
    b0 = check_against_spec()
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    for impl, sd in b0.items():
        with open(os.path.join(OUT, f"b0_keys_{impl}.txt"), "w") as f:
            for k, v in sd.items():
                f.write(f"{k} {','.join(map(str, v.shape)) if v.ndim else '-'}\n")
    op_fixtures(gen)
    model_fixtures(gen)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Reference fixtures for the pre-activation networks (run by hand, not in CI):

    /usr/bin/python3 tests/make_arch_fixtures_pnn_wrn.py

Uses Debian's python3-torch (1.13). The models restate, in plain PyTorch and with the
state-dict keys listed in docs/spec/architectures-wrn-preact.md, the code of record:
  - google-research/augmix 9b9824c third_party/WideResNet_pytorch/wideresnet.py (WRN-40-2 in
    cifar.py: `conv_shortcut`), saved as cifar.py does: {'epoch', 'state_dict' of the
    DataParallel net ('module.' prefix), 'best_acc', 'optimizer'};
  - RobustBench robustbench/model_zoo/architectures/wide_resnet.py (TRADES' WideResNet:
    `convShortcut`) and resnet.py (PreActResNet18 = PreActBlock [2,2,2,2], bn_before_fc
    False by default, True in some zoo entries), saved as bare state dicts.
Widths and depths are small (the engine reads every width from the tensors' shapes).

Writes tests/fixtures/wrn/:
  input32_x.npy                      the network input (N = 2, NCHW)
  <net>.{pth.tar,pt}, <net>_logits.npy, <net>_conv1.npy (first layer's output, NCHW)
and tests/fixtures/train/ (the layout of tests/train/make_fixtures.py, read by test_train_pytorch):
  wrn_small.safetensors, preact_small.safetensors + _x, _y, _loss, _grad: one train-mode
      forward and backward (cross-entropy), gradients of every parameter
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import save_safetensors  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "wrn")
TRAIN_OUT = os.path.join(HERE, "fixtures", "train")


# ---------------------------------------------------------------- networks
class WrnBlock(nn.Module):
    """Pre-activation block of the WideResNet: a = relu(bn1(x)); the 1x1 shortcut (only
    when the width changes) reads a, the identity reads x."""

    def __init__(self, cin, cout, stride, shortcut_name):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.shortcut_name = shortcut_name if cin != cout else None
        if self.shortcut_name:
            setattr(self, shortcut_name, nn.Conv2d(cin, cout, 1, stride, 0, bias=False))

    def forward(self, x):
        a = F.relu(self.bn1(x))
        y = self.conv2(F.relu(self.bn2(self.conv1(a))))
        return y + (getattr(self, self.shortcut_name)(a) if self.shortcut_name else x)


class WrnStage(nn.Module):
    def __init__(self, n, cin, cout, stride, shortcut_name):
        super().__init__()
        self.layer = nn.Sequential(*[WrnBlock(cin if i == 0 else cout, cout, stride if i == 0 else 1, shortcut_name)
                                     for i in range(n)])

    def forward(self, x):
        return self.layer(x)


class WideResNet(nn.Module):
    """WRN-depth-k: stem conv 16, three stages of (depth - 4) / 6 blocks at 16k, 32k, 64k,
    then relu(bn1), average pool, fc."""

    def __init__(self, depth, k, num_classes=10, shortcut_name="convShortcut"):
        super().__init__()
        n = (depth - 4) // 6
        widths = [16, 16 * k, 32 * k, 64 * k]
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.block1 = WrnStage(n, widths[0], widths[1], 1, shortcut_name)
        self.block2 = WrnStage(n, widths[1], widths[2], 2, shortcut_name)
        self.block3 = WrnStage(n, widths[2], widths[3], 2, shortcut_name)
        self.bn1 = nn.BatchNorm2d(widths[3])
        self.fc = nn.Linear(widths[3], num_classes)

    def forward(self, x, taps):
        x = self.conv1(x)
        taps["conv1"] = x
        x = self.block3(self.block2(self.block1(x)))
        x = F.avg_pool2d(F.relu(self.bn1(x)), 8)
        return self.fc(x.flatten(1))


class PreActBlock(nn.Module):
    """RobustBench's PreActBlock: the 1x1 shortcut (stride or width change, no BN) reads the
    raw x; out = conv2(relu(bn2(conv1(relu(bn1(x)))))) + shortcut."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False))

    def forward(self, x):
        a = F.relu(self.bn1(x))
        s = self.shortcut(x) if hasattr(self, "shortcut") else x
        return self.conv2(F.relu(self.bn2(self.conv1(a)))) + s


class PreActResNet(nn.Module):
    """PreActResNet-18 with the stem width a parameter (64 in the real net)."""

    def __init__(self, width=64, blocks=(2, 2, 2, 2), num_classes=10, bn_before_fc=False):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 3, 1, 1, bias=False)
        cin, layers = width, []
        for s, n in enumerate(blocks):
            cout = width << s
            layers.append(nn.Sequential(*[PreActBlock(cin if i == 0 else cout, cout, 2 if s and i == 0 else 1)
                                          for i in range(n)]))
            cin = cout
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.bn_before_fc = bn_before_fc
        if bn_before_fc:
            self.bn = nn.BatchNorm2d(cin)
        self.linear = nn.Linear(cin, num_classes)

    def forward(self, x, taps):
        x = self.conv1(x)
        taps["conv1"] = x
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        if self.bn_before_fc:
            x = F.relu(self.bn(x))
        return self.linear(F.avg_pool2d(x, 4).flatten(1))


def randomize(model, gen):
    """Kaiming weights, non-trivial BN statistics; the blocks' bn2 gammas small so the
    residual sums stay of order one."""
    with torch.no_grad():
        for name, m in model.named_modules():
            if isinstance(m, nn.Conv2d):
                fan = m.out_channels * m.kernel_size[0] * m.kernel_size[1]
                m.weight.normal_(0, math.sqrt(2.0 / fan), generator=gen)
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5, generator=gen)
                m.bias.normal_(0, 0.1, generator=gen)
                m.running_mean.normal_(0, 0.1, generator=gen)
                m.running_var.uniform_(0.5, 1.5, generator=gen)
                m.num_batches_tracked.fill_(7)
            elif isinstance(m, nn.Linear):
                m.weight.normal_(0, 0.3, generator=gen)
                m.bias.normal_(0, 0.1, generator=gen)


# ---------------------------------------------------------------- writers
INPUT = {}


def network_outputs(name, model, gen):
    model.eval()
    if "x" not in INPUT:
        INPUT["x"] = torch.randn(2, 3, 32, 32, generator=gen)
        np.save(os.path.join(OUT, "input32_x.npy"), INPUT["x"].numpy())
    taps = {}
    with torch.no_grad():
        logits = model(INPUT["x"], taps)
    np.save(os.path.join(OUT, f"{name}_logits.npy"), logits.numpy())
    np.save(os.path.join(OUT, f"{name}_conv1.npy"), taps["conv1"].numpy())
    print(f"{name}: {len(model.state_dict())} keys, logits in [{logits.min():.3f}, {logits.max():.3f}]")


def network_fixtures(gen):
    # AugMix's cifar.py: WRN-40-2 ('conv_shortcut'), DataParallel, {'epoch','state_dict','best_acc','optimizer'}.
    # Depth 16 widen 1 here: two blocks per stage; block1 keeps 16 channels (identity shortcuts
    # only), blocks 2 and 3 start with a 1x1 shortcut.
    model = WideResNet(16, 1, 10, "conv_shortcut")
    randomize(model, gen)
    sd = {"module." + k: v for k, v in model.state_dict().items()}
    opt = torch.optim.SGD(model.parameters(), 0.1, momentum=0.9).state_dict()
    torch.save({"epoch": 100, "state_dict": sd, "best_acc": 0.0537, "optimizer": opt},
               os.path.join(OUT, "augmix_wrn16_1.pth.tar"))
    network_outputs("augmix_wrn16_1", model, gen)

    # RobustBench / TRADES WideResNet ('convShortcut'), widen 2: every stage starts with a
    # 1x1 shortcut (block1's at stride 1), a bare state dict.
    model = WideResNet(10, 2, 10, "convShortcut")
    randomize(model, gen)
    torch.save(model.state_dict(), os.path.join(OUT, "robustbench_wrn10_2.pt"))
    network_outputs("robustbench_wrn10_2", model, gen)

    # RobustBench PreActResNet-18, narrowed to stem width 4, with and without bn_before_fc
    for name, bn in [("preact18_w4", False), ("preact18_w4_bn", True)]:
        model = PreActResNet(4, (2, 2, 2, 2), 10, bn)
        randomize(model, gen)
        torch.save(model.state_dict(), os.path.join(OUT, f"{name}.pt"))
        network_outputs(name, model, gen)


def engine_names(tensors):
    """The engine's names: fc / linear -> classifier, top-level bn1 -> bn."""
    out = {}
    for k, v in tensors.items():
        for old, new in (("fc.", "classifier."), ("linear.", "classifier."), ("bn1.", "bn.")):
            if k.startswith(old):
                k = new + k[len(old):]
                break
        out[k] = v
    return out


def training_fixtures(gen):
    nets = [("wrn_small", WideResNet(10, 1, 10, "convShortcut")),
            ("preact_small", PreActResNet(4, (1, 1, 1, 1), 10, True))]
    for name, model in nets:
        randomize(model, gen)
        save_safetensors(os.path.join(TRAIN_OUT, f"{name}.safetensors"), engine_names(model.state_dict()),
                         {"dataset_name": "cifar10"})
        x = torch.randn(2, 3, 32, 32, generator=gen)
        y = torch.randint(0, 10, (2,), generator=gen)
        np.save(os.path.join(TRAIN_OUT, f"{name}_x.npy"), x.numpy())
        np.save(os.path.join(TRAIN_OUT, f"{name}_y.npy"), y.numpy().astype(np.int64))
        model.train()
        model.zero_grad()
        loss = F.cross_entropy(model(x, {}), y)
        loss.backward()
        np.save(os.path.join(TRAIN_OUT, f"{name}_loss.npy"), np.array([loss.item()], dtype=np.float64))
        grads = engine_names({n: p.grad.detach().clone() for n, p in model.named_parameters()})
        save_safetensors(os.path.join(TRAIN_OUT, f"{name}_grad.safetensors"), grads, None)
        print(f"{name}: training loss {loss.item():.6f}")


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(2016)
    gen = torch.Generator().manual_seed(2016)
    network_fixtures(gen)
    training_fixtures(gen)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"{len(os.listdir(OUT))} files, {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()

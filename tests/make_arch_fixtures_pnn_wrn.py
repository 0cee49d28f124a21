#!/usr/bin/python3
"""Reference fixtures for the perturbative networks and the pre-activation networks
(run by hand, not in CI):

    /usr/bin/python3 tests/make_arch_fixtures_pnn_wrn.py

Uses Debian's python3-torch (1.13). The models restate, in plain PyTorch and with the
state-dict keys listed in docs/spec/architectures.md (PNN) and
docs/spec/architectures-wrn-preact.md, the code of record:
  - michaelklachko/pnn.pytorch 08865db models.py: PerturbLayer, PerturbBasicBlock,
    PerturbResNet (perturb_resnet18), saved as main.py does: torch.save(model), the whole
    module pickled, its classes in a module `models` the loader does not import;
  - google-research/augmix 9b9824c third_party/WideResNet_pytorch/wideresnet.py (WRN-40-2 in
    cifar.py: `conv_shortcut`), saved as cifar.py does: {'epoch', 'state_dict' of the
    DataParallel net ('module.' prefix), 'best_acc', 'optimizer'};
  - RobustBench robustbench/model_zoo/architectures/wide_resnet.py (TRADES' WideResNet:
    `convShortcut`) and resnet.py (PreActResNet18 = PreActBlock [2,2,2,2], bn_before_fc
    False by default, True in some zoo entries), saved as bare state dicts.
Widths and depths are small (the engine reads every width from the tensors' shapes).

Writes tests/fixtures/pnn/:
  noise_<case>_{x,noise,meta,y,dy,dx}.npy   the perturbation (channel-major), gradient of sum(y * dy)
  add_{a,b,y,dy}.npy                        relu(a + b) and its upstream gradient
  input32_x.npy, <net>.pth / .pt, <net>_logits.npy, <net>_stem.npy (pre_layers' output, NCHW)
  pnn_unknown_class.pth      a whole pickled PNN holding a module class of another module
  pnn_bad_masks.pt           a state dict whose layer2.1.layers.0.noise has the wrong mask count
Writes tests/fixtures/wrn/:
  input32_x.npy                      the network input (N = 2, NCHW)
  <net>.{pth.tar,pt}, <net>_logits.npy, <net>_conv1.npy (first layer's output, NCHW)
and tests/fixtures/train/ (the layout of tests/train/make_fixtures.py, read by test_train_pytorch):
  wrn_small.safetensors, preact_small.safetensors, pnn_small.safetensors + _x, _y, _loss, _grad: one train-mode
      forward and backward (cross-entropy), gradients of every parameter
"""
import math
import os
import sys
import types

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_writers import training_step_fixtures  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "wrn")
PNN_OUT = os.path.join(HERE, "fixtures", "pnn")
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


class AugMixWrn40x2(WideResNet):
    """AugMix cifar.py's WideResNet(40, 10, 2) with a forward of one argument (the benches)."""

    def __init__(self):
        super().__init__(40, 2, 10, "conv_shortcut")

    def forward(self, x, taps=None):
        return super().forward(x, {} if taps is None else taps)


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
    nets = [("wrn_small", WideResNet(10, 1, 10, "convShortcut"), {}),
            ("preact_small", PreActResNet(4, (1, 1, 1, 1), 10, True), {}),
            ("pnn_small", PerturbResNet(3, 2, 0.3, 2.0, 0, True, True, True, "avg"),
             {"pnn_level": 0.3, "pnn_first_level": 0.6, "pnn_first_act": "true", "pnn_pool": "avg"})]
    for name, model, meta in nets:
        if isinstance(model, PerturbResNet):
            randomize_pnn(model, gen)
        else:
            randomize(model, gen)
        x = torch.randn(2, 3, 32, 32, generator=gen)
        y = torch.randint(0, 10, (2,), generator=gen)
        training_step_fixtures(TRAIN_OUT, name, model, x, y, dict({"dataset_name": "cifar10"}, **meta), engine_names)


# ---------------------------------------------------------------- perturbative networks
# pnn.pytorch's classes live in its module `models` (main.py: from models import ...); so do
# these, registered under that name so that torch.save(model) pickles them as models.*.
models = types.ModuleType("models")
sys.modules["models"] = models


class PerturbLayer(nn.Module):
    """filter_size 0: y = x[:, :, None] + level * noise ([1, Cn, m, S, S]), ReLU when use_act,
    viewed as C*m channels (c*m + j), then relu(bn(conv1x1)) (groups C when m > 1), then
    (mix_maps) relu(bn(conv1x1)). filter_size 3: relu(bn(conv3x3 pad 1, no bias)). The one
    ReLU module is shared by the layer (self.act), as act_fn's result is there."""

    def __init__(self, cin, cout, nmasks, level, filter_size, use_act, unique_masks, mix_maps, input_size):
        super().__init__()
        self.nmasks, self.unique_masks, self.level, self.filter_size = nmasks, unique_masks, level, filter_size
        self.use_act, self.in_channels, self.input_size, self.mix_maps = use_act, cin, input_size, mix_maps
        self.train_masks, self.noise_type, self.debug = False, "uniform", False
        self.act = nn.ReLU(inplace=False)
        if filter_size > 0:
            self.noise = None
            self.layers = nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), self.act)
        else:
            shape = (1, cin if unique_masks else 1, nmasks, input_size, input_size)
            self.noise = nn.Parameter(torch.empty(*shape).uniform_(-1, 1), requires_grad=False)
            groups = cin if nmasks != 1 else 1
            self.layers = nn.Sequential(nn.Conv2d(cin * nmasks, cout, 1, groups=groups), nn.BatchNorm2d(cout), self.act)
            if mix_maps:
                self.mix_layers = nn.Sequential(nn.Conv2d(cout, cout, 1), nn.BatchNorm2d(cout), self.act)

    def forward(self, x):
        if self.filter_size > 0:
            return self.layers(x)
        y = x.unsqueeze(2) + self.noise * self.level
        if self.use_act:
            y = self.act(y)
        y = self.layers(y.view(-1, self.in_channels * self.nmasks, self.input_size, self.input_size))
        return self.mix_layers(y) if self.mix_maps else y


class PerturbBasicBlock(nn.Module):
    """layers = (PerturbLayer, pool(stride, stride), PerturbLayer); y = relu(layers(x) + shortcut)."""

    def __init__(self, cin, cout, stride, shortcut, nmasks, level, unique_masks, input_size, pool, mix_maps):
        super().__init__()
        self.shortcut = shortcut
        self.layers = nn.Sequential(
            PerturbLayer(cin, cout, nmasks, level, 0, True, unique_masks, mix_maps, input_size),
            pool(stride, stride),
            PerturbLayer(cout, cout, nmasks, level, 0, True, unique_masks, mix_maps, input_size // stride))

    def forward(self, x):
        y = self.layers(x)
        return F.relu(y + (self.shortcut(x) if self.shortcut else x))


class PerturbResNet(nn.Module):
    """perturb_resnet18: pre_layers.0 at level * scale_noise; layer1..4 of two blocks at
    nfilters * {1, 2, 4, 8}; AvgPool2d(4, 1); linear."""

    def __init__(self, nfilters, nmasks, level, scale_noise, first_filter_size, use_act, unique_masks, mix_maps,
                 pool_type, nclasses=10, input_size=32):
        super().__init__()
        pool = nn.MaxPool2d if pool_type == "max" else nn.AvgPool2d
        self.pre_layers = nn.Sequential(PerturbLayer(3, nfilters, nmasks, level * scale_noise, first_filter_size,
                                                     use_act, unique_masks, mix_maps, input_size))
        cin, side = nfilters, input_size
        for s in range(4):
            cout, stride = nfilters << s, 1 if s == 0 else 2
            blocks = []
            for i in range(2):
                st = stride if i == 0 else 1
                short = None
                if st != 1 or cin != cout:
                    short = nn.Sequential(nn.Conv2d(cin, cout, 1, st, bias=False), nn.BatchNorm2d(cout))
                blocks.append(PerturbBasicBlock(cin, cout, st, short, nmasks, level, unique_masks, side, pool,
                                                mix_maps))
                if i == 0:
                    side //= stride
                cin = cout
            setattr(self, f"layer{s + 1}", nn.Sequential(*blocks))
        self.avgpool = nn.AvgPool2d(4, stride=1)
        self.linear = nn.Linear(8 * nfilters, nclasses)

    def forward(self, x, taps=None):
        x = self.pre_layers(x)
        if taps is not None:
            taps["stem"] = x
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.linear(self.avgpool(x).flatten(1))


class NoiseDropout(nn.Module):
    """Not a pnn.pytorch class: a whole pickle holding it is refused by name."""

    def forward(self, x):
        return x


for cls in (PerturbLayer, PerturbBasicBlock, PerturbResNet):
    cls.__module__ = "models"
    setattr(models, cls.__name__, cls)
NoiseDropout.__module__ = "experiments.extras"
sys.modules["experiments"] = types.ModuleType("experiments")
sys.modules["experiments.extras"] = types.ModuleType("experiments.extras")
sys.modules["experiments.extras"].NoiseDropout = NoiseDropout


def randomize_pnn(model, gen):
    randomize(model, gen)
    with torch.no_grad():  # the masks stay U(-1, 1) (fresh from the generator)
        for m in model.modules():
            if isinstance(m, PerturbLayer) and m.noise is not None:
                m.noise.uniform_(-1, 1, generator=gen)


def pnn_save_npy(name, array):
    np.save(os.path.join(PNN_OUT, name), np.ascontiguousarray(array))


def cnhw(t):
    return t.detach().numpy().transpose(1, 0, 2, 3)


def pnn_layer_fixtures(gen):
    # the perturbation alone: name, C, m, unique, S, N, level, relu
    for name, c, m, unique, side, n, level, relu in [("unique_relu", 3, 2, True, 5, 2, 0.7, True),
                                                     ("shared", 2, 3, False, 4, 3, 0.25, False)]:
        noise = torch.empty(1, c if unique else 1, m, side, side).uniform_(-1, 1, generator=gen)
        x = torch.randn(n, c, side, side, generator=gen, requires_grad=True)
        y = x.unsqueeze(2) + noise * level
        if relu:
            y = F.relu(y)
        y = y.view(n, c * m, side, side)
        dy = torch.randn(y.shape, generator=gen)
        (y * dy).sum().backward()
        pnn_save_npy(f"noise_{name}_x.npy", cnhw(x))
        pnn_save_npy(f"noise_{name}_noise.npy", noise.numpy())
        pnn_save_npy(f"noise_{name}_meta.npy", np.array([c, m, int(unique), side, n, int(relu)], dtype=np.int64))
        pnn_save_npy(f"noise_{name}_level.npy", np.array([level], dtype=np.float32))
        pnn_save_npy(f"noise_{name}_y.npy", cnhw(y))
        pnn_save_npy(f"noise_{name}_dy.npy", cnhw(dy))
        pnn_save_npy(f"noise_{name}_dx.npy", cnhw(x.grad))
    a = torch.randn(3, 2, 4, 4, generator=gen)
    b = torch.randn(3, 2, 4, 4, generator=gen)
    pnn_save_npy("add_a.npy", a.numpy())
    pnn_save_npy("add_b.npy", b.numpy())
    pnn_save_npy("add_y.npy", F.relu(a + b).numpy())


PNN_INPUT = {}


def pnn_outputs(name, model, gen):
    model.eval()
    if "x" not in PNN_INPUT:
        PNN_INPUT["x"] = torch.randn(2, 3, 32, 32, generator=gen)
        pnn_save_npy("input32_x.npy", PNN_INPUT["x"].numpy())
    taps = {}
    with torch.no_grad():
        logits = model(PNN_INPUT["x"], taps)
    pnn_save_npy(f"{name}_logits.npy", logits.numpy())
    pnn_save_npy(f"{name}_stem.npy", taps["stem"].numpy())
    print(f"{name}: {len(model.state_dict())} keys, logits in [{logits.min():.3f}, {logits.max():.3f}]")


def pnn_network_fixtures(gen):
    # main.py's torch.save(model): unique masks, one per channel, level 0.3 (first layer x2), max pool
    model = PerturbResNet(6, 1, 0.3, 2.0, 0, False, True, False, "max")
    randomize_pnn(model, gen)
    torch.save(model, os.path.join(PNN_OUT, "pnn_whole_m1_unique.pth"))
    pnn_outputs("pnn_whole_m1_unique", model, gen)

    # the paper-like run, shrunk: first_filter_size 3, 2 shared masks, mix_maps, avg pool, use_act;
    # a plain state dict (the levels then come from the user)
    model = PerturbResNet(4, 2, 0.2, 1.0, 3, True, False, True, "avg")
    randomize_pnn(model, gen)
    torch.save(model.state_dict(), os.path.join(PNN_OUT, "pnn_sd_ff3_m2_shared_mix.pt"))
    pnn_outputs("pnn_sd_ff3_m2_shared_mix", model, gen)

    # the whole pickle with 2 unique masks per channel and use_act in the first layer (nfilters 6:
    # divisible by the 3 input channels, as the grouped 1x1 needs)
    model = PerturbResNet(6, 2, 0.4, 1.5, 0, True, True, False, "max")
    randomize_pnn(model, gen)
    torch.save(model, os.path.join(PNN_OUT, "pnn_whole_m2_unique_act.pth"))
    pnn_outputs("pnn_whole_m2_unique_act", model, gen)

    # bad input: an unknown class in the pickle; masks of the wrong count in one layer
    model = PerturbResNet(6, 1, 0.3, 1.0, 0, False, True, False, "max")
    model.pre_layers.add_module("1", NoiseDropout())
    torch.save(model, os.path.join(PNN_OUT, "pnn_unknown_class.pth"))
    sd = PerturbResNet(6, 1, 0.3, 1.0, 0, False, True, False, "max").state_dict()
    sd["layer2.1.layers.0.noise"] = torch.zeros(1, 12, 3, 16, 16)
    torch.save(sd, os.path.join(PNN_OUT, "pnn_bad_masks.pt"))


def main():
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(PNN_OUT, exist_ok=True)
    torch.manual_seed(2016)
    gen = torch.Generator().manual_seed(2016)
    network_fixtures(gen)
    pnn_layer_fixtures(gen)
    pnn_network_fixtures(gen)
    training_fixtures(gen)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"{len(os.listdir(OUT))} files, {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()

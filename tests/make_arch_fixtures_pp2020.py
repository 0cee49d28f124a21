#!/usr/bin/python3
"""Reference fixtures for the 2020 push-pull layer, the PushPull-Conv variants and
the wider/grouped ResNets (run by hand, not in CI):

    /usr/bin/python3 tests/make_arch_fixtures_pp2020.py

Uses Debian's python3-torch (1.13) and torchvision's Bottleneck. The models restate,
in plain PyTorch and with the same state-dict keys, the code of record listed in
spec/architectures.md (docs/arch-pushpull2020.md):
  - nicstrisc/Push-Pull-CNN-layer c340f32: PPmodule2d and ResNetCifar (resnet20/32/44/56,
    use_pp1, train_alpha), saved as its train.py does: {'epoch', 'state_dict', 'best_prec1'};
  - bgswaroop/pushpull-conv a218234: resnet.py (PushPullConv2DUnit stem, `bn`, `classifier`),
    resnet_strisciuglio_etal.py (strisciuglio_resnet50), as Lightning checkpoints
    ({'epoch', 'global_step', 'pytorch-lightning_version', 'state_dict', 'hyper_parameters'});
    misc/modify_ckpt.py's float alpha (state_dict['conv1.pull_inhibition_strength'] = 1.0);
    the earlier pull kernel of commit db07739 (min/max per input channel);
  - torchvision 0.14 resnet.py with width_per_group / groups (wide_resnet50_2, resnext50_32x4d),
    saved as a bare state_dict.
Widths are narrowed (the engine reads every width from the tensors' shapes) so that
everything stays under 2 MB. Layer fixtures hold activations channel-major
(C, N, H, W) as the engine does; network inputs/outputs are NCHW / (N, classes).

Writes tests/fixtures/pp2020/:
  pp2020_<case>_{x,w,b,alpha,meta,pull,y,dy,dx,dw,db,dalpha}.npy  the 2020 layer, forward and
      gradients of sum(y * dy) for x, the push weight, bias and raw alpha
  gconv_<case>_{x,w,b,meta,y,dy,dx,dw,db}.npy                     grouped convolution
  ppc_channel_{x,w,b,alpha,meta,pull,y,dy,dx,dw,db,dalpha}.npy    PushPull-Conv, db07739 pull
  input32_x.npy, input16_x.npy  the network inputs (N = 2, NCHW)
  <net>.{pth.tar,ckpt,pth}, <net>_logits.npy, <net>_conv1.npy (first layer's output, NCHW)
and tests/fixtures/train/ (the layout of tests/train/make_fixtures.py, read by test_train_pytorch):
  pp2020_r20.safetensors, resnext_groups.safetensors  + _x, _y, _loss, _grad: one train-mode
      forward and backward (cross-entropy) of a ResNet-20 with the 2020 layer (trained alpha) and
      of a grouped ResNeXt-style net, gradients of every parameter
"""
import argparse
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models.resnet import Bottleneck as TvBottleneck

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_writers import training_step_fixtures  # noqa: E402
from make_fixtures import BasicBlock  # noqa: E402  BasicBlock as resnetcifar.py's (stride on conv1)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "pp2020")


# ---------------------------------------------------------------- layers
class PPmodule2d(nn.Module):
    """The 2020 push-pull layer (Strisciuglio et al.): pull = -bilinear_x2(push), its own
    padding, bias negated, both rectified; alpha fixed or ReLU(trainable [1,O,1,1])."""

    def __init__(self, cin, cout, k, stride=1, padding=0, bias=False, alpha=1.0, scale=2, train_alpha=False):
        super().__init__()
        self.train_alpha = train_alpha
        self.push = nn.Conv2d(cin, cout, k, stride, padding, bias=bias)
        if train_alpha:
            self.alpha = nn.Parameter(torch.ones(1, cout, 1, 1))
            r = 1.0 / math.sqrt(cin * cout)
            self.alpha.data.uniform_(0.5 - r, 0.5 + r)
        else:
            self.alpha = alpha
        pull_size = k if scale == 1 else math.floor(k * scale)
        if scale != 1 and pull_size % 2 == 0:
            pull_size += 1
        self.scale, self.pull_size = scale, pull_size
        self.pull_padding = pull_size // 2 - k // 2 + padding

    def pull_weight(self):
        w = self.push.weight
        if self.scale == 1:
            return -w
        return -F.interpolate(w, size=(self.pull_size, self.pull_size), mode="bilinear", align_corners=True)

    def responses(self, x):
        bias = None if self.push.bias is None else -self.push.bias
        push = self.push(x)
        pull = F.conv2d(x, self.pull_weight(), bias, self.push.stride, self.pull_padding)
        return push, pull

    def forward(self, x):
        push, pull = self.responses(x)
        alpha = F.relu(self.alpha) if self.train_alpha else self.alpha
        return F.relu(push) - alpha * F.relu(pull)


class PushPullConv2DUnit(nn.Module):
    """PushPull-Net's unit (pushpull-conv push_pull_unit.py). minmax_dims (1, 2, 3) is HEAD
    (per filter); (2, 3) is commit db07739 (per filter and input channel)."""

    def __init__(self, cin, cout, k, avg, alpha, trainable, stride, padding, bias=True, minmax_dims=(1, 2, 3)):
        super().__init__()
        self.stride, self.padding, self.trainable, self.minmax_dims = stride, padding, trainable, minmax_dims
        self.push_conv = nn.Conv2d(cin, cout, k, stride, padding, bias=False)
        self.pull_inhibition_strength = nn.Parameter(torch.empty(cout).uniform_(0, 1)) if trainable else alpha
        self.avg = nn.AvgPool2d(avg, 1, (avg - 1) // 2, count_include_pad=False) if avg else None
        self.bias = nn.Parameter(torch.empty(cout).uniform_(-1, 1)) if bias else None

    def pull_kernel(self):
        w = self.push_conv.weight
        d = self.minmax_dims
        return torch.amax(w, dim=d, keepdim=True) + torch.amin(w, dim=d, keepdim=True) - w

    def forward(self, x):
        push = self.push_conv(x)
        pull = F.conv2d(x, self.pull_kernel(), None, self.stride, self.padding)
        if self.avg:
            pull = self.avg(pull)
        alpha = self.pull_inhibition_strength
        if self.trainable:
            alpha = alpha.view(1, -1, 1, 1)
        out = F.relu(push) - alpha * F.relu(pull)
        if self.bias is not None:
            out = out + self.bias.view(1, -1, 1, 1)
        return out


# ---------------------------------------------------------------- networks
class ResNetCifar(nn.Module):
    """nicstrisc resnetcifar.py ResNetCifar with use_pp1 (the stem width 16 is a parameter
    here so the fixtures stay small)."""

    def __init__(self, layers, width=16, num_classes=10, use_pp1=True, train_alpha=False):
        super().__init__()
        self.inplanes = width
        if use_pp1:
            self.conv1 = PPmodule2d(3, width, 3, 1, 1, bias=False, train_alpha=train_alpha)
        else:
            self.conv1 = nn.Conv2d(3, width, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.layer1 = self._make_layer(width, layers[0], 1)
        self.layer2 = self._make_layer(width * 2, layers[1], 2)
        self.layer3 = self._make_layer(width * 4, layers[2], 2)
        self.fc = nn.Linear(width * 4, num_classes)

    def _make_layer(self, planes, blocks, stride):
        down = None
        if stride != 1 or self.inplanes != planes:
            down = nn.Sequential(nn.Conv2d(self.inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
        layers = [BasicBlock(self.inplanes, planes, stride, down)]
        self.inplanes = planes
        layers += [BasicBlock(planes, planes, 1, None) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x, taps=None):
        x = self.conv1(x)
        if taps is not None:
            taps["conv1"] = x
        x = F.relu(self.bn1(x))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = F.avg_pool2d(x, 8, 1)  # nn.AvgPool2d(8, stride=1) on the 8x8 map of a 32x32 input
        return self.fc(x.view(x.size(0), -1))


class TorchvisionStyleResNet(nn.Module):
    """torchvision resnet.py ResNet over torchvision's own Bottleneck (groups, width_per_group),
    with the stem width a parameter; head `fc`, stem BN `bn1`. With pushpull_conv=True it is
    pushpull-conv's resnet.py instead: stem conv with bias (or a push-pull unit), BN `bn`, head
    `classifier`, CIFAR stem (3x3/1, no max-pool) when cifar."""

    def __init__(self, layers, stem_width, groups=1, width_per_group=64, num_classes=10,
                 pushpull_conv=False, stem=None, cifar=False):
        super().__init__()
        self.inplanes, self.groups, self.base_width = stem_width, groups, width_per_group
        self.pushpull_conv, self.cifar = pushpull_conv, cifar
        k, s, p = (3, 1, 1) if cifar else (7, 2, 3)
        self.conv1 = stem if stem is not None else nn.Conv2d(3, stem_width, k, s, p, bias=pushpull_conv)
        if pushpull_conv:
            self.bn = nn.BatchNorm2d(stem_width)
        else:
            self.bn1 = nn.BatchNorm2d(stem_width)
        self.layer1 = self._make_layer(stem_width, layers[0], 1)
        self.layer2 = self._make_layer(stem_width * 2, layers[1], 2)
        self.layer3 = self._make_layer(stem_width * 4, layers[2], 2)
        self.layer4 = self._make_layer(stem_width * 8, layers[3], 2)
        head = nn.Linear(stem_width * 8 * 4, num_classes)
        if pushpull_conv:
            self.classifier = head
        else:
            self.fc = head

    def _make_layer(self, planes, blocks, stride):
        down = None
        if stride != 1 or self.inplanes != planes * 4:
            down = nn.Sequential(nn.Conv2d(self.inplanes, planes * 4, 1, stride, bias=False), nn.BatchNorm2d(planes * 4))
        layers = [TvBottleneck(self.inplanes, planes, stride, down, self.groups, self.base_width)]
        self.inplanes = planes * 4
        layers += [TvBottleneck(self.inplanes, planes, groups=self.groups, base_width=self.base_width)
                   for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x, taps):
        x = self.conv1(x)
        taps["conv1"] = x
        x = F.relu(self.bn(x) if self.pushpull_conv else self.bn1(x))
        if not self.cifar:
            x = F.max_pool2d(x, 3, 2, 1)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.classifier(x) if self.pushpull_conv else self.fc(x)


def randomize(model, gen):
    """Kaiming weights, non-trivial BN statistics, small last-BN gammas so that deep nets
    keep logits of order one."""
    with torch.no_grad():
        for name, m in model.named_modules():
            if isinstance(m, nn.Conv2d):
                fan = m.out_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
                m.weight.normal_(0, math.sqrt(2.0 / fan), generator=gen)
                if m.bias is not None:
                    m.bias.uniform_(-0.5, 0.5, generator=gen)
            elif isinstance(m, nn.BatchNorm2d):
                last = name.endswith("bn3") or name.endswith("bn2") and isinstance(model, ResNetCifar)
                m.weight.uniform_(0.1, 0.3, generator=gen) if last else m.weight.uniform_(0.5, 1.5, generator=gen)
                m.bias.normal_(0, 0.1, generator=gen)
                m.running_mean.normal_(0, 0.1, generator=gen)
                m.running_var.uniform_(0.5, 1.5, generator=gen)
                m.num_batches_tracked.fill_(11)
            elif isinstance(m, nn.Linear):
                m.weight.normal_(0, 0.3, generator=gen)
                m.bias.normal_(0, 0.1, generator=gen)
            elif isinstance(m, PPmodule2d) and m.train_alpha:
                m.alpha.uniform_(-0.3, 1.5, generator=gen)  # some negative: ReLU(alpha) = 0 there
            elif isinstance(m, PushPullConv2DUnit):
                if m.trainable:
                    m.pull_inhibition_strength.uniform_(0, 1.5, generator=gen)
                if m.bias is not None:
                    m.bias.uniform_(-1, 1, generator=gen)


# ---------------------------------------------------------------- writers
def save_npy(name, array):
    np.save(os.path.join(OUT, name), np.ascontiguousarray(array))


def cnhw(t):
    return t.detach().numpy().transpose(1, 0, 2, 3)


def lightning_checkpoint(state_dict, hparams):
    """What Lightning 2.1's ModelCheckpoint writes (the entries predict_flow.py reads, plus
    the standard ones; optimizer state left out)."""
    return {"epoch": 19, "global_step": 7820, "pytorch-lightning_version": "2.1.3",
            "state_dict": state_dict, "hyper_parameters": hparams,
            "hparams_name": "args", "loops": {}, "callbacks": {}}


def pushpull_conv_hparams(model, dataset, avg, alpha, trainable):
    return argparse.Namespace(model=model, dataset_name=dataset, num_classes=10, use_push_pull=True,
                              num_push_pull_layers=1, avg_kernel_size=avg, pull_inhibition_strength=alpha,
                              trainable_pull_inhibition=trainable, img_size=32, use_grayscale=False,
                              augmentation=None, lr=0.1, batch_size=128)


# ---------------------------------------------------------------- layer fixtures
def gradients(module_fn, x, params, gen):
    """y = module_fn(x); the gradients of sum(y * dy) for x and each parameter."""
    x = x.clone().requires_grad_(True)
    y = module_fn(x)
    dy = torch.randn(y.shape, generator=gen, dtype=torch.float64).float()
    (y * dy).sum().backward()
    return y, dy, x.grad, [p.grad for p in params]


def pp2020_layer_fixtures(gen):
    # name, cin, cout, k, stride, pad, bias, train_alpha, alpha, n, h, w
    cases = [("cifar", 3, 4, 3, 1, 1, False, False, 1.0, 2, 9, 8),
             ("stem7", 3, 4, 7, 2, 3, True, True, 1.0, 2, 17, 15),
             ("k5", 1, 3, 5, 1, 2, True, False, 0.7, 1, 11, 12)]
    for name, cin, cout, k, s, p, bias, train_alpha, alpha, n, h, w in cases:
        layer = PPmodule2d(cin, cout, k, s, p, bias, alpha, 2, train_alpha)
        with torch.no_grad():
            layer.push.weight.normal_(0, 0.5, generator=gen)
            if bias:
                layer.push.bias.uniform_(-0.5, 0.5, generator=gen)
            if train_alpha:
                layer.alpha.copy_(torch.tensor([1.2, -0.4, 0.6, 0.9]).view(1, -1, 1, 1))
        x = torch.randn(n, cin, h, w, generator=gen)
        params = [layer.push.weight] + ([layer.push.bias] if bias else []) + ([layer.alpha] if train_alpha else [])
        y, dy, dx, grads = gradients(layer, x, params, gen)
        save_npy(f"pp2020_{name}_x.npy", cnhw(x))
        save_npy(f"pp2020_{name}_w.npy", layer.push.weight.detach().numpy())
        save_npy(f"pp2020_{name}_pull.npy", layer.pull_weight().detach().numpy())
        save_npy(f"pp2020_{name}_meta.npy", np.array([cin, cout, k, s, p, int(bias), int(train_alpha), n, h, w,
                                                      layer.pull_size, layer.pull_padding], dtype=np.int64))
        save_npy(f"pp2020_{name}_alpha.npy",
                 layer.alpha.detach().numpy().reshape(-1) if train_alpha else np.array([alpha], dtype=np.float32))
        save_npy(f"pp2020_{name}_y.npy", cnhw(y))
        save_npy(f"pp2020_{name}_dy.npy", cnhw(dy))
        save_npy(f"pp2020_{name}_dx.npy", cnhw(dx))
        save_npy(f"pp2020_{name}_dw.npy", grads[0].numpy())
        if bias:
            save_npy(f"pp2020_{name}_b.npy", layer.push.bias.detach().numpy())
            save_npy(f"pp2020_{name}_db.npy", grads[1].numpy())
        if train_alpha:
            save_npy(f"pp2020_{name}_dalpha.npy", grads[-1].numpy().reshape(-1))


def grouped_conv_fixtures(gen):
    # name, cin, cout, k, stride, pad, groups, n, h, w
    cases = [("g4_3x3", 8, 8, 3, 1, 1, 4, 2, 7, 6), ("g2_3x3_s2", 4, 6, 3, 2, 1, 2, 2, 9, 8),
             ("g4_1x1", 8, 4, 1, 1, 0, 4, 1, 5, 5)]
    for name, cin, cout, k, s, p, g, n, h, w in cases:
        conv = nn.Conv2d(cin, cout, k, s, p, groups=g, bias=True)
        with torch.no_grad():
            conv.weight.normal_(0, 0.5, generator=gen)
            conv.bias.uniform_(-0.5, 0.5, generator=gen)
        x = torch.randn(n, cin, h, w, generator=gen)
        y, dy, dx, (dw, db) = gradients(conv, x, [conv.weight, conv.bias], gen)
        save_npy(f"gconv_{name}_x.npy", cnhw(x))
        save_npy(f"gconv_{name}_w.npy", conv.weight.detach().numpy())
        save_npy(f"gconv_{name}_b.npy", conv.bias.detach().numpy())
        save_npy(f"gconv_{name}_meta.npy", np.array([cin, cout, k, s, p, g, n, h, w], dtype=np.int64))
        save_npy(f"gconv_{name}_y.npy", cnhw(y))
        save_npy(f"gconv_{name}_dy.npy", cnhw(dy))
        save_npy(f"gconv_{name}_dx.npy", cnhw(dx))
        save_npy(f"gconv_{name}_dw.npy", dw.numpy())
        save_npy(f"gconv_{name}_db.npy", db.numpy())


def unique_channel_extremes(w):
    flat = w.detach().reshape(w.shape[0] * w.shape[1], -1)
    hi, lo = flat.max(1, keepdim=True).values, flat.min(1, keepdim=True).values
    return bool(((flat == hi).sum(1) == 1).all() and ((flat == lo).sum(1) == 1).all())


def ppc_channel_fixtures(gen):
    """The db07739 PushPull-Conv (min/max per filter and input channel), avg 3, trainable alpha."""
    cin, cout, k, s, p, avg, n, h, w = 3, 4, 3, 1, 1, 3, 2, 8, 9
    unit = PushPullConv2DUnit(cin, cout, k, avg, 1.0, True, s, p, True, minmax_dims=(2, 3))
    with torch.no_grad():
        unit.push_conv.weight.normal_(0, 0.5, generator=gen)
        unit.pull_inhibition_strength.uniform_(0.2, 1.5, generator=gen)
        unit.bias.uniform_(-1, 1, generator=gen)
    assert unique_channel_extremes(unit.push_conv.weight)
    x = torch.randn(n, cin, h, w, generator=gen)
    params = [unit.push_conv.weight, unit.bias, unit.pull_inhibition_strength]
    y, dy, dx, (dw, db, dalpha) = gradients(unit, x, params, gen)
    save_npy("ppc_channel_x.npy", cnhw(x))
    save_npy("ppc_channel_w.npy", unit.push_conv.weight.detach().numpy())
    save_npy("ppc_channel_b.npy", unit.bias.detach().numpy())
    save_npy("ppc_channel_alpha.npy", unit.pull_inhibition_strength.detach().numpy())
    save_npy("ppc_channel_pull.npy", unit.pull_kernel().detach().numpy())
    save_npy("ppc_channel_meta.npy", np.array([cin, cout, k, s, p, avg, n, h, w], dtype=np.int64))
    save_npy("ppc_channel_y.npy", cnhw(y))
    save_npy("ppc_channel_dy.npy", cnhw(dy))
    save_npy("ppc_channel_dx.npy", cnhw(dx))
    save_npy("ppc_channel_dw.npy", dw.numpy())
    save_npy("ppc_channel_db.npy", db.numpy())
    save_npy("ppc_channel_dalpha.npy", dalpha.numpy())


# ---------------------------------------------------------------- network fixtures
INPUTS = {}


def network_input(gen, side):
    """One input batch per side, shared by the networks (input<side>_x.npy)."""
    if side not in INPUTS:
        INPUTS[side] = torch.randn(2, 3, side, side, generator=gen)
        save_npy(f"input{side}_x.npy", INPUTS[side].numpy())
    return INPUTS[side]


def network_outputs(name, model, gen, side):
    model.eval()
    x = network_input(gen, side)
    taps = {}
    with torch.no_grad():
        logits = model(x, taps)
    save_npy(f"{name}_logits.npy", logits.numpy())
    save_npy(f"{name}_conv1.npy", taps["conv1"].numpy())
    print(f"{name}: {sum(v.numel() for v in model.state_dict().values())} values, "
          f"logits in [{logits.min():.3f}, {logits.max():.3f}]")


def nicstrisc_networks(gen):
    # name, blocks per stage, stem width, train_alpha
    for name, blocks, width, train_alpha in [("resnet20_pp", 3, 2, False), ("resnet32_pp_alpha", 5, 2, True),
                                             ("resnet44_pp", 7, 2, False), ("resnet56_pp", 9, 1, False)]:
        model = ResNetCifar([blocks] * 3, width, 10, True, train_alpha)
        randomize(model, gen)
        # train.py's save_checkpoint({'epoch': epoch + 1, 'state_dict': ..., 'best_prec1': ...})
        torch.save({"epoch": 161, "state_dict": model.state_dict(), "best_prec1": 91.71},
                   os.path.join(OUT, f"{name}.pth.tar"))
        network_outputs(name, model, gen, 32)


def pushpull_conv_networks(gen):
    # strisciuglio_resnet50: the 2020 layer as a 7x7/2 stem with bias and trainable alpha
    stem = PPmodule2d(3, 1, 7, 2, 3, bias=True, alpha=1.0, scale=2, train_alpha=True)
    model = TorchvisionStyleResNet([3, 4, 6, 3], 1, pushpull_conv=True, stem=stem)
    randomize(model, gen)
    hp = pushpull_conv_hparams("strisciuglio_resnet50", "imagenet", None, 1.0, True)
    torch.save(lightning_checkpoint(model.state_dict(), hp), os.path.join(OUT, "strisciuglio_resnet50.ckpt"))
    network_outputs("strisciuglio_resnet50", model, gen, 32)

    # strisciuglio_resnet50, CIFAR config, fixed alpha 2 from the hyper-parameters
    stem = PPmodule2d(3, 1, 3, 1, 1, bias=True, alpha=2.0, scale=2, train_alpha=False)
    model = TorchvisionStyleResNet([3, 4, 6, 3], 1, pushpull_conv=True, stem=stem, cifar=True)
    randomize(model, gen)
    hp = pushpull_conv_hparams("strisciuglio_resnet50", "cifar10", None, 2.0, False)
    torch.save(lightning_checkpoint(model.state_dict(), hp), os.path.join(OUT, "strisciuglio_resnet50_cifar.ckpt"))
    network_outputs("strisciuglio_resnet50_cifar", model, gen, 16)

    # PushPull ResNet-101, trained with trainable alpha, then rewritten by misc/modify_ckpt.py:
    # trainable_pull_inhibition False and the alpha entry a Python float 1.0
    stem = PushPullConv2DUnit(3, 1, 7, 3, 1.0, False, 2, 3, True)
    model = TorchvisionStyleResNet([3, 4, 23, 3], 1, pushpull_conv=True, stem=stem)
    randomize(model, gen)
    sd = model.state_dict()
    sd["conv1.pull_inhibition_strength"] = 1.0
    sd.move_to_end("conv1.pull_inhibition_strength", last=False)
    hp = pushpull_conv_hparams("resnet101", "imagenet", 3, 1.0, False)
    torch.save(lightning_checkpoint(sd, hp), os.path.join(OUT, "pushpull_resnet101_float_alpha.ckpt"))
    network_outputs("pushpull_resnet101_float_alpha", model, gen, 32)

    # PushPull ResNet-152, CIFAR stem, avg 5, trainable alpha, the db07739 pull kernel
    # (min/max per input channel): nothing in the file says so; the engine is told
    stem = PushPullConv2DUnit(3, 1, 3, 5, 1.0, True, 1, 1, True, minmax_dims=(2, 3))
    model = TorchvisionStyleResNet([3, 8, 36, 3], 1, pushpull_conv=True, stem=stem, cifar=True)
    randomize(model, gen)
    assert unique_channel_extremes(model.conv1.push_conv.weight)
    hp = pushpull_conv_hparams("resnet152", "cifar10", 5, 1.0, True)
    torch.save(lightning_checkpoint(model.state_dict(), hp), os.path.join(OUT, "pushpull_resnet152_channel.ckpt"))
    network_outputs("pushpull_resnet152_channel", model, gen, 16)


def torchvision_networks(gen):
    # wide_resnet50_2 = width_per_group 128; resnext50_32x4d = groups 32, width_per_group 4.
    # Narrowed: stem width 1, and for ResNeXt 2 groups of width_per_group 64, so the
    # 3x3 convs are grouped with 1..8 channels per group (the real model: 32 groups of 4..32).
    for name, stem_width, groups, per_group in [("wide_resnet50_2_narrow", 1, 1, 128),
                                                 ("resnext50_narrow", 1, 2, 64)]:
        model = TorchvisionStyleResNet([3, 4, 6, 3], stem_width, groups, per_group)
        randomize(model, gen)
        torch.save(model.state_dict(), os.path.join(OUT, f"{name}.pth"))
        network_outputs(name, model, gen, 32)


TRAIN_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "train")


def engine_names(tensors):
    """The engine's names for the torchvision-style keys (fc -> classifier, stem bn1 -> bn)."""
    out = {}
    for k, v in tensors.items():
        k = "classifier." + k[3:] if k.startswith("fc.") else "bn." + k[4:] if k.startswith("bn1.") else k
        out[k] = v
    return out


def training_fixtures(gen):
    nets = [("pp2020_r20", ResNetCifar([3, 3, 3], 2, 10, True, True), {"dataset_name": "cifar10"}),
            ("resnext_groups", TorchvisionStyleResNet([1, 1, 1, 1], 1, 2, 64, 10, cifar=True),
             {"dataset_name": "cifar10"})]
    for (name, model, meta), (n, side) in zip(nets, [(2, 32), (4, 16)]):
        randomize(model, gen)
        x = torch.randn(n, 3, side, side, generator=gen)
        y = torch.randint(0, 10, (n,), generator=gen)
        training_step_fixtures(TRAIN_OUT, name, model, x, y, meta, engine_names)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(2020)
    gen = torch.Generator().manual_seed(2020)
    pp2020_layer_fixtures(gen)
    grouped_conv_fixtures(gen)
    ppc_channel_fixtures(gen)
    nicstrisc_networks(gen)
    pushpull_conv_networks(gen)
    torchvision_networks(gen)
    training_fixtures(gen)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"{len(os.listdir(OUT))} files, {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()

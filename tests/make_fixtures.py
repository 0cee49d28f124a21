#!/usr/bin/python3
"""Generates the engine's PyTorch reference fixtures (run by hand, not in CI).

Uses Debian's python3-torch: run as /usr/bin/python3 tests/make_fixtures.py.
Writes small .npy/.safetensors files under tests/fixtures/core/ that the C tests
compare against. The networks here restate the reference PushPull-Net code
(docs/spec/pushpull.md) in plain PyTorch, with the same state-dict key names."""
import json
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "core")


# ---------------------------------------------------------------- reference model
class PushPullConv2DUnit(nn.Module):
    def __init__(self, cin, cout, k, stride, padding, avg, trainable, alpha=1.0, bias=True):
        super().__init__()
        self.stride, self.padding, self.trainable = stride, padding, trainable
        if trainable:
            self.pull_inhibition_strength = nn.Parameter(torch.empty(cout).uniform_(0, 1))
        else:
            self.pull_inhibition_strength = alpha
        self.push_conv = nn.Conv2d(cin, cout, k, stride, padding, bias=False)
        self.avg = nn.AvgPool2d(avg, 1, (avg - 1) // 2, count_include_pad=False) if avg else None
        self.bias = nn.Parameter(torch.empty(cout).uniform_(-1, 1)) if bias else None

    def pull_kernel(self):
        w = self.push_conv.weight
        return -w + (torch.amax(w, dim=(1, 2, 3), keepdim=True) + torch.amin(w, dim=(1, 2, 3), keepdim=True))

    def responses(self, x):
        push = self.push_conv(x)
        pull = F.conv2d(x, self.pull_kernel(), None, self.stride, self.padding)
        if self.avg:
            pull = self.avg(pull)
        return push, pull

    def forward(self, x):
        push, pull = self.responses(x)
        alpha = self.pull_inhibition_strength
        if self.trainable:
            alpha = alpha.view(1, -1, 1, 1)
        out = F.relu(push) - F.relu(pull) * alpha
        if self.bias is not None:
            out = out + self.bias.view(1, -1, 1, 1)
        return out


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin, planes, stride, downsample):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = self.downsample(x) if self.downsample is not None else x
        return F.relu(out + identity)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, planes, stride, downsample):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.downsample = downsample

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = self.downsample(x) if self.downsample is not None else x
        return F.relu(out + identity)


class ResNet(nn.Module):
    def __init__(self, block, layers, stem="imagenet", width=64, in_ch=3, classes=10,
                 push_pull=True, avg=3, trainable=True, alpha=1.0, conv1_bias=True):
        super().__init__()
        k, s, p = (7, 2, 3) if stem == "imagenet" else (3, 1, 1)
        self.stem = stem
        if push_pull:
            self.conv1 = PushPullConv2DUnit(in_ch, width, k, s, p, avg, trainable, alpha, conv1_bias)
        else:
            self.conv1 = nn.Conv2d(in_ch, width, k, s, p, bias=conv1_bias)
        self.bn = nn.BatchNorm2d(width)
        self.in_planes = width
        self.layer1 = self._make(block, width, layers[0], 1)
        self.layer2 = self._make(block, width * 2, layers[1], 2)
        self.layer3 = self._make(block, width * 4, layers[2], 2)
        self.layer4 = self._make(block, width * 8, layers[3], 2)
        self.classifier = nn.Linear(width * 8 * block.expansion, classes)

    def _make(self, block, planes, count, stride):
        down = None
        if stride != 1 or self.in_planes != planes * block.expansion:
            down = nn.Sequential(nn.Conv2d(self.in_planes, planes * block.expansion, 1, stride, bias=False),
                                 nn.BatchNorm2d(planes * block.expansion))
        blocks = [block(self.in_planes, planes, stride, down)]
        self.in_planes = planes * block.expansion
        blocks += [block(self.in_planes, planes, 1, None) for _ in range(1, count)]
        return nn.Sequential(*blocks)

    def forward(self, x, taps=None):
        conv1 = self.conv1(x)
        x = F.relu(self.bn(conv1))
        if self.stem == "imagenet":
            x = F.max_pool2d(x, 3, 2, 1)
        if taps is not None:
            taps["conv1"], taps["stem"] = conv1, x
        for name in ("layer1", "layer2", "layer3", "layer4"):
            x = getattr(self, name)(x)
            if taps is not None:
                taps[name] = x
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        if taps is not None:
            taps["features"] = x
        return self.classifier(x)


def randomize(model, gen):
    """Kaiming weights and non-trivial BN statistics, so every term matters."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu", generator=gen) \
                    if "generator" in nn.init.kaiming_normal_.__code__.co_varnames else \
                    m.weight.normal_(0, (2.0 / (m.out_channels * m.kernel_size[0] * m.kernel_size[1])) ** 0.5,
                                     generator=gen)
                if m.bias is not None:
                    m.bias.uniform_(-0.5, 0.5, generator=gen)
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5, generator=gen)
                m.bias.normal_(0, 0.1, generator=gen)
                m.running_mean.normal_(0, 0.1, generator=gen)
                m.running_var.uniform_(0.5, 1.5, generator=gen)
                m.num_batches_tracked.fill_(7)
            elif isinstance(m, nn.Linear):
                m.weight.normal_(0, 0.1, generator=gen)
                m.bias.normal_(0, 0.1, generator=gen)
            elif isinstance(m, PushPullConv2DUnit):
                if m.trainable:
                    m.pull_inhibition_strength.uniform_(0, 1.5, generator=gen)
                if m.bias is not None:
                    m.bias.uniform_(-1, 1, generator=gen)


# ---------------------------------------------------------------- writers
def save_npy(name, array):
    array = np.ascontiguousarray(array)
    np.save(os.path.join(OUT, name), array)


def save_safetensors(path, tensors, metadata):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        a = t.detach().cpu().numpy()
        dtype = {np.float32: "F32", np.int64: "I64"}[a.dtype.type]
        data = np.ascontiguousarray(a).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def to_cnhw(t):
    """The engine's channel-major batch layout (C, N, H, W)."""
    return t.detach().numpy().transpose(1, 0, 2, 3)


# ---------------------------------------------------------------- layer fixtures
def layer_fixtures(gen):
    # conv2d: (name, cin, cout, k, stride, pad, h, w)
    convs = [("conv_3x3_s1", 3, 5, 3, 1, 1, 9, 7), ("conv_7x7_s2", 3, 4, 7, 2, 3, 17, 15),
             ("conv_1x1_s1", 6, 4, 1, 1, 0, 5, 5), ("conv_1x1_s2", 6, 4, 1, 2, 0, 7, 6),
             ("conv_3x3_s2", 4, 6, 3, 2, 1, 8, 9), ("conv_5x5_s1_p0", 2, 3, 5, 1, 0, 9, 9)]
    for name, cin, cout, k, s, p, h, w in convs:
        x = torch.randn(2, cin, h, w, generator=gen)
        wt = torch.randn(cout, cin, k, k, generator=gen)
        b = torch.randn(cout, generator=gen)
        y = F.conv2d(x, wt, b, s, p)
        save_npy(f"{name}_x.npy", to_cnhw(x))
        save_npy(f"{name}_w.npy", wt.numpy())
        save_npy(f"{name}_b.npy", b.numpy())
        save_npy(f"{name}_y.npy", to_cnhw(y))
        save_npy(f"{name}_meta.npy", np.array([cin, cout, k, s, p, h, w], dtype=np.int64))

    x = torch.randn(2, 5, 7, 6, generator=gen)
    bn = nn.BatchNorm2d(5).eval()
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5, generator=gen)
        bn.bias.normal_(0, 1, generator=gen)
        bn.running_mean.normal_(0, 1, generator=gen)
        bn.running_var.uniform_(0.2, 2, generator=gen)
    save_npy("bn_x.npy", to_cnhw(x))
    save_npy("bn_params.npy", torch.stack([bn.weight, bn.bias, bn.running_mean, bn.running_var]).detach().numpy())
    save_npy("bn_y.npy", to_cnhw(bn(x)))
    save_npy("relu_y.npy", to_cnhw(F.relu(x)))

    x = torch.randn(2, 3, 11, 10, generator=gen)
    save_npy("pool_x.npy", to_cnhw(x))
    save_npy("maxpool_3_2_1_y.npy", to_cnhw(F.max_pool2d(x, 3, 2, 1)))
    for a in (3, 5):
        save_npy(f"avgpool_{a}_y.npy", to_cnhw(F.avg_pool2d(x, a, 1, (a - 1) // 2, count_include_pad=False)))
    save_npy("avgpool_3_2_1_incl_y.npy", to_cnhw(F.avg_pool2d(x, 3, 2, 1, count_include_pad=True)))
    save_npy("gap_y.npy", F.adaptive_avg_pool2d(x, 1).flatten(1).numpy().T.copy())  # (C, N)

    feats = torch.randn(3, 12, generator=gen)
    lw, lb = torch.randn(5, 12, generator=gen), torch.randn(5, generator=gen)
    save_npy("linear_x.npy", feats.numpy().T.copy())  # (C, N)
    save_npy("linear_w.npy", lw.numpy())
    save_npy("linear_b.npy", lb.numpy())
    save_npy("linear_y.npy", F.linear(feats, lw, lb).numpy())

    # PushPull units alone, avg 0/3/5, with their responses and effective kernels
    for avg in (0, 3, 5):
        unit = PushPullConv2DUnit(3, 6, 5, 1, 2, avg, True)
        with torch.no_grad():
            unit.push_conv.weight.normal_(0, 0.3, generator=gen)
            unit.pull_inhibition_strength.uniform_(0, 1.5, generator=gen)
            unit.bias.uniform_(-1, 1, generator=gen)
        x = torch.randn(2, 3, 12, 11, generator=gen)
        push, pull = unit.responses(x)
        y = unit(x)
        save_npy(f"pp{avg}_x.npy", to_cnhw(x))
        save_npy(f"pp{avg}_w.npy", unit.push_conv.weight.detach().numpy())
        save_npy(f"pp{avg}_alpha.npy", unit.pull_inhibition_strength.detach().numpy())
        save_npy(f"pp{avg}_bias.npy", unit.bias.detach().numpy())
        save_npy(f"pp{avg}_pullkernel.npy", unit.pull_kernel().detach().numpy())
        save_npy(f"pp{avg}_push.npy", to_cnhw(push))
        save_npy(f"pp{avg}_pull.npy", to_cnhw(pull))
        save_npy(f"pp{avg}_y.npy", to_cnhw(y))
        # effective kernel W - alpha * (P full-convolved with the box), numpy by hand
        w = unit.push_conv.weight.detach().numpy().astype(np.float64)
        p = unit.pull_kernel().detach().numpy().astype(np.float64)
        al = unit.pull_inhibition_strength.detach().numpy().astype(np.float64)
        a = avg if avg else 1
        e = w.shape[2] + a - 1
        eff = np.zeros((w.shape[0], w.shape[1], e, e))
        off = (a - 1) // 2
        eff[:, :, off:off + w.shape[2], off:off + w.shape[3]] += w
        for di in range(a):
            for dj in range(a):
                eff[:, :, di:di + w.shape[2], dj:dj + w.shape[3]] -= al[:, None, None, None] * p / (a * a)
        save_npy(f"pp{avg}_effective.npy", eff.astype(np.float32))


# ---------------------------------------------------------------- network fixtures
NETWORKS = [
    # name, block, layers, stem, width, in_ch, classes, push_pull, avg, trainable, alpha, bias, input HxW
    ("r18_imagenet_pp3", BasicBlock, [2, 2, 2, 2], "imagenet", 8, 3, 10, True, 3, True, 1.0, True, 64),
    ("r18_imagenet_pp5_fixed", BasicBlock, [2, 2, 2, 2], "imagenet", 8, 3, 7, True, 5, False, 0.8, True, 56),
    ("r18_imagenet_pp0", BasicBlock, [2, 2, 2, 2], "imagenet", 8, 3, 10, True, 0, True, 1.0, True, 48),
    ("r18_imagenet_base", BasicBlock, [2, 2, 2, 2], "imagenet", 8, 3, 10, False, 0, False, 1.0, True, 64),
    ("r18_cifar_pp3", BasicBlock, [2, 2, 2, 2], "cifar", 8, 3, 10, True, 3, True, 1.0, True, 32),
    ("r18_cifar_pp0_fixed", BasicBlock, [2, 2, 2, 2], "cifar", 8, 3, 10, True, 0, False, 1.0, True, 32),
    ("r18_cifar_gray_pp5", BasicBlock, [2, 2, 2, 2], "cifar", 8, 1, 10, True, 5, True, 1.0, True, 28),
    ("r18_cifar_gray_base", BasicBlock, [2, 2, 2, 2], "cifar", 8, 1, 10, False, 0, False, 1.0, True, 28),
    ("r34_cifar_pp3", BasicBlock, [3, 4, 6, 3], "cifar", 4, 3, 10, True, 3, True, 1.0, True, 32),
    ("r50_imagenet_pp3", Bottleneck, [3, 4, 6, 3], "imagenet", 4, 3, 12, True, 3, True, 1.0, True, 64),
]


def network_fixtures(gen):
    for (name, block, layers, stem, width, in_ch, classes, pp, avg, trainable, alpha, bias, side) in NETWORKS:
        model = ResNet(block, layers, stem, width, in_ch, classes, pp, avg, trainable, alpha, bias)
        randomize(model, gen)
        model.eval()
        x = torch.randn(2, in_ch, side, side, generator=gen)
        taps = {}
        with torch.no_grad():
            logits = model(x, taps)
            if pp:
                push, pull = model.conv1.responses(x)
        meta = {"avg_kernel_size": avg, "dataset_name": "cifar10" if in_ch == 3 else "fashion_mnist"}
        if pp and not trainable:
            meta["pull_inhibition_strength"] = repr(alpha)
            meta["trainable_pull_inhibition"] = "false"
        save_safetensors(os.path.join(OUT, f"{name}.safetensors"), model.state_dict(), meta)
        save_npy(f"{name}_x.npy", x.numpy())
        save_npy(f"{name}_logits.npy", logits.numpy())
        save_npy(f"{name}_conv1.npy", taps["conv1"].numpy())
        save_npy(f"{name}_stem.npy", taps["stem"].numpy())
        if pp:
            save_npy(f"{name}_push.npy", push.numpy())
            save_npy(f"{name}_pull.npy", pull.numpy())
        print(f"{name}: {sum(p.numel() for p in model.parameters())} parameters, input {tuple(x.shape)}")


# ---------------------------------------------------------------- images and preprocessing
def image_fixtures(gen):
    """Small test images, and what torchvision's PIL pipeline makes of them."""
    from PIL import Image
    images = os.path.join(os.path.dirname(OUT), "images")
    os.makedirs(images, exist_ok=True)
    yy, xx = np.mgrid[0:30, 0:40]
    rgb = np.stack([xx * 6, yy * 8, (xx + yy) * 3], -1) % 256
    rgb = (rgb + torch.randint(0, 20, rgb.shape, generator=gen).numpy()).clip(0, 255).astype(np.uint8)
    Image.fromarray(rgb).save(os.path.join(images, "rgb_40x30.png"))
    gray = ((xx[:28, :28] * 9 + yy[:28, :28] * 4) % 256).astype(np.uint8)
    Image.fromarray(gray).save(os.path.join(images, "gray_28.png"))
    yy, xx = np.mgrid[0:200, 0:300]
    photo = np.stack([np.sin(xx / 17.0) * 100 + 128, np.cos(yy / 11.0) * 100 + 128, (xx ^ yy) % 256], -1)
    Image.fromarray(photo.clip(0, 255).astype(np.uint8)).save(os.path.join(images, "photo_300x200.jpg"), quality=90)

    def normalise(img, mean, std):
        a = np.asarray(img, dtype=np.float32) / 255.0
        if a.ndim == 2:
            a = a[:, :, None]
        return ((a - np.array(mean, np.float32)) / np.array(std, np.float32)).transpose(2, 0, 1)[None]

    cifar = ((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010))
    imagenet = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
    img = Image.open(os.path.join(images, "rgb_40x30.png")).convert("RGB").resize((32, 32), Image.BILINEAR)
    save_npy("pre_cifar_rgb_40x30.npy", normalise(img, *cifar))
    img = Image.open(os.path.join(images, "rgb_40x30.png")).convert("L").resize((28, 28), Image.BILINEAR)
    save_npy("pre_fmnist_rgb_40x30.npy", normalise(img, (0.2860,), (0.3530,)))
    img = Image.open(os.path.join(images, "photo_300x200.jpg")).convert("RGB")
    w, h = img.size
    img = img.resize((int(256 * w / h), 256) if w > h else (256, int(256 * h / w)), Image.BILINEAR)
    w, h = img.size
    top, left = int(round((h - 224) / 2.0)), int(round((w - 224) / 2.0))
    img = img.crop((left, top, left + 224, top + 224))
    save_npy("pre_imagenet_photo_300x200.npy", normalise(img, *imagenet))


def job_fixtures():
    """A tiny uint8 data set (48 random 28x28 images, labels 0..9) for the job-API tests."""
    rng = np.random.default_rng(5)
    save_npy("jobs_images.npy", rng.integers(0, 256, (48, 28, 28), dtype=np.uint8))
    save_npy("labels.npy", (np.arange(48) % 10).astype(np.int64))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1234)
    layer_fixtures(gen)
    network_fixtures(gen)
    image_fixtures(gen)
    job_fixtures()


if __name__ == "__main__":
    main()

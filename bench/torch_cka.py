#!/usr/bin/python3
"""The PyTorch side of bench/cka_vs_torch.sh.

  torch_cka.py make DIR N        two CIFAR PushPull-ResNet18s (width 64, random weights,
                                 seeds 1 and 2) as DIR/a.safetensors, DIR/b.safetensors,
                                 and N CIFAR-sized images as DIR/images.npy (+ labels.npy):
                                 the first N of $CIFAR_DIR/test_batch.bin when set, else
                                 smooth random blobs
  torch_cka.py run DIR N BATCH THREADS OUT.npy
                                 forwards both models over the images in batches of BATCH
                                 (the engine's preprocessing), then times minibatch CKA of
                                 every pair of the 7 layers two ways and prints
                                 "efficient SECONDS" and "torch_cka SECONDS":
                                 - efficient: Grams by torch.mm, U-centring in float64,
                                   all pair sums as one matrix product (Nguyen et al.'s
                                   MinibatchCKA written for PyTorch);
                                 - torch_cka: the widely used PyTorch-Model-Compare
                                   (AntixK/torch_cka) unbiased HSIC loop over layer pairs.
                                 Writes the efficient matrix to OUT.npy.
Only the CKA is timed: both sides get the activations first."""
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
import make_fixtures as mf  # noqa: E402

LAYERS = ["stem", "layer1", "layer2", "layer3", "layer4", "features", "logits"]
MEAN = np.array([0.4914, 0.4822, 0.4465], np.float32)
STD = np.array([0.2023, 0.1994, 0.2010], np.float32)


def make(out, n):
    for name, seed in (("a", 1), ("b", 2)):
        gen = torch.Generator().manual_seed(seed)
        model = mf.ResNet(mf.BasicBlock, [2, 2, 2, 2], "cifar", 64, 3, 10, True, 3, True)
        mf.randomize(model, gen)
        mf.save_safetensors(os.path.join(out, f"{name}.safetensors"), model.state_dict(),
                            {"avg_kernel_size": 3, "dataset_name": "cifar10"})
    cifar = os.environ.get("CIFAR_DIR")
    if cifar:
        raw = np.fromfile(os.path.join(cifar, "test_batch.bin"), np.uint8).reshape(-1, 3073)[:n]
        labels = raw[:, 0].astype(np.int64)
        images = raw[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()
    else:
        rng = np.random.default_rng(5)
        yy, xx = np.mgrid[0:32, 0:32]
        images = np.empty((n, 32, 32, 3), np.uint8)
        for i in range(n):
            cx, cy, r = rng.uniform(4, 28, 2).tolist() + [rng.uniform(3, 12)]
            blob = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))
            images[i] = np.clip(blob[..., None] * rng.uniform(0, 255, 3) + rng.normal(70, 30, (32, 32, 3)), 0, 255)
        labels = rng.integers(0, 10, n).astype(np.int64)
    np.save(os.path.join(out, "images.npy"), images)
    np.save(os.path.join(out, "labels.npy"), labels)


def load(path):
    tensors = mf.load_safetensors(path)
    model = mf.ResNet(mf.BasicBlock, [2, 2, 2, 2], "cifar", 64, 3, 10, True, 3, True)
    model.load_state_dict(tensors)
    return model.eval()


def activations(model, x):
    taps = {}
    with torch.no_grad():
        taps["logits"] = model(x, taps)
    return [taps[k].reshape(x.shape[0], -1).contiguous() for k in LAYERS]


def u_centred(x):
    n = x.shape[0]
    k = (x @ x.T).double()
    k.fill_diagonal_(0)
    means = k.sum(0) / (n - 2)
    means -= means.sum() / (2 * (n - 1))
    k -= means[:, None]
    k -= means[None, :]
    k.fill_diagonal_(0)
    return k.reshape(-1)


class Efficient:
    """Nguyen et al.'s MinibatchCKA for PyTorch: U-centred Grams, all pair sums at once."""

    def __init__(self, la, lb):
        self.cross = torch.zeros(la, lb, dtype=torch.float64)
        self.sa, self.sb = torch.zeros(la, dtype=torch.float64), torch.zeros(lb, dtype=torch.float64)

    def update(self, acts_a, acts_b):
        n = acts_a[0].shape[0]
        ga = torch.stack([u_centred(x) for x in acts_a])
        gb = torch.stack([u_centred(y) for y in acts_b])
        scale = n * (n - 3)
        self.cross += ga @ gb.T / scale
        self.sa += (ga * ga).sum(1) / scale
        self.sb += (gb * gb).sum(1) / scale

    def result(self):
        return (self.cross / torch.sqrt(self.sa[:, None] * self.sb[None, :])).numpy()


def hsic(k, l):
    """torch_cka's _HSIC (AntixK/PyTorch-Model-Compare), as published."""
    n = k.shape[0]
    ones = torch.ones(n, 1, dtype=k.dtype)
    result = torch.trace(k @ l)
    result += ((ones.t() @ k @ ones @ ones.t() @ l @ ones) / ((n - 1) * (n - 2))).item()
    result -= ((ones.t() @ k @ l @ ones) * 2 / (n - 2)).item()
    return (1 / (n * (n - 3)) * result).item()


class TorchCKA:
    """torch_cka's compare() loop: Grams with zeroed diagonals, HSIC per layer pair."""

    def __init__(self, la, lb):
        self.m = torch.zeros(la, lb, 3)

    def update(self, acts_a, acts_b):
        for i, x in enumerate(acts_a):
            k = x @ x.t()
            k.fill_diagonal_(0.0)
            for j, y in enumerate(acts_b):
                l = y @ y.t()
                l.fill_diagonal_(0.0)
                self.m[i, j, 0] += hsic(k, k)
                self.m[i, j, 1] += hsic(k, l)
                self.m[i, j, 2] += hsic(l, l)

    def result(self):
        return (self.m[:, :, 1] / (self.m[:, :, 0].sqrt() * self.m[:, :, 2].sqrt())).numpy()


def run(folder, n, batch, threads, out):
    torch.set_num_threads(threads)
    images = np.load(os.path.join(folder, "images.npy"))[:n]
    x = images.astype(np.float32) * (1.0 / (255.0 * STD)).astype(np.float32) - (MEAN / STD).astype(np.float32)
    x = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    a, b = load(os.path.join(folder, "a.safetensors")), load(os.path.join(folder, "b.safetensors"))
    k = (n + batch - 1) // batch
    bounds = [0]  # the engine's near-equal batches
    for i in range(k):
        bounds.append(bounds[-1] + (n - bounds[-1]) // (k - i))
    results = {}
    for name, kind in (("efficient", Efficient), ("torch_cka", TorchCKA)):
        acc, spent = kind(len(LAYERS), len(LAYERS)), 0.0
        for lo, hi in zip(bounds, bounds[1:]):
            acts_a, acts_b = activations(a, x[lo:hi]), activations(b, x[lo:hi])  # not timed
            t0 = time.perf_counter()
            acc.update(acts_a, acts_b)
            spent += time.perf_counter() - t0
        results[name] = acc.result()
        print(f"{name} {spent:.3f}", flush=True)
    np.save(out, results["efficient"])
    print(f"agreement {np.abs(results['efficient'] - results['torch_cka']).max():.2e}")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]))
    else:
        run(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])

#!/usr/bin/python3
"""Fixtures for the CKA tests (run by hand with /usr/bin/python3: torch, numpy).

Writes under tests/fixtures/analysis/:
  cka_demo_x.npy, cka_demo_y.npy   the spec's demo inputs (np.random.seed(1337),
                                   X = randn(100,10), Y = randn(100,10) + X)
  cka/images.npy, cka/labels.npy   24 CIFAR-sized uint8 images (a data set for the CLI)
  cka_<kind>.npy                   (7, 7) CKA between the layers stem, layer1..layer4,
                                   features, logits of r18_cifar_pp3 (rows) and
                                   r34_cifar_pp3 (columns) on those images, computed
                                   in float64 from PyTorch activations:
                                   linear, rbf (t = 0.5), debiased, minibatch8
                                   (3 batches of 8, unbiased HSIC summed), and
                                   self_linear (r18_cifar_pp3 with itself)
  cka_blocks_<kind>.npy            the same per block, the engine's default layers: stem, every
                                   residual block (layer1.0, layer1.1, ... by forward hooks),
                                   features, logits: (11, 19) for ResNet18 vs ResNet34; also
                                   minibatch8_shuffled (2 passes, each shuffled as
                                   pp_cka_pass_order does with seed 5)
  fm_<model>_<layer>.npy           (C, H, W) stem, layer1 and layer2.0 maps of image 0
                                   (feature-map test)
Every array is stored as float32 (the engine's .npy reader takes f4, u1, i8).
The models are the committed fixtures of tests/make_fixtures.py, whose ResNet
restates the reference code; CKA follows the demo code line by line."""
import importlib.util
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
CORE = os.path.join(HERE, "..", "fixtures", "core")
OUT = os.path.join(HERE, "..", "fixtures", "analysis")
LAYERS = ["stem", "layer1", "layer2", "layer3", "layer4", "features", "logits"]
CIFAR_MEAN = np.array([0.4914, 0.4822, 0.4465], np.float32)
CIFAR_STD = np.array([0.2023, 0.1994, 0.2010], np.float32)

spec = importlib.util.spec_from_file_location("make_fixtures", os.path.join(HERE, "..", "make_fixtures.py"))
mf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mf)


# ---------------------------------------------------------------- CKA as in the demo notebook
def gram_linear(x):
    return x.dot(x.T)


def gram_rbf(x, threshold=1.0):
    dot_products = x.dot(x.T)
    sq_norms = np.diag(dot_products)
    sq_distances = -2 * dot_products + sq_norms[:, None] + sq_norms[None, :]
    sq_median_distance = np.median(sq_distances)
    return np.exp(-sq_distances / (2 * threshold ** 2 * sq_median_distance))


def center_gram(gram, unbiased=False):
    gram = gram.copy()
    if unbiased:
        n = gram.shape[0]
        np.fill_diagonal(gram, 0)
        means = np.sum(gram, 0, dtype=np.float64) / (n - 2)
        means -= np.sum(means) / (2 * (n - 1))
        gram -= means[:, None]
        gram -= means[None, :]
        np.fill_diagonal(gram, 0)
    else:
        means = np.mean(gram, 0, dtype=np.float64)
        means -= np.mean(means) / 2
        gram -= means[:, None]
        gram -= means[None, :]
    return gram


def cka(gram_x, gram_y, debiased=False):
    gram_x = center_gram(gram_x, unbiased=debiased)
    gram_y = center_gram(gram_y, unbiased=debiased)
    scaled_hsic = gram_x.ravel().dot(gram_y.ravel())
    return scaled_hsic / (np.linalg.norm(gram_x) * np.linalg.norm(gram_y))


M64 = (1 << 64) - 1


def rng_mix(z):
    """core/rng.h's pp_rng_mix (splitmix64's finaliser)."""
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
    return z ^ (z >> 31)


def rng_int(key, i, lo, hi):
    u = rng_mix((key + (i + 1) * 0x9e3779b97f4a7c15) & M64)
    return lo + (((u >> 32) * (hi - lo + 1)) >> 32)


def pass_order(n, seed, p):
    """pp_cka_pass_order: Fisher-Yates with the engine's counter-based draws."""
    key = rng_mix((seed * 0x9e3779b97f4a7c15 + rng_mix((0x434b4100 + p + 0x632be59bd9b4e019) & M64)) & M64)
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = rng_int(key, i, 0, i)
        order[i], order[j] = order[j], order[i]
    return order


def minibatch_cka(acts_a, acts_b, batch, passes=1, seed=None):
    """Nguyen et al.'s MinibatchCKA: unbiased HSIC per batch, summed (double)
    over every batch of every pass; batches of near-equal size as the engine
    cuts them; seed: each pass shuffled (else data-set order)."""
    la, lb = len(acts_a), len(acts_b)
    cross, sa, sb = np.zeros((la, lb)), np.zeros(la), np.zeros(lb)
    n = acts_a[0].shape[0]
    batches = -(-n // batch)
    for p in range(passes):
        order = np.array(pass_order(n, seed, p) if seed is not None else range(n))
        start = 0
        for k in range(batches):
            size = (n - start) // (batches - k)
            idx = order[start:start + size]
            start += size
            ga = [center_gram(gram_linear(x[idx]), True) for x in acts_a]
            gb = [center_gram(gram_linear(y[idx]), True) for y in acts_b]
            m = size
            for i in range(la):
                sa[i] += ga[i].ravel().dot(ga[i].ravel()) / (m * (m - 3))
                for j in range(lb):
                    cross[i, j] += ga[i].ravel().dot(gb[j].ravel()) / (m * (m - 3))
            for j in range(lb):
                sb[j] += gb[j].ravel().dot(gb[j].ravel()) / (m * (m - 3))
    return cross / np.sqrt(sa[:, None] * sb[None, :])


# ---------------------------------------------------------------- models
def fixture_model(name):
    row = next(r for r in mf.NETWORKS if r[0] == name)
    _, block, layers, stem, width, in_ch, classes, pp, avg, trainable, alpha, bias, _ = row
    model = mf.ResNet(block, layers, stem, width, in_ch, classes, pp, avg, trainable, alpha, bias)
    model.load_state_dict(mf.load_safetensors(os.path.join(CORE, name + ".safetensors")))
    return model.eval()


def block_names(model):
    return [f"{stage}.{i}" for stage in ("layer1", "layer2", "layer3", "layer4")
            for i in range(len(getattr(model, stage)))]


def forward_taps(model, x):
    """The stage taps of make_fixtures.py's ResNet and every block's output."""
    taps, hooks = {}, []
    for name in block_names(model):
        stage, i = name.split(".")
        hooks.append(getattr(model, stage)[int(i)].register_forward_hook(
            lambda mod, inp, out, name=name: taps.__setitem__(name, out)))
    with torch.no_grad():
        taps["logits"] = model(x, taps)
    for h in hooks:
        h.remove()
    return taps


def activations(model, x, layers=None):
    taps = forward_taps(model, x)
    layers = layers or LAYERS
    return [taps[k].reshape(x.shape[0], -1).double().numpy() for k in layers]


def per_block(model):
    return ["stem"] + block_names(model) + ["features", "logits"]


def matrix(acts_a, acts_b, fn):
    return np.array([[fn(a, b) for b in acts_b] for a in acts_a])


def main():
    os.makedirs(os.path.join(OUT, "cka"), exist_ok=True)
    np.random.seed(1337)
    x = np.random.randn(100, 10)
    y = np.random.randn(100, 10) + x
    np.save(os.path.join(OUT, "cka_demo_x.npy"), x.astype(np.float32))
    np.save(os.path.join(OUT, "cka_demo_y.npy"), y.astype(np.float32))
    print("demo: linear %.5f rbf %.5f debiased %.5f" % (
        cka(gram_linear(x), gram_linear(y)), cka(gram_rbf(x, 0.5), gram_rbf(y, 0.5)),
        cka(gram_linear(x), gram_linear(y), debiased=True)))

    rng = np.random.default_rng(17)
    # Smooth colour blobs plus noise: images with structure, so layers differ.
    yy, xx = np.mgrid[0:32, 0:32]
    images = np.empty((24, 32, 32, 3), np.uint8)
    for i in range(24):
        cx, cy, r = rng.uniform(4, 28), rng.uniform(4, 28), rng.uniform(4, 12)
        blob = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))
        colour = rng.uniform(0, 255, 3)
        img = blob[..., None] * colour + rng.normal(60, 25, (32, 32, 3))
        images[i] = np.clip(img, 0, 255).astype(np.uint8)
    labels = rng.integers(0, 10, 24).astype(np.int64)
    np.save(os.path.join(OUT, "cka", "images.npy"), images)
    np.save(os.path.join(OUT, "cka", "labels.npy"), labels)

    # The engine's normalisation (preprocess.c): u8 * 1/(255 std) - mean/std, float32.
    scale = (1.0 / (255.0 * CIFAR_STD)).astype(np.float32)
    offset = (CIFAR_MEAN / CIFAR_STD).astype(np.float32)
    batch = images.astype(np.float32) * scale - offset
    batch = torch.from_numpy(np.ascontiguousarray(batch.transpose(0, 3, 1, 2)))

    model_a, model_b = fixture_model("r18_cifar_pp3"), fixture_model("r34_cifar_pp3")
    acts_a, acts_b = activations(model_a, batch), activations(model_b, batch)
    for short, model in (("r18", model_a), ("r34", model_b)):
        taps = forward_taps(model, batch[:1])
        for layer in ("stem", "layer1", "layer2.0"):
            np.save(os.path.join(OUT, f"fm_{short}_{layer}.npy"), taps[layer][0].numpy().astype(np.float32))
    results = {
        "linear": matrix(acts_a, acts_b, lambda a, b: cka(gram_linear(a), gram_linear(b))),
        "rbf": matrix(acts_a, acts_b, lambda a, b: cka(gram_rbf(a, 0.5), gram_rbf(b, 0.5))),
        "debiased": matrix(acts_a, acts_b, lambda a, b: cka(gram_linear(a), gram_linear(b), debiased=True)),
        "minibatch8": minibatch_cka(acts_a, acts_b, 8),
        "self_linear": matrix(acts_a, acts_a, lambda a, b: cka(gram_linear(a), gram_linear(b))),
    }
    for kind, m in results.items():
        np.save(os.path.join(OUT, f"cka_{kind}.npy"), m.astype(np.float32))
        print(kind, "diagonal", np.round(np.diag(m), 4))

    blocks_a = activations(model_a, batch, per_block(model_a))
    blocks_b = activations(model_b, batch, per_block(model_b))
    blocks = {
        "linear": matrix(blocks_a, blocks_b, lambda a, b: cka(gram_linear(a), gram_linear(b))),
        "rbf": matrix(blocks_a, blocks_b, lambda a, b: cka(gram_rbf(a, 0.5), gram_rbf(b, 0.5))),
        "debiased": matrix(blocks_a, blocks_b, lambda a, b: cka(gram_linear(a), gram_linear(b), debiased=True)),
        "minibatch8": minibatch_cka(blocks_a, blocks_b, 8),
        "minibatch8_shuffled": minibatch_cka(blocks_a, blocks_b, 8, passes=2, seed=5),
        "self_linear": matrix(blocks_a, blocks_a, lambda a, b: cka(gram_linear(a), gram_linear(b))),
    }
    for kind, m in blocks.items():
        np.save(os.path.join(OUT, f"cka_blocks_{kind}.npy"), m.astype(np.float32))
        print("blocks", kind, m.shape, "first row", np.round(m[0, :4], 4))


if __name__ == "__main__":
    main()

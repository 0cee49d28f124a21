#!/usr/bin/python3
"""Fixtures for the weight-statistics tests (run by hand with /usr/bin/python3).

Writes under tests/fixtures/analysis/:
  r18_cifar_pp3_tuned.safetensors  tests/fixtures/core/r18_cifar_pp3 "fine-tuned": layer4's
                                   convs moved by noise, the classifier scaled, bn.weight
                                   shifted, 30% of layer1.0.conv1's weights set to zero
  weights_stats.npy   (tensors, 2, 8): count, mean, std, min, max, norm, near-zero
                      (|w| < 1e-3 max|w|), zero fraction, of A (original) and B (tuned)
  weights_hist.npy    (tensors, 3, 100): np.histogram counts of A and B over the shared
                      range (min to max of both), and of B - A over its own range
  weights_change.npy  (tensors,): |B - A|_F / |A|_F
  weights_filters.npy (2, 8): per-filter L2 norm and mean of A's conv1.push_conv.weight
for the tensors in TENSORS (the C test lists the same). Histograms are counted in
float64 (numpy would count float32 arrays in float32)."""
import importlib.util
import json
import os
import struct

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
CORE = os.path.join(HERE, "..", "fixtures", "core")
OUT = os.path.join(HERE, "..", "fixtures", "analysis")
TENSORS = ["conv1.push_conv.weight", "conv1.pull_inhibition_strength", "bn.weight", "layer1.0.conv1.weight",
           "layer4.1.conv2.weight", "classifier.weight"]

spec = importlib.util.spec_from_file_location("make_fixtures", os.path.join(HERE, "..", "make_fixtures.py"))
mf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mf)


def read_safetensors(path):
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        dtype = {"F32": np.float32, "I64": np.int64}[info["dtype"]]
        lo, hi = info["data_offsets"]
        tensors[name] = np.frombuffer(data[lo:hi], dtype=dtype).reshape(info["shape"]).copy()
    return tensors, meta


def stats(w):
    w64 = w.astype(np.float64)
    amax = np.abs(w64).max()
    return [w.size, w64.mean(), w64.std(), w64.min(), w64.max(), np.sqrt((w64 ** 2).sum()),
            np.mean(np.abs(w64) < 1e-3 * amax), np.mean(w64 == 0)]


def main():
    a, meta = read_safetensors(os.path.join(CORE, "r18_cifar_pp3.safetensors"))
    rng = np.random.default_rng(23)
    b = {k: v.copy() for k, v in a.items()}
    for k in b:
        if k.startswith("layer4.") and k.endswith("conv1.weight") or k.startswith("layer4.") and k.endswith("conv2.weight"):
            b[k] = (b[k] + 0.01 * rng.standard_normal(b[k].shape)).astype(np.float32)
    b["classifier.weight"] = (b["classifier.weight"] * 1.1).astype(np.float32)
    b["bn.weight"] = (b["bn.weight"] + 0.05).astype(np.float32)
    w = b["layer1.0.conv1.weight"]
    w[rng.random(w.shape) < 0.3] = 0
    mf.save_safetensors(os.path.join(OUT, "r18_cifar_pp3_tuned.safetensors"),
                        {k: torch.from_numpy(v) for k, v in b.items()}, meta)

    st, hist, change = [], [], []
    for name in TENSORS:
        wa, wb = a[name], b[name]
        st.append([stats(wa), stats(wb)])
        lo, hi = float(min(wa.min(), wb.min())), float(max(wa.max(), wb.max()))
        d = wb - wa  # float32, as the engine takes it
        ha = np.histogram(wa.astype(np.float64), 100, (lo, hi))[0]
        hb = np.histogram(wb.astype(np.float64), 100, (lo, hi))[0]
        hd = np.histogram(d.astype(np.float64), 100, (float(d.min()), float(d.max())))[0]
        hist.append([ha, hb, hd])
        diff64 = wb.astype(np.float64) - wa.astype(np.float64)
        change.append(np.linalg.norm(diff64) / np.linalg.norm(wa.astype(np.float64)))
        print(f"{name}: change {change[-1]:.5f}")
    np.save(os.path.join(OUT, "weights_stats.npy"), np.array(st, np.float32))
    np.save(os.path.join(OUT, "weights_hist.npy"), np.array(hist, np.float32))
    np.save(os.path.join(OUT, "weights_change.npy"), np.array(change, np.float32))
    w = a["conv1.push_conv.weight"].astype(np.float64).reshape(8, -1)
    np.save(os.path.join(OUT, "weights_filters.npy"),
            np.array([np.sqrt((w ** 2).sum(1)), w.mean(1)], np.float32))


if __name__ == "__main__":
    main()

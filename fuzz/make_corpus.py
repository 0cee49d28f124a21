#!/usr/bin/python3
"""Rebuilds the seed corpus under fuzz/corpus/ from the committed checkpoint
fixtures (tests/fixtures/ckpt and legacy, made by tests/ckpt/make_fixtures.py and
make_legacy_fixtures.py) plus two
hand-written safetensors files, the image fixtures (tests/fixtures/images and
hostile/) and small IDX / CIFAR files. Run: /usr/bin/python3 fuzz/make_corpus.py"""
import gzip
import json
import os
import shutil
import struct
import zipfile

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIX = os.path.join(ROOT, "tests", "fixtures", "ckpt")
OUT = os.path.join(ROOT, "fuzz", "corpus")


def target(name):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    return d


def safetensors(path, tensors, meta=None):
    hdr, data = {}, b""
    if meta:
        hdr["__metadata__"] = meta
    for name, (dt, arr) in tensors.items():
        b = arr.tobytes()
        hdr[name] = {"dtype": dt, "shape": list(arr.shape), "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    h = json.dumps(hdr).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + data)


def main():
    pk = target("fuzz_pickle")
    for f in ["plain_p2.pkl", "plain_p4.pkl", "plain_p5.pkl"]:
        shutil.copy(os.path.join(FIX, f), pk)
    for f in ["lightning_namespace.ckpt", "dtypes.pth", "noncontiguous.pt", "hostile_reduce_unknown.pt"]:
        with zipfile.ZipFile(os.path.join(FIX, f)) as z:
            data = z.read([n for n in z.namelist() if n.endswith("/data.pkl")][0])
        with open(os.path.join(pk, os.path.splitext(f)[0].replace("hostile_", "") + ".pkl"), "wb") as o:
            o.write(data)
    # The same pickles drive the whole loader through fuzz_torch_pickle.
    tp = target("fuzz_torch_pickle")
    for f in os.listdir(pk):
        shutil.copy(os.path.join(pk, f), tp)
    zp = target("fuzz_torch_zip")
    for f in ["dtypes.pth", "noncontiguous.pt", "lightning_attrdict.ckpt", "hostile_offset_past_end.pt"]:
        shutil.copy(os.path.join(FIX, f), zp)
    npy = target("fuzz_npy")
    for f in ["dtypes.pth/f16.npy", "dtypes.pth/scalar.npy", "noncontiguous.pt/slice.npy"]:
        shutil.copy(os.path.join(FIX, "expected", f), npy)
    st = target("fuzz_safetensors")
    safetensors(os.path.join(st, "small.safetensors"),
                {"conv1.weight": ("F32", np.arange(12, dtype=np.float32).reshape(2, 2, 3)),
                 "n": ("I64", np.array(5, dtype=np.int64)),
                 "h": ("F16", np.ones(3, dtype=np.float16))},
                {"avg_kernel_size": "3", "arch": "resnet18"})
    safetensors(os.path.join(st, "empty_meta.safetensors"), {"b": ("BF16", np.zeros(2, dtype=np.uint16))})
    legacy_seeds()
    image_seeds()
    dataset_seeds()


# fuzz_torch_legacy.c puts this header (magic, version, sys_info) in front of
# an input that lacks it; seeds come both whole and without it.
LEGACY_HEADER_LEN = 137


def legacy_seeds():
    lg = target("fuzz_torch_legacy")
    fix = os.path.join(ROOT, "tests", "fixtures", "legacy")
    for f in ["plain_state_dict.pt", "views_dtypes.pt", "view_metadata.pt", "nontensor_values.pt",
              "prime_raw.ckpt", "model_dict.pt", "lightning_aug_legacy.ckpt", "hostile_offset_past_end.pt",
              "tiny_whole_legacy.pt"]:
        data = open(os.path.join(fix, f), "rb").read()
        for name, seed in [(f, data), ("body_" + f, data[LEGACY_HEADER_LEN:])]:
            with open(os.path.join(lg, name), "wb") as o:
                o.write(seed)


def image_seeds():
    im = target("fuzz_image")
    images = os.path.join(ROOT, "tests", "fixtures", "images")
    hostile = os.path.join(ROOT, "tests", "fixtures", "hostile")
    for f in ["gray_28.png", "rgb_40x30.png", "photo_300x200.jpg"]:
        shutil.copy(os.path.join(images, f), im)
    for f in sorted(os.listdir(hostile)):
        if f.startswith("png_") or f in ("jpeg_ok_scans.jpg", "bomb_progressive_8000.jpg"):
            shutil.copy(os.path.join(hostile, f), im)


def dataset_seeds():
    """Byte 0 picks the parser (fuzz_dataset.c): 0 IDX images, 1 IDX labels, 2 CIFAR."""
    ds = target("fuzz_dataset")
    rng = np.random.default_rng(5)
    images = struct.pack(">BBBBIII", 0, 0, 8, 3, 2, 3, 4) + rng.integers(0, 256, 24, dtype=np.uint8).tobytes()
    labels = struct.pack(">BBBBI", 0, 0, 8, 1, 3) + bytes([7, 2, 9])
    cifar = b"".join(bytes([k]) + rng.integers(0, 256, 3072, dtype=np.uint8).tobytes() for k in (3, 8))
    seeds = {"idx3.bin": b"\0" + images, "idx3_gz.bin": b"\0" + gzip.compress(images, mtime=0),
             "idx1.bin": b"\1" + labels, "idx1_gz.bin": b"\1" + gzip.compress(labels, mtime=0),
             "cifar.bin": b"\2" + cifar}
    for name, data in seeds.items():
        with open(os.path.join(ds, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Writes tests/fixtures/legacy/: checkpoints in PyTorch's legacy (pre-1.6,
non-zip) format, the containers researchers' files come in, and Lightning
hyper-parameters that pickle augmentation objects, plus hostile legacy files.

Run with Debian's python3 (python3-torch, torchvision, numpy):
    /usr/bin/python3 tests/ckpt/make_legacy_fixtures.py
Good files come from torch.save(..., _use_new_zipfile_serialization=False)
(and the zip format where the two are compared); each has expected/<file>/
with one .npy per tensor and a MANIFEST, as tests/ckpt/make_fixtures.py
writes them. Hostile files are assembled piece by piece: the five parts of
the legacy stream (magic, version, sys_info, main pickle, key list) and the
raw storages, with one part wrong. The legacy format names storages by
their memory address, so each run writes other bytes for the same content.
"""
import argparse
import collections
import enum
import importlib.util
import os
import pickle
import shutil
import struct
import sys
import types

import numpy as np
import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "legacy")


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ck = load_module("ckpt_fixtures", os.path.join(HERE, "make_fixtures.py"))  # helpers, tiny model
ef = load_module("engine_fixtures", os.path.join(HERE, "..", "make_fixtures.py"))  # the ResNet
sys.modules["engine_fixtures"] = ef  # torch.save(model) pickles its classes by module name
sys.modules["ckpt_fixtures"] = ck


def save_legacy(obj, name):
    torch.save(obj, os.path.join(OUT, name), _use_new_zipfile_serialization=False)


def save_zip(obj, name):
    torch.save(obj, os.path.join(OUT, name))


def expected(name, sd):
    ck.OUT = OUT  # write_expected writes under its module's OUT
    ck.write_expected(name, sd)


# ---- augmentation objects a Lightning file's hyper-parameters pickle ----

def fake_module(name):
    mod = sys.modules.get(name) or types.ModuleType(name)
    sys.modules[name] = mod
    return mod


aug_mod = fake_module("augmentations")
prime_mod = fake_module("prime")


class Interpolation(enum.Enum):
    BILINEAR = "bilinear"

    def __reduce_ex__(self, proto):  # how Python 3.12 pickles enum members
        return getattr, (self.__class__, self._name_)


class AugMix:
    """Pickled by default: NEWOBJ (copyreg.__newobj__) of the class, BUILD with __dict__."""

    def __init__(self, severity, width):
        self.severity = severity
        self.mixture_width = width
        self.alpha = 1.0
        self.interpolation = Interpolation.BILINEAR
        self._hooks = collections.OrderedDict()  # private attributes are not shown


class GeneralizedPRIMEModule:
    """Reduces through a classmethod: getattr(cls, 'from_config')(config)."""

    def __init__(self, config):
        self.config = config

    @classmethod
    def from_config(cls, config):
        return cls(config)

    def __reduce__(self):
        return (GeneralizedPRIMEModule.from_config, (self.config,))


for cls, mod in [(Interpolation, aug_mod), (AugMix, aug_mod), (GeneralizedPRIMEModule, prime_mod)]:
    cls.__module__ = mod.__name__
    setattr(mod, cls.__name__, cls)


def aug_hparams():
    hp = dict(ck.HPARAMS)
    hp["augmentation"] = AugMix(3, 4)
    hp["prime"] = GeneralizedPRIMEModule({"max_depth": 3, "kernels": [3, 5]})
    hp["tv_augmix"] = torchvision.transforms.AugMix(severity=2)
    return argparse.Namespace(**hp)


# ---- good files ----

def tiny():
    sd = ck.tiny_state_dict()
    return sd, collections.OrderedDict(sd.items())


def prefixed(sd, prefix):
    return collections.OrderedDict((prefix + k, v) for k, v in sd.items())


def good_files():
    sd, want = tiny()
    save_legacy(sd, "plain_state_dict.pt")
    expected("plain_state_dict.pt", want)
    # The whole (tiny) module, torch.save(model): the same tensors.
    torch.manual_seed(0)
    tiny_model = ck.Tiny()
    tiny_model.load_state_dict(sd)
    save_legacy(tiny_model, "tiny_whole_legacy.pt")
    expected("tiny_whole_legacy.pt", want)

    # Lightning with augmentation objects in the hyper-parameters, both formats.
    for name, save in [("lightning_aug_legacy.ckpt", save_legacy), ("lightning_aug_zip.ckpt", save_zip)]:
        save(ck.lightning(sd, aug_hparams()), name)
        expected(name, want)

    # Shared storages and views, and the dtypes, in the legacy stream.
    torch.manual_seed(5)
    big = torch.randn(4, 5)
    flat = torch.arange(12, dtype=torch.float64)
    views = collections.OrderedDict([
        ("base", big),
        ("row_view", big[1]),                 # offset 5 into base's storage
        ("col_view", big[:, 3]),              # offset 3, stride 5
        ("transposed", big.t()),              # strides (1, 5)
        ("f64_a", flat[2:6]),                 # two views of one float64 storage
        ("f64_b", flat.view(3, 4)[:, ::2]),
        ("f16", (torch.randn(3, 2) * 5).half().t()),
        ("i64", torch.tensor([[-2**40, 7], [3, 2**50]], dtype=torch.int64).t()),
        ("scalar", torch.tensor(99, dtype=torch.int64)),
    ])
    save_legacy(views, "views_dtypes.pt")
    expected("views_dtypes.pt", views)

    # The containers of the robustness checkpoints (spec: architectures.md).
    optimizer = {"state": {}, "param_groups": [{"lr": 0.1, "params": list(range(len(sd)))}]}
    containers = {
        # AugMix / DeepAugment: the ImageNet example's dict, DataParallel keys.
        "augmix_style.pth.tar": {"epoch": 180, "model": "resnet50", "state_dict": prefixed(sd, "module."),
                                 "best_acc1": 77.5, "optimizer": optimizer},
        # game-of-noise: model_state_dict, training-time wrapper prefix resnet.
        "game_of_noise.pth": {"model_state_dict": prefixed(sd, "resnet."), "epoch": 3,
                              "optimizer_state_dict": optimizer},
        # 'model' holding the weights.
        "model_dict.pt": {"model": sd, "epoch": 1},
        # Nested DataParallel around a Lightning module.
        "module_module_model.pt": prefixed(sd, "module.module.model."),
    }
    # PRIME's raw Lightning run: model.model.<key> beside model.aug.* (dropped).
    prime = prefixed(sd, "model.model.")
    prime["model.aug.preprocess.mean"] = torch.zeros(1, 3, 1, 1)
    prime["model.aug.preprocess.std"] = torch.ones(1, 3, 1, 1)
    containers["prime_raw.ckpt"] = {"state_dict": prime, "epoch": 5}
    # Non-tensor values in a state dict: a float alpha (misc/modify_ckpt.py),
    # a note and a None, which are dropped.
    odd = collections.OrderedDict(sd.items())
    odd["conv1.fixed_alpha"] = 0.75
    odd["note"] = "trained on 4 GPUs"
    odd["nothing"] = None
    containers["nontensor_values.pt"] = odd
    for name, obj in containers.items():
        save_legacy(obj, name)
        exp = want
        if name == "nontensor_values.pt":
            exp = collections.OrderedDict(list(want.items()) + [("conv1.fixed_alpha", torch.tensor(0.75))])
        expected(name, exp)


def network_files():
    """A narrow PushPull ResNet18 saved in both formats: the engine's logits
    from each must be identical and match PyTorch's."""
    gen = torch.Generator().manual_seed(6)
    model = ef.ResNet(ef.BasicBlock, [2, 2, 2, 2], "cifar", 2, 3, 10, True, 3, True, 1.0, True)
    ef.randomize(model, gen)
    model.eval()
    x = torch.randn(2, 3, 16, 16, generator=gen)
    with torch.no_grad():
        logits = model(x)
    sd = model.state_dict()
    hp = aug_hparams()
    hp.avg_kernel_size = 3
    save_zip(ck.lightning(sd, hp), "r18_zip.ckpt")
    save_legacy(ck.lightning(sd, hp), "r18_legacy.ckpt")
    # A DataParallel training checkpoint from before num_batches_tracked existed.
    old = collections.OrderedDict((k, v) for k, v in sd.items() if not k.endswith("num_batches_tracked"))
    save_legacy({"state_dict": prefixed(old, "module."), "epoch": 90}, "r18_legacy_no_nbt.pth.tar")
    # The whole module pickled (torch.save(model)), as the PNN reimplementation saves.
    save_zip(model, "r18_whole_zip.pt")
    save_legacy(model, "r18_whole_legacy.pt")
    d = os.path.join(OUT, "expected", "r18")
    os.makedirs(d, exist_ok=True)
    np.save(os.path.join(d, "x.npy"), x.numpy())
    np.save(os.path.join(d, "logits.npy"), logits.numpy())


# ---- hostile legacy files, part by part ----

MAGIC = 0x1950a86a20f9469cfc6c
SYS_INFO = dict(protocol_version=1001, little_endian=True, type_sizes=dict(short=2, int=4, long=4))
F4 = struct.pack("<4f", 1, 2, 3, 4)


def legacy_stream(main, storages, keys=None, counts=None, sys_info=SYS_INFO, version=1001, tail=b""):
    """magic, version, sys_info, main pickle (bytes), key list, then each listed
    key's 8-byte count and bytes. storages: key -> bytes (float32)."""
    out = b"".join(pickle.dumps(v, protocol=2) for v in (MAGIC, version, sys_info)) + main
    keys = sorted(storages) if keys is None else keys
    out += pickle.dumps(keys, protocol=2)
    for k in keys:
        data = storages.get(k, b"")
        count = (counts or {}).get(k, len(data) // 4)
        out += struct.pack("<q", count) + data
    return out + tail


def pid6(key, numel, view):
    """A legacy persistent id with view metadata: None or (view_key, offset, size)."""
    v = b"N" if view is None else b"(" + ck.S(view[0]) + ck.I(view[1]) + ck.I(view[2]) + b"t"
    return (b"(" + ck.S("storage") + ck.G("torch", "FloatStorage") + ck.S(key) + ck.S("cpu") +
            ck.I(numel) + v + b"tQ")


def tensor6(key, numel, view, offset, size, stride):
    return (ck.G("torch._utils", "_rebuild_tensor_v2") + b"(" + pid6(key, numel, view) + ck.I(offset) +
            ck.tup(size) + ck.tup(stride) + b"\x89" + ck.G("collections", "OrderedDict") + b")R" + b"tR")


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def hostile_files():
    def T(key, numel, offset, size, stride):
        return tensor6(key, numel, None, offset, size, stride)

    one = ck.state_dict([("w", T("0", 4, 0, [4], [1]))])
    # A storage view (pre-1.0 files): elements 1..2 of storage '0' as view 'v'.
    write("view_metadata.pt", legacy_stream(ck.state_dict([("w", tensor6("0", 4, ("v", 1, 2), 0, [2], [1]))]),
                                            {"0": F4}))
    write("hostile_view_outside.pt",
          legacy_stream(ck.state_dict([("w", tensor6("0", 4, ("v", 3, 2), 0, [2], [1]))]), {"0": F4}))
    # No storage at all: a state dict of one plain number (the fuzzer's first find).
    write("no_storages.pt", legacy_stream(ck.state_dict([("alpha", ck.I(3))]), {}))
    good = legacy_stream(one, {"0": F4})
    write("hostile_truncated.pt", good[:len(good) - 6])
    write("hostile_truncated_header.pt", good[:20])
    write("hostile_count_mismatch.pt", legacy_stream(one, {"0": F4}, counts={"0": 2**62}))
    huge = ck.state_dict([("w", T("0", 2**60, 0, [4], [1]))])
    write("hostile_huge_storage.pt", legacy_stream(huge, {"0": F4}, counts={"0": 2**60}))
    write("hostile_key_missing.pt", legacy_stream(one, {"0": F4}, keys=[]))
    write("hostile_key_unknown.pt", legacy_stream(one, {"0": F4}, keys=["0", "9"]))
    write("hostile_key_twice.pt", legacy_stream(one, {"0": F4}, keys=["0", "0"]))
    write("hostile_offset_past_end.pt",
          legacy_stream(ck.state_dict([("w", T("0", 4, 3, [2], [1]))]), {"0": F4}))
    two = ck.state_dict([("w", T("0", 4, 0, [4], [1])), ("v", T("0", 8, 0, [4], [1]))])
    write("hostile_storage_redeclared.pt", legacy_stream(two, {"0": F4}))
    write("hostile_big_endian.pt",
          legacy_stream(one, {"0": F4}, sys_info=dict(SYS_INFO, little_endian=False)))
    write("hostile_version.pt", legacy_stream(one, {"0": F4}, version=1000))
    write("hostile_nesting.pt", legacy_stream(b"\x80\x02" + b"]" * 5000 + b"a" * 4999 + b".", {}))
    write("hostile_memo_get.pt", legacy_stream(b"\x80\x02}q\x00h\xc8.", {}))
    write("hostile_memo_put_huge.pt", legacy_stream(b"\x80\x02}r\xff\xff\xff\x7f.", {}))
    write("hostile_reduce_in_state_dict.pt",
          legacy_stream(ck.state_dict([("w", T("0", 4, 0, [4], [1])),
                                       ("b", ck.G("evilmod", "run") + ck.S("payload") + b"\x85R")]),
                        {"0": F4}))
    write("hostile_os_system_in_hparams.ckpt",
          legacy_stream(b"\x80\x02}(" + ck.S("state_dict") + one[2:-1] + ck.S("hyper_parameters") +
                        ck.G("os", "system") + ck.S("touch " + ck.MARKER) + b"\x85R" + b"u.", {"0": F4}))
    write("hostile_billion_laughs.ckpt",
          legacy_stream(b"\x80\x02}(" + ck.S("state_dict") + one[2:-1] + ck.S("hyper_parameters") +
                        b"}(" + ck.S("nested") + ck.shared_list_bomb(40) + b"u" + b"u.", {"0": F4}))
    hooked = (ck.G("torch._utils", "_rebuild_tensor_v2") + b"(" + pid6("0", 4, None) + ck.I(0) +
              ck.tup([4]) + ck.tup([1]) + b"\x89" + ck.G("collections", "OrderedDict") + b")R" +
              ck.I(0) + ck.G("evilmod", "hook") + b")R" + b"s" + b"tR")
    write("hostile_backward_hook.pt", legacy_stream(ck.state_dict([("w", hooked)]), {"0": F4}))
    # A pickled module that is its own child: _modules = {'m': itself}.
    cycle = (b"\x80\x02" + ck.G("mod", "Net") + b")\x81q\x00" + b"}(" + ck.S("_parameters") + b"}" +
             ck.S("_modules") + b"}(" + ck.S("m") + b"h\x00uub.")
    write("hostile_module_cycle.pt", legacy_stream(cycle, {}))


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    good_files()
    network_files()
    hostile_files()
    print("wrote", OUT)


if __name__ == "__main__":
    main()

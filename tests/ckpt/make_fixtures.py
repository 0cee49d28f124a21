#!/usr/bin/python3
"""Writes the checkpoint fixtures of tests/ckpt into tests/fixtures/ckpt/.

Run with Debian's python3 (python3-torch, numpy):  /usr/bin/python3 tests/ckpt/make_fixtures.py
Good files come from torch.save; each has expected/<file>/ with one .npy per
tensor and a MANIFEST (one "name dtype" per line) that the C tests compare
against. Hostile files are written byte by byte: a pickle is a program, and these
are programs a loader must refuse to run.
"""
import argparse
import collections
import io
import os
import shutil
import struct
import sys
import types
import zipfile

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "ckpt")
# The hostile pickles try to create this file; the tests check it never appears.
MARKER = "/tmp/pushpull_ckpt_pwned_marker"


def write_expected(fname, sd):
    d = os.path.join(OUT, "expected", fname)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "MANIFEST"), "w") as mf:
        for name, t in sd.items():
            t = t.detach()
            if t.is_floating_point():
                arr, kind = t.float().contiguous().numpy(), "float32"
            else:
                arr, kind = t.long().contiguous().numpy(), "int64"
            np.save(os.path.join(d, name + ".npy"), arr)
            mf.write(f"{name} {kind}\n")


class PushPullConv(torch.nn.Module):
    """Same parameter names as the reference PushPull unit."""

    def __init__(self, cin, cout, k):
        super().__init__()
        self.push_conv = torch.nn.Conv2d(cin, cout, k, bias=False)
        self.pull_inhibition_strength = torch.nn.Parameter(torch.rand(cout))
        self.bias = torch.nn.Parameter(torch.rand(cout) * 2 - 1)


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = PushPullConv(3, 4, 3)
        self.bn = torch.nn.BatchNorm2d(4)
        self.classifier = torch.nn.Linear(4, 10)


def tiny_state_dict():
    torch.manual_seed(0)
    m = Tiny()
    with torch.no_grad():
        m.bn.running_mean.uniform_(-1, 1)
        m.bn.running_var.uniform_(0.5, 2)
        m.bn.num_batches_tracked.fill_(1234)
    return m.state_dict()  # an OrderedDict with a _metadata attribute


HPARAMS = dict(
    avg_kernel_size=5,
    pull_inhibition_strength=0.75,
    trainable_pull_inhibition=True,
    dataset_name="cifar10",
    num_classes=10,
    use_grayscale=False,
    use_push_pull=True,
    lr=0.1,
    milestones=[10, 15],
    optimizer={"name": "sgd", "momentum": 0.9},
    seed=None,
)


def lightning(sd, hparams):
    prefixed = collections.OrderedDict(("model." + k, v) for k, v in sd.items())
    first = next(iter(sd.values()))
    return {
        "epoch": 19,
        "global_step": 7820,
        "pytorch-lightning_version": "1.9.4",
        "state_dict": prefixed,
        "loops": {"fit_loop": {"state_dict": {}, "epoch_progress": {"current": {"ready": 20}}}},
        "callbacks": {
            "ModelCheckpoint{'monitor': 'val_acc', 'mode': 'max'}": {
                "best_model_score": torch.tensor(0.8125),
                "best_model_path": "/runs/x/epoch=19.ckpt",
            }
        },
        "optimizer_states": [
            {"state": {0: {"momentum_buffer": torch.zeros_like(first)}},
             "param_groups": [{"lr": 0.1, "momentum": 0.9, "params": [0, 1, 2]}]}
        ],
        "lr_schedulers": [{"last_epoch": 19, "_step_count": 20}],
        "hparams_name": "kwargs",
        "hyper_parameters": hparams,
    }


def fake_attribute_dict():
    """Lightning's AttributeDict without Lightning: a dict subclass pickled by
    reference to pytorch_lightning.utilities.parsing, as real files are."""
    for name in ["pytorch_lightning", "pytorch_lightning.utilities",
                 "pytorch_lightning.utilities.parsing"]:
        sys.modules.setdefault(name, types.ModuleType(name))

    class AttributeDict(dict):
        def __getattr__(self, key):
            return self[key]

    AttributeDict.__module__ = "pytorch_lightning.utilities.parsing"
    AttributeDict.__qualname__ = "AttributeDict"
    sys.modules["pytorch_lightning.utilities.parsing"].AttributeDict = AttributeDict
    return AttributeDict


def good_files():
    sd = tiny_state_dict()
    expected = collections.OrderedDict((k, v) for k, v in sd.items())

    torch.save(lightning(sd, dict(HPARAMS)), os.path.join(OUT, "lightning_dict.ckpt"))
    write_expected("lightning_dict.ckpt", expected)

    torch.save(lightning(sd, argparse.Namespace(**HPARAMS)),
               os.path.join(OUT, "lightning_namespace.ckpt"))
    write_expected("lightning_namespace.ckpt", expected)

    AttributeDict = fake_attribute_dict()
    torch.save(lightning(sd, AttributeDict(HPARAMS)), os.path.join(OUT, "lightning_attrdict.ckpt"))
    write_expected("lightning_attrdict.ckpt", expected)

    # Hyper-parameters in a container nobody allowed (Hydra's DictConfig): it
    # stays inert, the tensors still load, the settings are just not known.
    for name in ["omegaconf", "omegaconf.dictconfig"]:
        sys.modules.setdefault(name, types.ModuleType(name))

    class DictConfig:
        def __init__(self, content):
            self._content = content

    DictConfig.__module__ = "omegaconf.dictconfig"
    DictConfig.__qualname__ = "DictConfig"
    sys.modules["omegaconf.dictconfig"].DictConfig = DictConfig
    torch.save(lightning(sd, DictConfig(dict(HPARAMS))), os.path.join(OUT, "lightning_unknown_hparams.ckpt"))
    write_expected("lightning_unknown_hparams.ckpt", expected)

    torch.save(sd, os.path.join(OUT, "plain_state_dict.pt"))
    write_expected("plain_state_dict.pt", expected)

    torch.manual_seed(1)
    base = torch.randn(6)
    dtypes = collections.OrderedDict([
        ("f16", (base * 3).half()),
        ("f16_special", torch.tensor([6.1e-5, 5.96e-8, -0.0, float("inf"), 65504.0],
                                     dtype=torch.float16)),
        ("bf16", (base * 100).bfloat16()),
        ("f64", base.double() / 7),
        ("i32", torch.tensor([-5, 7, 2**31 - 1], dtype=torch.int32)),
        ("i16", torch.tensor([-300, 300], dtype=torch.int16)),
        ("i8", torch.tensor([-128, 127], dtype=torch.int8)),
        ("u8", torch.tensor([0, 255], dtype=torch.uint8)),
        ("b", torch.tensor([True, False, True])),
        ("scalar", torch.tensor(1234, dtype=torch.int64)),
        ("param", torch.nn.Parameter(torch.arange(4.0))),
    ])
    torch.save(dtypes, os.path.join(OUT, "dtypes.pth"))
    write_expected("dtypes.pth", dtypes)

    torch.manual_seed(2)
    big = torch.randn(4, 5)
    views = collections.OrderedDict([
        ("base", big),
        ("transposed", big.t()),              # strides (1, 5)
        ("slice", big[1:3, 2:4]),            # storage offset 7, strides (5, 1)
        ("every_other", big[:, ::2]),       # strides (5, 2)
        ("expanded", torch.randn(3, 1).expand(3, 4)),  # stride 0
        ("half_t", torch.randn(3, 2).half().t()),     # conversion + view
        ("empty", torch.zeros(0, 3)),
    ])
    torch.save(views, os.path.join(OUT, "noncontiguous.pt"))
    write_expected("noncontiguous.pt", views)


# ---- hostile files, assembled opcode by opcode ----

def S(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def I(n):
    return b"J" + struct.pack("<i", n) if -2**31 <= n < 2**31 else long1(n)


def long1(n):
    b = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(b)]) + b


def tup(items):
    return b"(" + b"".join(I(i) for i in items) + b"t"


def G(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def storage(key, numel, typ="FloatStorage"):
    return b"(" + S("storage") + G("torch", typ) + S(key) + S("cpu") + I(numel) + b"tQ"


def tensor(key, numel, offset, size, stride):
    return (G("torch._utils", "_rebuild_tensor_v2") + b"(" + storage(key, numel) + I(offset) +
            tup(size) + tup(stride) + b"\x89" + G("collections", "OrderedDict") + b")R" + b"tR")


def state_dict(entries):
    """entries: list of (name, pickled value bytes)."""
    return (b"\x80\x02" + G("collections", "OrderedDict") + b")R(" +
            b"".join(S(k) + v for k, v in entries) + b"u.")


def torch_zip(path, pkl, storages=None, version=b"3\n"):
    entries = [("archive/data.pkl", pkl)]
    entries += [("archive/data/" + k, v) for k, v in (storages or {}).items()]
    entries += [("archive/version", version)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)


FLOATS4 = struct.pack("<4f", 1, 2, 3, 4)


def hostile_files():
    H = lambda name: os.path.join(OUT, "hostile_" + name)
    # os.system("touch MARKER"): Python's pickle writes it as posix.system.
    torch_zip(H("os_system.pt"),
              b"\x80\x02" + G("posix", "system") + S("touch " + MARKER) + b"\x85R.")
    # The same call hidden in an otherwise valid Lightning checkpoint.
    torch_zip(H("os_system_nested.ckpt"),
              b"\x80\x02}(" + S("state_dict") +
              state_dict([("w", tensor("0", 4, 0, [4], [1]))])[2:-1] +
              S("callbacks") + G("os", "system") + S("touch " + MARKER) + b"\x85R" + b"u.",
              {"0": FLOATS4})
    torch_zip(H("eval.pt"),
              b"\x80\x02" + G("builtins", "eval") + S("__import__('os').system('touch " +
                                                      MARKER + "')") + b"\x85R.")
    # exec via STACK_GLOBAL (protocol 4 style), with a FRAME and MEMOIZE.
    body = (S("builtins") + S("exec") + b"\x93\x94" + S("open('" + MARKER + "','w')") +
            b"\x85R.")
    torch_zip(H("exec.pt"), b"\x80\x04\x95" + struct.pack("<Q", len(body)) + body)
    torch_zip(H("getattr.pt"),
              b"\x80\x02" + G("builtins", "getattr") + G("collections", "OrderedDict") +
              S("__init__") + b"\x86R.")
    # A callable nobody allowed, used as a state-dict entry the model needs.
    torch_zip(H("reduce_unknown.pt"),
              state_dict([("w", tensor("0", 4, 0, [4], [1])),
                          ("b", G("evilmod", "run") + S("payload") + b"\x85R")]),
              {"0": FLOATS4})
    torch_zip(H("memo_out_of_range.pt"), b"\x80\x02}q\x00h\xc8.")
    torch_zip(H("nesting_lists.pt"), b"\x80\x02" + b"]" * 5000 + b"a" * 4999 + b".")
    torch_zip(H("nesting_marks.pt"), b"\x80\x02" + b"(" * 1000 + b"N" + b"t" * 1000 + b".")
    torch_zip(H("offset_past_end.pt"), state_dict([("w", tensor("0", 4, 3, [2], [1]))]),
              {"0": FLOATS4})
    torch_zip(H("size_stride_overflow.pt"),
              state_dict([("w", tensor("0", 4, 0, [2**62, 4], [4, 2**62]))]), {"0": FLOATS4})
    torch_zip(H("numel_mismatch.pt"), state_dict([("w", tensor("0", 1000, 0, [4], [1]))]),
              {"0": FLOATS4})

    # A zip entry that claims a huge size: patch the central directory record.
    path = H("huge_entry.pt")
    torch_zip(path, state_dict([("w", tensor("0", 4, 0, [4], [1]))]), {"0": FLOATS4})
    data = bytearray(open(path, "rb").read())
    name = b"archive/data/0"
    cd = data.find(b"PK\x01\x02" + b"\x00" * 0)  # first central record
    while cd >= 0:
        nlen = struct.unpack_from("<H", data, cd + 28)[0]
        if data[cd + 46:cd + 46 + nlen] == name:
            struct.pack_into("<II", data, cd + 20, 0x7FFFFFF0, 0x7FFFFFF0)  # comp, uncomp
            break
        cd = data.find(b"PK\x01\x02", cd + 4)
    assert cd >= 0
    open(path, "wb").write(bytes(data))

    bomb_files(H)

    # A real checkpoint cut in half.
    good = open(os.path.join(OUT, "plain_state_dict.pt"), "rb").read()
    open(H("truncated.pt"), "wb").write(good[: len(good) // 2])
    # The pre-1.6 format is read now: tests/ckpt/make_legacy_fixtures.py.


def shared_list_bomb(levels):
    """[[...[[1, 1], [1, 1]]...]]: each level a list holding the memoised list
    below it twice (BINGET), so 'levels' levels are 2**levels leaves as a tree."""
    out = b"]q\x00(K\x01K\x01e0"  # built, memoised, popped
    for i in range(1, levels):
        out += b"]q" + bytes([i]) + b"(h" + bytes([i - 1]) + b"h" + bytes([i - 1]) + b"e0"
    return out + b"h" + bytes([levels - 1])


def directory(raw):
    """{name: (record bytes, local header offset)} of a zip's central directory."""
    eocd = raw.rfind(b"PK\x05\x06")
    n, cd_size, cd_off = struct.unpack_from("<HII", raw, eocd + 10)
    out, at = {}, cd_off
    while at < cd_off + cd_size:
        nlen, xlen, clen = struct.unpack_from("<HHH", raw, at + 28)
        rec = bytes(raw[at:at + 46 + nlen + xlen + clen])
        out[rec[46:46 + nlen].decode()] = (rec, struct.unpack_from("<I", rec, 42)[0])
        at += len(rec)
    return out


def add_records(path, records):
    """Appends (name, record, local offset) central-directory records to a zip
    written by zipfile (no comment, no zip64), fixing the end record."""
    raw = bytearray(open(path, "rb").read())
    eocd = raw.rfind(b"PK\x05\x06")
    n, cd_size, cd_off = struct.unpack_from("<HII", raw, eocd + 10)
    extra = b""
    for name, rec, offset in records:
        name = name.encode()
        r = bytearray(rec[:46]) + name
        struct.pack_into("<HHH", r, 28, len(name), 0, 0)
        struct.pack_into("<I", r, 42, offset)
        extra += r
    raw[eocd:eocd] = extra
    struct.pack_into("<HHII", raw, eocd + len(extra) + 8, n + len(records), n + len(records),
                     cd_size + len(extra), cd_off)
    open(path, "wb").write(bytes(raw))


def deflated_zip(entries):
    """A zip (bytes) of (name, data) entries, deflated."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data,
                       compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return buf.getvalue()


def overlapping_zip(path, pkl, key, data, aliases):
    """A zip whose one deflated entry data/<key> is named again by `aliases`
    extra central-directory records: data/0 .. data/<aliases-1> all point at
    the same local header and stream."""
    torch_zip(path, pkl)  # data.pkl and version, stored
    with zipfile.ZipFile(path, "a") as z:
        z.writestr(zipfile.ZipInfo("archive/data/" + key, date_time=(1980, 1, 1, 0, 0, 0)), data,
                   compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    rec, offset = directory(open(path, "rb").read())["archive/data/" + key]
    add_records(path, [("archive/data/%d" % i, rec, offset) for i in range(aliases)])


def quoted_zip(path, pkl, data):
    """A stored entry data/0 whose bytes are another entry's local header and
    deflated stream, named data/1 by an extra directory record pointing
    inside data/0 (a "quoted" overlap: every header matches its record)."""
    inner = deflated_zip([("archive/data/1", data)])
    rec, _ = directory(inner)["archive/data/1"]
    quoted = inner[:inner.rfind(b"PK\x01\x02")]
    quoted += bytes(-len(quoted) % 4)  # a whole number of floats
    torch_zip(path, pkl(len(quoted) // 4), {"0": quoted})
    raw = open(path, "rb").read()
    _, offset = directory(raw)["archive/data/0"]
    nlen, xlen = struct.unpack_from("<HH", raw, offset + 26)
    add_records(path, [("archive/data/1", rec, offset + 30 + nlen + xlen)])


def bomb_files(H):
    """Small files that expand: memory and time must stay bounded."""
    # A Lightning checkpoint whose hyper-parameters nest a shared list 40 deep
    # (2**40 leaves if expanded as a tree; 24 levels took 14-26 s and 4.4 GB).
    torch_zip(H("billion_laughs.ckpt"),
              b"\x80\x02}(" + S("state_dict") +
              state_dict([("w", tensor("0", 4, 0, [4], [1]))])[2:-1] +
              S("hyper_parameters") + b"}(" + S("nested") + shared_list_bomb(40) + b"u" + b"u.",
              {"0": FLOATS4})
    # 64 directory records, one 4 MiB deflated stream of zeros (4 KB): each
    # tensor is one float of its own "storage", and every storage inflates
    # the same stream again (256 MiB here; the probe's 119 KB file: 16 GB).
    numel = 1 << 20
    overlapping_zip(H("overlapping_entries.pt"),
                    state_dict([("w%d" % i, tensor(str(i), numel, 0, [1], [1])) for i in range(64)]),
                    "zero", bytes(4 * numel), 64)
    # The same, with the second entry's header and stream quoted inside the
    # first entry's data: each local header matches its directory record.
    quoted_zip(H("quoted_overlap.pt"),
               lambda n: state_dict([("w0", tensor("0", n, 0, [1], [1])),
                                     ("w1", tensor("1", numel, 0, [1], [1]))]),
               bytes(4 * numel))
    # Distinct entries, no overlap, but each deflated 1000:1: eight 4 MiB
    # streams of zeros in a 40 KB file.
    with_zeros = {str(i): bytes(4 * numel) for i in range(8)}
    path = H("inflate_total.pt")
    torch_zip(path, state_dict([("w%d" % i, tensor(str(i), numel, 0, [1], [1])) for i in range(8)]))
    with zipfile.ZipFile(path, "a") as z:
        for k, v in with_zeros.items():
            z.writestr(zipfile.ZipInfo("archive/data/" + k, date_time=(1980, 1, 1, 0, 0, 0)), v,
                       compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)


def plain_pickles():
    """Ordinary Python pickles of plain data, protocols 2, 4 and 5, for the
    interpreter's own tests (FRAME, MEMOIZE, STACK_GLOBAL, sets, big ints)."""
    import pickle
    obj = {"a": 1, "b": [1.5, "x\u00e9", None, True], "c": (1, 2), "big": 2**70,
           "neg": -2**40, "s": {7}, "fs": frozenset({3}), "bytes": b"ab",
           "nested": {"k": [[]]}, "a ": 2, "od": collections.OrderedDict(z=1)}
    obj["a"] = 3  # a later value for the same key
    for proto in (2, 4, 5):
        with open(os.path.join(OUT, f"plain_p{proto}.pkl"), "wb") as f:
            pickle.dump(obj, f, protocol=proto)


def network_files():
    """A PushPull ResNet18 (narrow, so the files stay small) as a Lightning
    checkpoint and as a plain state dict, with an input and PyTorch's logits.
    The network restates the reference code; it is the one in
    tests/make_fixtures.py (the engine's fixtures), imported, not copied."""
    import importlib.util
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("engine_fixtures",
                                                  os.path.join(here, "..", "make_fixtures.py"))
    ef = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ef)
    gen = torch.Generator().manual_seed(3)
    AttributeDict = fake_attribute_dict()
    cases = [
        # file, stem, width, avg, hparams (None: a plain state dict)
        ("lightning_r18_cifar_pp5.ckpt", "cifar", 2, 5,
         AttributeDict(avg_kernel_size=5, trainable_pull_inhibition=True, num_classes=10,
                       dataset_name="cifar10", use_grayscale=False, use_push_pull=True)),
        ("plain_r18_imagenet_pp3.pth", "imagenet", 2, 3, None),
    ]
    for fname, stem, width, avg, hp in cases:
        model = ef.ResNet(ef.BasicBlock, [2, 2, 2, 2], stem, width, 3, 10, True, avg, True, 1.0, True)
        ef.randomize(model, gen)
        model.eval()
        side = 16 if stem == "cifar" else 40
        x = torch.randn(2, 3, side, side, generator=gen)
        with torch.no_grad():
            logits = model(x)
        sd = model.state_dict()
        obj = lightning(sd, hp) if hp is not None else sd
        torch.save(obj, os.path.join(OUT, fname))
        d = os.path.join(OUT, "expected", fname)
        os.makedirs(d, exist_ok=True)
        np.save(os.path.join(d, "x.npy"), x.numpy())
        np.save(os.path.join(d, "logits.npy"), logits.numpy())
    fixed_alpha_file(ef)


def fixed_alpha_file(ef):
    """The reference repository's misc/modify_ckpt.py fixes alpha by writing a
    plain Python float into the state dict: state_dict['conv1.pull_inhibition_strength'] = 1.0."""
    gen = torch.Generator().manual_seed(4)
    model = ef.ResNet(ef.BasicBlock, [2, 2, 2, 2], "cifar", 1, 3, 10, True, 3, False, 0.75, True)
    ef.randomize(model, gen)
    model.eval()
    x = torch.randn(2, 3, 8, 8, generator=gen)
    with torch.no_grad():
        logits = model(x)
    sd = model.state_dict()
    sd["conv1.pull_inhibition_strength"] = 0.75
    fname = "fixed_alpha_float.pth"
    torch.save(sd, os.path.join(OUT, fname))
    d = os.path.join(OUT, "expected", fname)
    os.makedirs(d, exist_ok=True)
    np.save(os.path.join(d, "x.npy"), x.numpy())
    np.save(os.path.join(d, "logits.npy"), logits.numpy())


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    good_files()
    hostile_files()
    plain_pickles()
    network_files()
    print("wrote", OUT)


if __name__ == "__main__":
    main()

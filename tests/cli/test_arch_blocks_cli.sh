#!/bin/bash
# Per-block comparison of the non-ResNet families as a user does it: `pushpull cka A B`
# with no --layers lists the stem, every block under torch's module name, features and
# logits, for two WideResNets (AugMix's wrn-16-1 against RobustBench's wrn-10-2: blocks
# block1.layer.0 ...) and for an EfficientNet (torchvision's: MBConv blocks features.1.0
# ...); the names are those of the reference modules (named_modules of the fixture
# scripts' restatements and of torchvision) and the matrices PyTorch's, computed here
# from forward hooks on those modules (linear CKA in float64, within 1e-4). Also `info`
# shows the EfficientNets' classifier dropout and drop-connect.
source "$(dirname "$0")/lib.sh"
D=$FIX/analysis/cka/images.npy

# WideResNets (CIFAR 32x32)
"$PUSHPULL" --threads 2 cka "$FIX/wrn/augmix_wrn16_1.pth.tar" "$FIX/wrn/robustbench_wrn10_2.pt" --data "$D" \
    --json "$T/wrn.json" >"$T/stdout" 2>/dev/null || fail "cka WRN A B exit"
grep -q "^block3.layer.1 " "$T/stdout" || fail "WRN table rows: $(head -4 "$T/stdout")"
# EfficientNet: torchvision's, run at 32x32 (the input size set in its metadata, so the
# images go in as they are; its symmetric padding takes any size)
ST_META_SET=${ST_META_SET:?set by meson}
"$PUSHPULL" convert "$FIX/arch_effnet/tv_small.pth" "$T/tv.safetensors" >/dev/null 2>&1 &&
    "$ST_META_SET" "$T/tv.safetensors" "$T/tv32.safetensors" input_size 32 || fail "EfficientNet at 32x32"
"$PUSHPULL" --threads 2 cka "$T/tv32.safetensors" --data "$D" \
    --json "$T/effnet.json" >"$T/stdout_e" 2>/dev/null || fail "cka EfficientNet exit"
grep -q "^features.7.0 " "$T/stdout_e" || fail "EfficientNet table rows: $(head -4 "$T/stdout_e")"

# A perturbative network (pnn.pytorch's PerturbResNet18: layerL.i are its BasicBlocks)
"$PUSHPULL" --threads 2 cka "$FIX/pnn/pnn_whole_m1_unique.pth" --data "$D" --json "$T/pnn.json" >/dev/null 2>&1 ||
    fail "cka PNN exit"
/usr/bin/python3 -c "
import json, sys
names = json.load(open(sys.argv[1]))['layers_a']
assert names == ['stem'] + [f'layer{s}.{i}' for s in range(1, 5) for i in range(2)] + ['features', 'logits'], names
" "$T/pnn.json" || fail "PNN blocks"
# info: the training-only regularisers of both EfficientNet layouts (torchvision's
# classifier.0 = Dropout(0.2), lukemelas' _dropout 0.2; drop-connect 0.2)
for f in tv_small.pth lm_small.ckpt; do
    "$PUSHPULL" info "$FIX/arch_effnet/$f" | grep -q "^training: .*drop-connect 0.2 .*classifier dropout 0.2" ||
        fail "info $f: $("$PUSHPULL" info "$FIX/arch_effnet/$f" | grep training)"
    "$PUSHPULL" info --json "$FIX/arch_effnet/$f" | /usr/bin/python3 -c "
import json, sys
e = json.load(sys.stdin)['efficientnet']
assert abs(e['classifier_dropout'] - 0.2) < 1e-6 and abs(e['drop_connect'] - 0.2) < 1e-6, e" || fail "info --json $f"
done
/usr/bin/python3 - "$FIX/.." "$D" "$T" <<'PY' || fail "per-block CKA differs from PyTorch's"
import importlib.util, json, os, sys
import numpy as np
import torch
tests, data, tmp = sys.argv[1:4]

def module(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(tests, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod

def linear_cka(x, y):  # tests/analysis/make_cka_fixtures.py's, unbiased=False
    def centred(a):
        g = a @ a.T
        means = g.mean(0)
        means -= means.mean() / 2
        return g - means[:, None] - means[None, :]
    gx, gy = centred(x), centred(y)
    return gx.ravel().dot(gy.ravel()) / (np.linalg.norm(gx) * np.linalg.norm(gy))

def batch(images, mean, std):  # the engine's normalisation (preprocess.c)
    scale = (1.0 / (255.0 * np.array(std, np.float32))).astype(np.float32)
    offset = (np.array(mean, np.float32) / np.array(std, np.float32)).astype(np.float32)
    return torch.from_numpy(np.ascontiguousarray((images.astype(np.float32) * scale - offset).transpose(0, 3, 1, 2)))

def hooked(model, blocks, run):
    acts, hooks = {}, []
    for name, mod in model.named_modules():
        if name in blocks:
            hooks.append(mod.register_forward_hook(lambda m, i, o, name=name: acts.__setitem__(name, o)))
    with torch.no_grad():
        acts["logits"] = run(acts)
    for h in hooks:
        h.remove()
    return acts

def check(result, models, layers_of, label):
    j = json.load(open(result))
    acts = [[a[k].reshape(a[k].shape[0], -1).double().numpy() for k in layers_of[i]] for i, a in enumerate(models)]
    assert j["layers_a"] == layers_of[0], (label, j["layers_a"], layers_of[0])
    assert j["layers_b"] == layers_of[1], (label, j["layers_b"], layers_of[1])
    want = np.array([[linear_cka(x, y) for y in acts[1]] for x in acts[0]])
    err = np.abs(np.array(j["matrix"]) - want).max()
    assert err < 1e-4, (label, err)
    print(label, len(layers_of[0]), "x", len(layers_of[1]), "layers, max error", err)

CIFAR = ((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010))
wf = module("make_arch_fixtures_pnn_wrn")
images = np.load(data)
x = batch(images, *CIFAR)
models, layers = [], []
for file, depth, k, shortcut in (("augmix_wrn16_1.pth.tar", 16, 1, "conv_shortcut"),
                                 ("robustbench_wrn10_2.pt", 10, 2, "convShortcut")):
    sd = torch.load(os.path.join(tests, "fixtures", "wrn", file), map_location="cpu")
    sd = sd.get("state_dict", sd)
    model = wf.WideResNet(depth, k, 10, shortcut)
    model.load_state_dict({n[len("module."):] if n.startswith("module.") else n: v for n, v in sd.items()})
    model.eval()
    blocks = [n for n, m in model.named_modules() if isinstance(m, wf.WrnBlock)]
    def run(acts, model=model):
        taps = {}
        logits = model(x, taps)
        acts["stem"] = taps["conv1"]
        acts["features"] = torch.relu(model.bn1(acts[blocks[-1]])).mean((2, 3))
        return logits
    models.append(hooked(model, blocks, run))
    layers.append(["stem"] + blocks + ["features", "logits"])
check(os.path.join(tmp, "wrn.json"), models, layers, "WRN")

from torchvision.models.efficientnet import MBConv
ef = module("make_arch_fixtures_effnet")
model = ef.torchvision_effnet(0.1, 0.5, 10)
model.load_state_dict(torch.load(os.path.join(tests, "fixtures", "arch_effnet", "tv_small.pth"), map_location="cpu"))
model.eval()
blocks = [n for n, m in model.named_modules() if isinstance(m, MBConv)]
x = batch(images, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
def run(acts):
    acts["stem"] = model.features[0](x)
    y = model.features(x)
    acts["features"] = torch.flatten(model.avgpool(y), 1)
    return model.classifier(acts["features"])
acts = hooked(model, blocks, run)
names = ["stem"] + blocks + ["features", "logits"]
check(os.path.join(tmp, "effnet.json"), [acts, acts], [names, names], "EfficientNet")
PY

[ $failures -eq 0 ] && echo "all arch block checks passed"
exit $((failures > 0))

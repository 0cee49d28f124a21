#!/usr/bin/env bash
# Loads a ResNet18-sized Lightning checkpoint (about 45 MB, generated into /tmp,
# never committed) with pp_torch_load and with torch.load in the same run.
#   bash bench/ckpt_load_bench.sh [BUILD_DIR]   (default build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
ckpt=${TMPDIR:-/tmp}/pushpull_bench_resnet18.ckpt
py=/usr/bin/python3   # Debian's python3 with python3-torch

ninja -C "$build" bench/ckpt_load_bench >/dev/null
"$py" - "$ckpt" <<'PY'
import collections, sys, argparse, time
import torch
from torch import nn

class Basic(nn.Module):
    def __init__(s, cin, cout, stride):
        super().__init__()
        s.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False); s.bn1 = nn.BatchNorm2d(cout)
        s.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False); s.bn2 = nn.BatchNorm2d(cout)
        if stride != 1 or cin != cout:
            s.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

class PushPull(nn.Module):
    def __init__(s):
        super().__init__()
        s.push_conv = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        s.pull_inhibition_strength = nn.Parameter(torch.rand(64))
        s.bias = nn.Parameter(torch.rand(64))

class ResNet18(nn.Module):
    def __init__(s, classes=1000):
        super().__init__()
        s.conv1 = PushPull(); s.bn = nn.BatchNorm2d(64)
        cin = 64
        for i, (c, st) in enumerate([(64, 1), (128, 2), (256, 2), (512, 2)]):
            setattr(s, f"layer{i+1}", nn.Sequential(Basic(cin, c, st), Basic(c, c, 1))); cin = c
        s.classifier = nn.Linear(512, classes)

m = ResNet18()
sd = collections.OrderedDict(("model." + k, v) for k, v in m.state_dict().items())
torch.save({"epoch": 89, "global_step": 450000, "state_dict": sd,
            "hyper_parameters": argparse.Namespace(avg_kernel_size=3, num_classes=1000,
                                                   dataset_name="imagenet"),
            "callbacks": {}, "lr_schedulers": []}, sys.argv[1])
PY
torch_ms=$("$py" - "$ckpt" <<'PY'
import sys, time, torch
best = 1e9
for _ in range(5):
    t0 = time.perf_counter(); torch.load(sys.argv[1], map_location="cpu"); best = min(best, time.perf_counter() - t0)
print(f"{best * 1e3:.3f}")
PY
)
out=$("$build/bench/ckpt_load_bench" "$ckpt" 5)
echo "$out" | grep -v '^c_load_ms='
c_ms=$(echo "$out" | sed -n 's/^c_load_ms=\([0-9.]*\).*/\1/p')
echo "torch.load:      $(printf '%8.2f' "$torch_ms") ms (best of 5, same machine, same run)"
awk -v c="$c_ms" -v t="$torch_ms" 'BEGIN { printf "pp_torch_load / torch.load: %.2f\n", c / t }'
rm -f "$ckpt"

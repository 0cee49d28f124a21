#!/bin/bash
# Comparing models as a user does: `pushpull cka` (the matrix against PyTorch's
# activations, make_cka_fixtures.py, in JSON and CSV; one model with itself; a
# corruption), `pushpull weights` (against numpy, make_weight_fixtures.py) and
# `pushpull saliency` (against PyTorch autograd, make_saliency_fixtures.py);
# bad input giving one clear error, a non-zero exit and no file.
source "$(dirname "$0")/lib.sh"

A=$FIX/core/r18_cifar_pp3.safetensors
B=$FIX/core/r34_cifar_pp3.safetensors
GRAY=$FIX/core/r18_cifar_gray_base.safetensors
D=$FIX/analysis/cka/images.npy

"$PUSHPULL" cka --help | grep -q "usage: pushpull cka" || fail "cka --help"

# A against B, by default every block (ResNet18's 8 against ResNet34's 16): JSON
# and CSV hold the PyTorch matrix (1e-4) with layer names.
"$PUSHPULL" --threads 2 cka "$A" "$B" --data "$D" --json "$T/blocks.json" --csv "$T/blocks.csv" >"$T/stdout" 2>/dev/null ||
    fail "cka A B per block exit"
grep -q "layer1.0" "$T/stdout" || fail "per-block table: $(head -3 "$T/stdout")"
/usr/bin/python3 - "$T/blocks.json" "$T/blocks.csv" "$FIX/analysis/cka_blocks_linear.npy" <<'PY' || fail "cka per block differs from PyTorch"
import csv, json, sys
import numpy as np
j = json.load(open(sys.argv[1]))
want = np.load(sys.argv[3])
blocks = lambda counts: [f"layer{s + 1}.{i}" for s, n in enumerate(counts) for i in range(n)]
assert j["layers_a"] == ["stem"] + blocks([2, 2, 2, 2]) + ["features", "logits"], j["layers_a"]
assert j["layers_b"] == ["stem"] + blocks([3, 4, 6, 3]) + ["features", "logits"], j["layers_b"]
assert np.abs(np.array(j["matrix"]) - want).max() < 1e-4
assert [p["b"] for p in j["matched"]][:3] == ["stem", "layer1.0", "layer1.1"] and len(j["matched"]) == 11
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == 11 * 19 and rows[1]["layer_b"] == "layer1.0"
PY
# The stage outputs by name: the matrix of the seven taps.
STAGES=stem,layer1,layer2,layer3,layer4,features,logits
"$PUSHPULL" --threads 2 cka "$A" "$B" --data "$D" --layers $STAGES --json "$T/out.json" --csv "$T/out.csv" >"$T/stdout" 2>/dev/null ||
    fail "cka A B exit"
grep -q "linear CKA (exact, 24 images)" "$T/stdout" || fail "summary line: $(head -1 "$T/stdout")"
/usr/bin/python3 - "$T/out.json" "$T/out.csv" "$FIX/analysis/cka_linear.npy" <<'PY' || fail "cka JSON/CSV differ from PyTorch"
import csv, json, sys
import numpy as np
j = json.load(open(sys.argv[1]))
want = np.load(sys.argv[3])
names = ["stem", "layer1", "layer2", "layer3", "layer4", "features", "logits"]
assert j["format"] == "pushpull-cka/1" and j["layers_a"] == names and j["layers_b"] == names, j
assert j["kind"] == "linear" and j["method"] == "exact" and j["samples"] == 24
assert np.abs(np.array(j["matrix"]) - want).max() < 1e-4
assert [p["a"] for p in j["matched"]] == names and j["matched_by"] == "name"
rows = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == 49 and rows[0]["layer_a"] == "stem" and rows[-1]["layer_b"] == "logits"
got = np.array([float(r["cka"]) for r in rows]).reshape(7, 7)
assert np.abs(got - want).max() < 1e-4
PY

# Minibatch (in order, and two seeded shuffled passes) and debiased against their
# fixtures; one model with itself.
for case in "minibatch8:--batch 8 --in-order --layers $STAGES" "debiased:--kind debiased --layers $STAGES" \
    "rbf:--kind rbf --layers $STAGES" "blocks_minibatch8_shuffled:--batch 8 --passes 2 --seed 5" \
    "blocks_debiased:--kind debiased"; do
    name=${case%%:*}
    "$PUSHPULL" cka "$A" "$B" --data "$D" ${case#*:} --json "$T/$name.json" >/dev/null 2>&1 || fail "cka $name exit"
    /usr/bin/python3 -c "
import json, sys, numpy as np
j = json.load(open('$T/$name.json'))
assert np.abs(np.array(j['matrix']) - np.load('$FIX/analysis/cka_$name.npy')).max() < 1e-4
" || fail "cka $name differs from PyTorch"
done
"$PUSHPULL" cka "$A" --data "$D" --json "$T/self.json" >/dev/null 2>&1 || fail "cka A exit"
/usr/bin/python3 -c "
import json, numpy as np
j = json.load(open('$T/self.json'))
m = np.array(j['matrix'])
assert j['same_model'] and np.abs(np.diag(m) - 1).max() < 1e-9 and np.abs(m - m.T).max() < 1e-9
" || fail "cka A with itself"

# cka --shard K/N (issue 19): three shards of a shuffled two-pass minibatch run,
# merged, give the single run's JSON byte for byte apart from the seconds (on the
# same thread count: OpenBLAS's products, on the avx2 and portable paths, round
# by how the columns are cut, so a 2-thread run agrees only to ~1e-6); a rerun
# of a complete shard skips it; shards of other runs are refused.
RUN="--batch 8 --passes 2 --seed 5"
"$PUSHPULL" --threads 1 cka "$A" "$B" --data "$D" $RUN --json "$T/whole.json" --csv "$T/whole.csv" >/dev/null 2>&1 ||
    fail "cka whole run"
"$PUSHPULL" --threads 2 cka "$A" "$B" --data "$D" $RUN --json "$T/whole2.json" >/dev/null 2>&1 || fail "cka 2 threads"
/usr/bin/python3 -c "
import json, numpy as np
a, b = (np.array(json.load(open(f))['matrix']) for f in ('$T/whole.json', '$T/whole2.json'))
assert np.abs(a - b).max() < 1e-5
" || fail "cka on 2 threads differs from 1 thread by more than rounding"
for k in 1 2 3; do
    "$PUSHPULL" --threads 1 cka "$A" "$B" --data "$D" $RUN --shard $k/3 --json "$T/sh.json" >"$T/sh$k.txt" 2>&1 ||
        fail "cka shard $k: $(cat "$T/sh$k.txt")"
done
grep -q "shard 2/3: batches 2..4 of 6" "$T/sh2.txt" || fail "cka shard line: $(cat "$T/sh2.txt")"
"$PUSHPULL" merge "$T/merged.json" "$T"/sh.shard-*-of-3.json --csv "$T/merged.csv" >"$T/stdout" 2>&1 ||
    fail "merge cka shards: $(cat "$T/stdout")"
diff <(grep -v '"seconds' "$T/whole.json") <(grep -v '"seconds' "$T/merged.json") >/dev/null ||
    fail "merged CKA differs from the single run"
cmp -s "$T/whole.csv" "$T/merged.csv" || fail "merged CKA CSV differs"
cp "$T/sh.shard-3-of-3.json" "$T/sh3.before"
"$PUSHPULL" cka "$A" "$B" --data "$D" $RUN --shard 3/3 --json "$T/sh.json" >"$T/stdout" 2>&1 || fail "cka shard rerun"
grep -q "shard 3/3: complete result in .*sh.shard-3-of-3.json, skipped" "$T/stdout" || fail "cka resume: $(cat "$T/stdout")"
cmp -s "$T/sh3.before" "$T/sh.shard-3-of-3.json" || fail "a skipped CKA shard changed"
"$PUSHPULL" cka "$A" "$B" --data "$D" --batch 8 --passes 2 --seed 6 --shard 3/3 --json "$T/other.json" >/dev/null 2>&1 ||
    fail "cka shard of another seed"
expect_error "cka shards of two runs" "not shards of one CKA run: seed 5 vs 6 differs" -- "$PUSHPULL" merge "$T/out.json" \
    "$T/sh.shard-1-of-3.json" "$T/sh.shard-2-of-3.json" "$T/other.shard-3-of-3.json"
expect_error "cka shard missing" "2 files for a CKA run of 3 shards" -- "$PUSHPULL" merge "$T/out.json" \
    "$T/sh.shard-1-of-3.json" "$T/sh.shard-2-of-3.json"
expect_error "cka shard twice" "shard 2 given twice" -- "$PUSHPULL" merge "$T/out.json" \
    "$T/sh.shard-1-of-3.json" "$T/sh.shard-2-of-3.json" "$T/sh.shard-2-of-3.json"
# a changed model file (its last weight byte flipped): still a model, another hash
/usr/bin/python3 -c "
import sys; b = bytearray(open(sys.argv[1], 'rb').read()); b[-1] ^= 1; open(sys.argv[2], 'wb').write(b)
" "$A" "$T/a-changed.safetensors"
"$PUSHPULL" cka "$T/a-changed.safetensors" "$B" --data "$D" $RUN --shard 1/3 --json "$T/ch.json" >/dev/null 2>&1 ||
    fail "cka shard of a changed model"
expect_error "cka changed model" "model A file \(SHA-256\) differs" -- "$PUSHPULL" merge "$T/out.json" \
    "$T/ch.shard-1-of-3.json" "$T/sh.shard-2-of-3.json" "$T/sh.shard-3-of-3.json"
sed 's/"terms": \[/"terms": [ "00", /' "$T/sh.shard-1-of-3.json" >"$T/bad.shard-1-of-3.json"
expect_error "cka bad shard" "bad.shard-1-of-3.json: missing or bad \"terms\"" -- "$PUSHPULL" merge "$T/out.json" \
    "$T/bad.shard-1-of-3.json" "$T/sh.shard-2-of-3.json" "$T/sh.shard-3-of-3.json"
expect_error "cka shard without json" "--shard needs --json" -- "$PUSHPULL" cka "$A" --data "$D" --shard 1/2
expect_error "cka shard with csv" "--csv is not written by a shard" -- "$PUSHPULL" cka "$A" --data "$D" --shard 1/2 \
    --json "$T/out.json" --csv "$T/out.csv"

# B's own layers, none named as A's: matched by position, and said so.
"$PUSHPULL" cka "$A" "$B" --data "$D" --layers stem,layer1 --layers-b layer2,layer3 --json "$T/pos.json" \
    >"$T/stdout" 2>/dev/null || fail "cka --layers-b exit"
grep -q "no layer name in common: layers are matched by position" "$T/stdout" || fail "position note: $(cat "$T/stdout")"
/usr/bin/python3 -c "
import json, numpy as np
j = json.load(open('$T/pos.json'))
want = np.load('$FIX/analysis/cka_linear.npy')
assert j['matched_by'] == 'position' and [(p['a'], p['b']) for p in j['matched']] == [('stem', 'layer2'), ('layer1', 'layer3')]
assert np.abs(np.array(j['matrix']) - want[0:2, 2:4]).max() < 1e-4
" || fail "cka by position"

# Under a corruption: recorded, and a different matrix.
"$PUSHPULL" cka "$A" "$B" --data "$D" --corruption gaussian_noise --severity 5 --limit 16 --layers stem,logits \
    --json "$T/noisy.json" >/dev/null 2>&1 || fail "cka --corruption exit"
/usr/bin/python3 -c "
import json
j = json.load(open('$T/noisy.json'))
assert j['corruption'] == 'gaussian_noise' and j['severity'] == 5 and j['samples'] == 16
assert j['layers_a'] == ['stem', 'logits'] and len(j['matrix']) == 2
" || fail "cka --corruption JSON"

expect_error "no data" "--data is required" -- "$PUSHPULL" cka "$A" "$B" --json "$T/out.json"
expect_error "three models" "one or two models" -- "$PUSHPULL" cka "$A" "$B" "$A" --data "$D"
expect_error "unknown layer" "has no layer 'layer7' \(conv1, stem, layer1..layer4, blocks layer1.0..layer4.1" -- "$PUSHPULL" cka "$A" --data "$D" --layers stem,layer7 --json "$T/out.json"
expect_error "a block of one model" "r18_cifar_pp3.safetensors has no layer 'layer3.5'" -- "$PUSHPULL" cka "$B" "$A" --data "$D" --layers stem,layer3.5 --json "$T/out.json"
expect_error "passes in order" "would repeat one pass" -- "$PUSHPULL" cka "$A" --data "$D" --batch 8 --passes 3 --in-order --json "$T/out.json"
expect_error "passes" "--passes needs a number" -- "$PUSHPULL" cka "$A" --data "$D" --passes 0
expect_error "unknown kind" "--kind is linear, rbf or debiased" -- "$PUSHPULL" cka "$A" --data "$D" --kind cosine
expect_error "unknown corruption" "unknown corruption 'smog'" -- "$PUSHPULL" cka "$A" --data "$D" --corruption smog --json "$T/out.json"
expect_error "severity alone" "--severity needs --corruption" -- "$PUSHPULL" cka "$A" --data "$D" --severity 2
expect_error "small batch" "--batch needs a number from 8" -- "$PUSHPULL" cka "$A" --data "$D" --batch 4
expect_error "other input" "r18_cifar_gray_base.safetensors" -- "$PUSHPULL" cka "$A" "$GRAY" --data "$D" --json "$T/out.json"
expect_error "missing model" "nothing.safetensors" -- "$PUSHPULL" cka "$T/nothing.safetensors" --data "$D" --json "$T/out.json"
expect_error "missing data" "no-such-dir" -- "$PUSHPULL" cka "$A" --data "$T/no-such-dir" --json "$T/out.json"
expect_error "too few for debiased" "at least 4 images" -- "$PUSHPULL" cka "$A" --data "$D" --kind debiased --limit 3 --json "$T/out.json"

# weights: A against its fine-tuned copy, JSON and CSV against numpy.
TUNED=$FIX/analysis/r18_cifar_pp3_tuned.safetensors
"$PUSHPULL" weights "$A" "$TUNED" --json "$T/w.json" --csv "$T/w.csv" >"$T/stdout" 2>/dev/null || fail "weights exit"
grep -q "layer4.1.conv2.weight" "$T/stdout" || fail "weights table"
/usr/bin/python3 - "$T/w.json" "$T/w.csv" "$FIX/analysis" <<'PY' || fail "weights JSON/CSV differ from numpy"
import csv, json, sys
import numpy as np
j = json.load(open(sys.argv[1]))
fix = sys.argv[3]
names = ["conv1.push_conv.weight", "conv1.pull_inhibition_strength", "bn.weight", "layer1.0.conv1.weight",
         "layer4.1.conv2.weight", "classifier.weight"]
stats, hist, change = (np.load(f"{fix}/weights_{k}.npy") for k in ("stats", "hist", "change"))
layers = {l["name"]: l for l in j["layers"]}
assert j["format"] == "pushpull-weights/1" and j["bins"] == 100 and "bn.running_mean" not in layers
for t, name in enumerate(names):
    l = layers[name]
    assert l["a"]["histogram"] == hist[t, 0].astype(int).tolist() and l["diff_histogram"] == hist[t, 2].astype(int).tolist()
    assert abs(l["a"]["std"] - stats[t, 0, 2]) <= 1e-5 * abs(stats[t, 0, 2]) and abs(l["relative_change"] - change[t]) < 1e-6
assert len(layers["conv1.push_conv.weight"]["a"]["filter_norm"]) == 8
rows = {(r["layer"], r["model"]): r for r in csv.DictReader(open(sys.argv[2]))}
assert abs(float(rows[("layer1.0.conv1.weight", "b")]["sparsity"]) - stats[3, 1, 7]) < 1e-6
assert abs(float(rows[("classifier.weight", "b")]["relative_change"]) - change[5]) < 1e-6
PY
"$PUSHPULL" weights "$A" --bins 7 --buffers --json "$T/w1.json" >/dev/null || fail "weights of one model"
/usr/bin/python3 -c "
import json
j = json.load(open('$T/w1.json'))
assert j['model_b'] is None and j['bins'] == 7 and any(l['buffer'] for l in j['layers'])
assert all('b' not in l and len(l['a']['histogram']) == 7 for l in j['layers'])
" || fail "weights of one model JSON"
expect_error "weights bins" "--bins needs a number" -- "$PUSHPULL" weights "$A" --bins 0
expect_error "weights three models" "one or two models" -- "$PUSHPULL" weights "$A" "$A" "$A"
expect_error "weights missing model" "nothing.pt" -- "$PUSHPULL" weights "$A" "$T/nothing.pt" --json "$T/out.json"

# saliency: Grad-CAM and gradient maps against PyTorch autograd (make_saliency_fixtures.py).
NPY_COMPARE=${NPY_COMPARE:?set by meson}
IMG=$FIX/analysis/saliency_image.png
"$PUSHPULL" saliency "$A" "$IMG" --npy "$T/cam.npy" "$T/cam.png" >"$T/stdout" 2>/dev/null || fail "saliency exit"
grep -q "^Grad-CAM of class 7 (horse" "$T/stdout" || fail "saliency line: $(cat "$T/stdout")"
"$NPY_COMPARE" "$T/cam.npy" "$FIX/analysis/gradcam_layer4_top.npy" 1e-4 >/dev/null || fail "Grad-CAM differs from PyTorch"
"$PUSHPULL" saliency "$A" "$IMG" --class 3 --layer layer3 --npy "$T/cam3.npy" "$T/cam3.png" >/dev/null 2>&1 &&
    "$NPY_COMPARE" "$T/cam3.npy" "$FIX/analysis/gradcam_layer3_3.npy" 1e-4 >/dev/null || fail "Grad-CAM class 3 layer3"
"$PUSHPULL" saliency "$A" "$IMG" --method gradient --npy "$T/grad.npy" "$T/grad.png" >/dev/null 2>&1 &&
    "$NPY_COMPARE" "$T/grad.npy" "$FIX/analysis/saliency_top.npy" 1e-4 >/dev/null || fail "gradient saliency"
/usr/bin/python3 -c "
from PIL import Image
im = Image.open('$T/cam.png')
assert im.size == (224, 224) and im.mode == 'RGB', (im.size, im.mode)
" || fail "saliency overlay PNG"
"$PUSHPULL" saliency "$A" "$IMG" --corruption gaussian_noise --severity 5 --npy "$T/noisy.npy" "$T/noisy.png" \
    >"$T/stdout" 2>/dev/null || fail "saliency --corruption exit"
grep -q "under gaussian_noise" "$T/stdout" || fail "saliency under a corruption says so"
"$NPY_COMPARE" "$T/noisy.npy" "$T/cam.npy" 1e-3 >/dev/null 2>&1 && fail "noise leaves the Grad-CAM map unchanged"
expect_error "saliency class" "class 10 does not exist" -- "$PUSHPULL" saliency "$A" "$IMG" --class 10 "$T/out.png"
expect_error "saliency layer" "--layer is stem or layer1..layer4" -- "$PUSHPULL" saliency "$A" "$IMG" --layer logits "$T/out.png"
expect_error "saliency method" "--method is gradcam or gradient" -- "$PUSHPULL" saliency "$A" "$IMG" --method lime "$T/out.png"
expect_error "saliency image" "nothing.png" -- "$PUSHPULL" saliency "$A" "$T/nothing.png" "$T/out.png"
expect_error "saliency arguments" "expected MODEL, IMAGE and OUT.png" -- "$PUSHPULL" saliency "$A" "$IMG"
expect_error "saliency corruption" "unknown corruption 'smog'" -- "$PUSHPULL" saliency "$A" "$IMG" --corruption smog "$T/out.png"

[ "$failures" -eq 0 ] && echo "all model comparison CLI checks passed"
exit $((failures > 0))

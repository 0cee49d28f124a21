#!/bin/bash
# Per-block comparison of the non-ResNet families as a user does it: `pushpull cka A B`
# with no --layers lists the stem, every block under torch's module name, features and
# logits, for two WideResNets (AugMix's wrn-16-1 against RobustBench's wrn-10-2: blocks
# block1.layer.0 ...) and for an EfficientNet (torchvision's: MBConv blocks features.1.0
# ...); the names are those of the reference modules (named_modules of the fixture
# scripts' restatements and of torchvision) and the matrices PyTorch's, computed by
# tests/analysis/make_arch_blocks_cka_fixtures.py from forward hooks on those modules
# (linear CKA in float64, within 1e-4). Also `info` shows the EfficientNets' classifier
# dropout and drop-connect.
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
# The names and matrices PyTorch gives: tests/analysis/make_arch_blocks_cka_fixtures.py
/usr/bin/python3 - "$FIX/analysis/arch_blocks_cka.json" "$T" <<'PY' || fail "per-block CKA differs from PyTorch's"
import json, os, sys
want_all, tmp = json.load(open(sys.argv[1])), sys.argv[2]
for label, result in (("WRN", "wrn.json"), ("EfficientNet", "effnet.json")):
    got, want = json.load(open(os.path.join(tmp, result))), want_all[label]
    for side in ("layers_a", "layers_b"):
        assert got[side] == want[side], (label, side, got[side], want[side])
    rows = [(g, w) for gr, wr in zip(got["matrix"], want["matrix"]) for g, w in zip(gr, wr)]
    assert [len(r) for r in got["matrix"]] == [len(r) for r in want["matrix"]], label
    err = max(abs(g - w) for g, w in rows)
    assert err < 1e-4, (label, err)
    print(label, len(want["layers_a"]), "x", len(want["layers_b"]), "layers, max error", err)
PY

[ $failures -eq 0 ] && echo "all arch block checks passed"
exit $((failures > 0))

#!/bin/bash
# The pre-activation nets (docs/spec/architectures-wrn-preact.md) through the
# command line as a user runs them: info names the family of AugMix's and
# RobustBench's files; predict and probe agree at severity 0; train --arch
# builds wrn-D-K and preact_resnet18 (a PushPull stem too), finetune continues
# one, eval and compare measure two.
set -u
PUSHPULL=${PUSHPULL:?set by meson}
FIX=${PP_FIXTURES:?set by meson}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

for entry in augmix_wrn16_1.pth.tar:wide_resnet:wrn-16-1 robustbench_wrn10_2.pt:wide_resnet:wrn-10-2 \
    preact18_w4.pt:preact_resnet:preact_resnet-custom preact18_w4_bn.pt:preact_resnet:preact_resnet-custom; do
    IFS=: read -r file family arch <<<"$entry"
    "$PUSHPULL" info "$FIX/wrn/$file" >"$T/info" 2>&1 || { fail "info $file: $(cat "$T/info")"; continue; }
    grep -q "^family: .*\[$family\]$" "$T/info" || fail "info $file names no $family family: $(cat "$T/info")"
    grep -q "^architecture: *$arch " "$T/info" || fail "info $file: architecture $arch"
    "$PUSHPULL" info "$FIX/wrn/$file" --json | grep -q "\"family\": \"$family\"" || fail "info --json $file"
done

model=$FIX/wrn/augmix_wrn16_1.pth.tar
img=$FIX/images/rgb_40x30.png
want=$("$PUSHPULL" predict "$model" "$img" --top 1 | sed -n 2p | awk '{print $2}')
got=$("$PUSHPULL" probe "$model" "$img" | sed -n 2p | awk '{print $2}')
[ -n "$want" ] && [ "$want" = "$got" ] || fail "probe at severity 0 says '$got', predict says '$want'"
"$PUSHPULL" probe "$FIX/wrn/preact18_w4_bn.pt" "$img" --corruption fog --sweep 4 --json >"$T/sweep.json" ||
    fail "probe --sweep of a PreActResNet"
[ "$(grep -c '"severity"' "$T/sweep.json")" = 5 ] || fail "sweep of 4 steps has 5 severities"

"$PUSHPULL" train --help | grep -q "wrn-D-K" || fail "train --help lists wrn-D-K"
"$PUSHPULL" train --help | grep -q "preact_resnet18" || fail "train --help lists preact_resnet18"
"$PUSHPULL" train --arch wrn-41-2 --output "$T/x.safetensors" >/dev/null 2>"$T/err" && fail "wrn-41-2 accepted"
grep -q "6n + 4" "$T/err" || fail "wrn-41-2: $(cat "$T/err")"

if [ ! -r /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
    echo "wrn cli: $failures failure(s) (dataset-fashion-mnist not installed: train/eval skipped)"
    [ $failures = 0 ] || exit 1
    exit 77
fi

PP=("$PUSHPULL" --threads 2)
small=(--width 4 --limit 256 --batch 64 --data fashion-mnist --seed 3 --epochs 1)
for arch in wrn-16-2 preact_resnet18; do
    "${PP[@]}" train --arch "$arch" "${small[@]}" --no-push-pull --output "$T/$arch.safetensors" >"$T/log" 2>&1 ||
        fail "train --arch $arch: $(tail -2 "$T/log")"
done
"$PUSHPULL" info "$T/wrn-16-2.safetensors" | grep -q "^family: .*\[wide_resnet\]" ||
    fail "a trained WideResNet reloads as its family: $("$PUSHPULL" info "$T/wrn-16-2.safetensors" 2>&1)"
"$PUSHPULL" info "$T/preact_resnet18.safetensors" | grep -q "^family: .*\[preact_resnet\]" ||
    fail "a trained PreActResNet reloads as its family"
"${PP[@]}" train --arch wrn-10-1 "${small[@]}" --output "$T/wrn_pp.safetensors" >"$T/log" 2>&1 ||
    fail "train --arch wrn-10-1 with a PushPull stem: $(tail -2 "$T/log")"
"$PUSHPULL" info "$T/wrn_pp.safetensors" | grep -q "^conv1: *PushPull unit" || fail "PushPull stem on a WideResNet"
"$PUSHPULL" info "$T/wrn_pp.safetensors" | grep -q "^family: .*\[wide_resnet\]" || fail "PushPull WideResNet family"
"${PP[@]}" finetune "$T/preact_resnet18.safetensors" --limit 128 --batch 64 --epochs 1 \
    --output "$T/preact-ft.safetensors" >"$T/log" 2>&1 || fail "finetune: $(tail -2 "$T/log")"
"$PUSHPULL" info "$T/preact-ft.safetensors" | grep -q "^family: .*\[preact_resnet\]" || fail "finetune keeps the family"

for m in wrn-16-2 preact_resnet18; do
    "${PP[@]}" eval "$T/$m.safetensors" --data fashion-mnist --limit 16 --corruptions gaussian_noise,fog \
        --json "$T/$m.json" >/dev/null 2>"$T/err" || fail "eval $m: $(cat "$T/err")"
done
"$PUSHPULL" compare "$T/wrn-16-2.json" "$T/preact_resnet18.json" --json >"$T/cmp.json" ||
    fail "compare of a WideResNet and a PreActResNet"
grep -q '"R_net"' "$T/cmp.json" || fail "compare reports R_net"

echo "wrn cli: $failures failure(s)"
[ $failures = 0 ]

#!/bin/bash
# The pre-activation nets (docs/spec/architectures-wrn-preact.md) through the
# command line as a user runs them: info names the family of AugMix's and
# RobustBench's files; predict and probe agree at severity 0; train --arch
# builds wrn-D-K and preact_resnet18 (a PushPull stem too), finetune continues
# one, eval and compare measure two.
source "$(dirname "$0")/lib.sh"

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
probe_agrees "$model" "$img"
probe_sweep "$FIX/wrn/preact18_w4_bn.pt" "$img" fog 4 "a PreActResNet"

"$PUSHPULL" train --help | grep -q "wrn-D-K" || fail "train --help lists wrn-D-K"
"$PUSHPULL" train --help | grep -q "preact_resnet18" || fail "train --help lists preact_resnet18"
"$PUSHPULL" train --arch wrn-41-2 --output "$T/x.safetensors" >/dev/null 2>"$T/err" && fail "wrn-41-2 accepted"
grep -q "6n + 4" "$T/err" || fail "wrn-41-2: $(cat "$T/err")"

need_fashion_mnist "wrn cli"

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

eval_models fashion-mnist wrn-16-2 preact_resnet18
compare_models wrn-16-2 preact_resnet18 "a WideResNet and a PreActResNet"

finish "wrn cli"

#!/bin/bash
# EfficientNet-b0 (model/efficientnet.h) through the command line as a user
# runs it: info names the family and the stem of every fixture model
# (torchvision and lukemelas files as the reference code writes them); probe
# and sweep on one; train --arch builds both layouts (the lukemelas pads,
# computed for 224, refuse a 28 px input as PyTorch does), finetune continues
# one, eval and compare measure two.
source "$(dirname "$0")/lib.sh"

while read -r file side family push_pull; do
    case $file in '#'*) continue ;; esac
    "$PUSHPULL" info "$FIX/arch_effnet/$file" >"$T/info" 2>&1 || { fail "info $file: $(cat "$T/info")"; continue; }
    grep -q "^family: .*\[$family\]$" "$T/info" || fail "info $file names no $family family: $(cat "$T/info")"
    grep -q "^architecture: *$( [ "$family" = efficientnet ] && echo efficientnet || echo lukemelas-efficientnet)-custom" \
        "$T/info" || fail "info $file: architecture line: $(grep architecture "$T/info")"
    info_stem "$T/info" "$push_pull" "$file"
    "$PUSHPULL" info "$FIX/arch_effnet/$file" --json | grep -q "\"family\": \"$family\"" || fail "info --json $file"
done <"$FIX/arch_effnet/MODELS"

# probe: severity 0 predicts what predict predicts; a sweep of 10 steps has 11 rows
model=$FIX/arch_effnet/lm_small_pp3.ckpt
img=$FIX/images/rgb_40x30.png
probe_agrees "$model" "$img"
probe_sweep "$model" "$img" fog 10
"$PUSHPULL" probe "$FIX/arch_effnet/tv_small.pth" "$img" --corruption gaussian_noise --severity 4 --json |
    grep -q '"snr_output_db": -\?[0-9]' || fail "probe --json of a plain-stem EfficientNet reports the conv1 SNR"

need_fashion_mnist "effnet cli"

small=(--width 8 --limit 128 --batch 32 --data fashion-mnist --seed 3 --epochs 1)
"${PP[@]}" train --arch efficientnet_b0 "${small[@]}" --output "$T/pp.safetensors" >"$T/log" 2>&1 ||
    fail "train --arch efficientnet_b0: $(tail -2 "$T/log")"
"${PP[@]}" train --arch efficientnet_b0 "${small[@]}" --no-push-pull --output "$T/plain.safetensors" >"$T/log" 2>&1 ||
    fail "train --arch efficientnet_b0 --no-push-pull: $(tail -2 "$T/log")"
"$PUSHPULL" info "$T/pp.safetensors" >"$T/info"
grep -q "^family: .*\[efficientnet\]" "$T/info" || fail "a trained EfficientNet reloads as its family: $(cat "$T/info")"
grep -q "^conv1: *PushPull unit" "$T/info" || fail "train --arch efficientnet_b0 has a PushPull stem by default"
"$PUSHPULL" info "$T/plain.safetensors" | grep -q "^conv1: *plain convolution" || fail "--no-push-pull: a plain stem"
"${PP[@]}" train --arch lukemelas-efficientnet_b0 "${small[@]}" --output "$T/lm.safetensors" >/dev/null 2>"$T/err" &&
    fail "lukemelas at 28 px accepted"
grep -q "too small for this network: _blocks\.[0-9]*\._depthwise_conv" "$T/err" ||
    fail "lukemelas at 28 px: $(cat "$T/err")"
"${PP[@]}" train --arch efficientnet_b0 "${small[@]}" --pp2020 --output "$T/x.safetensors" >/dev/null 2>&1 &&
    fail "--pp2020 on an EfficientNet accepted"
"${PP[@]}" finetune "$T/pp.safetensors" --limit 64 --batch 32 --epochs 1 --output "$T/ft.safetensors" >"$T/log" 2>&1 ||
    fail "finetune: $(tail -2 "$T/log")"
"$PUSHPULL" info "$T/ft.safetensors" | grep -q "^family: .*\[efficientnet\]" || fail "finetune keeps the family"

eval_models fashion-mnist pp plain
compare_models pp plain "two EfficientNets"

finish "effnet cli"

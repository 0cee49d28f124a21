#!/bin/bash
# The anti-aliased ResNets (docs/arch-blurpool.md) through the command line as
# a user runs them: info names the family and the blur of every fixture model
# (adobe, zhang, vasconcelos files as the official code writes them); probe and
# sweep on one; train --arch builds each family, finetune continues one, eval
# and compare measure two.
source "$(dirname "$0")/lib.sh"

# info: family, filter and where the blurs are, for every fixture model
while read -r file side family depth filter pool_only push_pull config; do
    case $file in '#'*) continue ;; esac
    want=blurpool_resnet
    [ "$family" = vasconcelos ] && want=vasconcelos_resnet
    "$PUSHPULL" info "$FIX/arch_blur/$file" >"$T/info" 2>&1 || { fail "info $file: $(cat "$T/info")"; continue; }
    grep -q "^family: .*\[$want\]$" "$T/info" || fail "info $file names no $want family: $(cat "$T/info")"
    grep -q "^blur: *BlurPool filter $filter " "$T/info" || fail "info $file: filter $filter"
    info_stem "$T/info" "$push_pull" "$file"
    "$PUSHPULL" info "$FIX/arch_blur/$file" --json | grep -q "\"family\": \"$want\"" || fail "info --json $file"
done <"$FIX/arch_blur/MODELS"
"$PUSHPULL" info "$FIX/arch_blur/aa_r50_f3_full.pth" | grep -q "pool_only false" || fail "adobe pool_only false"
"$PUSHPULL" info "$FIX/arch_blur/aa_r18_f4_pool.pth" | grep -q "pool_only true" || fail "adobe pool_only true"

# probe: severity 0 predicts what predict predicts; a sweep of 10 steps has 11 rows
model=$FIX/arch_blur/vasconcelos_r50_imagenet_pp5_fixed.ckpt
img=$FIX/images/rgb_40x30.png
probe_agrees "$model" "$img"
probe_sweep "$model" "$img" fog 10
"$PUSHPULL" probe "$FIX/arch_blur/zhang_r50_imagenet.ckpt" "$img" --corruption gaussian_noise --severity 4 --json |
    grep -q '"snr_output_db": -\?[0-9]' || fail "probe --json of a plain-stem blur model reports the conv1 SNR"

need_fashion_mnist "blur cli"

# train --arch builds each family from scratch; finetune continues one
small=(--width 4 --limit 256 --batch 64 --data fashion-mnist --seed 3 --epochs 1)
for arch in blurpool-resnet18 zhang-resnet18 vasconcelos-resnet18; do
    "${PP[@]}" train --arch "$arch" "${small[@]}" --no-push-pull --output "$T/$arch.safetensors" >"$T/log" 2>&1 ||
        fail "train --arch $arch: $(tail -2 "$T/log")"
done
"$PUSHPULL" info "$T/vasconcelos-resnet18.safetensors" | grep -q "^family: .*\[vasconcelos_resnet\]" ||
    fail "a trained vasconcelos net reloads as its family"
"${PP[@]}" train --arch blurpool-resnet18 "${small[@]}" --blur-filter 3 --output "$T/f3.safetensors" >/dev/null 2>&1 ||
    fail "train --blur-filter 3"
"$PUSHPULL" info "$T/f3.safetensors" | grep -q "BlurPool filter 3" || fail "--blur-filter 3 is kept"
"$PUSHPULL" info "$T/f3.safetensors" | grep -q "^conv1: *PushPull unit" || fail "a PushPull stem on an anti-aliased net"
"${PP[@]}" train --arch resnet18 "${small[@]}" --blur-filter 3 --output "$T/out.safetensors" >/dev/null 2>"$T/err" &&
    fail "--blur-filter on a plain ResNet accepted"
grep -q "anti-aliased" "$T/err" || fail "--blur-filter on resnet18: $(cat "$T/err")"
"${PP[@]}" finetune "$T/zhang-resnet18.safetensors" --limit 128 --batch 64 --epochs 1 \
    --output "$T/zhang-ft.safetensors" >"$T/log" 2>&1 || fail "finetune: $(tail -2 "$T/log")"
"$PUSHPULL" info "$T/zhang-ft.safetensors" | grep -q "^family: .*\[blurpool_resnet\]" || fail "finetune keeps the family"

# eval + compare of two anti-aliased nets
eval_models fashion-mnist blurpool-resnet18 vasconcelos-resnet18
compare_models blurpool-resnet18 vasconcelos-resnet18 "two blur nets"

finish "blur cli"

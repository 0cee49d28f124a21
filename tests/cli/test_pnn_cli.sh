#!/bin/bash
# Perturbative networks (pnn.pytorch's perturb_resnet18) through the command
# line: info names the family and the settings of whole pickled models and of
# a state dict (convert records the settings a state dict lacks); unknown
# module classes and inconsistent masks are refused with the names; predict and
# probe agree at severity 0; train --arch perturb_resnet18 builds one (masks
# sized to the data, whose side must divide by 8), finetune continues it, eval
# and compare measure it against a ResNet.
source "$(dirname "$0")/lib.sh"

"$PUSHPULL" info "$FIX/pnn/pnn_whole_m2_unique_act.pth" >"$T/info" 2>&1 || fail "info: $(cat "$T/info")"
grep -q "^family: .*\[perturb_resnet\]$" "$T/info" || fail "info names no perturb_resnet family: $(cat "$T/info")"
grep -q "^pnn: *2 unique noise masks per channel, 32x32; level 0.4 (first layer 0.6, ReLU after its noise: yes); max" \
    "$T/info" || fail "info: the pickle's settings: $(grep pnn: "$T/info")"
grep -q "whole pickled model models.PerturbResNet" "$T/info" || fail "info names the pickled class"
"$PUSHPULL" info "$FIX/pnn/pnn_whole_m1_unique.pth" --json | grep -q '"family": "perturb_resnet"' || fail "info --json"

"$PUSHPULL" info "$FIX/pnn/pnn_sd_ff3_m2_shared_mix.pt" >"$T/info" 2>"$T/err" || fail "info of a state dict"
grep -q "noise level is not recorded" "$T/err" || fail "a state dict's missing level is noted: $(cat "$T/err")"
"$PUSHPULL" convert "$FIX/pnn/pnn_sd_ff3_m2_shared_mix.pt" "$T/sd.safetensors" --pnn-level 0.2 --pnn-first-act \
    --pnn-pool avg >/dev/null 2>&1 || fail "convert with the PNN settings"
"$PUSHPULL" info "$T/sd.safetensors" 2>"$T/err" | grep -q "level 0.2 (first layer 0.2, ReLU after its noise: yes); average pooling; mix_maps" ||
    fail "convert records the settings: $("$PUSHPULL" info "$T/sd.safetensors" 2>&1 | grep pnn:)"
[ ! -s "$T/err" ] || fail "a converted PNN still warns: $(cat "$T/err")"
"$PUSHPULL" convert "$FIX/pnn/pnn_sd_ff3_m2_shared_mix.pt" "$T/x.safetensors" --pnn-pool mean >/dev/null 2>&1 &&
    fail "--pnn-pool mean accepted"

"$PUSHPULL" info "$FIX/pnn/pnn_unknown_class.pth" >/dev/null 2>"$T/err" && fail "an unknown module class accepted"
grep -q "experiments.extras.NoiseDropout" "$T/err" || fail "unknown class not named: $(cat "$T/err")"
"$PUSHPULL" info "$FIX/pnn/pnn_bad_masks.pt" >/dev/null 2>"$T/err" && fail "inconsistent masks accepted"
grep -q "layer2.1.layers.0.noise" "$T/err" || fail "inconsistent masks not named: $(cat "$T/err")"

model=$FIX/pnn/pnn_whole_m2_unique_act.pth
img=$FIX/images/rgb_40x30.png
probe_agrees "$model" "$img"
probe_sweep "$model" "$img" gaussian_noise 3

# train / finetune / eval on the committed 32x32 RGB set (24 images, labels.npy beside)
data=$FIX/analysis/cka/images.npy
small=(--width 3 --limit 24 --batch 8 --data "$data" --seed 3 --epochs 1)
"${PP[@]}" train --arch perturb_resnet18 "${small[@]}" --output "$T/pnn.safetensors" >"$T/log" 2>&1 ||
    fail "train --arch perturb_resnet18: $(tail -2 "$T/log")"
"$PUSHPULL" info "$T/pnn.safetensors" >"$T/info" 2>&1
grep -q "^family: .*\[perturb_resnet\]" "$T/info" || fail "a trained PNN reloads as its family: $(cat "$T/info")"
grep -q "1 unique noise mask per channel, 32x32; level 0.5" "$T/info" || fail "trained PNN settings: $(grep pnn: "$T/info")"
"${PP[@]}" finetune "$T/pnn.safetensors" --limit 16 --batch 8 --epochs 1 --output "$T/pnn-ft.safetensors" \
    >"$T/log" 2>&1 || fail "finetune: $(tail -2 "$T/log")"
"${PP[@]}" train --arch resnet18 "${small[@]}" --no-push-pull --output "$T/r18.safetensors" >/dev/null 2>&1 ||
    fail "train the baseline"
eval_models "$data" pnn pnn-ft r18
compare_models pnn r18 "a PNN with a ResNet"
if [ -r /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
    "${PP[@]}" train --arch perturb_resnet18 --data fashion-mnist --limit 64 --output "$T/f.safetensors" \
        >/dev/null 2>"$T/err" && fail "a PNN on 28x28 images accepted"
    grep -q "divides by 8" "$T/err" || fail "28x28 PNN: $(cat "$T/err")"
fi

finish "pnn cli"

#!/bin/bash
# The 2020 push-pull family and the PushPull-Conv variants from the command line:
# the files the official code writes, their outputs against PyTorch, the pull-kernel
# option kept in a converted file, info/forward/probe/sweep/train/finetune/eval/compare
# on the new families, and a bad option value as one clear error.
source "$(dirname "$0")/lib.sh"
NPY_COMPARE=${NPY_COMPARE:?set by meson}
FIX=$FIX/pp2020

# PushPull ResNet-152 with pushpull-conv db07739's pull kernel (max + min per input channel)
net=$FIX/pushpull_resnet152_channel
"$PUSHPULL" info --pull-minmax channel "$net.ckpt" | grep -q "pull max + min per channel" || fail "info --pull-minmax"
"$PUSHPULL" info "$net.ckpt" | grep -q "pull max + min per filter" || fail "info default is HEAD's per filter"
"$PUSHPULL" convert --pull-minmax channel "$net.ckpt" "$T/r152.safetensors" >/dev/null || fail "convert exit"
"$PUSHPULL" info --json "$T/r152.safetensors" | grep -q '"pull_minmax": "channel"' || fail "converted file keeps the option"
"$PUSHPULL" --threads 2 forward "$T/r152.safetensors" "$FIX/input16_x.npy" "$T/logits.npy" || fail "forward exit"
"$NPY_COMPARE" "$T/logits.npy" "${net}_logits.npy" 1e-4 >/dev/null || fail "per-channel logits differ from PyTorch"
"$PUSHPULL" forward "$T/r152.safetensors" "$FIX/input16_x.npy" "$T/conv1.npy" --layer conv1 || fail "forward conv1"
"$NPY_COMPARE" "$T/conv1.npy" "${net}_conv1.npy" 1e-4 >/dev/null || fail "per-channel conv1 differs from PyTorch"
"$PUSHPULL" forward "$net.ckpt" "$FIX/input16_x.npy" "$T/head.npy" || fail "forward (per filter)"
"$NPY_COMPARE" "$T/head.npy" "${net}_logits.npy" 1e-4 >/dev/null 2>&1 && fail "per-filter kernel matches a db07739 net"

# modify_ckpt.py's float alpha: a fixed alpha of 1
net=$FIX/pushpull_resnet101_float_alpha
"$PUSHPULL" info "$net.ckpt" | grep -q "alpha fixed (min 1.0000" || fail "float alpha read as fixed 1"
"$PUSHPULL" forward "$net.ckpt" "$FIX/input32_x.npy" "$T/r101.npy" || fail "forward R101"
"$NPY_COMPARE" "$T/r101.npy" "${net}_logits.npy" 1e-4 >/dev/null || fail "R101 logits differ from PyTorch"

# the 2020 layer's networks: info names the family, forward's push/pull/kernels taps, probe and sweep
net=$FIX/resnet20_pp
"$PUSHPULL" info "$net.pth.tar" | grep -q "^family:.*\[pushpull2020_cifar_resnet\]" || fail "info family (resnet20)"
"$PUSHPULL" info "$net.pth.tar" | grep -q "2020 push-pull layer, 3x3 push, 7x7 pull" || fail "info first layer"
"$PUSHPULL" info --json "$FIX/resnext50_narrow.pth" | grep -q '"groups": 2' || fail "info groups (ResNeXt)"
"$PUSHPULL" forward "$net.pth.tar" "$FIX/input32_x.npy" "$T/r20.npy" || fail "forward resnet20"
"$NPY_COMPARE" "$T/r20.npy" "${net}_logits.npy" 1e-4 >/dev/null || fail "resnet20 logits differ from PyTorch"
"$PUSHPULL" forward "$net.pth.tar" "$FIX/input32_x.npy" "$T/k.npy" --layer kernels || fail "forward --layer kernels"
"$PUSHPULL" forward "$net.pth.tar" "$FIX/input32_x.npy" "$T/pull.npy" --layer pull || fail "forward --layer pull"
# convert keeps what the keys cannot say (a fixed alpha 2 from the hyper-parameters) and the grouping
for n in strisciuglio_resnet50_cifar:16 resnext50_narrow:32 resnet32_pp_alpha:32; do
    f=$(ls "$FIX/${n%%:*}".* | head -1)
    "$PUSHPULL" convert "$f" "$T/c.safetensors" >/dev/null || fail "convert ${n%%:*}"
    "$PUSHPULL" forward "$T/c.safetensors" "$FIX/input${n##*:}_x.npy" "$T/c.npy" || fail "forward converted ${n%%:*}"
    "$NPY_COMPARE" "$T/c.npy" "$FIX/${n%%:*}_logits.npy" 1e-4 >/dev/null || fail "converted ${n%%:*} differs"
done
img=${PP_FIXTURES}/images/rgb_40x30.png
"$PUSHPULL" probe "$net.pth.tar" "$img" --corruption gaussian_noise --severity 3 >"$T/probe.txt" || fail "probe"
grep -q "first-layer SNR: push-only" "$T/probe.txt" || fail "probe of the 2020 layer has a push-only SNR"
"$PUSHPULL" probe "$FIX/strisciuglio_resnet50.ckpt" "$img" --corruption fog --sweep 4 --json >"$T/sweep.json" ||
    fail "probe --sweep (strisciuglio_resnet50)"
grep -q '"snr_push_db"' "$T/sweep.json" || fail "sweep JSON lacks the push SNR"

# train from scratch with the 2020 layer, fine-tune it, evaluate and compare with a plain twin
small=(--threads 2 train --data fashion-mnist --arch resnet20 --width 4 --limit 64 --batch 16 --epochs 1 --seed 5)
"$PUSHPULL" "${small[@]}" --pp2020 --output "$T/pp.safetensors" >/dev/null 2>&1 || fail "train --pp2020"
"$PUSHPULL" "${small[@]}" --no-push-pull --output "$T/base.safetensors" >/dev/null 2>&1 || fail "train resnet20 baseline"
"$PUSHPULL" info "$T/pp.safetensors" | grep -q "^family:.*\[pushpull2020_cifar_resnet\]" || fail "trained model's family"
"$PUSHPULL" info "$T/base.safetensors" | grep -q "^family:.*\[cifar_resnet\]" || fail "baseline's family"
"$PUSHPULL" --threads 2 finetune "$T/pp.safetensors" --data fashion-mnist --limit 32 --batch 16 --epochs 1 \
    --output "$T/ft.safetensors" >/dev/null 2>&1 || fail "finetune the 2020 net"
for m in pp base; do
    "$PUSHPULL" eval "$T/$m.safetensors" --data fashion-mnist --limit 16 --corruptions gaussian_noise \
        --json "$T/$m.json" >/dev/null 2>&1 || fail "eval $m"
done
"$PUSHPULL" compare "$T/base.json" "$T/pp.json" --json | grep -q '"R_net"' || fail "compare the 2020 net with its baseline"
"$PUSHPULL" train --help | grep -q "resnext50_32x4d" || fail "train --help lists the new architectures"
"$PUSHPULL" train --help | grep -q -- "--pp2020" || fail "train --help lists --pp2020"

if "$PUSHPULL" info --pull-minmax diagonal "$net.ckpt" >/dev/null 2>"$T/err"; then fail "bad --pull-minmax: exit 0"; fi
grep -q "pull-minmax must be filter or channel" "$T/err" || fail "bad --pull-minmax message: $(cat "$T/err")"

[ $failures = 0 ] && echo "all pp2020 CLI checks passed"
exit $((failures > 0))

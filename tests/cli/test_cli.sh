#!/bin/bash
# The `pushpull` command line as a user runs it: outputs against the PyTorch
# fixtures, and bad input giving one clear error, a non-zero exit and no file.
source "$(dirname "$0")/lib.sh"
NPY_COMPARE=${NPY_COMPARE:?set by meson}

# --help everywhere
"$PUSHPULL" --help | grep -q "info" || fail "main --help"
for cmd in info forward predict eval compare probe; do
    "$PUSHPULL" "$cmd" --help | grep -q "usage: pushpull $cmd" || fail "$cmd --help"
done

# forward: logits and taps match PyTorch
net=$FIX/core/r18_imagenet_pp3
"$PUSHPULL" --threads 2 forward "$net.safetensors" "${net}_x.npy" "$T/logits.npy" || fail "forward exit"
"$NPY_COMPARE" "$T/logits.npy" "${net}_logits.npy" 1e-4 >/dev/null || fail "forward logits differ from PyTorch"
for layer in conv1 stem push pull; do
    "$PUSHPULL" forward "$net.safetensors" "${net}_x.npy" "$T/$layer.npy" --layer $layer || fail "forward --layer $layer"
    "$NPY_COMPARE" "$T/$layer.npy" "${net}_$layer.npy" 1e-5 >/dev/null || fail "--layer $layer differs from PyTorch"
done
"$PUSHPULL" forward "$net.safetensors" "${net}_x.npy" "$T/b1.npy" --batch 1 &&
    "$NPY_COMPARE" "$T/b1.npy" "${net}_logits.npy" 1e-4 >/dev/null || fail "forward --batch 1"

# PP_CPU: a path this CPU cannot run, or no path at all, is one clear error before any kernel runs
expect_error "PP_CPU unknown" "PP_CPU=sse2 is not a CPU path \(use avx512, avx2 or portable\)" -- \
    env PP_CPU=sse2 "$PUSHPULL" forward "$net.safetensors" "${net}_x.npy" "$T/out.npy"
# the CPU's best path, not the one PP_CPU chose (the test may run under PP_CPU=avx2)
best=$("$PUSHPULL" --version | sed -n "s/^CPU path: .*(this CPU's best: \([a-z0-9]*\)).*/\1/p")
# (each path it can run is checked against PyTorch below, whatever PP_CPU is)
case $best in
    avx512) paths="portable avx2 avx512" ;; # every path runs here; the refusal of more than the CPU has is unit-tested (test_cpu)
    avx2) paths="portable avx2"
        expect_error "PP_CPU above the CPU" "cannot run the avx512 kernels" -- \
        env PP_CPU=avx512 "$PUSHPULL" forward "$net.safetensors" "${net}_x.npy" "$T/out.npy" ;;
    portable) paths=portable
        expect_error "PP_CPU above the CPU" "cannot run the avx2 kernels" -- \
        env PP_CPU=avx2 "$PUSHPULL" forward "$net.safetensors" "${net}_x.npy" "$T/out.npy" ;;
    *) paths=; fail "pushpull --version names no best CPU path: $("$PUSHPULL" --version)" ;;
esac
for path in $paths; do
    PP_CPU=$path "$PUSHPULL" forward "$net.safetensors" "${net}_x.npy" "$T/logits_$path.npy" &&
        "$NPY_COMPARE" "$T/logits_$path.npy" "${net}_logits.npy" 1e-4 >/dev/null || fail "forward on PP_CPU=$path"
done

# info
"$PUSHPULL" info "$net.safetensors" | grep -q "PushPull unit, avg pooling 3" || fail "info text"
"$PUSHPULL" info "$net.safetensors" | grep -q "^family: *PushPull-ResNet" || fail "info names the family"
"$PUSHPULL" info --json "$FIX/core/r18_cifar_gray_base.safetensors" >"$T/info.json" || fail "info --json exit"
grep -q '"push_pull": false' "$T/info.json" && grep -q '"in_channels": 1' "$T/info.json" && grep -q '"family": "resnet"' "$T/info.json" || fail "info --json fields"

# predict: text and JSON, probabilities sum to at most 1
gray=$FIX/core/r18_cifar_gray_pp5.safetensors
"$PUSHPULL" predict "$gray" "$FIX/images/gray_28.png" "$FIX/images/rgb_40x30.png" --top 3 >"$T/pred.txt" || fail "predict exit"
[ "$(grep -c '%' "$T/pred.txt")" = 6 ] || fail "predict prints 3 classes per image: $(cat "$T/pred.txt")"
"$PUSHPULL" predict "$FIX/core/r18_imagenet_base.safetensors" "$FIX/images/photo_300x200.jpg" --json >"$T/pred.json" || fail "predict --json"
grep -q '"probability"' "$T/pred.json" || fail "predict --json has probabilities"

# eval + compare: JSON as documented, metrics consistent with the errors
if [ -r /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ]; then
    base=$FIX/core/r18_cifar_gray_base.safetensors
    for m in base pp; do
        model=$base; [ $m = pp ] && model=$gray
        "$PUSHPULL" eval "$model" --data fashion-mnist --limit 16 --corruptions gaussian_noise,fog \
            --json "$T/$m.json" --csv "$T/$m.csv" >/dev/null || fail "eval $m"
    done
    grep -q '"format": "pushpull-eval/1"' "$T/pp.json" || fail "eval JSON format tag"
    [ "$(wc -l <"$T/pp.csv")" = 12 ] || fail "eval CSV has header + clean + 10 rows"
    "$PUSHPULL" compare "$T/base.json" "$T/pp.json" --json >"$T/cmp.json" || fail "compare --json"
    for key in clean_error mCE relative_mCE R_net CE groups; do
        grep -q "\"$key\"" "$T/cmp.json" || fail "compare --json lacks $key"
    done
    "$PUSHPULL" compare "$T/base.json" "$T/base.json" --json | grep -q '"R_net": 0' || fail "a model against itself has R_net 0"
    "$PUSHPULL" compare "$T/base.json" "$T/pp.json" --format markdown | grep -q '^| model' || fail "compare markdown"
    expect_error "classes mismatch" "has 7 classes but" -- "$PUSHPULL" eval "$FIX/core/r18_imagenet_pp5_fixed.safetensors" --data fashion-mnist --limit 4 --json "$T/out.json"
    expect_error "unknown corruption" "unknown corruption 'fogg'" -- "$PUSHPULL" eval "$gray" --data fashion-mnist --corruptions fogg --json "$T/out.json"
fi
expect_error "missing data set" "no such data set" -- "$PUSHPULL" eval "$gray" --data "$T/nothing" --json "$T/out.json"
printf '{"format": "pushpull-eval/1", "clean_error": 2}' >"$T/badeval.json"
expect_error "bad eval json" "badeval.json: \"clean_error\"" -- "$PUSHPULL" compare "$T/badeval.json" "$T/badeval.json"

# probe: severity 0 predicts what predict predicts; a sweep has 11 rows for 10 steps
img=$FIX/images/rgb_40x30.png
probe_agrees "$gray" "$img"
probe_sweep "$gray" "$img" fog 10
"$PUSHPULL" probe "$gray" "$img" --corruption gaussian_noise --severity 4 --json | grep -q '"snr_push_db": [0-9]' ||
    fail "probe --json reports a finite push SNR under noise"
expect_error "probe unknown corruption" "unknown corruption 'smog'" -- "$PUSHPULL" probe "$gray" "$img" --corruption smog
# --corruption none: the clean image whatever the severity (the same top-5 and SNRs as no corruption)
"$PUSHPULL" probe "$gray" "$img" --json >"$T/clean.json" || fail "probe clean --json"
"$PUSHPULL" probe "$gray" "$img" --corruption none --severity 4 --json >"$T/none.json" || fail "probe --corruption none"
cmp -s "$T/clean.json" "$T/none.json" || fail "probe --corruption none --severity 4 differs from the clean probe"
grep -q '"corruption": "none"' "$T/none.json" || fail "probe --corruption none names no corruption"
"$PUSHPULL" probe "$gray" "$img" --corruption none | head -1 | grep -q '^clean at severity 0.00' ||
    fail "probe --corruption none says it ran clean"

# bad input: one clear line, non-zero exit, no output file
printf 'garbage' >"$T/garbage.safetensors"
head -c 300 "$net.safetensors" >"$T/cut.safetensors"
expect_error "missing model" "nope.safetensors: cannot open" -- "$PUSHPULL" forward "$T/nope.safetensors" "${net}_x.npy" "$T/out.npy"
expect_error "garbage model" "garbage.safetensors: " -- "$PUSHPULL" forward "$T/garbage.safetensors" "${net}_x.npy" "$T/out.npy"
expect_error "truncated model" "cut.safetensors: " -- "$PUSHPULL" forward "$T/cut.safetensors" "${net}_x.npy" "$T/out.npy"
expect_error "wrong rank input" "expected a float32 \(N, C, H, W\)" -- "$PUSHPULL" forward "$net.safetensors" "$FIX/core/gap_y.npy" "$T/out.npy"
expect_error "wrong channels" "has 1 channels but" -- "$PUSHPULL" forward "$net.safetensors" "$FIX/core/r18_cifar_gray_pp5_x.npy" "$T/out.npy"
expect_error "int input" "expected a float32" -- "$PUSHPULL" forward "$net.safetensors" "$FIX/core/conv_1x1_s1_meta.npy" "$T/out.npy"
head -c 300 "${net}_x.npy" >"$T/cut.npy"
expect_error "truncated npy" "cut.npy: data is truncated" -- "$PUSHPULL" forward "$net.safetensors" "$T/cut.npy" "$T/out.npy"
expect_error "unknown layer" "unknown layer 'layer9'" -- "$PUSHPULL" forward "$net.safetensors" "${net}_x.npy" "$T/out.npy" --layer layer9
expect_error "baseline has no push" "needs a push-pull model" -- "$PUSHPULL" forward "$FIX/core/r18_imagenet_base.safetensors" "${net}_x.npy" "$T/out.npy" --layer push
expect_error "undecodable image" "garbage.safetensors: not a PNG or JPEG" -- "$PUSHPULL" predict "$gray" "$T/garbage.safetensors"
expect_error "missing image" "none.png: cannot open" -- "$PUSHPULL" predict "$gray" "$T/none.png"
expect_error "unknown command" "unknown command" -- "$PUSHPULL" frobnicate
expect_error "bad threads" "threads needs a number" -- "$PUSHPULL" --threads zero info "$net.safetensors"
expect_error "bad avg kernel" "avg-kernel" -- "$PUSHPULL" info "$net.safetensors" --avg-kernel 4

# Hostile inputs (tests/core/make_hostile.py): each a clear error in bounded time
# (before the caps the 16000x16000 bomb took 86 s and 2.5 GB and exited 0).
H=$FIX/hostile
for f in bomb_progressive_16000.jpg bomb_progressive_8000.jpg bomb_idat_16384.png jpeg_many_scans.jpg jpeg_truncated_half.jpg; do
    start=$(date +%s.%N)
    expect_error "hostile $f" "$f: " -- timeout 60 "$PUSHPULL" corrupt "$H/$f" "$T/out.png" --corruption fog --severity 1
    echo "  corrupt $f: rejected in $(echo "$(date +%s.%N) - $start" | bc) s"
done
mkfifo "$T/in.fifo"
expect_error "FIFO as image" "in.fifo: not a regular file" -- timeout 20 "$PUSHPULL" corrupt "$T/in.fifo" "$T/out.png" --corruption fog --severity 1
expect_error "FIFO as model" "in.fifo: not a regular file" -- timeout 20 "$PUSHPULL" info "$T/in.fifo"
expect_error "split typo" "unknown split 'trian' \(valid: train, test\)" -- "$PUSHPULL" eval "$gray" --data fashion-mnist:trian
expect_error "split in capitals" "unknown split 'TRAIN'" -- "$PUSHPULL" eval "$gray" --data fashion-mnist:TRAIN

# Class names with escape codes (here from labels.txt beside the model) reach no terminal raw.
cp "$gray" "$T/esc.safetensors"
{ printf 'evil\033]0;pwned\007\033[2J\n'; for i in 1 2 3 4 5 6 7 8 9; do echo "class$i"; done; } >"$T/esc.labels.txt"
"$PUSHPULL" predict "$T/esc.safetensors" "$FIX/images/gray_28.png" --top 10 >"$T/esc.txt" || fail "predict with escape codes"
"$PUSHPULL" info "$T/esc.safetensors" >>"$T/esc.txt" || fail "info with escape codes"
grep -q "$(printf '\033')" "$T/esc.txt" && fail "an escape code reached the terminal"
[ "$(grep -c -F 'evil\x1B]0;pwned\x07\x1B[2J' "$T/esc.txt")" = 2 ] || fail "class name not shown escaped: $(cat -v "$T/esc.txt")"

# An ImageNet-C tree missing a class folder: labels by class name, and a warning.
for c in ant bee cat; do
    mkdir -p "$T/clean/$c" "$T/inc/fog/1/$c"
    cp "$FIX/images/gray_28.png" "$T/clean/$c/a.png"
    cp "$FIX/images/gray_28.png" "$T/inc/fog/1/$c/a.png"
done
rm -r "$T/inc/fog/1/bee"
"$PUSHPULL" eval "$gray" --data "$T/clean" --corrupted "$T/inc" --corruptions fog --severities 1 >"$T/eval.txt" 2>"$T/eval.err" ||
    fail "eval with a missing class folder: $(cat "$T/eval.err")"
grep -q "warning: .*inc/fog/1: 1 of 3 class folders are missing (the first: bee)" "$T/eval.err" ||
    fail "missing class folder not warned about: $(cat "$T/eval.err")"

# a state dict whose alpha is a plain float (the reference's misc/modify_ckpt.py): fixed alpha
"$PUSHPULL" info "$FIX/ckpt/fixed_alpha_float.pth" --avg-kernel 3 2>&1 |
    grep -q "alpha fixed (min 0.7500, mean 0.7500, max 0.7500)" || fail "info of a float alpha"

# a legacy (pre-1.6) Lightning file whose hyper-parameters pickle augmentation objects
"$PUSHPULL" info "$FIX/legacy/r18_legacy.ckpt" >"$T/legacy.txt" 2>&1 || fail "info of a legacy file: $(cat "$T/legacy.txt")"
grep -q "format:        torch legacy (pre-1.6), tensors from 'state_dict', key prefix 'model.' removed" "$T/legacy.txt" ||
    fail "info: legacy format and container"
grep -q "inert objects: hyper_parameters.augmentation: augmentations.AugMix" "$T/legacy.txt" &&
    grep -q "hyper_parameters.prime: prime.GeneralizedPRIMEModule.from_config" "$T/legacy.txt" ||
    fail "info: inert objects"
"$PUSHPULL" info --json "$FIX/legacy/r18_legacy.ckpt" >"$T/legacy.json" || fail "info --json of a legacy file"
grep -q '"container": "state_dict"' "$T/legacy.json" && grep -q '"prefix_removed": "model."' "$T/legacy.json" ||
    fail "info --json: checkpoint fields"
# what the loader notes about a file is not written into a converted one
"$PUSHPULL" convert "$FIX/legacy/r18_legacy.ckpt" "$T/from_legacy.safetensors" >/dev/null 2>&1 || fail "convert a legacy file"
"$PUSHPULL" info "$T/from_legacy.safetensors" >"$T/converted.txt" 2>&1 || fail "info of the converted file"
grep -q "^format:        safetensors$" "$T/converted.txt" && ! grep -q "inert objects" "$T/converted.txt" ||
    fail "converted file: $(cat "$T/converted.txt")"

finish cli

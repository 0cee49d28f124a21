#!/bin/bash
# make-p and eval-p as a user runs them: the CIFAR-10-P layout, eval-p on the fly and
# from the files (the same numbers), shards adding up to the whole run, compare's FR
# table, ImageNet-P MP4 sequences (made here with Debian's ffmpeg), and bad input:
# one clear error naming the file, a non-zero exit and no JSON.
source "$(dirname "$0")/../cli/lib.sh"

expect_error() { # NAME PATTERN -- COMMAND...: non-zero exit, stderr matches, no $T/out.json
    local name=$1 pattern=$2; shift 3
    rm -f "$T/out.json"
    if "$@" >"$T/stdout" 2>"$T/stderr"; then fail "$name: exit 0"; return; fi
    grep -q -E -e "$pattern" "$T/stderr" || fail "$name: stderr '$(cat "$T/stderr")' lacks /$pattern/"
    [ -e "$T/out.json" ] && fail "$name: left a JSON file"
}

# value FILE PERTURBATION KEY: a number from an eval-p JSON
value() { awk -v p="\"$2\": {" -v k="\"$3\":" '$0 ~ p {on=1} on && index($0, k) {gsub(/[,"]/, "", $2); print $2; exit}' "$1"; }

gray=$FIX/core/r18_cifar_gray_pp5.safetensors
rgb=$FIX/core/r18_cifar_pp3.safetensors
"$PUSHPULL" make-p --list | grep -q "^translate .*41 frames at 224, 16 at 32" || fail "make-p --list"

if [ -r /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ]; then
    list=gaussian_noise,translate,rotate,brightness_1pct
    "$PUSHPULL" --threads 2 make-p "$T/p" --data fashion-mnist --limit 6 --perturbations $list --seed 3 \
        2>/dev/null || fail "make-p"
    for f in gaussian_noise translate rotate brightness_1pct labels; do
        [ -s "$T/p/$f.npy" ] || fail "make-p wrote no $f.npy"
    done
    # (N, T, H, W, C) = (6, 16, 28, 28, 1) for translate at CIFAR-10-P's schedule
    head -c 128 "$T/p/translate.npy" | grep -q "'shape': (6, 16, 28, 28, 1)" || fail "translate.npy shape"
    "$PUSHPULL" --threads 2 eval-p "$gray" --data fashion-mnist --limit 6 --perturbations $list --seed 3 \
        --json "$T/fly.json" >"$T/fly.txt" 2>/dev/null || fail "eval-p --data"
    "$PUSHPULL" --threads 2 eval-p "$gray" --sequences "$T/p" --perturbations $list \
        --json "$T/files.json" >/dev/null 2>&1 || fail "eval-p --sequences"
    grep -q '"format": "pushpull-eval-p/1"' "$T/fly.json" || fail "eval-p JSON format tag"
    for p in gaussian_noise translate rotate brightness_1pct; do
        for k in flip_sum top5_sum consistent sequences; do
            a=$(value "$T/fly.json" $p $k) b=$(value "$T/files.json" $p $k)
            [ -n "$a" ] && [ "$a" = "$b" ] || fail "$p $k: on the fly $a, from make-p's files $b"
        done
    done
    [ "$(value "$T/fly.json" translate frames)" = 16 ] || fail "translate frames"
    grep -q "repeatability (same part, same answer)" "$T/fly.txt" || fail "repeatability line"
    # shards add up to the whole run
    for k in 1 2 3; do
        "$PUSHPULL" --threads 2 eval-p "$gray" --sequences "$T/p" --perturbations $list --shard $k/3 \
            --json "$T/sh.json" >/dev/null 2>&1 || fail "eval-p shard $k"
    done
    "$PUSHPULL" merge "$T/merged.json" "$T"/sh.shard-*-of-3.json >/dev/null || fail "merge eval-p shards"
    for p in gaussian_noise translate rotate brightness_1pct; do
        for k in consistent sequences flip_probability; do
            a=$(value "$T/files.json" $p $k) b=$(value "$T/merged.json" $p $k)
            awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; exit !(a != "" && d < 1e-12 && d > -1e-12) }' ||
                fail "merged $p $k: $b, whole run $a"
        done
    done
    # resume: a shard whose complete result is there is skipped (the file untouched) ...
    cp "$T/sh.shard-2-of-3.json" "$T/sh2.before"
    "$PUSHPULL" --threads 2 eval-p "$gray" --sequences "$T/p" --perturbations $list --shard 2/3 \
        --json "$T/sh.json" >"$T/resume.txt" 2>&1 || fail "eval-p shard 2 again"
    grep -q "shard 2/3: complete result in .*sh.shard-2-of-3.json, skipped" "$T/resume.txt" ||
        fail "eval-p resume: $(cat "$T/resume.txt")"
    cmp -s "$T/sh2.before" "$T/sh.shard-2-of-3.json" || fail "a skipped shard's file changed"
    # ... and one of another run (here another difficulty) is evaluated again, said so
    "$PUSHPULL" --threads 2 eval-p "$gray" --sequences "$T/p" --perturbations $list --shard 2/3 --limit 3 \
        --json "$T/sh.json" >"$T/resume.txt" 2>&1 || fail "eval-p shard 2 of another run"
    grep -q "holds another run (difficulty or samples): evaluating again" "$T/resume.txt" ||
        fail "eval-p rerun of another run: $(cat "$T/resume.txt")"
    cp "$T/sh2.before" "$T/sh.shard-2-of-3.json"
    expect_error "missing shard" "2 files for a run of 3 shards" -- "$PUSHPULL" merge "$T/out.json" \
        "$T/sh.shard-1-of-3.json" "$T/sh.shard-2-of-3.json"
    # compare: a model against itself is 100 %; against another model FR = FP / FP_base
    "$PUSHPULL" compare "$T/files.json" "$T/files.json" | grep -q "^mFR 100.0 % over [1-3], mT5D 100.0 % over 3 test" ||
        fail "compare self: $("$PUSHPULL" compare "$T/files.json" "$T/files.json" | tail -1)"
    "$PUSHPULL" --threads 2 eval-p "$FIX/core/r18_cifar_gray_base.safetensors" --sequences "$T/p" \
        --perturbations $list --json "$T/base.json" >/dev/null 2>&1 || fail "eval-p base"
    "$PUSHPULL" compare "$T/base.json" "$T/files.json" --format markdown | grep -q "^| rotate " ||
        fail "compare markdown"
    "$PUSHPULL" compare "$T/base.json" "$T/files.json" --format latex | grep -q 'tabular' || fail "compare latex"
    "$PUSHPULL" compare "$T/base.json" "$T/files.json" --json >"$T/cmp.json" || fail "compare --json"
    fr=$(grep -A3 '"FR"' "$T/cmp.json" | grep '"rotate"' | sed 's/.*: //; s/,//')
    want=$(awk -v a="$(value "$T/files.json" rotate flip_probability)" -v b="$(value "$T/base.json" rotate flip_probability)" \
        'BEGIN { if (b > 0) printf "%.5f", a / b; else print "null" }')
    got=$(awk -v x="$fr" 'BEGIN { if (x == "null") print "null"; else printf "%.5f", x }')
    [ "$got" = "$want" ] || fail "compare FR rotate $got, want $want"

    # bad input
    mkdir -p "$T/bad"
    cp "$T/p/brightness_1pct.npy" "$T/bad/rotate.npy"
    expect_error "wrong frame count" "bad/rotate.npy: 5 frames per sequence, rotate has 31" -- \
        "$PUSHPULL" eval-p "$gray" --sequences "$T/bad" --perturbations rotate --json "$T/out.json"
    cp "$T/p/labels.npy" "$T/bad/rotate.npy"
    expect_error "wrong shape" "bad/rotate.npy: expected uint8 sequences" -- \
        "$PUSHPULL" eval-p "$gray" --sequences "$T/bad" --perturbations rotate --json "$T/out.json"
    expect_error "no such sequences" "neither shear.npy nor a shear/ folder" -- \
        "$PUSHPULL" eval-p "$gray" --sequences "$T/bad" --perturbations shear --json "$T/out.json"
    expect_error "model/data mismatch" "has 7 classes but" -- "$PUSHPULL" eval-p \
        "$FIX/core/r18_imagenet_pp5_fixed.safetensors" --data fashion-mnist --limit 2 --json "$T/out.json"
    expect_error "unknown perturbation" "unknown perturbation 'fog'" -- \
        "$PUSHPULL" eval-p "$gray" --data fashion-mnist --perturbations rotate,fog --json "$T/out.json"
    expect_error "difficulty" "difficulty is 1, 2 or 3" -- \
        "$PUSHPULL" eval-p "$gray" --data fashion-mnist --difficulty 4 --json "$T/out.json"
    expect_error "noise level 2 reads <p>_2" "neither gaussian_noise_2.npy nor" -- \
        "$PUSHPULL" eval-p "$gray" --sequences "$T/p" --perturbations gaussian_noise --difficulty 2 --json "$T/out.json"
    expect_error "compare a non-JSON file" "labels.npy: not valid JSON" -- \
        "$PUSHPULL" compare "$T/files.json" "$T/p/labels.npy"
fi

# ImageNet-P: <p>/<class>/<image>.mp4, H.264 as make_imagenet_p.py encodes it
mkdir -p "$T/imgs/a" "$T/imgs/b"
cp "$FIX/images/photo_300x200.jpg" "$T/imgs/a/1.jpg"
cp "$FIX/images/rgb_40x30.png" "$T/imgs/b/2.png"
"$PUSHPULL" --threads 2 make-p "$T/ip" --data "$T/imgs" --perturbations rotate --preset imagenet \
    2>/dev/null || fail "make-p imagenet"
head -c 128 "$T/ip/rotate.npy" | grep -q "'shape': (2, 31, 224, 224, 3)" || fail "rotate.npy (2, 31, 224, 224, 3)"
if command -v ffmpeg >/dev/null; then
    hdr=$(( $(od -An -tu2 -j8 -N2 "$T/ip/rotate.npy") + 10 ))
    per=$((31 * 224 * 224 * 3))
    for i in 0 1; do
        mkdir -p "$T/vid/rotate/n0$i"
        tail -c +$((hdr + 1 + i * per)) "$T/ip/rotate.npy" | head -c $per |
            ffmpeg -v error -f rawvideo -pix_fmt rgb24 -s 224x224 -r 1 -i - -vcodec libx264 -crf 20 \
                -preset veryfast -y "$T/vid/rotate/n0$i/img$i.mp4" || fail "ffmpeg"
    done
    "$PUSHPULL" --threads 2 eval-p "$rgb" --sequences "$T/vid" --perturbations rotate --json "$T/vid.json" \
        >/dev/null 2>&1 || fail "eval-p on MP4 sequences"
    "$PUSHPULL" --threads 2 eval-p "$rgb" --sequences "$T/ip" --perturbations rotate --json "$T/ip.json" \
        >/dev/null 2>&1 || fail "eval-p on the npy of the same frames"
    a=$(value "$T/vid.json" rotate flip_probability) b=$(value "$T/ip.json" rotate flip_probability)
    [ "$(value "$T/vid.json" rotate sequences)" = 2 ] || fail "2 videos"
    awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; exit !(d < 0.1 && d > -0.1) }' ||
        fail "FP from H.264 ($a) far from the lossless frames' ($b)"
    cp "$FIX/perturb/seq_64x48.mp4" "$T/vid/rotate/n00/short.mp4"
    expect_error "video frame count" "short.mp4: 7 frames, rotate has 31" -- \
        "$PUSHPULL" eval-p "$rgb" --sequences "$T/vid" --perturbations rotate --json "$T/out.json"
    echo "not a video" >"$T/vid/rotate/n00/short.mp4"
    expect_error "unreadable video" "short.mp4: not a readable video" -- \
        "$PUSHPULL" eval-p "$rgb" --sequences "$T/vid" --perturbations rotate --json "$T/out.json"
fi
expect_error "make-p mixed sizes" "make-p needs one size" -- \
    "$PUSHPULL" make-p "$T/mixed" --data "$T/imgs" --perturbations rotate --preset cifar

[ $failures -eq 0 ] && echo "all make-p / eval-p CLI checks passed"
exit $((failures > 0))

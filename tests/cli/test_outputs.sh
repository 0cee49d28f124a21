#!/bin/bash
# Output files as the CLI writes them: a bad destination fails before any work
# (one line naming the file, non-zero exit, nothing left behind); a replaced
# file keeps its mode; a symlink is written through; a second writer of one
# output is refused; stale temp files of killed runs are swept; empty lists and
# batches are errors; exit does not hang under an address-space limit.
source "$(dirname "$0")/lib.sh"
pp=("$PUSHPULL" --threads 1)
model=$FIX/core/r18_cifar_gray_pp5.safetensors
img=$FIX/images/gray_28.png
have_fmnist=false
[ -r /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] && have_fmnist=true
# Temp files, ours (.NAME.pp-tmp-PID-XXXXXX) or of the older naming (NAME.tmp-XXXXXX), and lock files.
temp_files() { find "$1" -maxdepth 1 \( -name '.*.pp-tmp-*' -o -name '*.tmp-*' \) -printf '%f '; }
leftovers() { find "$1" -maxdepth 1 \( -name '.*.pp-*' -o -name '*.tmp-*' \) -printf '%f '; }

# fails_early NAME PATTERN -- COMMAND...: non-zero exit within 60 s, stderr matches PATTERN
# in at most two lines with no progress lines (no work was done), stdout empty, no temp file.
fails_early() {
    local name=$1 pattern=$2; shift 3
    timeout 60 "$@" >"$T/stdout" 2>"$T/stderr"
    local rc=$?
    [ $rc != 0 ] || fail "$name: exit 0"
    [ $rc != 124 ] || fail "$name: did not finish in 60 s"
    grep -q -E -e "$pattern" "$T/stderr" || fail "$name: stderr '$(cat "$T/stderr")' lacks /$pattern/"
    [ "$(wc -l <"$T/stderr")" -le 2 ] && ! grep -q -E '^pushpull: +[0-9]+%|^make-c: ' "$T/stderr" ||
        fail "$name: worked before failing: $(head -c 300 "$T/stderr")"
    [ ! -s "$T/stdout" ] || fail "$name: printed results before failing: $(head -c 200 "$T/stdout")"
    [ -z "$(temp_files "$T")" ] || fail "$name: left $(temp_files "$T")"
}

# --- a bad destination fails before the work ---
touch "$T/file"
mkdir "$T/adir.safetensors"
fails_early "convert into a missing directory" "nodir/m.safetensors: cannot write" -- \
    "${pp[@]}" convert "$model" "$T/nodir/m.safetensors"
fails_early "convert onto a directory" "adir.safetensors: is a directory" -- "${pp[@]}" convert "$model" "$T/adir.safetensors"
fails_early "forward under a file" "file/out.npy: cannot write" -- \
    "${pp[@]}" forward "$model" "$FIX/core/r18_cifar_gray_pp5_x.npy" "$T/file/out.npy"
fails_early "corrupt into a missing directory" "nodir/out.png: cannot write" -- \
    "${pp[@]}" corrupt "$img" "$T/nodir/out.png" --corruption fog --severity 2
ln -s nowhere.png "$T/dangling.png"
fails_early "corrupt onto a dangling symlink" "dangling.png: is a symlink to a missing file" -- \
    "${pp[@]}" corrupt "$img" "$T/dangling.png" --corruption fog --severity 2
rm "$T/dangling.png"
if $have_fmnist; then
    small=(--width 4 --limit 128 --batch 64 --epochs 1 --data fashion-mnist)
    fails_early "train --output into a missing directory" "nodir/m.safetensors: cannot write" -- \
        "${pp[@]}" train "${small[@]}" --output "$T/nodir/m.safetensors"
    fails_early "train --checkpoint under a file" "file/ck.safetensors: cannot write" -- \
        "${pp[@]}" train "${small[@]}" --checkpoint "$T/file/ck.safetensors" --output "$T/m.safetensors"
    fails_early "finetune --output onto a directory" "adir.safetensors: is a directory" -- \
        "${pp[@]}" finetune "$model" "${small[@]}" --output "$T/adir.safetensors"
    ev=(eval "$model" --data fashion-mnist --limit 16 --corruptions gaussian_noise,fog)
    fails_early "eval --json into a missing directory" "nodir/e.json: cannot write" -- \
        "${pp[@]}" "${ev[@]}" --json "$T/nodir/e.json"
    fails_early "eval --csv under a file" "file/e.csv: cannot write" -- "${pp[@]}" "${ev[@]}" --csv "$T/file/e.csv"
    fails_early "make-c under a file" "file/c: " -- "${pp[@]}" make-c "$T/file/c" --limit 8 --corruptions fog
    mkdir -p "$T/mc/fog.npy"
    fails_early "make-c with a directory in the way" "fog.npy: is a directory" -- \
        "${pp[@]}" make-c "$T/mc" --limit 8 --corruptions gaussian_noise,fog
    [ -z "$(ls "$T/mc" | grep -v '^fog.npy$')" ] || fail "make-c wrote $(ls "$T/mc") before finding fog.npy in the way"

    # --- empty lists are errors, not a hang or a default ---
    fails_early "eval --severities ''" "severities" -- "${pp[@]}" "${ev[@]}" --severities ""
    fails_early "eval --corruptions ''" "corruptions" -- "${pp[@]}" "${ev[@]}" --corruptions ""
fi

# forward with an empty batch (N = 0) is an error, not a silent success
{
    header="{'descr': '<f4', 'fortran_order': False, 'shape': (0, 1, 28, 28), }"
    pad=$(( (64 - (10 + ${#header} + 1) % 64) % 64 ))
    printf '\x93NUMPY\x01\x00'
    printf "\\x$(printf %02x $(( (${#header} + pad + 1) % 256 )))\\x$(printf %02x $(( (${#header} + pad + 1) / 256 )))"
    printf '%s%*s\n' "$header" $pad ''
} >"$T/empty.npy"
fails_early "forward of an empty batch" "empty.npy: .*no images" -- "${pp[@]}" forward "$model" "$T/empty.npy" "$T/out.npy"
[ ! -e "$T/out.npy" ] || fail "forward of an empty batch wrote a file"

# --- a replaced file keeps its mode; a symlink is written through ---
"${pp[@]}" convert "$model" "$T/ref.safetensors" >/dev/null || fail "convert"
cp "$FIX/core/r18_cifar_pp3.safetensors" "$T/private.safetensors"
chmod 600 "$T/private.safetensors"
"${pp[@]}" convert "$model" "$T/private.safetensors" >/dev/null || fail "convert over a 0600 file"
[ "$(stat -c %a "$T/private.safetensors")" = 600 ] || fail "a 0600 file became $(stat -c %a "$T/private.safetensors")"
cp "$FIX/core/r18_cifar_pp3.safetensors" "$T/target.safetensors"
ln -s target.safetensors "$T/link.safetensors"
"${pp[@]}" convert "$model" "$T/link.safetensors" >/dev/null || fail "convert through a symlink"
[ -L "$T/link.safetensors" ] || fail "the symlink was replaced by a file"
cmp -s "$T/target.safetensors" "$T/ref.safetensors" || fail "the symlink's target was not written"

# --- one writer per output ---
if $have_fmnist; then
    "${pp[@]}" train --width 4 --limit 128 --batch 64 --epochs 1000 --data fashion-mnist \
        --output "$T/busy.safetensors" >/dev/null 2>&1 &
    first=$!
    for _ in $(seq 200); do [ -e "$T/.busy.safetensors.pp-lock" ] && break; sleep 0.1; done
    fails_early "a second writer of one output" "busy.safetensors: another process \(pid $first\) is writing" -- \
        "${pp[@]}" convert "$model" "$T/busy.safetensors"
    kill -TERM $first
    wait $first
    [ $? = 143 ] || fail "train after SIGTERM: expected to die by it (exit 143)"
    [ ! -e "$T/busy.safetensors" ] || fail "an interrupted train wrote its output"
    [ -z "$(leftovers "$T")" ] || fail "SIGTERM left $(leftovers "$T")"
fi

# --- a save that fails at the end (its folder removed during the run) loses no work ---
if $have_fmnist; then
    wait_for() { for _ in $(seq 300); do [ -e "$1" ] && return 0; sleep 0.1; done; return 1; }
    mkdir "$T/gone" "$T/rescue"
    TMPDIR=$T/rescue "${pp[@]}" train --width 4 --limit 256 --batch 64 --epochs 2 --data fashion-mnist \
        --output "$T/gone/m.safetensors" >"$T/train.out" 2>"$T/train.err" &
    job=$!
    wait_for "$T/gone/.m.safetensors.pp-lock" && rm -rf "$T/gone"
    wait $job && fail "train whose output folder vanished: exit 0"
    grep -q "^epoch   2" "$T/train.out" || fail "train: the epochs were not printed: $(cat "$T/train.out")"
    grep -q "saved to $T/rescue/pushpull-rescued-$job.safetensors instead" "$T/train.err" &&
        "${pp[@]}" info "$T/rescue/pushpull-rescued-$job.safetensors" >/dev/null ||
        fail "train: the trained model was not rescued: $(tail -2 "$T/train.err")"
    mkdir "$T/gone"
    "${pp[@]}" eval "$model" --data fashion-mnist --limit 200 --json "$T/gone/e.json" >"$T/eval.out" 2>"$T/eval.err" &
    job=$!
    wait_for "$T/gone/.e.json.pp-lock" && rm -rf "$T/gone"
    wait $job && fail "eval whose output folder vanished: exit 0"
    grep -q "^clean error:" "$T/eval.out" || fail "eval: results not printed when the save failed: $(cat "$T/eval.err")"
    grep -q "gone/e.json: " "$T/eval.err" || fail "eval: the failed save is not named: $(cat "$T/eval.err")"
fi

# --- stale temp and lock files of killed runs are swept; live ones are kept ---
mkdir "$T/sweep"
dead=$(sh -c 'echo $$')
touch "$T/sweep/.a.safetensors.pp-tmp-$dead-AbCdEf" "$T/sweep/.live.npy.pp-tmp-$$-AbCdEf"
echo "$dead" >"$T/sweep/.b.npy.pp-lock"
"${pp[@]}" convert "$model" "$T/sweep/new.safetensors" >/dev/null || fail "convert into the sweep folder"
[ ! -e "$T/sweep/.a.safetensors.pp-tmp-$dead-AbCdEf" ] || fail "a dead writer's temp file was not removed"
[ ! -e "$T/sweep/.b.npy.pp-lock" ] || fail "a dead writer's lock file was not removed"
[ -e "$T/sweep/.live.npy.pp-tmp-$$-AbCdEf" ] || fail "a live process's temp file was removed"
rm -f "$T/sweep/.live.npy.pp-tmp-$$-AbCdEf"

# --- exit does not hang when an OpenBLAS worker cannot get its buffer (ulimit -v) ---
if ! ldd "$PUSHPULL" | grep -q libasan; then
    start=$(date +%s)
    (ulimit -v 100000; timeout 120 "$PUSHPULL" predict "$FIX/../../assets/models/fmnist-resnet18-pushpull-avg3.safetensors" \
        "$img" >/dev/null 2>&1)
    rc=$?
    [ $rc != 124 ] || fail "predict under ulimit -v 100000 did not exit in 120 s"
    (ulimit -v 100000; timeout 120 "$PUSHPULL" --help >/dev/null 2>&1)
    [ $? != 124 ] || fail "pushpull --help under ulimit -v 100000 did not exit in 120 s"
    echo "predict and --help under ulimit -v 100000: predict exit $rc, both in $(( $(date +%s) - start )) s"
fi

# --- compare: non-finite metrics are null in JSON, not dropped ---
eval_json() { # FILE CLEAN_ERROR ERROR
    printf '{"format": "pushpull-eval/1", "model": "m", "dataset": "d", "samples": 10, "clean_error": %s, "corruptions": {' "$2"
    local sep=""
    for c in gaussian_noise shot_noise impulse_noise defocus_blur glass_blur motion_blur zoom_blur snow frost fog \
        brightness contrast elastic_transform pixelate jpeg_compression; do
        printf '%s"%s": [%s, %s, %s, %s, %s]' "$sep" $c $3 $3 $3 $3 $3
        sep=", "
    done
    printf '}}\n'
}
eval_json x 0 0.5 >"$T/base.json"
eval_json x 0 0.4 >"$T/model.json"
"${pp[@]}" compare "$T/base.json" "$T/model.json" --json >"$T/cmp.json" || fail "compare with a zero clean error"
grep -q '"R_E": null' "$T/cmp.json" && grep -q '"R_net": null' "$T/cmp.json" ||
    fail "compare --json: R_E = 0/0 must be null: $(grep -E 'R_|beta' "$T/cmp.json")"
"${pp[@]}" compare "$T/base.json" "$T/model.json" | grep -q -- '-nan' && fail "compare's table prints -nan"

[ -z "$(leftovers "$T")" ] || fail "left behind: $(leftovers "$T")"
finish outputs

#!/bin/bash
# Data safety when a command is killed (kill -9) or interrupted (SIGINT) at a
# random moment, for convert, train --checkpoint/--output and make-c: the
# previous output stays intact (byte-identical) or the new one is complete,
# never half-written; SIGINT leaves no temp or lock file behind; what kill -9
# leaves is removed by the next run into that directory; --resume continues
# from the last complete checkpoint. PP_KILL_RUNS sets the runs per case.
set -u
PUSHPULL=${PUSHPULL:?set by meson}
FIX=${PP_FIXTURES:?set by meson}
RUNS=${PP_KILL_RUNS:-20}
if [ ! -r /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ]; then
    echo "dataset-fashion-mnist not installed"; exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
started=$(date +%s.%N)

# One thread: the runs are small, and the delays below must mean the same on a busy machine.
# An array, not a function: a background function is a subshell, and the signal would go to it.
pp=("$PUSHPULL" --threads 1)
# Job control: without it a script's background jobs start with SIGINT ignored.
set -m
# Anything beside the outputs: temp and lock files, ours or an older naming.
leftovers() { find "$1" -maxdepth 1 -type f ! -name '*.safetensors' ! -name '*.npy' | wc -l; }
leftover_names() { find "$1" -maxdepth 1 -type f ! -name '*.safetensors' ! -name '*.npy' -printf '%f '; }
seconds_since() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.3f", e - s }'; }
# A delay in [0, 1.2 * D): most kills land inside the run, some after it.
random_delay() { awk -v r=$RANDOM -v d="$1" 'BEGIN { printf "%.3f", r / 32768 * 1.2 * d }'; }
# killed SIGNALS DELAY CMD...: runs CMD, sends each signal (50 ms apart) after DELAY; returns CMD's status.
killed() {
    local sigs=$1 d=$2; shift 2
    "$@" >/dev/null 2>&1 &
    local pid=$!
    sleep "$d"
    for s in $sigs; do kill -"$s" $pid 2>/dev/null; sleep 0.05; done
    wait $pid
}
timed() { local s; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || fail "normal run: $*"; seconds_since "$s"; }
epochs_done() { head -c 8192 "$1" 2>/dev/null | grep -aoE '"train_epochs_done": ?"[0-9]+"' | grep -oE '[0-9]+"$' | tr -d '"'; }

# Inputs: a small data set (make-c's own output) and an 11 MB model to convert.
"${pp[@]}" make-c "$T/data" --limit 64 --corruptions fog >/dev/null 2>&1 || fail "make-c of the training data"
data=(--data "$T/data/fog.npy")
"${pp[@]}" train "${data[@]}" --width 32 --limit 2 --batch 2 --epochs 1 --output "$T/big.safetensors" >/dev/null 2>&1 ||
    fail "making the model to convert"
prev=$FIX/core/r18_cifar_pp3.safetensors

# --- convert ---
mkdir "$T/conv"
conv_out=$T/conv/out.safetensors
d_conv=$(timed "${pp[@]}" convert "$T/big.safetensors" "$T/conv/ref.safetensors")
convert_case() { # SIGNALS
    cp "$prev" "$conv_out"
    killed "$1" "$(random_delay "$d_conv")" "${pp[@]}" convert "$T/big.safetensors" "$conv_out"
    local rc=$?
    cmp -s "$conv_out" "$prev" || cmp -s "$conv_out" "$T/conv/ref.safetensors" ||
        fail "convert killed by '$1': the output is neither the previous file nor the new one"
    return $rc
}

# --- train --checkpoint --output --resume ---
mkdir "$T/train"
ck=$T/train/ck.safetensors
tr_out=$T/train/out.safetensors
train_args=("${data[@]}" --width 4 --limit 64 --batch 16 --epochs 4 --seed 1 --checkpoint "$ck" --resume --output "$tr_out")
d_train=$(timed "${pp[@]}" train "${train_args[@]}")
rm -f "$ck" "$tr_out"
last_done=0
train_case() { # SIGNALS
    killed "$1" "$(random_delay "$d_train")" "${pp[@]}" train "${train_args[@]}"
    local rc=$?
    if [ -e "$ck" ]; then
        local done
        done=$(epochs_done "$ck")
        "${pp[@]}" info "$ck" >/dev/null 2>&1 || fail "train killed by '$1': the checkpoint does not load"
        [ "${done:-0}" -ge "$last_done" ] || fail "train killed by '$1': checkpoint went back from epoch $last_done to ${done:-none}"
        last_done=${done:-0}
    fi
    [ ! -e "$tr_out" ] || "${pp[@]}" info "$tr_out" >/dev/null 2>&1 || fail "train killed by '$1': the output does not load"
    if [ "$rc" = 0 ]; then # finished: start over so the next kills land in training again
        rm -f "$ck" "$tr_out"
        last_done=0
    fi
    return $rc
}

# --- make-c ---
mc_args=(--limit 48 --corruptions gaussian_noise,glass_blur,fog,snow --data fashion-mnist:test)
d_mc=$(timed "${pp[@]}" make-c "$T/mc-ref" "${mc_args[@]}")
mc_case() { # SIGNALS
    killed "$1" "$(random_delay "$d_mc")" "${pp[@]}" make-c "$T/mc" "${mc_args[@]}"
    local rc=$?
    for f in "$T"/mc/*.npy; do
        [ -e "$f" ] || continue
        cmp -s "$f" "$T/mc-ref/$(basename "$f")" || fail "make-c killed by '$1': $(basename "$f") is not the complete file"
    done
    return $rc
}

# kill -9: temp files may stay until the next run into the directory removes them.
for c in convert train mc; do
    dirty=0 hits=0
    dir=$T/$c; [ $c = convert ] && dir=$T/conv
    for i in $(seq "$RUNS"); do
        ${c}_case 9 2>/dev/null # no "Killed" job notices
        [ $? = 137 ] && hits=$((hits + 1))
        [ "$(leftovers "$dir")" -gt 0 ] && dirty=$((dirty + 1))
    done
    echo "kill -9 $c: $RUNS runs, $hits killed while running, $dirty left temp/lock files for the next run to remove"
done
# The next normal runs: finish the training from the last complete checkpoint, clean up.
done_before=$(epochs_done "$ck")
"${pp[@]}" train "${train_args[@]}" >"$T/resume.log" 2>&1 || fail "resume after the kills: $(cat "$T/resume.log")"
first=$(awk '/^epoch/ { print $2; exit }' "$T/resume.log")
if [ -n "${done_before:-}" ] && [ "${done_before:-0}" -lt 4 ]; then
    [ "$first" = $((done_before + 1)) ] || fail "resume from a checkpoint of epoch $done_before started at epoch ${first:-none}"
fi
"${pp[@]}" convert "$T/big.safetensors" "$conv_out" >/dev/null 2>&1 || fail "convert after the kills"
"${pp[@]}" make-c "$T/mc" "${mc_args[@]}" >/dev/null 2>&1 || fail "make-c after the kills"
for dir in "$T/conv" "$T/train" "$T/mc"; do
    [ "$(leftovers "$dir")" = 0 ] || fail "after a normal run, $dir still has $(leftover_names "$dir")"
done
for f in "$T"/mc-ref/*.npy; do cmp -s "$f" "$T/mc/$(basename "$f")" || fail "make-c after the kills: $(basename "$f") differs"; done

# SIGINT (one in four gets a second one 50 ms later): nothing left behind, ever.
int_runs=0 hits=0
for i in $(seq "$RUNS"); do
    sigs=INT; [ $((i % 4)) = 0 ] && sigs="INT INT"
    case $((i % 3)) in 0) c=convert dir=$T/conv ;; 1) c=train dir=$T/train ;; 2) c=mc dir=$T/mc ;; esac
    ${c}_case "$sigs" 2>/dev/null
    rc=$?
    [ "$rc" = 0 ] || [ "$rc" = 130 ] || fail "$c after '$sigs': exit $rc, expected 130 (or 0 when it had finished)"
    [ "$rc" = 130 ] && hits=$((hits + 1))
    [ "$(leftovers "$dir")" = 0 ] || fail "$c after '$sigs' left $(leftover_names "$dir")"
    int_runs=$((int_runs + 1))
done
echo "SIGINT: $int_runs runs over convert, train and make-c, $hits interrupted while running"

echo "kill: $failures failure(s) in $(seconds_since "$started") s"
[ "$failures" = 0 ]

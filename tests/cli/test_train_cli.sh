#!/bin/bash
# train / finetune as a user runs them: learning happens, checkpoints resume,
# a diverging run stops with a clear message and leaves no output.
set -u
PUSHPULL=${PUSHPULL:?set by meson}
if [ ! -r /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
    echo "dataset-fashion-mnist not installed"; exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
small=(--width 4 --limit 1024 --batch 64 --data fashion-mnist --seed 3)

# Learning: 4 epochs on 1024 images must beat chance (10 %) by far.
"$PUSHPULL" train "${small[@]}" --epochs 4 --lr 0.05 --output "$T/m.safetensors" >"$T/log" 2>&1 || fail "train exit: $(cat "$T/log")"
acc=$(awk '/^epoch   4/ {print $7}' "$T/log")
awk -v a="${acc:-0}" 'BEGIN { exit !(a > 0.4) }' || fail "train accuracy after 4 epochs is ${acc:-none}: $(cat "$T/log")"
"$PUSHPULL" info "$T/m.safetensors" | grep -q "Trouser" || fail "trained model carries the class names"
"$PUSHPULL" info "$T/m.safetensors" | grep -q "avg pooling 3, alpha per channel" || fail "push-pull avg 3 trainable alpha"

# Resume: epoch 2 of 2 continues from the checkpoint of epoch 1.
"$PUSHPULL" train "${small[@]}" --epochs 1 --checkpoint "$T/ck.safetensors" --output "$T/a.safetensors" >/dev/null 2>&1 || fail "checkpointed run"
[ -f "$T/ck.safetensors" ] || fail "no checkpoint written"
"$PUSHPULL" train "${small[@]}" --epochs 2 --checkpoint "$T/ck.safetensors" --resume --output "$T/b.safetensors" >"$T/log" 2>&1 || fail "resume exit"
grep -q "^epoch   2" "$T/log" && ! grep -q "^epoch   1" "$T/log" || fail "resume should run epoch 2 only: $(cat "$T/log")"

# Resume from a checkpoint whose metadata is wrong (hostile or from another run): one
# error naming the file, no training (the value once indexed past the history arrays).
# A small npy data set (make-c's output) keeps these runs short.
ST_META_SET=${ST_META_SET:?set by meson}
"$PUSHPULL" make-c "$T/d" --limit 64 --corruptions fog >/dev/null 2>&1 || fail "make-c for the resume data"
tiny=(--threads 1 train --data "$T/d/fog.npy" --width 4 --limit 64 --batch 16 --seed 3)
"$PUSHPULL" "${tiny[@]}" --epochs 1 --checkpoint "$T/ck1.safetensors" --output "$T/t.safetensors" >/dev/null 2>&1 ||
    fail "tiny checkpointed run"
for v in -5 -2000 5000 3 abc 1x ""; do
    "$ST_META_SET" "$T/ck1.safetensors" "$T/bad.safetensors" train_epochs_done "$v" || fail "st_meta_set $v"
    timeout 120 "$PUSHPULL" "${tiny[@]}" --epochs 2 --checkpoint "$T/bad.safetensors" --resume \
        --output "$T/r.safetensors" >"$T/log" 2>"$T/err"
    rc=$?
    [ $rc = 1 ] || fail "resume with train_epochs_done '$v': exit $rc, want 1"
    grep -q "bad.safetensors: .*\(train_epochs_done\|epochs done\)" "$T/err" || fail "resume with '$v': $(tail -2 "$T/err")"
    ! grep -q "^epoch" "$T/log" || fail "resume with train_epochs_done '$v' trained: $(head -3 "$T/log")"
    [ ! -e "$T/r.safetensors" ] || fail "resume with train_epochs_done '$v' wrote its output"
done
"$PUSHPULL" "${tiny[@]}" --limit 32 --epochs 2 --checkpoint "$T/ck1.safetensors" --resume \
    --output "$T/r.safetensors" >/dev/null 2>"$T/err" && fail "resume with another --limit (steps per epoch) accepted"
grep -q "ck1.safetensors: .*steps per epoch" "$T/err" || fail "resume with another --limit: $(tail -1 "$T/err")"
"$PUSHPULL" "${tiny[@]}" --epochs 1 --output "$T/plain.safetensors" >/dev/null 2>&1 || fail "tiny run" # no --checkpoint
"$PUSHPULL" "${tiny[@]}" --epochs 2 --checkpoint "$T/plain.safetensors" --resume \
    --output "$T/r.safetensors" >/dev/null 2>"$T/err" && fail "resume from a plain model accepted"
grep -q "plain.safetensors: not a training checkpoint" "$T/err" ||
    fail "resume from a plain model: $(tail -1 "$T/err")"

# Fine-tuning a saved model keeps its architecture.
"$PUSHPULL" finetune "$T/m.safetensors" --limit 512 --batch 64 --epochs 1 --output "$T/f.safetensors" >/dev/null 2>&1 || fail "finetune exit"
"$PUSHPULL" info "$T/f.safetensors" | grep -q "width 4" || fail "finetuned model keeps width 4"

# Divergence: a huge learning rate stops with a message and writes nothing.
if "$PUSHPULL" train "${small[@]}" --epochs 2 --lr 1e9 --schedule constant --output "$T/nan.safetensors" >/dev/null 2>"$T/err"; then
    fail "lr 1e9 should diverge"
fi
grep -q "loss became" "$T/err" || fail "divergence message: $(cat "$T/err")"
[ ! -e "$T/nan.safetensors" ] || fail "a diverged run wrote its output"

echo "train cli: $failures failure(s)"
[ "$failures" = 0 ]

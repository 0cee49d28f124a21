#!/bin/bash
# The robustness demo set (issue 16, part 3): baseline, PushPull, AugMix+JSD and
# AugMix+JSD+PushPull, each with 3 seeds, trained on Fashion-MNIST by `pushpull train`
# itself; every model evaluated on the clean test set and its corrupted versions (15
# corruptions x 5 severities, made by the corruption engine) and compared with the
# baseline of its own seed; mean +- std over the seeds of E, mCE, relative mCE and R_net
# in assets/models/robust/results.md, whatever the outcome. Resumable: a finished model
# or evaluation is not redone, a killed training resumes from its checkpoint.
#   nice bash scripts/train_robust_demo.sh [BUILD_DIR]
#   The defaults are the bundled set's: width 8, the first 20000 training images (LIMIT),
#   8 epochs, 2000 test images (EVAL_LIMIT), seeds 1 2 3 (SEEDS); THREADS and OUT (write
#   elsewhere, e.g. for a quick trial with LIMIT=512 EPOCHS=1) override too. About an
#   hour per seed on 2 idle cores, three quarters of it the two AugMix+JSD models.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
PP="$BUILD/app/pushpull --threads ${THREADS:-2}"
EPOCHS=${EPOCHS:-8}
WIDTH=${WIDTH:-8}
LIMIT=${LIMIT:-20000}
EVAL_LIMIT=${EVAL_LIMIT:-2000}
SEEDS=${SEEDS:-"1 2 3"}
OUT=${OUT:-assets/models/robust}
mkdir -p "$OUT"
common=(--arch resnet18 --stem cifar --width "$WIDTH" --data fashion-mnist --val fashion-mnist:test
        --epochs "$EPOCHS" --batch 128 --lr 0.1 --schedule one-cycle ${LIMIT:+--limit "$LIMIT"})
declare -A recipe=(
    [baseline]="--no-push-pull"
    [pushpull]="--push-pull --avg 3 --alpha trainable"
    [augmix]="--no-push-pull --augment augmix --jsd"
    [augmix-pushpull]="--push-pull --avg 3 --alpha trainable --augment augmix --jsd"
)
configs=(baseline pushpull augmix augmix-pushpull)
for seed in $SEEDS; do
    for c in "${configs[@]}"; do
        model="$OUT/fmnist-w$WIDTH-$c-seed$seed.safetensors"
        if [ ! -f "$model" ]; then
            # shellcheck disable=SC2086 # the recipe is a list of options
            $PP train "${common[@]}" ${recipe[$c]} --seed "$seed" \
                --checkpoint "$OUT/.$c-seed$seed.ckpt.safetensors" --resume --output "$model"
            rm -f "$OUT/.$c-seed$seed.ckpt.safetensors"
        fi
        [ -f "${model%.safetensors}.eval.json" ] ||
            $PP eval "$model" --data fashion-mnist:test --limit "$EVAL_LIMIT" --corruptions benchmark --seed 0 \
                --json "${model%.safetensors}.eval.json"
    done
    for c in "${configs[@]}"; do
        $PP compare "$OUT/fmnist-w$WIDTH-baseline-seed$seed.eval.json" "$OUT/fmnist-w$WIDTH-$c-seed$seed.eval.json" \
            --json >"$OUT/fmnist-w$WIDTH-$c-seed$seed.compare.json"
    done
done
/usr/bin/python3 scripts/robust_demo_table.py "$OUT" "$WIDTH" "$EPOCHS" "$EVAL_LIMIT" "$LIMIT" $SEEDS >"$OUT/results.md"
cat "$OUT/results.md"

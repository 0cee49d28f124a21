#!/bin/bash
# Trains the bundled demo pair on Fashion-MNIST with `pushpull train` itself, then
# evaluates both on the clean test set and its corrupted versions (all 15
# corruptions x 5 severities, made on the fly by the corruption engine) and
# compares them. Reproduces assets/models/*.safetensors, *.eval.json and results.md.
#   bash scripts/train_demo_models.sh [BUILD_DIR]      (EPOCHS, WIDTH, EVAL_LIMIT override)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
PP="$BUILD/app/pushpull --threads ${THREADS:-2}"
EPOCHS=${EPOCHS:-3}
WIDTH=${WIDTH:-8}
EVAL_LIMIT=${EVAL_LIMIT:-2000}
OUT=assets/models
mkdir -p "$OUT"
common=(--arch resnet18 --stem cifar --width "$WIDTH" --data fashion-mnist --val fashion-mnist:test
        --epochs "$EPOCHS" --batch 128 --lr 0.1 --schedule one-cycle --seed 1)
$PP train "${common[@]}" --no-push-pull --checkpoint "$OUT/.baseline.ckpt.safetensors" --resume \
    --output "$OUT/fmnist-resnet18-baseline.safetensors"
$PP train "${common[@]}" --push-pull --avg 3 --alpha trainable --checkpoint "$OUT/.pushpull.ckpt.safetensors" --resume \
    --output "$OUT/fmnist-resnet18-pushpull-avg3.safetensors"
rm -f "$OUT"/.*.ckpt.safetensors
for m in baseline pushpull-avg3; do
    $PP eval "$OUT/fmnist-resnet18-$m.safetensors" --data fashion-mnist:test --limit "$EVAL_LIMIT" \
        --corruptions benchmark --seed 0 --json "$OUT/fmnist-resnet18-$m.eval.json"
done
{
    echo "Fashion-MNIST test (first $EVAL_LIMIT images), ResNet18 width $WIDTH, CIFAR stem, $EPOCHS epochs;"
    echo "corruptions by the engine at the CIFAR-10-C parameters, seed 0. CE normalised by the baseline."
    echo
    $PP compare "$OUT/fmnist-resnet18-baseline.eval.json" "$OUT/fmnist-resnet18-pushpull-avg3.eval.json" --format markdown
    echo
    $PP compare "$OUT/fmnist-resnet18-baseline.eval.json" "$OUT/fmnist-resnet18-pushpull-avg3.eval.json" | tail -3
} >"$OUT/results.md"
cat "$OUT/results.md"

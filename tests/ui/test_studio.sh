#!/bin/sh
# The studio under Xvfb. If this fails: the app does not start on the demo
# models, cannot open a model given on the command line, renders a blank
# window or the same picture for every view, or crashes on a bad file instead
# of showing the error; or the probe view's predictions disagree with
# `pushpull predict` on the clean image, or do not react to the severity; or
# a jobs-view evaluation gives no mCE, or a cancelled job hangs or crashes.
# Skipped (77) when no X server can be started.
STUDIO="$1"
PNG_STATS="$2"
PUSHPULL="$3"
FIX="${PP_FIXTURES:-tests/fixtures}"
. "$(dirname "$0")/lib.sh" # Xvfb, $TMP, a session of its own; 77 without a display

fail=0
run() { # run NAME EXPECTED_RC ARGS...
    name=$1; want=$2; shift 2
    xvfb-run -a -s "-screen 0 1600x1000x24" "$STUDIO" --screenshot "$TMP/$name.png" "$@" >"$TMP/$name.log" 2>&1
    rc=$?
    if [ "$rc" != "$want" ]; then
        echo "FAIL $name: exit $rc, want $want"; cat "$TMP/$name.log"; fail=1; return
    fi
    stats=$("$PNG_STATS" "$TMP/$name.png") || { echo "FAIL $name: no PNG"; fail=1; return; }
    colours=$(echo "$stats" | awk '{print $5}')
    echo "$name: rc $rc, $stats"
    if [ "$colours" -lt 200 ]; then
        echo "FAIL $name: the picture is (nearly) blank"; fail=1
    fi
}

# 1. no model: the bundled demo, both views
run demo-kernels 0 --view kernels
run demo-spectra 0 --view spectra
d=$("$PNG_STATS" "$TMP/demo-kernels.png" "$TMP/demo-spectra.png" | awk '{print $7}')
echo "kernels vs spectra: $d of the pixels differ"
awk "BEGIN{exit !($d > 0.10)}" || { echo "FAIL: the views look the same"; fail=1; }

# 2. a model from the command line (a 3-channel ImageNet-stem model), dark style
run cmdline 0 --view kernels --dark "$FIX/core/r18_imagenet_pp3.safetensors"
d=$("$PNG_STATS" "$TMP/cmdline.png" "$TMP/demo-kernels.png" | awk '{print $7}')
awk "BEGIN{exit !($d > 0.10)}" || { echo "FAIL: the command-line model shows the demo"; fail=1; }
run baseline 0 --view spectra --model "$FIX/core/r18_imagenet_base.safetensors"
# anti-aliased ResNets as the official code saves them: a Lightning file whose
# stem is a PushPull unit in conv1.0 (vasconcelos), and adobe's plain kernels
run blur-kernels 0 --view kernels "$FIX/arch_blur/vasconcelos_r50_imagenet_pp5_fixed.ckpt"
run blur-spectra 0 --view spectra --dark --model "$FIX/arch_blur/aa_r50_f4_pool.pth"
# the 2020 push-pull layer: push 7x7, its upsampled pull 15x15, the effective kernel
run pp2020-kernels 0 --view kernels "$FIX/pp2020/strisciuglio_resnet50.ckpt"
run pp2020-spectra 0 --view spectra --model "$FIX/pp2020/resnet20_pp.pth.tar"

# 3. a bad file: the window shows the error (exit 3 in screenshot mode) and
#    keeps running with the good model next to it; no crash
printf 'this is not a checkpoint' >"$TMP/broken.safetensors"
run bad-file 3 --model "$TMP/broken.safetensors" --model "$FIX/core/r18_cifar_pp3.safetensors"
grep -q "error" "$TMP/bad-file.log" || { echo "FAIL: no error reported for the bad file"; fail=1; }
run missing-file 3 --model "$TMP/does-not-exist.pt"
# the robustness demo set: its four bundled models load (a missing one is an error: exit 3)
run demo-robust 0 --demo-set robust --view kernels
run demo-set-unknown 3 --demo-set nosuch
grep -q "known: pair, robust" "$TMP/demo-set-unknown.log" || { echo "FAIL: an unknown demo set does not list the known ones"; fail=1; }
# a PP_CPU the CPU cannot run: the window says so and loads nothing (exit 3 in screenshot mode)
PP_CPU=avx9 run cpu-path 3 "$FIX/core/r18_cifar_pp3.safetensors"
grep -q "PP_CPU=avx9 is not a CPU path" "$TMP/cpu-path.log" || { echo "FAIL: no PP_CPU error shown"; fail=1; }

# 4. exports of the view: PNG, SVG, PDF through cairo, the data as CSV
run export 0 --view spectra --alpha 0 --avg 0 --export "$TMP/x.png" --export "$TMP/x.svg" \
    --export "$TMP/x.pdf" --export "$TMP/x.csv" "$FIX/core/r18_cifar_pp3.safetensors"
"$PNG_STATS" "$TMP/x.png" >/dev/null || { echo "FAIL: exported PNG unreadable"; fail=1; }
head -c 5 "$TMP/x.svg" | grep -q '<?xml' || grep -q '<svg' "$TMP/x.svg" || { echo "FAIL: exported SVG"; fail=1; }
head -c 4 "$TMP/x.pdf" | grep -q '%PDF' || { echo "FAIL: exported PDF"; fail=1; }
head -1 "$TMP/x.csv" | grep -q '^model,kernel,alpha,pull_pooling,frequency,push_db,pull_db,effective_db$' || { echo "FAIL: exported CSV header"; fail=1; }
grep -q '^r18_cifar_pp3,0,0,0,0.000000,' "$TMP/x.csv" || { echo "FAIL: the CSV rows name the model, kernel, alpha 0 and pooling off"; fail=1; }
[ "$(wc -l <"$TMP/x.csv")" = 34 ] || { echo "FAIL: the radial profile CSV should have 33 rows"; fail=1; }
# alpha = 0: the effective kernel is the push kernel, so their profiles agree
awk -F, 'NR>1 { d = $6 - $8; if (d < 0) d = -d; if (d > 1e-3) bad = 1 } END { exit bad }' "$TMP/x.csv" ||
    { echo "FAIL: with alpha 0 and no pooling the effective kernel differs from the push kernel"; fail=1; }

# 5. the about dialog and the shortcuts window (from the GResource) open
run about 0 --screenshot-dialog about
run shortcuts 0 --screenshot-dialog shortcuts
run help 0 --screenshot-dialog help

# 6. the probe view: a picture of its own; at severity 0 the top-1 of every
#    model is what `pushpull predict` says of the same image; a severity of 5
#    changes the SNRs (finite, and lower than the clean +inf) and the probabilities
IMG=assets/images/fmnist-0000-ankle-boot.png
[ -f "$IMG" ] || IMG="$(dirname "$0")/../../assets/images/fmnist-0000-ankle-boot.png"
PP="$FIX/core/r18_cifar_gray_pp5.safetensors"; BASE="$FIX/core/r18_cifar_gray_base.safetensors"
run probe-clean 0 --view probe --print-probe --image "$IMG" --corruption gaussian_noise --severity 0 \
    --model "$PP" --model "$BASE"
d=$("$PNG_STATS" "$TMP/probe-clean.png" "$TMP/demo-spectra.png" | awk '{print $7}')
awk "BEGIN{exit !($d > 0.10)}" || { echo "FAIL: the probe view looks like the spectra view"; fail=1; }
for m in "$PP" "$BASE"; do
    title=$(basename "$m" .safetensors)
    want=$("$PUSHPULL" predict "$m" "$IMG" --top 1 | awk 'NR==2 { $1 = ""; $NF = ""; sub(/^ +/, ""); sub(/ +$/, ""); print }')
    got=$(grep "^probe $title:" "$TMP/probe-clean.log" | sed 's/.* top1 \(.*\) [0-9.]* clean_top1 .*/\1/')
    echo "probe $title at severity 0: top-1 '$got', pushpull predict: '$want'"
    [ -n "$want" ] && [ "$got" = "$want" ] || { echo "FAIL: the probe view's top-1 differs from pushpull predict"; fail=1; }
done
grep -q "snr_output inf" "$TMP/probe-clean.log" || { echo "FAIL: the clean SNR should be +inf"; fail=1; }
run probe-noisy 0 --view probe --print-probe --sweep --image "$IMG" --corruption gaussian_noise --severity 5 \
    --model "$PP" --model "$BASE" --dark --export "$TMP/probe.csv" --export "$TMP/probe.pdf"
# the probe state's CSV: the top-5 of both models; the sweep (2 models x 21
# severities) in a file of its own (one table per file)
head -1 "$TMP/probe.csv" | grep -q '^model,corruption,severity,seed,rank,class,probability,' ||
    { echo "FAIL: probe CSV header"; fail=1; }
[ "$(grep -c '^r18_cifar_gray_[a-z0-9]*,gaussian_noise,5.000,' "$TMP/probe.csv")" = 10 ] ||
    { echo "FAIL: the probe CSV should have the top-5 of both models"; fail=1; }
head -1 "$TMP/probe-sweep.csv" | grep -q '^sweep_model,corruption,seed,severity,snr_push_db,snr_output_db,true_class_probability,top1,flip$' ||
    { echo "FAIL: the probe export has no sweep table (probe-sweep.csv)"; fail=1; }
n=$(awk -F, 'NR > 1 && NF == 9 && $4 >= 0 && $4 <= 5 { n++ } END { print n + 0 }' "$TMP/probe-sweep.csv")
echo "probe CSV: $n sweep rows"
[ "$n" = 42 ] || { echo "FAIL: the probe CSV should have 42 sweep rows (2 models x 21 severities), not $n"; fail=1; }
head -c 4 "$TMP/probe.pdf" | grep -q '%PDF' || { echo "FAIL: exported probe PDF"; fail=1; }
grep "^probe " "$TMP/probe-noisy.log"
grep "^probe $(basename "$PP" .safetensors):" "$TMP/probe-noisy.log" | grep -q "snr_push [0-9-]" ||
    { echo "FAIL: no finite push-only SNR at severity 5"; fail=1; }
[ "$(grep '^probe ' "$TMP/probe-noisy.log" | grep -c 'snr_output [0-9-]')" = 2 ] ||
    { echo "FAIL: severity 5 should give a finite output SNR for both models"; fail=1; }
prob() { grep '^probe ' "$1" | sed 's/.* \([0-9.]*\) clean_top1 .*/\1/' | tr '\n' ' '; }
a=$(prob "$TMP/probe-clean.log"); b=$(prob "$TMP/probe-noisy.log")
echo "top-1 probabilities: severity 0: $a; severity 5: $b"
[ "$a" != "$b" ] || { echo "FAIL: the top-1 probabilities did not change with the severity"; fail=1; }
# --corruption none: the clean image whatever the slider says (the clean run's
# probabilities, +inf SNRs), named so in the print-out
run probe-none 0 --view probe --print-probe --image "$IMG" --corruption none --severity 5 --model "$PP" --model "$BASE"
[ "$(grep -c '^probe [^:]*: none 5.000 .* snr_output inf ' "$TMP/probe-none.log")" = 2 ] ||
    { echo "FAIL: --corruption none should probe both models clean (snr_output inf)"; cat "$TMP/probe-none.log"; fail=1; }
n=$(prob "$TMP/probe-none.log")
[ "$n" = "$a" ] || { echo "FAIL: --corruption none at severity 5 gives '$n', the clean probe '$a'"; fail=1; }
d=$("$PNG_STATS" "$TMP/probe-clean.png" "$TMP/probe-noisy.png" | awk '{print $7}')
awk "BEGIN{exit !($d > 0.05)}" || { echo "FAIL: severity 5 looks like severity 0"; fail=1; }
run probe-bad 3 --view probe --corruption no_such_corruption

# 6b. paste (Ctrl+V): the app puts a bundled drawing on its own clipboard and
#     pastes it; at severity 0 the prediction is that of `pushpull predict` on
#     the file, and the pasted picture is kept as a PNG in the cache
DRAW="$(dirname "$IMG")/drawing-trouser.png"
run probe-paste 0 --view probe --print-probe --paste-image "$DRAW" --severity 0 --model "$PP"
want=$("$PUSHPULL" predict "$PP" "$DRAW" --top 1 | awk 'NR==2 { $1 = ""; $NF = ""; sub(/^ +/, ""); sub(/ +$/, ""); print }')
got=$(grep "^probe " "$TMP/probe-paste.log" | sed 's/.* top1 \(.*\) [0-9.]* clean_top1 .*/\1/')
echo "pasted drawing: top-1 '$got', pushpull predict: '$want'"
[ -n "$want" ] && [ "$got" = "$want" ] || { echo "FAIL: the pasted image is not what was probed"; fail=1; }
# the fixture is untrained (the same top-1 for every picture): the probability tells the pictures apart
wantp=$("$PUSHPULL" predict "$PP" "$DRAW" --top 1 | awk 'NR==2 { sub(/%$/, "", $NF); print $NF }')
gotp=$(grep "^probe " "$TMP/probe-paste.log" | sed 's/.* \([0-9.]*\) clean_top1 .*/\1/')
echo "pasted drawing: probability $gotp, pushpull predict: $wantp %"
awk "BEGIN { d = 100 * $gotp - $wantp; exit !(d < 0.011 && d > -0.011) }" ||
    { echo "FAIL: the pasted image's probability differs from pushpull predict on the file"; fail=1; }
ls "$XDG_CACHE_HOME"/pushpull-studio/pasted-*.png >/dev/null 2>&1 || { echo "FAIL: no pasted PNG in the cache"; fail=1; }

# 7. the probe view's feature maps (push, pull, output of one first-layer
#    channel, clean vs corrupted): another channel is another picture; a
#    baseline selected alone shows its conv1 output only, without a crash
run probe-fm0 0 --view probe --image "$IMG" --corruption gaussian_noise --severity 3 --feature-channel 0 \
    --model "$PP" --model "$BASE"
run probe-fm3 0 --view probe --image "$IMG" --corruption gaussian_noise --severity 3 --feature-channel 3 \
    --model "$PP" --model "$BASE" --dark
run probe-fm3-light 0 --view probe --image "$IMG" --corruption gaussian_noise --severity 3 --feature-channel 3 \
    --model "$PP" --model "$BASE"
d=$("$PNG_STATS" "$TMP/probe-fm0.png" "$TMP/probe-fm3-light.png" | awk '{print $7}')
echo "feature maps channel 0 vs 3: $d of the pixels differ"
awk "BEGIN{exit !($d > 0.005)}" || { echo "FAIL: the feature maps do not change with the channel"; fail=1; }
d=$("$PNG_STATS" "$TMP/probe-fm0.png" "$TMP/probe-noisy.png" | awk '{print $7}')
awk "BEGIN{exit !($d > 0.02)}" || { echo "FAIL: the feature-maps tab looks like the sweep tab"; fail=1; }
run probe-fm-base 0 --view probe --image "$IMG" --severity 3 --feature-channel 99 --model "$BASE"

# 8. the jobs view: an evaluation of the push-pull fixture against the plain
#    one (the starred baseline) finishes with a finite mCE, relative mCE and
#    R_net; a job cancelled after 200 ms ends as "cancelled" with exit 0 (no
#    hang, no crash: the window waits for the worker); a fine-tune of a copy
#    reports a finite loss. Needs Debian's Fashion-MNIST.
if [ -d /usr/share/datasets/fashion-mnist ]; then
    run jobs-eval 0 --view jobs --run-job eval --job-limit 100 --model "$PP" --model "$BASE" \
        --export "$TMP/ce.csv" --export "$TMP/ce.svg" --export "$TMP/ce.png"
    # one tidy table per file: the errors per model and severity, the CE per
    # corruption, the summary metrics
    head -1 "$TMP/ce.csv" | grep -q '^model,role,corruption,band,severity,error,samples$' ||
        { echo "FAIL: the errors CSV header"; fail=1; }
    n=$(awk -F, 'NR > 1 && NF == 7 && $5 >= 1 && $5 <= 5 && $6 ~ /^[0-9]+\.[0-9]+$/ { n++ } END { print n + 0 }' "$TMP/ce.csv")
    echo "errors CSV: $n per-severity rows (2 models x 15 corruptions x 5 severities)"
    [ "$n" = 150 ] || { echo "FAIL: the errors CSV should hold 150 per-severity errors"; fail=1; }
    [ "$(grep -c ',clean,,0,' "$TMP/ce.csv")" = 2 ] || { echo "FAIL: the errors CSV lacks the clean errors"; fail=1; }
    head -1 "$TMP/ce-ce.csv" | grep -q '^model,baseline,corruption,band,baseline_error,error,ce,relative_ce$' ||
        { echo "FAIL: the CE table CSV header"; fail=1; }
    n=$(awk -F, 'NR > 1 && NF == 8 && $7 ~ /^[0-9]+\.[0-9]+$/ { n++ } END { print n + 0 }' "$TMP/ce-ce.csv")
    echo "CE table CSV: $n rows with a CE"
    [ "$n" = 15 ] || { echo "FAIL: the CE table CSV should have 15 CE rows"; fail=1; }
    grep -Eq '^r18_cifar_gray_pp5,r18_cifar_gray_base,mCE,[0-9]+\.[0-9]+$' "$TMP/ce-summary.csv" ||
        { echo "FAIL: the summary CSV has no mCE"; fail=1; }
    grep -Eq '^r18_cifar_gray_pp5,r18_cifar_gray_base,R_net,-?[0-9]+\.[0-9]+$' "$TMP/ce-summary.csv" ||
        { echo "FAIL: the summary CSV has no R_net"; fail=1; }
    grep -q '<svg' "$TMP/ce.svg" || { echo "FAIL: exported CE table SVG"; fail=1; }
    "$PNG_STATS" "$TMP/ce.png" >/dev/null || { echo "FAIL: exported CE table PNG unreadable"; fail=1; }
    cat "$TMP/jobs-eval.log"
    grep -Eq '^job eval state done samples 100 clean_error [0-9.]+ mCE [0-9]+\.[0-9]+ corruptions 15 relative_mCE -?[0-9.]+ baseline_clean_error [0-9.]+ R_net -?[0-9.]+$' \
        "$TMP/jobs-eval.log" || { echo "FAIL: the evaluation job did not print a finite mCE, relative mCE and R_net"; fail=1; }
    d=$("$PNG_STATS" "$TMP/jobs-eval.png" "$TMP/probe-clean.png" | awk '{print $7}')
    awk "BEGIN{exit !($d > 0.10)}" || { echo "FAIL: the jobs view looks like the probe view"; fail=1; }
    run jobs-eval-dark 0 --view jobs --dark --run-job eval --job-limit 50 --model "$PP" --model "$BASE"
    start=$(date +%s)
    run jobs-cancel 0 --run-job eval --cancel-after-ms 200 --model "$PP" --model "$BASE"
    took=$(( $(date +%s) - start ))
    cat "$TMP/jobs-cancel.log"
    grep -q '^job eval state cancelled$' "$TMP/jobs-cancel.log" || { echo "FAIL: the cancelled job did not end cancelled"; fail=1; }
    [ "$took" -lt 30 ] || { echo "FAIL: cancelling took ${took} s"; fail=1; }
    run jobs-finetune 0 --view jobs --run-job finetune --job-limit 256 --model "$PP" --export "$TMP/train.csv"
    head -1 "$TMP/train.csv" | grep -q '^model,epoch,loss,accuracy$' || { echo "FAIL: the training curves CSV header"; fail=1; }
    [ "$(awk -F, 'NR > 1 && $3 ~ /^[0-9]+\.[0-9]+$/' "$TMP/train.csv" | wc -l)" -ge 1 ] ||
        { echo "FAIL: the training curves CSV has no points"; fail=1; }
    cat "$TMP/jobs-finetune.log"
    grep -Eq '^job finetune state done epochs 1 points [1-9][0-9]* loss [0-9]+\.[0-9]+ accuracy [0-9.]+$' "$TMP/jobs-finetune.log" ||
        { echo "FAIL: the fine-tune job did not report a finite loss"; fail=1; }
    # the fine-tune form's augmentation: AugMix with the JSD loss reaches the trainer
    run jobs-finetune-augmix 0 --view jobs --run-job finetune --job-limit 256 --job-augment augmix+jsd --model "$PP"
    cat "$TMP/jobs-finetune-augmix.log"
    grep -Eq '^job finetune state done epochs 1 points [1-9][0-9]* loss [0-9]+\.[0-9]+ accuracy [0-9.]+ augment augmix\+jsd$' \
        "$TMP/jobs-finetune-augmix.log" || { echo "FAIL: the AugMix+JSD fine-tune did not finish"; fail=1; }
    run jobs-augment-unknown 1 --view jobs --run-job finetune --job-limit 256 --job-augment augmax --model "$PP"
    grep -q "augmax is none of the jobs view's choices" "$TMP/jobs-augment-unknown.log" ||
        { echo "FAIL: an unknown --job-augment is not refused"; fail=1; }
else
    echo "skip jobs view tests: Fashion-MNIST (dataset-fashion-mnist) not installed"
fi

# 9. The severity slider driven frame by frame, as a drag 0 -> 2: every move is
#    taken, updates coalesce (latest wins: no more updates than moves), the panels
#    follow, and the window does not stall.
xvfb-run -a -s "-screen 0 1600x1000x24" "$STUDIO" --view probe --corruption gaussian_noise --bench-frames 40 \
    --model "$PP" --model "$BASE" >"$TMP/drag.log" 2>&1 || { echo "FAIL: the slider drag run"; cat "$TMP/drag.log"; fail=1; }
line=$(grep '^severity sweep: ' "$TMP/drag.log")
echo "slider drag: $line"
moves=$(echo "$line" | sed -n 's/.* \([0-9]*\) slider moves.*/\1/p')
updates=$(echo "$line" | sed -n 's/.* \([0-9]*\) panel updates.*/\1/p')
[ "${moves:-0}" = 40 ] || { echo "FAIL: the drag made ${moves:-no} slider moves, want 40"; fail=1; }
[ "${updates:-0}" -ge 3 ] && [ "${updates:-0}" -le 40 ] ||
    { echo "FAIL: ${updates:-no} panel updates for 40 moves (want 3..40: the panels follow, stale work is dropped)"; fail=1; }
# After a drag 0 -> 1 (21 moves: first stages made at older updates' layer boundaries,
# taken over by the updates of their moves, shown images newer than the predictions)
# the panels hold the last move's results, the same as a probe at that severity.
xvfb-run -a -s "-screen 0 1600x1000x24" "$STUDIO" --view probe --print-probe --image "$IMG" \
    --corruption gaussian_noise --bench-frames 21 --screenshot "$TMP/drag-end.png" --model "$PP" --model "$BASE" \
    >"$TMP/drag-end.log" 2>&1 || { echo "FAIL: the drag to severity 1"; cat "$TMP/drag-end.log"; fail=1; }
run drag-still 0 --view probe --print-probe --image "$IMG" --corruption gaussian_noise --severity 1 \
    --model "$PP" --model "$BASE"
end=$(grep '^probe ' "$TMP/drag-end.log"); still=$(grep '^probe ' "$TMP/drag-still.log")
echo "after the drag: $end"
[ -n "$end" ] && [ "$end" = "$still" ] ||
    { echo "FAIL: after a drag to severity 1 the probe shows other results than at severity 1:"; echo "$still"; fail=1; }

# 10. Issue 12, part A. The demo push-pull model's alpha matters: with alpha 0
#     on every channel (--alpha 0) its probe is that of the push-only twin
#     (--push-only: the same model with alpha 0) and differs from the learned
#     one; every model is probed at its own input (28x28 grey for the demo pair,
#     224x224 colour for the ImageNet fixture); a 1000-class model names ImageNet
#     classes as `pushpull predict` does; the true class comes from the sample's
#     file name, or the one chosen; a model given twice is opened once.
DEMO_PP=assets/models/fmnist-resnet18-pushpull-avg3.safetensors
[ -f "$DEMO_PP" ] || DEMO_PP="$(dirname "$0")/../../$DEMO_PP"
DEMO_BASE="$(dirname "$DEMO_PP")/fmnist-resnet18-baseline.safetensors"
IN1K="$FIX/core/r18_imagenet1k_pp3.safetensors"
t=$(basename "$DEMO_PP" .safetensors)
line() { grep "^probe $2:" "$TMP/$1.log" | head -1; }
field() { echo "$1" | sed -n "s/.* $2 \([^ ]*\).*/\1/p"; }
run inhib-learned 0 --view probe --print-probe --push-only --image "$IMG" --corruption gaussian_noise --severity 3 \
    --model "$DEMO_PP" --model "$DEMO_BASE" --model "$IN1K" --model "$DEMO_BASE"
run inhib-off 0 --view probe --print-probe --alpha 0 --image "$IMG" --corruption gaussian_noise --severity 3 \
    --model "$DEMO_PP"
learned=$(line inhib-learned "$t"); twin=$(line inhib-learned "$t (push only)"); off=$(line inhib-off "$t")
echo "learned: $learned"; echo "push-only twin: $twin"; echo "--alpha 0: $off"
[ -n "$learned" ] && [ -n "$twin" ] && [ -n "$off" ] || { echo "FAIL: missing probe lines for the inhibition test"; fail=1; }
[ "$(field "$learned" snr_output)" != "$(field "$off" snr_output)" ] ||
    { echo "FAIL: alpha 0 does not change the push-pull model's output SNR"; fail=1; }
[ "$(echo "$learned" | sed 's/ view .*//; s/.* top1 //')" != "$(echo "$off" | sed 's/ view .*//; s/.* top1 //')" ] ||
    { echo "FAIL: alpha 0 does not change the push-pull model's prediction"; fail=1; }
[ "$(echo "$twin" | sed 's/.*: gaussian/gaussian/; s/ view .*//')" = "$(echo "$off" | sed 's/.*: gaussian/gaussian/; s/ view .*//')" ] ||
    { echo "FAIL: the push-only twin is not the model with alpha 0"; fail=1; }
echo "$off" | grep -q 'view α 0.00 on every channel (learned mean' ||
    { echo "FAIL: the probe does not say which alpha is in force"; fail=1; }
[ "$(grep -c "^probe $(basename "$DEMO_BASE" .safetensors):" "$TMP/inhib-learned.log")" = 1 ] ||
    { echo "FAIL: a model given twice was opened twice"; fail=1; }
# each model at its own input
echo "$learned" | grep -q ' input 28x28x1 ' || { echo "FAIL: the demo model's input is not 28x28 grey"; fail=1; }
in1k=$(line inhib-learned r18_imagenet1k_pp3)
echo "$in1k" | grep -q ' input 224x224x3 ' || { echo "FAIL: the ImageNet model's input is not 224x224 colour"; fail=1; }
# ImageNet-1k class names, as the CLI gives them
want=$("$PUSHPULL" predict "$IN1K" "$IMG" --top 1 | awk 'NR==2 { $1 = ""; $NF = ""; sub(/^ +/, ""); sub(/ +$/, ""); print }')
got=$(echo "$in1k" | sed 's/.* clean_top1 \(.*\) snr_push .*/\1/')
echo "1000-class model: clean top-1 '$got', pushpull predict: '$want'"
[ -n "$want" ] && [ "$got" = "$want" ] || { echo "FAIL: the 1000-class model's top-1 differs from pushpull predict"; fail=1; }
names="$(dirname "$DEMO_PP")/../classes/imagenet-1k.txt"
grep -qxF "$want" "$names" || { echo "FAIL: '$want' is not an ImageNet-1k class name"; fail=1; }
# the true class: from the sample's file name, unknown for the ImageNet model, or chosen
echo "$learned" | grep -q ' true file name Ankle boot ' || { echo "FAIL: the true class is not taken from the file name"; fail=1; }
echo "$in1k" | grep -q ' true unknown ' || { echo "FAIL: the ImageNet model should say the true class is unknown"; fail=1; }
run truth-chosen 0 --view probe --print-probe --true-class bag --image "$IMG" --severity 1 --model "$DEMO_PP"
line truth-chosen "$t" | grep -q ' true chosen Bag ' || { echo "FAIL: the chosen true class is not used"; fail=1; }
mkdir -p "$TMP/classes/Sneaker" && cp "$IMG" "$TMP/classes/Sneaker/photo.png"
run truth-folder 0 --view probe --print-probe --image "$TMP/classes/Sneaker/photo.png" --severity 1 --model "$DEMO_PP"
line truth-folder "$t" | grep -q ' true folder name Sneaker ' || { echo "FAIL: the class folder's name is not the true class"; fail=1; }
# the probe at 1280x720 with three models and the push-only twins: every model's column is drawn
xvfb-run -a -s "-screen 0 1280x720x24" "$STUDIO" --screenshot "$TMP/probe-720.png" --view probe --push-only \
    --image "$IMG" --severity 3 --model "$DEMO_PP" --model "$DEMO_BASE" --model "$IN1K" >/dev/null 2>&1 ||
    { echo "FAIL: the probe at 1280x720"; fail=1; }

# models removed and reordered through their rows' menu actions: the probe follows the list
run models-edit 0 --view probe --print-probe --image "$IMG" --severity 1 --model "$DEMO_PP" --model "$DEMO_BASE" \
    --model "$IN1K" --model-action "model-remove:$(basename "$DEMO_BASE" .safetensors)" \
    --model-action model-up:r18_imagenet1k_pp3
order=$(grep '^probe ' "$TMP/models-edit.log" | sed 's/^probe \([^:]*\):.*/\1/' | tr '\n' ' ')
echo "after removing the baseline and moving the ImageNet model up: $order"
[ "$order" = "r18_imagenet1k_pp3 $t " ] || { echo "FAIL: remove/reorder did not reach the probe"; fail=1; }

# 11. Jobs that cannot produce nonsense: an ImageNet model is refused on
#     Fashion-MNIST (naming both and the class counts), a baseline of another
#     task is refused, and a model with no baseline that is not ImageNet-1k is
#     not normalised by AlexNet.
if [ -d /usr/share/datasets/fashion-mnist ]; then
    run jobs-refuse-data 3 --view jobs --run-job eval --job-limit 50 --model "$IN1K"
    grep -q '^job eval state failed error Cannot evaluate: the data set fashion-mnist:test has 10 classes but the model r18_imagenet1k_pp3 has 1000' \
        "$TMP/jobs-refuse-data.log" || { echo "FAIL: an ImageNet model was not refused on Fashion-MNIST"; cat "$TMP/jobs-refuse-data.log"; fail=1; }
    run jobs-refuse-ft 3 --view jobs --run-job finetune --job-limit 256 --model "$IN1K"
    grep -q '^job finetune state failed error Cannot fine-tune: the data set fashion-mnist:train has 10 classes' \
        "$TMP/jobs-refuse-ft.log" || { echo "FAIL: fine-tuning an ImageNet model on Fashion-MNIST was not refused"; fail=1; }
fi
run jobs-refuse-base 3 --view jobs --run-job eval --job-limit 50 --model "$IN1K" --model "$DEMO_BASE"
grep -q "^job eval state failed error Cannot evaluate: the baseline fmnist-resnet18-baseline has 10 classes" \
    "$TMP/jobs-refuse-base.log" || { echo "FAIL: a baseline of another task was not refused"; fail=1; }
run jobs-refuse-alexnet 3 --view jobs --run-job eval --job-limit 50 --model "$DEMO_PP"
grep -q "^job eval state failed error Cannot evaluate: $t needs a ★ baseline" "$TMP/jobs-refuse-alexnet.log" ||
    { echo "FAIL: a Fashion-MNIST model was normalised by AlexNet"; fail=1; }

# 12. Messages: an empty file says it is empty, a truncated one that it is
#     truncated (both listed); neither lands in Open Recent, the good model does.
: >"$TMP/empty.safetensors"
head -c 300000 "$FIX/core/r18_imagenet_pp3.safetensors" >"$TMP/cut.safetensors"
: >"$TMP/empty.png"
run bad-messages 3 --model "$TMP/empty.safetensors" --model "$TMP/cut.safetensors" --model "$DEMO_BASE"
grep -q 'empty.safetensors: the file is empty (0 bytes)' "$TMP/bad-messages.log" ||
    { echo "FAIL: an empty model file does not say it is empty"; cat "$TMP/bad-messages.log"; fail=1; }
grep -q 'cut.safetensors: the file is truncated' "$TMP/bad-messages.log" ||
    { echo "FAIL: a truncated model file does not say it is truncated"; fail=1; }
recent="$XDG_DATA_HOME/recently-used.xbel"
if grep -q 'empty.safetensors\|cut.safetensors' "$recent" 2>/dev/null; then
    echo "FAIL: a file that did not open is in Open Recent"; fail=1
fi
run bad-image 3 --view probe --image "$TMP/empty.png" --model "$DEMO_PP"
grep -q 'empty.png: the file is empty (0 bytes)' "$TMP/bad-image.log" ||
    { echo "FAIL: an empty image does not say it is empty"; cat "$TMP/bad-image.log"; fail=1; }

[ "$fail" = 0 ] && echo "all ok"
exit $fail

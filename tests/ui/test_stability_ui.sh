#!/bin/sh
# The studio's stability features under Xvfb: the probe view's Stability tab plays a
# perturbation sequence on the image (each model's top-1 per frame, its flip
# probability equal to what `pushpull eval-p` measures for that one sequence), the
# repeatability set runs in one click, and the jobs view's FP / mFR evaluation
# finishes with a table and exports its CSV. Skipped (77) without an X server.
STUDIO="$1"
PNG_STATS="$2"
FIX="${PP_FIXTURES:-tests/fixtures}"
. "$(dirname "$0")/lib.sh" # Xvfb, $TMP, a session of its own; 77 without a display
fail=0
run() { # NAME ARGS...: exit 0 and a picture that is not blank
    name=$1; shift
    xvfb-run -a -s "-screen 0 1600x1000x24" "$STUDIO" --screenshot "$TMP/$name.png" --size 1280x860 "$@" \
        >"$TMP/$name.log" 2>&1 || { echo "FAIL $name: exit $?"; cat "$TMP/$name.log"; fail=1; return; }
    colours=$("$PNG_STATS" "$TMP/$name.png" | awk '{print $5}')
    [ "${colours:-0}" -ge 200 ] || { echo "FAIL $name: the picture is (nearly) blank"; fail=1; }
}
PP=$FIX/core/r18_cifar_pp3.safetensors
BASE=$FIX/core/r18_cifar_pp0_fixed.safetensors
IMG=$FIX/perturb/photo_32.png

# the Stability tab: 16 frames of CIFAR-10-P's translate for each model, FP printed
run stability --view probe --image "$IMG" --model "$PP" --model "$BASE" --stability translate --stability-frame 12 \
    --print-probe
for m in r18_cifar_pp3 r18_cifar_pp0_fixed; do
    line=$(grep "^stability translate $m: FP" "$TMP/stability.log")
    [ -n "$line" ] || { echo "FAIL: no stability line for $m"; cat "$TMP/stability.log"; fail=1; continue; }
    n=$(echo "$line" | sed 's/.*top-1//' | wc -w)
    [ "$n" = 16 ] || { echo "FAIL: $m: $n frames, translate has 16 at 32 px"; fail=1; }
    # the FP is the share of the 15 frame pairs whose top-1 differs
    echo "$line" | awk '{ for (i = 1; i <= NF; i++) if ($i == "top-1") s = i; fp = $5; flips = 0;
        for (i = s + 2; i <= NF; i++) flips += $i != $(i - 1);
        d = fp - flips / 15; exit !(d < 1e-3 && d > -1e-3) }' || { echo "FAIL: $m: FP does not count the flips: $line"; fail=1; }
done
run stability-dark --dark --view probe --image "$IMG" --model "$PP" --stability gaussian_noise
run repeat --view probe --image "$IMG" --model "$PP" --model "$BASE" --repeatability --print-probe
grep -q "r18_cifar_pp3: [0-4] of 4 sequences keep their class (jpeg_resave" "$TMP/repeat.log" ||
    { echo "FAIL: no repeatability result"; cat "$TMP/repeat.log"; fail=1; }
# an unknown name: the window says so (exit 3: a screenshot of a window showing an error)
xvfb-run -a -s "-screen 0 1600x1000x24" "$STUDIO" --screenshot "$TMP/bad.png" --view probe --model "$PP" \
    --stability fog >"$TMP/bad.log" 2>&1
rc=$?
[ $rc = 3 ] && grep -q "no perturbation “fog”" "$TMP/bad.log" ||
    { echo "FAIL: unknown perturbation: exit $rc"; cat "$TMP/bad.log"; fail=1; }

# the jobs view: FP and mFR against the starred plain model, exported
if [ -d /usr/share/datasets/fashion-mnist ]; then
    G=$FIX/core/r18_cifar_gray_pp5.safetensors GB=$FIX/core/r18_cifar_gray_base.safetensors
    run jobs-stability --view jobs --run-job stability --job-limit 20 --model "$G" --model "$GB" \
        --export "$TMP/fr.csv"
    grep -q "^job stability state done samples 20 perturbations 10 mean_FP " "$TMP/jobs-stability.log" ||
        { echo "FAIL: the stability job"; cat "$TMP/jobs-stability.log"; fail=1; }
    head -1 "$TMP/fr.csv" | grep -q '^perturbation,fp,baseline_fp,fr,t5d,baseline_t5d,t5d_ratio$' ||
        { echo "FAIL: the FR CSV header"; fail=1; }
    [ "$(grep -c '^[a-z_]*,[0-9]' "$TMP/fr.csv")" -ge 10 ] || { echo "FAIL: the FR CSV rows"; fail=1; }
    xvfb-run -a -s "-screen 0 1600x1000x24" "$STUDIO" --run-job stability --cancel-after-ms 300 --model "$G" \
        >"$TMP/cancel.log" 2>&1 || { echo "FAIL: cancelled stability job exit"; fail=1; }
    grep -q "^job stability state cancelled" "$TMP/cancel.log" || { echo "FAIL: not cancelled"; cat "$TMP/cancel.log"; fail=1; }
fi
[ $fail = 0 ] && echo "stability UI checks passed"
exit $fail

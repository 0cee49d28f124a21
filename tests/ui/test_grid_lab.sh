#!/bin/sh
# The corruption grid and the inhibition lab under Xvfb. If this fails: the
# grid does not show all 19 corruptions with every model's top-1, marks a
# top-1 as changed when it is not (or misses one), shows changes at severity 0,
# or a click does not carry its corruption and severity to the probe; or the
# lab's SNRs do not follow alpha and the noise as the PushPull unit says they
# must (alpha 0 => output = push; for Gaussian noise at severity 3 the output
# beats push alone at alpha 1 with the default Gabor; less noise => higher
# SNR), its controls do not reach the unit, or a view renders blank, the same
# in light and dark, or exports something unreadable.
# Skipped (77) when no X server can be started.
STUDIO="$1"
PNG_STATS="$2"
. "$(dirname "$0")/lib.sh" # Xvfb, $TMP, a session of its own; 77 without a display

fail=0
run() { # run NAME ARGS...
    name=$1; shift
    xvfb-run -a -s "-screen 0 1600x1000x24" "$STUDIO" --screenshot "$TMP/$name.png" "$@" >"$TMP/$name.log" 2>&1
    rc=$?
    if [ "$rc" != 0 ]; then
        echo "FAIL $name: exit $rc"; cat "$TMP/$name.log"; fail=1; return
    fi
    stats=$("$PNG_STATS" "$TMP/$name.png") || { echo "FAIL $name: no PNG"; fail=1; return; }
    echo "$name: $stats"
    [ "$(echo "$stats" | awk '{print $5}')" -ge 200 ] || { echo "FAIL $name: the picture is (nearly) blank"; fail=1; }
}
differ() { # differ A B MIN_FRACTION WHAT
    d=$("$PNG_STATS" "$TMP/$1.png" "$TMP/$2.png" | awk '{print $7}')
    awk "BEGIN{exit !($d > $3)}" || { echo "FAIL: $4 ($d of the pixels differ)"; fail=1; }
}
# field CSV RESPONSE: the lab CSV's snr_db of one response
field() { awk -F, -v r="$2" 'NR > 1 && $14 == r {print $15}' "$TMP/$1"; }
gt() { awk "BEGIN{exit !($1 > $2)}"; }

# ---- the grid: the demo pair on the first bundled sample ----
run grid --view grid --severity 3 --export "$TMP/grid.csv" --export "$TMP/grid.pdf" --export "$TMP/grid.svg"
head -1 "$TMP/grid.csv" | grep -q '^corruption,family,severity,seed,model,top1,top1_index,top1_prob,clean_top1,changed$' ||
    { echo "FAIL: grid CSV header"; fail=1; }
models=$(awk -F, 'NR > 1 {print $5}' "$TMP/grid.csv" | sort -u | wc -l)
cells=$(awk -F, 'NR > 1 {print $1}' "$TMP/grid.csv" | uniq | wc -l)
rows=$(($(wc -l <"$TMP/grid.csv") - 1))
echo "grid: $cells corruptions x $models models, $rows rows"
[ "$cells" = 19 ] && [ "$models" = 2 ] && [ "$rows" = 38 ] || { echo "FAIL: want 19 corruptions x 2 models"; fail=1; }
# the 15 benchmark corruptions first, in the ImageNet-C order, then the extras
order=$(awk -F, 'NR > 1 {print $1}' "$TMP/grid.csv" | uniq | tr '\n' ' ')
case "$order" in
    "gaussian_noise shot_noise impulse_noise defocus_blur glass_blur motion_blur zoom_blur snow frost fog brightness contrast elastic_transform pixelate jpeg_compression "*) ;;
    *) echo "FAIL: grid order: $order"; fail=1 ;;
esac
# every row: a class name, a probability, and "changed" exactly when top-1 != clean top-1
bad=$(awk -F, 'NR > 1 && ($6 == "" || $8 < 0 || $8 > 1 || $10 != ($6 != $9 ? 1 : 0))' "$TMP/grid.csv" | wc -l)
[ "$bad" = 0 ] || { echo "FAIL: $bad grid rows with a wrong changed flag or no top-1"; fail=1; }
changed=$(awk -F, 'NR > 1 && $10 == 1' "$TMP/grid.csv" | wc -l)
echo "grid: $changed of $rows top-1s changed at severity 3"
[ "$changed" -ge 1 ] || { echo "FAIL: no top-1 changed at severity 3 (gaussian noise flips the demo pair)"; fail=1; }
# the figure names every corruption and shows the top-1 labels (PDF text)
pdftotext "$TMP/grid.pdf" "$TMP/grid.txt" 2>/dev/null || { echo "FAIL: exported grid PDF unreadable"; fail=1; }
missing=0
for c in $order; do grep -q "$c" "$TMP/grid.txt" || missing=$((missing + 1)); done
[ "$missing" = 0 ] || { echo "FAIL: $missing corruption names missing from the grid PDF"; fail=1; }
[ "$(grep -c 'Ankle boot' "$TMP/grid.txt")" -ge 19 ] || { echo "FAIL: the grid PDF lacks the top-1 labels"; fail=1; }
if grep -q '…' "$TMP/grid.txt"; then echo "FAIL: the grid PDF has an ellipsis"; fail=1; fi
rsvg-convert "$TMP/grid.svg" -o "$TMP/grid-svg.png" 2>/dev/null || { echo "FAIL: exported grid SVG unreadable"; fail=1; }

run grid0 --view grid --severity 0 --export "$TMP/grid0.csv"
[ "$(awk -F, 'NR > 1 && $10 == 1' "$TMP/grid0.csv" | wc -l)" = 0 ] ||
    { echo "FAIL: top-1 changes at severity 0 (the clean image)"; fail=1; }
run grid-dark --view grid --dark --severity 3
differ grid grid-dark 0.3 "the dark grid looks like the light one"

# a click on a thumbnail: the probe takes its corruption and the grid's severity
run grid-click --view grid --severity 2.5 --grid-activate fog --export "$TMP/click.csv"
awk -F, 'NR > 1 {print $2, $3}' "$TMP/click.csv" | sort -u | grep -qx 'fog 2.500' ||
    { echo "FAIL: after a click on fog the probe shows: $(awk -F, 'NR > 1 {print $2, $3}' "$TMP/click.csv" | sort -u | tr '\n' ';')"; fail=1; }
differ grid-click grid 0.2 "the click did not switch to the probe view"

# the play button: the severity runs from 0 to 5 and stops there (then the grid is
# computed at 5, after intermediate steps have been shown or dropped)
start=$(date +%s)
run grid-play --view grid --severity 0 --grid-play --export "$TMP/play.csv"
took=$(( $(date +%s) - start ))
awk -F, 'NR > 1 {print $3}' "$TMP/play.csv" | sort -u | grep -qx '5.00' ||
    { echo "FAIL: after playing the grid is at severity $(awk -F, 'NR == 2 {print $3}' "$TMP/play.csv"), want 5.00"; fail=1; }
[ "$took" -ge 2 ] && [ "$took" -lt 60 ] || { echo "FAIL: playing 0 -> 5 took ${took} s (want an animation of a few seconds)"; fail=1; }

# ---- the lab: no model needed, the default Gabor on the camera photo ----
run lab0 --view lab --corruption gaussian_noise --severity 3 --alpha 0 --export "$TMP/lab0.csv" --export "$TMP/lab0.pdf"
run lab1 --view lab --corruption gaussian_noise --severity 3 --alpha 1 --export "$TMP/lab1.csv" --export "$TMP/lab1.pdf"
run lab1s1 --view lab --corruption gaussian_noise --severity 1 --alpha 1 --export "$TMP/lab1s1.csv"
push0=$(field lab0.csv push); out0=$(field lab0.csv output)
push1=$(field lab1.csv push); out1=$(field lab1.csv output); out1s1=$(field lab1s1.csv output)
echo "lab: gaussian_noise s3: alpha 0 push $push0 output $out0 dB; alpha 1 push $push1 output $out1 dB; s1 output $out1s1 dB"
[ -n "$out0" ] && [ "$out0" = "$push0" ] || { echo "FAIL: alpha 0: output SNR $out0 != push SNR $push0"; fail=1; }
[ "$push1" = "$push0" ] || { echo "FAIL: alpha changed the push-only SNR ($push0 -> $push1)"; fail=1; }
gt "${out1:-0}" "${push1:-0}" || { echo "FAIL: alpha 1: output SNR $out1 not above push-only $push1"; fail=1; }
gt "${out1s1:-0}" "${out1:-0}" || { echo "FAIL: less noise (s1) did not raise the SNR ($out1s1 vs $out1)"; fail=1; }
pdftotext "$TMP/lab1.pdf" "$TMP/lab1.txt" 2>/dev/null || { echo "FAIL: exported lab PDF unreadable"; fail=1; }
grep -q 'SNR' "$TMP/lab1.txt" && grep -q 'Pull response' "$TMP/lab1.txt" ||
    { echo "FAIL: the lab PDF lacks its panels"; fail=1; }
# the sentence for the learner follows the numbers: alpha 0 says the pull is not
# subtracted, alpha 1 with this kernel says how many dB the output gained
pdftotext "$TMP/lab0.pdf" - 2>/dev/null | tr '\n' ' ' | grep -q 'computed but not subtracted' ||
    { echo "FAIL: the alpha-0 explanation is missing"; fail=1; }
tr '\n' ' ' <"$TMP/lab1.txt" | grep -q 'The output keeps [0-9.]* dB more signal than push alone' ||
    { echo "FAIL: the alpha-1 explanation is missing"; fail=1; }
# the controls reach the unit: pooling, the Gabor parameters, the photo
run lab-odd --view lab --alpha 1 --avg 5 --gabor 45,0.12,90,15 --image "$(dirname "$0")/../../assets/images/photos/coffee.png" \
    --export "$TMP/lab-odd.csv"
line=$(awk -F, 'NR == 2 {print $1, $5, $6, $8, $10, $12}' "$TMP/lab-odd.csv")
[ "$line" = "coffee.png 45.0 0.1200 90.0 15 5" ] || { echo "FAIL: lab parameters in the CSV: $line"; fail=1; }
[ "$(field lab-odd.csv push)" != "$push1" ] || { echo "FAIL: another kernel and photo gave the same SNR"; fail=1; }
differ lab-odd lab1 0.1 "another kernel and photo look the same"
run lab-dark --view lab --dark
differ lab1 lab-dark 0.3 "the dark lab looks like the light one"

[ "$fail" = 0 ] && echo "all ok"
exit $fail

#!/bin/sh
# The Compare view under Xvfb (issue 17). If this fails: the view's CKA
# matrices (clean and corrupted) are not those `pushpull cka` computes for the
# same models, images, corruption and seed; the value under the pointer is not
# the cell's or the map's; Cancel does not stop the comparison; a picture is
# blank, the same in light and dark; an export is unreadable; or a control is
# cut off at 800x600.
# Skipped (77) when no X server can be started.
STUDIO="$1"
PNG_STATS="$2"
PUSHPULL=${PUSHPULL:?set by meson}
. "$(dirname "$0")/lib.sh" # Xvfb, $TMP, a session of its own; 77 without a display
MODELS="$(dirname "$0")/../../assets/models"
A="$MODELS/fmnist-resnet18-pushpull-avg3.safetensors"
B="$MODELS/fmnist-resnet18-baseline.safetensors"

fail=0
run() { # run NAME ARGS...
    name=$1; shift
    xvfb-run -a -s "-screen 0 1600x1000x24" "$STUDIO" --model "$A" --model "$B" --view compare \
        --screenshot "$TMP/$name.png" "$@" >"$TMP/$name.log" 2>&1
    rc=$?
    if [ "$rc" != 0 ]; then
        echo "FAIL $name: exit $rc"; cat "$TMP/$name.log"; fail=1; return
    fi
    stats=$("$PNG_STATS" "$TMP/$name.png") || { echo "FAIL $name: no PNG"; fail=1; return; }
    echo "$name: $stats"
    [ "$(echo "$stats" | awk '{print $5}')" -ge 200 ] || { echo "FAIL $name: the picture is (nearly) blank"; fail=1; }
}

run compare --size 1280x720 --corruption fog --severity 4 --compare-images 64 --print-probe \
    --export "$TMP/compare.csv" --export "$TMP/compare.pdf" --export "$TMP/compare.svg"
grep -q '^state: Done$' "$TMP/compare.log" || { echo "FAIL: the comparison did not finish"; fail=1; }
head -1 "$TMP/compare.csv" | grep -q '^condition,kind,images,layer_a,layer_b,cka$' || { echo "FAIL: CSV header"; fail=1; }
# every block of the two ResNet18s: stem, 8 blocks, features, logits = 11 x 11 pairs
[ "$(grep -c '^clean,linear,64,' "$TMP/compare.csv")" = 121 ] || { echo "FAIL: want 121 clean CKA rows"; fail=1; }
[ "$(grep -c '^fog 4.00,linear,64,' "$TMP/compare.csv")" = 121 ] || { echo "FAIL: want 121 fog CKA rows"; fail=1; }
grep -q '^clean,linear,64,layer2.1,layer3.0,' "$TMP/compare.csv" || { echo "FAIL: no per-block CKA rows"; fail=1; }

# The same numbers as the command line (seed 0, as the probe's default).
"$PUSHPULL" cka "$A" "$B" --data fashion-mnist:test --limit 64 --csv "$TMP/clean.csv" >/dev/null 2>&1 ||
    { echo "FAIL: pushpull cka"; fail=1; }
"$PUSHPULL" cka "$A" "$B" --data fashion-mnist:test --limit 64 --corruption fog --severity 4 \
    --csv "$TMP/fog.csv" >/dev/null 2>&1 || { echo "FAIL: pushpull cka --corruption"; fail=1; }
for cond in clean fog; do
    prefix=$cond; [ "$cond" = fog ] && prefix="fog 4.00"
    worst=$(awk -F, -v p="$prefix" 'NR == FNR { if (FNR > 1) want[$1 "," $2] = $3; next }
        $1 == p { d = $6 - want[$4 "," $5]; if (d < 0) d = -d; if (d > m) m = d; n++ }
        END { if (n != 121) print 1; else print m + 0 }' "$TMP/$cond.csv" "$TMP/compare.csv")
    awk "BEGIN{exit !($worst < 1e-5)}" || { echo "FAIL: the view's $cond CKA differs from pushpull cka by $worst"; fail=1; }
done

# The value under the pointer: the first cell, and a map value inside its channel's range.
first=$(awk -F, '$1 == "clean" && $4 == "stem" && $5 == "stem" { printf "%.4f", $6 }' "$TMP/compare.csv")
grep -q "^hover cka: CKA clean: model 1 stem × model 2 stem = $first$" "$TMP/compare.log" ||
    { echo "FAIL: hover over the first cell: $(grep 'hover cka' "$TMP/compare.log") (want $first)"; fail=1; }
grep 'hover map' "$TMP/compare.log" | awk '{ gsub(/[():,]/, " "); for (i = 1; i <= NF; i++) if ($i == "range") { v = $(i - 1); lo = $(i + 1); hi = $(i + 3) } }
    END { if (v != "" && v + 0 >= lo + 0 && v + 0 <= hi + 0) exit 0; exit 1 }' ||
    { echo "FAIL: hover over a map: $(grep 'hover map' "$TMP/compare.log")"; fail=1; }

# Grad-CAM of both models: the top-1 classes are the command line's.
for m in "$A" "$B"; do
    title=$(basename "$m" .safetensors)
    want=$("$PUSHPULL" saliency "$m" "$(dirname "$0")/../../assets/images/fmnist-0000-ankle-boot.png" "$TMP/s.png" |
        sed 's/.*top-1 \([0-9]*\).*/\1/')
    grep -q "^gradcam: $title clean $want " "$TMP/compare.log" ||
        { echo "FAIL: $title's Grad-CAM class ($(grep "gradcam: $title" "$TMP/compare.log"), want $want)"; fail=1; }
done

pdftotext "$TMP/compare.pdf" "$TMP/compare.txt" 2>/dev/null || { echo "FAIL: exported PDF unreadable"; fail=1; }
for text in "CKA (linear, exact, 64 images" "Feature maps of stem" "fog, severity 4.0" "Weights:" "Grad-CAM of the top-1"; do
    grep -qF "$text" "$TMP/compare.txt" || { echo "FAIL: the PDF lacks '$text'"; fail=1; }
done
rsvg-convert "$TMP/compare.svg" -o "$TMP/compare-svg.png" 2>/dev/null || { echo "FAIL: exported SVG unreadable"; fail=1; }

run dark --size 1280x720 --dark --corruption fog --severity 4 --compare-images 64
d=$("$PNG_STATS" "$TMP/compare.png" "$TMP/dark.png" | awk '{print $7}')
awk "BEGIN{exit !($d > 0.3)}" || { echo "FAIL: the dark view looks like the light one ($d differ)"; fail=1; }

# Models 1 and 2 picked from three loaded ones (--compare-models, as the two
# dropdowns): the CKA is then `pushpull cka` of that pair, rows the second model.
C="$(dirname "$0")/../fixtures/core/r18_cifar_gray_base.safetensors"
xvfb-run -a -s "-screen 0 1600x1000x24" "$STUDIO" --model "$A" --model "$B" --model "$C" --view compare \
    --compare-models 2,1 --size 1280x720 --compare-images 32 --print-probe \
    --screenshot "$TMP/picked.png" >"$TMP/picked.log" 2>&1 || { echo "FAIL: picked models"; cat "$TMP/picked.log"; fail=1; }
"$PUSHPULL" cka "$B" "$A" --data fashion-mnist:test --limit 32 --csv "$TMP/ba.csv" >/dev/null 2>&1 ||
    { echo "FAIL: pushpull cka B A"; fail=1; }
worst=$(awk -F, 'NR == FNR { if (FNR > 1) want[$1 "," $2] = $3; next }
    $1 == "clean" { d = $6 - want[$4 "," $5]; if (d < 0) d = -d; if (d > m) m = d; n++ }
    END { if (n != 121) print 1; else print m + 0 }' "$TMP/ba.csv" "$TMP/picked.log")
awk "BEGIN{exit !($worst < 1e-5)}" || { echo "FAIL: models 2,1: the view's CKA differs from pushpull cka B A by $worst"; fail=1; }
grep -q "^gradcam: r18_cifar_gray_base clean " "$TMP/picked.log" || { echo "FAIL: no Grad-CAM of the third model"; fail=1; }

# A block's feature maps: the Maps of list holds model 1's blocks.
run block-maps --size 1280x720 --compare-layer layer2.1 --compare-images 32 --print-probe
grep -q "^hover map: layer2.1, model 1 " "$TMP/block-maps.log" ||
    { echo "FAIL: layer2.1's maps: $(grep 'hover map' "$TMP/block-maps.log")"; fail=1; }

run small --size 800x600 --compare-layer layer2 --compare-images 32 --check-layout

# Cancel: a long minibatch comparison stopped after 300 ms says so.
run cancel --size 1280x720 --compare-images 4096 --cancel-after-ms 300 --print-probe
grep -q '^state: Cancelled$' "$TMP/cancel.log" || { echo "FAIL: cancel: $(head -1 "$TMP/cancel.log")"; fail=1; }
[ "$(grep -c '^clean,' "$TMP/cancel.log")" = 0 ] || { echo "FAIL: a cancelled comparison shows results"; fail=1; }

# Bad input: a data set of other images is a message in the view, not a crash.
run other-data --size 1280x720 --compare-data "$(dirname "$0")/../fixtures/analysis/cka/images.npy" --print-probe
[ "$(grep -c '^clean,' "$TMP/other-data.log")" = 0 ] || { echo "FAIL: CKA on images the models cannot take"; fail=1; }

# Models 1 and 2 are the list's first two whichever loads first: a big model 1
# finishes loading after a small model 2 (CI once compared them the other way round).
"$PUSHPULL" train --arch resnet18 --stem cifar --width 64 --data fashion-mnist --limit 8 --batch 8 --epochs 1 \
    --no-push-pull --output "$TMP/big.safetensors" >/dev/null 2>&1 || { echo "FAIL: pushpull train (big model)"; fail=1; }
xvfb-run -a -s "-screen 0 1600x1000x24" "$STUDIO" --model "$TMP/big.safetensors" --model "$B" --view compare \
    --size 1280x720 --compare-images 32 --print-probe --screenshot "$TMP/order.png" >"$TMP/order.log" 2>&1 ||
    { echo "FAIL order: exit $?"; cat "$TMP/order.log"; fail=1; }
grep -q "^models: big × $(basename "$B" .safetensors)$" "$TMP/order.log" ||
    { echo "FAIL: model 1 is not the first loaded: $(grep '^models:' "$TMP/order.log")"; fail=1; }
# the same for the baseline star: the first plain model in the list (the big one,
# whose load ends last), not the first plain model to finish loading
xvfb-run -a -s "-screen 0 1600x1000x24" "$STUDIO" --model "$TMP/big.safetensors" --model "$B" --print-state \
    --quit-after-ms 300 >"$TMP/star.log" 2>&1 || { echo "FAIL star: exit $?"; cat "$TMP/star.log"; fail=1; }
grep -q "^state baseline big$" "$TMP/star.log" ||
    { echo "FAIL: the baseline star is not on the list's first plain model: $(grep '^state baseline' "$TMP/star.log")"; fail=1; }

[ "$fail" = 0 ] && echo "compare view: all checks passed"
exit $fail

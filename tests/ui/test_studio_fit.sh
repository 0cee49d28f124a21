#!/bin/sh
# The studio on small screens, from the keyboard, launched as a user would, and
# its exports. If this fails: a view's control is cut off, lies outside the
# window or the window cannot shrink to 800x600 / 1024x768 / 1280x720 (the
# studio's --check-layout walks the laid-out widget tree and names it); a
# shortcut does nothing when the focus is in the header bar, or Escape does not
# cancel a running job; a launch option (--view, --image, --corruption,
# --severity, --seed, --sweep, --kernel, --alpha, --avg) is ignored without
# --screenshot; an exported PDF/SVG does not open, shows an ellipsis or a
# screen-only hint, or names no model; an exported CSV is not one tidy table;
# the .desktop file or the MIME types for "Open With" are invalid; at 1280x720
# the probe's images, predictions or SNR panel need scrolling.
# Skipped (77) when no X server can be started.
STUDIO="$1"
PNG_STATS="$2"
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
. "$(dirname "$0")/lib.sh" # Xvfb, $TMP, a session of its own; 77 without a display
fail=0
IMG="$SRC/assets/images/fmnist-0000-ankle-boot.png"

# 1. every view at 800x600, 1024x768 and 1280x720, light and dark, zoomed at the
#    smallest size: no control cut off or outside the window, no model name or
#    label cut with an ellipsis, and the window really is that small
for size in 800x600 1024x768 1280x720; do
    for view in kernels spectra probe jobs grid lab compare; do
        for style in "" --dark; do
            name="fit-$view-$size${style}"
            xvfb-run -a -s "$XVFB" "$STUDIO" --screenshot "$TMP/$name.png" --check-layout --size "$size" \
                --view "$view" $style --image "$IMG" --severity 2 >"$TMP/$name.log" 2>&1
            rc=$?
            problems=$(grep -c '^layout: ' "$TMP/$name.log")
            line=$(grep '^layout checked: ' "$TMP/$name.log")
            echo "$name: rc $rc; $line"
            if [ "$rc" != 0 ] || [ "$problems" != 0 ] || [ -z "$line" ]; then
                echo "FAIL $name: the layout check reports problems (rc $rc)"; cat "$TMP/$name.log"; fail=1
            fi
            # every drawn view of the page speaks: a summary of its values for screen readers
            [ "$(grep -c '^accessible: ' "$TMP/$name.log")" -ge 1 ] ||
                { echo "FAIL $name: no drawn view with an accessible summary"; fail=1; }
            w=${size%x*}; h=${size#*x}
            got=$("$PNG_STATS" "$TMP/$name.png" | awk '{print $2 "x" $3}')
            [ "${got%x*}" -le "$w" ] && [ "${got#*x}" -le "$h" ] ||
                { echo "FAIL $name: the window is $got, larger than $size"; fail=1; }
        done
    done
done
# the probe on a 1280x720 projector: the images with their captions, the predictions and the
# first-layer SNR all in view without scrolling (a drawn view that a scrolled window shows only
# in part is a "scrolled:" line; one whose captions ran past its bottom a "layout:" problem above)
for style in "" --dark; do
    log="$TMP/fit-probe-1280x720$style.log"
    if grep -E '^scrolled: GtkDrawingArea “(images|predictions|snr)_area”' "$log"; then
        echo "FAIL fit-probe-1280x720$style: a probe panel is hidden until scrolled"; fail=1
    fi
    grep -q '^accessible: GtkDrawingArea “snr_area”' "$log" || { echo "FAIL fit-probe-1280x720$style: no SNR panel"; fail=1; }
done
grep -q '^accessible: PpAlphaChart .*Learned alpha of the 8 channels' "$TMP/fit-kernels-1280x720.log" ||
    { echo "FAIL: the alpha chart's accessible summary lists no alpha values"; fail=1; }
grep -q '^accessible: PpSpectrumView .*push W band-pass' "$TMP/fit-spectra-1280x720.log" ||
    { echo "FAIL: the spectrum view's accessible summary has no pass-band labels"; fail=1; }
grep -q '^accessible: GtkDrawingArea “snr_area”: .*snr_output' "$TMP/fit-probe-1280x720.log" ||
    { echo "FAIL: the probe's SNR panel has no accessible summary of its values"; fail=1; }
# the sidebar folds away at 800 px and stays at 1280 px
xvfb-run -a -s "$XVFB" "$STUDIO" --size 800x600 --print-state --quit-after-ms 300 >"$TMP/fold.log" 2>&1
grep -q '^state .* sidebar folded$' "$TMP/fold.log" || { echo "FAIL: the sidebar does not fold at 800x600"; cat "$TMP/fold.log"; fail=1; }
xvfb-run -a -s "$XVFB" "$STUDIO" --size 1280x720 --print-state --quit-after-ms 300 >"$TMP/nofold.log" 2>&1
grep -q '^state .* sidebar shown$' "$TMP/nofold.log" || { echo "FAIL: the sidebar should show at 1280x720"; cat "$TMP/nofold.log"; fail=1; }
# zoomed in (a projector's audience): still nothing cut off
for z in 1024x768:1.25 1280x720:1.5; do
    for view in kernels spectra probe jobs grid lab compare; do
        xvfb-run -a -s "$XVFB" "$STUDIO" --screenshot "$TMP/zoom.png" --check-layout --size "${z%:*}" --zoom "${z#*:}" \
            --view "$view" >"$TMP/zoom.log" 2>&1 ||
            { echo "FAIL: $view zoomed ${z#*:} at ${z%:*}"; cat "$TMP/zoom.log"; fail=1; }
    done
done

# 2. shortcuts with the focus in the header bar (xdotool types into the window):
#    each reaches its window action, and Escape cancels a running job
if command -v xdotool >/dev/null 2>&1; then
    # the keys wait on what they need, never on a guessed time (a loaded
    # 2-core machine takes seconds for a load or a sweep): the app's trace
    # lines for the loads and the header-bar focus, and the sweep's result
    # (PP_STUDIO_FRAME_LOG) before the quit that prints the state
    cat >"$TMP/wait_for.sh" <<'WAIT'
# wait_for FILE PATTERN: until a line of FILE matches (at most 120 s)
wait_for() {
    n=0
    until grep -q "$2" "$1" 2>/dev/null; do
        n=$((n + 1)); [ "$n" -gt 1200 ] && { echo "gave up waiting for '$2' in $1"; return 1; }
        sleep 0.1
    done
}
WAIT
    cat >"$TMP/keys.sh" <<KEYS
#!/bin/sh
. "$TMP/wait_for.sh"
PP_STUDIO_FRAME_LOG=1 "$STUDIO" --trace-actions --focus-header --print-state --size 1024x768 --quit-after-ms 30000 >"$TMP/keys.log" 2>&1 &
pid=\$!
xdotool search --sync --name "PushPull Studio" >/dev/null
wait_for "$TMP/keys.log" '^trace: loads finished'
wait_for "$TMP/keys.log" '^trace: focus in the header bar'
xdotool mousemove 500 10
for k in ctrl+plus ctrl+plus ctrl+minus alt+2 ctrl+r alt+3 ctrl+shift+s F9 F11 ctrl+0 alt+4 ctrl+s F1; do
    xdotool key \$k; sleep 0.4
done
wait_for "$TMP/keys.log" '^probe sweep: '
sleep 1
xdotool key --clearmodifiers ctrl+q
sleep 1
xdotool search --name "PushPull Studio" >/dev/null && xdotool key ctrl+q
wait \$pid
KEYS
    chmod +x "$TMP/keys.sh"
    timeout 240 xvfb-run -a -s "$XVFB" "$TMP/keys.sh"
    cat "$TMP/keys.log"
    for a in "zoom-in focus header-bar" "zoom-out" "view 'spectra'" "view 'probe'" "sweep focus" "toggle-sidebar" \
             "fullscreen true" "zoom-reset" "view 'jobs'" "save-model" "help"; do
        grep -q "^action win\.$a" "$TMP/keys.log" || { echo "FAIL: the shortcut for win.$a did not fire"; fail=1; }
    done
    [ "$(grep -c '^action win.zoom-in focus header-bar' "$TMP/keys.log")" = 2 ] ||
        { echo "FAIL: Ctrl+plus with the focus in the header bar should zoom in twice"; fail=1; }
    grep -q '^state view jobs .* zoom 1.00' "$TMP/keys.log" || { echo "FAIL: the window state after the keys"; fail=1; }
    grep -q '^state sweep yes' "$TMP/keys.log" || { echo "FAIL: Ctrl+Shift+S from the header bar ran no sweep"; fail=1; }
    if [ -d /usr/share/datasets/fashion-mnist ]; then
        cat >"$TMP/esc.sh" <<KEYS
#!/bin/sh
. "$TMP/wait_for.sh"
"$STUDIO" --trace-actions --focus-header --run-job eval --job-limit 10000 >"$TMP/esc.log" 2>&1 &
pid=\$!
xdotool search --sync --name "PushPull Studio" >/dev/null
wait_for "$TMP/esc.log" '^trace: job started'
wait_for "$TMP/esc.log" '^trace: focus in the header bar'
xdotool mousemove 500 10 key Escape
wait \$pid
KEYS
        chmod +x "$TMP/esc.sh"
        start=$(date +%s)
        timeout 120 xvfb-run -a -s "$XVFB" "$TMP/esc.sh"
        took=$(( $(date +%s) - start ))
        cat "$TMP/esc.log"
        grep -q '^action win.cancel-job focus header-bar' "$TMP/esc.log" || { echo "FAIL: Escape did not reach win.cancel-job"; fail=1; }
        grep -q '^job eval state cancelled$' "$TMP/esc.log" || { echo "FAIL: Escape did not cancel the job"; fail=1; }
        [ "$took" -lt 60 ] || { echo "FAIL: cancelling with Escape took ${took} s"; fail=1; }
    fi
else
    echo "skip the shortcut tests: xdotool not installed"
fi

# a real resize: opened at 1280x720, then made 800x600 through the X server as
# a window manager would; the window follows, folds the sidebar, and every
# control of the view stays on screen
if command -v xdotool >/dev/null 2>&1; then
    for view in kernels probe; do
        cat >"$TMP/resize.sh" <<KEYS
#!/bin/sh
. "$TMP/wait_for.sh"
"$STUDIO" --trace-actions --size 1280x720 --view $view --check-layout --print-state --quit-after-ms 6000 >"$TMP/resize-$view.log" 2>&1 &
pid=\$!
id=\$(xdotool search --sync --name "PushPull Studio" | head -1)
wait_for "$TMP/resize-$view.log" '^trace: loads finished'
xdotool windowsize \$id 800 600
wait \$pid
KEYS
        chmod +x "$TMP/resize.sh"
        timeout 60 xvfb-run -a -s "$XVFB" "$TMP/resize.sh"
        cat "$TMP/resize-$view.log"
        grep -q "^layout checked: .* at [0-9]*x[0-9]*, 0 problems" "$TMP/resize-$view.log" ||
            { echo "FAIL: resized to 800x600, the $view view has controls off screen"; fail=1; }
        size=$(sed -n 's/^layout checked: .* at \([0-9]*\)x\([0-9]*\),.*/\1 \2/p' "$TMP/resize-$view.log")
        [ -n "$size" ] && [ "${size% *}" -le 800 ] && [ "${size#* }" -le 600 ] ||
            { echo "FAIL: the window did not follow the resize to 800x600 ($size)"; fail=1; }
        grep -q '^state .* sidebar folded' "$TMP/resize-$view.log" || { echo "FAIL: resized to 800 px, the sidebar did not fold"; fail=1; }
    done
fi

# 3. the launch options in a normal launch (no --screenshot)
xvfb-run -a -s "$XVFB" "$STUDIO" --view probe --image "$SRC/assets/images/fmnist-0002-trouser.png" \
    --corruption fog --severity 3 --seed 7 --sweep --kernel 2 --alpha 0.5 --avg 5 --print-state \
    --quit-after-ms 300 >"$TMP/options.log" 2>&1 || { echo "FAIL: the normal launch with options"; fail=1; }
cat "$TMP/options.log"
grep -q '^state view probe model fmnist-resnet18-pushpull-avg3 kernel 2 alpha 0.5000 avg 5 ' "$TMP/options.log" ||
    { echo "FAIL: --view, --kernel, --alpha or --avg ignored in a normal launch"; fail=1; }
grep -q '^state probe_row [^,]*,fog,3.000,7,1,' "$TMP/options.log" ||
    { echo "FAIL: --corruption, --severity or --seed ignored in a normal launch"; fail=1; }
grep -q '^state sweep yes' "$TMP/options.log" || { echo "FAIL: --sweep ignored in a normal launch"; fail=1; }
clean=$(xvfb-run -a -s "$XVFB" "$STUDIO" --view probe --image "$SRC/assets/images/fmnist-0002-trouser.png" \
    --severity 0 --print-state --quit-after-ms 300 2>&1 | grep '^probe fmnist-resnet18-pushpull' | sed 's/.* top1 \(.*\) [0-9.]* clean_top1.*/\1/')
[ "$clean" = "Trouser" ] || { echo "FAIL: --image ignored in a normal launch (top-1 '$clean', want Trouser)"; fail=1; }

# 4. exports: PDF and SVG open (pdftoppm, rsvg-convert), name the model, no
#    ellipsis and no screen-only hints, even from an 800x600 window; CSVs are
#    one table each
for view in kernels spectra probe; do
    xvfb-run -a -s "$XVFB" "$STUDIO" --screenshot "$TMP/ex-$view.png" --size 800x600 --view "$view" \
        --image "$IMG" --severity 3 --sweep --export "$TMP/ex-$view.pdf" --export "$TMP/ex-$view.svg" \
        --export "$TMP/ex-$view.csv" >"$TMP/ex-$view.log" 2>&1 || { echo "FAIL: export of $view"; cat "$TMP/ex-$view.log"; fail=1; }
    if command -v pdftotext >/dev/null 2>&1; then
        pdftoppm -r 40 -png "$TMP/ex-$view.pdf" "$TMP/ex-$view-pdf" || { echo "FAIL: the $view PDF does not open"; fail=1; }
        "$PNG_STATS" "$TMP/ex-$view-pdf-1.png" >/dev/null || { echo "FAIL: the $view PDF renders to nothing"; fail=1; }
        pdftotext "$TMP/ex-$view.pdf" "$TMP/ex-$view.txt"
        if grep -n '…\|click to\|drop a' "$TMP/ex-$view.txt"; then echo "FAIL: the $view PDF shows an ellipsis or a UI hint"; fail=1; fi
        grep -q 'fmnist-resnet18-pushpull-avg3' "$TMP/ex-$view.txt" || { echo "FAIL: the $view PDF does not name the model"; fail=1; }
    else
        echo "skip the PDF checks: poppler-utils not installed"
    fi
    if command -v rsvg-convert >/dev/null 2>&1; then
        rsvg-convert "$TMP/ex-$view.svg" -o "$TMP/ex-$view-svg.png" || { echo "FAIL: the $view SVG does not open"; fail=1; }
        colours=$("$PNG_STATS" "$TMP/ex-$view-svg.png" | awk '{print $5}')
        [ "${colours:-0}" -ge 50 ] || { echo "FAIL: the $view SVG renders (nearly) blank"; fail=1; }
    fi
    # kernels pixel-sharp in SVG: drawn as rectangles, no smoothed bitmaps
    if [ "$view" != probe ] && grep -q '<image' "$TMP/ex-$view.svg"; then
        echo "FAIL: the $view SVG paints kernels or spectra as a (smoothed) bitmap"; fail=1
    fi
    # one table per file: one header, every row as wide as it
    awk -F, 'NR == 1 { n = NF } NF != n || /^$/ { bad = 1 } END { exit bad }' "$TMP/ex-$view.csv" ||
        { echo "FAIL: the $view CSV is not one table"; head -3 "$TMP/ex-$view.csv"; fail=1; }
    head -1 "$TMP/ex-$view.csv" | grep -q '^model,' || { echo "FAIL: the $view CSV has no model column"; fail=1; }
done
head -1 "$TMP/ex-kernels.csv" | grep -q '^model,kernel,alpha,pull_pooling,kind,channel,row,col,value$' ||
    { echo "FAIL: the kernels CSV columns"; fail=1; }
head -1 "$TMP/ex-spectra.csv" | grep -q '^model,kernel,alpha,pull_pooling,frequency,' || { echo "FAIL: the spectra CSV columns"; fail=1; }
[ -f "$TMP/ex-probe-sweep.csv" ] || { echo "FAIL: the probe sweep has no CSV of its own"; fail=1; }
awk -F, 'NR == 1 { n = NF } NF != n { bad = 1 } END { exit bad || NR < 2 }' "$TMP/ex-probe-sweep.csv" ||
    { echo "FAIL: the probe sweep CSV is not one table"; fail=1; }

# 5. the shortcuts window lists every accelerator the application sets
for a in $(sed -n 's/^ *{"\(\(app\|win\|window\)\.[a-z:-]*\)", {.*/\1/p' "$SRC/ui/pp-application.c"); do
    case "$a" in
    win.zoom-in) grep -q '&lt;Control&gt;plus' "$SRC/ui/gtk/help-overlay.ui" ;;
    win.zoom-out) grep -q '&lt;Control&gt;minus' "$SRC/ui/gtk/help-overlay.ui" ;;
    *) grep -q "<property name=\"action-name\">$a</property>" "$SRC/ui/gtk/help-overlay.ui" ;;
    esac || { echo "FAIL: the shortcuts window does not list $a"; fail=1; }
done
grep -m1 -o '<property name="title">[^<]*</property>' "$SRC/ui/gtk/help-overlay.ui" | grep -q '>General<' ||
    { echo "FAIL: the shortcuts window does not start with General"; fail=1; }

# 6. "Open With": the .desktop file and the MIME types it declares
if command -v desktop-file-validate >/dev/null 2>&1; then
    desktop-file-validate "$SRC/assets/io.github.PushPullStudio.desktop" || { echo "FAIL: the .desktop file"; fail=1; }
fi
for t in application/x-safetensors application/x-pytorch application/x-pytorch-lightning-checkpoint; do
    grep -q "^MimeType=.*$t;" "$SRC/assets/io.github.PushPullStudio.desktop" || { echo "FAIL: the .desktop file lacks $t"; fail=1; }
    grep -q "type=\"$t\"" "$SRC/assets/io.github.PushPullStudio.mime.xml" || { echo "FAIL: no MIME type $t"; fail=1; }
done
if command -v update-mime-database >/dev/null 2>&1 && command -v gio >/dev/null 2>&1; then
    mkdir -p "$TMP/data/mime/packages"
    cp "$SRC/assets/io.github.PushPullStudio.mime.xml" "$TMP/data/mime/packages/"
    update-mime-database "$TMP/data/mime" 2>/dev/null
    printf '\020\000\000\000\000\000\000\000{"a":1}         ' >"$TMP/a.safetensors"
    for f in b.pt c.pth d.ckpt; do printf 'PK\003\004 not a real archive' >"$TMP/$f"; done
    for pair in a.safetensors:application/x-safetensors b.pt:application/x-pytorch c.pth:application/x-pytorch \
                d.ckpt:application/x-pytorch-lightning-checkpoint; do
        got=$(gio info -a standard::content-type "$TMP/${pair%%:*}" 2>/dev/null | sed -n 's/.*standard::content-type: //p')
        [ "$got" = "${pair#*:}" ] || { echo "FAIL: ${pair%%:*} is '$got', want ${pair#*:}"; fail=1; }
    done
fi
exit $fail

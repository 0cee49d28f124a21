#!/bin/bash
# `pushpull augment` as a user runs it: an image and a sheet are written, the same
# seed gives the same file, and bad input (unknown method, parameter out of range,
# a missing file) fails with the valid choices or the file named, writing nothing.
set -u
PUSHPULL=${PUSHPULL:?set by meson}
IMG=${PP_FIXTURES:?set by meson}/images/rgb_40x30.png
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

"$PUSHPULL" augment --list >"$T/list" || fail "--list exit"
for m in augmix augmix-tv trivialaugment autoaugment prime gaussian; do
    grep -q "^$m " "$T/list" || fail "--list lacks $m"
done
for m in augmix augmix-tv trivialaugment autoaugment prime gaussian:per_image=1; do
    "$PUSHPULL" augment "$IMG" "$T/a.png" --method "$m" --seed 3 || fail "$m exit"
    "$PUSHPULL" augment "$IMG" "$T/b.png" --method "$m" --seed 3 || fail "$m exit (again)"
    cmp -s "$T/a.png" "$T/b.png" || fail "$m: the same seed wrote different files"
done
"$PUSHPULL" augment "$IMG" "$T/sheet.png" --method augmix --grid 8 || fail "--grid exit"
[ "$(stat -c %s "$T/sheet.png")" -gt "$(stat -c %s "$T/a.png")" ] || fail "the sheet is not larger than one image"

"$PUSHPULL" augment "$IMG" "$T/x.png" --method augmax 2>"$T/err"; rc=$?
[ $rc = 2 ] && grep -q "the methods are augmix, augmix-tv, trivialaugment" "$T/err" || fail "unknown method: rc $rc $(cat "$T/err")"
"$PUSHPULL" augment "$IMG" "$T/x.png" --method augmix:severity=11 2>"$T/err"; rc=$?
[ $rc = 2 ] && grep -q "severity=11 is out of range" "$T/err" || fail "out of range: rc $rc $(cat "$T/err")"
"$PUSHPULL" augment "$T/missing.png" "$T/x.png" --method augmix 2>"$T/err"; rc=$?
[ $rc = 1 ] && grep -q "missing.png" "$T/err" || fail "missing input: rc $rc $(cat "$T/err")"
"$PUSHPULL" augment "$IMG" "$T/x.png" --method augmix --grid 65 2>"$T/err"; rc=$?
[ $rc = 2 ] || fail "--grid 65 accepted"
[ ! -e "$T/x.png" ] || fail "a failed run left an output"
exit $((failures > 0))

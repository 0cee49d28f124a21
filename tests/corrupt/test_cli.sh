#!/bin/sh
# The corrupt and make-c commands on bad input: a clear error line, a non-zero exit, and
# no output file. Then one good run of each. Needs $PUSHPULL (set by meson).
set -u
P=${PUSHPULL:?PUSHPULL is not set}
T=$(mktemp -d /tmp/pp_cli_corrupt_XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
err() { echo "FAIL: $*" >&2; fail=1; }

# expect_error NAME PATTERN OUTPUT -- ARGS: non-zero exit, PATTERN in stderr, OUTPUT absent
expect_error() {
    name=$1 pattern=$2 output=$3
    shift 4
    if "$P" "$@" >"$T/stdout" 2>"$T/stderr"; then
        err "$name: exit status 0"
    fi
    grep -q -- "$pattern" "$T/stderr" || err "$name: stderr lacks '$pattern': $(cat "$T/stderr")"
    [ ! -e "$output" ] || err "$name: $output was written"
    ls "$T" | grep -q '\.tmp' && err "$name: a temp file was left behind"
    echo "ok   $name"
}

printf 'not an image' > "$T/garbage.png"
cp "${PP_FIXTURES:?PP_FIXTURES is not set}/corrupt/in_9x7.png" "$T/in.png"

expect_error unknown_corruption "valid names: gaussian_noise" "$T/o1.png" -- corrupt "$T/in.png" "$T/o1.png" --corruption fogg --severity 2
expect_error severity_high "severity" "$T/o2.png" -- corrupt "$T/in.png" "$T/o2.png" --corruption fog --severity 7
expect_error severity_negative "severity" "$T/o3.png" -- corrupt "$T/in.png" "$T/o3.png" --corruption fog --severity -1
expect_error severity_text "severity" "$T/o4.png" -- corrupt "$T/in.png" "$T/o4.png" --corruption fog --severity abc
expect_error unreadable_image "garbage.png" "$T/o5.png" -- corrupt "$T/garbage.png" "$T/o5.png" --corruption fog --severity 2
expect_error missing_image "missing.png" "$T/o6.png" -- corrupt "$T/missing.png" "$T/o6.png" --corruption fog --severity 2
expect_error unknown_param "no parameter 'radius'" "$T/o7.png" -- corrupt "$T/in.png" "$T/o7.png" --corruption fog --severity 2 --param radius=3
expect_error param_range "angle" "$T/o8.png" -- corrupt "$T/in.png" "$T/o8.png" --corruption motion_blur --severity 2 --param angle=400
expect_error bad_preset "preset" "$T/o9.png" -- corrupt "$T/in.png" "$T/o9.png" --corruption fog --severity 2 --preset mnist
expect_error make_c_unknown "valid names" "$T/mc1" -- make-c "$T/mc1" --corruptions fog,nope --limit 2
expect_error make_c_bad_idx "wrong magic" "$T/mc2/fog.npy" -- make-c "$T/mc2" --corruptions fog --idx-images "$T/garbage.png" --idx-labels "$T/garbage.png"
expect_error make_c_bad_npy "garbage.png" "$T/mc3/fog.npy" -- make-c "$T/mc3" --corruptions fog --images "$T/garbage.png" --labels "$T/garbage.png"

# good runs
"$P" corrupt "$T/in.png" "$T/good.png" --corruption motion_blur --severity 2.5 --seed 3 --param angle=10 \
    || err "good corrupt run failed"
[ -s "$T/good.png" ] || err "good corrupt run wrote nothing"
"$P" corrupt "$T/in.png" "$T/good2.png" --corruption motion_blur --severity 2.5 --seed 3 --param angle=10
cmp -s "$T/good.png" "$T/good2.png" || err "same seed, different files"
"$P" corrupt --list --json | grep -q '"name": "jpeg_compression"' || err "--list --json"
"$P" make-c "$T/mc" --corruptions fog,pixelate --limit 3 2>/dev/null || err "make-c run failed"
# (5 * 3, 28, 28, 1) uint8 = 11760 bytes of data after a 128-byte header
for f in fog pixelate; do
    size=$(wc -c < "$T/mc/$f.npy" 2>/dev/null || echo 0)
    [ "$size" -eq $((128 + 15 * 28 * 28)) ] || err "make-c $f.npy has $size bytes"
done
size=$(wc -c < "$T/mc/labels.npy" 2>/dev/null || echo 0)
[ "$size" -eq $((128 + 15 * 8)) ] || err "make-c labels.npy has $size bytes"
echo "ok   good_runs"
exit $fail

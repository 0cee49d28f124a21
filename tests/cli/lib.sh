# Shared by the command-line tests (sourced): the program and fixtures meson
# passes, a scratch folder $T, the failure count and fail, and the checks
# every model family gets from the command line (bad input as one clear
# error; predict and probe agreeing at severity 0; a sweep; the Fashion-MNIST
# gate; eval and compare of two trained models).
set -u
PUSHPULL=${PUSHPULL:?set by meson}
FIX=${PP_FIXTURES:?set by meson}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
PP=("$PUSHPULL" --threads 2)

# expect_error NAME PATTERN -- COMMAND...: one clear error: a non-zero exit, stderr
# matching PATTERN in one line (and a usage hint at most), no $T/out.* and no
# temp or lock file left
expect_error() {
    local name=$1 pattern=$2; shift 3
    rm -f "$T"/out.*
    if "$@" >"$T/stdout" 2>"$T/stderr"; then fail "$name: exit 0"; return; fi
    grep -q -E -e "$pattern" "$T/stderr" || fail "$name: stderr '$(cat "$T/stderr")' lacks /$pattern/"
    [ "$(wc -l <"$T/stderr")" -le 2 ] || fail "$name: more than one error line: $(cat "$T/stderr")"
    ls "$T"/out.* >/dev/null 2>&1 && fail "$name: left an output file"
    [ -n "$(find "$T" -maxdepth 1 \( -name '*.tmp-*' -o -name '.*.pp-tmp-*' -o -name '.*.pp-lock' \))" ] &&
        fail "$name: left a temp or lock file"
}

# info_stem INFO_FILE PUSH_PULL WHAT: the first layer info reports (1: a PushPull unit)
info_stem() {
    if [ "$2" = 1 ]; then
        grep -q "^conv1: *PushPull unit" "$1" || fail "info $3: PushPull stem"
    else
        grep -q "^conv1: *plain convolution" "$1" || fail "info $3: plain stem"
    fi
}

# probe_agrees MODEL IMAGE: the probe at severity 0 predicts what predict predicts
probe_agrees() {
    local want got
    want=$("$PUSHPULL" predict "$1" "$2" --top 1 | sed -n 2p | awk '{print $2}')
    got=$("$PUSHPULL" probe "$1" "$2" | sed -n 2p | awk '{print $2}')
    [ -n "$want" ] && [ "$want" = "$got" ] || fail "probe at severity 0 says '$got', predict says '$want'"
}

# probe_sweep MODEL IMAGE CORRUPTION STEPS [WHAT]: a sweep of STEPS steps has STEPS + 1 severities
probe_sweep() {
    "$PUSHPULL" probe "$1" "$2" --corruption "$3" --sweep "$4" --json >"$T/sweep.json" || fail "probe --sweep${5:+ of $5}"
    [ "$(grep -c '"severity"' "$T/sweep.json")" = $(($4 + 1)) ] || fail "sweep of $4 steps has $(($4 + 1)) severities"
}

# need_fashion_mnist NAME: stops here without the Fashion-MNIST package: 77
# (skipped) when nothing has failed so far, else 1
need_fashion_mnist() {
    [ -r /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] && return 0
    echo "$1: $failures failure(s) (dataset-fashion-mnist not installed: train/eval skipped)"
    [ $failures = 0 ] || exit 1
    exit 77
}

# eval_models DATA MODEL...: eval of each $T/MODEL.safetensors on 16 images of
# DATA with two corruptions, into $T/MODEL.json
eval_models() {
    local data=$1 m; shift
    for m in "$@"; do
        "${PP[@]}" eval "$T/$m.safetensors" --data "$data" --limit 16 --corruptions gaussian_noise,fog \
            --json "$T/$m.json" >/dev/null 2>"$T/err" || fail "eval $m: $(cat "$T/err")"
    done
}

# compare_models A B WHAT: compare of $T/A.json and $T/B.json reports R_net
compare_models() {
    "$PUSHPULL" compare "$T/$1.json" "$T/$2.json" --json >"$T/cmp.json" || fail "compare of $3"
    grep -q '"R_net"' "$T/cmp.json" || fail "compare reports R_net"
}

# finish NAME: the summary line; the exit status says whether anything failed
finish() {
    echo "$1: $failures failure(s)"
    [ $failures = 0 ]
    exit
}

#!/bin/bash
# eval --shard K/N and merge: the shards of the demo model merged are the
# single run, byte for byte apart from "seconds"; a finished shard is skipped;
# merge refuses shards of different runs, a missing or doubled shard and a
# changed model file, naming the files and what differs.
source "$(dirname "$0")/lib.sh"
MODELS=${PP_MODELS:?set by meson}
if [ ! -r /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ]; then
    echo "SKIP: Debian's dataset-fashion-mnist is not installed"
    exit 77
fi

# expect_error NAME PATTERN -- COMMAND...: non-zero exit, stderr matches, no $T/out.json
expect_error() {
    local name=$1 pattern=$2; shift 3
    rm -f "$T/out.json"
    if "$@" >"$T/stdout" 2>"$T/stderr"; then fail "$name: exit 0"; return; fi
    grep -q -E -e "$pattern" "$T/stderr" || fail "$name: stderr '$(cat "$T/stderr")' lacks /$pattern/"
    [ "$(wc -l <"$T/stderr")" -le 2 ] || fail "$name: more than one error line: $(cat "$T/stderr")"
    [ -e "$T/out.json" ] && fail "$name: wrote out.json"
}
# same_result A B: the JSON of two evaluations, less the timing line
same_result() { diff <(grep -v '"seconds"' "$1") <(grep -v '"seconds"' "$2") >"$T/diff"; }

cp "$MODELS/fmnist-resnet18-pushpull-avg3.safetensors" "$T/pp.safetensors"
cd "$T" || exit 1
# 100 samples: one full batch of 64 and a short one; the 15 corruptions at 2 severities
ev=(eval pp.safetensors --data fashion-mnist --limit 100 --severities 1,5)
"$PUSHPULL" "${ev[@]}" --json single.json >/dev/null 2>&1 || fail "single run"

for n in 2 3; do
    for k in $(seq 1 $n); do
        "$PUSHPULL" --threads $(( k % 2 + 1 )) "${ev[@]}" --shard $k/$n --json run$n.json >"$T/stdout" 2>/dev/null ||
            fail "shard $k/$n exit"
        grep -q "shard $k/$n: units" "$T/stdout" || fail "shard $k/$n said: $(cat "$T/stdout")"
        [ -f run$n.shard-$k-of-$n.json ] || fail "shard $k/$n: no run$n.shard-$k-of-$n.json"
    done
    "$PUSHPULL" merge merged$n.json run$n.shard-*-of-$n.json >/dev/null || fail "merge of $n shards"
    same_result single.json merged$n.json || fail "$n shards merged differ from the single run: $(head -20 "$T/diff")"
done
grep -q "\"model_sha256\": \"$(sha256sum pp.safetensors | cut -c1-64)\"" run2.shard-1-of-2.json ||
    fail "model_sha256 is not sha256sum's"
# balanced: every shard evaluates 1/N of the clean samples, to within one batch
for f in run3.shard-*; do
    c=$(grep -A1 '"clean"' "$f" | grep -o '[0-9]*' | head -1)
    [ "$c" -ge 0 ] && [ "$c" -le 64 ] || fail "$f: $c clean samples"
done
[ "$(cat run3.shard-*-of-3.json | grep -c '"evaluated"')" -ge 31 ] || fail "3 shards cover fewer than 31 phases"

# resume: a complete shard is skipped (file untouched); a changed model re-runs it
touch -d '2001-01-01' run2.shard-1-of-2.json
"$PUSHPULL" "${ev[@]}" --shard 1/2 --json run2.json >"$T/stdout" 2>&1 || fail "rerun of a finished shard"
grep -q "shard 1/2: complete result in run2.shard-1-of-2.json, skipped" "$T/stdout" ||
    fail "rerun did not skip: $(cat "$T/stdout")"
[ "$(stat -c %Y run2.shard-1-of-2.json)" = "$(date -d 2001-01-01 +%s)" ] || fail "skipped shard was rewritten"

# bad input: nothing written, one error naming the files and what differs
cp run3.shard-2-of-3.json dup.json
expect_error "missing shard" "1 of 3 shards missing \(3/3\)" -- \
    "$PUSHPULL" merge out.json run3.shard-1-of-3.json run3.shard-2-of-3.json
expect_error "doubled shard" "shard 2/3 is given twice: run3.shard-2-of-3.json and dup.json" -- \
    "$PUSHPULL" merge out.json run3.shard-1-of-3.json run3.shard-2-of-3.json dup.json run3.shard-3-of-3.json
expect_error "shards of different N" "run2.shard-1-of-2.json and run3.shard-2-of-3.json are not shards of one run: number of shards N 2 vs 3" -- \
    "$PUSHPULL" merge out.json run2.shard-1-of-2.json run3.shard-2-of-3.json
"$PUSHPULL" "${ev[@]}" --corruptions none --seed 7 --shard 2/2 --json seed7.json >/dev/null 2>&1 || fail "seed 7 shard"
expect_error "another seed" "run2.shard-1-of-2.json and seed7.shard-2-of-2.json are not shards of one run: corruption source.*'engine seed 0 preset auto' vs 'engine seed 7 preset auto'" -- \
    "$PUSHPULL" merge out.json run2.shard-1-of-2.json seed7.shard-2-of-2.json
"$PUSHPULL" "${ev[@]}" --corruptions fog --shard 2/2 --json fog.json >/dev/null 2>&1 || fail "fog shard"
expect_error "another corruption list" "not shards of one run: number of corruptions 15 vs 1" -- \
    "$PUSHPULL" merge out.json run2.shard-1-of-2.json fog.shard-2-of-2.json
"$PUSHPULL" eval pp.safetensors --data fashion-mnist --limit 90 --corruptions none --shard 2/2 --json few.json \
    >/dev/null 2>&1 || fail "90-sample shard"
expect_error "another sample count" "not shards of one run: samples 100 vs 90" -- \
    "$PUSHPULL" merge out.json run2.shard-1-of-2.json few.shard-2-of-2.json
expect_error "a single run's JSON as a shard" "single.json: \"format\" is not \"pushpull-eval-shard/1\"" -- \
    "$PUSHPULL" merge out.json run2.shard-1-of-2.json single.json
expect_error "output is a shard" "is both the output and a shard" -- \
    "$PUSHPULL" merge run2.shard-1-of-2.json run2.shard-1-of-2.json run2.shard-2-of-2.json
# a changed model file: same name, other weights
cp "$MODELS/fmnist-resnet18-baseline.safetensors" pp.safetensors
"$PUSHPULL" "${ev[@]}" --corruptions none --shard 2/2 --json run2.json >"$T/stdout" 2>&1 || fail "shard of a changed model"
grep -q "run2.shard-2-of-2.json holds another run (model file (SHA-256) '[0-9a-f]*' vs '[0-9a-f]*'): evaluating again" \
    "$T/stdout" || fail "a changed model's shard was not re-run: $(cat "$T/stdout")"
cp run2.shard-2-of-2.json changed.json
"$PUSHPULL" "${ev[@]}" --corruptions none --shard 1/2 --json base.json >/dev/null 2>&1 || fail "baseline shard"
expect_error "a changed model file" "base.shard-1-of-2.json and run3.shard-2-of-3.json are not shards of one run: model file \(SHA-256\)" -- \
    "$PUSHPULL" merge out.json base.shard-1-of-2.json run3.shard-2-of-3.json
# and a tampered count is caught by the sums
sed 's/"evaluated": 36,/"evaluated": 35,/' run2.shard-2-of-2.json >tampered.json
cmp -s tampered.json run2.shard-2-of-2.json && sed -i '0,/"evaluated": [0-9]*,/s//"evaluated": 1,/' tampered.json
expect_error "counts that do not add up" "evaluated|wrong_top" -- \
    "$PUSHPULL" merge out.json base.shard-1-of-2.json tampered.json

# make-c --shard: the merged files are one make-c run's, byte for byte
mc=(make-c --limit 50 --corruptions gaussian_noise,fog)
"$PUSHPULL" "${mc[@]}" single_c 2>/dev/null >/dev/null || fail "make-c single"
for k in 1 2 3; do
    "$PUSHPULL" --threads $(( k % 2 + 1 )) "${mc[@]}" sharded_c --shard $k/3 >/dev/null 2>&1 || fail "make-c shard $k/3"
done
"$PUSHPULL" "${mc[@]}" sharded_c --shard 2/3 2>/dev/null | grep -q "shard 2/3: complete result in sharded_c/make-c.shard-2-of-3.json, skipped" ||
    fail "make-c rerun of a finished shard did not skip"
"$PUSHPULL" merge sharded_c sharded_c/make-c.shard-*-of-3.json >/dev/null || fail "make-c merge"
for f in gaussian_noise fog labels; do
    cmp -s single_c/$f.npy sharded_c/$f.npy || fail "make-c: merged $f.npy differs from a single run's"
done
expect_error "make-c: missing shard" "1 of 3 shards missing \(first: 2/3\)" -- \
    "$PUSHPULL" merge out_c sharded_c/make-c.shard-1-of-3.json sharded_c/make-c.shard-3-of-3.json
"$PUSHPULL" "${mc[@]}" seed_c --seed 3 --shard 2/3 >/dev/null 2>&1 || fail "make-c seed 3 shard"
expect_error "make-c: another seed" "make-c.shard-1-of-3.json and seed_c/make-c.shard-2-of-3.json are not shards of one make-c run: seed 0 vs 3" -- \
    "$PUSHPULL" merge out_c sharded_c/make-c.shard-1-of-3.json seed_c/make-c.shard-2-of-3.json sharded_c/make-c.shard-3-of-3.json
[ -e out_c/fog.npy ] && fail "make-c merge of bad shards wrote out_c/fog.npy"

# usage errors
expect_error "--shard 0/2" "--shard needs K/N" -- "$PUSHPULL" "${ev[@]}" --shard 0/2 --json out.json
expect_error "--shard 3/2" "--shard needs K/N" -- "$PUSHPULL" "${ev[@]}" --shard 3/2 --json out.json
expect_error "--shard 1" "--shard needs K/N" -- "$PUSHPULL" "${ev[@]}" --shard 1 --json out.json
expect_error "--shard without --json" "--shard needs --json" -- "$PUSHPULL" "${ev[@]}" --shard 1/2
expect_error "merge without shards" "expected OUT.json and at least one SHARD.json" -- "$PUSHPULL" merge out.json

echo "shard: $failures failure(s)"
[ "$failures" = 0 ]

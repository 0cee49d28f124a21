#!/bin/bash
# Sharded evaluation on a real Slurm cluster: starts munged, slurmctld and
# slurmd on this machine (Debian's packages, one node on localhost, no cgroups,
# config from slurm.conf.in), submits the demo pair through
# scripts/slurm/submit.sh (an eval.sbatch array of 3 shards per model and a
# merge.sbatch job that depends on it), and checks that the merged results are
# the single-process ones. Then a cancelled array task: its merge never runs,
# submitting again re-runs only that shard, and the merge still matches.
# Skipped (77), never passed, when Slurm or munge is missing or cannot start.
set -u
PUSHPULL=${PUSHPULL:?set by meson}
MODELS=${PP_MODELS:?set by meson}
SRC=${PP_SOURCE_ROOT:?set by meson}
skip() { echo "SKIP: $*"; exit 77; }
for b in munged mungekey slurmctld slurmd sbatch squeue sinfo scancel; do
    command -v "$b" >/dev/null || [ -x "/usr/sbin/$b" ] ||
        skip "$b is not installed (apt-get install munge slurmctld slurmd slurm-client)"
done
[ -r /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] || skip "dataset-fashion-mnist is not installed"
export PATH=$PATH:/usr/sbin
T=$(mktemp -d /tmp/pp-slurm.XXXXXX)
chmod 700 "$T"
pids=()
cleanup() {
    [ -n "${SLURM_CONF:-}" ] && scancel --quiet --user="$(id -un)" 2>/dev/null
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
same_result() { diff <(grep -v '"seconds"' "$1") <(grep -v '"seconds"' "$2") >/dev/null; }

# --- the cluster ---
mkdir -p "$T/state" "$T/spool" "$T/res" && chmod 700 "$T/state" "$T/spool"
mungekey --create --keyfile="$T/munge.key" >/dev/null 2>&1 || skip "mungekey cannot create a key"
chmod 600 "$T/munge.key"
munged -F --force --key-file="$T/munge.key" --socket="$T/munge.socket" --pid-file="$T/munged.pid" \
    --log-file="$T/munged.log" --seed-file="$T/munged.seed" 2>"$T/munged.err" &
pids+=($!)
for _ in $(seq 50); do [ -S "$T/munge.socket" ] && break; sleep 0.1; done
[ -S "$T/munge.socket" ] || skip "munged did not start: $(tail -3 "$T/munged.err" "$T/munged.log" 2>/dev/null | tr '\n' ' ')"
base=$(( 20000 + ($$ % 10000) * 2 )) # two ports of our own: other runs may share the machine
sed -e "s|@DIR@|$T|g" -e "s|@CTLD_PORT@|$base|" -e "s|@SLURMD_PORT@|$((base + 1))|" \
    -e "s|@USER@|$(id -un)|g" -e "s|@CPUS@|2|" "$SRC/tests/slurm/slurm.conf.in" >"$T/slurm.conf"
export SLURM_CONF=$T/slurm.conf
slurmctld -D -c -f "$SLURM_CONF" >"$T/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >"$T/slurmd.out" 2>&1 &
pids+=($!)
up=false
for _ in $(seq 60); do
    [ "$(sinfo -h -o %t 2>/dev/null)" = idle ] && { up=true; break; }
    sleep 0.5
done
$up || skip "Slurm did not start: $(sinfo -h -o '%t %E' 2>&1 | head -2 | tr '\n' ' ') $(tail -2 "$T/slurmctld.out" "$T/slurmd.out" "$T/slurmd.log" 2>/dev/null | tr '\n' ' ')"
# a first job tells whether the node can run anything (cgroups, spool, credentials)
cd "$T" || exit 1
smoke=$(sbatch --parsable -o "$T/smoke.out" --wrap "echo ran" 2>"$T/smoke.err")
for _ in $(seq 80); do
    [ -n "$smoke" ] && [ -z "$(squeue -h -j "$smoke" 2>/dev/null)" ] && break
    sleep 0.25
done
grep -q '^ran$' "$T/smoke.out" 2>/dev/null ||
    skip "Slurm started but cannot run a job: $(cat "$T/smoke.err") $(sinfo -h -R 2>/dev/null | head -1) $(grep -i error "$T/slurmd.log" 2>/dev/null | tail -2 | tr '\n' ' ')"
echo "slurm: cluster up (ports $base, $((base + 1))), a first job ran"

# --- single-process results of the demo pair ---
cp "$MODELS/fmnist-resnet18-baseline.safetensors" base.safetensors
cp "$MODELS/fmnist-resnet18-pushpull-avg3.safetensors" pp.safetensors
args=(--limit 100 --severities 2,4)
for m in base pp; do
    "$PUSHPULL" eval $m.safetensors --data fashion-mnist "${args[@]}" --json single-$m.json >/dev/null 2>&1 ||
        fail "single run of $m"
done

# PUSHPULL for the jobs: shard 2 of pp, while $T/hold exists, stalls (a task to cancel)
cat >"$T/pushpull-job" <<WRAP
#!/bin/bash
case "\$*" in *"--shard 2/3 --json $T/res/pp.json"*)
    if [ -e "$T/hold" ]; then touch "$T/task2-started"; sleep 300; fi ;;
esac
exec "$PUSHPULL" "\$@"
WRAP
chmod +x "$T/pushpull-job"
export PUSHPULL_JOB=$T/pushpull-job

submit() { # MODEL OUT: prints "ARRAY MERGE"
    PUSHPULL=$PUSHPULL_JOB "$SRC/scripts/slurm/submit.sh" -n 3 -c 1 -m 200M -t 00:05:00 \
        "$1" fashion-mnist "$2" "${args[@]}" | sed -n 's/^eval array \([0-9]*\) (tasks 1-3), merge \([0-9]*\) .*/\1 \2/p'
}
wait_jobs() { # JOBID...: until none is queued or running (at most 100 s)
    local ids
    ids=$(IFS=,; echo "$*")
    for _ in $(seq 400); do
        [ -z "$(squeue -h -j "$ids" 2>/dev/null)" ] && return 0
        sleep 0.25
    done
    fail "jobs $ids still queued after 100 s: $(squeue -h -j "$ids" -o '%i %T %R' | tr '\n' ';')"
    return 1
}

touch "$T/hold"
read -r a_base m_base < <(submit base.safetensors "$T/res/base.json")
read -r a_pp m_pp < <(submit pp.safetensors "$T/res/pp.json")
[ -n "${a_base:-}" ] && [ -n "${a_pp:-}" ] || { fail "submit.sh did not print job ids"; exit 1; }
# cancel shard 2 of pp once it runs
for _ in $(seq 200); do [ -e "$T/task2-started" ] && break; sleep 0.25; done
[ -e "$T/task2-started" ] || fail "shard 2/3 of pp never started"
scancel "${a_pp}_2"
wait_jobs "$a_base" "$m_base" "$a_pp" "$m_pp"

[ -f res/base.json ] || fail "no merged base.json (merge job $m_base: $(cat pushpull-merge-$m_base.out 2>/dev/null))"
[ -f res/base.json ] && { same_result single-base.json res/base.json || fail "Slurm-merged base.json differs from the single run"; }
[ -e res/pp.json ] && fail "pp.json merged although shard 2 was cancelled"
[ -e res/pp.shard-2-of-3.json ] && fail "the cancelled shard left its result"
[ -f res/pp.shard-1-of-3.json ] && [ -f res/pp.shard-3-of-3.json ] || fail "shards 1 and 3 of pp missing"

# resume: the same submission again; only shard 2 works
rm -f "$T/hold"
read -r a_pp2 m_pp2 < <(submit pp.safetensors "$T/res/pp.json")
wait_jobs "$a_pp2" "$m_pp2"
for k in 1 3; do
    grep -q "shard $k/3: complete result in $T/res/pp.shard-$k-of-3.json, skipped" "pushpull-eval-${a_pp2}_$k.out" ||
        fail "resubmitted shard $k/3 was not skipped: $(cat "pushpull-eval-${a_pp2}_$k.out")"
done
grep -q "shard 2/3: units" "pushpull-eval-${a_pp2}_2.out" || fail "shard 2/3 did not run again: $(cat "pushpull-eval-${a_pp2}_2.out")"
[ -f res/pp.json ] || fail "no merged pp.json after the resubmission ($(cat pushpull-merge-$m_pp2.out 2>/dev/null))"
[ -f res/pp.json ] && { same_result single-pp.json res/pp.json || fail "Slurm-merged pp.json differs from the single run"; }

echo "slurm: $failures failure(s)"
[ "$failures" = 0 ]

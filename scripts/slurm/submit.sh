#!/bin/bash
# Submits a sharded evaluation: an eval.sbatch job array of N tasks and a
# merge.sbatch job that runs when every task has succeeded (afterok). Prints
# the two job ids. Running it again with the same arguments resumes: finished
# shards exit at once, the rest are evaluated, and a new merge job follows.
#
#   scripts/slurm/submit.sh [-n N] [-c CPUS] [-m MEM] [-t TIME] [-p PARTITION] \
#       MODEL DATA OUT.json [EVAL OPTIONS...]
#
# e.g. scripts/slurm/submit.sh -n 16 -c 4 -m 4G -t 02:00:00 \
#          r50.safetensors /data/imagenet/val res/r50.json --preset imagenet
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=4 cpus=2 mem=2G time=01:00:00 part=()
while getopts "n:c:m:t:p:" o; do
    case $o in
    n) n=$OPTARG ;; c) cpus=$OPTARG ;; m) mem=$OPTARG ;; t) time=$OPTARG ;; p) part=(--partition "$OPTARG") ;;
    *) sed -n '2,13p' "$0" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 3 ] || { sed -n '2,13p' "$0" >&2; exit 2; }
export PP_MODEL=$1 PP_DATA=$2 PP_OUT=$3 PP_SHARDS=$n
shift 3
export PP_EVAL_ARGS="$*"
export PUSHPULL=${PUSHPULL:-$(command -v pushpull || echo pushpull)}
array=$(sbatch --parsable "${part[@]}" --array="1-$n" --cpus-per-task="$cpus" --mem="$mem" --time="$time" \
    --export=ALL "$here/eval.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable "${part[@]}" --dependency="afterok:$array" --kill-on-invalid-dep=yes --export=ALL \
    "$here/merge.sbatch")
echo "eval array $array (tasks 1-$n), merge $merge -> $PP_OUT"

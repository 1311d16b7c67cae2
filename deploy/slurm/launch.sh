#!/usr/bin/env bash
# Submits a sharded protectsim run to Slurm: an array job of N shards, then a merge job that
# starts only when every shard succeeded (--dependency=afterok). Prints the job ids and where
# the merged result will be.
#
#   deploy/slurm/launch.sh SCENARIO OUT N [run options...]
#   deploy/slurm/launch.sh scenarios/black_friday_parcels.toml /scratch/bfp 16 --paths 100000
#
# Environment: PROTECTSIM (the binary, default: protectsim on PATH), SBATCH_ARGS (extra sbatch
# options for both jobs, e.g. "--partition=batch --account=actuarial").
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n '2,11p' "$0" >&2
  exit 2
fi
scenario=$(realpath "$1") out=$(realpath -m "$2") n=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
bin=${PROTECTSIM:-$(command -v protectsim || true)}
[ -x "$bin" ] || { echo "launch.sh: set PROTECTSIM to the protectsim binary" >&2; exit 2; }
mkdir -p "$out"
export PROTECTSIM=$bin SCENARIO=$scenario OUT=$out RUN_ARGS="$*"
# shellcheck disable=SC2086
array=$(sbatch --parsable ${SBATCH_ARGS:-} --array=0-$((n - 1)) --chdir="$out" --export=ALL "$here/array.sbatch")
array=${array%%;*}
# shellcheck disable=SC2086
merge=$(sbatch --parsable ${SBATCH_ARGS:-} --dependency=afterok:"$array" --chdir="$out" --export=ALL "$here/merge.sbatch")
merge=${merge%%;*}
echo "array job $array ($n shards) -> $out/shard-1 .. $out/shard-$n"
echo "merge job $merge (after all shards succeed) -> $out/merged"
echo "ARRAY_JOB=$array MERGE_JOB=$merge"

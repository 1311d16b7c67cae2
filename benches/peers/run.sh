#!/usr/bin/env bash
# Peer benchmark, one command: builds protectsim (release, CARGO_TARGET_DIR respected), makes
# the Python environment benches/peers/.venv from requirements.txt, then times protectsim
# against GEMAct 1.3 (compound Poisson x lognormal, 10^5 and 10^6 paths) and against a numpy
# implementation of the quickstart, single-threaded, and checks that they agree.
#
#   benches/peers/run.sh                      # the full benchmark (a few minutes)
#   PEERS_QUICK=1 benches/peers/run.sh        # tiny path counts: a smoke test of the validation
#   benches/peers/run.sh --paths-scale 0.1    # every path count times 0.1
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

cargo build --release --locked --quiet --bin protectsim
target="${CARGO_TARGET_DIR:-$root/target}"
bin="$target/release/protectsim"

venv="$here/.venv"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$venv/requirements.txt"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/requirements.txt"
fi

if [ ! -x /usr/bin/time ]; then
  echo "peers: /usr/bin/time is missing (apt-get install time); peak RSS comes from os.wait4 instead" >&2
fi
exec "$venv/bin/python" "$here/run.py" --bin "$bin" "$@"

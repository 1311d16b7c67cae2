"""Checks the Python package installed from ./python (run with the interpreter of the venv it
is installed in): its binary is the one the wheel carries, `run` gives bit for bit the summary
the command line gives for the same scenario, seed and paths, and `price`, `frame`, `sweep`,
`check` and a bad scenario (ProtectsimError with exit code 2) work as documented.

    python check_python_package.py CLI_RESULT_FOLDER   # a `protectsim run` of the quickstart, 200 paths, seed 7
"""
import sys
import sysconfig
import tempfile
from pathlib import Path

import polars as pl
import protectsim

cli_folder = Path(sys.argv[1])
root = Path(__file__).resolve().parent.parent
binary = Path(protectsim.binary())
assert binary.parent == Path(sysconfig.get_path("scripts")), f"{binary} is not the wheel's binary"

work = Path(tempfile.mkdtemp(prefix="protectsim-package-"))
r = protectsim.run(root / "scenarios/quickstart.toml", paths=200, seed=7, out=work / "run")
cli = pl.read_parquet(cli_folder / "summary.parquet")
assert r.summary.equals(cli), "the package's summary differs from the command line's"
assert r.paths.height == 200 and r.ep is not None and r.manifest["seed"] == 7

p = protectsim.price(root / "scenarios/quickstart.toml", paths=40, out=work / "price",
                     principle="expected-value", loading=0.2)
assert {"adequacy", "solved_price", "capital_eur", "ev_premium_eur"} <= set(p.pricing.columns)
assert (p.pricing["principle"] == "expected_value").all()
f = protectsim.frame(root / "scenarios/frame_black_friday.toml", paths=20, out=work / "frame")
assert f.recommendation.height >= 1 and f.frames is not None
s = protectsim.sweep(root / "scenarios/quickstart.toml", ["products[0].take_up=0.2..0.3:0.1"], paths=10, out=work / "sweep")
assert s.height > 0
assert protectsim.check(root / "scenarios/quickstart.toml").height > 0
try:
    protectsim.run(root / "tests/fixtures/quickstart_like.toml", paths=0, out=work / "bad")
except protectsim.ProtectsimError as e:
    assert e.code == 2, e.code
else:
    raise AssertionError("paths = 0 was accepted")
print(f"python package ok: {binary}")

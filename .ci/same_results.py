"""Checks that two protectsim result folders hold the same results: every parquet file equal by
value (their metadata records threads and time), every other file byte for byte; the manifest,
report.html (which shows the manifest) and stored batches aside. Exits 1 and names the first difference otherwise.

    python3 .ci/same_results.py RESULT_A RESULT_B
"""
import sys
from pathlib import Path

import polars as pl

a, b = Path(sys.argv[1]), Path(sys.argv[2])
compared = 0
for fa in sorted(a.rglob("*")):
    rel = fa.relative_to(a)
    if fa.is_dir() or rel.name in ("manifest.json", "report.html") or rel.parts[0] == "batches":
        continue
    fb = b / rel
    if not fb.exists():
        sys.exit(f"{rel}: missing in {b}")
    if fa.suffix == ".parquet":
        same = pl.read_parquet(fa).equals(pl.read_parquet(fb), null_equal=True)
    else:
        same = fa.read_bytes() == fb.read_bytes()
    if not same:
        sys.exit(f"{rel}: differs between {a} and {b}")
    compared += 1
if compared < 4:
    sys.exit(f"only {compared} files compared")
print(f"{compared} files identical in {a} and {b}")

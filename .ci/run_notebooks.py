"""Executes every notebook in notebooks/ with nbclient against result folders given in the
environment (PROTECTSIM_RESULTS, PROTECTSIM_COMPARE, PROTECTSIM_FRAME_RESULTS,
PROTECTSIM_PRICING_RESULTS, PROTECTSIM_SWEEP_RESULTS, PROTECTSIM_BNPL_RESULTS); exits 1 naming the notebook and cell
when a cell errors. The notebooks on disk are not modified: their committed versions carry no outputs.
PROTECTSIM_KERNEL names the Jupyter kernel (default python3).

    python3 .ci/run_notebooks.py [NOTEBOOK ...]
"""
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

os.environ.setdefault("MPLBACKEND", "Agg")
root = Path(__file__).resolve().parent.parent
notebooks = [Path(p) for p in sys.argv[1:]] or sorted((root / "notebooks").glob("*.ipynb"))
if not notebooks:
    sys.exit("no notebooks found")
failed = []
for path in notebooks:
    nb = nbformat.read(path, as_version=4)
    if any(c.get("outputs") for c in nb.cells if c.cell_type == "code"):
        print(f"note: {path.name} is committed with outputs")
    start = time.monotonic()
    kernel = os.environ.get("PROTECTSIM_KERNEL", "python3")
    client = NotebookClient(nb, timeout=300, kernel_name=kernel, resources={"metadata": {"path": str(root)}})
    try:
        client.execute()
    except CellExecutionError as e:
        failed.append(path.name)
        print(f"FAILED {path.name}:\n{e}", file=sys.stderr)
        continue
    except Exception as e:  # kernel died, timeout, missing kernel
        failed.append(path.name)
        print(f"FAILED {path.name}: {type(e).__name__}: {e}", file=sys.stderr)
        continue
    cells = sum(1 for c in nb.cells if c.cell_type == "code")
    print(f"ok {path.name}: {cells} code cells in {time.monotonic() - start:.1f} s")
if failed:
    sys.exit(f"{len(failed)} notebook(s) failed: {', '.join(failed)}")
print(f"{len(notebooks)} notebooks executed without error")

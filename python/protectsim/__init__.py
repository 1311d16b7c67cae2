"""protectsim from Python: run the engine and read its result folders as polars DataFrames.

The wheel carries the `protectsim` binary; each function here runs one of its commands in a
subprocess and reads the files it writes, so a notebook gets the same numbers, bit for bit, as
the command line::

    import protectsim
    r = protectsim.run("scenarios/quickstart.toml", paths=500)
    r.summary            # one row per (product[, segment | company], metric), with mean and se
    r.paths              # one row per (path, product)
    r.ep                 # the exceedance-probability table
    protectsim.price("scenarios/quickstart.toml", paths=500).pricing

A command that fails raises `ProtectsimError` with the command's message (bad input names the
file, line, field path and what is allowed) and its exit code (2 for bad input).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sysconfig
import tempfile
from pathlib import Path
from typing import Iterable, Optional, Sequence, Union

import polars as pl

__all__ = [
    "ProtectsimError",
    "Results",
    "binary",
    "check",
    "frame",
    "load",
    "price",
    "run",
    "sweep",
]

PathLike = Union[str, os.PathLike]


class ProtectsimError(RuntimeError):
    """A protectsim command that failed: its message and exit code (2: bad input)."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def binary() -> str:
    """The protectsim executable: `$PROTECTSIM_BIN`, else the one installed with this package,
    else the first on `PATH`."""
    explicit = os.environ.get("PROTECTSIM_BIN")
    if explicit:
        return explicit
    name = "protectsim.exe" if os.name == "nt" else "protectsim"
    for scheme in (None, "posix_user", "nt_user"):
        try:
            scripts = sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts")
        except KeyError:
            continue
        candidate = Path(scripts) / name
        if candidate.is_file():
            return str(candidate)
    found = shutil.which("protectsim")
    if found:
        return found
    raise ProtectsimError("no protectsim executable: install this package with pip, or set PROTECTSIM_BIN", 1)


def _command(args: Sequence[str]) -> str:
    done = subprocess.run([binary(), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise ProtectsimError(done.stderr.strip() or done.stdout.strip(), done.returncode)
    return done.stdout


def _run_options(paths, seed, threads, out) -> list[str]:
    args: list[str] = []
    if paths is not None:
        args += ["--paths", str(int(paths))]
    if seed is not None:
        args += ["--seed", str(int(seed))]
    if threads is not None:
        args += ["--threads", str(int(threads))]
    args += ["--out", str(out), "--quiet"]
    return args


def _out(out: Optional[PathLike], stem: str) -> Path:
    """The folder to write: `out`, or a new temporary folder (kept: it holds the results)."""
    if out is not None:
        return Path(out)
    return Path(tempfile.mkdtemp(prefix=f"protectsim-{stem}-"))


class Results:
    """A result folder, its files read on first use as polars DataFrames (None where the
    command did not write the file)."""

    def __init__(self, folder: PathLike):
        self.folder = Path(folder)
        manifest = self.folder / "manifest.json"
        if not manifest.is_file():
            raise ProtectsimError(f"{self.folder}: not a protectsim result folder (no manifest.json)", 2)
        self.manifest: dict = json.loads(manifest.read_text())
        self._cache: dict[str, Optional[pl.DataFrame]] = {}

    def _parquet(self, name: str) -> Optional[pl.DataFrame]:
        if name not in self._cache:
            path = self.folder / name
            self._cache[name] = pl.read_parquet(path) if path.is_file() else None
        return self._cache[name]

    @property
    def paths(self) -> Optional[pl.DataFrame]:
        """One row per (path, product): `paths.parquet`."""
        return self._parquet("paths.parquet")

    @property
    def summary(self) -> Optional[pl.DataFrame]:
        """One row per (product[, segment | company], metric): `summary.parquet`."""
        return self._parquet("summary.parquet")

    @property
    def segments(self) -> Optional[pl.DataFrame]:
        """One row per (path, product, segment): `segment_paths.parquet`."""
        return self._parquet("segment_paths.parquet")

    @property
    def frames(self) -> Optional[pl.DataFrame]:
        """One row per (path, company) of the guarantee frames: `frame_paths.parquet`."""
        return self._parquet("frame_paths.parquet")

    @property
    def frame_daily(self) -> Optional[pl.DataFrame]:
        """One row per (date, company): the daily bands, `frame_daily.parquet`."""
        return self._parquet("frame_daily.parquet")

    @property
    def ep(self) -> Optional[pl.DataFrame]:
        """The exceedance-probability table: `ep.parquet`."""
        return self._parquet("ep.parquet")

    @property
    def dependence(self) -> Optional[pl.DataFrame]:
        """Several products: the correlation of each pair's net claims, `dependence.parquet`."""
        return self._parquet("dependence.parquet")

    @property
    def parameter_risk(self) -> Optional[pl.DataFrame]:
        """Values written as distributions: each figure's variance split into process and
        parameter risk, `parameter_risk.parquet`."""
        return self._parquet("parameter_risk.parquet")

    @property
    def pricing(self) -> Optional[pl.DataFrame]:
        """The pricing table of `price`: `pricing.parquet`."""
        return self._parquet("pricing.parquet")

    @property
    def recommendation(self) -> Optional[pl.DataFrame]:
        """The frame each company needs, from `frame`: `frame_recommendation.csv`."""
        path = self.folder / "frame_recommendation.csv"
        return pl.read_csv(path) if path.is_file() else None

    def __repr__(self) -> str:
        m = self.manifest
        return f"Results({str(self.folder)!r}: {m.get('scenario')}, {m.get('paths')} paths, seed {m.get('seed')})"


def load(folder: PathLike) -> Results:
    """The results of a folder a protectsim command wrote."""
    return Results(folder)


def run(scenario: PathLike, paths: Optional[int] = None, seed: Optional[int] = None,
        threads: Optional[int] = None, out: Optional[PathLike] = None) -> Results:
    """`protectsim run`: simulates the scenario and returns its results (in `out`, or in a new
    temporary folder)."""
    folder = _out(out, Path(scenario).stem)
    _command(["run", str(scenario), *_run_options(paths, seed, threads, folder)])
    return Results(folder)


def price(scenario: PathLike, paths: Optional[int] = None, seed: Optional[int] = None,
          threads: Optional[int] = None, out: Optional[PathLike] = None,
          target_loss_ratio: Optional[float] = None, confidence: Optional[float] = None,
          cost_of_capital: Optional[float] = None, principle: Optional[str] = None,
          loading: Optional[float] = None, sd_multiple: Optional[float] = None,
          wang_lambda: Optional[float] = None) -> Results:
    """`protectsim price`: the run's results and its pricing table (`.pricing`). `principle`
    is one of "pure", "expected-value", "std-dev", "wang", "cost-of-capital"."""
    folder = _out(out, Path(scenario).stem + "-price")
    args = ["price", str(scenario), *_run_options(paths, seed, threads, folder)]
    for flag, value in [("--target-loss-ratio", target_loss_ratio), ("--confidence", confidence),
                        ("--cost-of-capital", cost_of_capital), ("--principle", principle),
                        ("--loading", loading), ("--sd-multiple", sd_multiple),
                        ("--wang-lambda", wang_lambda)]:
        if value is not None:
            args += [f"{flag}={value}"]
    _command(args)
    return Results(folder)


def frame(scenario: PathLike, paths: Optional[int] = None, seed: Optional[int] = None,
          threads: Optional[int] = None, out: Optional[PathLike] = None,
          confidence: Optional[float] = None) -> Results:
    """`protectsim frame`: the run's results and each company's recommended frame
    (`.recommendation`)."""
    folder = _out(out, Path(scenario).stem + "-frame")
    args = ["frame", str(scenario), *_run_options(paths, seed, threads, folder)]
    if confidence is not None:
        args += ["--confidence", str(confidence)]
    _command(args)
    return Results(folder)


def sweep(scenario: PathLike, vary: Iterable[str], paths: Optional[int] = None,
          seed: Optional[int] = None, threads: Optional[int] = None,
          out: Optional[PathLike] = None) -> pl.DataFrame:
    """`protectsim sweep`: the pricing table of every cell of the grid, one `--vary` per item
    of `vary` (e.g. `"products[0].tariff.flat_fee_eur=0.78..0.98:0.1"`)."""
    folder = _out(out, Path(scenario).stem + "-sweep")
    args = ["sweep", str(scenario)]
    for v in vary:
        args += ["--vary", v]
    _command([*args, *_run_options(paths, seed, threads, folder)])
    return pl.read_parquet(folder / "sweep.parquet")


def check(scenario: PathLike) -> pl.DataFrame:
    """`protectsim check`: the scenario's closed-form expectations, as a table."""
    text = _command(["check", str(scenario), "--format", "csv"])
    from io import StringIO

    return pl.read_csv(StringIO(text))

"""Peer benchmark: protectsim against GEMAct 1.3 and against a numpy implementation, side by side.

Called by run.sh, which builds the release binary and the virtual environment first. Every
command runs single-threaded, as a whole process that writes its outputs to disk, under
/usr/bin/time -v (or, without it, os.wait4's resource usage of the child). Prints one table
(tool, model, paths, wall s, CPU s, peak RSS MB, peer/protectsim ratios) and the validation, and exits
1 if a validation fails.

    python run.py --bin target/release/protectsim [--paths-scale 0.01] [--out DIR]

PEERS_QUICK=1 is --paths-scale 0.01 (tiny runs for a smoke test).
"""

import argparse
import csv
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
COMPOUND = os.path.join(HERE, "compound_poisson_lognormal.toml")
QUICKSTART = os.path.join(ROOT, "scenarios", "quickstart.toml")

# Compound Poisson(10) x lognormal(mean 50, CV 2): moments of the aggregate S.
LAMBDA, MEAN_X, CV_X = 10.0, 50.0, 2.0
E_S = LAMBDA * MEAN_X
VAR_S = LAMBDA * MEAN_X**2 * (1 + CV_X**2)            # lambda E[X^2] = 125,000 EUR^2
KAPPA4_S = LAMBDA * MEAN_X**4 * (1 + CV_X**2) ** 6    # lambda E[X^4], fourth cumulant of S

SINGLE_THREAD = {
    "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1", "RAYON_NUM_THREADS": "1",
}


def measure(cmd, log):
    """Runs `cmd`; returns (wall s, CPU s = user + system, peak RSS MB). Its output goes to `log`."""
    env = dict(os.environ, **SINGLE_THREAD)
    with open(log, "w") as f:
        t0 = time.perf_counter()
        if os.path.exists("/usr/bin/time"):
            tv = log + ".time-v.txt"
            p = subprocess.Popen(["/usr/bin/time", "-v", "-o", tv] + cmd, stdout=f, stderr=f, env=env)
            rc = p.wait()
            wall = time.perf_counter() - t0
            text = open(tv).read()
            rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
            cpu = sum(float(re.search(rf"{k} time \(seconds\): ([0-9.]+)", text).group(1))
                      for k in ("User", "System"))
        else:
            p = subprocess.Popen(cmd, stdout=f, stderr=f, env=env)
            _, status, ru = os.wait4(p.pid, 0)
            rc = os.waitstatus_to_exitcode(status)
            wall = time.perf_counter() - t0
            rss_kb = ru.ru_maxrss
            cpu = ru.ru_utime + ru.ru_stime
    if rc != 0:
        sys.exit(f"peers: {' '.join(cmd)} failed with exit code {rc}; see {log}")
    return wall, cpu, rss_kb / 1024.0


def num(text):
    """A CSV number; an empty cell (a statistic that does not apply) is NaN."""
    return float(text) if text else math.nan


def engine_summary(folder, product="parcel"):
    """{metric: (n, mean, sd, se)} of a product's rows in protectsim's summary.csv."""
    rows = {}
    with open(os.path.join(folder, "summary.csv")) as f:
        for r in csv.DictReader(f):
            if r["product"] == product and not r.get("segment") and not r.get("company"):
                rows[r["metric"]] = (int(r["n"]), num(r["mean"]), num(r["sd"]), num(r["se"]))
    return rows


def check(label, value, expected, se, lines):
    z = (value - expected) / se if se > 0 else (0.0 if value == expected else math.inf)
    ok = abs(z) < 4.0
    lines.append(f"  {'ok  ' if ok else 'FAIL'} {label}: {value:,.4f} against {expected:,.4f}, z = {z:+.2f}")
    return ok


def compound_checks(tool, n, mean, var, lines):
    """Mean within 4 SE of lambda E[X]; sample variance within 4 SE of lambda E[X^2], with
    SE(s^2) = sqrt((kappa4 + 2 Var^2) / n) for the compound Poisson law."""
    se_mean = math.sqrt(VAR_S / n)
    se_var = math.sqrt((KAPPA4_S + 2 * VAR_S**2) / n)
    a = check(f"{tool} n={n} mean claims per path (EUR) vs 10 x 50", mean, E_S, se_mean, lines)
    b = check(f"{tool} n={n} variance (EUR^2) vs 10 x 50^2 x 5", var, VAR_S, se_var, lines)
    return a and b


def table(results):
    """The markdown table of the runs, with each peer's ratios to protectsim on the same model
    and path count (a ratio above 1: the peer takes longer or holds more memory)."""
    base = {(r[1], r[2]): r for r in results if r[0] == "protectsim"}
    out = ["| tool | model | paths | wall s | CPU s | peak RSS MB | wall / protectsim | CPU / protectsim"
           " | RSS / protectsim |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for tool, model, paths, wall, cpu, rss in results:
        b = base[(model, paths)]
        ratios = ["", "", ""] if tool == "protectsim" else [
            f"{wall / b[3]:.2f}x", f"{cpu / b[4]:.2f}x", f"{rss / b[5]:.2f}x"]
        out.append(f"| {tool} | {model} | {paths:,} | {wall:.2f} | {cpu:.2f} | {rss:.0f} | " + " | ".join(ratios) + " |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True, help="protectsim release binary")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--paths-scale", type=float,
                    default=0.01 if os.environ.get("PEERS_QUICK") == "1" else 1.0)
    ap.add_argument("--quickstart-paths", type=int, default=300,
                    help="quickstart paths at scale 1 (numpy takes about 10-30 s)")
    a = ap.parse_args()

    def scaled(n):
        return max(10, int(round(n * a.paths_scale)))

    os.makedirs(a.out, exist_ok=True)
    results, lines, ok = [], [], True

    def run(tool, model, paths, cmd, folder):
        shutil.rmtree(folder, ignore_errors=True)
        wall, cpu, rss = measure(cmd, folder + ".log")
        results.append((tool, model, paths, wall, cpu, rss))
        print(f"  {tool:<10} {model:<11} {paths:>9,} paths  {wall:8.2f} s wall  {cpu:8.2f} s CPU  {rss:8.1f} MB",
              flush=True)

    print(f"peers: outputs in {a.out}", flush=True)
    for n in (scaled(100_000), scaled(1_000_000)):
        ps = os.path.join(a.out, f"protectsim_compound_{n}")
        run("protectsim", "compound", n, [a.bin, "run", COMPOUND, "--paths", str(n), "--threads", "1",
                                          "--quiet", "--no-report", "--out", ps], ps)
        s = engine_summary(ps)
        ok &= compound_checks("protectsim", n, s["claims_eur"][1], s["claims_eur"][2] ** 2, lines)
        ok &= check(f"protectsim n={n} claims per path (count) vs 10", s["loss_count"][1], LAMBDA,
                    math.sqrt(LAMBDA / n), lines)
        gm = os.path.join(a.out, f"gemact_compound_{n}")
        run("gemact", "compound", n, [a.python, os.path.join(HERE, "gemact_compound.py"), "--paths", str(n),
                                      "--out", gm], gm)
        g = json.load(open(os.path.join(gm, "summary.json")))
        ok &= compound_checks("gemact", n, g["mean_eur"], g["var_eur2"], lines)

    n = scaled(a.quickstart_paths)
    ps = os.path.join(a.out, f"protectsim_quickstart_{n}")
    run("protectsim", "quickstart", n, [a.bin, "run", QUICKSTART, "--paths", str(n), "--threads", "1",
                                        "--quiet", "--no-report", "--out", ps], ps)
    npf = os.path.join(a.out, f"numpy_quickstart_{n}")
    run("numpy", "quickstart", n, [a.python, os.path.join(HERE, "numpy_quickstart.py"), QUICKSTART,
                                   "--paths", str(n), "--out", npf], npf)
    eng = engine_summary(ps)
    with open(os.path.join(npf, "summary.csv")) as f:
        nps = {r["metric"]: (int(r["n"]), float(r["mean"]), float(r["sd"]), float(r["se"])) for r in csv.DictReader(f)}
    for m in ("covered", "ineligible", "premium_eur", "delay_eur", "damage_eur", "loss_eur",
              "delay_count", "damage_count", "loss_count", "rejected_count", "ibnr_eur"):
        se = math.hypot(eng[m][3], nps[m][3])
        ok &= check(f"numpy n={n} quickstart {m} vs protectsim", nps[m][1], eng[m][1], se, lines)

    print()
    print(table(results))
    print()
    print("validation (|z| < 4; z = (value - expected) / standard error):")
    print("\n".join(lines))
    print("validation passed" if ok else "validation FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

"""GEMAct 1.3 Monte Carlo of the compound Poisson(10) x lognormal(mean 50 EUR, CV 2) model.

The same model as compound_poisson_lognormal.toml: per path, N ~ Poisson(10) claims, each a
lognormal amount with mean 50 EUR and coefficient of variation 2 (sigma^2 = ln(1 + CV^2),
mu = ln(mean) - sigma^2 / 2), no deductible, no cover limit. GEMAct's scipy lognormal is
lognorm(s=sigma, scale=exp(mu)).

GEMAct's Monte Carlo keeps the aggregate sample only as its empirical distribution (distinct
values and cumulative probabilities). The per-path sample is rebuilt from it exactly (each
distinct value repeated as often as it was drawn, in ascending order) and written to
<out>/paths.npy, with the moments to <out>/summary.json, so the output on disk is comparable
to protectsim's paths.parquet.

    python gemact_compound.py --paths 100000 --seed 20261201 --out /tmp/gemact
"""

import argparse
import json
import math
import os
import sys

import numpy as np
from gemact import LossModel, PolicyStructure, Frequency, Severity

LAMBDA = 10.0
MEAN_EUR = 50.0
CV = 2.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, required=True)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    sigma2 = math.log(1.0 + CV * CV)
    sigma = math.sqrt(sigma2)
    mu = math.log(MEAN_EUR) - sigma2 / 2.0
    model = LossModel(
        frequency=Frequency(dist="poisson", par={"mu": LAMBDA}),
        severity=Severity(dist="lognormal", par={"shape": sigma, "scale": math.exp(mu)}),
        policystructure=PolicyStructure(),
        aggr_loss_dist_method="mc",
        n_sim=a.paths,
        random_state=a.seed,
    )
    dist = model.dist[0]
    nodes = np.asarray(dist.nodes, dtype=float)
    cdf = np.asarray(dist.cumprobs, dtype=float)
    counts = np.rint(np.diff(cdf, prepend=0.0) * a.paths).astype(np.int64)
    if counts.sum() != a.paths:
        sys.exit(f"gemact: rebuilt {counts.sum()} paths from the empirical distribution, expected {a.paths}")
    sample = np.repeat(nodes, counts)

    os.makedirs(a.out, exist_ok=True)
    np.save(os.path.join(a.out, "paths.npy"), sample)
    n = sample.size
    mean = float(sample.mean())
    var = float(sample.var(ddof=1))
    m4 = float(np.mean((sample - mean) ** 4))
    summary = {
        "tool": "gemact",
        "paths": n,
        "seed": a.seed,
        "mean_eur": mean,
        "var_eur2": var,
        "central_m4": m4,
        "gemact_mean": float(model.mean()),
    }
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()

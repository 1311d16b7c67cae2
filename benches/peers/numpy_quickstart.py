"""A vectorised numpy implementation of scenarios/quickstart.toml's parcel buyer-protection model.

It reads the scenario file (tomllib) and reproduces the engine's model, not its random streams:

- the calendar's daily shape (weekday pattern, Black Friday week, Christmas ramp and cut-off,
  French winter and summer sales, each month normalised to its share of the year), with the
  calibrated defaults of src/calendar.rs;
- per path and shop a gamma volume multiplier (mean 1, CV volume_cv), then Poisson daily counts
  of covered orders with mean orders_per_day x shape(d) x take_up x multiplier;
- per order: category and channel from the shop's mixes, a lognormal basket (capped, rounded to
  the cent), a destination (international with international_share);
- eligibility: the standard exclusions (flowers, ...), the per-category value caps (jewellery
  1,500 EUR, fine art 10,000 EUR, on the unrounded basket), channels where the cover is offered;
- the tariff: the flat fee under flat_below_eur, else the shop's risk-class rate of the basket,
  rounded half up to the cent;
- the perils, as in src/products/buyer_protection/simulate.rs: lost with p_loss(d, dest), else
  damaged with p_damage(d) and, independently, later than the delay threshold with the delivery
  time's tail probability; each with its seasonal multipliers, claim propensity, exponential
  reporting lag, the 90-day reporting window (and 15 days after delivery for damage); damaged
  parcels' transit times drawn from the delivery time conditioned on late / not late; claims
  reported after the horizon counted as IBNR.

Only the parts of the scenario format that the quickstart uses are read (fields left out take
the engine's defaults); anything else is refused rather than silently ignored.

    python numpy_quickstart.py scenarios/quickstart.toml --paths 500 --seed 1 --out /tmp/np_qs

writes <out>/paths.npy (one row per path: the columns of COLUMNS) and <out>/summary.csv (mean,
sd, se per column).
"""

import argparse
import calendar as pycal
import csv
import datetime as dt
import math
import os
import sys
import tomllib

import numpy as np
from scipy.special import ndtr, ndtri

# The standard wording's exclusions (src/products/buyer_protection/mod.rs DEFAULT_EXCLUDED).
DEFAULT_EXCLUDED = {
    "cars_motorbikes", "boats", "live_animals", "cash", "securities", "lumber",
    "tiles_slabs_statues", "tobacco", "perishables", "raw_cotton", "pharmaceuticals",
    "precious_stones_metals", "flowers", "scrap_metal_used_car_parts", "flat_glass",
    "digital_goods", "services", "subscriptions", "gift_cards", "gambling",
    "financial_instruments", "crowdfunding",
}
DEFAULT_VALUE_CAPS_EUR = {"jewellery": 1500.0, "fine_art": 10000.0}

COLUMNS = [
    "covered", "ineligible", "exposure_eur", "premium_eur", "claims_eur", "claim_count",
    "delay_count", "delay_eur", "damage_count", "damage_eur", "loss_count", "loss_eur",
    "rejected_count", "ibnr_eur",
]
C = {name: i for i, name in enumerate(COLUMNS)}


def fail(msg):
    print(f"numpy_quickstart: {msg}", file=sys.stderr)
    sys.exit(2)


# ---------------------------------------------------------------- calendar (src/calendar.rs)

def black_friday(year):
    d = dt.date(year, 11, 1)
    first_thu = d + dt.timedelta(days=(3 - d.weekday()) % 7)
    return first_thu + dt.timedelta(days=21 + 1)


def winter_sales_start(year):
    d = dt.date(year, 1, 1)
    first_wed = d + dt.timedelta(days=(2 - d.weekday()) % 7)
    return first_wed + dt.timedelta(days=7)


def summer_sales_start(year):
    last = dt.date(year, 6, 30)
    return last - dt.timedelta(days=(last.weekday() - 2) % 7)


def is_black_week(date):
    bf = black_friday(date.year)
    return bf - dt.timedelta(days=4) <= date <= bf + dt.timedelta(days=3)


WEEKDAYS = [1.155, 1.060, 1.050, 1.016, 0.963, 0.838, 0.918]
MONTH_SHARES = [0.085, 0.072, 0.082, 0.077, 0.078, 0.081, 0.082, 0.070, 0.078, 0.085, 0.105, 0.105]
BF = {-4: 1.4, -3: 1.4, -2: 1.4, -1: 1.4, 0: 3.0, 1: 2.0, 2: 2.0, 3: 1.8}


def raw_multiplier(date):
    m = WEEKDAYS[date.weekday()]
    m *= BF.get((date - black_friday(date.year)).days, 1.0)
    if date.month == 12:
        if 1 <= date.day <= 18:
            m *= 1.15
        if date.day >= 24:
            m *= 0.7
    for start in (winter_sales_start(date.year), summer_sales_start(date.year)):
        off = (date - start).days
        if off == 0:
            m *= 2.0
        elif 0 < off < 7:
            m *= 1.3
    return m


def daily_shape(start, days):
    shape, cache = [], {}
    for i in range(days):
        date = start + dt.timedelta(days=i)
        key = (date.year, date.month)
        if key not in cache:
            n = pycal.monthrange(*key)[1]
            cache[key] = sum(raw_multiplier(dt.date(date.year, date.month, k + 1)) for k in range(n))
        diy = 366 if pycal.isleap(date.year) else 365
        shape.append(MONTH_SHARES[date.month - 1] * diy * raw_multiplier(date) / cache[key])
    return np.array(shape)


# ---------------------------------------------------------------- scenario

def lognormal(b):
    if "median_eur" in b:
        return math.log(b["median_eur"]), b["sigma"]
    s2 = math.log(1.0 + b["cv"] ** 2)
    return math.log(b["mean_eur"]) - s2 / 2.0, math.sqrt(s2)


def cents(text):
    return int(round(float(text) * 100))


def rate_millionths(text):
    return int(round(float(text) * 1_000_000))


def read_scenario(path):
    with open(path, "rb") as f:
        sc = tomllib.load(f)
    if "calendar" in sc:
        fail(f"{path}: [calendar] is not read by this peer (it uses the calibrated defaults)")
    products = {p["name"]: p for p in sc["products"]}
    for name, p in products.items():
        if p.get("kind") != "buyer_protection":
            fail(f"{path}: product {name!r} is not buyer_protection")
        for key in p:
            if key not in ("name", "kind", "take_up", "tariff"):
                fail(f"{path}: products.{key} is not read by this peer")
    shops = []
    for co in sc["companies"]:
        for s in co["shops"]:
            for key in s:
                if key not in ("name", "orders_per_day", "volume_cv", "basket", "categories",
                               "international_share", "channels", "risk_class", "products"):
                    fail(f"{path}: shops.{key} is not read by this peer")
            if len(s["products"]) != 1:
                fail(f"{path}: shop {s['name']!r} must sell exactly one product")
            shops.append(s)
    return sc, products, shops


# ---------------------------------------------------------------- model

class ShopModel:
    """Everything about one shop and its parcel product that does not depend on the path."""

    def __init__(self, shop, product, start, days, shape):
        self.name = shop["name"]
        self.take_up = product["take_up"]
        self.cv = shop.get("volume_cv", 0.0)
        self.covered_mean = shop["orders_per_day"] * shape * self.take_up
        self.mu, self.sigma = lognormal(shop["basket"])
        self.cap_cents = shop["basket"].get("cap_eur", 2500.0) * 100.0
        cats = sorted(shop["categories"].items())
        self.cat_names = [c for c, _ in cats]
        w = np.array([s for _, s in cats])
        self.cat_cum = np.cumsum(w / w.sum())[:-1]
        self.cat_excluded = np.array([c in DEFAULT_EXCLUDED for c in self.cat_names])
        self.cat_cap = np.array([DEFAULT_VALUE_CAPS_EUR.get(c, math.inf) * 100.0 for c in self.cat_names])
        # Every channel is offered (no products.channels), so channels do not change eligibility.
        self.intl = shop.get("international_share", 0.0)
        t = product.get("tariff", {})
        self.flat_fee = cents(t.get("flat_fee_eur", "0.98"))
        self.flat_below = cents(t.get("flat_below_eur", "100"))
        rates = t.get("rates", {"standard": "0.015"})
        self.rate = rate_millionths(rates[shop.get("risk_class", "standard")])
        if t.get("rounding", "half_up") != "half_up":
            fail("only rounding = \"half_up\" is implemented")
        self.days = days
        dates = [start + dt.timedelta(days=i) for i in range(days)]
        loss_m = np.ones(12); loss_m[10] = 1.4; loss_m[11] = 1.2
        bw = np.array([is_black_week(d) for d in dates])
        month = np.array([d.month - 1 for d in dates])
        loss_season = loss_m[month] * np.where(bw, 1.2, 1.0)
        damage_season = np.where(bw, 1.34, 1.0)
        # Delivery time lognormal (median, sigma) per destination; delay thresholds; loss waits.
        self.deliv = [(math.log(3.0), 0.55), (math.log(6.0), 0.5)]
        self.delay_after = np.array([10.0, 30.0])
        self.loss_after = np.array([30.0, 60.0])
        tails = np.array([ndtr(-(math.log(a) - m) / s) for a, (m, s) in zip(self.delay_after, self.deliv)])
        # (days, 2) per destination.
        self.p_loss = np.outer(loss_season, [0.003, 0.01])
        self.p_damage = np.outer(damage_season, [0.01, 0.01])
        self.p_late = np.minimum(np.outer(np.ones(days), tails), 1.0)
        pl, pd, pt = self.p_loss, self.p_damage, self.p_late
        self.p_any = pl + (1 - pl) * (pd + (1 - pd) * pt)

    def simulate(self, rng, n_paths, out):
        """Adds this shop's results for `n_paths` paths into `out` (n_paths x len(COLUMNS))."""
        if self.cv > 0:
            k = 1.0 / (self.cv * self.cv)
            volume = rng.gamma(k, 1.0 / k, size=n_paths)
        else:
            volume = np.ones(n_paths)
        counts = rng.poisson(np.outer(volume, self.covered_mean))          # (paths, days)
        per_path = counts.sum(axis=1)
        n = int(per_path.sum())
        path = np.repeat(np.arange(n_paths), per_path)
        day = np.repeat(np.tile(np.arange(self.days), n_paths), counts.ravel())
        cat = np.searchsorted(self.cat_cum, rng.random(n), side="right")
        basket_cents = np.minimum(np.exp(self.mu + math.log(100.0) + self.sigma * rng.standard_normal(n)),
                                  self.cap_cents)
        basket = np.floor(basket_cents + 0.5).astype(np.int64)
        if self.intl <= 0:
            dest = np.zeros(n, dtype=np.int64)
        elif self.intl >= 1:
            dest = np.ones(n, dtype=np.int64)
        else:
            dest = (rng.random(n) < self.intl).astype(np.int64)
        u = rng.random(n)
        eligible = ~self.cat_excluded[cat] & (basket_cents <= self.cat_cap[cat])

        def add(col, weights=None, mask=None, idx=None):
            p = path if idx is None else path[idx]
            if mask is not None:
                p = p[mask]
                weights = None if weights is None else weights[mask]
            out[:, C[col]] += np.bincount(p, weights=weights, minlength=n_paths)

        add("ineligible", mask=~eligible)
        add("covered", mask=eligible)
        rated = (basket * self.rate) // 1_000_000
        rated += 2 * ((basket * self.rate) % 1_000_000) >= 1_000_000
        premium = np.where(basket < self.flat_below, self.flat_fee, rated)
        add("exposure_eur", basket / 100.0, mask=eligible)
        add("premium_eur", premium / 100.0, mask=eligible)

        inc = np.flatnonzero(eligible & (u < self.p_any[day, dest]))
        self._incidents(rng, inc, path[inc], day[inc], dest[inc], u[inc], basket[inc], n_paths, out)

    def _incidents(self, rng, idx, path, day, dest, u, basket, n_paths, out):
        m = len(idx)
        pl, pd, pt = self.p_loss[day, dest], self.p_damage[day, dest], self.p_late[day, dest]
        report_within = 90.0
        handling = 1.0

        def settle(peril, mask, report, amount):
            ok = mask & (report <= report_within)
            rej = mask & (report > report_within)
            out[:, C["rejected_count"]] += np.bincount(path[rej], minlength=n_paths)
            out[:, C[f"{peril}_count"]] += np.bincount(path[ok], minlength=n_paths)
            out[:, C[f"{peril}_eur"]] += np.bincount(path[ok], weights=amount[ok] / 100.0, minlength=n_paths)
            ibnr = ok & (day + report >= self.days)
            out[:, C["ibnr_eur"]] += np.bincount(path[ibnr], weights=amount[ibnr] / 100.0, minlength=n_paths)

        lost = u < pl
        loss_claim = lost & (rng.random(m) < 0.9)
        report = handling + self.loss_after[dest] + rng.exponential(5.0, m)
        settle("loss", loss_claim, report, basket.astype(float))

        v = (u - pl) / (1 - pl)
        damaged = ~lost & (v < pd)
        w = np.where(v < pd, v / pd, (v - pd) / (1 - pd))
        late = ~lost & (w < pt)
        threshold = self.delay_after[dest]
        delay_claim = late & (rng.random(m) < 0.4)
        report = handling + threshold + rng.exponential(2.0, m)
        settle("delay", delay_claim, report, np.full(m, 500.0))

        damage_claim = damaged & (rng.random(m) < 0.7)
        mu = np.array([d[0] for d in self.deliv])[dest]
        sg = np.array([d[1] for d in self.deliv])[dest]
        cdf_t = ndtr((np.log(threshold) - mu) / sg)
        # Transit time given late (beyond the threshold) or on time (within it), by inverse CDF.
        q = np.where(late, cdf_t + rng.random(m) * (1 - cdf_t), rng.random(m) * cdf_t)
        transit = np.exp(mu + sg * ndtri(np.clip(q, 1e-300, 1 - 1e-16)))
        lag = rng.exponential(3.0, m)
        in_window = lag <= 15.0
        out[:, C["rejected_count"]] += np.bincount(path[damage_claim & ~in_window], minlength=n_paths)
        settle("damage", damage_claim & in_window, handling + transit + lag, basket.astype(float))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario")
    ap.add_argument("--paths", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--chunk", type=int, default=16, help="paths simulated at once")
    a = ap.parse_args()

    sc, products, shops = read_scenario(a.scenario)
    start = dt.date.fromisoformat(sc["horizon"]["start"])
    days = sc["horizon"]["days"]
    n_paths = a.paths or sc["simulation"]["paths"]
    shape = daily_shape(start, days)
    models = [ShopModel(s, products[s["products"][0]], start, days, shape) for s in shops]
    rng = np.random.default_rng(a.seed)
    table = np.zeros((n_paths, len(COLUMNS)))
    for first in range(0, n_paths, a.chunk):
        block = table[first:first + a.chunk]
        for m in models:
            m.simulate(rng, block.shape[0], block)
    perils = ["delay", "damage", "loss"]
    table[:, C["claims_eur"]] = sum(table[:, C[f"{p}_eur"]] for p in perils)
    table[:, C["claim_count"]] = sum(table[:, C[f"{p}_count"]] for p in perils)

    os.makedirs(a.out, exist_ok=True)
    np.save(os.path.join(a.out, "paths.npy"), table)
    with open(os.path.join(a.out, "summary.csv"), "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["metric", "n", "mean", "sd", "se"])
        for name in COLUMNS:
            x = table[:, C[name]]
            sd = float(x.std(ddof=1)) if n_paths > 1 else 0.0
            wr.writerow([name, n_paths, repr(float(x.mean())), repr(sd), repr(sd / math.sqrt(n_paths))])


if __name__ == "__main__":
    main()

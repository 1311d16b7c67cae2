//! Legal protection, one rule at a time on a tiny scenario (`tests/fixtures/legal_rules.toml`,
//! edited per test): the contract's 20-day mediation limit, how cases end (settled, court,
//! abandoned) and what `dispute.probability` means.

use protectsim::analytic;
use protectsim::engine::{self, Model, PathResult};
use protectsim::scenario::Scenario;
use protectsim::stats::Moments;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/legal_rules.toml"
);

/// The fixture with each `(from, to)` replaced (each `from` must occur once).
fn simulate(edits: &[(&str, &str)], paths: u64) -> (Model, Vec<PathResult>) {
    let mut text = std::fs::read_to_string(FIXTURE).unwrap();
    for (from, to) in edits {
        assert_eq!(text.matches(from).count(), 1, "{from:?} must occur once");
        text = text.replacen(from, to, 1);
    }
    let s = Scenario::parse(&text, "legal_rules.toml").unwrap();
    let model = Model::new(&s);
    let results = engine::with_threads(2, || model.simulate(s.seed(), 0..paths, &|_| {}))
        .unwrap()
        .unwrap();
    (model, results)
}

/// One figure of a path.
type PathMetric = fn(&PathResult) -> f64;

fn mean_and_se(results: &[PathResult], f: impl Fn(&PathResult) -> f64) -> (f64, f64) {
    let mut m = Moments::default();
    for r in results {
        m.push(f(r));
    }
    (m.mean(), m.standard_error())
}

const MEDIATION: &str = "mediation = { success_probability = 1.0, duration = { median_days = 5, sigma = 0.05 }, handling_cost_eur = \"60\" }   # mediation";
const COURT: &str = "court = { probability = 0.0, cost = { median_eur = 2000, sigma = 0.5 }, ceiling_eur = \"20000\" }                    # court";

/// Regression: mediation had no time limit, so a case settled after 45 days counted as an
/// amicable settlement. The contract gives it 20 days: past them the case leaves mediation on
/// day 20 and goes to court, or is abandoned.
#[test]
fn a_mediation_not_settled_by_day_20_leaves_mediation() {
    // Talks of 5 days that always agree: every dispute is settled, in 5 days.
    let (_, results) = simulate(&[], 20);
    for r in &results {
        let t = &r.products[0];
        let disputes = t.perils[0].count;
        assert!(disputes > 100, "{t:?}");
        assert_eq!(
            (t.settled, t.abandoned, t.perils[1].count),
            (disputes, 0, 0)
        );
        assert!((t.mean_stage_days() - 5.0).abs() < 0.3, "{t:?}");
    }
    // Talks of 45 days: none settles in time; without court, every case is abandoned after
    // exactly 20 days of mediation.
    let slow = MEDIATION.replace("median_days = 5", "median_days = 45");
    let (_, results) = simulate(&[(MEDIATION, &slow)], 20);
    for r in &results {
        let t = &r.products[0];
        let disputes = t.perils[0].count;
        assert_eq!((t.settled, t.abandoned), (0, disputes), "{t:?}");
        assert_eq!(t.stage_centidays, 2_000 * disputes);
    }
    // With court: every unsettled case goes there, and its costs are paid.
    let court = COURT.replace("probability = 0.0", "probability = 1.0");
    let (_, results) = simulate(&[(MEDIATION, &slow), (COURT, &court)], 20);
    for r in &results {
        let t = &r.products[0];
        assert_eq!((t.settled, t.abandoned), (0, 0), "{t:?}");
        assert_eq!(t.perils[1].count, t.perils[0].count);
        assert!(t.perils[1].amount.0 > 0);
    }
}

/// Settled share, abandoned cases and mean mediation days against their closed forms, with
/// talks of a median 15 days (σ 0.5: 28 % pass the limit) that agree 90 % of the time and a
/// buyer who sues half the time.
#[test]
fn case_outcomes_match_their_closed_forms() {
    let mediation = MEDIATION
        .replace("success_probability = 1.0", "success_probability = 0.9")
        .replace(
            "median_days = 5, sigma = 0.05",
            "median_days = 15, sigma = 0.5",
        );
    let court = COURT.replace("probability = 0.0", "probability = 0.5");
    let (model, results) = simulate(&[(MEDIATION, &mediation), (COURT, &court)], 200);
    let e = analytic::product_metrics(&model, 0);
    let checks: [(&str, PathMetric); 5] = [
        ("mediation_settled_count", |r| r.products[0].settled as f64),
        ("mediation_abandoned_count", |r| {
            r.products[0].abandoned as f64
        }),
        ("court_count", |r| r.products[0].perils[1].count as f64),
        ("mediation_days_mean", |r| {
            let t = &r.products[0];
            t.mean_stage_days()
        }),
        ("mediation_settled_share", |r| {
            let t = &r.products[0];
            t.settled as f64 / t.perils[0].count as f64
        }),
    ];
    for (metric, f) in checks {
        let (mean, se) = mean_and_se(&results, f);
        let want = e[metric];
        assert!(
            (mean - want).abs() < 4.0 * se,
            "{metric}: simulated {mean} ± {se}, closed form {want}"
        );
    }
    // 0.9 × P(talks ≤ 20 days) = 0.9 × Φ(ln(20/15)/0.5) = 0.9 × 0.71747.
    assert!(
        (e["mediation_settled_share"] - 0.9 * 0.717_47).abs() < 1e-4,
        "{e:?}"
    );
}

/// Regression (documented 0.0325 gave 40,412 disputes per million on a portfolio): the
/// probability applies before the category and seasonal multipliers. With every multiplier 1 it
/// is the portfolio's rate; a multiplier of 2 on half the orders makes it 1.5 times that.
#[test]
fn dispute_probability_is_the_rate_of_a_multiplier_1_order() {
    let per_million = |r: &PathResult| {
        let t = &r.products[0];
        1e6 * t.perils[0].count as f64 / t.covered as f64
    };
    let (model, results) = simulate(&[], 100);
    let (mean, se) = mean_and_se(&results, per_million);
    assert!((mean - 40_000.0).abs() < 4.0 * se, "{mean} ± {se}");
    let e = analytic::product_metrics(&model, 0);
    assert!((e["disputes_per_million"] - 40_000.0).abs() < 1e-6, "{e:?}");

    let doubled = "dispute = { probability = 0.04, category_multipliers = { electronics = 2.0 } }";
    let (model, results) = simulate(&[("dispute = { probability = 0.04 }", doubled)], 100);
    let (mean, se) = mean_and_se(&results, per_million);
    assert!((mean - 60_000.0).abs() < 4.0 * se, "{mean} ± {se}");
    let e = analytic::product_metrics(&model, 0);
    assert!((e["disputes_per_million"] - 60_000.0).abs() < 1e-6, "{e:?}");
}

/// `scenarios/legal_protection_launch.toml` holds what it says: the product's own first-year
/// figures (about one million covered transactions, 32,500 disputes per million, 95 % settled
/// in mediation within 20 days), read from a run's output counts.
#[test]
fn the_launch_scenario_reproduces_the_products_own_figures() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/legal_protection_launch.toml"
    );
    let s = Scenario::parse(&std::fs::read_to_string(path).unwrap(), path).unwrap();
    let model = Model::new(&s);
    let results = engine::with_threads(2, || model.simulate(s.seed(), 0..40, &|_| {}))
        .unwrap()
        .unwrap();
    let t = |r: &PathResult| r.products[0];
    let expected = analytic::product_metrics(&model, 0)["covered"];
    assert!(
        (expected / 1e6 - 1.0).abs() < 0.01,
        "{expected} covered transactions"
    );
    let (covered, se) = mean_and_se(&results, |r| t(r).covered as f64);
    assert!(
        (covered - expected).abs() < 4.0 * se,
        "{covered} ± {se} covered"
    );
    let (rate, se) = mean_and_se(&results, |r| {
        1e6 * t(r).perils[0].count as f64 / t(r).covered as f64
    });
    assert!(
        (rate - 32_500.0).abs() < 4.0 * se,
        "{rate} ± {se} disputes per million"
    );
    let (share, se) = mean_and_se(&results, |r| {
        t(r).settled as f64 / t(r).perils[0].count as f64
    });
    assert!(
        (share - 0.95).abs() < 4.0 * se + 0.001,
        "{share} ± {se} settled in 20 days"
    );
    for r in &results {
        let t = t(r);
        assert_eq!(t.abandoned, 0, "the rest go to court");
        assert_eq!(t.settled + t.perils[1].count, t.perils[0].count);
    }
}

/// Anti-selection on the direct way of sale: buyers who register a purchase themselves after
/// buying can dispute more often (`sales.direct.dispute_multiplier`, default 1).
#[test]
fn direct_buyers_can_dispute_more_often() {
    let sales = r#"sales = { checkout = { take_up = 0.5, price_eur = "2.00" }, direct = { take_up = 0.0, price_eur = "2.50" } }"#;
    let anti = r#"sales = { checkout = { take_up = 0.3, price_eur = "2.00" }, direct = { take_up = 0.3, price_eur = "2.50", dispute_multiplier = 2.0 } }"#;
    let (model, results) = simulate(&[(sales, anti)], 100);
    for (segment, want) in [(0, 40_000.0), (1, 80_000.0)] {
        let (mean, se) = mean_and_se(&results, |r| {
            let t = &r.segments[segment];
            1e6 * t.perils[0].count as f64 / t.covered as f64
        });
        assert!(
            (mean - want).abs() < 4.0 * se,
            "segment {segment}: {mean} ± {se}"
        );
        let e = analytic::segment_metrics(&model, segment);
        assert!((e["disputes_per_million"] - want).abs() < 1e-6, "{e:?}");
    }
}

/// The occurrence exceedance curve of legal protection: a path's costliest case. With half the
/// mediations failing and every failed one in court, court cases arrive as a Poisson number
/// with mean λ (the closed form's court count) and each costs 60 EUR of mediation plus a
/// LogNormal(2,000 EUR, σ 0.5) court cost (its ceiling of 20,000 EUR is out of reach at these
/// return periods), so P(largest case ≤ x) = exp(−λ·(1 − G(x − 60))) and the 1-in-T case is
/// 60 + G⁻¹(1 + ln(1 − 1/T)/λ). Each point of the simulated OEP lies within 4 of its
/// standard errors of it.
#[test]
fn the_costliest_case_follows_the_occurrence_closed_form() {
    use protectsim::distributions::normal_quantile;
    use protectsim::store::{Layout, StoredPaths};
    let (model, results) = simulate(
        &[
            (
                "success_probability = 1.0, duration",
                "success_probability = 0.5, duration",
            ),
            (
                "court = { probability = 0.0,",
                "court = { probability = 1.0,",
            ),
        ],
        1500,
    );
    let lambda = analytic::product_metrics(&model, 0)["court_count"];
    assert!(lambda > 100.0, "{lambda} court cases");
    let stored = StoredPaths::in_memory(&results, Layout::of(&model));
    let curves = protectsim::report::ep::curves(&model, &stored).unwrap();
    let oep = curves
        .iter()
        .find(|c| c.line == "legal" && c.curve == "oep")
        .expect("legal protection has an occurrence curve");
    for p in oep.points.iter().filter(|p| p.return_period <= 100) {
        let u = 1.0 + (1.0 - 1.0 / p.return_period as f64).ln() / lambda;
        let expected = 60.0 + 2000.0 * (0.5 * normal_quantile(u)).exp();
        assert!(expected < 20_000.0);
        assert!(
            (p.loss - expected).abs() < 4.0 * p.se,
            "1 in {}: {} ± {} against {expected}",
            p.return_period,
            p.loss,
            p.se
        );
    }
}

/// A per-case excess of loss 2,000 xs 3,060 EUR (court costs between 3,000 and 5,000 EUR on
/// top of the 60 EUR mediation) with enough reinstatements never to run out, priced 1,000 EUR
/// with reinstatements at 50 %. Reference: the layer's expected losses per path are
/// λ·(LEV(5,000) − LEV(3,000)) for λ court cases and the limited expected value of the
/// LogNormal(2,000 EUR, σ 0.5) court cost, LEV(u) = e^{μ+σ²/2}·Φ((ln u − μ − σ²)/σ) +
/// u·(1 − Φ((ln u − μ)/σ)) (Klugman, Panjer and Willmot, Loss Models, the lognormal's limited
/// moments). Each path's reinstatement premium is 1,000 × 50 % × L / 2,000 = L / 4, to the cent.
#[test]
fn a_per_case_excess_of_loss_pays_the_layer_of_each_case() {
    use protectsim::distributions::normal_cdf;
    let (model, results) = simulate(
        &[
            (
                "success_probability = 1.0, duration",
                "success_probability = 0.5, duration",
            ),
            (
                "court = { probability = 0.0,",
                "court = { probability = 1.0,",
            ),
            (
                "products = [\"legal\"]",
                "products = [\"legal\"]\n\n[[reinsurance]]\nproduct = \"legal\"\nexcess_of_loss = { retention_eur = \"3060\", limit_eur = \"2000\", reinstatements = 100, reinstatement_premium = 0.5, premium_eur = \"1000\" }",
            ),
        ],
        600,
    );
    let lambda = analytic::product_metrics(&model, 0)["court_count"];
    let (mu, sigma) = (2000f64.ln(), 0.5f64);
    let lev = |u: f64| {
        (mu + sigma * sigma / 2.0).exp() * normal_cdf((u.ln() - mu - sigma * sigma) / sigma)
            + u * (1.0 - normal_cdf((u.ln() - mu) / sigma))
    };
    let expected = lambda * (lev(5000.0) - lev(3000.0));
    let treaty = model.treaty(0).expect("the legal product's treaty");
    let (mean, se) = mean_and_se(&results, |r| {
        treaty.cede_totals(&r.products[0]).xl_claims.to_eur()
    });
    assert!(
        (mean - expected).abs() < 4.0 * se,
        "layer claims {mean} ± {se} against {expected}"
    );
    for r in &results {
        let t = &r.products[0];
        let c = treaty.cede_totals(t);
        assert_eq!(
            c.xl_claims, t.occurrence_layers[0],
            "no reinstatement runs out"
        );
        let quarter = (t.occurrence_layers[0].0 as f64 / 4.0 + 0.5).floor() as i64;
        assert!((c.reinstatement_premium.0 - quarter).abs() <= 1);
        assert_eq!(c.premium.0, 100_000 + c.reinstatement_premium.0);
    }
}

/// A tower of two contiguous layers, 2,000 xs 3,060 and 5,000 xs 5,060 EUR, on the same cases:
/// each layer pays λ·(LEV(top) − LEV(bottom)) of the court cost (the same limited expected
/// values as above), and together they pay what one layer 7,000 xs 3,060 would.
#[test]
fn a_tower_of_contiguous_layers_splits_each_case_between_them() {
    use protectsim::distributions::normal_cdf;
    let tower = |layers: &str| {
        simulate(
            &[
                (
                    "success_probability = 1.0, duration",
                    "success_probability = 0.5, duration",
                ),
                (
                    "court = { probability = 0.0,",
                    "court = { probability = 1.0,",
                ),
                (
                    "products = [\"legal\"]",
                    &format!(
                        "products = [\"legal\"]\n\n[[reinsurance]]\nproduct = \"legal\"\n{layers}"
                    ),
                ),
            ],
            600,
        )
    };
    let (model, results) = tower(
        "excess_of_loss_layers = [\n  { retention_eur = \"3060\", limit_eur = \"2000\", reinstatements = 100 },\n  { retention_eur = \"5060\", limit_eur = \"5000\", reinstatements = 100 },\n]",
    );
    let lambda = analytic::product_metrics(&model, 0)["court_count"];
    let (mu, sigma) = (2000f64.ln(), 0.5f64);
    let lev = |u: f64| {
        (mu + sigma * sigma / 2.0).exp() * normal_cdf((u.ln() - mu - sigma * sigma) / sigma)
            + u * (1.0 - normal_cdf((u.ln() - mu) / sigma))
    };
    for (k, (bottom, top)) in [(3000.0, 5000.0), (5000.0, 10000.0)]
        .into_iter()
        .enumerate()
    {
        let expected = lambda * (lev(top) - lev(bottom));
        let (mean, se) = mean_and_se(&results, |r| r.products[0].occurrence_layers[k].to_eur());
        assert!(
            (mean - expected).abs() < 4.0 * se,
            "layer {k}: {mean} ± {se} against {expected}"
        );
    }
    let (one, single) = tower(
        "excess_of_loss = { retention_eur = \"3060\", limit_eur = \"7000\", reinstatements = 100 }",
    );
    let (t1, t2) = (model.treaty(0).unwrap(), one.treaty(0).unwrap());
    for (a, b) in results.iter().zip(&single) {
        assert_eq!(
            t1.cede_totals(&a.products[0]).xl_claims,
            t2.cede_totals(&b.products[0]).xl_claims
        );
    }
}

//! Merchant defaults and the order stream: a defaulted company's shops sell nothing after the
//! default day (for every cover), and defaults correlated through the path's economy follow
//! their one-factor Gaussian copula.

use protectsim::distributions::{normal_cdf, normal_quantile};
use protectsim::engine::{self, Model, PathResult};
use protectsim::scenario::Scenario;
use protectsim::summary;

fn simulate(text: &str, paths: u64) -> (Model, Vec<PathResult>) {
    let scenario = Scenario::parse(text, "insolvency.toml").unwrap();
    let model = Model::new(&scenario);
    let results = engine::with_threads(2, || model.simulate(scenario.seed(), 0..paths, &|_| {}))
        .unwrap()
        .unwrap();
    (model, results)
}

/// A company that defaults on every path (annual default probability 1), selling parcel
/// protection and the guarantee in one shop.
const ALWAYS_DEFAULTS: &str = r#"
[horizon]
start = "2026-01-01"
days = 365

[simulation]
seed = 11
paths = 200

[[products]]
name = "parcel"
kind = "buyer_protection"
take_up = 0.5
tariff = { flat_fee_eur = "0.98", flat_below_eur = "100", rates = { standard = "0.015" } }

[[products]]
name = "trustmark"
kind = "guarantee_frame"
take_up = 0.333

[[companies]]
name = "A"
default_probability = 1.0

[[companies.shops]]
name = "a.fr"
orders_per_day = 200
basket = { median_eur = 40, sigma = 0.8 }
categories = { home_garden = 1.0 }
risk_class = "standard"
products = ["parcel", "trustmark"]
"#;

/// Regression: orders were drawn for a merchant's shop after its default day, as if it kept
/// selling. Now no guarantee is active once the last one of the default day has expired, and
/// every cover's expected orders (each day weighted by the chance the shop still sells, 1 −
/// d/365 here) match the simulation.
#[test]
fn a_defaulted_company_sells_nothing_after_its_default_day() {
    let (model, results) = simulate(ALWAYS_DEFAULTS, 200);
    for r in &results {
        let f = &r.frames[0];
        let tau = f.default_day.expect("defaults on every path") as usize;
        // Guarantees last 30 days: an order of day τ is active until τ + 29.
        for (d, &a) in f.active_eur.iter().enumerate().skip(tau + 30) {
            assert_eq!(a, 0.0, "path {} day {d}: default on day {tau}", r.path);
        }
    }
    let rows = summary::summarise(&model, &results);
    let row = |product: &str, metric: &str| {
        rows.iter()
            .find(|r| r.product == product && r.segment.is_none() && r.metric == metric)
            .unwrap()
    };
    for (product, metric) in [
        ("parcel", "covered"),
        ("parcel", "claims_eur"),
        ("trustmark", "covered"),
    ] {
        let r = row(product, metric);
        let (mean, se, want) = (r.summary.mean, r.summary.se, r.analytic.unwrap());
        let z = (mean - want) / se;
        assert!(
            z.abs() < 4.0,
            "{product} {metric}: {mean} ± {se}, want {want}, z = {z:.2}"
        );
    }
    // About half the orders of a year that runs to its end (less: the default comes before
    // the busy end of the year as often as after it).
    let trustmark = row("trustmark", "covered").analytic.unwrap();
    let full = 200.0 * 365.0 * 0.333;
    assert!(
        (0.45..0.52).contains(&(trustmark / full)),
        "{trustmark} of {full}"
    );
}

/// Two companies with one shop each, defaulting with the same probability, their defaults
/// correlated through the path's economy.
fn correlated(rho: &str) -> String {
    let company = |name: &str| {
        format!(
            "[[companies]]\nname = \"{name}\"\ndefault_probability = 0.1\n\n[[companies.shops]]\nname = \"{name}.fr\"\norders_per_day = 1\nbasket = {{ median_eur = 40, sigma = 0.8 }}\ncategories = {{ home_garden = 1.0 }}\nproducts = [\"trustmark\"]\n\n"
        )
    };
    format!(
        "[horizon]\nstart = \"2026-01-01\"\ndays = 365\n\n[simulation]\nseed = 5\npaths = 10\n\n[[products]]\nname = \"trustmark\"\nkind = \"guarantee_frame\"\ntake_up = 0.333\ninsolvency = {{ asset_correlation = {rho} }}\n\n{}{}",
        company("A"),
        company("B")
    )
}

/// With asset correlation ρ each company defaults with its probability p, and both together
/// with `∫ φ(z) Φ((Φ⁻¹(p) − √ρ z)/√(1−ρ))² dz` (computed here by a midpoint rule), far above
/// the independent p².
#[test]
fn correlated_defaults_follow_their_gaussian_copula() {
    let paths = 4_000;
    let (model, results) = simulate(&correlated("0.5"), paths);
    let p = model.frames()[0].p_default;
    let defaults = |r: &PathResult, k: usize| r.frames[k].default_day.is_some();
    let n = paths as f64;
    let one = results.iter().filter(|r| defaults(r, 0)).count() as f64 / n;
    let both = results
        .iter()
        .filter(|r| defaults(r, 0) && defaults(r, 1))
        .count() as f64
        / n;
    let (rho, c) = (0.5_f64, normal_quantile(p));
    let steps = 20_000;
    let want: f64 = (0..steps)
        .map(|i| {
            let z = -10.0 + 20.0 * (i as f64 + 0.5) / steps as f64;
            let phi = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
            let q = normal_cdf((c - rho.sqrt() * z) / (1.0 - rho).sqrt());
            phi * q * q * 20.0 / steps as f64
        })
        .sum();
    let se = |q: f64| (q * (1.0 - q) / n).sqrt();
    assert!(
        (one - p).abs() < 4.0 * se(p),
        "P(default) {one} against {p}"
    );
    assert!(
        (both - want).abs() < 4.0 * se(want),
        "P(both) {both} against {want}"
    );
    assert!(want > p * p + 8.0 * se(p * p), "{want} against {}", p * p);

    // Without correlation the draws are those of independent defaults.
    let (_, independent) = simulate(&correlated("0"), 400);
    let (_, plain) = simulate(
        &correlated("0").replace("insolvency = { asset_correlation = 0 }\n", ""),
        400,
    );
    for (a, b) in independent.iter().zip(&plain) {
        assert_eq!(a.frames[0].default_day, b.frames[0].default_day);
        assert_eq!(a.frames[1].default_day, b.frames[1].default_day);
    }
}

/// At a default, the guarantee refunds the active orders not yet delivered and, with
/// `insolvency.return_window_days`, those delivered within the window, whose buyers withdraw
/// and cannot be refunded by the merchant: with a 14-day window, several times as many
/// refunds as with none (deliveries take about 4 days here, guarantees last 30).
#[test]
fn a_return_window_refunds_recent_deliveries_too() {
    let refunds = |text: &str| -> f64 {
        let (_, results) = simulate(text, 100);
        results
            .iter()
            .map(|r| r.products[1].perils[0].count as f64)
            .sum::<f64>()
            / 100.0
    };
    let without = refunds(ALWAYS_DEFAULTS);
    let with = refunds(&ALWAYS_DEFAULTS.replace(
        "take_up = 0.333\n",
        "take_up = 0.333\ninsolvency = { return_window_days = 14 }\n",
    ));
    assert!(without > 0.0);
    assert!(with > 2.5 * without, "{with} against {without}");
}

/// The insolvency fields' bounds, named with the field path.
#[test]
fn insolvency_fields_out_of_range_are_refused() {
    for (field, says) in [
        ("asset_correlation = 1", "must be below 1"),
        ("asset_correlation = -0.1", "must be a probability"),
        ("return_window_days = 45", "must be at most 30 days"),
        ("return_window_days = -1", "return_window_days"),
        (
            "stress_month = { month = 13, multiplier = 2 }",
            "must be a month number from 1",
        ),
        (
            "stress_month = { month = 11, multiplier = 0 }",
            "stress_month.multiplier",
        ),
    ] {
        let text = ALWAYS_DEFAULTS.replace(
            "take_up = 0.333\n",
            &format!("take_up = 0.333\ninsolvency = {{ {field} }}\n"),
        );
        let e = Scenario::parse(&text, "bad.toml").unwrap_err().to_string();
        assert!(e.contains("products[1].insolvency."), "{field}: {e}");
        assert!(e.contains(says), "{field}: {e}");
    }
}

/// A stress month makes a default that many times as likely on each of its days: with
/// November weighing 10, a default falls in November with probability 300 / (300 + 335), and
/// the closed forms, which weigh each day by the chance the shop still sells, follow.
#[test]
fn a_stress_month_concentrates_the_defaults() {
    let text = ALWAYS_DEFAULTS.replace(
        "take_up = 0.333\n",
        "take_up = 0.333\ninsolvency = { stress_month = { month = 11, multiplier = 10 } }\n",
    );
    let paths = 400;
    let (model, results) = simulate(&text, paths);
    // 2026: November is days 304 to 333 of the year.
    let in_november = results
        .iter()
        .filter(|r| (304..334).contains(&r.frames[0].default_day.unwrap()))
        .count() as f64
        / paths as f64;
    let want = 300.0 / 635.0;
    let se = (want * (1.0 - want) / paths as f64).sqrt();
    assert!(
        (in_november - want).abs() < 4.0 * se,
        "{in_november} against {want}"
    );
    let rows = summary::summarise(&model, &results);
    for product in ["parcel", "trustmark"] {
        let r = rows
            .iter()
            .find(|r| r.product == product && r.segment.is_none() && r.metric == "covered")
            .unwrap();
        let (mean, se, want) = (r.summary.mean, r.summary.se, r.analytic.unwrap());
        assert!(
            ((mean - want) / se).abs() < 4.0,
            "{product}: {mean} ± {se}, want {want}"
        );
    }
    // Later defaults than uniform ones: more orders before them.
    let (uniform, _) = simulate(ALWAYS_DEFAULTS, 2);
    let covered = |m: &Model| protectsim::analytic::parcel(m, 0).covered;
    assert!(covered(&model) > 1.2 * covered(&uniform));
}

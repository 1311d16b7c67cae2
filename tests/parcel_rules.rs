//! Parcel buyer protection, one contract rule at a time, each on a tiny scenario that isolates
//! it (`tests/fixtures/parcel_rules.toml`, edited per test): what one order can be paid, when
//! a late parcel becomes a lost one, and which goods no exclusion list can make insurable.

use protectsim::analytic;
use protectsim::engine::{self, Model, PathResult};
use protectsim::products::Product;
use protectsim::scenario::Scenario;
use protectsim::stats::Moments;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/parcel_rules.toml"
);

/// The fixture with each `(from, to)` replaced (each `from` must occur once).
fn scenario(edits: &[(&str, &str)]) -> Scenario {
    let mut text = std::fs::read_to_string(FIXTURE).unwrap();
    for (from, to) in edits {
        assert_eq!(text.matches(from).count(), 1, "{from:?} must occur once");
        text = text.replacen(from, to, 1);
    }
    Scenario::parse(&text, "parcel_rules.toml").unwrap()
}

fn simulate(s: &Scenario, paths: u64) -> (Model, Vec<PathResult>) {
    let model = Model::new(s);
    let results = engine::with_threads(2, || model.simulate(s.seed(), 0..paths, &|_| {}))
        .unwrap()
        .unwrap();
    (model, results)
}

/// Simulated mean of `f` over paths within 4 standard errors of the closed form `expected`.
fn within_4_se(results: &[PathResult], f: impl Fn(&PathResult) -> f64, expected: f64, what: &str) {
    let mut m = Moments::default();
    for r in results {
        m.push(f(r));
    }
    let se = m.standard_error().max(1e-9);
    assert!(
        (m.mean() - expected).abs() < 4.0 * se,
        "{what}: simulated {} ± {se}, closed form {expected}",
        m.mean()
    );
}

/// Regression (the issue's reproducer): 3 EUR baskets, damage probability 0.5 and a 20-day
/// transit paid the 5 EUR delay on top of the damaged basket, 18,877 EUR of claims on 8,723 EUR
/// of exposure. Every order is now paid at most its basket: the damage first, then what is
/// left of the basket for the delay.
#[test]
fn one_order_is_never_paid_more_than_its_basket() {
    let s = scenario(&[]);
    let (model, results) = simulate(&s, 200);
    for r in &results {
        let t = &r.products[0];
        assert!(t.covered > 5_000, "{t:?}");
        assert!(
            t.claims() <= t.exposure,
            "path {}: claims {} over exposure {}",
            r.path,
            t.claims(),
            t.exposure
        );
        let [delay, damage, _] = [t.perils[0], t.perils[1], t.perils[2]];
        // Every parcel is late (20 days > 10) and half are damaged: the damaged ones are paid
        // their basket once, the others the delay payout capped at the basket (about 3 EUR).
        assert!(delay.count > 0 && damage.count > 0);
        assert!(delay.amount.0 <= 310 * delay.count as i64, "{delay:?}");
    }
    let e = analytic::product_metrics(&model, 0);
    for (k, metric) in ["delay_eur", "damage_eur", "delay_count", "damage_count"]
        .iter()
        .enumerate()
    {
        let expected = e[*metric];
        let (peril, money) = (k % 2, k < 2);
        within_4_se(
            &results,
            |r| {
                let p = r.products[0].perils[peril];
                if money {
                    p.amount.to_eur()
                } else {
                    p.count as f64
                }
            },
            expected,
            metric,
        );
    }
}

/// Regression: a parcel in transit 45 days was paid as late (5 EUR) because loss was only an
/// independent probability. Past the loss threshold (30 days domestic) a parcel is lost and
/// paid its value; with no vanishing parcels at all, every claim is then a loss.
#[test]
fn a_parcel_not_delivered_by_the_loss_threshold_is_lost() {
    let s = scenario(&[
        (
            "median_days = 20.0, sigma = 0.05",
            "median_days = 45.0, sigma = 0.05",
        ),
        (
            "median_eur = 3, sigma = 0.05",
            "median_eur = 40, sigma = 0.5",
        ),
    ]);
    let (model, results) = simulate(&s, 100);
    for r in &results {
        let t = &r.products[0];
        let [delay, damage, loss] = [t.perils[0], t.perils[1], t.perils[2]];
        assert_eq!(
            (delay.count, damage.count),
            (0, 0),
            "path {}: {t:?}",
            r.path
        );
        // Reported 1 + 30 days after the order plus a lag: inside the 90-day window.
        assert!(loss.count + t.rejected >= t.covered * 99 / 100, "{t:?}");
        assert_eq!(
            loss.amount, t.exposure,
            "every covered parcel is paid its value"
        );
    }
    let e = analytic::product_metrics(&model, 0);
    within_4_se(
        &results,
        |r| r.products[0].perils[2].amount.to_eur(),
        e["loss_eur"],
        "loss",
    );
    assert!(e["delay_count"].abs() < 1e-6, "{e:?}");

    // Between the thresholds (20 days), a late parcel stays late: the delay, not the loss.
    let s = scenario(&[(
        "probability = { domestic = 0.5, international = 0.5 }       # damage",
        "probability = { domestic = 0.0, international = 0.0 }",
    )]);
    let (model, results) = simulate(&s, 20);
    for r in &results {
        let t = &r.products[0];
        assert_eq!(t.perils[2].count, 0, "{t:?}");
        assert_eq!(t.perils[0].count + t.rejected, t.covered, "{t:?}");
    }
    let e = analytic::product_metrics(&model, 0);
    within_4_se(
        &results,
        |r| r.products[0].perils[0].amount.to_eur(),
        e["delay_eur"],
        "delay",
    );
}

/// Regression: writing `exclusions.categories` dropped the built-in exclusions of goods that
/// ship no parcel, so a shop of digital goods paid parcel claims. Those goods are never covered;
/// a written list only adds to them.
#[test]
fn an_exclusion_list_does_not_make_goods_without_a_parcel_insurable() {
    for categories in [
        "categories = { digital_goods = 1.0 }",
        "categories = { gift_cards = 0.5, services = 0.5 }",
    ] {
        let s = scenario(&[
            ("categories = { home_garden = 1.0 }", categories),
            (
                "report_within_days = 90\n",
                "report_within_days = 90\nexclusions = { categories = [\"tobacco\"] }\n",
            ),
        ]);
        let (_, results) = simulate(&s, 5);
        for r in &results {
            let t = &r.products[0];
            assert_eq!(
                (t.covered, t.claims().0, t.premium.0),
                (0, 0, 0),
                "{categories}: {t:?}"
            );
            assert!(t.ineligible > 5_000, "{categories}: {t:?}");
        }
    }
    // The same list on physical goods still covers them.
    let s = scenario(&[(
        "report_within_days = 90\n",
        "report_within_days = 90\nexclusions = { categories = [\"tobacco\"] }\n",
    )]);
    let (_, results) = simulate(&s, 2);
    assert!(results[0].products[0].covered > 5_000);
}

/// The value caps apply per piece (jewellery over 1,500 EUR a piece is excluded): an order of
/// several items sharing its basket is covered up to that many times the cap. Jewellery
/// baskets around 2,000 EUR are excluded as single pieces and covered as pairs; a shop of
/// both has the mixture, and each matches its closed form.
#[test]
fn value_caps_apply_per_piece() {
    let jewellery = [
        (
            "basket = { median_eur = 3, sigma = 0.05, cap_eur = 2500 }",
            "basket = { median_eur = 2000, sigma = 0.1, cap_eur = 5000 }",
        ),
        (
            "categories = { home_garden = 1.0 }",
            "categories = { jewellery = 1.0 }",
        ),
    ];
    let with_items = |items: &str| {
        let line = format!("categories = {{ jewellery = 1.0 }}\nitems_per_order = {items}");
        scenario(&[jewellery[0], (jewellery[1].0, line.as_str())])
    };
    // The covered share of the orders (closed form), once the simulation matches it.
    let covered = |s: &Scenario| {
        let (model, results) = simulate(s, 40);
        let e = analytic::parcel(&model, 0);
        within_4_se(
            &results,
            |r| r.products[0].covered as f64,
            e.covered,
            "covered",
        );
        e.covered / (e.covered + e.ineligible)
    };
    let single = covered(&scenario(&jewellery));
    let pairs = covered(&with_items("[0, 1]"));
    let mixed = covered(&with_items("[0.5, 0.5]"));
    assert!(single < 0.01, "single pieces over the cap: {single}");
    assert!(pairs > 0.99, "pairs under twice the cap: {pairs}");
    assert!((mixed - (single + pairs) / 2.0).abs() < 1e-9, "{mixed}");
}

/// The quickstart-like fixture (two shops, two risk classes, some international parcels) with
/// `factors` as its parcel tariff's rating table (none if empty) and, if `views`, the pricing
/// views (which send the orders through the general loop, picking each order's category).
fn rated(factors: &str, views: bool) -> Scenario {
    let mut text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/quickstart_like.toml"
    ))
    .unwrap();
    for (from, to) in [
        (
            "rounding = \"half_up\"".to_string(),
            format!("rounding = \"half_up\"\nfactors = {factors}"),
        ),
        (
            "take_up = 0.30".to_string(),
            "take_up = 0.30\npricing_views = [\"channel\", \"category_group\"]".to_string(),
        ),
    ]
    .into_iter()
    .enumerate()
    .filter(|(k, _)| if *k == 0 { !factors.is_empty() } else { views })
    .map(|(_, edit)| edit)
    {
        assert_eq!(text.matches(&from).count(), 1, "{from:?}");
        text = text.replacen(&from, &to, 1);
    }
    Scenario::parse(&text, "quickstart_like.toml").unwrap()
}

const FACTORS: &str = r#"{ destination = { international = "1.5" }, category_group = { electronics = "1.25", home = "0.9" }, value_bands = [{ from_eur = "300", factor = "0.8" }, { from_eur = "1000", factor = "0.7" }], rate_range = ["0.005", "0.06"] }"#;

/// A rating table whose factors are all 1 prices every order at its class rate: not a cent
/// of any cell changes, whether the orders take the loop with a rate per destination (a
/// destination factor alone) or, with a group factor (which keeps the rated views), the loop
/// that picks each order's category and reads the table.
#[test]
fn a_rating_table_of_ones_changes_no_cent() {
    let plain = Model::new(&rated("", false));
    for factors in [
        r#"{ destination = { international = "1" } }"#,
        r#"{ destination = { international = "1" }, category_group = { electronics = "1" } }"#,
    ] {
        let ones = Model::new(&rated(factors, false));
        let Product::BuyerProtection(p) = &ones.products()[0] else {
            panic!("parcel product");
        };
        assert!(p.tariff.factors.is_some());
        for path in 0..3 {
            let (a, b) = (plain.simulate_path(5, path), ones.simulate_path(5, path));
            assert_eq!(a.products, b.products, "{factors}: path {path}");
            assert_eq!(
                a.segments[..],
                b.segments[..a.segments.len()],
                "{factors}: path {path}"
            );
        }
    }
}

/// The rate of a rated basket is the class rate times its destination's, category group's
/// and value band's factors: the premium matches its closed form (the partial means of the
/// basket in each band, by destination and group) and differs from the class rate's; with a
/// destination factor alone, both loops (runs of the category draw, or a pick per order)
/// charge the same cents.
#[test]
fn the_rating_table_prices_each_order_by_destination_group_and_value_band() {
    let s = rated(FACTORS, false);
    let model = Model::new(&s);
    let results = engine::with_threads(2, || model.simulate(11, 0..120, &|_| {}))
        .unwrap()
        .unwrap();
    let e = analytic::parcel(&model, 0);
    let plain = analytic::parcel(&Model::new(&rated("", false)), 0);
    assert!(
        (e.premium_eur / plain.premium_eur - 1.0).abs() > 0.01,
        "the factors move the premium: {} vs {}",
        e.premium_eur,
        plain.premium_eur
    );
    within_4_se(
        &results,
        |r| r.products[0].premium.to_eur(),
        e.premium_eur,
        "premium",
    );
    within_4_se(
        &results,
        |r| r.products[0].covered as f64,
        e.covered,
        "covered",
    );
    let by_destination = r#"{ destination = { international = "1.5" } }"#;
    let fast = Model::new(&rated(by_destination, false));
    let views = Model::new(&rated(by_destination, true));
    for path in 0..3 {
        let (a, b) = (fast.simulate_path(5, path), views.simulate_path(5, path));
        assert_eq!(a.products, b.products, "path {path}");
        assert_eq!(
            a.segments[..],
            b.segments[..a.segments.len()],
            "path {path}"
        );
        assert!(b.segments.len() > a.segments.len());
    }
    // The views of the rated baskets add up to the rated cells (by group, and by band).
    let r = model.simulate_path(5, 0);
    let names: Vec<&str> = model.segments().iter().map(|s| s.name.as_str()).collect();
    let premium = |keep: &dyn Fn(&str) -> bool| -> i64 {
        (names.iter().zip(&r.segments))
            .filter(|(n, _)| keep(n))
            .map(|(_, t)| t.premium.0)
            .sum()
    };
    let rated_cells = premium(&|n| n.contains("/rated/"));
    assert!(rated_cells > 0);
    assert_eq!(
        premium(&|n| n.starts_with("rated_category_group:")),
        rated_cells
    );
    assert_eq!(premium(&|n| n.starts_with("value_band:")), rated_cells);
    for band in [
        "value_band:100-300",
        "value_band:300-1000",
        "value_band:1000+",
    ] {
        assert!(names.contains(&band), "{band} in {names:?}");
    }
}

/// One order's effective rate, cell by cell of the table: the class rate times the factors,
/// rounded to the millionth by the tariff's rule; flat baskets pay the fee whatever their
/// factors.
#[test]
fn each_cell_of_the_rating_table_is_the_product_of_its_factors() {
    let model = Model::new(&rated(FACTORS, false));
    let Product::BuyerProtection(p) = &model.products()[0] else {
        panic!("parcel product");
    };
    let f = p.tariff.factors.as_ref().expect("rating table");
    let high = p.tariff.rates["high"];
    let r = |d, g, b| f.effective(high, d, g, b, p.tariff.rounding).to_text();
    // 0.03 × 1.5 (international) × 1.25 (electronics) × 0.8 (from 300 EUR) = 0.045.
    assert_eq!(r(1, 1, 1), "0.045");
    // 0.03 × 0.9 (home) × 0.7 (from 1,000 EUR) = 0.0189, domestic.
    assert_eq!(r(0, 2, 2), "0.0189");
    assert_eq!(r(0, 0, 0), "0.03");
    let c = |eur: i64| f.band_of(protectsim::money::Cents(eur * 100));
    assert_eq!((c(150), c(300), c(999), c(1000), c(5000)), (0, 1, 1, 2, 2));
}

/// The occurrence of parcel protection is a day's claims over every shop. With only delay
/// claims of a fixed 5 EUR (baskets far above the payout, parcels always late, none lost or
/// damaged), a flat calendar (every weekday multiplier 1, a horizon inside March) and Poisson
/// orders, the claim counts of the 30 days are independent Poisson with one mean
/// μ = E[delay claims] / 30, so P(largest day ≤ 5k EUR) = F_μ(k)³⁰ and the 1-in-T day is 5k for
/// the smallest k with F_μ(k)³⁰ ≥ 1 − 1/T. Each point of the simulated occurrence curve lies
/// within 4 standard errors (or one claim) of it.
#[test]
fn the_largest_days_claims_follow_the_occurrence_closed_form() {
    let s = scenario(&[
        (
            "probability = { domestic = 0.5, international = 0.5 }       # damage",
            "probability = { domestic = 0.0, international = 0.0 }",
        ),
        (
            "basket = { median_eur = 3, sigma = 0.05, cap_eur = 2500 }   # basket",
            "basket = { median_eur = 300, sigma = 0.05, cap_eur = 2500 }",
        ),
        (
            "products = [\"parcel\"]",
            "products = [\"parcel\"]\n\n[calendar]\nweekday_multipliers = [1, 1, 1, 1, 1, 1, 1]",
        ),
    ]);
    let (model, results) = simulate(&s, 2000);
    let e = analytic::product_metrics(&model, 0);
    assert!(e["damage_count"] == 0.0 && e["loss_count"] < 1e-6, "{e:?}");
    let mu = e["delay_count"] / 30.0;
    // F_μ(k)^30 for k = 0, 1, 2, …, from the Poisson probabilities in log space.
    let ln_pmf = |k: u64| -> f64 {
        let lgamma: f64 = (1..=k).map(|i| (i as f64).ln()).sum();
        k as f64 * mu.ln() - mu - lgamma
    };
    let stored =
        protectsim::store::StoredPaths::in_memory(&results, protectsim::store::Layout::of(&model));
    let curves = protectsim::report::ep::curves(&model, &stored).unwrap();
    let oep = curves
        .iter()
        .find(|c| c.curve == "oep")
        .expect("parcel protection has an occurrence curve");
    for p in oep.points.iter().filter(|p| p.return_period <= 20) {
        let target = 1.0 - 1.0 / p.return_period as f64;
        let (mut k, mut cdf) = (0u64, 0.0f64);
        loop {
            cdf += ln_pmf(k).exp();
            if cdf.min(1.0).powi(30) >= target {
                break;
            }
            k += 1;
        }
        let expected = 5.0 * k as f64;
        assert!(
            (p.loss - expected).abs() <= (4.0 * p.se).max(5.0),
            "1 in {}: {} ± {} against {expected} (μ {mu})",
            p.return_period,
            p.loss,
            p.se
        );
    }
    // No day exceeds the path's claims, and a path's claims are at most 30 of its largest days.
    for r in &results {
        let t = &r.products[0];
        assert!(t.largest_occurrence <= t.claims());
        assert!(t.claims().0 <= 30 * t.largest_occurrence.0);
    }
}

/// An excess of loss on a day's parcel claims (an event cover), 300 xs 1,000 EUR, on the
/// scenario of the occurrence test: each of the 30 days' claims is 5 EUR times a Poisson(μ)
/// count, so the layer's expected losses per path are
/// 30 · Σ_k P(N = k)·min((5k − 1,000)⁺, 300), summed here over k. With no reinstatement the
/// layer pays at most 300 EUR a path.
#[test]
fn a_per_day_excess_of_loss_pays_the_layer_of_each_day() {
    let base = [
        (
            "probability = { domestic = 0.5, international = 0.5 }       # damage",
            "probability = { domestic = 0.0, international = 0.0 }",
        ),
        (
            "basket = { median_eur = 3, sigma = 0.05, cap_eur = 2500 }   # basket",
            "basket = { median_eur = 300, sigma = 0.05, cap_eur = 2500 }",
        ),
    ];
    let layer = |reinstatements: u32| {
        format!(
            "products = [\"parcel\"]\n\n[calendar]\nweekday_multipliers = [1, 1, 1, 1, 1, 1, 1]\n\n[[reinsurance]]\nproduct = \"parcel\"\nexcess_of_loss = {{ retention_eur = \"1000\", limit_eur = \"300\", reinstatements = {reinstatements} }}"
        )
    };
    let unlimited = layer(40);
    let mut edits = base.to_vec();
    edits.push(("products = [\"parcel\"]", &unlimited));
    let (model, results) = simulate(&scenario(&edits), 800);
    let mu = analytic::product_metrics(&model, 0)["delay_count"] / 30.0;
    let mut expected = 0.0;
    let mut ln_pmf = -mu;
    for k in 0..2000u64 {
        if k > 0 {
            ln_pmf += mu.ln() - (k as f64).ln();
        }
        expected += ln_pmf.exp() * (5.0 * k as f64 - 1000.0).clamp(0.0, 300.0);
    }
    expected *= 30.0;
    let treaty = model.treaty(0).unwrap();
    within_4_se(
        &results,
        |r| treaty.cede_totals(&r.products[0]).xl_claims.to_eur(),
        expected,
        "layer claims per path",
    );
    // Without reinstatements the layer pays its limit once at most.
    let once = layer(0);
    let mut edits = base.to_vec();
    edits.push(("products = [\"parcel\"]", &once));
    let (model, results) = simulate(&scenario(&edits), 200);
    let treaty = model.treaty(0).unwrap();
    for r in &results {
        let c = treaty.cede_totals(&r.products[0]);
        assert_eq!(
            c.xl_claims.0,
            r.products[0].occurrence_layers[0].0.min(30_000)
        );
    }
}

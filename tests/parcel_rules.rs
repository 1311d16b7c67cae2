//! Parcel buyer protection, one contract rule at a time, each on a tiny scenario that isolates
//! it (`tests/fixtures/parcel_rules.toml`, edited per test): what one order can be paid, when
//! a late parcel becomes a lost one, and which goods no exclusion list can make insurable.

use protectsim::analytic;
use protectsim::engine::{self, Model, PathResult};
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

/// Regression (the reproducer): 3 EUR baskets, damage probability 0.5 and a 20-day
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

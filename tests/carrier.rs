//! Carrier disruptions (`tests/fixtures/carriers.toml`): the common shock of the parcel covers
//! of every shop shipping through one carrier. Their expected claims match the closed form
//! that weighs each day's disrupted and normal risks by P(day disrupted), and the two shops'
//! products move together only when they share the carrier.

use protectsim::analytic;
use protectsim::engine::{self, Model, PathResult};
use protectsim::scenario::Scenario;
use protectsim::stats::{self, Moments};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/carriers.toml");

/// The fixture with each `(from, to)` replaced (each `from` must occur once), simulated.
fn simulate(edits: &[(&str, &str)], paths: u64) -> (Model, Vec<PathResult>) {
    let mut text = std::fs::read_to_string(FIXTURE).unwrap();
    for (from, to) in edits {
        assert_eq!(text.matches(from).count(), 1, "{from:?} must occur once");
        text = text.replacen(from, to, 1);
    }
    let s = Scenario::parse(&text, "carriers.toml").unwrap();
    let model = Model::new(&s);
    let results = engine::with_threads(2, || model.simulate(s.seed(), 0..paths, &|_| {}))
        .unwrap()
        .unwrap();
    (model, results)
}

fn peril_counts(results: &[PathResult], product: usize, peril: usize) -> Vec<f64> {
    results
        .iter()
        .map(|r| r.products[product].perils[peril].count as f64)
        .collect()
}

const DELAY: usize = 0;
const LOSS: usize = 2;

/// Reference: E[count] = Σ_d covered(d)·[(1 − q_d)·p(d) + q_d·p_disrupted(d)], with
/// q_d = 1 − exp(−r·min(L, d + 1)) for a Poisson rate r of starts and episodes of L days (the
/// engine's closed form; `carrier::tests` checks q_d against draws). Without the weighting the
/// closed form is far lower, which the last assertion shows.
#[test]
fn disrupted_claims_match_the_closed_form_weighed_by_the_disrupted_days() {
    let (model, results) = simulate(&[], 600);
    let (calm, _) = simulate(
        &[(
            "disruption = { per_year = 12, days = 6, loss_multiplier = 4, delay_multiplier = 3 }",
            "",
        )],
        1,
    );
    for product in 0..2 {
        let e = analytic::product_metrics(&model, product);
        let without = analytic::product_metrics(&calm, product);
        for (peril, name) in [(DELAY, "delay_count"), (LOSS, "loss_count")] {
            let mut m = Moments::default();
            peril_counts(&results, product, peril)
                .into_iter()
                .for_each(|x| m.push(x));
            let expected = e[name];
            assert!(
                (m.mean() - expected).abs() < 4.0 * m.standard_error(),
                "product {product} {name}: {} ± {} against {expected}",
                m.mean(),
                m.standard_error()
            );
            assert!(
                expected > without[name] + 10.0 * m.standard_error(),
                "{name}: {expected} against {} without disruptions",
                without[name]
            );
        }
    }
}

/// Two shops of one carrier share its disrupted days: their products' loss counts are
/// correlated. With the second shop on a carrier without disruptions, they are independent
/// (nothing else is shared: no volume factor, no seasonality).
#[test]
fn shops_of_one_carrier_share_its_shocks_and_only_they_do() {
    let loss_correlation = |edits: &[(&str, &str)]| {
        let (_, results) = simulate(edits, 500);
        stats::correlation(
            &peril_counts(&results, 0, LOSS),
            &peril_counts(&results, 1, LOSS),
        )
    };
    let (shared, se) = loss_correlation(&[]);
    assert!(shared > 0.3 && shared > 4.0 * se, "{shared} ± {se}");
    let (apart, se) = loss_correlation(&[(
        "carrier = \"Colis Express\"                                                          # carrier b",
        "carrier = \"Poste Locale\"",
    )]);
    assert!(apart.abs() < 4.0 * se, "{apart} ± {se}");
}

/// The same disrupted days on any thread count: the episodes come from the carrier's own
/// stream of each path.
#[test]
fn disruptions_are_the_same_on_any_thread_count() {
    let s = Scenario::load(FIXTURE.as_ref()).unwrap();
    let model = Model::new(&s);
    let one = engine::with_threads(1, || model.simulate(9, 0..70, &|_| {}))
        .unwrap()
        .unwrap();
    let two = engine::with_threads(2, || model.simulate(9, 0..70, &|_| {}))
        .unwrap()
        .unwrap();
    assert_eq!(one, two);
}

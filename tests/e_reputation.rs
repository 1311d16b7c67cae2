//! E-reputation legal cover against its closed forms: expected cases (Poisson means), the
//! phase tree's expected costs with a ceiling that cannot bind, the capped-lognormal mean of a
//! court-only tree under a finite ceiling (and with a deductible), determinism across thread
//! counts, and segments adding up to the product.

use protectsim::distributions::LogNormal;
use protectsim::engine::{self, Model, PathResult};
use protectsim::products::Product;
use protectsim::products::e_reputation::PolicyBook;
use protectsim::scenario::Scenario;
use protectsim::stats::Moments;
use protectsim::summary;

/// The e-reputation book of the golden fixture (the example scenario as it was, with the
/// original phase tree written out), so that tidying the example breaks nothing here.
fn example() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/golden/e_reputation.toml"
    ))
    .unwrap()
}

fn model(text: &str) -> Model {
    Model::new(&Scenario::parse(text, "test.toml").unwrap_or_else(|e| panic!("{e}")))
}

fn simulate(model: &Model, seed: u64, paths: u64, threads: usize) -> Vec<PathResult> {
    engine::with_threads(threads, || model.simulate(seed, 0..paths, &|_| {}))
        .unwrap()
        .unwrap()
}

const HEADER: &str = r#"
[horizon]
start = "2026-01-01"
days = 365

[simulation]
seed = 1
paths = 100
"#;

/// Every summary row with an analytic value, products and segments: within 4 standard errors,
/// or equal (to 1e-9 relative) where the metric does not vary over paths. Returns how many
/// rows were checked.
fn assert_rows_match(model: &Model, results: &[PathResult]) -> usize {
    let rows = summary::summarise(model, results);
    let mut checked = 0;
    for r in rows.iter().filter(|r| r.analytic.is_some()) {
        let (mean, se, want) = (r.summary.mean, r.summary.se, r.analytic.unwrap());
        let what = format!("{} {:?} {}", r.product, r.segment, r.metric);
        if se == 0.0 {
            assert!(
                (mean - want).abs() <= 1e-9 * want.abs().max(1.0),
                "{what}: simulated {mean} (constant), analytic {want}"
            );
        } else {
            let z = (mean - want) / se;
            assert!(
                z.abs() < 4.0,
                "{what}: simulated {mean} ± {se}, analytic {want}, z = {z:.2}"
            );
        }
        checked += 1;
    }
    checked
}

/// The example book with a ceiling too high to bind: every expected count, cost, outstanding
/// and retained amount of the product and of each segment matches its closed form, and the
/// defamation cost per case matches a hand computation of the tree.
#[test]
fn tree_costs_match_closed_forms_when_the_ceiling_cannot_bind() {
    let text = example().replace(r#"ceiling_eur = "10000""#, r#"ceiling_eur = "10000000""#);
    let model = model(&text);
    let Product::EReputation(p) = &model.products()[0] else {
        panic!("e_reputation expected")
    };
    assert!(p.ceiling_cannot_bind());

    // Defamation by hand: bailiff 0.25 × 150 e^{0.4²/2}; known author 0.6 × (direct
    // 40 e^{0.3²/2} + 0.4 × (lawyer 425 e^{0.2²/2} + 0.35 × court 3000 e^{0.5²/2}));
    // unknown 0.4 × (platform 150 e^{0.35²/2} + 0.3 × court).
    let m = |median: f64, sigma: f64| median * (sigma * sigma / 2.0_f64).exp();
    let court = m(3000.0, 0.5);
    let by_hand = 0.25 * m(150.0, 0.4)
        + 0.6 * (m(40.0, 0.3) + 0.4 * (m(425.0, 0.2) + 0.35 * court))
        + 0.4 * (m(150.0, 0.35) + 0.3 * court);
    let tree = p.incidents[0].mean_case_cost();
    assert!((tree - by_hand).abs() < 1e-9, "{tree} vs {by_hand}");

    let results = simulate(&model, 5, 600, 2);
    // Per product and per segment: covered, ineligible, exposure, premium, rejected, ibnr,
    // recoveries, 4 × (count, eur), claims, net claims, portfolio loss ratio, outstanding,
    // retained = 20 rows, three times (product and two segments).
    assert_eq!(assert_rows_match(&model, &results), 3 * 20);
    let rows = summary::summarise(&model, &results);
    let claims = rows
        .iter()
        .find(|r| r.segment.is_none() && r.metric == "defamation_eur")
        .unwrap();
    let count = rows
        .iter()
        .find(|r| r.segment.is_none() && r.metric == "defamation_count")
        .unwrap();
    let per_case = claims.analytic.unwrap() / count.analytic.unwrap();
    assert!((per_case - by_hand).abs() < 1e-6 * by_hand);
}

/// Every route added to the tree (screening with refusals, the lawyer's letter by directive,
/// the follow-on against an identified author, proceedings on the merits, repair): with a
/// ceiling that cannot bind, every expected count, cost and refusal of the product and its
/// segments matches its closed form; refused requests show as rejected claims.
#[test]
fn every_route_matches_its_closed_form_and_refusals_are_rejected() {
    let routes = "compensation_sought = 0.25\n\
        lawyer_letter_share = 0.6\n\
        follow_on_share = 0.5\n\
        screening = { cost = { median_eur = 60, sigma = 0.3 }, days = 5, refusal = 0.2 }\n\
        court_merits = { share = 0.3, cost = { median_eur = 8000, sigma = 0.6 }, days = 417 }\n\
        repair = { share = 0.4, cost = { median_eur = 1500, sigma = 0.6 }, days = 60 }\n";
    let text = example()
        .replace(r#"ceiling_eur = "10000""#, r#"ceiling_eur = "10000000""#)
        .replacen("compensation_sought = 0.25", routes.trim_end(), 1);
    assert!(text.contains("follow_on_share"));
    let model = model(&text);
    let results = simulate(&model, 5, 400, 2);
    assert_eq!(assert_rows_match(&model, &results), 3 * 20);
    let rows = summary::summarise(&model, &results);
    let rejected = rows
        .iter()
        .find(|r| r.segment.is_none() && r.metric == "rejected_count")
        .unwrap();
    assert!(rejected.summary.mean > 100.0, "{:?}", rejected.summary);
}

/// The new fields are validated with their paths.
#[test]
fn route_fields_are_validated() {
    for (field, path) in [
        (
            "screening = { refusal = 1.5 }",
            "defamation.screening.refusal",
        ),
        (
            "lawyer_letter_share = -0.1",
            "defamation.lawyer_letter_share",
        ),
        (
            "court_merits = { share = 2 }",
            "defamation.court_merits.share",
        ),
        (
            "repair = { share = 0.5, days = -3 }",
            "defamation.repair.days",
        ),
    ] {
        let text = example().replacen(
            "compensation_sought = 0.25",
            &format!("compensation_sought = 0.25\n{field}"),
            1,
        );
        let err = Scenario::parse(&text, "test.toml").unwrap_err().to_string();
        assert!(err.contains(path), "{field}: {path} not in {err}");
    }
}

/// A book of 100,000 persons whose only incidents are defamations (`frequency` per
/// policy-year) on a tree that always goes straight to court: the earlier phases cost under
/// half a cent, so nothing after rounding, and always escalate; court costs
/// LogNormal(3,000 EUR, σ 0.5). `terms` sets the product's ceiling (and deductible); `after`
/// is appended (a treaty).
fn court_only_tree(terms: &str, frequency: f64, after: &str) -> String {
    format!(
        r#"{HEADER}
[[products]]
kind = "e_reputation"
name = "court_only"
{terms}

[[products.segments]]
name = "persons"
holder = "person"
policies = 100000
annual_premium_eur = "24"

[products.incidents.defamation]
frequency = {{ person = {frequency} }}
author_unknown = 0
compensation_sought = 0
direct_action = {{ cost = {{ median_eur = 0.001, sigma = 0.1 }}, outcomes = {{ resolved = 0, escalate = 1, abandoned = 0 }} }}
lawyer_letter = {{ cost = {{ median_eur = 0.001, sigma = 0.1 }}, outcomes = {{ resolved = 0, escalate = 1, abandoned = 0 }} }}
court = {{ cost = {{ median_eur = 3000, sigma = 0.5 }} }}

[products.incidents.intimate_images]
frequency = {{ person = 0 }}
[products.incidents.identity_theft]
frequency = {{ person = 0 }}
[products.incidents.business_denigration]
frequency = {{ business = 0 }}

{after}
"#
    )
}

/// A tree that always goes straight to court (the earlier phases cost under half a cent, so
/// nothing after rounding, and always escalate): the insurer's mean per case is the capped
/// lognormal mean E[min(X, C)]; with a deductible D it is E[min(X, C + D)] − E[min(X, D)].
/// The insured retains the rest of the court cost.
#[test]
fn court_only_tree_pays_the_capped_lognormal_mean() {
    let court = LogNormal::from_median_sigma(3000.0, 0.5).unwrap();
    for (ceiling, deductible) in [(4000.0, 0.0), (4000.0, 500.0), (2500.0, 0.0)] {
        let text = court_only_tree(
            &format!("ceiling_eur = \"{ceiling}\"\ndeductible_eur = \"{deductible}\""),
            0.01,
            "",
        );
        let model = model(&text);
        let results = simulate(&model, 9, 400, 2);
        let cases = 100_000.0 * 0.01;
        let per_case = court.limited_mean(ceiling + deductible) - court.limited_mean(deductible);
        let retained = court.mean() - per_case;
        for (metric, want, got) in [
            (
                "claims",
                cases * per_case,
                results
                    .iter()
                    .map(|r| r.products[0].perils[0].amount.to_eur())
                    .collect::<Moments>(),
            ),
            (
                "retained",
                cases * retained,
                results
                    .iter()
                    .map(|r| r.products[0].retained.to_eur())
                    .collect::<Moments>(),
            ),
        ] {
            let se = (got.variance() / got.count() as f64).sqrt();
            let z = (got.mean() - want) / se;
            assert!(
                z.abs() < 4.0,
                "ceiling {ceiling}, deductible {deductible}, {metric}: {} ± {se} vs {want}, z = {z:.2}",
                got.mean()
            );
        }
        // No case costs more than the ceiling to the insurer, and other types never occur.
        for r in &results {
            let t = &r.products[0];
            assert!(t.perils[0].amount.0 <= t.perils[0].count as i64 * (ceiling * 100.0) as i64);
            assert!(t.perils[1..].iter().all(|p| p.count == 0));
        }
    }
}

/// Case counts are Poisson: mean policies × frequency × days / 365, variance equal to the mean
/// (shown for every incident type and segment of the example book over half a year).
#[test]
fn case_counts_are_poisson() {
    let text = example().replace("days = 365", "days = 182");
    let model = model(&text);
    let results = simulate(&model, 3, 800, 2);
    let mut checked = 0;
    for (s, book) in model.policy_books::<PolicyBook>() {
        for k in 0..4 {
            let want = book.mean_cases[k];
            if want == 0.0 {
                assert!(results.iter().all(|r| r.segments[s].perils[k].count == 0));
                continue;
            }
            let want_direct = book.segment.policies as f64
                * [
                    [0.008, 0.002],
                    [0.0016, 0.0],
                    [0.0015, 0.0015],
                    [0.0, 0.015],
                ][k][book.segment.holder.index()]
                * 182.0
                / 365.0;
            assert!((want - want_direct).abs() < 1e-9 * want);
            let m: Moments = results
                .iter()
                .map(|r| r.segments[s].perils[k].count as f64)
                .collect();
            let n = m.count() as f64;
            let z = (m.mean() - want) / (want / n).sqrt();
            assert!(
                z.abs() < 4.0,
                "segment {s} type {k}: {} vs {want}",
                m.mean()
            );
            // Sample variance / mean of a Poisson has sd about sqrt(2/(n-1)).
            let dispersion = m.variance() / want;
            assert!(
                (dispersion - 1.0).abs() < 4.0 * (2.0 / (n - 1.0)).sqrt(),
                "segment {s} type {k}: dispersion {dispersion}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 6);
}

/// Bit-identical results with 1 and 4 threads, and segment totals that add up to the
/// product's, in a scenario that mixes an order-based product with the policy book.
#[test]
fn results_are_identical_for_1_and_4_threads_and_segments_add_up() {
    let quickstart = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/quickstart.toml"
    ))
    .unwrap();
    let erep = example();
    let products = &erep[erep.find("[[products]]").unwrap()..];
    let mixed = quickstart.replace("[[companies]]", &format!("{products}\n[[companies]]"));
    for text in [erep.clone(), mixed] {
        let model = model(&text);
        let pi = model
            .products()
            .iter()
            .position(|p| p.kind() == "e_reputation")
            .unwrap();
        let one = simulate(&model, 17, 70, 1);
        assert_eq!(one, simulate(&model, 17, 70, 4));
        for r in &one {
            let mut sum = protectsim::products::ProductTotals::default();
            for s in model.segment_range(pi) {
                sum += r.segments[s];
            }
            assert_eq!(sum, r.products[pi]);
            assert!(r.products[pi].claim_count() > 0);
            // Late cases end after the horizon: paid to date is below ultimate.
            assert!(r.products[pi].outstanding.0 > 0);
        }
    }
}

/// A scenario of policy products alone needs no companies; one selling on orders still does.
#[test]
fn policy_books_need_no_companies() {
    let text = example();
    let scenario = Scenario::parse(&text, "e.toml").unwrap();
    assert!(scenario.companies().is_empty());
    assert_eq!(
        scenario.products()[0].segments(),
        ["persons", "small_businesses"]
    );
    assert_eq!(scenario.products()[0].exposure_unit(), "policies");
}

/// A case is e-reputation's occurrence. On the court-only tree (every case in court, costs
/// LogNormal(3,000 EUR, σ 0.5), no deductible, a ceiling out of reach) with λ = 100 cases a
/// year: P(costliest case ≤ x) = exp(−λ·(1 − G(x))), so the 1-in-T case is
/// G⁻¹(1 + ln(1 − 1/T)/λ); and a per-case layer 2,000 xs 4,000 EUR loses
/// λ·(LEV(6,000) − LEV(4,000)) a year (the lognormal's limited expected values). Each within 4
/// standard errors.
#[test]
fn the_costliest_case_and_a_per_case_layer_follow_their_closed_forms() {
    use protectsim::distributions::normal_quantile;
    use protectsim::store::{Layout, StoredPaths};
    let text = court_only_tree(
        "ceiling_eur = \"1000000\"",
        0.001,
        "[[reinsurance]]\nproduct = \"court_only\"\nexcess_of_loss = { retention_eur = \"4000\", limit_eur = \"2000\", reinstatements = 100 }",
    );
    let model = model(&text);
    let results = simulate(&model, 5, 1500, 2);
    let lambda = 100_000.0 * 0.001;
    let stored = StoredPaths::in_memory(&results, Layout::of(&model));
    let curves = protectsim::report::ep::curves(&model, &stored).unwrap();
    let oep = curves
        .iter()
        .find(|c| c.curve == "oep")
        .expect("e-reputation has an occurrence curve");
    for p in oep.points.iter().filter(|p| p.return_period <= 100) {
        let u = 1.0 + (1.0 - 1.0 / p.return_period as f64).ln() / lambda;
        let expected = 3000.0 * (0.5 * normal_quantile(u)).exp();
        assert!(
            (p.loss - expected).abs() < 4.0 * p.se,
            "1 in {}: {} ± {} against {expected}",
            p.return_period,
            p.loss,
            p.se
        );
    }
    let court = LogNormal::from_median_sigma(3000.0, 0.5).unwrap();
    let expected = lambda * (court.limited_mean(6000.0) - court.limited_mean(4000.0));
    let treaty = model.treaty(0).unwrap();
    let got: Moments = results
        .iter()
        .map(|r| treaty.cede_totals(&r.products[0]).xl_claims.to_eur())
        .collect();
    let se = (got.variance() / got.count() as f64).sqrt();
    assert!(
        (got.mean() - expected).abs() < 4.0 * se,
        "layer {} ± {se} against {expected}",
        got.mean()
    );
}

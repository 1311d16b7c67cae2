//! One order stream per shop, many covers on it: each cover keeps its marginal closed forms, a
//! parcel that went wrong raises its buyer's disputes by the closed form of `dispute.after`,
//! and the claims that share an order are counted for every cover that paid one.

use protectsim::engine::{self, Model, PathResult};
use protectsim::products::ProductTotals;
use protectsim::scenario::Scenario;
use protectsim::summary::{self, MetricRow};

const FIXTURE: &str = include_str!("fixtures/shared_orders.toml");
/// The fixture's links, as written there.
const LINKS: &str = "after = { lost = 6, damaged = 4, late = 2, refunded = 5 }";

/// The fixture with its `dispute.after` line replaced by `after`.
fn with_links(after: &str) -> String {
    assert!(FIXTURE.contains(LINKS), "the fixture's links changed");
    FIXTURE.replace(LINKS, after)
}

fn simulate(text: &str, paths: u64, threads: usize) -> (Model, Vec<PathResult>) {
    let scenario = Scenario::parse(text, "shared_orders.toml").unwrap();
    let model = Model::new(&scenario);
    let results = engine::with_threads(threads, || {
        model.simulate(scenario.seed(), 0..paths, &|_| {})
    })
    .unwrap()
    .unwrap();
    (model, results)
}

/// Every row with an analytic value is within 4 standard errors of it; the rows checked.
fn within_4_se(rows: &[MetricRow]) -> Vec<String> {
    let mut checked = Vec::new();
    for r in rows.iter().filter(|r| r.analytic.is_some()) {
        let (mean, se, want) = (r.summary.mean, r.summary.se, r.analytic.unwrap());
        let z = if se > 0.0 { (mean - want) / se } else { 0.0 };
        assert!(
            z.abs() < 4.0 || (mean - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{}/{} {:?}: simulated {mean} ± {se}, analytic {want}, z = {z:.2}",
            r.product,
            r.metric,
            r.segment
        );
        checked.push(format!(
            "{}/{}/{}",
            r.product,
            r.segment.as_deref().unwrap_or("all"),
            r.metric
        ));
    }
    checked
}

/// Each of `wants` (`product/segment/metric`) among the rows checked against a closed form.
fn assert_checked(checked: &[String], wants: &[&str]) {
    for want in wants {
        assert!(checked.iter().any(|c| c == want), "{want} not checked");
    }
}

fn row<'a>(rows: &'a [MetricRow], product: &str, metric: &str) -> &'a MetricRow {
    rows.iter()
        .find(|r| r.product == product && r.segment.is_none() && r.metric == metric)
        .unwrap_or_else(|| panic!("no row {product}/{metric}"))
}

/// Three covers on one shop's orders, unlinked: each keeps the closed forms it has alone
/// (buyers take covers independently, so each cover's orders are a thinning of the shop's).
#[test]
fn three_covers_on_one_stream_keep_their_own_closed_forms() {
    let text = with_links("after = { lost = 1, damaged = 1, late = 1, refunded = 1 }");
    let (model, results) = simulate(&text, 120, 2);
    let rows = summary::summarise(&model, &results);
    let checked = within_4_se(&rows);
    assert_checked(
        &checked,
        &[
            "parcel/all/covered",
            "parcel/all/loss_count",
            "parcel/all/damage_eur",
            "legal/all/mediation_count",
            "legal/checkout/court_eur",
            "legal/direct/premium_eur",
            "trustmark/all/covered",
            "trustmark/all/exposure_eur",
        ],
    );
}

/// A lost, damaged or late parcel raises its buyer's dispute probability by `dispute.after`:
/// the simulated disputes match the linked closed form and not the unlinked one.
#[test]
fn a_parcel_that_went_wrong_raises_its_buyers_disputes_by_the_closed_form() {
    // Every buyer takes parcel protection, and the links are strong, so that they show.
    let linked = with_links("after = { lost = 20, damaged = 15, late = 10, refunded = 1 }")
        .replace("take_up = 0.30", "take_up = 1.0");
    let (model, results) = simulate(&linked, 120, 2);
    let rows = summary::summarise(&model, &results);
    let checked = within_4_se(&rows);
    assert_checked(
        &checked,
        &[
            "legal/all/mediation_count",
            "legal/all/court_count",
            "legal/checkout/mediation_count",
            "legal/direct/claims_eur",
            "legal/all/disputes_per_million",
        ],
    );
    let unlinked = with_links("after = { lost = 1, damaged = 1, late = 1, refunded = 1 }")
        .replace("take_up = 0.30", "take_up = 1.0");
    let plain = Model::new(&Scenario::parse(&unlinked, "shared_orders.toml").unwrap());
    let plain_rows = summary::summarise(&plain, &results[..2]);
    let disputes = row(&rows, "legal", "mediation_count");
    let without = row(&plain_rows, "legal", "mediation_count")
        .analytic
        .unwrap();
    let with = disputes.analytic.unwrap();
    assert!(
        with > without * 1.2,
        "the links add disputes: {with} against {without}"
    );
    let z = (disputes.summary.mean - without) / disputes.summary.se;
    assert!(z > 4.0, "the simulation sees the links: z = {z:.1}");
}

/// A refund by the guarantee has no closed form for its disputes (it depends on the path's
/// default day): the disputes' analytic values are left out, never wrong; buyers and premium
/// keep theirs.
#[test]
fn a_refund_link_leaves_the_disputes_without_a_closed_form() {
    let (model, results) = simulate(FIXTURE, 2, 1);
    let rows = summary::summarise(&model, &results);
    assert!(row(&rows, "legal", "mediation_count").analytic.is_none());
    assert!(row(&rows, "legal", "claims_eur").analytic.is_none());
    assert!(row(&rows, "legal", "premium_eur").analytic.is_some());
    assert!(row(&rows, "parcel", "claims_eur").analytic.is_some());
}

/// Every cover that paid a claim on an order on which another cover paid one counts it: the
/// three covers of the fixture all show shared claims, never more than their own claims; a
/// shop with one cover shows none.
#[test]
fn claims_that_share_an_order_are_counted_for_every_cover_that_paid() {
    let (model, results) = simulate(FIXTURE, 200, 2);
    let rows = summary::summarise(&model, &results);
    for product in ["parcel", "legal", "trustmark"] {
        let shared = row(&rows, product, "shared_claims_count");
        assert!(shared.summary.mean > 0.0, "{product}: {:?}", shared.summary);
    }
    let claims = |t: &ProductTotals| t.perils.iter().map(|p| p.count).sum::<u64>();
    for r in &results {
        for (i, t) in r.products.iter().enumerate() {
            assert!(t.shared_claims <= claims(t), "path {} product {i}", r.path);
        }
        // An order shared by legal protection is shared with parcel protection or the
        // guarantee, so their shared claims cover legal's.
        let [parcel, legal, trust] = [&r.products[0], &r.products[1], &r.products[2]];
        assert!(legal.shared_claims <= parcel.shared_claims + trust.shared_claims);
    }
    let alone = FIXTURE.replace(
        r#"products = ["parcel", "legal", "trustmark"]"#,
        r#"products = ["parcel"]"#,
    );
    let (_, results) = simulate(&alone, 5, 1);
    assert!(results.iter().all(|r| r.products[0].shared_claims == 0));
}

/// The shared stream keeps the engine's first contract: bit-identical results for any
/// thread count.
#[test]
fn three_covers_on_one_stream_do_not_depend_on_the_thread_count() {
    let (_, one) = simulate(FIXTURE, 10, 1);
    let (_, three) = simulate(FIXTURE, 10, 3);
    for (a, b) in one.iter().zip(&three) {
        assert_eq!(a.products, b.products, "path {}", a.path);
        assert_eq!(a.segments, b.segments, "path {}", a.path);
    }
}

/// Buyers who pay in instalments take parcel and legal protection more often
/// (`payment.split_take_up_multipliers`): each cover keeps its take-up and its closed forms,
/// but a legal buyer more often has parcel protection too, so a parcel that went wrong raises
/// more disputes; the closed form that conditions on the payment matches, the one that takes
/// the covers as independent does not.
#[test]
fn covers_bought_together_through_the_payment_raise_the_linked_disputes() {
    let links = "after = { lost = 20, damaged = 15, late = 10, refunded = 1 }";
    let shop = r#"products = ["parcel", "legal", "trustmark"]"#;
    let paid = format!(
        "payment = {{ split_share = 0.3, split_take_up_multipliers = {{ parcel = 3.0, legal = 3.0 }} }}\n{shop}"
    );
    let correlated = with_links(links).replace(shop, &paid);
    let (model, results) = simulate(&correlated, 120, 2);
    let rows = summary::summarise(&model, &results);
    let checked = within_4_se(&rows);
    assert_checked(
        &checked,
        &[
            "parcel/all/covered",
            "parcel/all/loss_count",
            "legal/all/covered",
            "legal/all/mediation_count",
            "trustmark/all/covered",
        ],
    );
    let independent = Model::new(&Scenario::parse(&with_links(links), "i.toml").unwrap());
    let without = row(
        &summary::summarise(&independent, &results[..2]),
        "legal",
        "mediation_count",
    )
    .analytic
    .unwrap();
    let disputes = row(&rows, "legal", "mediation_count");
    let with = disputes.analytic.unwrap();
    assert!(with > without * 1.05, "{with} against {without}");
    let z = (disputes.summary.mean - without) / disputes.summary.se;
    assert!(z > 4.0, "the simulation sees the correlation: z = {z:.1}");
}

/// With disputes by motive, each parcel event raises its own motive's disputes: a late parcel
/// the delay disputes, a damaged one the damage disputes, a lost one the non-delivery
/// disputes; after-sales and fraud disputes do not depend on the parcel. Every motive view
/// matches its linked closed form, and the after-sales view its unlinked one.
#[test]
fn each_parcel_event_raises_the_disputes_of_its_own_motive() {
    let motives = "motives = { delay = { share = 0.2, mediation_success = 0.5 }, \
                   damaged = { share = 0.1 }, non_delivery = { share = 0.1, court_probability = 0.9 }, \
                   after_sales = { share = 0.5 }, payment_fraud = { share = 0.1 } }";
    let linked = with_links(&format!(
        "after = {{ lost = 20, damaged = 15, late = 10, refunded = 1 }}\n{motives}"
    ))
    .replace("take_up = 0.30", "take_up = 1.0");
    let (model, results) = simulate(&linked, 120, 2);
    let rows = summary::summarise(&model, &results);
    let checked = within_4_se(&rows);
    assert_checked(
        &checked,
        &[
            "legal/all/mediation_count",
            "legal/motive:delay/mediation_count",
            "legal/motive:damaged/mediation_count",
            "legal/motive:non_delivery/court_count",
            "legal/motive:after_sales/mediation_count",
            "legal/motive:payment_fraud/claims_eur",
        ],
    );
    let unlinked = with_links(&format!(
        "after = {{ lost = 1, damaged = 1, late = 1, refunded = 1 }}\n{motives}"
    ))
    .replace("take_up = 0.30", "take_up = 1.0");
    let plain = Model::new(&Scenario::parse(&unlinked, "shared_orders.toml").unwrap());
    let plain_rows = summary::summarise(&plain, &results[..2]);
    let analytic = |rows: &[MetricRow], segment: &str| {
        rows.iter()
            .find(|r| r.segment.as_deref() == Some(segment) && r.metric == "mediation_count")
            .and_then(|r| r.analytic)
            .unwrap()
    };
    for (view, raised) in [
        ("motive:delay", true),
        ("motive:damaged", true),
        ("motive:non_delivery", true),
        ("motive:after_sales", false),
        ("motive:payment_fraud", false),
    ] {
        let (with, without) = (analytic(&rows, view), analytic(&plain_rows, view));
        if raised {
            assert!(with > without * 1.03, "{view}: {with} against {without}");
        } else {
            assert!(
                (with / without - 1.0).abs() < 1e-12,
                "{view}: {with} against {without}"
            );
        }
    }
}

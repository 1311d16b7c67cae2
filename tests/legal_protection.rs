//! Legal protection of online purchases against its closed forms and its wording: expected
//! buyers, disputes, mediation and capped court costs within 4 standard errors; the 80 EUR
//! threshold with shipping included; prices by way of sale; paid-to-date below ultimate.

use protectsim::engine::{self, Model, PathResult};
use protectsim::scenario::Scenario;
use protectsim::summary;

/// A small book with frequent disputes and a ceiling that binds on about a third of court
/// cases, so every closed form is exercised with few paths.
const BOOK: &str = r#"
[horizon]
start = "2026-01-01"
days = 365

[simulation]
seed = 5
paths = 300

[[products]]
name = "legal"
kind = "legal_protection"
sales = { checkout = { take_up = 0.2, price_eur = "2.00" }, direct = { take_up = 0.1, price_eur = "2.50" } }
dispute = { probability = 0.03, category_multipliers = { electronics = 2.0 }, month_multipliers = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.5, 1.5], black_week_multiplier = 1.3 }
mediation = { success_probability = 0.6, handling_cost_eur = "45.50" }
court = { probability = 0.5, cost = { median_eur = 2000, sigma = 0.6 }, ceiling_eur = "2500" }

[[companies]]
name = "A"

[[companies.shops]]
name = "a.fr"
orders_per_day = 300
volume_cv = 0.1
basket = { median_eur = 90, sigma = 0.8 }
shipping = { fee_eur = "4.90" }
categories = { electronics = 0.4, fashion = 0.5, digital_goods = 0.1 }
used_goods_share = 0.1
products = ["legal"]
"#;

fn simulate(text: &str, paths: u64, threads: usize) -> (Model, Vec<PathResult>) {
    let scenario = Scenario::parse(text, "book.toml").unwrap();
    let model = Model::new(&scenario);
    let results = engine::with_threads(threads, || {
        model.simulate(scenario.seed(), 0..paths, &|_| {})
    })
    .unwrap()
    .unwrap();
    (model, results)
}

#[test]
fn means_match_closed_forms_within_4_standard_errors() {
    let (model, results) = simulate(BOOK, 300, 2);
    let rows = summary::summarise(&model, &results);
    let mut checked = Vec::new();
    for r in rows.iter().filter(|r| r.analytic.is_some()) {
        let (mean, se, want) = (r.summary.mean, r.summary.se, r.analytic.unwrap());
        let z = (mean - want) / se;
        assert!(
            z.abs() < 4.0,
            "{} {:?}: simulated {mean} ± {se}, analytic {want}, z = {z:.2}",
            r.metric,
            r.segment
        );
        checked.push(format!(
            "{}/{}",
            r.segment.as_deref().unwrap_or("all"),
            r.metric
        ));
    }
    // The product and both ways of sale: covered, ineligible, exposure, premium, claims, net
    // claims, retained, loss ratio, count and amount of both perils, and the cases by how
    // they ended: settled in mediation, abandoned, the settled share, mediation days, disputes
    // per million covered orders.
    assert_eq!(checked.len(), 3 * 17, "{checked:?}");
    let court = rows
        .iter()
        .find(|r| r.segment.is_none() && r.metric == "court_count")
        .unwrap();
    assert!(court.summary.mean > 100.0, "court cases are exercised");
    let retained = rows
        .iter()
        .find(|r| r.segment.is_none() && r.metric == "retained_eur")
        .unwrap();
    assert!(retained.summary.mean > 0.0, "the ceiling binds");
}

#[test]
fn prices_follow_the_way_of_sale() {
    let (model, results) = simulate(BOOK, 20, 1);
    let names: Vec<&str> = model.segments().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["checkout", "direct"]);
    for r in &results {
        let [checkout, direct] = [r.segments[0], r.segments[1]];
        assert_eq!(checkout.premium.0, checkout.covered as i64 * 200);
        assert_eq!(direct.premium.0, direct.covered as i64 * 250);
        let mut sum = checkout;
        sum += direct;
        assert_eq!(r.products[0], sum, "the product is the sum of its segments");
    }
}

#[test]
fn threshold_includes_shipping_at_the_cent() {
    // A basket of 75.00 EUR (a lognormal so narrow that every draw rounds to 7,500 cents) plus
    // the shipping fee: 4.99 makes 79.99 EUR, not covered; 5.00 makes 80.00 EUR, covered.
    let book = |fee: &str| {
        format!(
            r#"
[horizon]
start = "2026-03-02"
days = 30
[simulation]
seed = 1
paths = 4
[[products]]
name = "legal"
kind = "legal_protection"
[[companies]]
name = "A"
[[companies.shops]]
name = "a.fr"
orders_per_day = 100
basket = {{ median_eur = 75, sigma = 0.000001 }}
shipping = {{ fee_eur = "{fee}" }}
categories = {{ fashion = 1 }}
products = ["legal"]
"#
        )
    };
    let (_, below) = simulate(&book("4.99"), 4, 1);
    let (_, at) = simulate(&book("5.00"), 4, 1);
    for (b, a) in below.iter().zip(&at) {
        let (b, a) = (b.products[0], a.products[0]);
        assert_eq!(b.covered, 0);
        assert!(b.ineligible > 0);
        assert_eq!(a.ineligible, 0);
        assert_eq!(a.covered, b.ineligible, "same orders, now all covered");
        assert_eq!(a.exposure.0, a.covered as i64 * 8_000);
    }
}

#[test]
fn court_costs_paid_after_the_horizon_are_outstanding() {
    let (_, results) = simulate(BOOK, 50, 2);
    for r in &results {
        let t = r.products[0];
        // Courts last about 14 months: almost every court cost is still to pay at year end.
        assert!(t.outstanding.0 > t.perils[1].amount.0 / 2, "{t:?}");
        assert!(t.paid_loss_ratio() < t.loss_ratio());
        assert!(t.ibnr <= t.claims());
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    assert_eq!(simulate(BOOK, 70, 1).1, simulate(BOOK, 70, 3).1);
}

#[test]
fn invalid_values_are_reported_with_their_field_path() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "take_up = 0.1, price_eur = \"2.50\"",
            "take_up = 0.9, price_eur = \"2.50\"",
            &[
                "products[0].sales.direct.take_up",
                "add up to 1.1",
                "above 1",
            ],
        ),
        (
            "electronics = 2.0",
            "electronix = 2.0",
            &[
                "products[0].dispute.category_multipliers.electronix",
                "not a category",
            ],
        ),
        (
            "probability = 0.03",
            "probability = 0.6",
            &["products[0].dispute.probability", "above 1"],
        ),
        (
            "ceiling_eur = \"2500\"",
            "ceiling_eur = \"25,00\"",
            &["products[0].court.ceiling_eur", "decimal string"],
        ),
        (
            "success_probability = 0.6",
            "success_probability = 1.6",
            &["products[0].mediation.success_probability"],
        ),
        (
            "sigma = 0.6 }",
            "sigma = -0.6 }",
            &["products[0].court.cost.sigma"],
        ),
        (
            "handling_cost_eur",
            "handling_fee_eur",
            &["unknown field", "handling_fee_eur", "handling_cost_eur"],
        ),
        (
            "black_week_multiplier = 1.3 }",
            "black_week_multiplier = 1.3, motives = { delay = { share = 0.5 }, after_sales = { share = 0.4 } } }",
            &[
                "products[0].dispute.motives",
                "shares adding up to 0.9",
                "must add up to 1",
            ],
        ),
        (
            "black_week_multiplier = 1.3 }",
            "black_week_multiplier = 1.3, after = { late = 3 }, motives = { after_sales = { share = 1 } } }",
            &[
                "products[0].dispute.after.late",
                "raises the disputes of motive delay, which has no share",
            ],
        ),
        (
            "black_week_multiplier = 1.3 }",
            "black_week_multiplier = 1.3, motives = { delivery = { share = 1 } } }",
            &["unknown field `delivery`", "non_delivery"],
        ),
        (
            "black_week_multiplier = 1.3 }",
            "black_week_multiplier = 1.3, motives = { delay = { share = 1, court_probability = 2 } } }",
            &["products[0].dispute.motives.delay.court_probability"],
        ),
    ];
    for (from, to, want) in cases {
        assert_eq!(BOOK.matches(from).count(), 1, "{from}");
        let text = BOOK.replace(from, to);
        let err = Scenario::parse(&text, "book.toml").unwrap_err().to_string();
        for w in *want {
            assert!(err.contains(w), "{from} -> {to}: {w:?} not in\n{err}");
        }
    }
}

/// The second-hand goods extension (`extensions.second_hand`, off by default): second-hand
/// purchases become covered and are disputed `dispute_multiplier` times as often; every
/// closed form follows, and the cover gains about the second-hand share of buyers.
#[test]
fn the_second_hand_extension_covers_used_goods_at_their_own_dispute_rate() {
    let extended = BOOK.replace(
        "court = { probability",
        "extensions = { second_hand = { dispute_multiplier = 3 } }\ncourt = { probability",
    );
    assert_ne!(extended, BOOK);
    let (model, results) = simulate(&extended, 200, 2);
    let rows = summary::summarise(&model, &results);
    within_4_se(
        &rows,
        &["covered", "premium_eur", "mediation_count", "court_eur"],
    );
    // Against the wording without the extension: 10 % of the orders are second-hand.
    let (plain, _) = simulate(BOOK, 2, 1);
    let plain_rows = summary::summarise(&plain, &results[..2]);
    let (covered, with) = (row(&rows, "covered").2, row(&plain_rows, "covered").2);
    assert!(
        (covered / with - 1.0 / 0.9).abs() < 1e-9,
        "{covered} against {with}"
    );
    let (disputes, without) = (
        row(&rows, "mediation_count").2,
        row(&plain_rows, "mediation_count").2,
    );
    assert!(
        (disputes / without - 1.2 / 0.9).abs() < 1e-9,
        "{disputes} against {without}"
    );
}

/// The foreign merchant sites extension (`extensions.foreign_sites`, off by default): a shop
/// of a merchant established abroad (`foreign_merchant = true`) has no covered purchase
/// without it, and with it the purchases of a domestic shop, disputed `dispute_multiplier`
/// times as often; the closed forms follow.
#[test]
fn the_foreign_sites_extension_covers_merchants_established_abroad() {
    let abroad = BOOK.replace(
        "used_goods_share = 0.1\n",
        "used_goods_share = 0.1\nforeign_merchant = true\n",
    );
    assert_ne!(abroad, BOOK);
    let (_, results) = simulate(&abroad, 5, 1);
    assert!(results.iter().all(|r| r.products[0].covered == 0));
    let extended = abroad.replace(
        "court = { probability",
        "extensions = { foreign_sites = { dispute_multiplier = 2 } }\ncourt = { probability",
    );
    let (model, results) = simulate(&extended, 200, 2);
    let rows = summary::summarise(&model, &results);
    within_4_se(&rows, &["covered", "mediation_count", "court_eur"]);
    let (domestic, _) = simulate(BOOK, 2, 1);
    let domestic_rows = summary::summarise(&domestic, &results[..2]);
    let ratio = |metric: &str| row(&rows, metric).2 / row(&domestic_rows, metric).2;
    assert!((ratio("covered") - 1.0).abs() < 1e-12);
    assert!((ratio("mediation_count") - 2.0).abs() < 1e-9);
}

/// The travel extension (`extensions.travel`, off by default): travel bookings (category
/// `travel`, which ships no parcel) are not covered by the wording, and with the extension
/// are covered and disputed `dispute_multiplier` times as often as goods; the closed forms
/// follow.
#[test]
fn the_travel_extension_covers_travel_bookings_at_their_own_dispute_rate() {
    let with_travel = BOOK.replace(
        "digital_goods = 0.1 }",
        "digital_goods = 0.05, travel = 0.05 }",
    );
    assert_ne!(with_travel, BOOK);
    let extended = with_travel.replace(
        "court = { probability",
        "extensions = { travel = { dispute_multiplier = 4 } }\ncourt = { probability",
    );
    let (plain, _) = simulate(&with_travel, 2, 1);
    let (model, results) = simulate(&extended, 200, 2);
    let rows = summary::summarise(&model, &results);
    within_4_se(
        &rows,
        &["covered", "premium_eur", "mediation_count", "court_eur"],
    );
    // Covered buyers: fashion and electronics (0.9 of orders) without the extension, plus
    // travel (0.05) with it; disputes: electronics weighs 2, travel 4.
    let plain_rows = summary::summarise(&plain, &results[..2]);
    let ratio = |metric: &str| row(&rows, metric).2 / row(&plain_rows, metric).2;
    assert!(
        (ratio("covered") - 0.95 / 0.9).abs() < 1e-9,
        "{}",
        ratio("covered")
    );
    let disputes = (0.5 + 0.4 * 2.0 + 0.05 * 4.0) / (0.5 + 0.4 * 2.0);
    assert!((ratio("mediation_count") - disputes).abs() < 1e-9);
}

/// Disputes by motive (`dispute.motives`): one uniform decides whether an order is disputed
/// and why; each motive's cases end by its own mediation success and court share, the views
/// `motive:<name>` hold them (their shares within 4 standard errors, their closed forms
/// too), and the product's totals are their sums.
#[test]
fn disputes_split_by_motive_each_ending_by_its_own_figures() {
    let by_motive = BOOK.replace(
        ", black_week_multiplier = 1.3 }",
        ", black_week_multiplier = 1.3, motives = { \
         delay = { share = 0.2, mediation_success = 1.0 }, \
         after_sales = { share = 0.5, mediation_success = 0.0, court_probability = 1.0 }, \
         payment_fraud = { share = 0.3, mediation_success = 0.0, court_probability = 0.0 } } }",
    );
    assert_ne!(by_motive, BOOK);
    let (model, results) = simulate(&by_motive, 150, 2);
    let names: Vec<&str> = model.segments().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "checkout",
            "direct",
            "motive:delay",
            "motive:damaged",
            "motive:non_delivery",
            "motive:after_sales",
            "motive:payment_fraud"
        ]
    );
    let (mut disputes, mut by, mut settled_delay) = (0u64, [0u64; 5], 0u64);
    for r in &results {
        let total = &r.products[0];
        let views = &r.segments[2..];
        let sum = views.iter().fold(
            Default::default(),
            |mut a: protectsim::products::ProductTotals, v| {
                a += *v;
                a
            },
        );
        assert_eq!(
            sum.perils, total.perils,
            "the motives add up to the product"
        );
        assert_eq!(
            (sum.settled, sum.abandoned),
            (total.settled, total.abandoned)
        );
        // Delay: the parties always agree, so every case not past the 20-day limit settles.
        settled_delay += views[0].settled;
        assert_eq!(
            views[3].perils[1].count, views[3].perils[0].count,
            "after-sales: all in court"
        );
        assert_eq!(
            views[4].abandoned, views[4].perils[0].count,
            "fraud: all abandoned"
        );
        assert_eq!(views[1].perils[0].count + views[2].perils[0].count, 0);
        assert_eq!(
            views
                .iter()
                .map(|v| v.covered + v.premium.0 as u64)
                .sum::<u64>(),
            0
        );
        disputes += total.perils[0].count;
        for (b, v) in by.iter_mut().zip(views) {
            *b += v.perils[0].count;
        }
    }
    // Talks last a lognormal of median 10 days, σ 0.4: 96 % end within the 20 days.
    let settled = settled_delay as f64 / by[0] as f64;
    assert!(
        (settled - 0.958).abs() < 0.02,
        "delay settled share {settled}"
    );
    for (k, share) in [(0, 0.2), (3, 0.5), (4, 0.3)] {
        let p = by[k] as f64 / disputes as f64;
        let se = (share * (1.0 - share) / disputes as f64).sqrt();
        assert!(
            ((p - share) / se).abs() < 4.0,
            "motive {k}: {p} against {share}"
        );
    }
    let rows = summary::summarise(&model, &results);
    let mut checked = 0;
    for r in rows.iter().filter(|r| r.analytic.is_some()) {
        let (mean, se, want) = (r.summary.mean, r.summary.se, r.analytic.unwrap());
        let z = if se > 0.0 { (mean - want) / se } else { 0.0 };
        assert!(
            z.abs() < 4.0 || (mean - want).abs() < 1e-9,
            "{:?}/{}: {mean} ± {se}, want {want}",
            r.segment,
            r.metric
        );
        checked += r
            .segment
            .as_deref()
            .is_some_and(|s| s.starts_with("motive:")) as usize;
    }
    assert!(
        checked >= 15,
        "motive views checked against their closed forms: {checked}"
    );
    // The pricing table has no row for a motive (no premium to price).
    let pricing = protectsim::pricing::pricing_rows(
        &model,
        &results,
        protectsim::pricing::PricingSettings {
            target_loss_ratio: 0.65,
            confidence: 0.9,
            cost_of_capital: 0.06,
            ..Default::default()
        },
    );
    assert!(pricing.iter().all(|r| !r.segment.starts_with("motive:")));
}

/// Each of `metrics`' product row within 4 standard errors of its closed form.
fn within_4_se(rows: &[summary::MetricRow], metrics: &[&str]) {
    for &metric in metrics {
        let (mean, se, want) = row(rows, metric);
        assert!(
            ((mean - want) / se).abs() < 4.0,
            "{metric}: {mean} ± {se}, want {want}"
        );
    }
}

/// The product row of `metric`: its mean, standard error and closed form.
fn row(rows: &[summary::MetricRow], metric: &str) -> (f64, f64, f64) {
    rows.iter()
        .find(|r| r.segment.is_none() && r.metric == metric)
        .map(|r| (r.summary.mean, r.summary.se, r.analytic.unwrap()))
        .unwrap()
}

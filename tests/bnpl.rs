//! BNPL non-payment insurance against its contract and its closed forms: the pay-in-4 default
//! law of `docs/validation.md`, the wording's exclusions one by one, the per-person-and-card
//! ceiling, and the systematic factor (binomial noise at ρ = 0, more at ρ > 0).

use protectsim::catalogue::{CardNetwork, CardType, Category, Site};
use protectsim::engine::{self, Model, PathResult};
use protectsim::products::Product;
use protectsim::products::bnpl::{BnplNonPayment, Buyer, Exclusion};
use protectsim::scenario::Scenario;
use protectsim::stats::Moments;
use protectsim::summary;

/// A one-shop scenario with one BNPL product; `product` and `shop` are extra TOML lines.
fn scenario(paths: u64, product: &str, plans: &str, shop: &str) -> Scenario {
    let companies = format!(
        "[[companies]]\nname = \"A\"\n\n[[companies.shops]]\nname = \"a\"\nproducts = [\"bnpl\"]\n{shop}\n"
    );
    let text = scenario_text(paths, product, plans, &companies);
    Scenario::parse(&text, "test.toml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// A scenario with one BNPL product named `bnpl` over 2026 (seed 5), its `companies` written
/// out.
fn scenario_text(paths: u64, product: &str, plans: &str, companies: &str) -> String {
    format!(
        r#"[horizon]
start = "2026-01-01"
days = 365

[simulation]
seed = 5
paths = {paths}

[[products]]
name = "bnpl"
kind = "bnpl_non_payment"
{product}

{plans}

{companies}"#
    )
}

/// A shop selling `bnpl`, its other lines `lines`.
fn shop_table(name: &str, lines: &str) -> String {
    format!("\n[[companies.shops]]\nname = \"{name}\"\nproducts = [\"bnpl\"]\n{lines}\n")
}

/// A single pay-in-4 plan of every basket, hazard h, no fraud.
fn pay_in_4(h: f64) -> String {
    format!(
        r#"[[products.plans]]
instalments = 4
share = 1.0
min_basket_eur = "1"
max_basket_eur = "100000"
premium_rate = "0.0125"
hazard = {h}
fraud = 0
"#
    )
}

fn simulate(model: &Model, seed: u64, paths: u64) -> Vec<PathResult> {
    engine::with_threads(2, || model.simulate(seed, 0..paths, &|_| {}))
        .unwrap()
        .unwrap()
}

/// The product terms with no seasonality, no partial payment and flat months.
const PLAIN: &str = r#"take_up = 0.5
asset_correlation = 0
month_multipliers = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
partial_payment = { probability = 0, mean_share_paid = 0.5 }
recovery_rate = 0.25"#;

/// docs/validation.md "Instalment default (pay-in-4)": A = 400 EUR, h = 1 %, no ceiling, ρ = 0:
/// P(default) = 0.029701 and E[unpaid] = 5.9601 EUR per plan. Every 400 EUR basket splits into
/// four 100 EUR instalments, so the unpaid amount of a plan is 300, 200 or 100 EUR when it
/// defaults at instalment 2, 3 or 4. Both are held within 4 standard errors, and every
/// summary mean with an analytic value (product and plan type) too.
#[test]
fn pay_in_4_matches_validation_closed_form_within_4_se() {
    let s = scenario(
        200,
        PLAIN,
        &pay_in_4(0.01),
        "orders_per_day = 100\nbasket = { median_eur = 400, sigma = 1e-9 }\ncategories = { furniture = 1.0 }",
    );
    let model = Model::new(&s);
    let results = simulate(&model, 11, 200);
    let (mut plans, mut defaults, mut unpaid) = (0u64, 0u64, 0i64);
    for r in &results {
        let t = &r.products[0];
        plans += t.covered;
        defaults += t.claim_count();
        unpaid += t.claims().0;
        assert_eq!(
            t.exposure.0,
            40_000 * t.covered as i64,
            "baskets are 400 EUR"
        );
        assert_eq!(t.retained.0, 0, "no ceiling");
    }
    let n = plans as f64;
    let (p, a) = (0.029701, 5.9601);
    let pd = defaults as f64 / n;
    assert!(
        (pd - p).abs() < 4.0 * (p * (1.0 - p) / n).sqrt(),
        "P(default) {pd} vs {p} over {n} plans"
    );
    // E[L²] for L = 100·(5 − k) EUR at a first miss on instalment k.
    let h: f64 = 0.01;
    let second: f64 = (2..=4)
        .map(|k| (1.0 - h).powi(k - 2) * h * (100.0 * (5 - k) as f64).powi(2))
        .sum();
    let se = ((second - a * a) / n).sqrt();
    let mean = unpaid as f64 / 100.0 / n;
    assert!(
        (mean - a).abs() < 4.0 * se,
        "E[unpaid] {mean} ± {se} vs {a}"
    );

    let checked = closed_forms_hold(&model, &results).len();
    // Product and plan type: covered, ineligible, exposure, premium, rejected, claims,
    // recoveries, net claims, retained, portfolio loss ratio, 2 perils × (count, eur).
    assert_eq!(checked, 2 * 14);
}

/// The example scenario: plans, exposure and premium per plan type within 4 SE of the closed
/// forms (its ceiling binds, so claims have none).
#[test]
fn example_scenario_matches_closed_forms_per_plan_type() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/bnpl_non_payment.toml"
    );
    let s = Scenario::parse(&std::fs::read_to_string(path).unwrap(), "bnpl.toml").unwrap();
    let model = Model::new(&s);
    let results = simulate(&model, 3, 300);
    let checked = closed_forms_hold(&model, &results).len();
    // (covered, ineligible, exposure, premium, rejected, refunds) × (product + 4 plan types),
    // and the product's contracts ended and terminated (the example's contract lapses, and its
    // insurer never terminates).
    assert_eq!(checked, 6 * 5 + 2);
    // A segmented product's totals are its plan types' plus the orders no plan fits (the
    // development views split the same claims another way).
    for r in &results {
        let mut sum = protectsim::products::ProductTotals::default();
        for (s, seg) in r.segments.iter().zip(model.segments()) {
            if seg.additive {
                sum += *s;
            }
        }
        let t = r.products[0];
        assert_eq!(
            (sum.covered, sum.premium, sum.claims(), sum.refunds),
            (t.covered, t.premium, t.claims(), t.refunds)
        );
        assert!(t.ineligible >= sum.ineligible);
    }
    // Bit-identical for any thread count (customers and factor streams included).
    let one = engine::with_threads(1, || model.simulate(3, 0..70, &|_| {}))
        .unwrap()
        .unwrap();
    assert_eq!(one[..], results[..70]);
}

/// One customer (purchases_per_year huge gives a population of 1) buying every plan: their
/// cumulative ceiling binds. Claims never exceed it, and claims + retained equal what the same
/// paths lose without a ceiling (the ceiling changes no random draw).
#[test]
fn ceiling_binds_on_a_repeat_customer() {
    let shop = "orders_per_day = 2\nbasket = { median_eur = 400, sigma = 0.5 }\ncategories = { furniture = 1.0 }";
    let customers = "[products.customers]\npurchases_per_year = 1e9\nadult_share = 1\nfrench_resident_share = 1\ncard_networks = { cb = 1.0 }\ncard_types = { debit = 1.0 }";
    let capped = scenario(
        50,
        &format!("{PLAIN}\nceiling_per_customer_eur = \"500\""),
        &format!("{}\n{customers}", pay_in_4(0.05)),
        shop,
    );
    let free = scenario(50, PLAIN, &format!("{}\n{customers}", pay_in_4(0.05)), shop);
    let (capped, free) = (Model::new(&capped), Model::new(&free));
    let (a, b) = (simulate(&capped, 9, 50), simulate(&free, 9, 50));
    for (x, y) in a.iter().zip(&b) {
        let (x, y) = (x.products[0], y.products[0]);
        assert_eq!(x.covered, y.covered);
        assert!(x.covered > 100, "a repeat customer: {} plans", x.covered);
        assert!(
            x.claims().0 <= 50_000,
            "claims {} above the ceiling",
            x.claims()
        );
        assert_eq!(x.claims() + x.retained, y.claims());
        assert_eq!(y.retained.0, 0);
        // About 14 % of 400 EUR plans default here; a year of them is far above 500 EUR.
        assert_eq!(x.claims().0, 50_000, "the ceiling is used up");
        assert!(x.retained.0 > 0);
    }
}

/// The default rate of a path (missed-instalment plans over covered plans of a 2x plan, so one
/// Bernoulli(h(Z)) per plan) has, at ρ = 0, the binomial variance p(1−p)/N given the path's N
/// plans: the ratio of the sample variance over 400 paths to the mean binomial variance is 1
/// within 0.3 (the ratio's sampling sd is √(2/399) ≈ 0.071; 0.3 is about 4 sd). At ρ = 0.2 the
/// factor adds Var h(Z) ≈ 1.2e-4 (Vasicek, p = 2 %) to a binomial 4e-6: the ratio is far above 5.
/// The mean default rate is h in both cases (E[h(Z)] = h).
#[test]
fn default_rate_variance_is_binomial_at_rho_0_and_larger_with_correlation() {
    let plan = r#"[[products.plans]]
instalments = 2
share = 1.0
min_basket_eur = "1"
max_basket_eur = "100000"
premium_rate = "0.01"
hazard = 0.02
fraud = 0
"#;
    let shop = "orders_per_day = 30\nbasket = { median_eur = 300, sigma = 0.5 }\ncategories = { furniture = 1.0 }";
    let ratio = |rho: f64| {
        let product = PLAIN.replace(
            "asset_correlation = 0",
            &format!("asset_correlation = {rho}"),
        );
        let model = Model::new(&scenario(400, &product, plan, shop));
        let results = simulate(&model, 21, 400);
        let rates: Moments = results
            .iter()
            .map(|r| r.products[0].perils[0].count as f64 / r.products[0].covered as f64)
            .collect();
        let binomial: Moments = results
            .iter()
            .map(|r| 0.02 * 0.98 / r.products[0].covered as f64)
            .collect();
        let mean_se = (rates.variance() / 400.0).sqrt();
        assert!(
            (rates.mean() - 0.02).abs() < 4.0 * mean_se,
            "ρ = {rho}: mean default rate {} ± {mean_se}",
            rates.mean()
        );
        rates.variance() / binomial.mean()
    };
    let independent = ratio(0.0);
    assert!(
        (independent - 1.0).abs() < 0.3,
        "ρ = 0: ratio {independent}"
    );
    let correlated = ratio(0.2);
    assert!(correlated > 5.0, "ρ = 0.2: ratio {correlated}");
}

fn product(extra: &str) -> BnplNonPayment {
    let s = scenario(
        1,
        &format!("take_up = 0.2\n{extra}"),
        "",
        "orders_per_day = 10\nbasket = { median_eur = 300, sigma = 0.5 }\ncategories = { furniture = 1.0 }",
    );
    match &s.products()[0] {
        Product::BnplNonPayment(p) => p.clone(),
        other => panic!("{other:?}"),
    }
}

/// The wording's eligibility rule, one case per exclusion, plus the covered cases.
#[test]
fn eligibility_one_case_per_exclusion() {
    let p = product("");
    let ok = Buyer {
        adult: true,
        french_resident: true,
        network: CardNetwork::Cb,
        card: CardType::Debit,
    };
    let goods = Category::Furniture;
    let site = Site::Referenced;
    let cases: Vec<(&str, Buyer, Category, Site, Option<Exclusion>)> = vec![
        ("covered cb debit", ok, goods, site, None),
        (
            "covered visa credit",
            Buyer {
                network: CardNetwork::Visa,
                card: CardType::Credit,
                ..ok
            },
            goods,
            site,
            None,
        ),
        (
            "covered mastercard",
            Buyer {
                network: CardNetwork::Mastercard,
                ..ok
            },
            Category::Electronics,
            site,
            None,
        ),
        (
            "minor",
            Buyer { adult: false, ..ok },
            goods,
            site,
            Some(Exclusion::Minor),
        ),
        (
            "not a French tax resident",
            Buyer {
                french_resident: false,
                ..ok
            },
            goods,
            site,
            Some(Exclusion::NotFrenchResident),
        ),
        (
            "amex",
            Buyer {
                network: CardNetwork::Amex,
                ..ok
            },
            goods,
            site,
            Some(Exclusion::CardNetwork),
        ),
        (
            "other network",
            Buyer {
                network: CardNetwork::Other,
                ..ok
            },
            goods,
            site,
            Some(Exclusion::CardNetwork),
        ),
        (
            "prepaid card",
            Buyer {
                card: CardType::Prepaid,
                ..ok
            },
            goods,
            site,
            Some(Exclusion::CardType),
        ),
        (
            "virtual card",
            Buyer {
                card: CardType::Virtual,
                ..ok
            },
            goods,
            site,
            Some(Exclusion::CardType),
        ),
        (
            "systematic authorisation",
            Buyer {
                card: CardType::SystematicAuthorisation,
                ..ok
            },
            goods,
            site,
            Some(Exclusion::CardType),
        ),
        (
            "subscriptions",
            ok,
            Category::Subscriptions,
            site,
            Some(Exclusion::Category),
        ),
        (
            "intangible goods",
            ok,
            Category::DigitalGoods,
            site,
            Some(Exclusion::Category),
        ),
        (
            "services",
            ok,
            Category::Services,
            site,
            Some(Exclusion::Category),
        ),
        (
            "adult entertainment",
            ok,
            Category::AdultEntertainment,
            site,
            Some(Exclusion::Category),
        ),
        (
            "alcohol",
            ok,
            Category::Alcohol,
            site,
            Some(Exclusion::Category),
        ),
        (
            "gambling",
            ok,
            Category::Gambling,
            site,
            Some(Exclusion::Category),
        ),
        (
            "gift and prepaid cards",
            ok,
            Category::GiftCards,
            site,
            Some(Exclusion::Category),
        ),
        (
            "financial instruments",
            ok,
            Category::FinancialInstruments,
            site,
            Some(Exclusion::Category),
        ),
        (
            "crowdfunding",
            ok,
            Category::Crowdfunding,
            site,
            Some(Exclusion::Category),
        ),
        (
            "unreferenced site",
            ok,
            goods,
            Site::Unreferenced,
            Some(Exclusion::Site),
        ),
        (
            "peer-to-peer site",
            ok,
            goods,
            Site::PeerToPeer,
            Some(Exclusion::Site),
        ),
        // The buyer is looked at first.
        (
            "minor on a peer-to-peer site",
            Buyer { adult: false, ..ok },
            Category::Alcohol,
            Site::PeerToPeer,
            Some(Exclusion::Minor),
        ),
    ];
    for (what, buyer, category, site, want) in cases {
        assert_eq!(p.exclusion(&buyer, category, site), want, "{what}");
    }
    // A wording that lists its own exclusions replaces the defaults.
    let narrow = product("exclusions = { categories = [\"alcohol\"], sites = [] }");
    assert_eq!(
        narrow.exclusion(&ok, Category::Services, Site::PeerToPeer),
        None
    );
    assert_eq!(
        narrow.exclusion(&ok, Category::Alcohol, Site::Referenced),
        Some(Exclusion::Category)
    );
}

/// In simulation: a peer-to-peer shop, an excluded category and an all-prepaid population
/// cover nothing and count every plan as ineligible; no premium, no claim.
#[test]
fn excluded_plans_write_nothing() {
    let base = "orders_per_day = 20\nbasket = { median_eur = 300, sigma = 0.5 }";
    let cases = [
        (
            "",
            format!("{base}\ncategories = {{ furniture = 1.0 }}\nsite = \"peer_to_peer\""),
        ),
        ("", format!("{base}\ncategories = {{ alcohol = 1.0 }}")),
        (
            "[products.customers]\ncard_types = { prepaid = 1.0 }",
            format!("{base}\ncategories = {{ furniture = 1.0 }}"),
        ),
    ];
    for (customers, shop) in cases {
        let s = scenario(
            5,
            &format!("{PLAIN}\n"),
            &format!("{}\n{customers}", pay_in_4(0.05)),
            &shop,
        );
        let model = Model::new(&s);
        for r in simulate(&model, 1, 5) {
            let t = r.products[0];
            assert_eq!((t.covered, t.premium.0, t.claims().0), (0, 0, 0), "{shop}");
            assert!(t.ineligible > 1000, "{shop}: {}", t.ineligible);
        }
    }
}

/// One shop of 200 orders a day, baskets about 400 EUR, furniture.
const SHOP: &str = "orders_per_day = 200\nvolume_cv = 0\nbasket = { median_eur = 400, sigma = 0.5 }\ncategories = { furniture = 1.0 }";

/// Each of `metrics` is among the product rows `checked` (`all/<metric>`).
fn assert_checked(checked: &[String], metrics: &[&str]) {
    for m in metrics {
        assert!(
            checked.iter().any(|c| *c == format!("all/{m}")),
            "{m} not checked: {checked:?}"
        );
    }
}

/// Every row with an analytic value within 4 standard errors (or equal where constant); the
/// rows checked, as `<segment or all>/<metric>`.
fn closed_forms_hold(model: &Model, results: &[PathResult]) -> Vec<String> {
    let rows = summary::summarise(model, results);
    let mut checked = Vec::new();
    for r in rows.iter().filter(|r| r.analytic.is_some()) {
        let (mean, se, want) = (r.summary.mean, r.summary.se, r.analytic.unwrap());
        if se == 0.0 {
            assert!(
                (mean - want).abs() < 1e-9,
                "{} {:?}: {mean} vs {want}",
                r.metric,
                r.segment
            );
        } else {
            let z = (mean - want) / se;
            assert!(
                z.abs() < 4.0,
                "{} {:?}: {mean} ± {se} vs {want}, z = {z:.2}",
                r.metric,
                r.segment
            );
        }
        let segment = r.segment.as_deref().unwrap_or("all");
        checked.push(format!("{segment}/{}", r.metric));
    }
    checked
}

/// The wording's claim exclusions (the merchant's intentional fault, goods outside lawful
/// trade, items of banned organisations) refuse a share of the claims, which show as rejected
/// and stay with the merchant; inexact declarations cut a misdeclared contract's indemnities
/// by the premium ratio (L113-9); an unrest event voids the claims of the plans written during
/// it. Each against its closed form, and against the same book without them.
#[test]
fn exclusions_declarations_and_unrest_reduce_claims_by_their_closed_forms() {
    let plain = scenario(300, PLAIN, &pay_in_4(0.03), SHOP);
    let base = Model::new(&plain);
    let base_rows = summary::summarise(&base, &simulate(&base, 9, 2));
    let claims = |rows: &[summary::MetricRow]| {
        rows.iter()
            .find(|r| r.segment.is_none() && r.metric == "claims_eur")
            .and_then(|r| r.analytic)
            .unwrap()
    };
    let without = claims(&base_rows);
    let features = format!(
        "{PLAIN}\n\
         exclusions = {{ intentional_fault_share = 0.1, unlawful_goods_share = 0.05 }}\n\
         declarations = {{ misdeclared_share = 0.3, premium_ratio = 0.6 }}\n\
         unrest = {{ probability = 0.2, days = 60 }}"
    );
    let s = scenario(400, &features, &pay_in_4(0.03), SHOP);
    let model = Model::new(&s);
    let results = simulate(&model, 9, 400);
    let checked = closed_forms_hold(&model, &results);
    assert_checked(
        &checked,
        &[
            "claims_eur",
            "rejected_count",
            "retained_eur",
            "missed_instalment_count",
        ],
    );
    // Refused: 1 − 0.9 × 0.95; misdeclared: 1 − 0.3 × 0.4; unrest: 0.2 × 60/365 of most days.
    let rows = summary::summarise(&model, &results);
    let ratio = claims(&rows) / without;
    let want = 0.9 * 0.95 * (1.0 - 0.3 * 0.4) * (1.0 - 0.2 * 60.0 / 365.0);
    assert!((ratio - want).abs() < 0.01, "{ratio} against about {want}");
    // Paths with a misdeclared contract and no unrest pay 0.6 of what they would, before the
    // refusals: some paths are cut, some not.
    let rejected: u64 = results.iter().map(|r| r.products[0].rejected).sum();
    assert!(rejected > 0);
}

/// The sector factor: shops of one sector share it, so their default rates move together
/// more than those of two sectors; each shop keeps its expected claims (the closed form with
/// ρ + ρs), and ρ + ρs must stay below 1.
#[test]
fn shops_of_one_sector_share_their_factor() {
    let product = format!("{PLAIN}\nsector_correlation = 0.3");
    let two_shops = |sectors: [&str; 2]| {
        let shop = |name: &str, sector: &str| {
            shop_table(
                name,
                &format!(
                    "orders_per_day = 300\nvolume_cv = 0\nbasket = {{ median_eur = 400, sigma = 0.5 }}\ncategories = {{ furniture = 1.0 }}\nsector = \"{sector}\""
                ),
            )
        };
        let companies = format!(
            "[[companies]]\nname = \"A\"\n{}{}",
            shop("a", sectors[0]),
            shop("b", sectors[1])
        );
        let text = scenario_text(300, &product, &pay_in_4(0.02), &companies);
        Model::new(&Scenario::parse(&text, "test.toml").unwrap())
    };
    // Correlation of the two shops' claims over paths: the engine has no per-shop line, so
    // compare the product's claim variance: one sector moves both shops together.
    let variance = |model: &Model| {
        let results = simulate(model, 21, 300);
        closed_forms_hold(model, &results);
        let mut m = Moments::default();
        for r in &results {
            m.push(r.products[0].claims().to_eur());
        }
        m.variance()
    };
    let (same, apart) = (
        variance(&two_shops(["furniture", "furniture"])),
        variance(&two_shops(["furniture", "electronics"])),
    );
    assert!(same > 1.2 * apart, "one sector {same} against two {apart}");
    let err = Scenario::parse(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/bnpl_like.toml"
        ))
        .unwrap()
        .replace(
            "asset_correlation = 0.05",
            "asset_correlation = 0.05\nsector_correlation = 0.96",
        ),
        "bnpl.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("sector_correlation"), "{err}");
}

/// The contract's life: quarterly terms renewed tacitly, a lapse at each term's end, a premium
/// increase from the first renewal with the lapse it brings at once. Plans written after the
/// end are not insured; a plan running past it is covered up to it and refunded pro rata.
/// Covered plans, premium (refunds included), claims and counts match their closed forms, which
/// weigh each day by the probability the contract is still in force.
#[test]
fn the_contract_lapses_at_term_ends_and_refunds_what_it_no_longer_covers() {
    let shop = SHOP;
    let contract = format!(
        "{PLAIN}\ncontract = {{ term_days = 91, lapse_per_term = 0.3, premium_change = \"0.2\", lapse_after_increase = 0.2 }}"
    );
    let s = scenario(400, &contract, &pay_in_4(0.03), shop);
    let model = Model::new(&s);
    let results = simulate(&model, 13, 400);
    let checked = closed_forms_hold(&model, &results);
    assert_checked(
        &checked,
        &[
            "covered",
            "premium_eur",
            "claims_eur",
            "missed_instalment_count",
            "retained_eur",
            "refunds_eur",
            "contracts_ended_count",
            "terminated_count",
        ],
    );
    let Product::BnplNonPayment(p) = &model.products()[0] else {
        panic!("bnpl")
    };
    let c = p.contract.expect("contract");
    // In force on day 100 (after the first renewal, a lapse of 1 − 0.7 × 0.8 = 44 %).
    assert!((c.in_force(100, 365) - 0.56).abs() < 1e-12);
    assert!((c.in_force(200, 365) - 0.56 * 0.7).abs() < 1e-12);
    // Some paths lapsed in the first term: nothing written after day 91.
    let plain = Model::new(&scenario(400, PLAIN, &pay_in_4(0.03), shop));
    let full = simulate(&plain, 13, 40);
    let covered = |r: &PathResult| r.products[0].covered as f64;
    let shortest = results.iter().map(covered).fold(f64::INFINITY, f64::min);
    assert!(
        shortest < 0.3 * covered(&full[0]),
        "a path that lapsed at day 91: {shortest}"
    );
}

/// The insurer may terminate after a claim, with a month's notice (R113-10): with certainty
/// every path's contract ends 30 days after its first claim is paid, so few plans are written
/// and the plans running past the end are refunded; at 0 nothing changes, not one cent; in
/// between, some paths end. Terminations are counted among the contracts ended, and the
/// results do not depend on the number of threads.
#[test]
fn the_insurer_terminates_after_a_claim_with_a_months_notice() {
    let with = |q: &str| {
        let contract = format!("{PLAIN}\nclaim_lag_days = 10\ncontract = {{ term_days = 91{q} }}");
        Model::new(&scenario(60, &contract, &pay_in_4(0.01), SHOP))
    };
    let none = simulate(&with(""), 4, 60);
    assert_eq!(
        simulate(&with(", termination_after_claim = 0"), 4, 60),
        none,
        "no termination draws nothing"
    );
    let model = with(", termination_after_claim = 1, termination_notice_days = 30");
    let always = simulate(&model, 4, 60);
    let one = engine::with_threads(1, || model.simulate(4, 0..60, &|_| {}))
        .unwrap()
        .unwrap();
    assert_eq!(one, always, "1 thread and 2 threads");
    for (a, n) in always.iter().zip(&none) {
        let (a, n) = (&a.products[0], &n.products[0]);
        assert_eq!((a.contracts_ended, a.terminated), (1, 1));
        assert_eq!((n.contracts_ended, n.terminated, n.refunds.0), (0, 0, 0));
        // The first claim: an instalment due 30 days after a plan of the first days, paid 10
        // days later; the contract ends 30 days after that, near day 70 of 365.
        assert!(a.covered * 3 < n.covered, "{} vs {}", a.covered, n.covered);
        assert!(a.refunds.0 > 0);
        assert!(a.claim_count() >= 1, "the claim that ended it is paid");
    }
    let some = simulate(
        &with(", termination_after_claim = 0.0005, termination_notice_days = 30"),
        4,
        60,
    );
    let ended: u64 = some.iter().map(|r| r.products[0].terminated).sum();
    assert!((5..55).contains(&ended), "{ended} of 60 paths terminated");
    for r in &some {
        assert!(r.products[0].terminated <= r.products[0].contracts_ended);
    }
}

/// The contract's and the exclusions' fields are validated with their paths.
#[test]
fn contract_and_exclusion_fields_are_validated() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/bnpl_like.toml"
    ))
    .unwrap();
    for (extra, path) in [
        (
            "contract = { premium_change = \"-1.5\" }",
            "contract.premium_change",
        ),
        ("contract = { term_days = 0 }", "contract.term_days"),
        (
            "contract = { lapse_per_term = 1.2 }",
            "contract.lapse_per_term",
        ),
        (
            "contract = { termination_after_claim = -0.1 }",
            "contract.termination_after_claim",
        ),
        (
            "contract = { termination_notice_days = 0 }",
            "contract.termination_notice_days",
        ),
        (
            "declarations = { misdeclared_share = 0.1, premium_ratio = 1.5 }",
            "declarations.premium_ratio",
        ),
        ("unrest = { probability = 0.1, days = 0 }", "unrest.days"),
    ] {
        let edited = text.replacen(
            "asset_correlation = 0.05",
            &format!("asset_correlation = 0.05\n{extra}"),
            1,
        );
        assert_ne!(edited, text);
        let err = Scenario::parse(&edited, "bnpl.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains(path), "{extra}: {path} not in {err}");
    }
    let edited = text.replacen(
        "[products.exclusions]",
        "[products.exclusions]\nintentional_fault_share = -0.1",
        1,
    );
    let err = Scenario::parse(&edited, "bnpl.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("exclusions.intentional_fault_share"), "{err}");
}

/// The ceiling applies per person and per card, across every shop of the insured company: a
/// population of two cards held by one person (ten cards a person on average) is paid at most
/// one ceiling a path over both shops; held by two persons, more; and two companies never share
/// their buyers, whatever the cards.
#[test]
fn the_ceiling_binds_per_person_and_per_card_across_the_company() {
    let text = |cards: f64, two_companies: bool| {
        let shop = |name: &str| {
            shop_table(
                name,
                "orders_per_day = 50\nvolume_cv = 0\nbasket = { median_eur = 400, sigma = 1e-9 }\ncategories = { furniture = 1.0 }",
            )
        };
        let second = if two_companies {
            format!("\n[[companies]]\nname = \"B\"\n{}", shop("b"))
        } else {
            shop("b")
        };
        let product = format!(
            "{PLAIN}\nceiling_per_customer_eur = \"300\"\n\
             customers = {{ purchases_per_year = 1e9, purchases_cv = 0, cards_per_person = {cards}, \
             adult_share = 1, french_resident_share = 1, card_networks = {{ cb = 1 }}, card_types = {{ debit = 1 }} }}"
        );
        let companies = format!("[[companies]]\nname = \"A\"\n{}{second}", shop("a"));
        scenario_text(40, &product, &pay_in_4(0.5), &companies)
    };
    let most = |cards: f64, two: bool| {
        let model = Model::new(&Scenario::parse(&text(cards, two), "t.toml").unwrap());
        simulate(&model, 3, 40)
            .iter()
            .map(|r| r.products[0].claims().0)
            .max()
            .unwrap()
    };
    assert!(
        most(10.0, false) <= 30_000,
        "one person, one ceiling over both shops"
    );
    assert!(most(1.0, false) > 30_000, "two persons, two ceilings");
    assert!(most(10.0, true) > 30_000, "two companies share no buyer");
    assert!(most(1.0, false) <= 60_000);
}

/// Recoveries take time and cost: each claim's recovery arrives a lognormal lag after its
/// payment, net of its collection cost; the development views `dev_month:<k>` hold what is
/// paid and recovered in each month from the horizon's start. They add up, path by path, to
/// the product's claims and recoveries; recoveries come later than payments; the recoveries
/// net of cost match their closed form.
#[test]
fn payments_and_recoveries_by_development_month() {
    let product = format!(
        "{PLAIN}\nrecovery_lag = {{ median_days = 120, sigma = 0.5 }}\nrecovery_cost_share = 0.2\ndevelopment_months = 30"
    );
    let s = scenario(200, &product, &pay_in_4(0.03), SHOP);
    let model = Model::new(&s);
    let names: Vec<&str> = model.segments().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names[1], "dev_month:00");
    assert_eq!(names.len(), 1 + 30);
    let results = simulate(&model, 17, 200);
    let checked = closed_forms_hold(&model, &results);
    assert_checked(&checked, &["recoveries_eur", "net_claims_eur"]);
    let (mut paid_month, mut recovered_month) = (0.0, 0.0);
    for r in &results {
        let t = &r.products[0];
        let dev = &r.segments[1..];
        let paid: i64 = dev.iter().map(|v| v.claims().0).sum();
        let recovered: i64 = dev.iter().map(|v| v.recoveries.0).sum();
        assert_eq!(
            (paid, recovered),
            (t.claims().0, t.recoveries.0),
            "path {}",
            r.path
        );
        for (k, v) in dev.iter().enumerate() {
            paid_month += k as f64 * v.claims().to_eur();
            recovered_month += k as f64 * v.recoveries.to_eur();
        }
    }
    let total = |f: fn(&PathResult) -> f64| results.iter().map(f).sum::<f64>();
    let mean_paid = paid_month / total(|r| r.products[0].claims().to_eur());
    let mean_recovered = recovered_month / total(|r| r.products[0].recoveries.to_eur());
    // About 120 days (four months) later on average (e^{σ²/2} × 120 days).
    assert!(
        (mean_recovered - mean_paid - 4.4).abs() < 1.0,
        "recoveries {mean_recovered} months against payments {mean_paid}"
    );
}

//! Adding a product, tested: the registry's worked example, returns protection
//! (`src/products/returns_protection/`), which exists in test builds only, is one folder and
//! one registry line; here it runs through validation, the engine, the closed forms and the
//! pricing like any product, next to parcel protection on the same order stream.

use crate::engine::Model;
use crate::scenario::Scenario;
use crate::stats::Moments;

/// A shop selling parcel protection and the toy on one order stream: 30 flat days of 40
/// orders, a third of buyers taking the toy.
const SCENARIO: &str = r#"
name = "returns_toy"
[horizon]
start = "2026-03-02"
days = 30
[simulation]
seed = 7
paths = 400
[calendar]
weekday_multipliers = [1, 1, 1, 1, 1, 1, 1]
month_shares_pct = [
  8.493150684931507, 7.671232876712328, 8.493150684931507, 8.219178082191782,
  8.493150684931507, 8.219178082191782, 8.493150684931507, 8.493150684931507,
  8.219178082191782, 8.493150684931507, 8.219178082191782, 8.493150684931507,
]
[[products]]
name = "parcel"
kind = "buyer_protection"
take_up = 0.30
[products.tariff]
flat_fee_eur = "0.98"
flat_below_eur = "100"
rates = { standard = "0.015" }
rounding = "half_up"
[[products]]
name = "returns"
kind = "returns_protection"
take_up = 0.33
price_eur = "1.20"
return_probability = 0.08
label_eur = "6.50"
[[companies]]
name = "Toy SAS"
[[companies.shops]]
name = "toy.example"
orders_per_day = 40
volume_cv = 0
basket = { median_eur = 38, sigma = 0.95, cap_eur = 2500 }
categories = { home_garden = 1.0 }
international_share = 0.2
risk_class = "standard"
products = ["parcel", "returns"]
"#;

fn model() -> Model {
    Model::new(&Scenario::parse(SCENARIO, "returns_toy.toml").expect("the toy parses"))
}

#[test]
fn a_product_added_by_one_folder_and_one_registry_line_parses_and_is_refused_when_wrong() {
    let bad = SCENARIO.replace("return_probability = 0.08", "return_probability = 1.5");
    let err = Scenario::parse(&bad, "returns_toy.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("products[1].return_probability"), "{err}");
    let unknown = SCENARIO.replace("label_eur", "lable_eur");
    let err = Scenario::parse(&unknown, "returns_toy.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("lable_eur"), "{err}");
}

#[test]
fn a_product_added_by_one_folder_and_one_registry_line_simulates_to_its_closed_forms() {
    let model = model();
    let expected = crate::analytic::product_metrics(&model, 1);
    let (mut covered, mut claims, mut premium) =
        (Moments::default(), Moments::default(), Moments::default());
    for path in 0..400 {
        let r = model.simulate_path(7, path);
        let t = &r.products[1];
        covered.push(t.covered as f64);
        claims.push(t.claims().to_eur());
        premium.push(t.premium.to_eur());
        // Its segments add up to its line.
        let s = model.segment_range(1);
        assert_eq!(
            r.segments[s].iter().map(|x| x.covered).sum::<u64>(),
            t.covered
        );
    }
    for (m, metric) in [
        (&covered, "covered"),
        (&claims, "claims_eur"),
        (&premium, "premium_eur"),
    ] {
        let e = expected[metric];
        assert!(
            (m.mean() - e).abs() < 4.0 * m.standard_error(),
            "{metric}: simulated {} ± {}, closed form {e}",
            m.mean(),
            m.standard_error()
        );
    }
    // 30 days × 40 orders × 0.33, each returned with probability 0.08 at 6.50 EUR.
    assert!((expected["covered"] - 396.0).abs() < 1e-6);
    assert!((expected["claims_eur"] - 396.0 * 0.08 * 6.5).abs() < 1e-6);
    // The tariff parameter reaches the pricing, priced on both destinations.
    let knobs = crate::pricing::parameters(&model);
    let price = knobs.iter().find(|k| k.product == 1).expect("a price");
    assert_eq!(price.path, "products[1].price_eur");
    assert_eq!(price.segments, model.segment_range(1).collect::<Vec<_>>());
}

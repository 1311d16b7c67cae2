//! Risk transfer against closed forms: on a compound Poisson(10) model with a fixed claim of
//! 50 EUR (`tests/fixtures/compound_fixed_claims.toml`), S = 50 K with K ~ Poisson(10), so an
//! aggregate stop-loss A xs D pays 50 E[min((K − d)⁺, a)] with d = D / 50 and a = A / 50: a sum
//! over the Poisson probabilities (Klugman, Panjer & Willmot, *Loss Models*, the stop-loss
//! premium of a discrete aggregate loss). A quota share cedes its share of every path exactly.

use protectsim::engine::{self, Model};
use protectsim::money::Cents;
use protectsim::scenario::Scenario;
use protectsim::summary::{self, MetricRow};

fn fixture_with(treaty: &str) -> Scenario {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/compound_fixed_claims.toml"
    ))
    .unwrap();
    let text = format!("{text}\n[[reinsurance]]\nproduct = \"parcel\"\n{treaty}\n");
    Scenario::parse(&text, "compound.toml").unwrap_or_else(|e| panic!("{e}"))
}

/// P(K = k) for K ~ Poisson(λ), k = 0, 1, …, up to where the tail is negligible.
fn poisson(lambda: f64, up_to: usize) -> Vec<f64> {
    let mut p = vec![(-lambda).exp()];
    for k in 1..=up_to {
        p.push(p[k - 1] * lambda / k as f64);
    }
    p
}

fn row<'a>(rows: &'a [MetricRow], metric: &str) -> &'a MetricRow {
    rows.iter()
        .find(|r| r.metric == metric && r.segment.is_none())
        .unwrap_or_else(|| panic!("no {metric}"))
}

/// A stop-loss 300 EUR xs 600 EUR on S = 50 K: E[ceded] = 50 Σ min((k − 12)⁺, 6) P(K = k),
/// and P(the layer pays) = P(K > 12); both within 4 standard errors over 20,000 paths. The
/// premium after reinsurance is the gross premium less the layer's price.
#[test]
fn stop_loss_pays_its_closed_form_on_a_compound_poisson() {
    let s = fixture_with(
        "stop_loss = { attachment_eur = \"600\", limit_eur = \"300\", rate_on_premium = 0.1 }",
    );
    let model = Model::new(&s);
    let results = engine::with_threads(2, || model.simulate(11, 0..20_000, &|_| {}))
        .unwrap()
        .unwrap();
    // Every claim is 50.00 EUR: the model is the textbook one.
    for r in &results[..200] {
        let t = &r.products[0];
        assert_eq!(t.claims().0, 5_000 * t.claim_count() as i64);
    }
    let p = poisson(10.0, 200);
    let want: f64 = (0..p.len())
        .map(|k| 50.0 * (k.saturating_sub(12).min(6)) as f64 * p[k])
        .sum();
    let rows = summary::summarise(&model, &results);
    let ceded = row(&rows, "stop_loss_claims_eur");
    let z = (ceded.summary.mean - want) / ceded.summary.se;
    assert!(
        z.abs() < 4.0,
        "E[ceded] {} ± {} vs {want}",
        ceded.summary.mean,
        ceded.summary.se
    );
    let treaty = model.treaty(0).unwrap();
    let pays = results
        .iter()
        .filter(|r| {
            let t = &r.products[0];
            treaty.cede_totals(t).claims > Cents::ZERO
        })
        .count() as f64
        / results.len() as f64;
    let p_over: f64 = p[13..].iter().sum();
    let se = (p_over * (1.0 - p_over) / results.len() as f64).sqrt();
    assert!(
        (pays - p_over).abs() < 4.0 * se,
        "P(pays) {pays} vs {p_over}"
    );
    // The layer's price: 10 % of the premium, taken from the cedant's premium.
    let gross = row(&rows, "premium_eur").summary.mean;
    let after = row(&rows, "premium_after_reinsurance_eur").summary.mean;
    assert!(
        (after - 0.9 * gross).abs() < 0.01,
        "{after} vs 0.9 × {gross}"
    );
}

/// A 40 % quota share with a 30 % commission cedes 40 % of each path's premium and claims,
/// to the cent, and pays back 30 % of the ceded premium; the summary's closed forms (the
/// gross ones times the shares) hold within 4 standard errors; the loss ratio after it is the
/// gross one times 0.6 / (0.6 + 0.4 × 0.3): the cedant keeps 60 % of the claims and 60 % of
/// the premium plus the commission.
#[test]
fn quota_share_cedes_its_share_of_every_path() {
    let s = fixture_with("quota_share = { share = 0.4, commission = 0.3 }");
    let model = Model::new(&s);
    let results = engine::with_threads(2, || model.simulate(3, 0..4_000, &|_| {}))
        .unwrap()
        .unwrap();
    let treaty = model.treaty(0).unwrap();
    for r in &results {
        let t = &r.products[0];
        let c = treaty.cede_totals(t);
        assert_eq!(c.premium, t.premium.share(0.4));
        assert_eq!(c.claims, t.net_claims().share(0.4));
        assert_eq!(c.commission, c.premium.share(0.3));
    }
    let rows = summary::summarise(&model, &results);
    let mut checked = 0;
    for metric in [
        "ceded_premium_eur",
        "ceding_commission_eur",
        "ceded_claims_eur",
    ] {
        let r = row(&rows, metric);
        let want = r
            .analytic
            .unwrap_or_else(|| panic!("{metric} has no closed form"));
        let z = (r.summary.mean - want) / r.summary.se;
        assert!(
            z.abs() < 4.0,
            "{metric}: {} ± {} vs {want}",
            r.summary.mean,
            r.summary.se
        );
        checked += 1;
    }
    assert_eq!(checked, 3);
    let gross = row(&rows, "portfolio_loss_ratio").summary.mean;
    let net = row(&rows, "portfolio_loss_ratio_after_reinsurance")
        .summary
        .mean;
    let want = gross * 0.6 / 0.72;
    assert!((net - want).abs() < 1e-3 * gross, "{net} vs {want}");
}

/// A portfolio treaty protects what the products keep after their own: a 50 % quota share on
/// the product leaves 25 K, and the portfolio's stop-loss 150 EUR xs 300 EUR then pays
/// 25 Σ min((k − 12)⁺, 6) P(K = k) (the same finite sum at half the claim). Its rows are the
/// portfolio's, beside the product's; within 4 standard errors over 20,000 paths.
#[test]
fn a_portfolio_stop_loss_protects_what_the_products_keep() {
    let s = fixture_with(
        "quota_share = { share = 0.5 }\n\n[portfolio_reinsurance]\nstop_loss = { attachment_eur = \"300\", limit_eur = \"150\" }",
    );
    let model = Model::new(&s);
    let results = engine::with_threads(2, || model.simulate(13, 0..20_000, &|_| {}))
        .unwrap()
        .unwrap();
    let p = poisson(10.0, 200);
    let want: f64 = (0..p.len())
        .map(|k| 25.0 * (k.saturating_sub(12).min(6)) as f64 * p[k])
        .sum();
    let rows = summary::summarise(&model, &results);
    let portfolio = |metric: &str| {
        rows.iter()
            .find(|r| r.product == "portfolio" && r.metric == metric)
            .unwrap_or_else(|| panic!("no portfolio {metric}"))
    };
    let kept = portfolio("net_claims_eur");
    assert!((kept.summary.mean - 250.0).abs() < 4.0 * kept.summary.se);
    let ceded = portfolio("stop_loss_claims_eur");
    let z = (ceded.summary.mean - want) / ceded.summary.se;
    assert!(
        z.abs() < 4.0,
        "{} against {want} (z {z})",
        ceded.summary.mean
    );
    // The product's own quota share is unchanged by the portfolio's treaty.
    let qs = rows
        .iter()
        .find(|r| r.product == "parcel" && r.metric == "ceded_claims_eur")
        .unwrap();
    assert!((qs.summary.mean - 250.0).abs() < 4.0 * qs.summary.se);
}

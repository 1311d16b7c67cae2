//! Closed-form expectations that `check` prints and the summary's `analytic` column carries,
//! so every simulated mean can be read against theory.

use crate::engine::Model;
use crate::products::Product;
use crate::products::buyer_protection::Expected;
use crate::products::e_reputation::{self, EReputation};
use std::collections::BTreeMap;

/// Parcel buyer protection: the expectations of a product, summed over the shops selling it.
pub fn parcel(model: &Model, product: usize) -> Expected {
    let mut e = Expected::default();
    for (_, book) in model.books().filter(|(p, _)| *p == product) {
        e += Expected::of(book);
    }
    e
}

/// Expected guarantees and guaranteed value of a guarantee-frame product over the horizon.
fn guarantees(model: &Model, product: usize, warmup: usize) -> (f64, f64) {
    let frames = model.frames();
    model
        .frame_books()
        .filter(|(c, _)| frames[*c].product == product)
        .map(|(_, book)| {
            let n: f64 = book.daily_mean[warmup..].iter().sum();
            (n, n * book.mean_guaranteed_eur())
        })
        .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1))
}

/// E[active guaranteed volume] of frame company `c` on each horizon day, in EUR: the M_t/G/∞
/// mean `Σ_{d=t−D+1..t} λ(d) × take-up × E[guaranteed amount]` over the company's shops.
pub fn expected_active_volume(model: &Model, c: usize) -> Vec<f64> {
    let f = &model.frames()[c];
    let d = f.duration_days as usize;
    let days = model.horizon().days as usize;
    let mut active = vec![0.0; days];
    for (_, book) in model.frame_books().filter(|(fc, _)| *fc == c) {
        let value = book.mean_guaranteed_eur();
        for (t, a) in active.iter_mut().enumerate() {
            *a += book.daily_mean[t..t + d].iter().sum::<f64>() * value;
        }
    }
    active
}

/// E-reputation cover: the expectations of the policy segments `segments` (indices into
/// [`Model::segments`]) of product `product`, summed.
pub fn policies(
    model: &Model,
    product: &EReputation,
    segments: std::ops::Range<usize>,
) -> e_reputation::Expected {
    let days = model.horizon().days;
    let mut e = e_reputation::Expected::zero();
    for (_, book) in model.policy_books().filter(|(s, _)| segments.contains(s)) {
        e += e_reputation::Expected::of(product, book, days);
    }
    e
}

/// The metric map of policy-product expectations.
fn policy_metrics(m: &mut BTreeMap<String, f64>, e: &e_reputation::Expected) {
    m.insert("covered".into(), e.covered);
    m.insert("ineligible".into(), 0.0);
    m.insert("exposure_eur".into(), e.exposure_eur);
    m.insert("premium_eur".into(), e.premium_eur);
    m.insert("rejected_count".into(), 0.0);
    m.insert("ibnr_eur".into(), 0.0);
    m.insert("recoveries_eur".into(), 0.0);
    for (k, peril) in e_reputation::PERILS.iter().enumerate() {
        m.insert(format!("{peril}_count"), e.claim_counts[k]);
        if let Some(c) = e.claims_eur {
            m.insert(format!("{peril}_eur"), c[k]);
        }
    }
    if let Some(total) = e.claims_total_eur() {
        m.insert("claims_eur".into(), total);
        m.insert("net_claims_eur".into(), total);
        if e.premium_eur > 0.0 {
            m.insert("portfolio_loss_ratio".into(), total / e.premium_eur);
        }
    }
    if let Some(x) = e.outstanding_eur {
        m.insert("outstanding_eur".into(), x);
    }
    if let Some(x) = e.retained_eur {
        m.insert("retained_eur".into(), x);
    }
}

/// Analytic means of a product's per-path metrics, by summary metric name.
pub fn product_metrics(model: &Model, product: usize) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    match &model.products()[product] {
        Product::BuyerProtection(_) => {
            let e = parcel(model, product);
            m.insert("covered".into(), e.covered);
            m.insert("ineligible".into(), e.ineligible);
            m.insert("exposure_eur".into(), e.exposure_eur);
            m.insert("premium_eur".into(), e.premium_eur);
            m.insert("claims_eur".into(), e.claims_total_eur());
            m.insert("portfolio_loss_ratio".into(), e.loss_ratio());
            for (k, peril) in crate::products::buyer_protection::PERILS.iter().enumerate() {
                m.insert(format!("{peril}_count"), e.claim_counts[k]);
                m.insert(format!("{peril}_eur"), e.claims_eur[k]);
            }
        }
        Product::GuaranteeFrame(p) => {
            let (n, value) = guarantees(model, product, p.warmup_days() as usize);
            let monthly: f64 = model
                .frames()
                .iter()
                .filter(|f| f.product == product)
                .map(|f| f.monthly_fees.to_eur())
                .sum();
            m.insert("covered".into(), n);
            m.insert("ineligible".into(), 0.0);
            m.insert("exposure_eur".into(), value);
            m.insert(
                "premium_eur".into(),
                n * p.fee_per_guarantee.to_eur() + monthly,
            );
        }
        Product::EReputation(p) => {
            let e = policies(model, p, model.segment_range(product));
            policy_metrics(&mut m, &e);
        }
    }
    m
}

/// Analytic means of a segment's per-path metrics, by summary metric name (empty where the
/// product has no closed form per segment).
pub fn segment_metrics(model: &Model, segment: usize) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    let Some(seg) = model.segments().get(segment) else {
        return m;
    };
    if let Product::EReputation(p) = &model.products()[seg.product] {
        let e = policies(model, p, segment..segment + 1);
        policy_metrics(&mut m, &e);
    }
    m
}

//! Closed-form expectations that `check` prints and the summary's `analytic` column carries,
//! so every simulated mean can be read against theory.

use crate::catalogue::Category;
use crate::engine::{Model, MoneyOverflow};
use crate::money::MAX_EXPECTED_PATH_CENTS;
use crate::orders::OrderStream;
use crate::products::Product;
use crate::products::bnpl;
use crate::products::buyer_protection::{self, Expected, ShopBook};
use crate::products::e_reputation::{self, EReputation};
use crate::products::guarantee_frame::FrameShopBook;
use crate::products::legal_protection as legal;
use crate::products::legal_protection::LegalBook;
use std::collections::BTreeMap;

/// Parcel buyer protection: the expectations of a product, summed over the shops selling it.
pub fn parcel(model: &Model, product: usize) -> Expected {
    let mut e = Expected::default();
    for c in model.covers::<ShopBook>().filter(|c| c.product == product) {
        e += Expected::of(c.book);
    }
    e
}

/// BNPL non-payment: the expectations per plan type of a product, summed over the shops
/// selling it, and the expected instalment orders whose basket fits no plan.
pub fn bnpl(model: &Model, product: usize) -> (Vec<bnpl::Expected>, f64) {
    let Product::BnplNonPayment(p) = &model.products()[product] else {
        return (Vec::new(), 0.0);
    };
    let mut plans = vec![bnpl::Expected::default(); p.plans.len()];
    let mut no_plan = 0.0;
    for (_, book) in model.bnpl_books().filter(|(pi, _)| *pi == product) {
        let (e, n) = bnpl::Expected::of(book);
        for (a, b) in plans.iter_mut().zip(e) {
            *a += b;
        }
        no_plan += n;
    }
    (plans, no_plan)
}

/// The metrics of a BNPL plan type (or their sum) with a closed form. Claims, recoveries and
/// loss ratios only without a ceiling, since a binding ceiling has none; nothing where the
/// insurer terminates after claims, since then every figure depends on the claims' timing.
fn bnpl_metrics(
    m: &mut BTreeMap<String, f64>,
    e: &bnpl::Expected,
    p: &bnpl::BnplNonPayment,
    no_plan: f64,
) {
    if p.contract.is_some_and(|c| c.termination_after_claim > 0.0) {
        return;
    }
    m.insert("covered".into(), e.covered);
    if p.contract.is_some() {
        m.insert("refunds_eur".into(), e.refunds_eur);
    }
    m.insert("ineligible".into(), e.ineligible + no_plan);
    m.insert("exposure_eur".into(), e.exposure_eur);
    m.insert("premium_eur".into(), e.premium_eur);
    m.insert("rejected_count".into(), e.rejected);
    if p.ceiling.is_none() {
        let claims: f64 = e.claims_eur.iter().sum();
        let recoveries = claims * p.recovery_rate * (1.0 - p.recovery_cost_share);
        m.insert("claims_eur".into(), claims);
        m.insert("recoveries_eur".into(), recoveries);
        m.insert("net_claims_eur".into(), claims - recoveries);
        m.insert("retained_eur".into(), e.unpaid_total_eur() - claims);
        m.insert(
            "portfolio_loss_ratio".into(),
            (claims - recoveries) / e.premium_eur,
        );
        for (k, peril) in bnpl::PERILS.iter().enumerate() {
            m.insert(format!("{peril}_count"), e.claim_counts[k]);
            m.insert(format!("{peril}_eur"), e.claims_eur[k]);
        }
    }
}

/// Expected guarantees and guaranteed value of a guarantee-frame product over the horizon.
fn guarantees(model: &Model, product: usize, warmup: usize) -> (f64, f64) {
    let frames = model.frames();
    model
        .covers::<FrameShopBook>()
        .filter(|c| c.company.is_some_and(|k| frames[k].product == product))
        .map(|c| {
            let book = c.book;
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
    for cover in model
        .covers::<FrameShopBook>()
        .filter(|cover| cover.company == Some(c))
    {
        let book = cover.book;
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
    for (_, book) in
        (model.policy_books::<e_reputation::PolicyBook>()).filter(|(s, _)| segments.contains(s))
    {
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
    m.insert("rejected_count".into(), e.rejected);
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

/// Refuses, before any path is simulated, a scenario whose expected premium, exposure or
/// claims of one product on one path exceed [`MAX_EXPECTED_PATH_CENTS`], so that a path
/// would need many times its expected volume to overflow (see [`crate::money::Cents`]).
pub fn check_money_headroom(model: &Model) -> Result<(), MoneyOverflow> {
    let limit = MAX_EXPECTED_PATH_CENTS as f64 / 100.0;
    for (i, p) in model.products().iter().enumerate() {
        let expected = product_metrics(model, i);
        for column in ["exposure_eur", "premium_eur", "claims_eur"] {
            let v = expected.get(column).copied().unwrap_or(0.0);
            // NaN (no closed form) is not a refusal; the per-path check still applies.
            if v > limit {
                return Err(MoneyOverflow {
                    what: format!("products[{i}] ({:?})", p.name()),
                    detail: format!(
                        "its expected {} per path is {v:.3e} EUR, above the {limit:.3e} EUR allowed (1/64 of what one path can sum, so that no path overflows)",
                        column.trim_end_matches("_eur")
                    ),
                });
            }
        }
    }
    Ok(())
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
        Product::LegalProtection(_) => {
            let mut e = legal::Expected::default();
            let mut exact = true;
            for sale in 0..legal::SALES.len() {
                let (s, x) = legal_expected(model, product, sale, None);
                e += s;
                exact &= x;
            }
            insert_legal(&mut m, &e, exact);
        }
        Product::BnplNonPayment(p) => {
            let (plans, no_plan) = bnpl(model, product);
            let mut total = bnpl::Expected::default();
            for e in plans {
                total += e;
            }
            bnpl_metrics(&mut m, &total, p, no_plan);
            if let Some(c) = p.contract.filter(|c| c.termination_after_claim == 0.0) {
                // Each insured company's contract ends within the horizon unless it stays at
                // every term end before the horizon's last day.
                let h = model.horizon().days;
                let ended = 1.0 - c.in_force(h as u64 - 1, h);
                m.insert(
                    "contracts_ended_count".into(),
                    model.bnpl_companies(product) as f64 * ended,
                );
                m.insert("terminated_count".into(), 0.0);
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
        // A product whose closed forms are its shops' books' (see `Cover::expected`).
        #[allow(unreachable_patterns)]
        _ => {
            for book in model.product_covers(product) {
                for (metric, x) in book.expected().unwrap_or_default() {
                    *m.entry(metric).or_insert(0.0) += x;
                }
            }
            if let (Some(c), Some(p)) = (m.get("claims_eur"), m.get("premium_eur")) {
                let ratio = c / p;
                m.insert("portfolio_loss_ratio".into(), ratio);
            }
        }
    }
    quota_share_metrics(&mut m, model, product);
    m
}

/// Under a quota share alone (no stop-loss), what the product cedes has closed forms wherever
/// its gross figures do: the share of the premium and of the net claims, and the commission on
/// the ceded premium. A product whose closed forms give no `net_claims_eur` has no recoveries
/// (BNPL, the one that recovers, gives both or neither), so its claims are its net claims.
fn quota_share_metrics(m: &mut BTreeMap<String, f64>, model: &Model, product: usize) {
    let Some(t) = model.treaty(product) else {
        return;
    };
    let (Some(q), None, true) = (t.quota_share, t.stop_loss, t.excess_of_loss.is_empty()) else {
        return;
    };
    if let Some(&premium) = m.get("premium_eur") {
        m.insert("ceded_premium_eur".into(), q.share * premium);
        m.insert(
            "ceding_commission_eur".into(),
            q.commission * q.share * premium,
        );
    }
    if let Some(&net) = m.get("net_claims_eur").or(m.get("claims_eur")) {
        m.insert("ceded_claims_eur".into(), q.share * net);
    }
}

/// Analytic means of a segment's per-path metrics, by summary metric name (empty where the
/// product has no closed form per segment).
pub fn segment_metrics(model: &Model, segment: usize) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    let Some(seg) = model.segments().get(segment) else {
        return m;
    };
    let index = segment - model.segment_range(seg.product).start;
    match &model.products()[seg.product] {
        Product::LegalProtection(_) if index < legal::SALES.len() => {
            let (e, exact) = legal_expected(model, seg.product, index, None);
            insert_legal(&mut m, &e, exact);
        }
        Product::LegalProtection(_) => {
            // A motive view: that motive's disputes over both ways of sale, no orders.
            let k = index - legal::SALES.len();
            let mut e = legal::Expected::default();
            let mut exact = true;
            for sale in 0..legal::SALES.len() {
                let (s, x) = legal_expected(model, seg.product, sale, Some(k));
                e += s;
                exact &= x;
            }
            if exact {
                insert_legal_cases(&mut m, &e);
            }
        }
        Product::BnplNonPayment(p) => {
            let (plans, _) = bnpl(model, seg.product);
            if let Some(e) = plans.get(index) {
                bnpl_metrics(&mut m, e, p, 0.0);
            }
        }
        Product::EReputation(p) => {
            let e = policies(model, p, segment..segment + 1);
            policy_metrics(&mut m, &e);
        }
        _ => {}
    }
    m
}

/// Legal protection: the expectations of one way of sale, summed over the shops; `None` for
/// the disputes where a link of `dispute.after` has no closed form here (see
/// [`legal_excess`]), with the buyers, exposure and premium still exact.
/// With `motive`, the disputes of that motive alone (see [`legal::Expected::of_linked`]).
pub fn legal_expected(
    model: &Model,
    product: usize,
    sale: usize,
    motive: Option<usize>,
) -> (legal::Expected, bool) {
    let mut e = legal::Expected::default();
    let mut exact = true;
    for c in model.covers::<LegalBook>().filter(|c| c.product == product) {
        let book = c.book;
        // Each parcel cover with its take-up among the legal cover's buyers (the two are
        // correlated where take-ups depend on the payment).
        let parcels: Vec<(&ShopBook, f64)> = c
            .before::<ShopBook>()
            .map(|(slot, p)| (p, take_up_given(c.stream, slot, c.slot)))
            .collect();
        let frame = c.before::<FrameShopBook>().next().is_some();
        match legal_excess(book, &parcels, frame) {
            Some(excess) => {
                e += legal::Expected::of_linked(book, sale, excess.as_deref(), motive);
            }
            None => {
                exact = false;
                e += legal::Expected::of_linked(book, sale, None, motive);
            }
        }
    }
    (e, exact)
}

/// P(an order buys cover `c` | it buys cover `given`) on a shop's stream: the covers' take-ups
/// are independent given the order's payment (at once, or in instalments with the shop's
/// split share), so `Σ_k w_k t_given,k t_c,k / Σ_k w_k t_given,k`.
fn take_up_given(stream: &OrderStream, c: usize, given: usize) -> f64 {
    let s = stream.split_share();
    let (mut both, mut of_given) = (0.0, 0.0);
    for (w, split) in [(1.0 - s, false), (s, true)] {
        let t = stream.take_up(given, split);
        both += w * t * stream.take_up(c, split);
        of_given += w * t;
    }
    if of_given > 0.0 { both / of_given } else { 0.0 }
}

/// The disputes a legal-protection book's links add (`excess(d, category)` of
/// [`legal::Expected::of_linked`]): `Some(None)` when nothing links, `None` where the link has
/// no closed form here (a refund by the shop's guarantee, whose probability depends on the
/// path's default day, or two parcel covers on one shop).
///
/// With one parcel cover bought with probability `t` by the cover's buyers, an order of
/// category `c` on day `d` is marked when its buyer took parcel protection and the parcel was
/// eligible for it; then its multiplier is that of what happened to the parcel, so
/// `excess(d, c) = t · P(parcel-eligible, B ≥ L | c) · Σ_dest P(dest) Σ_e P(e | d, dest) (m_e − 1)`
/// over the events lost, damaged only, late only, damaged and late, `m_e` the multiplier of
/// the motive's disputes (`excess(k, d, c)` for motive `k`).
#[allow(clippy::type_complexity)]
fn legal_excess<'a>(
    book: &'a LegalBook,
    parcels: &[(&'a ShopBook, f64)],
    frame: bool,
) -> Option<Option<Box<dyn Fn(usize, usize, Category) -> f64 + 'a>>> {
    use crate::orders::event::{DAMAGED, LATE, LOST};
    let after = book.product().dispute.after;
    // A refund marks the order too; the largest multiplier applies, so a parcel multiplier
    // below 1 would interact with it.
    let below_one = [after.lost, after.damaged, after.late]
        .iter()
        .any(|&m| m < 1.0);
    if frame && (after.refunded != 1.0 || below_one) {
        return None;
    }
    let parcel_linked = [after.lost, after.damaged, after.late] != [1.0; 3];
    let parcel = match parcels {
        _ if !parcel_linked => return Some(None),
        [] => return Some(None),
        [p] => *p,
        _ => return None,
    };
    let (parcel, t) = parcel;
    let abroad = parcel.international_share();
    let dest_share = [1.0 - abroad, abroad];
    // Per motive, E[m − 1 | the parcel was covered] by day; and t · P(parcel-eligible, B ≥ L)
    // by category.
    let events: Vec<[f64; 4]> = (0..book.daily_mean.len())
        .flat_map(|d| (0..2).map(move |dest| (d, dest)))
        .map(|(d, dest)| buyer_protection::event_probabilities(parcel, d, dest))
        .collect();
    let raise: Vec<Vec<f64>> = (book.product().motives.iter())
        .map(|motive| {
            let m = [LOST, DAMAGED, LATE, DAMAGED | LATE]
                .map(|e| after.multiplier_for(motive.link, e) - 1.0);
            (0..book.daily_mean.len())
                .map(|d| {
                    (0..2)
                        .map(|dest| {
                            let p = &events[2 * d + dest];
                            dest_share[dest] * p.iter().zip(&m).map(|(p, m)| p * m).sum::<f64>()
                        })
                        .sum()
                })
                .collect()
        })
        .collect();
    let from = (book.product().min_basket.to_eur() - book.shipping_fee().to_eur()).max(0.0);
    let covered: Vec<f64> = Category::ALL
        .iter()
        .map(|&c| t * buyer_protection::eligible_from(parcel, c, from))
        .collect();
    Some(Some(Box::new(move |k: usize, d: usize, c: Category| {
        covered[c.index()] * raise[k][d]
    })))
}

/// The metrics of a motive view's expectations: its disputes' counts and costs (no orders, no
/// premium, so no ratio to them).
fn insert_legal_cases(m: &mut BTreeMap<String, f64>, e: &legal::Expected) {
    m.insert("claims_eur".into(), e.claims_total_eur());
    m.insert("net_claims_eur".into(), e.claims_total_eur());
    m.insert("retained_eur".into(), e.retained_eur);
    for (k, peril) in legal::PERILS.iter().enumerate() {
        m.insert(format!("{peril}_count"), e.claim_counts[k]);
        m.insert(format!("{peril}_eur"), e.claims_eur[k]);
    }
    let disputes = e.claim_counts[legal::MEDIATION];
    m.insert("mediation_settled_count".into(), e.settled);
    m.insert("mediation_abandoned_count".into(), e.abandoned);
    if disputes > 0.0 {
        m.insert("mediation_settled_share".into(), e.settled / disputes);
        m.insert("mediation_days_mean".into(), e.mediation_days / disputes);
    }
}

/// The metrics of legal protection's expectations; without `disputes_exact`, only those that
/// do not depend on the disputes.
fn insert_legal(m: &mut BTreeMap<String, f64>, e: &legal::Expected, disputes_exact: bool) {
    m.insert("covered".into(), e.covered);
    m.insert("ineligible".into(), e.ineligible);
    m.insert("exposure_eur".into(), e.exposure_eur);
    m.insert("premium_eur".into(), e.premium_eur);
    if !disputes_exact {
        return;
    }
    insert_legal_cases(m, e);
    m.insert("portfolio_loss_ratio".into(), e.loss_ratio());
    let disputes = e.claim_counts[legal::MEDIATION];
    m.insert("disputes_per_million".into(), 1e6 * disputes / e.covered);
}

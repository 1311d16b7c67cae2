//! Insurance products: each file holds one product's eligibility, tariff and claim rules.

pub mod bnpl;
pub mod buyer_protection;
pub mod cover;
pub mod e_reputation;
pub mod guarantee_frame;
pub mod legal_protection;

use crate::calendar::Horizon;
use crate::money::{Cents, Rate};
use crate::portfolio::Shop;
use bnpl::BnplNonPayment;
use buyer_protection::BuyerProtection;
use e_reputation::EReputation;
use guarantee_frame::GuaranteeFrame;
use legal_protection::LegalProtection;
use std::collections::BTreeMap;
use std::ops::AddAssign;

pub use cover::{CompanyOut, Cover, CoverOut, PathOutputs, run_stream};

/// Most perils any product has; per-path totals keep a fixed array so they stay `Copy`.
pub const MAX_PERILS: usize = 4;

/// A product of the scenario, by `kind`. Few per scenario, so variants are not boxed.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Product {
    BuyerProtection(BuyerProtection),
    GuaranteeFrame(GuaranteeFrame),
    LegalProtection(LegalProtection),
    BnplNonPayment(BnplNonPayment),
    /// E-reputation legal cover, sold per policy-year (no orders, no shops).
    EReputation(EReputation),
}

impl Product {
    /// The product's name in the scenario (`name = "parcel"`).
    pub fn name(&self) -> &str {
        match self {
            Product::BuyerProtection(p) => &p.name,
            Product::GuaranteeFrame(p) => &p.name,
            Product::LegalProtection(p) => &p.name,
            Product::BnplNonPayment(p) => &p.name,
            Product::EReputation(p) => &p.name,
        }
    }

    /// The product's cover on `shop`'s order stream, or `None` for a product not sold on a
    /// shop's orders (BNPL plans, e-reputation policies). `shape(first)` is the shop's daily
    /// shape (calendar × trend) from horizon day `first` (negative: before the horizon, for a
    /// cover that needs the orders of earlier days) to the horizon's end.
    pub fn stream_cover(
        &self,
        shop: &Shop,
        shape: &dyn Fn(i64) -> Vec<f64>,
        horizon: Horizon,
    ) -> Option<Box<dyn Cover>> {
        match self {
            Product::BuyerProtection(p) => Some(Box::new(buyer_protection::ShopBook::new(
                p,
                shop,
                &shape(0),
                horizon,
            ))),
            Product::LegalProtection(p) => Some(Box::new(legal_protection::LegalBook::new(
                p,
                shop,
                &shape(0),
                horizon,
            ))),
            Product::GuaranteeFrame(p) => {
                let warmup = p.warmup_days() as i64;
                Some(Box::new(guarantee_frame::FrameShopBook::new(
                    p,
                    shop,
                    &shape(-warmup),
                    horizon,
                )))
            }
            Product::BnplNonPayment(_) | Product::EReputation(_) => None,
        }
    }

    /// The share of a shop's orders that buy the product's cover, for a product sold on a
    /// shop's order stream; `None` otherwise.
    pub fn stream_take_up(&self) -> Option<f64> {
        match self {
            Product::BuyerProtection(p) => Some(p.take_up),
            Product::LegalProtection(p) => Some(p.take_up()),
            Product::GuaranteeFrame(p) => Some(p.take_up),
            Product::BnplNonPayment(_) | Product::EReputation(_) => None,
        }
    }

    /// The scenario `kind`.
    /// What one occurrence of the product is, for its occurrence exceedance curve: a day's
    /// claims (parcel protection: every parcel of a day, which a carrier's disruption hits
    /// together), a case (legal protection, e-reputation), a merchant's default (a guarantee
    /// frame); `None`
    /// where the product defines none.
    pub fn occurrence(&self) -> Option<Occurrence> {
        match self {
            Product::BuyerProtection(_) => Some(Occurrence::Day),
            Product::LegalProtection(_) | Product::EReputation(_) => Some(Occurrence::Case),
            Product::GuaranteeFrame(_) => Some(Occurrence::Default),
            Product::BnplNonPayment(_) => None,
        }
    }

    /// Sets the per-occurrence excess-of-loss layers (retention, limit), lowest first, whose
    /// losses the product's book keeps per occurrence (a legal protection case); a product
    /// whose occurrences are summed by the engine (a day's parcel claims) keeps nothing here.
    pub fn set_occurrence_layers(&mut self, layers: Vec<(Cents, Cents)>) {
        match self {
            Product::LegalProtection(p) => p.case_layers = layers,
            Product::EReputation(p) => p.case_layers = layers,
            _ => {}
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Product::BuyerProtection(_) => "buyer_protection",
            Product::GuaranteeFrame(_) => "guarantee_frame",
            Product::LegalProtection(_) => "legal_protection",
            Product::BnplNonPayment(_) => "bnpl_non_payment",
            Product::EReputation(_) => "e_reputation",
        }
    }

    /// Whether the product is sold per policy-year from its own book (segments of policies in
    /// force) rather than on the orders of shops.
    pub fn sold_per_policy(&self) -> bool {
        matches!(self, Product::EReputation(_))
    }

    /// Products whose cases go through a first, amicable stage before a second one (legal
    /// protection: mediation, then court): the stage's name and what a case is called. Their
    /// results also count cases settled at that stage, abandoned after it and its days
    /// ([`ProductTotals::settled`]); the stage is the product's first peril.
    pub fn case_stage(&self) -> Option<CaseStage> {
        match self {
            Product::LegalProtection(_) => Some(CaseStage {
                stage: "mediation",
                cases: "disputes",
            }),
            _ => None,
        }
    }

    /// The perils claims are split by, in output order.
    pub fn perils(&self) -> &'static [&'static str] {
        match self {
            Product::BuyerProtection(_) => buyer_protection::PERILS,
            Product::GuaranteeFrame(_) => guarantee_frame::PERILS,
            Product::LegalProtection(_) => legal_protection::PERILS,
            Product::BnplNonPayment(_) => bnpl::PERILS,
            Product::EReputation(_) => e_reputation::PERILS,
        }
    }

    /// Whether the product's contracts live and end within the horizon (BNPL with a
    /// `contract`): its results then count ended contracts and refunded premium.
    pub fn has_contract_life(&self) -> bool {
        matches!(self, Product::BnplNonPayment(p) if p.contract.is_some())
    }

    /// What `covered` counts for this product: `orders`, `plans` or `policies`.
    pub fn exposure_unit(&self) -> &'static str {
        match self {
            Product::BuyerProtection(_)
            | Product::GuaranteeFrame(_)
            | Product::LegalProtection(_) => "orders",
            Product::BnplNonPayment(_) => "plans",
            Product::EReputation(_) => "policies",
        }
    }

    /// Names of the segments this product's results are also split by (pricing cells of
    /// parcel protection, plan types, sales channels, policy segments), in output order; empty
    /// when it has none.
    pub fn segments(&self) -> Vec<String> {
        match self {
            Product::BuyerProtection(p) => buyer_protection::cell_names(p),
            Product::GuaranteeFrame(_) => Vec::new(),
            Product::LegalProtection(_) => legal_protection::SALES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            Product::BnplNonPayment(p) => p.segments(),
            Product::EReputation(p) => p.segments.iter().map(|s| s.name.clone()).collect(),
        }
    }

    /// Names of the product's views: further splits of its results that are not part of its
    /// segments' partition (parcel `pricing_views`: `channel:web`, `category_group:home`, …);
    /// each view family adds up to the product on its own. Empty unless asked for.
    pub fn views(&self) -> Vec<String> {
        match self {
            Product::BuyerProtection(p) => buyer_protection::view_names(p),
            // A dispute's motive is known only once the order is disputed: the motive views
            // hold the disputes' cases and costs, no orders and no premium.
            Product::LegalProtection(p) if p.by_motive => legal_protection::MOTIVES
                .iter()
                .map(|m| format!("motive:{m}"))
                .collect(),
            // Payments and recoveries by development month: no orders, no premium.
            Product::BnplNonPayment(p) => p.development_views(),
            _ => Vec::new(),
        }
    }

    /// Whether the product's views carry orders and premium (parcel views) rather than only
    /// the costs of claims (legal protection's motive views).
    pub fn views_priced(&self) -> bool {
        !matches!(
            self,
            Product::LegalProtection(_) | Product::BnplNonPayment(_)
        )
    }

    /// Premium rates by risk class, for products whose tariff has them.
    pub fn risk_class_rates(&self) -> Option<&BTreeMap<String, Rate>> {
        match self {
            Product::BuyerProtection(p) => Some(&p.tariff.rates),
            Product::GuaranteeFrame(_)
            | Product::LegalProtection(_)
            | Product::BnplNonPayment(_)
            | Product::EReputation(_) => None,
        }
    }
}

/// The first stage of a product's cases (see [`Product::case_stage`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseStage {
    /// The stage's name, the prefix of its summary metrics: `mediation`.
    pub stage: &'static str,
    /// What one case is called: `disputes`.
    pub cases: &'static str,
}

/// The random streams of one BNPL book on one path: counts, order attributes, claim details,
/// recovery lags and the insurer's decisions to terminate, each from its own stream, and the
/// termination watch of a company's first pass (see [`bnpl::Termination`]).
pub struct Streams<'a, R> {
    pub counts: &'a mut R,
    pub orders: &'a mut R,
    pub claims: &'a mut R,
    /// Recovery lags: their own stream, so that how many are drawn (one per paid instalment,
    /// which a ceiling decides) moves no other draw.
    pub lags: &'a mut R,
    /// One draw per default of a written plan, drawn only with a watch.
    pub decisions: &'a mut R,
    pub termination: Option<&'a mut bnpl::Termination>,
}

/// Claims of one peril: how many were paid and how much.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PerilTotals {
    pub count: u64,
    pub amount: Cents,
}

/// Most layers of one product's excess-of-loss tower.
pub const MAX_XL_LAYERS: usize = 3;

/// What one occurrence of a product is (see [`Product::occurrence`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occurrence {
    /// The claims of the orders of one day, over every shop.
    Day,
    /// One case: its mediation and court costs.
    Case,
    /// One merchant's default: its refunds.
    Default,
}

/// What one path produced for one product, summed over its shops: the row of `paths.parquet`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProductTotals {
    /// Orders covered (bought the cover and eligible).
    pub covered: u64,
    /// Orders whose buyer took the cover up but that the wording excludes (category, value cap,
    /// channel): no premium, no cover.
    pub ineligible: u64,
    /// Sum insured: the basket values of covered orders.
    pub exposure: Cents,
    /// Written premium.
    pub premium: Cents,
    /// Paid claims by peril (see [`Product::perils`]).
    pub perils: [PerilTotals; MAX_PERILS],
    /// Claims reported outside a reporting window, not paid.
    pub rejected: u64,
    /// Part of the claims reported after the horizon ends (incurred but not reported at its end).
    pub ibnr: Cents,
    /// Part of the claims paid after the horizon ends: claims less this is the paid-to-date
    /// amount at the end of the horizon (a court case paid months after the order, an unpaid
    /// instalment falling due next year).
    pub outstanding: Cents,
    /// Amounts the insurer gets back after paying (subrogation against a defaulting buyer).
    pub recoveries: Cents,
    /// What the insured bears themselves: costs above the per-case ceiling, deductibles and
    /// losses the cover does not pay. Not part of claims.
    pub retained: Cents,
    /// Cases closed at the first, amicable stage (legal protection: mediations settled within
    /// the contract's limit). Zero for products whose cases have no stages.
    pub settled: u64,
    /// Cases the claimant dropped after the first stage failed (not taken to court).
    pub abandoned: u64,
    /// Days the first stage took, summed over cases, in hundredths of a day.
    pub stage_centidays: u64,
    /// Paid claims on orders on which another of the shop's covers also paid a claim (a lost
    /// parcel its buyer also disputes, a refunded guarantee): the claims that share an order
    /// across covers. Zero for products that are not sold on the shops' order streams.
    pub shared_claims: u64,
    /// Premium refunded because the contract ended before a plan's last instalment (already
    /// deducted from `premium`). Zero for products without a contract life.
    pub refunds: Cents,
    /// Insured merchants whose contract ended within the horizon (lapse or termination),
    /// counted on the product's line only.
    pub contracts_ended: u64,
    /// Of those, the contracts the insurer terminated after a claim.
    pub terminated: u64,
    /// The claims of the line's largest single occurrence on the path, where the product
    /// defines one ([`Product::occurrence`]: a legal protection case, on every line; a day's
    /// parcel claims, on the product's line only); combined by maximum, not summed.
    pub largest_occurrence: Cents,
    /// What the line's occurrences lost to each layer of its product's excess of loss,
    /// `Σ min((X_i − retention)⁺, limit)`, layer by layer from the lowest (zero without one;
    /// see [`crate::reinsurance`]).
    pub occurrence_layers: [Cents; MAX_XL_LAYERS],
}

impl ProductTotals {
    /// The first money column whose sum overflowed (see [`Cents::OVERFLOW`]), if any.
    pub fn overflow(&self) -> Option<&'static str> {
        let columns = [
            ("exposure", self.exposure),
            ("premium", self.premium),
            ("claims", self.claims()),
            ("ibnr", self.ibnr),
            ("outstanding", self.outstanding),
            ("recoveries", self.recoveries),
            ("retained", self.retained),
            ("refunds", self.refunds),
        ];
        columns
            .into_iter()
            .find(|(_, c)| c.is_overflow())
            .map(|(name, _)| name)
    }

    /// The totals without the occurrence figures, which the engine may keep on the product's
    /// line only (a day's parcel claims are over every shop and segment): what a product's
    /// segments add up to.
    pub fn additive_part(self) -> ProductTotals {
        ProductTotals {
            largest_occurrence: Cents::ZERO,
            occurrence_layers: [Cents::ZERO; MAX_XL_LAYERS],
            ..self
        }
    }

    /// All paid claims.
    pub fn claims(&self) -> Cents {
        self.perils.iter().map(|p| p.amount).sum()
    }

    /// Claims less recoveries: the insurer's ultimate net cost.
    pub fn net_claims(&self) -> Cents {
        self.claims() - self.recoveries
    }

    /// Claims paid by the end of the horizon.
    pub fn paid_to_date(&self) -> Cents {
        self.claims() - self.outstanding
    }

    /// Mean days of the first stage (mediation) per case, every case going through it as the
    /// product's first peril (see [`Product::case_stage`]); NaN without cases.
    pub fn mean_stage_days(&self) -> f64 {
        let cases = self.perils[0].count;
        if cases == 0 {
            f64::NAN
        } else {
            self.stage_centidays as f64 / 100.0 / cases as f64
        }
    }

    /// Number of paid claims.
    pub fn claim_count(&self) -> u64 {
        self.perils.iter().map(|p| p.count).sum()
    }

    /// Claims net of recoveries over premium for this path (ultimate, underwriting basis);
    /// NaN when no premium was written.
    pub fn loss_ratio(&self) -> f64 {
        ratio(self.net_claims(), self.premium)
    }

    /// Claims paid by the end of the horizon over premium; NaN when no premium was written.
    pub fn paid_loss_ratio(&self) -> f64 {
        ratio(self.paid_to_date(), self.premium)
    }
}

fn ratio(a: Cents, b: Cents) -> f64 {
    if b.0 == 0 {
        f64::NAN
    } else {
        a.0 as f64 / b.0 as f64
    }
}

impl AddAssign for PerilTotals {
    fn add_assign(&mut self, rhs: PerilTotals) {
        self.count += rhs.count;
        self.amount += rhs.amount;
    }
}

impl AddAssign for ProductTotals {
    fn add_assign(&mut self, rhs: ProductTotals) {
        self.covered += rhs.covered;
        self.ineligible += rhs.ineligible;
        self.exposure += rhs.exposure;
        self.premium += rhs.premium;
        for (a, b) in self.perils.iter_mut().zip(rhs.perils) {
            *a += b;
        }
        self.rejected += rhs.rejected;
        self.ibnr += rhs.ibnr;
        self.outstanding += rhs.outstanding;
        self.recoveries += rhs.recoveries;
        self.retained += rhs.retained;
        self.settled += rhs.settled;
        self.abandoned += rhs.abandoned;
        self.stage_centidays += rhs.stage_centidays;
        self.shared_claims += rhs.shared_claims;
        self.refunds += rhs.refunds;
        self.contracts_ended += rhs.contracts_ended;
        self.terminated += rhs.terminated;
        self.largest_occurrence = self.largest_occurrence.max(rhs.largest_occurrence);
        for (a, b) in self.occurrence_layers.iter_mut().zip(rhs.occurrence_layers) {
            *a += b;
        }
    }
}

//! Insurance products: each file holds one product's eligibility, tariff and claim rules.

pub mod cover;
mod registry;
pub mod spec;

use crate::calendar::Horizon;
use crate::money::{Cents, Rate};
use crate::portfolio::Shop;
use std::collections::BTreeMap;
use std::ops::AddAssign;

pub use cover::{CompanyOut, Cover, CoverOut, PathOutputs, PolicyCover, run_stream};
pub use spec::{PolicyBookSpec, PriceUnit, ProductSpec, TariffKnob};

// The products, one line each (see [`registry`]): folder, variant, the validated value and the
// scenario table in that folder, and the `kind` a scenario writes.
registry::registry! {
    buyer_protection: BuyerProtection(BuyerProtection, raw::RawBuyerProtection) = "buyer_protection",
    guarantee_frame: GuaranteeFrame(GuaranteeFrame, RawGuaranteeFrame) = "guarantee_frame",
    legal_protection: LegalProtection(LegalProtection, raw::RawLegalProtection) = "legal_protection",
    bnpl: BnplNonPayment(BnplNonPayment, raw::RawBnpl) = "bnpl_non_payment",
    e_reputation: EReputation(EReputation, raw::RawEReputation) = "e_reputation",
    #[cfg(test)]
    returns_protection: ReturnsProtection(ReturnsProtection, RawReturnsProtection) = "returns_protection",
}

/// Most perils any product has; per-path totals keep a fixed array so they stay `Copy`.
pub const MAX_PERILS: usize = 4;

/// What every product answers, read through its [`ProductSpec`] (see [`spec`]).
impl Product {
    /// The product's name in the scenario (`name = "parcel"`).
    pub fn name(&self) -> &str {
        self.spec().name()
    }

    /// See [`ProductSpec::stream_cover`].
    pub fn stream_cover(
        &self,
        shop: &Shop,
        shape: &dyn Fn(i64) -> Vec<f64>,
        horizon: Horizon,
    ) -> Option<Box<dyn Cover>> {
        self.spec().stream_cover(shop, shape, horizon)
    }

    /// See [`ProductSpec::stream_take_up`].
    pub fn stream_take_up(&self) -> Option<f64> {
        self.spec().stream_take_up()
    }

    /// See [`ProductSpec::occurrence`].
    pub fn occurrence(&self) -> Option<Occurrence> {
        self.spec().occurrence()
    }

    /// See [`ProductSpec::set_occurrence_layers`].
    pub fn set_occurrence_layers(&mut self, layers: Vec<(Cents, Cents)>) {
        self.spec_mut().set_occurrence_layers(layers)
    }

    /// See [`ProductSpec::sold_per_policy`].
    pub fn sold_per_policy(&self) -> bool {
        self.spec().sold_per_policy()
    }

    /// See [`ProductSpec::case_stage`].
    pub fn case_stage(&self) -> Option<CaseStage> {
        self.spec().case_stage()
    }

    /// See [`ProductSpec::perils`].
    pub fn perils(&self) -> &'static [&'static str] {
        self.spec().perils()
    }

    /// See [`ProductSpec::has_contract_life`].
    pub fn has_contract_life(&self) -> bool {
        self.spec().has_contract_life()
    }

    /// See [`ProductSpec::exposure_unit`].
    pub fn exposure_unit(&self) -> &'static str {
        self.spec().exposure_unit()
    }

    /// See [`ProductSpec::segments`].
    pub fn segments(&self) -> Vec<String> {
        self.spec().segments()
    }

    /// See [`ProductSpec::views`].
    pub fn views(&self) -> Vec<String> {
        self.spec().views()
    }

    /// See [`ProductSpec::views_priced`].
    pub fn views_priced(&self) -> bool {
        self.spec().views_priced()
    }

    /// See [`ProductSpec::risk_class_rates`].
    pub fn risk_class_rates(&self) -> Option<&BTreeMap<String, Rate>> {
        self.spec().risk_class_rates()
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

//! What a product tells the engine about itself: the [`ProductSpec`] trait.
//!
//! A product is a folder under `src/products/` and one line of the registry
//! ([`super::registry`]). Its folder holds its scenario table (a `Raw…` type that serde reads),
//! its validation (`validate(raw, path, validator)`), and the value the validation builds,
//! which implements this trait: the product's perils, segments and views, what its exposure
//! counts, its tariff parameters, and, for a product sold on the shops' order streams, the
//! per-shop book ([`super::Cover`]) the engine hands each block of a shop's orders to, with
//! the book's closed-form expectations ([`super::Cover::expected`]).
//!
//! Every method has the answer of a plain cover sold on orders as its default, so a new
//! product writes only what differs. The engine, the outputs and the pricing read products
//! through this trait; they never ask which product they hold, except for the few per-product
//! models the trait does not carry yet (see `docs/architecture.md`, "Adding a product").

use super::{CaseStage, Cover, Occurrence, PolicyCover};
use crate::calendar::Horizon;
use crate::money::{Cents, Rate};
use crate::portfolio::Shop;
use std::collections::BTreeMap;

/// What a tariff parameter is, which fixes what it multiplies and its grid step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceUnit {
    /// A price in EUR per covered order (parcel flat fee, legal price): multiplies orders.
    EurPerOrder,
    /// A rate of the basket or financed amount: multiplies the exposure.
    Rate,
    /// An annual premium in EUR per policy, pro-rated to the horizon: multiplies policy-years.
    EurPerPolicyYear,
    /// A rating factor of a rate (the parcel tariff's international factor): multiplies the
    /// premium its segments pay at factor 1.
    Factor,
}

/// One tariff parameter of a product, as the product states it: where it is in its table,
/// what it multiplies, its value, and the segments whose premium it sets (see
/// `pricing::TariffParameter`, which the pricing builds from it).
#[derive(Debug, Clone, PartialEq)]
pub struct TariffKnob {
    /// Its key path within the product's table: `tariff.flat_fee_eur`, `plans[0].premium_rate`.
    pub key: String,
    pub unit: PriceUnit,
    /// Its value in the scenario (EUR or a fraction).
    pub current: f64,
    /// The segments (indices among the product's segments and views, as
    /// [`ProductSpec::segments`] then [`ProductSpec::views`] list them) whose premium it sets.
    pub segments: Vec<usize>,
    /// Whether the base is the segments' premium over the current value (rates and factors of
    /// a tariff whose premium is not one rate times the exposure).
    pub premium_base: bool,
}

/// One book of policies of a product sold per policy-year, with the names of its random
/// streams: per stream group, three names (each a stream of its own on every path).
#[derive(Debug)]
pub struct PolicyBookSpec {
    pub book: Box<dyn PolicyCover>,
    pub streams: Vec<[String; 3]>,
}

/// A product of the scenario, as the engine, the outputs and the pricing see it (see the
/// module documentation).
pub trait ProductSpec {
    /// The product's name in the scenario (`name = "parcel"`).
    fn name(&self) -> &str;

    /// The perils claims are split by, in output order (at most
    /// [`super::MAX_PERILS`]).
    fn perils(&self) -> &'static [&'static str];

    /// What `covered` counts: `orders`, `plans` or `policies`.
    fn exposure_unit(&self) -> &'static str {
        "orders"
    }

    /// Names of the segments the product's results are also split by (pricing cells, plan
    /// types, sales channels, policy segments), in output order; empty when it has none.
    fn segments(&self) -> Vec<String> {
        Vec::new()
    }

    /// Names of the product's views: further splits of its results that are not part of its
    /// segments' partition; each view family adds up to the product on its own.
    fn views(&self) -> Vec<String> {
        Vec::new()
    }

    /// Whether the views carry orders and premium rather than only the costs of claims.
    fn views_priced(&self) -> bool {
        true
    }

    /// What one occurrence of the product is, for its occurrence exceedance curve and its
    /// per-occurrence excess of loss; `None` where it defines none.
    fn occurrence(&self) -> Option<Occurrence> {
        None
    }

    /// Sets the per-occurrence excess-of-loss layers (retention, limit), lowest first, whose
    /// losses the product's book keeps per occurrence (a legal case); a product whose
    /// occurrences the engine sums (a day's parcel claims) keeps nothing.
    fn set_occurrence_layers(&mut self, _layers: Vec<(Cents, Cents)>) {}

    /// For a product whose cases go through an amicable stage before a second one: the
    /// stage's name and what a case is called (see [`CaseStage`]).
    fn case_stage(&self) -> Option<CaseStage> {
        None
    }

    /// Whether the product's contracts live and end within the horizon: its results then
    /// count ended contracts and refunded premium.
    fn has_contract_life(&self) -> bool {
        false
    }

    /// Whether the product is sold per policy-year from its own book rather than on the
    /// orders of shops.
    fn sold_per_policy(&self) -> bool {
        false
    }

    /// Premium rates by risk class, for products whose tariff has them.
    fn risk_class_rates(&self) -> Option<&BTreeMap<String, Rate>> {
        None
    }

    /// The product's cover on `shop`'s order stream, or `None` for a product not sold on a
    /// shop's orders. `shape(first)` is the shop's daily shape (calendar × trend) from horizon
    /// day `first` (negative: before the horizon, for a cover that needs earlier orders).
    fn stream_cover(
        &self,
        _shop: &Shop,
        _shape: &dyn Fn(i64) -> Vec<f64>,
        _horizon: Horizon,
    ) -> Option<Box<dyn Cover>> {
        None
    }

    /// The share of a shop's orders that buy the cover, for a product sold on a shop's order
    /// stream; `None` otherwise.
    fn stream_take_up(&self) -> Option<f64> {
        None
    }

    /// For a product sold per policy-year ([`ProductSpec::sold_per_policy`]): one book per
    /// segment, in segment order, over a horizon of `horizon_days`.
    fn policy_books(&self, _horizon_days: u32) -> Vec<PolicyBookSpec> {
        Vec::new()
    }

    /// The product's tariff parameters, which `price` solves and `sweep` edits.
    fn tariff(&self) -> Vec<TariffKnob> {
        Vec::new()
    }
}

//! Returns protection, the registry's worked example: a toy cover compiled in tests only.
//!
//! A buyer who buys the cover at checkout (`take_up`, at `price_eur` per order) and sends the
//! parcel back (`return_probability`) is refunded the return label (`label_eur`). Its results
//! are split by the parcel's destination. It is everything a product needs, and nothing more:
//! the scenario table ([`RawReturnsProtection`]), its validation, what the engine is told
//! ([`ProductSpec`]), the per-shop book on the order stream ([`Cover`]) with its closed forms,
//! and the one line in the registry (`src/products/mod.rs`, under `#[cfg(test)]`). No other
//! file of the engine names it; `src/adding_a_product.rs` runs it through the engine, the
//! closed forms and the pricing.

use super::{Cover, CoverOut, ProductSpec, TariffKnob};
use crate::calendar::Horizon;
use crate::input::validate::Validator;
use crate::money::Cents;
use crate::orders::{CoverDemand, OrderBlock, OrderMarks};
use crate::portfolio::Shop;
use crate::rng::PathRng;
use serde::Deserialize;
use std::any::Any;
use std::collections::BTreeMap;

/// The one peril: a returned parcel.
pub const PERILS: &[&str] = &["return"];
/// The segments: the parcel's destination.
const DESTINATIONS: &[&str] = &["domestic", "international"];

/// `kind = "returns_protection"` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReturnsProtection {
    pub name: String,
    pub take_up: f64,
    pub price_eur: String,
    pub return_probability: f64,
    pub label_eur: String,
}

/// Returns protection, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct ReturnsProtection {
    pub name: String,
    pub take_up: f64,
    pub price: Cents,
    pub return_probability: f64,
    pub label: Cents,
}

impl ReturnsProtection {
    /// Validates a `kind = "returns_protection"` table at `path`.
    pub fn validate(raw: &RawReturnsProtection, path: &str, v: &mut Validator) -> Self {
        let p = |field: &str| format!("{path}.{field}");
        ReturnsProtection {
            name: raw.name.clone(),
            take_up: v.probability(&p("take_up"), raw.take_up),
            price: v.eur(&p("price_eur"), &raw.price_eur),
            return_probability: v.probability(&p("return_probability"), raw.return_probability),
            label: v.eur(&p("label_eur"), &raw.label_eur),
        }
    }
}

impl ProductSpec for ReturnsProtection {
    fn name(&self) -> &str {
        &self.name
    }
    fn perils(&self) -> &'static [&'static str] {
        PERILS
    }
    fn segments(&self) -> Vec<String> {
        DESTINATIONS.iter().map(|d| d.to_string()).collect()
    }
    fn stream_cover(
        &self,
        shop: &Shop,
        shape: &dyn Fn(i64) -> Vec<f64>,
        _horizon: Horizon,
    ) -> Option<Box<dyn Cover>> {
        Some(Box::new(ReturnsBook {
            product: self.clone(),
            // Expected covered orders of the horizon, at volume 1.
            covered: shape(0).iter().sum::<f64>() * shop.orders_per_day * self.take_up,
        }))
    }
    fn stream_take_up(&self) -> Option<f64> {
        Some(self.take_up)
    }
    /// The price prices both destinations.
    fn tariff(&self) -> Vec<TariffKnob> {
        vec![TariffKnob {
            key: "price_eur".into(),
            unit: super::PriceUnit::EurPerOrder,
            current: self.price.to_eur(),
            segments: vec![0, 1],
            premium_base: false,
        }]
    }
}

/// The cover on one shop's order stream.
#[derive(Debug)]
struct ReturnsBook {
    product: ReturnsProtection,
    covered: f64,
}

impl Cover for ReturnsBook {
    fn demand(&self) -> CoverDemand {
        CoverDemand::one_way(self.product.take_up, true)
    }

    fn stage(&self) -> u8 {
        0
    }

    fn apply(
        &self,
        _day: i64,
        block: &OrderBlock,
        slot: usize,
        marks: &mut OrderMarks,
        _claims: &mut PathRng,
        out: &mut CoverOut<'_>,
    ) {
        let p = &self.product;
        for j in 0..block.len {
            if block.bought[slot][j] == 0 {
                continue;
            }
            let t = &mut out.slots[block.dest[j] & 1];
            t.covered += 1;
            t.premium += p.price;
            if block.u[slot][j] < p.return_probability {
                t.perils[0].count += 1;
                t.perils[0].amount += p.label;
                marks.claimed[j] |= 1 << slot;
            }
        }
    }

    fn add_shared(&self, block: &OrderBlock, _slot: usize, j: usize, out: &mut CoverOut<'_>) {
        out.slots[block.dest[j] & 1].shared_claims += 1;
    }

    fn expected(&self) -> Option<BTreeMap<String, f64>> {
        let p = &self.product;
        let returns = self.covered * p.return_probability;
        Some(BTreeMap::from([
            ("covered".into(), self.covered),
            ("premium_eur".into(), self.covered * p.price.to_eur()),
            ("return_count".into(), returns),
            ("return_eur".into(), returns * p.label.to_eur()),
            ("claims_eur".into(), returns * p.label.to_eur()),
            ("ineligible".into(), 0.0),
        ]))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

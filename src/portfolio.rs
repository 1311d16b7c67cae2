//! The portfolio: companies (the insured merchants, each with its guarantee frame and
//! insolvency probability) and their shops (the order streams: volume, baskets, categories,
//! destinations, channels). Validated by `scenario/`, read by every product and the engine.

use crate::catalogue::{Category, Channel, Site};
use crate::distributions::{Basket, DeliveryTime, Mix, VolumeMultiplier};
use crate::money::Cents;
use std::collections::BTreeMap;

/// A merchant shop: where orders come from.
#[derive(Debug, Clone, PartialEq)]
pub struct Shop {
    pub name: String,
    /// Average orders per day over a year (before seasonality, before take-up).
    pub orders_per_day: f64,
    /// Per-path uncertainty of the shop's volume.
    pub volume: VolumeMultiplier,
    /// Yearly trend of the volume as a rate (0.1: 10 % more orders a year later), compounded
    /// daily from the first day of the horizon; 0 without a trend.
    pub growth: f64,
    pub basket: Basket,
    /// Days from order to shipping.
    pub handling_days: f64,
    /// Delivery time after shipping, by [`crate::catalogue::Destination::index`].
    pub delivery: [DeliveryTime; 2],
    pub categories: Mix<Category>,
    /// Share of orders shipped abroad.
    pub international_share: f64,
    pub channels: Mix<Channel>,
    /// The shop's risk class, which selects its premium rate.
    pub risk_class: String,
    /// Shipping fee charged to the buyer per order (part of the basket "shipping included").
    pub shipping_fee: Cents,
    /// Share of orders of second-hand goods.
    pub used_goods_share: f64,
    /// The kind of site the shop sells through.
    pub site: Site,
    /// Indices into the scenario's products of the products sold in this shop.
    pub products: Vec<usize>,
    /// Shares of orders holding 1, 2, 3, … items (`[1.0]`: one item each). The basket is
    /// split equally among its items, so a per-piece condition reads `basket / items`.
    pub items_per_order: Vec<f64>,
    /// Whether the merchant is established abroad: its buyers buy from a foreign merchant site.
    pub foreign_merchant: bool,
    /// The shop's business sector (the BNPL sector factor's): written, or the category group
    /// of the largest share of its category mix.
    pub sector: String,
    /// Share of the shop's orders paid in instalments (a split plan) rather than at once.
    pub split_share: f64,
    /// By product index: the take-up of the product's cover among orders paid in instalments,
    /// relative to its take-up (1 where absent: payment and cover independent).
    pub split_take_up: BTreeMap<usize, f64>,
    /// The carrier the shop ships through, whose disruptions it shares with the carrier's
    /// other shops; `None`: no disruption.
    pub carrier: Option<crate::carrier::Carrier>,
}

impl Shop {
    /// The take-up multiplier of product `product`'s cover among orders paid in instalments.
    pub fn split_multiplier(&self, product: usize) -> f64 {
        self.split_take_up.get(&product).copied().unwrap_or(1.0)
    }

    /// The volume of day `day` of the horizon (0 = its first day; negative before it, as in a
    /// guarantee frame's warm-up) relative to the first day: `(1 + growth)^(day / 365)`.
    pub fn trend(&self, day: i64) -> f64 {
        if self.growth == 0.0 {
            1.0
        } else {
            (1.0 + self.growth).powf(day as f64 / 365.0)
        }
    }
}

/// A company: one legal entity, with one or more shops (guarantee frames apply per company).
#[derive(Debug, Clone, PartialEq)]
pub struct Company {
    pub name: String,
    pub shops: Vec<Shop>,
    /// The guarantee frame set by the guarantor (`frame_eur`), if given.
    pub frame: Option<Cents>,
    /// Annual online turnover (`online_turnover_eur`) for the default frame rule, if given.
    pub online_turnover: Option<Cents>,
    /// Annual probability of insolvency.
    pub default_probability: f64,
}

/// A file-name-safe version of a company name: `Maison Lumière SAS` → `maison-lumiere-sas`.
pub fn slug(name: &str) -> String {
    let plain = |c: char| match c {
        'à' | 'â' | 'ä' | 'á' | 'À' | 'Â' => 'a',
        'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' => 'e',
        'î' | 'ï' | 'í' | 'Î' => 'i',
        'ô' | 'ö' | 'ó' | 'Ô' => 'o',
        'ù' | 'û' | 'ü' | 'ú' | 'Û' => 'u',
        'ç' | 'Ç' => 'c',
        c if c.is_ascii_alphanumeric() => c.to_ascii_lowercase(),
        _ => '-',
    };
    let s: String = name.chars().map(plain).collect();
    s.split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs_are_plain_ascii() {
        assert_eq!(slug("Maison Lumière SAS"), "maison-lumiere-sas");
        assert_eq!(slug("Bijouterie Vasseur & Fils"), "bijouterie-vasseur-fils");
        assert_eq!(slug("  Ça  "), "ca");
    }
}

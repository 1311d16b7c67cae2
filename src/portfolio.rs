//! The portfolio: companies (the insured merchants, each with its guarantee frame and
//! insolvency probability) and their shops (the order streams: volume, baskets, categories,
//! destinations, channels). Validated by `scenario/`, read by every product and the engine.

use crate::catalogue::{Category, Channel, Site};
use crate::distributions::{Basket, DeliveryTime, Mix, VolumeMultiplier};
use crate::money::Cents;

/// A merchant shop: where orders come from.
#[derive(Debug, Clone, PartialEq)]
pub struct Shop {
    pub name: String,
    /// Average orders per day over a year (before seasonality, before take-up).
    pub orders_per_day: f64,
    /// Per-path uncertainty of the shop's volume.
    pub volume: VolumeMultiplier,
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

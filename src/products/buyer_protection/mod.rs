//! Parcel buyer protection, sold at checkout: the buyer pays a small premium and is paid if the
//! parcel is late (a flat amount), arrives unusable, or is lost (the goods' value).
//!
//! Contract rules modelled, with their scenario fields:
//! - **Tariff** (`tariff`): a flat fee (0.98 EUR) when the basket is under `flat_below_eur`
//!   (100 EUR), else a rate of the basket by the shop's risk class (1.5 % to 5 %), times the
//!   order's rating factors (`tariff.factors`: destination, category group, value band; each
//!   effective rate within the contract's 1.5–5 % unless `rate_range` widens it, see
//!   [`rating`]), rounded once by the tariff's rounding rule.
//! - **Eligibility** (`exclusions`, `channels`): excluded categories are never covered, nor a
//!   basket above its category's value cap (jewellery over 1,500 EUR, fine art over 10,000 EUR),
//!   nor orders on channels where the widget is not offered. Ineligible orders pay no premium.
//!   Goods that ship no parcel (digital goods, services, subscriptions, gift cards, gambling,
//!   financial instruments, crowdfunding) are never covered; `exclusions.categories` adds to
//!   them instead of replacing them.
//! - **Delay**: not delivered `delay.after_days` after shipping (10 domestic, 30 international)
//!   but delivered before the loss threshold: a flat payout (5 EUR), at most the basket.
//! - **At most the basket per order**: the payments of one order add up to at most its basket;
//!   the damage (the value) is settled first and the delay payout reduced to what is left.
//! - **Damage**: delivered unusable (cosmetic damage is not in the probability); reported within
//!   `report_window_days` (15) of delivery.
//! - **Loss**: never delivered (the parcel vanished, `loss.probability`), or not delivered by
//!   `loss.after_days` (30 / 60) after shipping, whatever happens afterwards; claimable once
//!   those days have passed; the goods' value is paid, not the delay payout.
//! - **Reporting**: every report within `report_within_days` (90) of the order, else rejected.
//!   A buyer with an incident claims with the peril's `claim_propensity`, after an exponential
//!   reporting lag.
//! - **Seasonality**: each peril's probability is multiplied by a month factor and a Black Week
//!   factor (for delay, the probability of a late delivery).
//!
//! Results are on an underwriting basis: every claim of an order written in the horizon counts,
//! whenever it is reported; claims reported after the horizon are also shown as IBNR.

mod expected;
pub mod rating;
pub mod raw;
pub mod simulate;

pub use expected::{Expected, eligible_from, event_probabilities};
pub use rating::RatingFactors;
pub use simulate::{ShopBook, block_copy};

use crate::calendar::is_black_week;
use crate::catalogue::{Category, Channel};
use crate::input::keys::push_key;
use crate::input::raw::RawByDestination;
use crate::input::validate::Validator;
use crate::money::{Cents, Rate, Rounding};
use chrono::{Datelike, NaiveDate};
use raw::RawBuyerProtection;
use std::collections::BTreeMap;

/// Names of the perils, in the order of [`crate::products::ProductTotals::perils`].
pub const PERILS: &[&str] = &["delay", "damage", "loss"];
pub(crate) const DELAY: usize = 0;
pub(crate) const DAMAGE: usize = 1;
pub(crate) const LOSS: usize = 2;

/// A value per destination, indexed by [`Destination::index`].
pub type ByDestination<T> = [T; 2];

/// Seasonal multipliers of a peril's probability.
#[derive(Debug, Clone, PartialEq)]
pub struct Season {
    pub months: [f64; 12],
    pub black_week: f64,
}

impl Season {
    pub fn at(&self, date: NaiveDate) -> f64 {
        let bw = if is_black_week(date) {
            self.black_week
        } else {
            1.0
        };
        self.months[date.month0() as usize] * bw
    }

    /// The largest multiplier of the year.
    pub(crate) fn max(&self) -> f64 {
        self.months.iter().fold(0.0_f64, |a, &b| a.max(b)) * self.black_week.max(1.0)
    }
}

/// The tariff: flat under a threshold, else a rate of the basket by risk class, times the
/// order's rating factors where the scenario writes them ([`rating`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ParcelTariff {
    pub flat_fee: Cents,
    pub flat_below: Cents,
    pub rates: BTreeMap<String, Rate>,
    pub rounding: Rounding,
    pub factors: Option<RatingFactors>,
}

impl ParcelTariff {
    /// The premium of one covered order.
    #[inline]
    pub fn premium(&self, basket: Cents, rate: Rate) -> Cents {
        // Both computed, one selected: a branch here is mispredicted on about one order in
        // five (the share of baskets over 100 EUR).
        let rated = rate.apply(basket, self.rounding);
        std::hint::select_unpredictable(basket < self.flat_below, self.flat_fee, rated)
    }
}

/// The splits of parcel results `pricing_views` may ask for, beside the pricing cells.
pub const VIEWS: &[&str] = &[
    "channel",
    "category_group",
    "rated_category_group",
    "value_band",
];

/// Names of the product's views, family by family: `channel:<channel>` for every channel,
/// `category_group:<group>` for every category group, then the rated baskets alone (those
/// the rating table prices) by category group, `rated_category_group:<group>`, and by value
/// band, `value_band:<from>-<to>` in EUR (`value_band:<from>+` for the last), as asked by
/// `pricing_views` or implied by the rating table's factors.
pub fn view_names(p: &BuyerProtection) -> Vec<String> {
    let mut names = Vec::new();
    let groups = crate::catalogue::CATEGORY_GROUPS;
    if p.views.channel {
        names.extend(Channel::ALL.iter().map(|c| format!("channel:{c}")));
    }
    if p.views.category_group {
        names.extend(groups.iter().map(|g| format!("category_group:{g}")));
    }
    if p.views.rated_group {
        names.extend(groups.iter().map(|g| format!("rated_category_group:{g}")));
    }
    if p.views.value_band {
        let mut edges = vec![p.tariff.flat_below];
        edges.extend(
            p.tariff
                .factors
                .iter()
                .flat_map(|f| f.bands.iter().map(|b| b.0)),
        );
        for (k, from) in edges.iter().enumerate() {
            names.push(match edges.get(k + 1) {
                Some(to) => format!("value_band:{}-{}", from.to_eur(), to.to_eur()),
                None => format!("value_band:{}+", from.to_eur()),
            });
        }
    }
    names
}

/// Which views of the results a parcel product keeps (see [`view_names`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Views {
    pub channel: bool,
    pub category_group: bool,
    /// Rated baskets by category group: what a group's rating factor prices.
    pub rated_group: bool,
    /// Rated baskets by value band: what a band's rating factor prices.
    pub value_band: bool,
}

impl Views {
    /// Whether any view is kept (the orders then take the loop that picks each category).
    pub fn any(self) -> bool {
        self.channel || self.category_group || self.rated_group || self.value_band
    }
}

/// Names of the pricing cells of a parcel product, in the order the books write them: per risk
/// class of the tariff (sorted by name), the flat band (baskets under `flat_below_eur`, which
/// pay the flat fee) then the rated band (the class's rate of the basket), each split into
/// domestic and international parcels: `standard/flat/domestic`, …, `high/rated/international`.
/// Orders are counted in the cell of their basket and destination, ineligible ones too.
pub fn cell_names(p: &BuyerProtection) -> Vec<String> {
    let mut names = Vec::with_capacity(p.tariff.rates.len() * simulate::CELLS_PER_CLASS);
    for class in p.tariff.rates.keys() {
        for band in ["flat", "rated"] {
            for dest in ["domestic", "international"] {
                names.push(format!("{class}/{band}/{dest}"));
            }
        }
    }
    names
}

/// Late delivery: a flat payout.
#[derive(Debug, Clone, PartialEq)]
pub struct Delay {
    pub payout: Cents,
    pub after_days: ByDestination<f64>,
    pub claim_propensity: f64,
    pub report_lag_mean_days: f64,
    pub season: Season,
}

/// Delivered unusable: the goods' value.
#[derive(Debug, Clone, PartialEq)]
pub struct Damage {
    pub probability: ByDestination<f64>,
    pub claim_propensity: f64,
    pub report_window_days: f64,
    pub report_lag_mean_days: f64,
    pub season: Season,
}

/// Never delivered: the goods' value.
#[derive(Debug, Clone, PartialEq)]
pub struct Loss {
    pub probability: ByDestination<f64>,
    pub after_days: ByDestination<f64>,
    pub claim_propensity: f64,
    pub report_lag_mean_days: f64,
    pub season: Season,
}

/// A validated parcel buyer protection product.
#[derive(Debug, Clone, PartialEq)]
pub struct BuyerProtection {
    pub name: String,
    /// Share of eligible-channel orders whose buyer buys the cover.
    pub take_up: f64,
    /// Whether the cover is offered on each channel, by [`Channel::index`].
    pub offered: [bool; 3],
    pub report_within_days: f64,
    pub tariff: ParcelTariff,
    /// Per category, by [`Category::index`]: excluded outright.
    pub excluded: Vec<bool>,
    /// Per category: largest covered basket in cents (infinite when uncapped).
    pub value_cap_cents: Vec<f64>,
    pub delay: Delay,
    pub damage: Damage,
    pub loss: Loss,
    /// Further splits of the results kept for pricing tables (written per order, they cost a
    /// run 10–25 % of its speed, so they are off unless asked for).
    pub views: Views,
}

/// The exclusions of the standard wording (see the module docs).
pub const DEFAULT_EXCLUDED: &[Category] = &[
    Category::CarsMotorbikes,
    Category::Boats,
    Category::LiveAnimals,
    Category::Cash,
    Category::Securities,
    Category::Lumber,
    Category::TilesSlabsStatues,
    Category::Tobacco,
    Category::Perishables,
    Category::RawCotton,
    Category::Pharmaceuticals,
    Category::PreciousStonesMetals,
    Category::Flowers,
    Category::ScrapMetalUsedCarParts,
    Category::FlatGlass,
    // Nothing ships, so there is no parcel to protect.
    Category::DigitalGoods,
    Category::Services,
    Category::Subscriptions,
    Category::GiftCards,
    Category::Gambling,
    Category::FinancialInstruments,
    Category::Crowdfunding,
    Category::Travel,
];

/// Reads `month_multipliers` and `black_week_multiplier` of the table at `path`.
pub(crate) fn season(
    v: &mut Validator,
    path: &str,
    months: &Option<Vec<f64>>,
    black_week: Option<f64>,
    default: Season,
) -> Season {
    let months = match months {
        Some(m) => v.multipliers::<12>(
            &format!("{path}.month_multipliers"),
            m,
            "January to December",
        ),
        None => default.months,
    };
    let black_week = match black_week {
        Some(b) => v.multiplier(&format!("{path}.black_week_multiplier"), b),
        None => default.black_week,
    };
    Season { months, black_week }
}

fn by_destination(
    v: &mut Validator,
    path: &str,
    raw: &Option<RawByDestination<f64>>,
    default: ByDestination<f64>,
    check: fn(&mut Validator, &str, f64) -> f64,
) -> ByDestination<f64> {
    match raw {
        Some(r) => [
            check(v, &format!("{path}.domestic"), r.domestic),
            check(v, &format!("{path}.international"), r.international),
        ],
        None => default,
    }
}

fn days(v: &mut Validator, path: &str, x: f64) -> f64 {
    v.days(path, x)
}

fn probability(v: &mut Validator, path: &str, x: f64) -> f64 {
    v.probability(path, x)
}

/// A peril probability times its largest seasonal multiplier must stay a probability.
fn check_seasonal_probability(v: &mut Validator, path: &str, p: &ByDestination<f64>, s: &Season) {
    let worst = p[0].max(p[1]) * s.max();
    if worst > 1.0 {
        v.fail(
            &format!("{path}.month_multipliers"),
            format!("peak multiplier {}", s.max()),
            format!("probability × largest seasonal multiplier is {worst}, above 1: lower the multipliers or the probability"),
        );
    }
}

impl BuyerProtection {
    /// Validates a `kind = "buyer_protection"` product table; `path` is e.g. `products[0]`.
    /// Defaults are those of `docs/calibration.md` section C.
    pub fn validate(raw: &RawBuyerProtection, path: &str, v: &mut Validator) -> BuyerProtection {
        let take_up = v.probability(&format!("{path}.take_up"), raw.take_up);
        let mut views = Views::default();
        for (i, name) in raw.pricing_views.iter().flatten().enumerate() {
            match name.as_str() {
                "channel" => views.channel = true,
                "category_group" => views.category_group = true,
                "rated_category_group" => views.rated_group = true,
                "value_band" => views.value_band = true,
                _ => v.fail(
                    &format!("{path}.pricing_views[{i}]"),
                    format!("{name:?}"),
                    format!(
                        "is not a split of parcel results; use {} (the pricing cells by risk class, band and destination are always kept)",
                        VIEWS.join(" or ")
                    ),
                ),
            }
        }
        let mut offered = [true; 3];
        if let Some(list) = &raw.channels {
            offered = [false; 3];
            for (i, name) in list.iter().enumerate() {
                match Channel::parse(name) {
                    Some(c) => offered[c.index()] = true,
                    None => v.fail(
                        &format!("{path}.channels[{i}]"),
                        format!("{name:?}"),
                        format!("is not a channel; use one of {}", Channel::allowed()),
                    ),
                }
            }
        }
        let report_within_days = match raw.report_within_days {
            Some(d) => days(v, &format!("{path}.report_within_days"), d),
            None => 90.0,
        };

        let t = &raw.tariff;
        let tp = format!("{path}.tariff");
        let mut rates = BTreeMap::new();
        match &t.rates {
            Some(map) if !map.is_empty() => {
                for (class, text) in map {
                    let mut p = format!("{tp}.rates");
                    push_key(&mut p, class);
                    v.name(&p, class);
                    rates.insert(class.clone(), v.rate(&p, text));
                }
            }
            Some(_) => v.fail_field(
                &format!("{tp}.rates"),
                "must name at least one risk class, e.g. { standard = \"0.015\" }",
            ),
            None => {
                rates.insert(
                    "standard".to_string(),
                    Rate::parse("0.015").expect("valid rate"),
                );
            }
        }
        let flat_below = t
            .flat_below_eur
            .as_deref()
            .map_or(Cents(10_000), |s| v.eur(&format!("{tp}.flat_below_eur"), s));
        let rounding = t.rounding.unwrap_or_default();
        let factors = t.factors.as_ref().map(|f| {
            RatingFactors::validate(f, &format!("{tp}.factors"), &rates, flat_below, rounding, v)
        });
        // The factors a rating table writes are priced on the orders they rate: keep the
        // views that split them out.
        if let Some(f) = &factors {
            views.rated_group |= t
                .factors
                .as_ref()
                .is_some_and(|r| r.category_group.as_ref().is_some_and(|g| !g.is_empty()));
            views.value_band |= !f.bands.is_empty();
        }
        let tariff = ParcelTariff {
            flat_fee: t
                .flat_fee_eur
                .as_deref()
                .map_or(Cents(98), |s| v.eur(&format!("{tp}.flat_fee_eur"), s)),
            flat_below,
            rates,
            rounding,
            factors,
        };

        let ep = format!("{path}.exclusions");
        let mut excluded = vec![false; Category::ALL.len()];
        match &raw.exclusions.categories {
            Some(list) => {
                v.category_flags(&format!("{ep}.categories"), list, &mut excluded);
            }
            None => DEFAULT_EXCLUDED
                .iter()
                .for_each(|c| excluded[c.index()] = true),
        }
        // Goods that ship no parcel are never covered: a written list adds to that, it cannot
        // make a gift card or a download insurable.
        for c in Category::ALL.iter().filter(|c| !c.is_physical()) {
            excluded[c.index()] = true;
        }
        let mut value_cap_cents = vec![f64::INFINITY; Category::ALL.len()];
        let caps_default = [(Category::Jewellery, "1500"), (Category::FineArt, "10000")];
        let caps: Vec<(String, String)> = match &raw.exclusions.value_caps_eur {
            Some(map) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            None => caps_default
                .iter()
                .map(|(c, s)| (c.as_str().to_string(), s.to_string()))
                .collect(),
        };
        for (name, text) in caps {
            let mut p = format!("{ep}.value_caps_eur");
            push_key(&mut p, &name);
            let cap = v.eur(&p, &text);
            if let Some(c) = v.category(&p, &name) {
                value_cap_cents[c.index()] = cap.0 as f64;
            }
        }

        let flat = Season {
            months: [1.0; 12],
            black_week: 1.0,
        };
        let dp = format!("{path}.delay");
        let d = &raw.delay;
        let delay = Delay {
            payout: d
                .payout_eur
                .as_deref()
                .map_or(Cents(500), |s| v.eur(&format!("{dp}.payout_eur"), s)),
            after_days: by_destination(
                v,
                &format!("{dp}.after_days"),
                &d.after_days,
                [10.0, 30.0],
                days,
            ),
            claim_propensity: d
                .claim_propensity
                .map_or(0.4, |p| v.probability(&format!("{dp}.claim_propensity"), p)),
            report_lag_mean_days: d
                .report_lag_mean_days
                .map_or(2.0, |x| days(v, &format!("{dp}.report_lag_mean_days"), x)),
            season: season(
                v,
                &dp,
                &d.month_multipliers,
                d.black_week_multiplier,
                flat.clone(),
            ),
        };

        let gp = format!("{path}.damage");
        let g = &raw.damage;
        let damage = Damage {
            probability: by_destination(
                v,
                &format!("{gp}.probability"),
                &g.probability,
                [0.01, 0.01],
                probability,
            ),
            claim_propensity: g
                .claim_propensity
                .map_or(0.7, |p| v.probability(&format!("{gp}.claim_propensity"), p)),
            report_window_days: g
                .report_window_days
                .map_or(15.0, |x| days(v, &format!("{gp}.report_window_days"), x)),
            report_lag_mean_days: g
                .report_lag_mean_days
                .map_or(3.0, |x| days(v, &format!("{gp}.report_lag_mean_days"), x)),
            season: season(
                v,
                &gp,
                &g.month_multipliers,
                g.black_week_multiplier,
                Season {
                    months: [1.0; 12],
                    black_week: 1.34,
                },
            ),
        };
        check_seasonal_probability(v, &gp, &damage.probability, &damage.season);

        let lp = format!("{path}.loss");
        let l = &raw.loss;
        let mut loss_months = [1.0; 12];
        loss_months[10] = 1.4;
        loss_months[11] = 1.2;
        let loss = Loss {
            probability: by_destination(
                v,
                &format!("{lp}.probability"),
                &l.probability,
                [0.003, 0.01],
                probability,
            ),
            after_days: by_destination(
                v,
                &format!("{lp}.after_days"),
                &l.after_days,
                [30.0, 60.0],
                days,
            ),
            claim_propensity: l
                .claim_propensity
                .map_or(0.9, |p| v.probability(&format!("{lp}.claim_propensity"), p)),
            report_lag_mean_days: l
                .report_lag_mean_days
                .map_or(5.0, |x| days(v, &format!("{lp}.report_lag_mean_days"), x)),
            season: season(
                v,
                &lp,
                &l.month_multipliers,
                l.black_week_multiplier,
                Season {
                    months: loss_months,
                    black_week: 1.2,
                },
            ),
        };
        check_seasonal_probability(v, &lp, &loss.probability, &loss.season);
        let worst_total = (loss.probability[0].max(loss.probability[1]) * loss.season.max())
            + damage.probability[0].max(damage.probability[1]) * damage.season.max();
        if worst_total > 1.0 {
            v.fail_field(
                &format!("{path}.loss.probability"),
                "loss and damage probabilities at their seasonal peak add up to more than 1",
            );
        }

        BuyerProtection {
            name: raw.name.clone(),
            take_up,
            offered,
            report_within_days,
            tariff,
            excluded,
            value_cap_cents,
            delay,
            damage,
            loss,
            views,
        }
    }

    /// Whether an order of this category, channel and basket value (in cents) can be covered.
    #[inline]
    pub fn eligible(&self, category: Category, channel: Channel, basket_cents: f64) -> bool {
        self.eligible_items(category, channel, basket_cents, 1.0)
    }

    /// [`BuyerProtection::eligible`] for an order of `items` items sharing the basket equally:
    /// the value cap applies per piece, so the basket may reach `items` times the cap.
    pub fn eligible_items(
        &self,
        category: Category,
        channel: Channel,
        basket_cents: f64,
        items: f64,
    ) -> bool {
        self.offered[channel.index()]
            && !self.excluded[category.index()]
            && basket_cents <= self.value_cap_cents[category.index()] * items
    }

    /// Days after the order by which a claim must be reported.
    pub fn report_within_days(&self) -> f64 {
        self.report_within_days
    }
}

/// Parcel protection as the engine sees it: a cover on each shop's order stream whose pricing
/// cells are its segments; an occurrence is a day's parcel claims over every shop.
impl super::ProductSpec for BuyerProtection {
    fn name(&self) -> &str {
        &self.name
    }
    fn perils(&self) -> &'static [&'static str] {
        PERILS
    }
    fn segments(&self) -> Vec<String> {
        cell_names(self)
    }
    fn views(&self) -> Vec<String> {
        view_names(self)
    }
    fn occurrence(&self) -> Option<super::Occurrence> {
        Some(super::Occurrence::Day)
    }
    fn risk_class_rates(&self) -> Option<&BTreeMap<String, Rate>> {
        Some(&self.tariff.rates)
    }
    fn stream_cover(
        &self,
        shop: &crate::portfolio::Shop,
        shape: &dyn Fn(i64) -> Vec<f64>,
        horizon: crate::calendar::Horizon,
    ) -> Option<Box<dyn super::Cover>> {
        Some(Box::new(ShopBook::new(self, shop, &shape(0), horizon)))
    }
    fn stream_take_up(&self) -> Option<f64> {
        Some(self.take_up)
    }
    fn tariff(&self) -> Vec<super::TariffKnob> {
        tariff_knobs(self)
    }
}

/// The tariff's parameters: the flat fee prices the flat cells; each class rate its rated
/// domestic cell (and, without a rating table, its rated international cell); with a rating
/// table, the international factor the rated international cells of every class and the group
/// and band factors the scenario writes the views of the rated baskets they rate (cutting
/// across the cells), on the premium they set, since rates then differ within a cell.
fn tariff_knobs(p: &BuyerProtection) -> Vec<super::TariffKnob> {
    use super::{PriceUnit, TariffKnob};
    let per = simulate::CELLS_PER_CLASS;
    // Cells: per class, (flat, rated) × (domestic, international); the views come after them.
    let cells = p.tariff.rates.len() * per;
    let knob = |key: String, unit, current, segments, premium_base| TariffKnob {
        key,
        unit,
        current,
        segments,
        premium_base,
    };
    let mut out = vec![knob(
        "tariff.flat_fee_eur".into(),
        PriceUnit::EurPerOrder,
        p.tariff.flat_fee.to_eur(),
        (0..cells).filter(|k| k % per < 2).collect(),
        false,
    )];
    let table = p.tariff.factors.as_ref();
    let classes = p.tariff.rates.len();
    for (k, (class, rate)) in p.tariff.rates.iter().enumerate() {
        let first = k * per;
        let mut key = "tariff.rates".to_string();
        push_key(&mut key, class);
        let priced = match table {
            Some(_) => vec![first + 2],
            None => vec![first + 2, first + 3],
        };
        out.push(knob(
            key,
            PriceUnit::Rate,
            rate.as_f64(),
            priced,
            table.is_some(),
        ));
    }
    if let Some(f) = table {
        out.push(knob(
            "tariff.factors.destination.international".into(),
            PriceUnit::Factor,
            f.international.as_f64(),
            (0..classes).map(|k| k * per + 3).collect(),
            true,
        ));
        let views = view_names(p);
        let view = |name: &str| views.iter().position(|v| v == name).map(|k| cells + k);
        for (g, group) in crate::catalogue::CATEGORY_GROUPS.iter().enumerate() {
            if !f.written_groups.contains(&g) {
                continue;
            }
            if let Some(seg) = view(&format!("rated_category_group:{group}")) {
                out.push(knob(
                    format!("tariff.factors.category_group.{group}"),
                    PriceUnit::Factor,
                    f.groups[g].as_f64(),
                    vec![seg],
                    true,
                ));
            }
        }
        let bands = views
            .iter()
            .enumerate()
            .filter(|(_, v)| v.starts_with("value_band:"));
        // The first band is the reference (factor 1, priced by the class rates).
        for (k, (at, _)) in bands.skip(1).enumerate() {
            out.push(knob(
                format!("tariff.factors.value_bands[{k}].factor"),
                PriceUnit::Factor,
                f.bands[k].1.as_f64(),
                vec![cells + at],
                true,
            ));
        }
    }
    out
}

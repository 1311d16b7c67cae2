//! Legal protection of online purchases (`kind = "legal_protection"`).
//!
//! The wording modelled: each online purchase of new physical goods of at least 80 EUR,
//! shipping included, is insured against disputes with the seller (late delivery, damaged
//! parcel, after-sales problems). The cover is sold two ways: at the merchant's checkout
//! (2.00 EUR) or by the buyer registering the transaction on the insurer's site afterwards
//! (2.50 EUR per basket). After a first complaint to the merchant the buyer declares a dispute;
//! the insurer first seeks an amicable settlement (mediation, about 20 days, a handling cost per
//! case); when it fails, the buyer may go to court and the cover pays the legal costs up to a
//! ceiling (20,000 EUR). Costs above the ceiling stay with the buyer (`retained`).
//!
//! Timing: a dispute is declared a lognormal lag after the order; the mediation cost is paid
//! when the mediation ends, court costs when the case ends (about 14 months later), so the
//! paid-to-date loss ratio at the end of the horizon is well below the ultimate one.
//!
//! Perils: `mediation` (every declared dispute is mediated first) and `court`. Each case is
//! counted by how it ended: settled in mediation within the contract's 20 days (`settled`), sent
//! to court (the `court` claims) or abandoned (`abandoned`), with the days its mediation took
//! (`stage_centidays`), so that "95 % solved by mediation within 20 days" can be read from a run.
//!
//! `dispute.probability` is the dispute rate of a covered order in a category whose multiplier
//! is 1 on a day whose seasonal multiplier is 1: the portfolio's rate is it times the average
//! multiplier over its covered orders (`check` prints the expected disputes; the summary's
//! `disputes_per_million` gives the simulated rate).

mod expected;
pub mod raw;
pub mod simulate;

pub use expected::Expected;
pub use simulate::LegalBook;

use super::buyer_protection::{Season, season};
use crate::catalogue::Category;
use crate::distributions::LogNormal;
use crate::input::keys::push_key;
use crate::input::validate::{Validator, show};
use crate::money::Cents;
use raw::{RawCost, RawDays, RawLegalProtection, RawSaleChannel};

/// Names of the perils, in the order of [`crate::products::ProductTotals::perils`].
pub const PERILS: &[&str] = &["mediation", "court"];
pub(crate) const MEDIATION: usize = 0;
pub(crate) const COURT: usize = 1;

/// What a dispute is about (`dispute.motives`), in the order of the product's motive views
/// `motive:<name>`.
pub const MOTIVES: &[&str] = &[
    "delay",
    "damaged",
    "non_delivery",
    "after_sales",
    "payment_fraud",
];

/// Which of the order's events under the shop's other covers raise a motive's disputes
/// (through `dispute.after`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Without motives: every event, the largest multiplier of the order's events.
    Any,
    /// A late parcel (`after.late`).
    Late,
    /// A damaged parcel (`after.damaged`).
    Damaged,
    /// A lost parcel or a guarantee refund of an undelivered order (`after.lost`,
    /// `after.refunded`, the larger where both).
    NonDelivery,
    /// No event: after-sales and payment-fraud disputes.
    Unlinked,
}

/// One motive of disputes: its share of the disputes of an order without events, the link
/// that raises it, and how its cases end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Motive {
    pub share: f64,
    pub link: Link,
    /// Probability that mediation would settle a case of this motive, given time.
    pub success_probability: f64,
    /// Probability that a case not settled in mediation goes to court.
    pub court_probability: f64,
}

/// The ways the cover is sold: the segments of the product's results.
pub const SALES: &[&str] = &["checkout", "direct"];
pub(crate) const CHECKOUT: usize = 0;
pub(crate) const DIRECT: usize = 1;

/// One way of selling the cover: the share of orders whose buyer buys it, its price, and the
/// dispute rate of its buyers relative to the product's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sale {
    pub take_up: f64,
    pub price: Cents,
    /// Anti-selection: buyers who register a purchase themselves after buying may do so because
    /// it already went wrong (default 1: no anti-selection).
    pub dispute_multiplier: f64,
}

/// How often a covered order turns into a declared dispute, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct Dispute {
    /// Probability per covered order, before category and seasonal multipliers.
    pub probability: f64,
    /// Per category, by [`Category::index`].
    pub category_multipliers: Vec<f64>,
    pub season: Season,
    /// Days from the order to the declared dispute (delivery, first complaint to the merchant).
    pub declare_lag: LogNormal,
    /// The link to the shop's other covers: how much more often an order is disputed after its
    /// parcel went wrong.
    pub after: DisputeAfter,
}

/// Multipliers of an order's dispute probability after what happened to it under the shop's
/// other covers, on the same order: its parcel lost, damaged or late under parcel protection,
/// or its price refunded by the trust-mark guarantee when the merchant defaulted before
/// delivering. Each is 1 by default (no link: the cover's own figures unchanged). An order
/// with several events takes the largest multiplier. Only orders that also carry the other
/// cover are linked: the perils of a parcel are drawn where parcel protection covers it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DisputeAfter {
    pub lost: f64,
    pub damaged: f64,
    pub late: f64,
    pub refunded: f64,
}

impl DisputeAfter {
    /// No link.
    pub const NONE: DisputeAfter = DisputeAfter {
        lost: 1.0,
        damaged: 1.0,
        late: 1.0,
        refunded: 1.0,
    };

    /// The multiplier of an order with `events` (bits of [`crate::orders::event`]): the largest
    /// of its events' multipliers (a multiplier below 1 applies too), 1 without an event.
    pub fn multiplier(&self, events: u8) -> f64 {
        use crate::orders::event::{DAMAGED, LATE, LOST, REFUNDED};
        if events & (LOST | DAMAGED | LATE | REFUNDED) == 0 {
            return 1.0;
        }
        [
            (LOST, self.lost),
            (DAMAGED, self.damaged),
            (LATE, self.late),
            (REFUNDED, self.refunded),
        ]
        .into_iter()
        .filter(|&(bit, _)| events & bit != 0)
        .fold(f64::NEG_INFINITY, |a, (_, m)| a.max(m))
    }

    /// The largest multiplier an order can have (1 for an order without an event).
    pub fn max(&self) -> f64 {
        self.multiplier(u8::MAX).max(1.0)
    }

    /// The multiplier of a motive's disputes on an order with `events`: that of the motive's
    /// own events (the largest where several), 1 without one.
    #[inline]
    pub fn multiplier_for(&self, link: Link, events: u8) -> f64 {
        use crate::orders::event::{DAMAGED, LATE, LOST, REFUNDED};
        let mask = match link {
            Link::Any => return self.multiplier(events),
            Link::Late => LATE,
            Link::Damaged => DAMAGED,
            Link::NonDelivery => LOST | REFUNDED,
            Link::Unlinked => return 1.0,
        };
        self.multiplier(events & mask)
    }

    /// Whether any multiplier differs from 1.
    pub fn links(&self) -> bool {
        *self != DisputeAfter::NONE
    }
}

/// The amicable phase every dispute goes through first. It settles the case when the parties
/// agree (`success_probability`) within the contract's `limit_days` (20); a case not settled by
/// then leaves mediation on that day and goes to court, or is abandoned by the buyer.
#[derive(Debug, Clone, PartialEq)]
pub struct Mediation {
    /// Probability that the parties would agree, given time.
    pub success_probability: f64,
    /// Days from the declared dispute to the agreement (or to the failure of the talks).
    pub duration: LogNormal,
    /// Days the contract gives the mediation: past them the case leaves mediation.
    pub limit_days: f64,
    /// What the insurer pays per mediated case (its own or a mediator's handling cost).
    pub handling_cost: Cents,
}

/// The judicial phase, for disputes the mediation did not settle.
#[derive(Debug, Clone, PartialEq)]
pub struct Court {
    /// Probability that the buyer goes to court, given the mediation did not settle the case
    /// within its limit; the other cases are abandoned.
    pub probability: f64,
    /// Legal costs of a case, before the ceiling.
    pub cost: LogNormal,
    /// Most the cover pays per case.
    pub ceiling: Cents,
    /// Days from the end of the mediation to the end of the case, when the costs are paid.
    pub duration: LogNormal,
}

/// A validated legal-protection product.
#[derive(Debug, Clone, PartialEq)]
pub struct LegalProtection {
    pub name: String,
    /// Smallest covered basket, shipping included.
    pub min_basket: Cents,
    /// By [`SALES`] index.
    pub sales: [Sale; 2],
    /// Per category: excluded (intangible goods always, plus the listed categories).
    pub excluded: Vec<bool>,
    pub dispute: Dispute,
    pub mediation: Mediation,
    pub court: Court,
    /// The second-hand goods extension (`extensions.second_hand`): `Some(m)` covers purchases
    /// of second-hand goods, disputed `m` times as often as new goods; `None` (the default,
    /// the wording today) leaves them uncovered.
    pub second_hand: Option<f64>,
    /// The foreign merchant sites extension (`extensions.foreign_sites`): `Some(m)` covers
    /// purchases from shops of merchants established abroad (`foreign_merchant`), disputed `m`
    /// times as often; `None` (the default) leaves them uncovered.
    pub foreign_sites: Option<f64>,
    /// The travel extension (`extensions.travel`): `Some(m)` covers travel bookings (category
    /// `travel`), disputed `m` times as often as goods (folded into the category's dispute
    /// multiplier); `None` (the default) leaves them uncovered, as every intangible purchase.
    pub travel: Option<f64>,
    /// What the disputes are about: one motive of share 1 linked to every event without
    /// `dispute.motives`, else the five [`MOTIVES`] in order.
    pub motives: Vec<Motive>,
    /// Whether the scenario writes `dispute.motives`: the results then have a view per motive.
    pub by_motive: bool,
    /// The retention and limit of each layer of the product's per-case excess of loss,
    /// lowest first, where its treaty has one (set from `[[reinsurance]]`): each case's loss
    /// to each layer is kept.
    pub case_layers: Vec<(Cents, Cents)>,
}

fn lognormal_days(
    v: &mut Validator,
    path: &str,
    raw: &Option<RawDays>,
    default: (f64, f64),
) -> LogNormal {
    let (median, sigma) = raw.as_ref().map_or(default, |r| {
        (
            v.days(&format!("{path}.median_days"), r.median_days),
            v.sigma(&format!("{path}.sigma"), r.sigma),
        )
    });
    LogNormal::from_median_sigma(median, sigma)
        .unwrap_or_else(|_| LogNormal::from_median_sigma(1.0, 1.0).expect("valid"))
}

fn lognormal_cost(
    v: &mut Validator,
    path: &str,
    raw: &Option<RawCost>,
    default: (f64, f64),
) -> LogNormal {
    let (median, sigma) = raw.as_ref().map_or(default, |r| {
        (
            v.positive(&format!("{path}.median_eur"), r.median_eur, " (EUR)"),
            v.sigma(&format!("{path}.sigma"), r.sigma),
        )
    });
    LogNormal::from_median_sigma(median, sigma)
        .unwrap_or_else(|_| LogNormal::from_median_sigma(1.0, 1.0).expect("valid"))
}

fn sale(
    v: &mut Validator,
    path: &str,
    raw: &Option<RawSaleChannel>,
    default: (f64, Cents),
) -> Sale {
    match raw {
        None => Sale {
            take_up: default.0,
            price: default.1,
            dispute_multiplier: 1.0,
        },
        Some(r) => Sale {
            take_up: v.probability(&format!("{path}.take_up"), r.take_up),
            price: r
                .price_eur
                .as_deref()
                .map_or(default.1, |t| v.eur(&format!("{path}.price_eur"), t)),
            dispute_multiplier: r.dispute_multiplier.map_or(1.0, |m| {
                v.multiplier(&format!("{path}.dispute_multiplier"), m)
            }),
        },
    }
}

/// Reads `dispute.motives` at `path` (`dp`): the five motives in [`MOTIVES`] order, those not
/// written with share 0; their mediation and court figures NaN where not written (the
/// product's apply). Shares must add up to 1, and a link of `after` must raise a motive that
/// has disputes.
fn motives(
    v: &mut Validator,
    dp: &str,
    raw: Option<&raw::RawMotives>,
    after: &DisputeAfter,
) -> Option<Vec<Motive>> {
    let raw = raw?;
    let p = format!("{dp}.motives");
    let written = [
        (&raw.delay, Link::Late),
        (&raw.damaged, Link::Damaged),
        (&raw.non_delivery, Link::NonDelivery),
        (&raw.after_sales, Link::Unlinked),
        (&raw.payment_fraud, Link::Unlinked),
    ];
    let mut list = Vec::with_capacity(MOTIVES.len());
    for ((m, link), name) in written.into_iter().zip(MOTIVES) {
        let mp = format!("{p}.{name}");
        let motive = match m {
            None => Motive {
                share: 0.0,
                link,
                success_probability: f64::NAN,
                court_probability: f64::NAN,
            },
            Some(m) => Motive {
                share: v.probability(&format!("{mp}.share"), m.share),
                link,
                success_probability: m.mediation_success.map_or(f64::NAN, |x| {
                    v.probability(&format!("{mp}.mediation_success"), x)
                }),
                court_probability: m.court_probability.map_or(f64::NAN, |x| {
                    v.probability(&format!("{mp}.court_probability"), x)
                }),
            },
        };
        list.push(motive);
    }
    let total: f64 = list.iter().map(|m| m.share).sum();
    if (total - 1.0).abs() > 1e-9 {
        v.fail(
            &p,
            format!("shares adding up to {total}"),
            "the motives' shares must add up to 1 (a motive not written has no disputes)",
        );
    }
    for (field, m, link) in [
        ("late", after.late, Link::Late),
        ("damaged", after.damaged, Link::Damaged),
        ("lost", after.lost, Link::NonDelivery),
        ("refunded", after.refunded, Link::NonDelivery),
    ] {
        let motive = list
            .iter()
            .position(|x| x.link == link)
            .expect("every link has a motive");
        if m != 1.0 && list[motive].share == 0.0 {
            v.fail(
                &format!("{dp}.after.{field}"),
                show(m),
                format!(
                    "raises the disputes of motive {}, which has no share in dispute.motives: give it a share, or drop the link",
                    MOTIVES[motive]
                ),
            );
        }
    }
    Some(list)
}

impl LegalProtection {
    /// Validates a `kind = "legal_protection"` table; `path` is e.g. `products[0]`. Defaults
    /// are those of `docs/calibration.md` section D and the product description.
    pub fn validate(raw: &RawLegalProtection, path: &str, v: &mut Validator) -> LegalProtection {
        let min_basket = raw.min_basket_eur.as_deref().map_or(Cents(8_000), |t| {
            v.eur(&format!("{path}.min_basket_eur"), t)
        });

        let sp = format!("{path}.sales");
        let sales = [
            sale(
                v,
                &format!("{sp}.checkout"),
                &raw.sales.checkout,
                (0.05, Cents(200)),
            ),
            sale(
                v,
                &format!("{sp}.direct"),
                &raw.sales.direct,
                (0.01, Cents(250)),
            ),
        ];
        let take_up = sales[CHECKOUT].take_up + sales[DIRECT].take_up;
        if take_up > 1.0 {
            v.fail(
                &format!("{sp}.direct.take_up"),
                show(sales[DIRECT].take_up),
                format!("checkout and direct take-up add up to {take_up}, above 1: they are shares of the same orders"),
            );
        }

        // Intangible purchases are outside the wording whatever the list says; the list adds
        // physical categories an underwriter chooses to exclude.
        let mut excluded: Vec<bool> = Category::ALL.iter().map(|c| !c.is_physical()).collect();
        if let Some(list) = &raw.exclusions.categories {
            v.category_flags(
                &format!("{path}.exclusions.categories"),
                list,
                &mut excluded,
            );
        }

        let dp = format!("{path}.dispute");
        let d = &raw.dispute;
        let probability = d
            .probability
            .map_or(0.005, |p| v.probability(&format!("{dp}.probability"), p));
        let mut category_multipliers = vec![1.0; Category::ALL.len()];
        for (name, &m) in d.category_multipliers.iter().flatten() {
            let mut p = format!("{dp}.category_multipliers");
            push_key(&mut p, name);
            let m = v.multiplier(&p, m);
            if let Some(c) = v.category(&p, name) {
                category_multipliers[c.index()] = m;
            }
        }
        let flat = Season {
            months: [1.0; 12],
            black_week: 1.0,
        };
        let season = season(v, &dp, &d.month_multipliers, d.black_week_multiplier, flat);
        let ap = format!("{dp}.after");
        let a = &d.after;
        let mut after_multiplier = |name: &str, m: Option<f64>| {
            m.map_or(1.0, |m| v.multiplier(&format!("{ap}.{name}"), m))
        };
        let after = DisputeAfter {
            lost: after_multiplier("lost", a.lost),
            damaged: after_multiplier("damaged", a.damaged),
            late: after_multiplier("late", a.late),
            refunded: after_multiplier("refunded", a.refunded),
        };
        let mut extension = |name: &str, e: Option<&raw::RawExtension>| {
            e.map(|e| {
                e.dispute_multiplier.map_or(1.0, |m| {
                    v.multiplier(&format!("{path}.extensions.{name}.dispute_multiplier"), m)
                })
            })
        };
        let second_hand = extension("second_hand", raw.extensions.second_hand.as_ref());
        let foreign_sites = extension("foreign_sites", raw.extensions.foreign_sites.as_ref());
        let travel = extension("travel", raw.extensions.travel.as_ref());
        // Travel is a booking, not goods: covered only under its extension (unless the list
        // excludes it anyway), at its own dispute rate.
        if let Some(m) = travel {
            let t = Category::Travel.index();
            let listed = (raw.exclusions.categories.iter().flatten()).any(|c| c == "travel");
            excluded[t] = listed;
            category_multipliers[t] *= m;
        }
        let motives = motives(v, &dp, d.motives.as_ref(), &after);
        // With motives, each link raises its own motive: the worst order has every event.
        let after_worst = match &motives {
            Some(list) => list
                .iter()
                .map(|m| m.share * after.multiplier_for(m.link, u8::MAX).max(1.0))
                .sum(),
            None => after.max(),
        };
        let worst = probability
            * category_multipliers.iter().fold(0.0_f64, |a, &b| a.max(b))
            * season.max()
            * sales
                .iter()
                .fold(0.0_f64, |a, s| a.max(s.dispute_multiplier))
            * after_worst
            * second_hand.unwrap_or(1.0).max(1.0)
            * foreign_sites.unwrap_or(1.0).max(1.0);
        if worst > 1.0 {
            v.fail(
                &format!("{dp}.probability"),
                show(probability),
                format!("times the largest category, seasonal, way-of-sale, `after` and extension multipliers it is {worst}, above 1: lower the multipliers or the probability"),
            );
        }
        let dispute = Dispute {
            probability,
            category_multipliers,
            season,
            declare_lag: lognormal_days(
                v,
                &format!("{dp}.declare_lag"),
                &d.declare_lag,
                (20.0, 0.6),
            ),
            after,
        };

        let mp = format!("{path}.mediation");
        let m = &raw.mediation;
        let mediation = Mediation {
            success_probability: m.success_probability.map_or(0.90, |p| {
                v.probability(&format!("{mp}.success_probability"), p)
            }),
            duration: lognormal_days(v, &format!("{mp}.duration"), &m.duration, (10.0, 0.4)),
            limit_days: m
                .limit_days
                .map_or(20.0, |d| v.days(&format!("{mp}.limit_days"), d)),
            handling_cost: m.handling_cost_eur.as_deref().map_or(Cents(6_000), |t| {
                v.eur(&format!("{mp}.handling_cost_eur"), t)
            }),
        };

        let cp = format!("{path}.court");
        let c = &raw.court;
        let court = Court {
            probability: c
                .probability
                .map_or(0.3, |p| v.probability(&format!("{cp}.probability"), p)),
            cost: lognormal_cost(v, &format!("{cp}.cost"), &c.cost, (2000.0, 0.5)),
            ceiling: c
                .ceiling_eur
                .as_deref()
                .map_or(Cents(2_000_000), |t| v.eur(&format!("{cp}.ceiling_eur"), t)),
            duration: lognormal_days(v, &format!("{cp}.duration"), &c.duration, (417.0, 0.4)),
        };

        let by_motive = motives.is_some();
        let motives = match motives {
            // A motive's mediation and court figures default to the product's.
            Some(list) => list
                .into_iter()
                .map(|m| Motive {
                    success_probability: if m.success_probability.is_nan() {
                        mediation.success_probability
                    } else {
                        m.success_probability
                    },
                    court_probability: if m.court_probability.is_nan() {
                        court.probability
                    } else {
                        m.court_probability
                    },
                    ..m
                })
                .collect(),
            None => vec![Motive {
                share: 1.0,
                link: Link::Any,
                success_probability: mediation.success_probability,
                court_probability: court.probability,
            }],
        };
        LegalProtection {
            name: raw.name.clone(),
            min_basket,
            sales,
            excluded,
            dispute,
            mediation,
            court,
            second_hand,
            foreign_sites,
            travel,
            motives,
            by_motive,
            case_layers: Vec::new(),
        }
    }

    /// Whether a purchase can be covered: physical goods not excluded by category, new (or
    /// second-hand under the extension), of at least the minimum basket once the shipping fee
    /// is added.
    #[inline]
    pub fn eligible(&self, category: Category, used: bool, basket_with_shipping: Cents) -> bool {
        (!used || self.second_hand.is_some())
            && !self.excluded[category.index()]
            && basket_with_shipping >= self.min_basket
    }

    /// For a shop of a merchant established abroad (`foreign`): `Some(m)` when the foreign
    /// sites extension covers its purchases, disputed `m` times as often, `None` when they are
    /// not covered; for a domestic merchant `Some(1)`.
    pub fn site_multiplier(&self, foreign: bool) -> Option<f64> {
        if foreign {
            self.foreign_sites
        } else {
            Some(1.0)
        }
    }

    /// The dispute rate of a purchase relative to new goods': the second-hand multiplier for
    /// second-hand goods under the extension, else 1.
    #[inline]
    pub fn goods_multiplier(&self, used: bool) -> f64 {
        match self.second_hand {
            Some(m) if used => m,
            _ => 1.0,
        }
    }

    /// Share of the buyers who buy the cover, either way.
    pub fn take_up(&self) -> f64 {
        self.sales[CHECKOUT].take_up + self.sales[DIRECT].take_up
    }
}

/// Legal protection as the engine sees it: a cover on each shop's order stream, segmented by
/// way of sale, whose cases go through mediation before court; an occurrence is a case.
impl super::ProductSpec for LegalProtection {
    fn name(&self) -> &str {
        &self.name
    }
    fn perils(&self) -> &'static [&'static str] {
        PERILS
    }
    fn segments(&self) -> Vec<String> {
        SALES.iter().map(|s| s.to_string()).collect()
    }
    /// A dispute's motive is known only once the order is disputed: the motive views hold
    /// the disputes' cases and costs, no orders and no premium.
    fn views(&self) -> Vec<String> {
        if self.by_motive {
            MOTIVES.iter().map(|m| format!("motive:{m}")).collect()
        } else {
            Vec::new()
        }
    }
    fn views_priced(&self) -> bool {
        false
    }
    fn occurrence(&self) -> Option<super::Occurrence> {
        Some(super::Occurrence::Case)
    }
    fn set_occurrence_layers(&mut self, layers: Vec<(Cents, Cents)>) {
        self.case_layers = layers;
    }
    fn case_stage(&self) -> Option<super::CaseStage> {
        Some(super::CaseStage {
            stage: "mediation",
            cases: "disputes",
        })
    }
    fn stream_cover(
        &self,
        shop: &crate::portfolio::Shop,
        shape: &dyn Fn(i64) -> Vec<f64>,
        horizon: crate::calendar::Horizon,
    ) -> Option<Box<dyn super::Cover>> {
        Some(Box::new(LegalBook::new(self, shop, &shape(0), horizon)))
    }
    fn stream_take_up(&self) -> Option<f64> {
        Some(self.take_up())
    }
    /// Each way of sale's price prices its segment.
    fn tariff(&self) -> Vec<super::TariffKnob> {
        (self.sales.iter().enumerate())
            .map(|(k, sale)| super::TariffKnob {
                key: format!("sales.{}.price_eur", SALES[k]),
                unit: super::PriceUnit::EurPerOrder,
                current: sale.price.to_eur(),
                segments: vec![k],
                premium_base: false,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(extra: &str) -> LegalProtection {
        let text = format!("name = \"legal\"\n{extra}");
        let raw: RawLegalProtection = toml::from_str(&text).unwrap();
        let mut v = Validator::new();
        let p = LegalProtection::validate(&raw, "products[0]", &mut v);
        assert!(v.finish().is_ok());
        p
    }

    #[test]
    fn eligibility_by_threshold_condition_and_category() {
        let p = product("");
        let cases = [
            (
                Category::Fashion,
                false,
                7_999,
                false,
                "79.99 EUR is under the threshold",
            ),
            (
                Category::Fashion,
                false,
                8_000,
                true,
                "80.00 EUR is covered",
            ),
            (
                Category::Fashion,
                true,
                8_000,
                false,
                "second-hand goods are not covered",
            ),
            (
                Category::Electronics,
                false,
                250_000,
                true,
                "no upper limit",
            ),
            (Category::DigitalGoods, false, 8_000, false, "intangible"),
            (Category::Services, false, 8_000, false, "intangible"),
            (
                Category::GiftCards,
                false,
                8_000,
                false,
                "a stored value, not goods",
            ),
        ];
        for (category, used, cents, want, why) in cases {
            assert_eq!(p.eligible(category, used, Cents(cents)), want, "{why}");
        }
    }

    #[test]
    fn listed_exclusions_add_to_the_intangible_ones() {
        let p = product("exclusions = { categories = [\"furniture\"] }");
        assert!(!p.eligible(Category::Furniture, false, Cents(10_000)));
        assert!(!p.eligible(Category::DigitalGoods, false, Cents(10_000)));
        assert!(p.eligible(Category::Fashion, false, Cents(10_000)));
    }

    #[test]
    fn defaults_are_the_products_published_terms() {
        let p = product("");
        assert_eq!(p.min_basket, Cents(8_000));
        assert_eq!(p.sales[CHECKOUT].price, Cents(200));
        assert_eq!(p.sales[DIRECT].price, Cents(250));
        assert_eq!(p.court.ceiling, Cents(2_000_000));
        assert_eq!(p.mediation.success_probability, 0.90);
    }

    /// A regression test: a multiplier below 1 was ignored (the largest of the events' and 1
    /// was taken), so "a late parcel's buyer disputes less" could not be said.
    #[test]
    fn the_dispute_multiplier_is_the_largest_of_the_orders_events() {
        use crate::orders::event::{DAMAGED, LATE, LOST, REFUNDED};
        let p = product("dispute = { after = { lost = 3, damaged = 2, late = 0.5 } }");
        let after = p.dispute.after;
        assert_eq!(after.multiplier(0), 1.0);
        assert_eq!(after.multiplier(LATE), 0.5);
        assert_eq!(after.multiplier(DAMAGED | LATE), 2.0);
        assert_eq!(after.multiplier(LOST | REFUNDED), 3.0);
        assert_eq!(after.multiplier(REFUNDED), 1.0);
        assert_eq!(after.max(), 3.0);
        assert!(after.links());
        assert!(!product("").dispute.after.links());
        let below = product("dispute = { after = { late = 0.5 } }")
            .dispute
            .after;
        assert_eq!(below.max(), 1.0);
    }
}

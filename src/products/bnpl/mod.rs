//! Merchant insurance against unpaid buy-now-pay-later instalments (`kind = "bnpl_non_payment"`).
//!
//! A pecuniary-loss contract sold to merchants through a split-payment provider. When a buyer
//! pays by card in several instalments (2x, 3x, 4x, 10x), the merchant is paid what the buyer
//! fails to pay, partly or totally, on the instalments after the first.
//!
//! Contract rules modelled, with their scenario fields:
//! - **Plans** (`[[products.plans]]`): each plan type has a number of instalments, an eligible
//!   basket range, a take-up share among the plans whose range contains the basket, a schedule
//!   of due days (instalment 1 on day 0, collected at checkout), a premium rate, a per-instalment
//!   default hazard and a first-payment fraud probability. An instalment order whose basket fits
//!   no plan is not granted a plan: it is counted in the product's `ineligible` only (it belongs
//!   to no plan type, so the plan-type rows do not include it).
//! - **Who is covered** (`[products.customers]`): adults who are tax residents of France paying
//!   by Carte Bancaire, Visa or MasterCard. Prepaid cards, virtual cards and cards with
//!   systematic authorisation are not covered. See [`BnplNonPayment::exclusion`].
//! - **Excluded purchases** (`exclusions`): categories (subscriptions, intangible goods and
//!   services, adult entertainment, alcohol, gambling, gift and prepaid cards, financial
//!   instruments, crowdfunding, travel) and sites (unreferenced, peer-to-peer). The merchant's
//!   intentional fault, goods outside lawful trade and items of banned organisations refuse a
//!   share of the claims each; war, riots and terrorism an `unrest` event per path voids the
//!   claims of the plans written during it. Refused claims are `rejected`.
//! - **Declarations** (`declarations`): a share of contracts misdeclared at subscription have
//!   their indemnities cut by the ratio of premium paid to premium due (L113-9).
//! - **Premium** (`premium_rate`): a rate of the financed amount (the basket), rounded once by
//!   `rounding`, due for each plan granted and taken from the first instalment; cover starts
//!   then, so the premium is written on the order day.
//! - **Ceiling** (`ceiling_per_customer_eur`): the merchant's particular conditions cap what is
//!   paid, cumulatively per person and per card over the horizon, across every shop of the
//!   insured company (no reset at the quarterly renewals; a person may hold several cards,
//!   `customers.cards_per_person`). What the ceiling leaves unpaid is the merchant's own loss
//!   (`retained`).
//! - **Term** (`contract`): 3 months, renewed tacitly; a one-year horizon is four terms. Without
//!   `contract` the merchant stays insured for the whole horizon; with it, the merchant leaves
//!   at a term's end with a lapse probability (at once, more often, after a premium increase
//!   from the first renewal), plans granted after the end are not insured, and a plan running
//!   past it is covered up to it with its premium refunded pro rata ([`Contract`]). The
//!   insurer may terminate after a claim (`termination_after_claim`, per claim declared),
//!   a month later (`termination_notice_days`, R113-10). Ended contracts and refunded premium
//!   are reported (`contracts_ended_count`, `terminated_count`, `refunds_eur`).
//! - **Claims**: declared and paid automatically `claim_lag_days` after each missed due date.
//!   Each unpaid instalment is its own payment; a payment after the horizon end is `outstanding`.
//! - **Recovery**: the insurer is subrogated and recovers `recovery_rate` of what it paid,
//!   `recovery_lag` days later, net of `recovery_cost_share` spent collecting it; with
//!   `development_months` the views `dev_month:<k>` hold payments and recoveries by month.
//!
//! Default model, per covered plan: with probability `fraud × season` the buyer never pays again
//! after checkout (first-payment fraud, peril `fraud`: instalments 2..n unpaid). Otherwise each
//! instalment k ≥ 2 is missed with the conditional hazard h(Z) given all earlier ones were paid
//! (peril `missed_instalment`); after a miss nothing more is paid, except that with
//! `partial_payment.probability` the missed instalment itself is partly paid, a share
//! `U^((1−m)/m)` of it (a Beta(m/(1−m), 1) law with mean m = `mean_share_paid`).
//!
//! Systematic risk: one Gaussian factor Z per path and product, shared by all shops and plan
//! types, moves every hazard together as in Vasicek's one-factor model with asset correlation
//! ρ: `h(Z) = Φ((Φ⁻¹(h·season) − √ρ·Z) / √(1−ρ))`. E[h(Z)] = h·season, so the expected hazard
//! is unchanged while the variance of the portfolio default rate across paths grows with ρ.
//! Fraud is not tied to the credit cycle and is independent of Z. With `sector_correlation`
//! ρs a second factor per shop sector adds `− √ρs·Zs` and the denominator becomes √(1−ρ−ρs).

mod default_law;
mod expected;
pub mod raw;
pub mod simulate;

pub use default_law::{
    conditional_hazard, conditional_hazard_in_sector, default_probability, expected_over_factor,
    expected_unpaid_share, per_instalment_over_factor,
};
pub use expected::Expected;
pub use simulate::{ShopBook, Termination};

use crate::catalogue::{CardNetwork, CardType, Category, Site};
use crate::distributions::Mix;
use crate::input::mix::mix as share_mix;
use crate::input::validate::{Validator, show};
use crate::money::{Cents, Rate, Rounding};
use raw::{RawBnpl, RawCustomers, RawPlan};
use std::collections::BTreeMap;

/// Names of the perils, in the order of [`crate::products::ProductTotals::perils`].
pub const PERILS: &[&str] = &["missed_instalment", "fraud"];
pub(crate) const MISSED: usize = 0;
pub(crate) const FRAUD: usize = 1;

/// Most plan types a product may define.
pub const MAX_PLANS: usize = 8;
/// Most instalments of one plan.
pub const MAX_INSTALMENTS: i64 = 36;
/// Latest due day of an instalment, in days after the order.
pub const MAX_DUE_DAY: i64 = 1100;
/// Most customers one shop's population may hold (memory grows with it, per path and thread).
pub const MAX_CUSTOMERS_PER_SHOP: f64 = 20_000_000.0;

/// One plan type: 2x, 3x, 4x, 10x.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The plan type's name, `"<instalments>x"`: the segment name in the outputs.
    pub name: String,
    /// Number of instalments, the first collected at checkout.
    pub instalments: u32,
    /// Take-up share among the instalment orders whose basket fits this plan (renormalised
    /// among the plans whose range contains the basket).
    pub share: f64,
    /// Smallest basket granted this plan.
    pub min_basket: Cents,
    /// Largest basket granted this plan.
    pub max_basket: Cents,
    /// Due day of each instalment after the order (the first is 0).
    pub schedule_days: Vec<u32>,
    /// Premium as a share of the financed amount (the basket).
    pub premium_rate: Rate,
    /// Probability of missing each instalment after the first, given all earlier ones were
    /// paid (before the seasonal and systematic adjustments).
    pub hazard: f64,
    /// Probability that the buyer never pays after checkout (first-payment fraud).
    pub fraud: f64,
}

impl Plan {
    /// Whether a basket is within the plan's eligible range (both ends included).
    #[inline]
    pub fn contains(&self, basket: Cents) -> bool {
        basket >= self.min_basket && basket <= self.max_basket
    }
}

/// Partial payment of a missed instalment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PartialPayment {
    /// Probability that a missed instalment is partly paid.
    pub probability: f64,
    /// Mean share of the missed instalment then paid, in (0, 1).
    pub mean_share_paid: f64,
}

impl PartialPayment {
    /// The share paid from a uniform `u`: `u^((1−m)/m)`, mean m (a Beta(m/(1−m), 1) law).
    /// `libm::pow` keeps the result identical on every platform.
    #[inline]
    pub fn share_at(&self, u: f64) -> f64 {
        let m = self.mean_share_paid;
        libm::pow(u, (1.0 - m) / m)
    }
}

/// The buyer population of a shop.
#[derive(Debug, Clone, PartialEq)]
pub struct Customers {
    /// Mean plans per customer per year; a shop's population is its expected plans per year
    /// over this (at least one customer).
    pub purchases_per_year: f64,
    /// Coefficient of variation of the customers' repeat rates (gamma weights; 0: all equal).
    pub purchases_cv: f64,
    /// Mean cards per person, at least 1: a person holds 1 + Poisson(mean − 1) cards, and the
    /// ceiling binds per card and per person.
    pub cards_per_person: f64,
    pub adult_share: f64,
    pub french_resident_share: f64,
    pub networks: Mix<CardNetwork>,
    pub card_types: Mix<CardType>,
}

/// The attributes of a buyer (a person with one card) that the wording looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buyer {
    pub adult: bool,
    pub french_resident: bool,
    pub network: CardNetwork,
    pub card: CardType,
}

/// Why a plan is not covered: the first exclusion of the wording it falls under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exclusion {
    /// The buyer is a minor.
    Minor,
    /// The buyer is not a tax resident of France.
    NotFrenchResident,
    /// Paid with a card network other than Carte Bancaire, Visa or MasterCard.
    CardNetwork,
    /// Paid with a prepaid card, a virtual card or a card with systematic authorisation.
    CardType,
    /// The purchase is of an excluded category.
    Category,
    /// The sale is on an excluded site (unreferenced, peer-to-peer).
    Site,
}

/// A validated BNPL non-payment product.
#[derive(Debug, Clone, PartialEq)]
pub struct BnplNonPayment {
    pub name: String,
    /// Share of a shop's orders whose buyer asks to pay in instalments.
    pub take_up: f64,
    /// Cumulative ceiling per person and card; `None`: unlimited.
    pub ceiling: Option<Cents>,
    /// Vasicek asset correlation ρ in [0, 1) with the economy's factor.
    pub asset_correlation: f64,
    /// Correlation ρ_s with the shop's sector factor (one per sector and path; default 0), with
    /// ρ + ρ_s < 1: two plans of one sector have asset correlation ρ + ρ_s, of two sectors ρ.
    pub sector_correlation: f64,
    /// Inexact declarations: `Some((share of contracts misdeclared, premium ratio))`; a
    /// misdeclared contract's indemnities are multiplied by the premium ratio (L113-9).
    pub declarations: Option<(f64, f64)>,
    /// Probability that a claim is refused under the exclusions of the merchant's intentional
    /// fault, goods outside lawful trade and items of banned organisations, together.
    pub refused_share: f64,
    /// War, riots and terrorism: `Some((probability per path, days))` of an event, on a start
    /// day uniform over the horizon, that voids the claims of the plans written during it.
    pub unrest: Option<(f64, u32)>,
    /// The contract's life, if modelled: otherwise the merchant is insured all horizon.
    pub contract: Option<Contract>,
    /// Multipliers of hazard and fraud of plans written in each month, January to December.
    pub month_multipliers: [f64; 12],
    /// Days from a missed due date to the automatic claim payment.
    pub claim_lag_days: u32,
    pub partial_payment: PartialPayment,
    /// Share of each paid claim recovered from the buyer after subrogation.
    pub recovery_rate: f64,
    /// Days from a claim payment to its recovery; `None`: at once.
    pub recovery_lag: Option<crate::distributions::LogNormal>,
    /// Share of each recovered amount spent on collection: `recoveries` are net of it.
    pub recovery_cost_share: f64,
    /// Months of development kept as views `dev_month:<k>` (payments and recoveries by the
    /// month they fall in, counted from the horizon's start; the last month takes the rest);
    /// 0: none.
    pub development_months: u32,
    /// Rounding of the premium (once per plan).
    pub rounding: Rounding,
    /// Per category, by [`Category::index`]: excluded.
    pub excluded_categories: Vec<bool>,
    /// Per site kind, by [`Site::index`]: excluded.
    pub excluded_sites: [bool; 3],
    pub plans: Vec<Plan>,
    pub customers: Customers,
}

/// The contract's life: it runs `term_days` and renews tacitly; at each term's end the
/// merchant leaves (two weeks' notice) with `lapse_per_term`. From the first renewal the
/// premium rates change by `premium_factor`; where that is an increase the merchant can leave
/// at once then, with `lapse_after_increase` besides. Plans granted after the contract ended
/// are not insured; a plan whose instalments run past the end is covered up to it, and its
/// premium is refunded pro rata of its instalments due after the end. The insurer may also
/// end it after a claim, with a month's notice (French Insurance Code, article R113-10).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contract {
    pub term_days: u32,
    pub lapse_per_term: f64,
    /// Premium rates from the first renewal on, relative to the plans' (1: unchanged).
    pub premium_factor: crate::money::Factor,
    pub lapse_after_increase: f64,
    /// P(the insurer terminates the contract after a claim), drawn at each claim declared
    /// (the due day of a plan's first unpaid instalment, covered and not refused): the
    /// contract then ends `termination_notice_days` later, unless it ended earlier.
    pub termination_after_claim: f64,
    pub termination_notice_days: u32,
}

impl Contract {
    /// P(the merchant leaves at the end of term `k` (1-based), given it stayed until then.
    pub fn lapse(&self, k: u32) -> f64 {
        if k == 1 && self.premium_factor > crate::money::Factor::ONE {
            1.0 - (1.0 - self.lapse_per_term) * (1.0 - self.lapse_after_increase)
        } else {
            self.lapse_per_term
        }
    }

    /// P(the contract is still in force on day `d` of a horizon of `horizon` days): the
    /// product of the terms' stays over the term ends at or before `d` (only term ends within
    /// the horizon are decided: after it the contract runs on).
    pub fn in_force(&self, d: u64, horizon: u32) -> f64 {
        let t = self.term_days as u64;
        let ends = (d / t).min((horizon as u64).saturating_sub(1) / t) as u32;
        (1..=ends).map(|k| 1.0 - self.lapse(k)).product()
    }
}

/// Categories the standard wording excludes.
pub const DEFAULT_EXCLUDED: &[Category] = &[
    Category::Subscriptions,
    Category::DigitalGoods,
    Category::Services,
    Category::AdultEntertainment,
    Category::Alcohol,
    Category::Gambling,
    Category::GiftCards,
    Category::FinancialInstruments,
    Category::Crowdfunding,
    // A booking of a service, like `services`.
    Category::Travel,
];

/// Sites the standard wording excludes.
pub const DEFAULT_EXCLUDED_SITES: &[Site] = &[Site::Unreferenced, Site::PeerToPeer];

/// The default plan mix (docs/calibration.md F; shares, 2x range and 2x premium are assumptions):
/// (instalments, share, min, max, premium rate, hazard, fraud).
const DEFAULT_PLANS: &[(u32, f64, &str, &str, &str, f64, f64)] = &[
    (2, 0.15, "50", "3000", "0.0075", 0.0083, 0.0032),
    (3, 0.55, "100", "3000", "0.011", 0.0060, 0.0036),
    (4, 0.25, "100", "3000", "0.0125", 0.0046, 0.0037),
    (10, 0.05, "800", "8000", "0.027", 0.0032, 0.0067),
];

impl BnplNonPayment {
    /// Validates a `kind = "bnpl_non_payment"` product table; `path` is e.g. `products[0]`.
    /// Defaults are those of `docs/calibration.md` section F (assumptions marked in the docs).
    pub fn validate(raw: &RawBnpl, path: &str, v: &mut Validator) -> BnplNonPayment {
        let p = |field: &str| format!("{path}.{field}");
        let take_up = v.probability(&p("take_up"), raw.take_up);
        let ceiling = raw.ceiling_per_customer_eur.as_deref().map(|t| {
            let c = v.eur(&p("ceiling_per_customer_eur"), t);
            if c == Cents::ZERO && !v.has_issues() {
                v.fail(
                    &p("ceiling_per_customer_eur"),
                    format!("{t:?}"),
                    "must be above 0 (omit it for no ceiling)",
                );
            }
            c
        });
        let asset_correlation = match raw.asset_correlation {
            Some(rho) if (0.0..1.0).contains(&rho) => rho,
            Some(rho) => {
                v.fail(
                    &p("asset_correlation"),
                    show(rho),
                    "must be a number from 0 to below 1 (Vasicek asset correlation; 0.05 is typical of retail credit)",
                );
                0.0
            }
            None => 0.05,
        };
        let month_multipliers = match &raw.month_multipliers {
            Some(m) => v.multipliers::<12>(&p("month_multipliers"), m, "January to December"),
            None => [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.2, 1.2, 1.2],
        };
        let claim_lag_days = raw.claim_lag_days.map_or(30, |d| {
            v.integer_in(&p("claim_lag_days"), d, 0, 3660, " (days)") as u32
        });
        let partial_payment = match &raw.partial_payment {
            Some(pp) => {
                let probability = v.probability(&p("partial_payment.probability"), pp.probability);
                let m = pp.mean_share_paid;
                let mean_share_paid = if m > 0.0 && m < 1.0 {
                    m
                } else {
                    v.fail(
                        &p("partial_payment.mean_share_paid"),
                        show(m),
                        "must be a share strictly between 0 and 1",
                    );
                    0.5
                };
                PartialPayment {
                    probability,
                    mean_share_paid,
                }
            }
            None => PartialPayment {
                probability: 0.2,
                mean_share_paid: 0.5,
            },
        };
        let recovery_rate = raw
            .recovery_rate
            .map_or(0.25, |r| v.probability(&p("recovery_rate"), r));
        let recovery_lag = raw.recovery_lag.as_ref().and_then(|l| {
            let median = v.days(&p("recovery_lag.median_days"), l.median_days);
            let sigma = v.sigma(&p("recovery_lag.sigma"), l.sigma);
            crate::distributions::LogNormal::from_median_sigma(median.max(1e-9), sigma).ok()
        });
        let recovery_cost_share = raw
            .recovery_cost_share
            .map_or(0.0, |x| v.probability(&p("recovery_cost_share"), x));
        let development_months = raw.development_months.map_or(0, |m| {
            v.integer_in(&p("development_months"), m, 1, 120, " (months)") as u32
        });

        let mut excluded_categories = vec![false; Category::ALL.len()];
        match &raw.exclusions.categories {
            Some(list) => {
                v.category_flags(&p("exclusions.categories"), list, &mut excluded_categories);
            }
            None => DEFAULT_EXCLUDED
                .iter()
                .for_each(|c| excluded_categories[c.index()] = true),
        }
        let mut excluded_sites = [false; 3];
        match &raw.exclusions.sites {
            Some(list) => {
                for (i, name) in list.iter().enumerate() {
                    match Site::parse(name) {
                        Some(s) => excluded_sites[s.index()] = true,
                        None => v.fail(
                            &p(&format!("exclusions.sites[{i}]")),
                            format!("{name:?}"),
                            format!("is not a kind of site; use one of {}", Site::allowed()),
                        ),
                    }
                }
            }
            None => DEFAULT_EXCLUDED_SITES
                .iter()
                .for_each(|s| excluded_sites[s.index()] = true),
        }

        let plans = match &raw.plans {
            Some(list) => plans(v, &p("plans"), list),
            None => DEFAULT_PLANS
                .iter()
                .map(|&(n, share, lo, hi, rate, hazard, fraud)| Plan {
                    name: format!("{n}x"),
                    instalments: n,
                    share,
                    min_basket: crate::money::parse_eur(lo).expect("valid default"),
                    max_basket: crate::money::parse_eur(hi).expect("valid default"),
                    schedule_days: monthly(n),
                    premium_rate: Rate::parse(rate).expect("valid default"),
                    hazard,
                    fraud,
                })
                .collect(),
        };
        let peak = month_multipliers.iter().fold(0.0_f64, |a, &b| a.max(b));
        for (i, plan) in plans.iter().enumerate() {
            if plan.hazard * peak >= 1.0 || plan.fraud * peak > 1.0 {
                v.fail(
                    &p("month_multipliers"),
                    format!("peak multiplier {}", show(peak)),
                    format!(
                        "hazard or fraud of plan {} times the largest month multiplier reaches 1: lower the multipliers or plans[{i}]'s probabilities",
                        plan.name
                    ),
                );
            }
        }
        let customers = customers(v, &p("customers"), &raw.customers);
        let sector_correlation = match raw.sector_correlation {
            Some(r) if (0.0..1.0).contains(&r) && r + asset_correlation < 1.0 => r,
            Some(r) => {
                v.fail(
                    &p("sector_correlation"),
                    show(r),
                    format!(
                        "must be a number from 0 with asset_correlation + sector_correlation below 1 (asset_correlation is {asset_correlation})"
                    ),
                );
                0.0
            }
            None => 0.0,
        };
        let declarations = raw.declarations.as_ref().map(|d| {
            let share = v.probability(&p("declarations.misdeclared_share"), d.misdeclared_share);
            let ratio = v.probability(&p("declarations.premium_ratio"), d.premium_ratio);
            (share, ratio)
        });
        let e = &raw.exclusions;
        let mut kept = 1.0;
        for (name, share) in [
            ("intentional_fault_share", e.intentional_fault_share),
            ("unlawful_goods_share", e.unlawful_goods_share),
            ("banned_organisation_share", e.banned_organisation_share),
        ] {
            if let Some(x) = share {
                kept *= 1.0 - v.probability(&p(&format!("exclusions.{name}")), x);
            }
        }
        let unrest = raw.unrest.as_ref().map(|u| {
            (
                v.probability(&p("unrest.probability"), u.probability),
                v.integer_in(&p("unrest.days"), u.days, 1, 3660, " (days)") as u32,
            )
        });
        let contract = raw.contract.as_ref().map(|c| {
            let cp = |f: &str| p(&format!("contract.{f}"));
            let premium_factor = match c.premium_change.as_deref() {
                None => crate::money::Factor::ONE,
                Some(t) => {
                    let one_plus = rust_decimal::Decimal::from_str_exact(t.trim())
                        .ok()
                        .and_then(|d| {
                            crate::money::Factor::parse(&(d + rust_decimal::Decimal::ONE).to_string())
                                .ok()
                        });
                    one_plus.unwrap_or_else(|| {
                        v.fail(
                            &cp("premium_change"),
                            format!("{t:?}"),
                            "must be a decimal string above -1 and at most 9 with at most 4 decimals, e.g. \"0.2\" for 20 % more",
                        );
                        crate::money::Factor::ONE
                    })
                }
            };
            Contract {
                term_days: c
                    .term_days
                    .map_or(91, |d| v.integer_in(&cp("term_days"), d, 1, 3660, " (days)") as u32),
                lapse_per_term: c
                    .lapse_per_term
                    .map_or(0.0, |x| v.probability(&cp("lapse_per_term"), x)),
                premium_factor,
                lapse_after_increase: c
                    .lapse_after_increase
                    .map_or(0.0, |x| v.probability(&cp("lapse_after_increase"), x)),
                termination_after_claim: c
                    .termination_after_claim
                    .map_or(0.0, |x| v.probability(&cp("termination_after_claim"), x)),
                // One month's notice: R113-10 of the French Insurance Code.
                termination_notice_days: c.termination_notice_days.map_or(30, |d| {
                    v.integer_in(
                        &cp("termination_notice_days"),
                        d,
                        1,
                        366,
                        " (days from the claim to the contract's end; R113-10 gives one month)",
                    ) as u32
                }),
            }
        });
        BnplNonPayment {
            name: raw.name.clone(),
            take_up,
            ceiling,
            asset_correlation,
            sector_correlation,
            declarations,
            refused_share: 1.0 - kept,
            unrest,
            contract,
            month_multipliers,
            claim_lag_days,
            partial_payment,
            recovery_rate,
            recovery_lag,
            recovery_cost_share,
            development_months,
            rounding: raw.rounding.unwrap_or_default(),
            excluded_categories,
            excluded_sites,
            plans,
            customers,
        }
    }

    /// The plan types' names, in plan order: the product's segments.
    pub fn segments(&self) -> Vec<String> {
        self.plans.iter().map(|p| p.name.clone()).collect()
    }

    /// The development views, `dev_month:00`, `dev_month:01`, …: payments and recoveries by
    /// the month they fall in, from the horizon's start (the last takes every later month).
    pub fn development_views(&self) -> Vec<String> {
        (0..self.development_months)
            .map(|k| format!("dev_month:{k:02}"))
            .collect()
    }

    /// Why the buyer alone is not covered, if they are not (age, residence, card).
    pub fn buyer_exclusion(&self, b: &Buyer) -> Option<Exclusion> {
        if !b.adult {
            Some(Exclusion::Minor)
        } else if !b.french_resident {
            Some(Exclusion::NotFrenchResident)
        } else if !matches!(
            b.network,
            CardNetwork::Cb | CardNetwork::Visa | CardNetwork::Mastercard
        ) {
            Some(Exclusion::CardNetwork)
        } else if matches!(
            b.card,
            CardType::Prepaid | CardType::Virtual | CardType::SystematicAuthorisation
        ) {
            Some(Exclusion::CardType)
        } else {
            None
        }
    }

    /// The eligibility rule of the wording, in one place: `None` when a plan of this buyer, for
    /// a purchase of this category on a site of this kind, is covered, else the first exclusion
    /// that applies (buyer, then purchase, then site).
    pub fn exclusion(&self, buyer: &Buyer, category: Category, site: Site) -> Option<Exclusion> {
        self.buyer_exclusion(buyer).or_else(|| {
            if self.excluded_categories[category.index()] {
                Some(Exclusion::Category)
            } else if self.excluded_sites[site.index()] {
                Some(Exclusion::Site)
            } else {
                None
            }
        })
    }

    /// Probability that a buyer drawn from the population passes the buyer conditions.
    pub fn buyer_eligible_share(&self) -> f64 {
        let c = &self.customers;
        let network: f64 = c
            .networks
            .iter()
            .filter(|(n, _)| {
                matches!(
                    n,
                    CardNetwork::Cb | CardNetwork::Visa | CardNetwork::Mastercard
                )
            })
            .map(|(_, s)| s)
            .sum();
        let card: f64 = c
            .card_types
            .iter()
            .filter(|(t, _)| matches!(t, CardType::Debit | CardType::Credit))
            .map(|(_, s)| s)
            .sum();
        c.adult_share * c.french_resident_share * network * card
    }

    /// Upper bound of a shop's customer population for its average orders per day (the
    /// population is expected plans per year over purchases per year; this bound assumes every
    /// instalment order fits a plan).
    pub fn population_bound(&self, orders_per_day: f64) -> f64 {
        orders_per_day * 365.0 * self.take_up / self.customers.purchases_per_year
    }
}

/// Due days 0, 30, 60, …: monthly instalments from the order day.
fn monthly(n: u32) -> Vec<u32> {
    (0..n).map(|k| 30 * k).collect()
}

fn plans(v: &mut Validator, path: &str, list: &[RawPlan]) -> Vec<Plan> {
    if list.is_empty() || list.len() > MAX_PLANS {
        v.fail(
            path,
            format!("a list of {}", list.len()),
            format!("must list from 1 to {MAX_PLANS} plans ([[products.plans]] tables)"),
        );
    }
    let mut out: Vec<Plan> = Vec::new();
    for (i, r) in list.iter().enumerate() {
        let pp = format!("{path}[{i}]");
        let q = |f: &str| format!("{pp}.{f}");
        let n = v.integer_in(
            &q("instalments"),
            r.instalments,
            2,
            MAX_INSTALMENTS,
            " (instalments, the first collected at checkout)",
        ) as u32;
        let name = format!("{n}x");
        if out.iter().any(|o| o.name == name) {
            v.fail(
                &q("instalments"),
                n.to_string(),
                "is used by an earlier plan; each plan type (number of instalments) appears once",
            );
        }
        let share = v.probability(&q("share"), r.share);
        let min_basket = v.eur(&q("min_basket_eur"), &r.min_basket_eur);
        let max_basket = v.eur(&q("max_basket_eur"), &r.max_basket_eur);
        if max_basket == Cents::ZERO || max_basket < min_basket {
            v.fail(
                &q("max_basket_eur"),
                format!("{:?}", r.max_basket_eur),
                format!(
                    "must be above 0 and at least min_basket_eur ({}): the eligible basket range is empty",
                    r.min_basket_eur
                ),
            );
        }
        let schedule_days = match &r.schedule_days {
            None => monthly(n),
            Some(days) => {
                let ok_len = days.len() == n as usize;
                let ok_start = days.first() == Some(&0);
                let ok_order = days.windows(2).all(|w| w[0] < w[1]);
                let ok_range = days.iter().all(|&d| (0..=MAX_DUE_DAY).contains(&d));
                if !(ok_len && ok_start && ok_order && ok_range) {
                    v.fail(
                        &q("schedule_days"),
                        format!("{days:?}"),
                        format!("must list one due day per instalment ({n}), starting at 0 (paid at checkout), strictly increasing, at most {MAX_DUE_DAY}"),
                    );
                    monthly(n)
                } else {
                    days.iter().map(|&d| d as u32).collect()
                }
            }
        };
        let premium_rate = v.rate(&q("premium_rate"), &r.premium_rate);
        let hazard = if (0.0..1.0).contains(&r.hazard) {
            r.hazard
        } else {
            v.fail(
                &q("hazard"),
                show(r.hazard),
                "must be a probability from 0 to below 1 (per instalment after the first)",
            );
            0.0
        };
        let fraud = r.fraud.map_or(0.0, |f| v.probability(&q("fraud"), f));
        out.push(Plan {
            name,
            instalments: n,
            share,
            min_basket,
            max_basket,
            schedule_days,
            premium_rate,
            hazard,
            fraud,
        });
    }
    let shares: Vec<f64> = out.iter().map(|p| p.share).collect();
    v.shares_sum_to_one(path, &shares);
    if !list.is_empty() && shares.iter().all(|&s| s == 0.0) {
        v.fail_field(path, "at least one plan must have a share above 0");
    }
    out
}

fn customers(v: &mut Validator, path: &str, raw: &RawCustomers) -> Customers {
    let q = |f: &str| format!("{path}.{f}");
    let purchases_per_year = raw.purchases_per_year.map_or(1.6, |x| {
        // Up to 10^9: a huge value stands for "every plan of the shop is one customer's".
        v.positive_at_most(
            &q("purchases_per_year"),
            x,
            1e9,
            " (plans per customer per year; 1e9 makes every plan one customer's)",
        )
    });
    let purchases_cv = match raw.purchases_cv {
        Some(cv) if (0.0..=10.0).contains(&cv) => cv,
        Some(cv) => {
            v.fail(
                &q("purchases_cv"),
                show(cv),
                "must be a number from 0 to 10 (0: every customer buys at the same rate)",
            );
            0.0
        }
        None => 1.0,
    };
    let cards_per_person = match raw.cards_per_person {
        None => 1.0,
        Some(x) if (1.0..=10.0).contains(&x) => x,
        Some(x) => {
            v.fail(
                &q("cards_per_person"),
                show(x),
                "must be a number from 1 to 10 (mean cards per person; 1: one card each)",
            );
            1.0
        }
    };
    let adult_share = raw
        .adult_share
        .map_or(0.98, |x| v.probability(&q("adult_share"), x));
    let french_resident_share = raw
        .french_resident_share
        .map_or(0.95, |x| v.probability(&q("french_resident_share"), x));
    let default_networks = BTreeMap::from(
        [
            ("cb", 0.62),
            ("visa", 0.22),
            ("mastercard", 0.14),
            ("amex", 0.02),
        ]
        .map(|(k, s)| (k.to_string(), s)),
    );
    let networks = share_mix(
        v,
        &q("card_networks"),
        raw.card_networks.as_ref().unwrap_or(&default_networks),
        CardNetwork::parse,
        CardNetwork::allowed(),
        "card network",
    );
    let default_types = BTreeMap::from(
        [
            ("debit", 0.72),
            ("credit", 0.20),
            ("prepaid", 0.05),
            ("virtual", 0.02),
            ("systematic_authorisation", 0.01),
        ]
        .map(|(k, s)| (k.to_string(), s)),
    );
    let card_types = share_mix(
        v,
        &q("card_types"),
        raw.card_types.as_ref().unwrap_or(&default_types),
        CardType::parse,
        CardType::allowed(),
        "card type",
    );
    Customers {
        purchases_per_year,
        purchases_cv,
        cards_per_person,
        adult_share,
        french_resident_share,
        networks,
        card_types,
    }
}

/// BNPL non-payment as the engine sees it: plans segmented by plan type, with views by
/// development month; no occurrence is defined.
impl super::ProductSpec for BnplNonPayment {
    fn name(&self) -> &str {
        &self.name
    }
    fn perils(&self) -> &'static [&'static str] {
        PERILS
    }
    fn exposure_unit(&self) -> &'static str {
        "plans"
    }
    fn segments(&self) -> Vec<String> {
        BnplNonPayment::segments(self)
    }
    /// Payments and recoveries by development month: no orders, no premium.
    fn views(&self) -> Vec<String> {
        self.development_views()
    }
    fn views_priced(&self) -> bool {
        false
    }
    fn has_contract_life(&self) -> bool {
        self.contract.is_some()
    }
    /// Each plan's premium rate prices its plan type. Under the contract's life the premium is
    /// not the rate times the exposure (a premium change from the first renewal, refunds at
    /// the end): the base is then the premium at the current rate.
    fn tariff(&self) -> Vec<super::TariffKnob> {
        (self.plans.iter().enumerate())
            .map(|(k, plan)| super::TariffKnob {
                key: format!("plans[{k}].premium_rate"),
                unit: super::PriceUnit::Rate,
                current: plan.premium_rate.as_f64(),
                segments: vec![k],
                premium_base: self.contract.is_some(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distributions::normal_quantile;

    /// docs/validation.md "Instalment default (pay-in-4)": A = 400 EUR, h = 1 %.
    #[test]
    fn pay_in_4_closed_form_matches_validation_md() {
        let none = PartialPayment {
            probability: 0.0,
            mean_share_paid: 0.5,
        };
        let pd = default_probability(4, 0.01, 0.0);
        assert!((pd - 0.029701).abs() < 1e-6, "{pd}");
        let unpaid = 400.0 * expected_unpaid_share(4, 0.01, 0.0, none);
        assert!((unpaid - 5.9601).abs() < 1e-4, "{unpaid}");
        // Over the factor with ρ = 0 it is the same. With ρ > 0 the mean hazard is kept but
        // defaults bunch in bad paths, where a plan that missed instalment 2 cannot miss 3:
        // E[unpaid] falls slightly (5.864 EUR at ρ = 0.2), which is why the closed form
        // integrates over the factor instead of plugging in h.
        let (share, p) = expected_over_factor(4, 0.01, 0.0, none, 0.0);
        assert!((400.0 * share - 5.9601).abs() < 1e-4 && (p - 0.029701).abs() < 1e-6);
        let (share, _) = expected_over_factor(4, 0.01, 0.0, none, 0.2);
        let unpaid = 400.0 * share;
        assert!(unpaid < 5.9601 && unpaid > 0.97 * 5.9601, "{unpaid}");
    }

    /// E[h(Z)] = h: the factor leaves the mean hazard unchanged.
    #[test]
    fn conditional_hazard_keeps_the_mean() {
        for (h, rho) in [(0.01, 0.05), (0.004, 0.2), (0.2, 0.5)] {
            const K: usize = 20_000;
            let mean = (0..K)
                .map(|k| conditional_hazard(h, rho, normal_quantile((k as f64 + 0.5) / K as f64)))
                .sum::<f64>()
                / K as f64;
            assert!((mean - h).abs() < 1e-3 * h, "{h} {rho}: {mean}");
        }
        assert_eq!(conditional_hazard(0.01, 0.0, 3.0), 0.01);
        assert_eq!(conditional_hazard(0.0, 0.3, -3.0), 0.0);
    }

    /// Fraud loses instalments 2..n; partial payment lowers the missed instalment by p·m.
    #[test]
    fn unpaid_share_with_fraud_and_partial_payment() {
        let none = PartialPayment {
            probability: 0.0,
            mean_share_paid: 0.5,
        };
        assert!((expected_unpaid_share(4, 0.0, 1.0, none) - 0.75).abs() < 1e-12);
        let pp = PartialPayment {
            probability: 1.0,
            mean_share_paid: 0.5,
        };
        // 2x, h = 1: instalment 2 always missed, half of it paid on average.
        assert!((expected_unpaid_share(2, 1.0, 0.0, pp) - 0.25).abs() < 1e-12);
        // The share law has the mean it claims.
        let m = 0.3;
        let law = PartialPayment {
            probability: 1.0,
            mean_share_paid: m,
        };
        const K: usize = 100_000;
        let mean = (0..K)
            .map(|k| law.share_at((k as f64 + 0.5) / K as f64))
            .sum::<f64>()
            / K as f64;
        assert!((mean - m).abs() < 1e-4, "{mean}");
    }
}

//! The per-plan loop of BNPL non-payment insurance for one shop and one path.
//!
//! Built once per run ([`ShopBook::new`]): the expected instalment orders of each day, each
//! day's month, and the shop's customer population size. Per path: the customer population is
//! drawn from the customer stream (card network and type, age, residence, repeat-rate weight),
//! each customer's remaining ceiling starts full, and the hazards are conditioned on the path's
//! systematic factor. Per order the loop draws category, plan choice, basket and customer from
//! the orders stream, eligible or not, and one uniform per covered plan from the claims stream;
//! only a defaulting plan draws more (partial payment). Memory grows with customers (a few
//! bytes each, per path), never with orders.

use super::{BnplNonPayment, Buyer, FRAUD, MISSED};
use crate::calendar::Horizon;
use crate::catalogue::Category;
use crate::distributions::{Basket, Mix, poisson, uniform};
use crate::money::Cents;
use crate::portfolio::Shop;
use crate::products::{ProductTotals, Streams};
use chrono::Datelike;
use rand::{Rng, RngExt};
use rand_distr::weighted::WeightedAliasIndex;
use rand_distr::{Distribution, Gamma, StandardNormal};

/// The precomputed book of a BNPL product in one shop.
#[derive(Debug, Clone)]
pub struct ShopBook {
    product: BnplNonPayment,
    basket: Basket,
    categories: Mix<Category>,
    /// The shop's site is excluded by the wording: no plan of the shop is covered.
    site_excluded: bool,
    /// Expected instalment orders per day: λ(d) × take-up (before the path's volume multiplier).
    pub(crate) daily_mean: Vec<f64>,
    /// Month (0–11) of each day.
    pub(crate) month: Vec<u8>,
    /// Customers (person and card) in the shop's population.
    population: usize,
    horizon_days: u32,
}

/// What one path sets for a shop's book beside its orders: the economy's and the sector's
/// factors, the indemnity ratio of the merchant's contract (below 1 when it was misdeclared),
/// and the days of an unrest event, if one happens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathRisk {
    pub z: f64,
    pub z_sector: f64,
    pub indemnity: f64,
    /// Horizon days `[start, end)` whose plans' claims the event voids.
    pub unrest: Option<(u32, u32)>,
    /// The horizon day the merchant's contract ended on, if it lapsed within the horizon.
    pub contract_end: Option<u32>,
}

/// The insurer's termination after a claim, watched on a first pass over a company's shops
/// (a claim's effect on a contract reaches back over plans written before it, so the end must
/// be known before the pass that counts). Every default of a written plan draws one uniform
/// from the shop's `decisions` stream; a claim declared within the horizon (the plan's first
/// unpaid instalment, covered and not refused, on the day it is paid) whose draw is under
/// `probability` makes the insurer terminate, and the contract ends `notice_days` later. The
/// earliest such end is the company's termination on the path. Plans written before it draw
/// alike in both passes (ceilings only move recovery lags, which have their own stream), so
/// a pass that ends the contract there finds the same end again: the end is exact.
#[derive(Debug, Clone)]
pub struct Termination {
    probability: f64,
    notice_days: u32,
    earliest: Option<u32>,
}

impl Termination {
    pub fn new(contract: &super::Contract) -> Termination {
        Termination {
            probability: contract.termination_after_claim,
            notice_days: contract.termination_notice_days,
            earliest: None,
        }
    }

    /// A claim declared on horizon day `day` whose decision draw is `u`.
    fn claim(&mut self, day: u64, u: f64) {
        if u < self.probability {
            let end = u32::try_from(day + self.notice_days as u64).unwrap_or(u32::MAX);
            self.earliest = Some(self.earliest.map_or(end, |e| e.min(end)));
        }
    }

    /// The day the contract ends by the insurer's termination, if a claim triggered one.
    pub fn earliest(&self) -> Option<u32> {
        self.earliest
    }
}

impl PathRisk {
    /// A path with factor `z` and nothing else.
    pub fn of_factor(z: f64) -> PathRisk {
        PathRisk {
            z,
            z_sector: 0.0,
            indemnity: 1.0,
            unrest: None,
            contract_end: None,
        }
    }
}

/// One card of a path's population: eligible or not (its holder and the card itself), whose
/// holder it is, and what is left of its ceiling.
#[derive(Debug, Clone, Copy)]
struct Card {
    eligible: bool,
    person: u32,
    remaining: Cents,
}

/// The buyers of one company's shops on one path, shared by those shops: persons, each with
/// one or more cards. A plan is paid by one card; the ceiling binds cumulatively per card and
/// per person, across every shop of the company.
#[derive(Debug, Clone)]
pub struct Population {
    cards: Vec<Card>,
    /// What is left of each person's ceiling.
    persons: Vec<Cents>,
    /// Cards picked in proportion to their holder's repeat rate (shared among the holder's
    /// cards); `None`: uniformly.
    alias: Option<WeightedAliasIndex<f64>>,
}

impl Population {
    /// Draws a population of `size` cards for `product` from `rng`: per person, the first
    /// card's network and type, age, residence and repeat-rate weight (in that order: a
    /// population of one card per person draws what a population of customers did), then,
    /// where persons hold more cards, their number and each further card's network and type.
    pub fn draw<R: Rng>(product: &BnplNonPayment, size: usize, rng: &mut R) -> Population {
        let c = &product.customers;
        let gamma = if c.purchases_cv > 0.0 {
            let shape = 1.0 / (c.purchases_cv * c.purchases_cv);
            Gamma::new(shape, 1.0 / shape).ok()
        } else {
            None
        };
        // No ceiling: more than any claim can reach (kept below `Cents::OVERFLOW`).
        let full = product.ceiling.unwrap_or(Cents(i64::MAX / 2));
        let extra_cards = c.cards_per_person - 1.0;
        let mut cards = Vec::with_capacity(size);
        let mut persons = Vec::new();
        let mut weights = Vec::with_capacity(if gamma.is_some() { size } else { 0 });
        while cards.len() < size {
            let person = persons.len() as u32;
            persons.push(full);
            let first = rng.next_u64();
            let adult = uniform(rng) < c.adult_share;
            let french_resident = uniform(rng) < c.french_resident_share;
            let weight = gamma.as_ref().map(|g| g.sample(rng));
            let n = if extra_cards > 0.0 {
                1 + poisson(extra_cards, rng) as usize
            } else {
                1
            };
            for k in 0..n.min(size - cards.len()) {
                let bits = if k == 0 { first } else { rng.next_u64() };
                let buyer = Buyer {
                    network: c.networks.pick((bits >> 32) as u32),
                    card: c.card_types.pick(bits as u32),
                    adult,
                    french_resident,
                };
                if let Some(w) = weight {
                    weights.push(w / n as f64);
                }
                cards.push(Card {
                    eligible: product.buyer_exclusion(&buyer).is_none(),
                    person,
                    remaining: full,
                });
            }
        }
        // All-zero or non-finite weights (a very large CV underflows): equal weights instead.
        let alias = gamma.and_then(|_| WeightedAliasIndex::new(weights).ok());
        Population {
            cards,
            persons,
            alias,
        }
    }

    /// Cards in the population.
    pub fn cards(&self) -> usize {
        self.cards.len()
    }

    /// Persons in the population.
    pub fn persons(&self) -> usize {
        self.persons.len()
    }
}

impl ShopBook {
    /// `shape` is the calendar's daily shape over the horizon (1 = an average day).
    pub fn new(product: &BnplNonPayment, shop: &Shop, shape: &[f64], horizon: Horizon) -> ShopBook {
        let daily_mean: Vec<f64> = shape
            .iter()
            .map(|s| shop.orders_per_day * s * product.take_up)
            .collect();
        let month = horizon.dates().map(|d| d.month0() as u8).collect();
        let mut book = ShopBook {
            product: product.clone(),
            basket: shop.basket,
            categories: shop.categories.clone(),
            site_excluded: product.excluded_sites[shop.site.index()],
            daily_mean,
            month,
            population: 1,
            horizon_days: horizon.days,
        };
        // Expected plans per year (eligible or not) over purchases per customer per year.
        let fits = book.plan_probabilities().iter().sum::<f64>();
        let per_year = book.daily_mean.iter().sum::<f64>() * fits * 365.0 / horizon.days as f64;
        let n = (per_year / product.customers.purchases_per_year).round();
        book.population = n.clamp(1.0, super::MAX_CUSTOMERS_PER_SHOP) as usize;
        book
    }

    pub fn product(&self) -> &BnplNonPayment {
        &self.product
    }
    pub fn basket(&self) -> &Basket {
        &self.basket
    }
    pub fn categories(&self) -> &Mix<Category> {
        &self.categories
    }
    pub fn site_excluded(&self) -> bool {
        self.site_excluded
    }
    /// Customers (person and card) in the shop's population.
    pub fn population(&self) -> usize {
        self.population
    }

    /// The plans whose range contains `basket`, chosen by the 32-bit uniform `x` in proportion
    /// to their shares; `None` when no plan's range contains the basket.
    #[inline]
    fn choose_plan(&self, basket: Cents, x: u32) -> Option<usize> {
        let plans = &self.product.plans;
        let total: f64 = plans
            .iter()
            .filter(|p| p.contains(basket))
            .map(|p| p.share)
            .sum();
        if !(total > 0.0) {
            return None;
        }
        let target = (x as f64 + 0.5) / 4_294_967_296.0 * total;
        let mut acc = 0.0;
        let mut last = None;
        for (i, p) in plans.iter().enumerate() {
            if p.contains(basket) && p.share > 0.0 {
                acc += p.share;
                last = Some(i);
                if target < acc {
                    return Some(i);
                }
            }
        }
        last
    }

    /// Per plan, the probability that an instalment order's basket is granted that plan
    /// (shares renormalised among the plans whose range contains the basket).
    pub fn plan_probabilities(&self) -> Vec<f64> {
        self.plan_moments().iter().map(|m| m.0).collect()
    }

    /// Per plan, (P(granted this plan), E[basket × 1{granted this plan}]) in EUR. The basket
    /// axis is cut at every range end; within a cut the set of plans is fixed, so the law of
    /// the (capped lognormal) basket gives each piece exactly, and the atom at the cap goes to
    /// the plans containing the cap.
    pub fn plan_moments(&self) -> Vec<(f64, f64)> {
        let plans = &self.product.plans;
        let cap = self.basket.cap_eur();
        let dist = self.basket.dist();
        let mut cuts: Vec<f64> = vec![0.0, cap];
        for p in plans {
            cuts.push(p.min_basket.to_eur().min(cap));
            cuts.push(p.max_basket.to_eur().min(cap));
        }
        cuts.sort_by(f64::total_cmp);
        cuts.dedup();
        let weights = |eur: f64| -> Vec<f64> {
            let c = Cents::from_eur(eur);
            let total: f64 = plans
                .iter()
                .filter(|p| p.contains(c))
                .map(|p| p.share)
                .sum();
            plans
                .iter()
                .map(|p| {
                    if total > 0.0 && p.contains(c) {
                        p.share / total
                    } else {
                        0.0
                    }
                })
                .collect()
        };
        let mut out = vec![(0.0, 0.0); plans.len()];
        for w in cuts.windows(2) {
            let (a, b) = (w[0], w[1]);
            let prob = dist.cdf(b) - dist.cdf(a);
            let mean = dist.partial_mean_below(b) - dist.partial_mean_below(a);
            for (o, s) in out.iter_mut().zip(weights(0.5 * (a + b))) {
                o.0 += s * prob;
                o.1 += s * mean;
            }
        }
        let atom = dist.tail(cap);
        for (o, s) in out.iter_mut().zip(weights(cap)) {
            o.0 += s * atom;
            o.1 += s * atom * cap;
        }
        out
    }

    /// Simulates every day of the horizon for one path. `risk` holds the path's factors and
    /// contract events; `people` the path's population of the shop's company. Orders whose basket fits no plan
    /// are added to `product` (`ineligible`); everything else to the plan type's slot of
    /// `segments` (the product's segments, in plan order).
    pub fn simulate<R: Rng>(
        &self,
        volume: f64,
        s: Streams<'_, R>,
        path: PathRisk,
        people: &mut Population,
        product: &mut ProductTotals,
        segments: &mut [ProductTotals],
    ) {
        let Streams {
            counts,
            orders,
            claims,
            lags,
            decisions,
            mut termination,
        } = s;
        let p = &self.product;
        // Hazard, fraud and P(some instalment missed | no fraud) of each plan type for plans
        // written in each month, on this path. The last is the loop's own running product, so
        // `v` at or above it is exactly "the loop finds no miss": most plans skip the loop.
        let risk: Vec<[(f64, f64, f64); 12]> = p
            .plans
            .iter()
            .map(|plan| {
                std::array::from_fn(|m| {
                    let season = p.month_multipliers[m];
                    let hazard = super::conditional_hazard_in_sector(
                        plan.hazard * season,
                        p.asset_correlation,
                        path.z,
                        p.sector_correlation,
                        path.z_sector,
                    );
                    let mut survive = 1.0;
                    for _ in 1..plan.instalments {
                        survive *= 1.0 - hazard;
                    }
                    (hazard, (plan.fraud * season).min(1.0), 1.0 - survive)
                })
            })
            .collect();
        // The plans' rates, and from the first renewal on under a premium change.
        let renewed: Vec<crate::money::Rate> = (p.plans.iter())
            .map(|plan| match &p.contract {
                Some(c) => plan.premium_rate.times(&[c.premium_factor], p.rounding),
                None => plan.premium_rate,
            })
            .collect();
        let renewal = p.contract.map_or(u32::MAX, |c| c.term_days);
        let end = path.contract_end.unwrap_or(u32::MAX);
        let n_cards = people.cards.len();
        // The plan types' slots, then the development views (payments and recoveries by the
        // month, of 30.44 days from the horizon's start, they fall in; the last takes the rest).
        let (segments, development) = segments.split_at_mut(p.plans.len().min(segments.len()));
        let months = development.len();
        let month_of = |day: f64| ((day / (365.25 / 12.0)) as usize).min(months.max(1) - 1);
        for (d, &mean) in self.daily_mean.iter().enumerate() {
            let n = poisson(mean * volume, counts);
            let month = self.month[d] as usize;
            let voided = path
                .unrest
                .is_some_and(|(a, b)| (a..b).contains(&(d as u32)));
            for _ in 0..n {
                // Every order draws the same attributes in the same order, granted or not.
                let mix = orders.next_u64();
                let category = self.categories.pick((mix >> 32) as u32);
                let zb: f64 = orders.sample(StandardNormal);
                let who = match &people.alias {
                    Some(a) => a.sample(orders),
                    None => orders.random_range(0..n_cards),
                };
                let basket = Cents::round(self.basket.cents_at_z(zb));
                // After the contract ended the merchant is not insured: no plan is written.
                if d as u32 >= end {
                    continue;
                }
                let Some(pi) = self.choose_plan(basket, mix as u32) else {
                    product.ineligible += 1;
                    continue;
                };
                let t = &mut segments[pi];
                let card = people.cards[who];
                if !card.eligible || p.excluded_categories[category.index()] || self.site_excluded {
                    t.ineligible += 1;
                    continue;
                }
                let plan = &p.plans[pi];
                t.covered += 1;
                t.exposure += basket;
                let rate = if d as u32 >= renewal {
                    renewed[pi]
                } else {
                    plan.premium_rate
                };
                let premium = rate.apply(basket, p.rounding);
                // A contract that ends before the plan's last instalment refunds the premium
                // pro rata of the instalments due after the end, which it does not cover.
                let due_day = |k: u32| d as u64 + plan.schedule_days[k as usize] as u64;
                let beyond = (1..plan.instalments)
                    .filter(|&k| due_day(k) >= end as u64)
                    .count();
                let refund = if beyond > 0 {
                    premium.share(beyond as f64 / (plan.instalments - 1) as f64)
                } else {
                    Cents::ZERO
                };
                t.premium += premium - refund;
                t.refunds += refund;
                let (hazard, fraud, p_miss) = risk[pi][month];
                let u = uniform(claims);
                // The first unpaid instalment (0-based) and the peril, if any.
                let (first, peril) = if u < fraud {
                    (1, FRAUD)
                } else {
                    let v = (u - fraud) / (1.0 - fraud);
                    if v >= p_miss {
                        continue;
                    }
                    let mut survive = 1.0;
                    let mut missed = None;
                    for k in 1..plan.instalments {
                        survive *= 1.0 - hazard;
                        if v < 1.0 - survive {
                            missed = Some(k);
                            break;
                        }
                    }
                    match missed {
                        Some(k) => (k, MISSED),
                        None => continue,
                    }
                };
                let paid_share =
                    if peril == MISSED && uniform(claims) < p.partial_payment.probability {
                        p.partial_payment.share_at(uniform(claims))
                    } else {
                        0.0
                    };
                // Exclusions that refuse the whole claim: the event of its writing period, or
                // the merchant's fault and unlawful goods (drawn only where the wording has
                // them, so that other scenarios draw what they did).
                let refused =
                    voided || (p.refused_share > 0.0 && uniform(claims) < p.refused_share);
                if let Some(watch) = termination.as_deref_mut() {
                    let u = uniform(decisions);
                    let declared = due_day(first) + p.claim_lag_days as u64;
                    if !refused
                        && due_day(first) < end as u64
                        && declared < self.horizon_days as u64
                    {
                        watch.claim(declared, u);
                    }
                }
                let (mut paid_any, mut refused_any) = (false, false);
                for k in first..plan.instalments {
                    let due = basket.instalment(plan.instalments, k);
                    let unpaid = if k == first {
                        due - due.share(paid_share)
                    } else {
                        due
                    };
                    if due_day(k) >= end as u64 {
                        // After the contract ended: not covered.
                        t.retained += unpaid;
                        continue;
                    }
                    if refused {
                        t.retained += unpaid;
                        refused_any = true;
                        continue;
                    }
                    // The ceiling binds per card and per person, across the company's shops.
                    let person = &mut people.persons[card.person as usize];
                    let card = &mut people.cards[who].remaining;
                    let capped = unpaid.min(*card).min(*person);
                    *card = *card - capped;
                    *person = *person - capped;
                    // A misdeclared contract's indemnity is cut by the premium ratio.
                    let pay = if path.indemnity < 1.0 {
                        capped.share(path.indemnity)
                    } else {
                        capped
                    };
                    t.retained += unpaid - pay;
                    if pay > Cents::ZERO {
                        paid_any = true;
                        t.perils[peril].amount += pay;
                        // Subrogation recovers its share, net of what collecting it costs.
                        let recovered = pay.share(p.recovery_rate);
                        let recovered = recovered - recovered.share(p.recovery_cost_share);
                        t.recoveries += recovered;
                        let pay_day = d as u64
                            + plan.schedule_days[k as usize] as u64
                            + p.claim_lag_days as u64;
                        if pay_day >= self.horizon_days as u64 {
                            t.outstanding += pay;
                        }
                        if months > 0 {
                            // Drawn only with development views: other runs draw what they did.
                            let lag = p.recovery_lag.map_or(0.0, |l| {
                                let z: f64 = lags.sample(StandardNormal);
                                l.at_z(z)
                            });
                            let paid = &mut development[month_of(pay_day as f64)];
                            paid.perils[peril].amount += pay;
                            paid.perils[peril].count += 1;
                            development[month_of(pay_day as f64 + lag)].recoveries += recovered;
                        }
                    }
                }
                t.perils[peril].count += paid_any as u64;
                t.rejected += refused_any as u64;
            }
        }
    }
}

//! Closed-form expectations of one shop's book: covered orders, sum insured, premium, and claims
//! per peril, for `check` and for the tests that hold the simulation to them.
//!
//! They follow from independence of category, channel, basket and destination, the lognormal
//! partial means of the capped basket, and exponential reporting lags. A late parcel is lost
//! when its transit passes the loss threshold (a share `S(loss)/S(delay)` of late parcels, `S`
//! the delivery law's survival function), and the delay payout is `min(payout, basket)`, not
//! paid when the damage has paid the basket. The one integral without
//! a closed form (damage reported within 15 days of a lognormal delivery and within 90 days of
//! the order) is computed by a midpoint rule on 4,000 quantiles of the delivery time. Premium
//! rounding to the cent is ignored (it is unbiased to well under a cent per order). The path
//! volume multiplier has mean 1, so it does not change expectations.

use super::simulate::ShopBook;
use super::{DAMAGE, DELAY, LOSS, PERILS};
use crate::catalogue::Category;
use std::ops::AddAssign;

/// Expected values over one horizon for one book (or a sum of books).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Expected {
    pub covered: f64,
    pub ineligible: f64,
    pub exposure_eur: f64,
    pub premium_eur: f64,
    /// Paid claim counts by peril (order of [`PERILS`]).
    pub claim_counts: [f64; 3],
    /// Paid claim amounts in EUR by peril.
    pub claims_eur: [f64; 3],
}

impl AddAssign for Expected {
    fn add_assign(&mut self, o: Expected) {
        self.covered += o.covered;
        self.ineligible += o.ineligible;
        self.exposure_eur += o.exposure_eur;
        self.premium_eur += o.premium_eur;
        for i in 0..PERILS.len() {
            self.claim_counts[i] += o.claim_counts[i];
            self.claims_eur[i] += o.claims_eur[i];
        }
    }
}

/// P(Exponential(mean) ≤ x).
fn lag_within(x: f64, mean: f64) -> f64 {
    if x <= 0.0 {
        0.0
    } else {
        1.0 - (-x / mean).exp()
    }
}

/// Midpoint rule of `g` over the quantiles given by `sample(u)`, u in (0, 1).
fn average(sample: impl Fn(f64) -> f64, g: impl Fn(f64) -> f64) -> f64 {
    const K: usize = 4000;
    (0..K)
        .map(|k| g(sample((k as f64 + 0.5) / K as f64)))
        .sum::<f64>()
        / K as f64
}

impl Expected {
    /// The expectations of one shop's book.
    pub fn of(book: &ShopBook) -> Expected {
        let p = book.product();
        let basket = book.basket();
        let flat_below = p.tariff.flat_below.to_eur();
        let flat_fee = p.tariff.flat_fee.to_eur();

        // Per order that took the cover up: eligibility, insured value and premium.
        let p_channel = offered_share(book);
        let payout = p.delay.payout.to_eur();
        let (mut p_elig, mut value, mut premium, mut delay_value) = (0.0, 0.0, 0.0, 0.0);
        // By category and item count (the value cap applies per piece: an order of n items
        // sharing the basket is covered up to n times the cap).
        let items = book.items_per_order();
        for (cat, share) in book.categories().iter() {
            if p.excluded[cat.index()] {
                continue;
            }
            for (n, &w) in items.iter().enumerate().filter(|(_, w)| **w > 0.0) {
                let share = share * w;
                let cap = p.value_cap_cents[cat.index()] / 100.0 * (n + 1) as f64;
                let (pe, me) = basket.moment_between(0.0, cap);
                let (p_flat, _) = basket.moment_between(0.0, flat_below.min(cap));
                let rated = rated_premium(book, cat.group(), cap);
                // The delay payout, at most the basket: E[min(payout, B); B <= cap].
                let (_, m_small) = basket.moment_between(0.0, payout.min(cap));
                let (p_big, _) = basket.moment_between(payout.min(cap), cap);
                p_elig += share * pe;
                value += share * me;
                premium += share * (flat_fee * p_flat + rated);
                delay_value += share * (m_small + payout * p_big);
            }
        }
        let (p_elig, value, premium, delay_value) = (
            p_elig * p_channel,
            value * p_channel,
            premium * p_channel,
            delay_value * p_channel,
        );

        let w = p.report_within_days();
        let h = book.handling_days();
        let abroad = book.international_share();
        let dest_share = [1.0 - abroad, abroad];
        let loss_ok = [0, 1].map(|i| {
            p.loss.claim_propensity
                * lag_within(w - h - p.loss.after_days[i], p.loss.report_lag_mean_days)
        });
        let delay_ok = [0, 1].map(|i| {
            p.delay.claim_propensity
                * lag_within(w - h - p.delay.after_days[i], p.delay.report_lag_mean_days)
        });
        // Late parcels past the loss threshold are lost: their share among late parcels.
        let overdue = [0, 1].map(|i| overdue(book, i));
        // Damage: reported within the window after delivery and within w days of the order;
        // late parcels delivered between the delay and loss thresholds ("tail"), on-time
        // parcels ("body").
        let damage_ok = [0, 1].map(|i| {
            let t = book.delivery()[i];
            let threshold = p.delay.after_days[i];
            let g = |transit: f64| {
                lag_within(
                    p.damage.report_window_days.min(w - h - transit),
                    p.damage.report_lag_mean_days,
                )
            };
            let tail = if overdue[i] < 1.0 {
                average(|u| t.sample_beyond(threshold, u * (1.0 - overdue[i])), g)
            } else {
                0.0
            };
            let body = average(|u| t.sample_within(threshold, u), g);
            (tail, body)
        });

        let mut e = Expected::default();
        for (d, day) in book.days.iter().enumerate() {
            let n = day.covered_mean;
            e.covered += n * p_elig;
            e.ineligible += n * (1.0 - p_elig);
            e.exposure_eur += n * value;
            e.premium_eur += n * premium;
            // The day's risks, and under a carrier's disruption its disrupted risks, each
            // weighted by its probability.
            for (weight, risks) in regimes(book, d) {
                for i in 0..2 {
                    let r = &risks[i];
                    let n = n * dest_share[i] * weight;
                    let delivered = 1.0 - r.p_loss;
                    let late = delivered * r.p_late;
                    let lost = n * (r.p_loss + late * overdue[i]) * loss_ok[i];
                    let (tail, body) = damage_ok[i];
                    let late_delivered = late * (1.0 - overdue[i]);
                    let damage_paid = p.damage.claim_propensity * r.p_damage;
                    let damaged = n
                        * damage_paid
                        * (late_delivered * tail + delivered * (1.0 - r.p_late) * body);
                    // A delay claim is paid unless the damage already paid the basket.
                    let delayed = n * late_delivered * delay_ok[i] * (1.0 - damage_paid * tail);
                    e.claim_counts[LOSS] += lost * p_elig;
                    e.claims_eur[LOSS] += lost * value;
                    e.claim_counts[DELAY] += delayed * p_elig;
                    e.claims_eur[DELAY] += delayed * delay_value;
                    e.claim_counts[DAMAGE] += damaged * p_elig;
                    e.claims_eur[DAMAGE] += damaged * value;
                }
            }
        }
        e
    }

    /// All expected claims in EUR.
    pub fn claims_total_eur(&self) -> f64 {
        self.claims_eur.iter().sum()
    }

    /// Expected claims over expected premium: the portfolio loss ratio.
    pub fn loss_ratio(&self) -> f64 {
        self.claims_total_eur() / self.premium_eur
    }
}

/// The share of late parcels shipped to `dest` whose transit passes the loss threshold, and
/// which are therefore lost: `S(loss)/S(delay)` of the delivery law (1 when the loss threshold
/// is not above the delay threshold).
fn overdue(book: &ShopBook, dest: usize) -> f64 {
    let p = book.product();
    let t = book.delivery()[dest];
    let (d, l) = (p.delay.after_days[dest], p.loss.after_days[dest]);
    if l <= d {
        1.0
    } else if t.tail(d) > 0.0 {
        (t.tail(l) / t.tail(d)).min(1.0)
    } else {
        0.0
    }
}

/// What happens to a covered parcel ordered on horizon day `d` and shipped to `dest`, as the
/// marks it leaves on its order for the shop's other covers: the probabilities that it is
/// lost (vanished, or late past the loss threshold, damaged or not), damaged only, late only,
/// and damaged and late. Claims paid or not, since a buyer disputes what went wrong.
pub fn event_probabilities(book: &ShopBook, d: usize, dest: usize) -> [f64; 4] {
    let over = overdue(book, dest);
    let mut out = [0.0; 4];
    for (weight, risks) in regimes(book, d) {
        let r = &risks[dest];
        let delivered = 1.0 - r.p_loss;
        let late = r.p_late * (1.0 - over);
        let p = [
            r.p_loss + delivered * r.p_late * over,
            delivered * r.p_damage * (1.0 - r.p_late),
            delivered * (1.0 - r.p_damage) * late,
            delivered * r.p_damage * late,
        ];
        for (o, x) in out.iter_mut().zip(p) {
            *o += weight * x;
        }
    }
    out
}

/// The risk regimes of day `d` with their probabilities: the day's own risks, and where the
/// shop's carrier has disruptions its disrupted risks (see [`crate::carrier`]).
fn regimes(book: &ShopBook, d: usize) -> impl Iterator<Item = (f64, &[super::simulate::Risk; 2])> {
    let day = &book.days[d];
    let (q, disrupted) = match &book.disrupted {
        Some(x) => (x.probability[d], &x.days[d].risk),
        None => (0.0, &day.risk),
    };
    [(1.0 - q, &day.risk), (q, disrupted)]
        .into_iter()
        .filter(|(w, _)| *w > 0.0)
}

/// The probability that an order of `category` is eligible for the cover (its channel offers
/// it, the category is not excluded, each piece is under the category's cap) and its basket,
/// in EUR, is at least `from_eur`.
pub fn eligible_from(book: &ShopBook, category: Category, from_eur: f64) -> f64 {
    let p = book.product();
    if p.excluded[category.index()] {
        return 0.0;
    }
    let channels = offered_share(book);
    let cap = p.value_cap_cents[category.index()] / 100.0;
    let by_items: f64 = (book.items_per_order().iter().enumerate())
        .map(|(n, w)| w * book.basket().prob_between(from_eur, cap * (n + 1) as f64))
        .sum();
    channels * by_items
}

/// The share of the shop's orders placed on a channel that offers the cover.
fn offered_share(book: &ShopBook) -> f64 {
    let p = book.product();
    (book.channels().iter())
        .filter(|(c, _)| p.offered[c.index()])
        .map(|(_, w)| w)
        .sum()
}

/// E[rate × B; flat threshold ≤ B ≤ cap] of a rated basket of category group `group`: the
/// class rate alone, or with a rating table the sum over value bands and destinations of the
/// effective rate times the basket's partial mean in the band.
fn rated_premium(book: &ShopBook, group: usize, cap: f64) -> f64 {
    let p = book.product();
    let flat_below = p.tariff.flat_below.to_eur();
    let basket = book.basket();
    let Some(f) = &p.tariff.factors else {
        return book.rate().as_f64() * basket.moment_between(flat_below, cap).1;
    };
    let abroad = book.international_share();
    let mut edges = vec![flat_below];
    edges.extend(f.bands.iter().map(|(from, _)| from.to_eur()));
    edges.push(f64::INFINITY);
    let mut total = 0.0;
    for (b, w) in edges.windows(2).enumerate() {
        let (_, m) = basket.moment_between(w[0], w[1].min(cap));
        for (d, share) in [(0, 1.0 - abroad), (1, abroad)] {
            let r = f.effective(book.rate(), d, group, b, p.tariff.rounding);
            total += share * r.as_f64() * m;
        }
    }
    total
}

//! Closed-form expectations of one shop's legal-protection book, per way of sale: buyers of the
//! cover, premium, disputes, mediation and court costs (the court cost is a capped lognormal:
//! `E[min(X, C)] = E[X; X ≤ C] + C·P(X > C)`). They follow from independence of category,
//! basket, second-hand status and dispute; premium is exact, amounts ignore the rounding of a
//! sampled cost to the cent (unbiased to well under a cent per case).

use super::simulate::LegalBook;
use super::{COURT, MEDIATION, SALES};
use crate::catalogue::Category;
use std::ops::AddAssign;

/// Expected values over one horizon for one way of sale of one book (or a sum of them).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Expected {
    pub covered: f64,
    pub ineligible: f64,
    pub exposure_eur: f64,
    pub premium_eur: f64,
    /// Case counts by peril (mediation, court).
    pub claim_counts: [f64; 2],
    /// Insurer's costs in EUR by peril.
    pub claims_eur: [f64; 2],
    /// Court costs above the ceiling, borne by the buyer.
    pub retained_eur: f64,
    /// Cases settled in mediation within its limit, and cases abandoned after it.
    pub settled: f64,
    pub abandoned: f64,
    /// Days of mediation, summed over cases.
    pub mediation_days: f64,
}

impl AddAssign for Expected {
    fn add_assign(&mut self, o: Expected) {
        self.covered += o.covered;
        self.ineligible += o.ineligible;
        self.exposure_eur += o.exposure_eur;
        self.premium_eur += o.premium_eur;
        for i in 0..2 {
            self.claim_counts[i] += o.claim_counts[i];
            self.claims_eur[i] += o.claims_eur[i];
        }
        self.retained_eur += o.retained_eur;
        self.settled += o.settled;
        self.abandoned += o.abandoned;
        self.mediation_days += o.mediation_days;
    }
}

impl Expected {
    /// The expectations of one book's sales of kind `sale` (an index into [`SALES`]), with no
    /// other cover linked to its disputes.
    pub fn of(book: &LegalBook, sale: usize) -> Expected {
        Expected::of_linked(book, sale, None, None)
    }

    /// The expectations of one book's sales of kind `sale`, with its disputes raised by what
    /// happened to the same orders under the shop's other covers (`dispute.after`):
    /// `excess(k, d, category)` is `E[(m_k − 1) · 1{B ≥ L}]` for an order of `category` placed
    /// on horizon day `d`, `m_k` the order's multiplier of motive `k`'s disputes and `B ≥ L`
    /// the basket reaching the cover's threshold (shipping included). With `motive`, only the
    /// disputes of that motive (an index into the product's motives) and no orders or premium,
    /// as the motive's view holds them; else every motive's and the orders.
    pub fn of_linked(
        book: &LegalBook,
        sale: usize,
        excess: Option<&dyn Fn(usize, usize, Category) -> f64>,
        motive: Option<usize>,
    ) -> Expected {
        assert!(sale < SALES.len());
        let p = book.product();
        let share = if sale == super::CHECKOUT {
            book.checkout_share()
        } else {
            1.0 - book.checkout_share()
        };
        let buyers: f64 = book.daily_mean.iter().sum::<f64>() * share;
        let seasonal_buyers: f64 = book
            .daily_mean
            .iter()
            .zip(&book.season)
            .map(|(m, s)| m * s)
            .sum::<f64>()
            * share;
        let fee = book.shipping_fee().to_eur();
        let (p_big, m_big) = book
            .basket()
            .moment_between((p.min_basket.to_eur() - fee).max(0.0), f64::INFINITY);
        // Goods covered: new ones, and second-hand ones under the extension, whose disputes
        // are weighted by its multiplier.
        let used = book.used_share();
        let (goods, goods_disputes) = match p.second_hand {
            Some(m) => (1.0, 1.0 - used + used * m),
            None => (1.0 - used, 1.0 - used),
        };
        // A merchant established abroad: covered only under the foreign sites extension, at
        // its dispute rate.
        let (goods, goods_disputes) = match book.site() {
            Some(m) => (goods, goods_disputes * m),
            None => (0.0, 0.0),
        };
        let (mut p_cat, mut dispute_cat) = (0.0, 0.0);
        for (c, w) in book.categories().iter() {
            if !p.excluded[c.index()] {
                p_cat += w;
                dispute_cat += w * p.dispute.category_multipliers[c.index()];
            }
        }
        let eligible = goods * p_cat * p_big;
        let covered = buyers * eligible;
        let mut e = match motive {
            Some(_) => Expected::default(),
            None => Expected {
                covered,
                ineligible: buyers - covered,
                exposure_eur: buyers * goods * p_cat * (m_big + fee * p_big),
                premium_eur: covered * p.sales[sale].price.to_eur(),
                ..Expected::default()
            },
        };
        for (k, mo) in p.motives.iter().enumerate() {
            if motive.is_some_and(|want| want != k) || mo.share == 0.0 {
                continue;
            }
            // The disputes motive k's links add: by day and category, over that day's orders.
            let linked = excess.map_or(0.0, |excess| {
                let by_day = |d: usize| -> f64 {
                    book.categories()
                        .iter()
                        .filter(|(c, _)| !p.excluded[c.index()])
                        .map(|(c, w)| {
                            w * p.dispute.category_multipliers[c.index()] * excess(k, d, c)
                        })
                        .sum()
                };
                (book.daily_mean.iter().zip(&book.season).enumerate())
                    .map(|(d, (m, s))| m * s * by_day(d))
                    .sum::<f64>()
                    * share
            });
            let disputes = (seasonal_buyers * p_big * dispute_cat + linked)
                * goods_disputes
                * p.dispute.probability
                * p.sales[sale].dispute_multiplier
                * mo.share;
            // Settled: the parties agree within the contract's limit (the talks' duration and
            // the agreement are independent); the others go to court or are abandoned.
            let m = &p.mediation;
            let settled = disputes * mo.success_probability * m.duration.cdf(m.limit_days);
            let courts = (disputes - settled) * mo.court_probability;
            let cost = p.court.cost;
            let capped = cost.limited_mean(p.court.ceiling.to_eur());
            e.retained_eur += courts * (cost.mean() - capped);
            e.settled += settled;
            e.abandoned += disputes - settled - courts;
            e.mediation_days += disputes * m.duration.limited_mean(m.limit_days);
            e.claim_counts[MEDIATION] += disputes;
            e.claims_eur[MEDIATION] += disputes * m.handling_cost.to_eur();
            e.claim_counts[COURT] += courts;
            e.claims_eur[COURT] += courts * capped;
        }
        e
    }

    pub fn claims_total_eur(&self) -> f64 {
        self.claims_eur.iter().sum()
    }

    pub fn loss_ratio(&self) -> f64 {
        self.claims_total_eur() / self.premium_eur
    }
}

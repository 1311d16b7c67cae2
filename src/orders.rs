//! The order stream of a shop: each order drawn once, seen by every cover the shop sells.
//!
//! A shop's buyers place orders; some buy one or more of the covers the shop offers (parcel
//! protection, legal protection, a trust-mark guarantee). Every cover applies its rules to the
//! same orders, so the parcel that is lost is the one its buyer disputes, and the guarantee
//! covers the orders parcel protection covers.
//!
//! Only orders that buy at least one cover matter to any cover, so the stream draws those
//! alone: on day `d` their number is Poisson with mean `λ(d) × volume × P(any)`, where `P(any)
//! = 1 − Π (1 − t_c)` over the covers `c` on sale that day with take-ups `t_c` (averaged over
//! the two payments when take-ups depend on it; a thinning of the shop's Poisson orders, so
//! exact). Each such order then draws, from the shop's `orders`
//! stream and always in this order:
//!
//! 1. one `u64`: the category (upper 32 bits) and the sales channel (lower 32 bits);
//! 2. the basket's standard normal;
//! 3. the destination, if the shop ships both ways;
//! 4. whether the goods are second-hand, if the shop sells both; then its item count, if the
//!    shop's orders can hold different numbers of items (`items_per_order`);
//! 5. whether it is paid in instalments (a split plan), if the shop has such payments
//!    (`payment.split_share`), against P(split | it buys a cover);
//! 6. which covers it bought: cover by cover, one uniform against `P(c | no earlier cover)`
//!    while none is bought yet, then against `t_c` (take-ups independent given the payment,
//!    conditioned on at least one); no draw where that probability is 0 or 1, so a shop with
//!    one cover draws nothing;
//! 7. for a bought cover sold two ways (legal protection at checkout or direct), the way;
//! 8. for each bought cover that decides its claims from one uniform, that uniform.
//!
//! Take-ups can depend on the payment: a cover's take-up among split-plan payers is `m·t`
//! (`payment.split_take_up_multipliers`) and among the others what keeps `t` over all orders,
//! so each cover keeps its take-up while buyers who pay in instalments buy it more (or less)
//! often, and covers bought together are correlated through the payment.
//!
//! With one cover the stream is exactly that cover's own: the Poisson count of its buyers and
//! per order the attributes and the cover's uniform. Claim details come from each cover's own
//! claims stream, so they never shift the orders.
//!
//! A guarantee frame also needs the orders of the days before the horizon (a guarantee lives
//! 30 days): the stream starts at the earliest first day of its covers, and on a day before the
//! horizon only the covers on sale that day (the frame) take part in step 6.

use crate::distributions::{poisson, standard_normal, uniform};
use crate::portfolio::Shop;
use rand::Rng;

/// Orders per block: the unit in which covers see the stream (each cover runs its loop over a
/// whole block, stage by stage, so no dispatch happens per order).
pub const BLOCK: usize = 64;

/// Most covers one shop can sell on its order stream.
pub const MAX_COVERS: usize = 8;

/// 2^64 as f64: scales a share to a threshold on a uniform `u64`.
const TWO_64: f64 = 18_446_744_073_709_551_616.0;
/// 2^32 as f64: scales a share to a threshold on 32 bits.
const TWO_32: f64 = 4_294_967_296.0;

/// How buyers take one cover up, as the stream needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoverDemand {
    /// Share of the shop's orders that buy the cover each way it is sold (one way for most
    /// covers; legal protection is sold at checkout or directly). The shares add up to the
    /// cover's take-up, at most 1.
    pub ways: [f64; 2],
    /// The first day (horizon index, negative before the horizon) whose orders the cover needs.
    pub first_day: i64,
    /// Whether the cover decides its claims from one uniform per order it covers (step 8).
    pub uniform: bool,
    /// The cover's take-up among orders paid in instalments, relative to its take-up (the
    /// shop's `payment.split_take_up_multipliers`; 1: independent of the payment).
    pub split_multiplier: f64,
}

impl CoverDemand {
    /// A cover sold one way with take-up `take_up`, from the horizon's first day.
    pub fn one_way(take_up: f64, uniform: bool) -> CoverDemand {
        CoverDemand {
            ways: [take_up, 0.0],
            first_day: 0,
            uniform,
            split_multiplier: 1.0,
        }
    }

    fn take_up(&self) -> f64 {
        (self.ways[0] + self.ways[1]).clamp(0.0, 1.0)
    }

    /// The cover's take-up among orders paid at once (`split = false`) or in instalments,
    /// where a share `split_share` of orders is paid in instalments: `m·t` among them and what
    /// keeps the take-up `t` over all orders among the others (validation keeps both in
    /// [0, 1]).
    pub fn take_up_by_payment(&self, split_share: f64, split: bool) -> f64 {
        let t = self.take_up();
        if split_share <= 0.0 || split_share >= 1.0 || self.split_multiplier == 1.0 {
            return t;
        }
        let by_split = (self.split_multiplier * t).min(1.0);
        if split {
            by_split
        } else {
            ((t - split_share * by_split) / (1.0 - split_share)).clamp(0.0, 1.0)
        }
    }
}

/// Steps 6 and 7 for one set of covers on sale and one payment.
#[derive(Debug, Clone, PartialEq)]
struct Pattern {
    /// P(an order buys at least one cover on sale).
    any: f64,
    /// Per cover: P(it is bought | no earlier cover is), or 0 when not on sale.
    first: [f64; MAX_COVERS],
    /// Per cover: its take-up (P(bought | an earlier cover is)), 0 when not on sale.
    then: [f64; MAX_COVERS],
    /// Per cover sold two ways with both shares positive: the first way's share of its buyers
    /// as a threshold on 32 bits; `None` when one way takes all.
    first_way: [Option<u64>; MAX_COVERS],
    /// Way (0 or 1) of a cover when it is not drawn.
    way: [u8; MAX_COVERS],
}

impl Pattern {
    /// The pattern of `covers` with take-ups `take_up(c)` (0 where not on sale).
    fn new(covers: &[CoverDemand], take_up: impl Fn(usize) -> f64) -> Pattern {
        let n = covers.len();
        let t: Vec<f64> = (0..n).map(take_up).collect();
        // P(none of covers c.. is bought), from the last cover back.
        let mut none_from = vec![1.0; n + 1];
        for c in (0..n).rev() {
            none_from[c] = none_from[c + 1] * (1.0 - t[c]);
        }
        let any = 1.0 - none_from[0];
        let mut p = Pattern {
            any,
            first: [0.0; MAX_COVERS],
            then: [0.0; MAX_COVERS],
            first_way: [None; MAX_COVERS],
            way: [0; MAX_COVERS],
        };
        for c in 0..n {
            let rest = 1.0 - none_from[c];
            p.first[c] = if rest > 0.0 {
                (t[c] / rest).min(1.0)
            } else {
                0.0
            };
            p.then[c] = t[c];
            let [a, b] = covers[c].ways;
            if a > 0.0 && b > 0.0 {
                p.first_way[c] = Some(((a / (a + b)) * TWO_32) as u64);
            }
            p.way[c] = (a <= 0.0 && b > 0.0) as u8;
        }
        p
    }
}

/// Steps 5 and 6 for one set of covers on sale, by the order's payment: at once, or in
/// instalments (with a share `split_share` of the shop's orders).
#[derive(Debug, Clone, PartialEq)]
struct Paid {
    /// P(an order buys at least one cover on sale), over both payments.
    any: f64,
    /// P(paid in instalments | it buys a cover on sale); `Never` without split payments.
    split: Either,
    /// The covers' patterns among orders paid at once and in instalments.
    by_payment: [Pattern; 2],
}

impl Paid {
    fn new(covers: &[CoverDemand], split_share: f64, on_sale: impl Fn(usize) -> bool) -> Paid {
        let pattern = |split: bool| {
            Pattern::new(covers, |c| {
                if on_sale(c) {
                    covers[c].take_up_by_payment(split_share, split)
                } else {
                    0.0
                }
            })
        };
        let by_payment = [pattern(false), pattern(true)];
        let s = split_share.clamp(0.0, 1.0);
        let any = (1.0 - s) * by_payment[0].any + s * by_payment[1].any;
        let split = if s <= 0.0 {
            Either::Never
        } else if any > 0.0 {
            Either::new(s * by_payment[1].any / any)
        } else {
            Either::new(s)
        };
        Paid {
            any,
            split,
            by_payment,
        }
    }
}

/// One day of the stream.
#[derive(Debug, Clone, PartialEq)]
struct Day {
    /// Expected orders buying at least one cover, before the path's volume multiplier.
    mean: f64,
    /// Index into [`OrderStream::patterns`].
    pattern: u8,
}

/// How a two-valued attribute is drawn: a draw only when the shop has both values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Either {
    Never,
    Always,
    /// A `u64` draw below this is the second value.
    Share(u64),
}

impl Either {
    fn new(share: f64) -> Either {
        match share {
            p if p <= 0.0 => Either::Never,
            p if p >= 1.0 => Either::Always,
            p => Either::Share((p * TWO_64) as u64),
        }
    }

    /// The share the attribute was built from (to 2^-64).
    pub fn share(self) -> f64 {
        match self {
            Either::Never => 0.0,
            Either::Always => 1.0,
            Either::Share(t) => t as f64 / TWO_64,
        }
    }

    #[inline(always)]
    fn draw<R: Rng>(self, rng: &mut R) -> bool {
        match self {
            Either::Never => false,
            Either::Always => true,
            Either::Share(t) => rng.next_u64() < t,
        }
    }
}

/// A block of consecutive orders of one day, stage 1 of every cover's loop: what the stream
/// drew for each order (see the module documentation for the order of the draws).
#[derive(Debug, Clone)]
pub struct OrderBlock {
    /// Orders in the block (the first `len` entries of each array are set).
    pub len: usize,
    /// Category (upper 32 bits) and channel (lower 32 bits), as thresholds of the shop's mixes.
    pub mix: [u64; BLOCK],
    /// The basket's standard normal: the basket is `Basket::cents_at_z(z)`.
    pub z: [f64; BLOCK],
    /// Destination index (0 domestic, 1 international).
    pub dest: [usize; BLOCK],
    /// Second-hand goods.
    pub used: [bool; BLOCK],
    /// Paid in instalments (a split plan) rather than at once.
    pub split: [bool; BLOCK],
    /// Items in the order (at least 1); the basket is split equally among them.
    pub items: [f64; BLOCK],
    /// Per cover (in the stream's cover order): 0 if the order did not buy it, else 1 + the
    /// way it was sold.
    pub bought: [[u8; BLOCK]; MAX_COVERS],
    /// Per cover: its uniform for the order (step 8), where it bought the cover and the cover
    /// asks for one.
    pub u: [[f64; BLOCK]; MAX_COVERS],
}

impl Default for OrderBlock {
    fn default() -> Self {
        OrderBlock {
            len: 0,
            mix: [0; BLOCK],
            z: [0.0; BLOCK],
            dest: [0; BLOCK],
            used: [false; BLOCK],
            split: [false; BLOCK],
            items: [1.0; BLOCK],
            bought: [[0; BLOCK]; MAX_COVERS],
            u: [[0.0; BLOCK]; MAX_COVERS],
        }
    }
}

/// What happened to an order under a cover, for the covers applied after it (see
/// [`OrderMarks`]).
pub mod event {
    /// The parcel was lost (vanished, or late past the loss threshold).
    pub const LOST: u8 = 1;
    /// The parcel arrived damaged.
    pub const DAMAGED: u8 = 2;
    /// The parcel arrived late (past the delay threshold).
    pub const LATE: u8 = 4;
    /// The merchant defaulted before delivering it and the guarantee refunded the buyer.
    pub const REFUNDED: u8 = 8;
}

/// Marks the covers leave on the orders of a block while they apply to them: what happened to
/// each order (bits of [`event`]), read by the covers after them, and which covers paid a claim
/// on it (bit `c` for cover `c`), for the claims that share an order.
#[derive(Debug, Clone)]
pub struct OrderMarks {
    pub events: [u8; BLOCK],
    pub claimed: [u8; BLOCK],
}

impl Default for OrderMarks {
    fn default() -> Self {
        OrderMarks {
            events: [0; BLOCK],
            claimed: [0; BLOCK],
        }
    }
}

impl OrderMarks {
    /// The orders of the first `len` on which at least two covers paid a claim, with the
    /// covers' bits.
    pub fn shared(&self, len: usize) -> impl Iterator<Item = (usize, u8)> + '_ {
        self.claimed[..len]
            .iter()
            .enumerate()
            .filter(|(_, c)| c.count_ones() >= 2)
            .map(|(j, &c)| (j, c))
    }
}

/// The order stream of one shop: per day the expected orders buying any of its covers, and how
/// their attributes are drawn. Built once per run.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderStream {
    /// Days from `first_day` to the horizon's end.
    days: Vec<Day>,
    /// The horizon index of `days[0]` (0, or negative with a frame's warm-up).
    first_day: i64,
    /// One per set of covers on sale (the horizon's, and those of days before it).
    patterns: Vec<Paid>,
    split_share: f64,
    covers: usize,
    /// With one cover sold one way, no split payments and one item count: whether it takes a
    /// uniform. No item count, step 5, 6 or 7 then.
    single: Option<bool>,
    uniforms: [bool; MAX_COVERS],
    abroad: Either,
    used: Either,
    items: ItemCounts,
}

/// How an order's item count is drawn: a draw only when more than one count is possible.
#[derive(Debug, Clone, PartialEq)]
struct ItemCounts {
    /// Cumulative thresholds on a `u64`: a draw below `below[k]` (and not below `below[k−1]`)
    /// is an order of `k + 1` items; empty when every order holds `fixed` items.
    below: Vec<u64>,
    fixed: f64,
}

impl ItemCounts {
    fn new(shares: &[f64]) -> ItemCounts {
        let positive: Vec<usize> = (0..shares.len()).filter(|&k| shares[k] > 0.0).collect();
        if let [k] = positive[..] {
            return ItemCounts {
                below: Vec::new(),
                fixed: (k + 1) as f64,
            };
        }
        let mut cumulative = 0.0;
        let below = shares
            .iter()
            .map(|s| {
                cumulative += s;
                (cumulative.min(1.0) * TWO_64).min(u64::MAX as f64) as u64
            })
            .collect();
        ItemCounts { below, fixed: 1.0 }
    }

    /// A draw, for counts that vary (`below` not empty).
    #[inline(always)]
    fn draw<R: Rng>(&self, rng: &mut R) -> f64 {
        let u = rng.next_u64();
        // The last count takes the draws past the rounded cumulative thresholds.
        let k = self.below[..self.below.len() - 1]
            .iter()
            .filter(|&&t| u >= t)
            .count();
        (k + 1) as f64
    }
}

impl OrderStream {
    /// The stream of `shop` for `covers` (at most [`MAX_COVERS`], in the order the covers are
    /// applied). `shape(d)` is the shop's daily shape (calendar × trend) of horizon day `d`
    /// (negative before the horizon), `days` the horizon's length.
    pub fn new(
        shop: &Shop,
        covers: &[CoverDemand],
        days: u32,
        shape: impl Fn(i64) -> f64,
    ) -> OrderStream {
        assert!(
            covers.len() <= MAX_COVERS,
            "validation caps covers per shop"
        );
        let first_day = covers.iter().map(|c| c.first_day).min().unwrap_or(0).min(0);
        // One pattern per set of covers on sale: the horizon's (every cover) first, then one
        // per set seen before the horizon (the covers whose first day has come).
        let mut sets: Vec<u32> = Vec::new();
        let mut patterns = Vec::new();
        let days = (first_day..days as i64)
            .map(|d| {
                let on_sale = |c: usize| d >= 0 || covers[c].first_day <= d;
                let set = (0..covers.len())
                    .filter(|&c| on_sale(c))
                    .fold(0u32, |s, c| s | 1 << c);
                let k = sets.iter().position(|&s| s == set).unwrap_or_else(|| {
                    sets.push(set);
                    patterns.push(Paid::new(covers, shop.split_share, on_sale));
                    sets.len() - 1
                });
                Day {
                    mean: shop.orders_per_day * shape(d) * patterns[k].any,
                    pattern: k as u8,
                }
            })
            .collect();
        let mut uniforms = [false; MAX_COVERS];
        for (u, c) in uniforms.iter_mut().zip(covers) {
            *u = c.uniform;
        }
        let items = ItemCounts::new(&shop.items_per_order);
        let single = match covers {
            [c] if (c.ways[0] <= 0.0 || c.ways[1] <= 0.0)
                && shop.split_share <= 0.0
                && items.below.is_empty() =>
            {
                Some(c.uniform)
            }
            _ => None,
        };
        OrderStream {
            days,
            first_day,
            patterns,
            covers: covers.len(),
            single,
            uniforms,
            abroad: Either::new(shop.international_share),
            used: Either::new(shop.used_goods_share),
            split_share: shop.split_share,
            items,
        }
    }

    /// Share of the shop's orders paid in instalments.
    pub fn split_share(&self) -> f64 {
        self.split_share
    }

    /// On the horizon's days: the take-up of cover `c` among orders paid in instalments
    /// (`split`) or at once.
    pub fn take_up(&self, c: usize, split: bool) -> f64 {
        let horizon = self.days.last().map_or(0, |d| d.pattern as usize);
        self.patterns
            .get(horizon)
            .map_or(0.0, |p| p.by_payment[split as usize].then[c])
    }

    /// The horizon index of the stream's first day.
    pub fn first_day(&self) -> i64 {
        self.first_day
    }

    /// Days of the stream (warm-up included).
    pub fn len(&self) -> usize {
        self.days.len()
    }

    /// Whether the stream has no day.
    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }

    /// Expected orders buying at least one cover on stream day `i`, volume 1.
    pub fn mean(&self, i: usize) -> f64 {
        self.days[i].mean
    }

    /// Simulates the stream for one path: for each day `i` (0 = [`OrderStream::first_day`]),
    /// its orders in blocks, handed to `apply(i, block)` in order. `volume` is the path's
    /// volume multiplier of the shop; `last_day`, where given, the last horizon day on which
    /// the shop sells (its company's default day).
    pub fn simulate<R: Rng>(
        &self,
        volume: f64,
        last_day: Option<i64>,
        counts: &mut R,
        orders: &mut R,
        block: &mut OrderBlock,
        mut apply: impl FnMut(usize, &OrderBlock),
    ) {
        if self.items.below.is_empty() {
            block.items.fill(self.items.fixed);
        }
        let days = match last_day {
            Some(last) => (last - self.first_day + 1).clamp(0, self.days.len() as i64) as usize,
            None => self.days.len(),
        };
        for (i, day) in self.days[..days].iter().enumerate() {
            let n = poisson(day.mean * volume, counts);
            let pattern = &self.patterns[day.pattern as usize];
            let mut done = 0u64;
            while done < n {
                let m = (n - done).min(BLOCK as u64) as usize;
                done += m as u64;
                self.draw(m, pattern, orders, block);
                apply(i, block);
            }
        }
    }

    /// Stage 1: draws `m` orders into `block`.
    #[inline(always)]
    fn draw<R: Rng>(&self, m: usize, paid: &Paid, orders: &mut R, block: &mut OrderBlock) {
        block.len = m;
        let (abroad, used) = (self.abroad, self.used);
        // A fixed item count is written once per path ([`OrderStream::simulate`]).
        let items_vary = !self.items.below.is_empty();
        match self.single {
            // One cover: it is bought by every order of the stream, the way its only way.
            Some(takes_uniform) => {
                let way = 1 + paid.by_payment[0].way[0];
                for j in 0..m {
                    block.mix[j] = orders.next_u64();
                    block.z[j] = standard_normal(orders);
                    block.dest[j] = abroad.draw(orders) as usize;
                    block.used[j] = used.draw(orders);
                    block.bought[0][j] = way;
                    if takes_uniform {
                        block.u[0][j] = uniform(orders);
                    }
                }
            }
            None => {
                for j in 0..m {
                    block.mix[j] = orders.next_u64();
                    block.z[j] = standard_normal(orders);
                    block.dest[j] = abroad.draw(orders) as usize;
                    block.used[j] = used.draw(orders);
                    if items_vary {
                        block.items[j] = self.items.draw(orders);
                    }
                    let split = paid.split.draw(orders);
                    block.split[j] = split;
                    let pattern = &paid.by_payment[split as usize];
                    let mut none = true;
                    for c in 0..self.covers {
                        let p = if none {
                            pattern.first[c]
                        } else {
                            pattern.then[c]
                        };
                        let bought = if p >= 1.0 {
                            true
                        } else if p <= 0.0 {
                            false
                        } else {
                            uniform(orders) < p
                        };
                        none &= !bought;
                        block.bought[c][j] = bought as u8;
                    }
                    for c in 0..self.covers {
                        if block.bought[c][j] != 0 {
                            let way = match pattern.first_way[c] {
                                Some(first) => ((orders.next_u64() >> 32) >= first) as u8,
                                None => pattern.way[c],
                            };
                            block.bought[c][j] = 1 + way;
                        }
                    }
                    for c in 0..self.covers {
                        if self.uniforms[c] && block.bought[c][j] != 0 {
                            block.u[c][j] = uniform(orders);
                        }
                    }
                }
            }
        }
    }

    /// The floor of every cover's loop, for the benchmark: the stream's draws for one path and
    /// nothing else. Returns a checksum of the draws, so that none can be optimised away.
    pub fn draw_floor<R: Rng>(&self, volume: f64, counts: &mut R, orders: &mut R) -> u64 {
        let mut block = OrderBlock::default();
        let mut check = 0u64;
        self.simulate(volume, None, counts, orders, &mut block, |_, b| {
            for j in 0..b.len {
                check ^= b.mix[j] ^ b.z[j].to_bits() ^ b.dest[j] as u64 ^ b.u[0][j].to_bits();
            }
        });
        check
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demand(t: f64) -> CoverDemand {
        CoverDemand::one_way(t, true)
    }

    /// Each cover is bought with its take-up, independently of the others: the pattern's
    /// conditional probabilities multiply back to the joint law exactly.
    #[test]
    fn bought_covers_have_their_take_ups_and_are_independent() {
        let covers = [demand(0.3), demand(0.5), demand(0.2)];
        let p = Pattern::new(&covers, |c| covers[c].take_up());
        let any = 1.0 - 0.7 * 0.5 * 0.8;
        assert!((p.any - any).abs() < 1e-15);
        // P(bought c and the pattern) summed over the 2^3 patterns, by the stream's rule.
        let mut marginal = [0.0; 3];
        let mut total = 0.0;
        for bits in 1u32..8 {
            let mut prob = p.any;
            let mut none = true;
            for c in 0..3 {
                let q = if none { p.first[c] } else { p.then[c] };
                let b = bits >> c & 1 == 1;
                prob *= if b { q } else { 1.0 - q };
                none &= !b;
            }
            total += prob;
            for (c, m) in marginal.iter_mut().enumerate() {
                if bits >> c & 1 == 1 {
                    *m += prob;
                }
            }
            let independent: f64 = (0..3)
                .map(|c| {
                    let t = covers[c].ways[0];
                    if bits >> c & 1 == 1 { t } else { 1.0 - t }
                })
                .product();
            assert!((prob - independent).abs() < 1e-15, "{bits:03b}");
        }
        assert!((total - any).abs() < 1e-15);
        for (m, c) in marginal.iter().zip(&covers) {
            assert!((m - c.ways[0]).abs() < 1e-15);
        }
    }

    /// Take-ups that depend on the payment keep each cover's take-up over all orders, and the
    /// stream's count of orders buying a cover is the mixture of the two payments'.
    #[test]
    fn take_ups_by_payment_keep_each_covers_take_up() {
        let mut parcel = demand(0.3);
        parcel.split_multiplier = 2.5;
        let mut legal = demand(0.06);
        legal.split_multiplier = 2.0;
        let covers = [parcel, legal, demand(0.333)];
        let s = 0.3;
        for c in &covers {
            let (at_once, split) = (
                c.take_up_by_payment(s, false),
                c.take_up_by_payment(s, true),
            );
            assert!(((1.0 - s) * at_once + s * split - c.take_up()).abs() < 1e-15);
            assert_eq!(split, (c.split_multiplier * c.take_up()).min(1.0));
        }
        let paid = Paid::new(&covers, s, |_| true);
        let none = |split: bool| -> f64 {
            covers
                .iter()
                .map(|c| 1.0 - c.take_up_by_payment(s, split))
                .product()
        };
        let any = 1.0 - ((1.0 - s) * none(false) + s * none(true));
        assert!((paid.any - any).abs() < 1e-15);
        assert!((paid.split.share() - s * (1.0 - none(true)) / any).abs() < 1e-12);
        // Without split payments nothing changes: no draw, the independent pattern.
        let plain = Paid::new(&covers, 0.0, |_| true);
        assert_eq!(plain.split, Either::Never);
        assert_eq!(
            plain.by_payment[0],
            Pattern::new(&covers, |c| covers[c].take_up())
        );
    }

    #[test]
    fn a_cover_bought_by_everyone_draws_nothing() {
        let p = Pattern::new(&[demand(1.0), demand(0.4)], |c| [1.0, 0.4][c]);
        assert_eq!(
            (p.any, p.first[0], p.first[1], p.then[1]),
            (1.0, 1.0, 1.0, 0.4)
        );
        let p = Pattern::new(&[demand(0.0), demand(0.4)], |c| [0.0, 0.4][c]);
        assert_eq!((p.first[0], p.first[1]), (0.0, 1.0));
    }

    #[test]
    fn a_cover_sold_two_ways_splits_its_buyers_by_their_shares() {
        let covers = [CoverDemand {
            ways: [0.06, 0.02],
            first_day: 0,
            uniform: true,
            split_multiplier: 1.0,
        }];
        let p = Pattern::new(&covers, |c| covers[c].take_up());
        assert_eq!(p.first_way[0], Some((0.75 * TWO_32) as u64));
        let only_second = [CoverDemand {
            ways: [0.0, 0.02],
            first_day: 0,
            uniform: true,
            split_multiplier: 1.0,
        }];
        let p = Pattern::new(&only_second, |c| only_second[c].take_up());
        assert_eq!((p.first_way[0], p.way[0]), (None, 1));
    }
}

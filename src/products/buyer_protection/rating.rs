//! The parcel tariff's rating table: the rate of a rated basket is the shop's class rate times
//! a factor for the order's destination, its category group and its value band.
//!
//! The contract prices "from 1.5 % to 5 % by proprietary risk factors". A scenario writes them
//! as `tariff.factors`:
//!
//! ```toml
//! [products.tariff.factors]
//! destination = { international = "1.5" }        # domestic parcels are the reference, 1
//! category_group = { electronics = "1.2" }       # groups not written: 1
//! value_bands = [{ from_eur = "500", factor = "0.9" }]  # rated baskets from 500 EUR: × 0.9
//! rate_range = ["0.015", "0.05"]                 # the contract's range, the default
//! ```
//!
//! Each combination's effective rate (class × destination × group × band) is computed once, in
//! decimal arithmetic, and rounded to the millionth by the tariff's own rounding rule, so a
//! premium is still one integer multiplication and one rounding per order. Every effective
//! rate must lie in `rate_range` (by default the contract's 1.5–5 %), the class rates included;
//! a scenario that prices outside it says so by widening the range. Baskets under the flat
//! threshold pay the flat fee whatever their factors. Without `tariff.factors` the class rate
//! applies alone and no range is checked.

use super::raw::RawRatingFactors;
use crate::catalogue::CATEGORY_GROUPS;
use crate::input::keys::push_key;
use crate::input::validate::Validator;
use crate::money::{Cents, Factor, Rate, Rounding};
use std::collections::BTreeMap;

/// Most value bands a rating table may have.
pub const MAX_VALUE_BANDS: usize = 4;
/// Bands of a rated basket: below the first written band (factor 1), then one per band.
pub const BANDS: usize = MAX_VALUE_BANDS + 1;

/// The contract's range of effective rates, the default of `rate_range`.
pub const CONTRACT_RANGE: [&str; 2] = ["0.015", "0.05"];

/// The validated rating factors of a parcel tariff.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingFactors {
    /// Factor of international parcels (domestic: 1).
    pub international: Factor,
    /// Factor per category group, by [`crate::catalogue::Category::group`].
    pub groups: [Factor; CATEGORY_GROUPS.len()],
    /// The groups whose factor the scenario writes, ascending.
    pub written_groups: Vec<usize>,
    /// Value bands of rated baskets: from this basket up (cents), this factor; ascending.
    pub bands: Vec<(Cents, Factor)>,
    /// Smallest and largest effective rate allowed.
    pub range: (Rate, Rate),
}

impl RatingFactors {
    /// The value band of a rated basket: 0 below the first written band, else 1 + the index of
    /// the last band whose lower bound it reaches.
    pub fn band_of(&self, basket: Cents) -> usize {
        self.bands
            .iter()
            .filter(|(from, _)| basket >= *from)
            .count()
    }

    /// The factor of band `b` ([`RatingFactors::band_of`]).
    fn band_factor(&self, b: usize) -> Factor {
        b.checked_sub(1).map_or(Factor::ONE, |k| self.bands[k].1)
    }

    /// The effective rate of a rated basket of class rate `class`, destination `dest`
    /// (0 domestic, 1 international), category group `group` and value band `band`.
    pub fn effective(
        &self,
        class: Rate,
        dest: usize,
        group: usize,
        band: usize,
        rounding: Rounding,
    ) -> Rate {
        let d = if dest == 1 {
            self.international
        } else {
            Factor::ONE
        };
        class.times(&[d, self.groups[group], self.band_factor(band)], rounding)
    }

    /// Reads `tariff.factors` at `path`; `rates` are the validated class rates, checked with
    /// every combination against the range, as is `flat_below` against the bands.
    pub fn validate(
        raw: &RawRatingFactors,
        path: &str,
        rates: &BTreeMap<String, Rate>,
        flat_below: Cents,
        rounding: Rounding,
        v: &mut Validator,
    ) -> RatingFactors {
        let factor = |v: &mut Validator, p: &str, text: &str| match Factor::parse(text) {
            Ok(f) => f,
            Err(e) => {
                v.fail(
                    p,
                    format!("{text:?}"),
                    format!(
                        "{e}: a rating factor is a positive decimal string of at most 4 decimals and at most {}, e.g. \"1.2\"",
                        crate::money::MAX_FACTOR
                    ),
                );
                Factor::ONE
            }
        };
        let international = raw
            .destination
            .as_ref()
            .and_then(|d| d.international.as_deref())
            .map_or(Factor::ONE, |t| {
                factor(v, &format!("{path}.destination.international"), t)
            });
        let mut groups = [Factor::ONE; CATEGORY_GROUPS.len()];
        let mut written_groups = Vec::new();
        for (name, text) in raw.category_group.iter().flatten() {
            let mut p = format!("{path}.category_group");
            push_key(&mut p, name);
            match CATEGORY_GROUPS.iter().position(|g| g == name) {
                Some(g) => {
                    groups[g] = factor(v, &p, text);
                    written_groups.push(g);
                }
                None => v.fail(
                    &p,
                    format!("{name:?}"),
                    format!(
                        "is not a category group; use one of {}",
                        CATEGORY_GROUPS.join(", ")
                    ),
                ),
            }
        }
        let mut bands = Vec::new();
        let list = raw.value_bands.as_deref().unwrap_or_default();
        if list.len() > MAX_VALUE_BANDS {
            v.fail(
                &format!("{path}.value_bands"),
                format!("{} bands", list.len()),
                format!("a rating table has at most {MAX_VALUE_BANDS} value bands"),
            );
        }
        for (i, b) in list.iter().take(MAX_VALUE_BANDS).enumerate() {
            let p = format!("{path}.value_bands[{i}]");
            let from = v.eur(&format!("{p}.from_eur"), &b.from_eur);
            let f = factor(v, &format!("{p}.factor"), &b.factor);
            if from <= flat_below {
                v.fail(
                    &format!("{p}.from_eur"),
                    format!("{:?}", b.from_eur),
                    format!(
                        "must be above the flat threshold ({} EUR): baskets below it pay the flat fee",
                        flat_below.to_eur()
                    ),
                );
            } else if bands.last().is_some_and(|&(last, _)| from <= last) {
                v.fail(
                    &format!("{p}.from_eur"),
                    format!("{:?}", b.from_eur),
                    "must be above the previous band's from_eur: bands go up in value",
                );
            }
            bands.push((from, f));
        }
        let range_path = format!("{path}.rate_range");
        let range = match raw.rate_range.as_deref() {
            None => (
                Rate::parse(CONTRACT_RANGE[0]).expect("valid rate"),
                Rate::parse(CONTRACT_RANGE[1]).expect("valid rate"),
            ),
            Some([lo, hi]) => {
                let (lo, hi) = (
                    v.rate(&format!("{range_path}[0]"), lo),
                    v.rate(&format!("{range_path}[1]"), hi),
                );
                if lo > hi {
                    v.fail(
                        &range_path,
                        format!("[{}, {}]", lo.to_text(), hi.to_text()),
                        "must be [smallest, largest] with smallest ≤ largest",
                    );
                }
                (lo, hi)
            }
            Some(other) => {
                v.fail(
                    &range_path,
                    format!("{} values", other.len()),
                    "must be two rates, [smallest, largest], e.g. [\"0.015\", \"0.05\"]",
                );
                (
                    Rate::parse("0").expect("valid"),
                    Rate::parse("1").expect("valid"),
                )
            }
        };
        written_groups.sort_unstable();
        let table = RatingFactors {
            international,
            groups,
            written_groups,
            bands,
            range,
        };
        if table.range.0 <= table.range.1 {
            table.check_range(path, rates, rounding, v);
        }
        table
    }

    /// Every effective rate within the range; the first one outside it per class is named.
    fn check_range(
        &self,
        path: &str,
        rates: &BTreeMap<String, Rate>,
        rounding: Rounding,
        v: &mut Validator,
    ) {
        let (lo, hi) = self.range;
        for (class, &rate) in rates {
            let combos = (0..2).flat_map(|d| {
                (0..CATEGORY_GROUPS.len())
                    .flat_map(move |g| (0..=self.bands.len()).map(move |b| (d, g, b)))
            });
            for (d, g, b) in combos {
                let r = self.effective(rate, d, g, b, rounding);
                if r < lo || r > hi {
                    let band = match b {
                        0 => "the first value band".to_string(),
                        b => format!("baskets from {} EUR", self.bands[b - 1].0.to_eur()),
                    };
                    v.fail(
                        path,
                        format!(
                            "class {class} × {} × {} × {band}: rate {}",
                            ["domestic", "international"][d],
                            CATEGORY_GROUPS[g],
                            r.to_text()
                        ),
                        format!(
                            "is outside rate_range [{}, {}] (the contract prices from 1.5 % to 5 %): lower or raise a factor or the class rate, or widen tariff.factors.rate_range",
                            lo.to_text(),
                            hi.to_text()
                        ),
                    );
                    break;
                }
            }
        }
    }
}

/// One shop's effective rates, computed once: by category group, destination and value band.
#[derive(Debug, Clone, PartialEq)]
pub struct RateTable {
    /// Lower bounds (cents) of the written value bands, padded with `i64::MAX`.
    pub band_from: [i64; MAX_VALUE_BANDS],
    /// Rate of (group, destination, band) at `(group × 2 + destination) × BANDS + band`.
    rates: Vec<Rate>,
}

impl RateTable {
    pub fn new(factors: &RatingFactors, class: Rate, rounding: Rounding) -> RateTable {
        let mut band_from = [i64::MAX; MAX_VALUE_BANDS];
        for (b, &(from, _)) in band_from.iter_mut().zip(&factors.bands) {
            *b = from.0;
        }
        let mut rates = Vec::with_capacity(CATEGORY_GROUPS.len() * 2 * BANDS);
        for g in 0..CATEGORY_GROUPS.len() {
            for d in 0..2 {
                for b in 0..BANDS {
                    let b = b.min(factors.bands.len());
                    rates.push(factors.effective(class, d, g, b, rounding));
                }
            }
        }
        RateTable { band_from, rates }
    }

    /// The value band of a basket in cents: the number of band bounds it reaches (no branch).
    #[inline(always)]
    pub fn band(&self, cents: i64) -> usize {
        self.band_from.iter().map(|&f| (cents >= f) as usize).sum()
    }

    /// The effective rate of a rated basket.
    #[inline(always)]
    pub fn rate(&self, group: usize, dest: usize, cents: i64) -> Rate {
        self.rates[(group * 2 + (dest & 1)) * BANDS + self.band(cents)]
    }
}

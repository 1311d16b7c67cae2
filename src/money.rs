//! Money: integer cents inside the engine, decimal strings at the edges.
//!
//! Premiums, claims and ceilings are [`Cents`] so that sums over billions of orders are exact and
//! do not depend on the order of addition (which is what makes results bit-identical for any
//! thread count). Tariff amounts and rates arrive as decimal strings (`"0.98"`, `"0.015"`) parsed
//! with `rust_decimal`, never through binary floating point. Every rounding the engine does is
//! written in this file, once: [`Rounding`] for tariffs, [`Cents::from_eur`] for sampled values,
//! [`Cents::instalment`] for splitting a basket into instalments and [`Cents::share`] for sampled
//! shares of an amount (partial payments, recoveries).

use rust_decimal::Decimal;
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub};
use std::str::FromStr;

/// An amount of money in euro cents, held in an `i64`: up to 9.2 × 10^18 cents, 92
/// quadrillion EUR.
///
/// The largest money total of one path of one product, with the bounds of `docs/limits.md`
/// that validation enforces:
///
/// - one amount (premium, claim, basket) is at most [`MAX_AMOUNT_EUR`] = 10^7 EUR = 10^9
///   cents (a basket is capped at `cap_eur` <= 10^6 EUR; a rate is at most 1, so a premium is at
///   most its basket);
/// - one path counts about as many orders as orders per day (<= 10^7 over the whole
///   portfolio) × days (<= 3,660) × the path's volume multiplier (a gamma of mean 1): an
///   expected 3.7 × 10^10 orders;
/// - so the expected total is at most 3.7 × 10^10 × 10^9 = 3.7 × 10^19 cents when every order
///   is the largest amount allowed, above `i64::MAX`, while a realistic portfolio at the bounds
///   (3.7 × 10^10 orders of 1,000 EUR) gives 3.7 × 10^15 cents, 2,500 times below it.
///
/// Two rules keep a sum from ever being silently wrong:
///
/// 1. **Checked sums.** [`Add`], [`AddAssign`], [`Sum`] and [`Sub`] never wrap around: a result
///    outside the range of `i64` is [`Cents::OVERFLOW`], and `OVERFLOW` stays `OVERFLOW` through
///    every later sum or difference, like a NaN. The engine checks each finished path
///    (`Model::overflow` in `engine.rs`) and stops the run with an error (exit code 2)
///    naming the path, the product and the column, so an overflowed total never reaches an
///    output. The hot loops that add raw `i64`s add at most one block of orders (64 × 10^9
///    cents) before moving the block's sum into checked `Cents` totals.
/// 2. **A bound on the expected totals.** Before simulating, a scenario whose expected money per
///    path (premium, exposure or claims of one product, from the closed forms) exceeds
///    [`MAX_EXPECTED_PATH_CENTS`] is refused as bad input, so that a path would need about 60
///    times its expected volume to overflow: rule 1 is the net under that.
///
/// Counts (`u64`) need no such care: a path would have to simulate 1.8 × 10^19 orders.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Cents(pub i64);

/// Largest expected money total of one product on one path that a scenario may imply:
/// `i64::MAX / 64`, about 1.4 × 10^17 cents (1.4 quadrillion EUR). See [`Cents`].
pub const MAX_EXPECTED_PATH_CENTS: i64 = i64::MAX / 64;

impl Cents {
    pub const ZERO: Cents = Cents(0);

    /// A sum that left the range of `i64` (see [`Cents`]): sticky through every later sum, and
    /// refused by the engine at the end of the path.
    pub const OVERFLOW: Cents = Cents(i64::MAX);

    /// Whether this is [`Cents::OVERFLOW`].
    #[inline]
    pub fn is_overflow(self) -> bool {
        self.0 == i64::MAX
    }

    /// An exact wide sum as cents: [`Cents::OVERFLOW`] outside the range of `i64`.
    #[inline]
    pub fn from_i128(cents: i128) -> Cents {
        match i64::try_from(cents) {
            Ok(c) if c != i64::MAX => Cents(c),
            _ => Cents::OVERFLOW,
        }
    }

    /// A checked result: [`Cents::OVERFLOW`] when either operand already is, or when the
    /// operation left the range.
    #[inline]
    fn checked(a: Cents, b: Cents, r: Option<i64>) -> Cents {
        match r {
            Some(c) if !a.is_overflow() && !b.is_overflow() && c != i64::MAX => Cents(c),
            _ => Cents::OVERFLOW,
        }
    }

    /// A sampled euro amount (basket value, for example) as the shop would charge it: rounded
    /// to the nearest cent, halves away from zero. This is the only place an `f64` becomes
    /// money.
    #[inline]
    pub fn from_eur(eur: f64) -> Cents {
        // `f64::round` is a library call on baseline x86-64 (no SSE4.1) and cost 11 % of the
        // order loop; adding ½ and truncating is one instruction and the same rule.
        Cents::round(eur * 100.0)
    }

    /// A sampled amount already in (fractional) cents, rounded like [`Cents::from_eur`].
    #[inline]
    pub fn round(cents: f64) -> Cents {
        if cents >= 0.0 {
            // `as` saturates: 9.2 × 10^18 cents or more is `i64::MAX`, that is OVERFLOW.
            Cents((cents + 0.5) as i64)
        } else {
            let magnitude = (-cents + 0.5) as i64;
            if magnitude == i64::MAX {
                Cents::OVERFLOW
            } else {
                Cents(-magnitude)
            }
        }
    }

    /// Instalment `k` (0-based) of `n` equal instalments of this amount: the amount is split
    /// in whole cents, `⌊amount / n⌋` each, and the remainder (fewer than `n` cents) goes on the
    /// first instalment, the one collected at checkout. The instalments add up to the amount
    /// exactly. `n = 0` is treated as one instalment.
    #[inline]
    pub fn instalment(self, n: u32, k: u32) -> Cents {
        if self.is_overflow() {
            return self;
        }
        let n = n.max(1) as i64;
        let part = self.0.div_euclid(n);
        if k == 0 {
            Cents(self.0 - part * (n - 1))
        } else {
            Cents(part)
        }
    }

    /// A sampled share of this amount (the part of a missed instalment the buyer still pays,
    /// the part of a paid claim the insurer recovers), rounded like [`Cents::from_eur`]:
    /// nearest cent, halves away from zero. The share is clamped to [0, 1] (NaN counts as 0),
    /// so the result never exceeds the amount.
    #[inline]
    pub fn share(self, share: f64) -> Cents {
        if self.is_overflow() {
            return self;
        }
        let s = if share > 0.0 { share.min(1.0) } else { 0.0 };
        Cents::round(self.0 as f64 * s)
    }

    /// Euros as `f64` for output columns (exact to the cent for any realistic total).
    pub fn to_eur(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

/// Checked: a total never wraps around; out of range it is [`Cents::OVERFLOW`] (see [`Cents`]).
impl Add for Cents {
    type Output = Cents;
    #[inline]
    fn add(self, rhs: Cents) -> Cents {
        Cents::checked(self, rhs, self.0.checked_add(rhs.0))
    }
}

/// Checked, like [`Add`].
impl Sub for Cents {
    type Output = Cents;
    #[inline]
    fn sub(self, rhs: Cents) -> Cents {
        Cents::checked(self, rhs, self.0.checked_sub(rhs.0))
    }
}

/// Checked, like [`Add`].
impl AddAssign for Cents {
    #[inline]
    fn add_assign(&mut self, rhs: Cents) {
        *self = *self + rhs;
    }
}

impl Sum for Cents {
    fn sum<I: Iterator<Item = Cents>>(iter: I) -> Cents {
        iter.fold(Cents::ZERO, Add::add)
    }
}

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// Why a decimal string is not an amount or a rate; the scenario validator turns this into a
/// message with the field path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("is not a decimal number")]
    NotDecimal,
    #[error("is negative")]
    Negative,
    #[error("has more than {max} decimal places")]
    TooPrecise { max: u32 },
    #[error("is too large")]
    TooLarge,
    #[error("is zero")]
    Zero,
}

/// Largest single amount a scenario may write (a premium, fee, payout, ceiling or basket bound):
/// ten million euros, far above any consumer or merchant cover.
pub const MAX_AMOUNT_EUR: i64 = 10_000_000;

/// Largest rate a scenario may write: 1, a premium of the whole basket.
pub const MAX_RATE: &str = "1";

/// A non-negative decimal string (`"12.50"`), normalised (trailing zeros dropped).
pub fn parse_decimal(text: &str) -> Result<Decimal, MoneyError> {
    let d = Decimal::from_str(text.trim()).map_err(|_| MoneyError::NotDecimal)?;
    if d.is_sign_negative() && !d.is_zero() {
        return Err(MoneyError::Negative);
    }
    Ok(d.normalize())
}

/// Parses a non-negative euro amount with at most two decimals: `"0.98"` → `Cents(98)`.
pub fn parse_eur(text: &str) -> Result<Cents, MoneyError> {
    let d = parse_decimal(text)?;
    if d.scale() > 2 {
        return Err(MoneyError::TooPrecise { max: 2 });
    }
    let cents = d
        .checked_mul(Decimal::ONE_HUNDRED)
        .ok_or(MoneyError::TooLarge)?;
    i64::try_from(cents)
        .map(Cents)
        .map_err(|_| MoneyError::TooLarge)
}

/// A rate applied to a money amount (a premium rate of the basket, say 1.5 %), held exactly as
/// millionths so that the hot loop multiplies integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rate {
    millionths: i64,
}

impl Rate {
    const SCALE: i64 = 1_000_000;

    /// Parses a rate written as a decimal fraction: `"0.015"` is 1.5 %. At most six decimals, so
    /// that the rate is exact in millionths.
    pub fn parse(text: &str) -> Result<Rate, MoneyError> {
        let d = parse_decimal(text)?;
        if d.scale() > 6 {
            return Err(MoneyError::TooPrecise { max: 6 });
        }
        let m = d
            .checked_mul(Decimal::from(Self::SCALE))
            .ok_or(MoneyError::TooLarge)?;
        let millionths = i64::try_from(m).map_err(|_| MoneyError::TooLarge)?;
        if millionths > 1000 * Self::SCALE {
            return Err(MoneyError::TooLarge);
        }
        Ok(Rate { millionths })
    }

    /// The rate as a fraction, for analytic formulas and output.
    pub fn as_f64(self) -> f64 {
        self.millionths as f64 / Self::SCALE as f64
    }

    /// The rate in millionths, exactly (the integer [`Rate::apply`] multiplies by).
    pub fn millionths(self) -> i64 {
        self.millionths
    }

    /// [`Rate::apply`] to an amount known to be non-negative (a basket), without the sign's
    /// branch: the parcel loop's tariff.
    #[inline(always)]
    pub fn apply_nonnegative(self, amount: Cents, rounding: Rounding) -> Cents {
        debug_assert!(amount.0 >= 0 && self.millionths >= 0);
        Self::unscale((amount.0 * self.millionths) as u64, rounding)
    }

    /// `n / SCALE` rounded by `rounding`, for a non-negative `n`: an unsigned division by the
    /// constant scale, which compiles to a multiply and shifts (`div_euclid` cost 11 % of the
    /// order loop).
    #[inline(always)]
    fn unscale(n: u64, rounding: Rounding) -> Cents {
        let (q, r) = (n / Self::SCALE as u64, n % Self::SCALE as u64);
        Cents(q as i64 + rounding.rounds_up(q, r, Self::SCALE as u64) as i64)
    }

    /// `self × amount`, rounded to a cent by `rounding`: the one multiplication of a tariff.
    #[inline]
    pub fn apply(self, amount: Cents, rounding: Rounding) -> Cents {
        // A tariff applies to one basket (at most 10^9 cents, validated) and a rate of at most
        // 1000 × 10^6 millionths: the product stays below 10^18, inside `i64`.
        let n = amount.0 * self.millionths;
        if n >= 0 {
            // Premiums are non-negative.
            Self::unscale(n as u64, rounding)
        } else {
            Cents(rounding.div(n, Self::SCALE))
        }
    }
}

/// A rating factor of a tariff (the international parcels' rate is the class rate times 1.8,
/// say): a positive decimal of at most four decimals and at most [`MAX_FACTOR`], held exactly.
/// Factors multiply a [`Rate`] in decimal arithmetic ([`Rate::times`]), never in floating point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Factor(Decimal);

/// Largest rating factor a scenario may write.
pub const MAX_FACTOR: &str = "10";

impl Factor {
    /// The neutral factor.
    pub const ONE: Factor = Factor(Decimal::ONE);

    /// Parses a factor written as a decimal string: `"1.8"`. Zero is refused (a zero factor
    /// is an exclusion, which the wording's exclusions express).
    pub fn parse(text: &str) -> Result<Factor, MoneyError> {
        let d = parse_decimal(text)?;
        if d.scale() > 4 {
            return Err(MoneyError::TooPrecise { max: 4 });
        }
        if d.is_zero() {
            return Err(MoneyError::Zero);
        }
        if d > Decimal::from_str(MAX_FACTOR).expect("valid bound") {
            return Err(MoneyError::TooLarge);
        }
        Ok(Factor(d))
    }

    pub fn as_f64(self) -> f64 {
        use rust_decimal::prelude::ToPrimitive;
        self.0.to_f64().unwrap_or(f64::NAN)
    }
}

impl std::fmt::Display for Factor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Rate {
    /// The rate times `factors`, rounded to the millionth once, by `rounding`: the effective
    /// rate of one cell of a rating table (exact decimal arithmetic; a rate of at most 1 times
    /// three factors of at most 10 cannot overflow).
    pub fn times(self, factors: &[Factor], rounding: Rounding) -> Rate {
        let mut x = Decimal::from(self.millionths);
        for f in factors {
            x *= f.0;
        }
        let strategy = match rounding {
            Rounding::HalfUp => rust_decimal::RoundingStrategy::MidpointAwayFromZero,
            Rounding::HalfEven => rust_decimal::RoundingStrategy::MidpointNearestEven,
            Rounding::Up => rust_decimal::RoundingStrategy::AwayFromZero,
            Rounding::Down => rust_decimal::RoundingStrategy::ToZero,
        };
        let millionths = i64::try_from(x.round_dp_with_strategy(0, strategy))
            .expect("a rate of at most 1000 times factors of at most 10 fits in i64");
        Rate { millionths }
    }

    /// The rate as a decimal string (`"0.027"`), for messages.
    pub fn to_text(self) -> String {
        (Decimal::from(self.millionths) / Decimal::from(Self::SCALE))
            .normalize()
            .to_string()
    }
}

/// Days in the policy year that annual premiums and claim frequencies are quoted for.
pub const POLICY_YEAR_DAYS: i64 = 365;

impl Cents {
    /// An annual premium earned over `days`: `self × days / 365`, rounded to a cent once by
    /// `rounding` (per policy, as each policyholder is billed). A horizon of 365 days earns
    /// exactly the annual premium; 730 days twice it. [`Cents::OVERFLOW`] out of range.
    pub fn pro_rata(self, days: u32, rounding: Rounding) -> Cents {
        if self.is_overflow() {
            return self;
        }
        let n = self.0 as i128 * days as i128;
        let d = POLICY_YEAR_DAYS as i128;
        let (q, r) = (n.div_euclid(d), n.rem_euclid(d));
        // Same rules as `Rounding::div`, on i128 so that no premium times days overflows.
        let up = match rounding {
            Rounding::Down => false,
            Rounding::Up => r != 0,
            Rounding::HalfUp => 2 * r >= d && r != 0,
            Rounding::HalfEven => 2 * r > d || (2 * r == d && q % 2 != 0),
        };
        Cents::from_i128(q + up as i128)
    }
}

/// The rounding rule of a tariff, chosen once per tariff in the scenario (`rounding = "half_up"`)
/// and applied once per premium.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Nearest cent, halves away from zero (commercial rounding; the default).
    #[default]
    HalfUp,
    /// Nearest cent, halves to the even cent (banker's rounding).
    HalfEven,
    /// Always up to the next cent (in the insurer's favour).
    Up,
    /// Always down (in the buyer's favour).
    Down,
}

impl Rounding {
    /// Whether the quotient `q` with remainder `r` of a division by `d` (all non-negative)
    /// rounds up to `q + 1` under this rule.
    #[inline]
    fn rounds_up(self, q: u64, r: u64, d: u64) -> bool {
        match self {
            Rounding::Down => false,
            Rounding::Up => r != 0,
            Rounding::HalfUp => 2 * r >= d,
            Rounding::HalfEven => 2 * r > d || (2 * r == d && q % 2 == 1),
        }
    }

    /// `numerator / denominator` rounded by this rule; `denominator > 0`, `numerator >= 0`
    /// (premiums are never negative; negative numerators are handled symmetrically anyway).
    #[inline]
    pub fn div(self, numerator: i64, denominator: i64) -> i64 {
        debug_assert!(denominator > 0);
        let q = numerator.div_euclid(denominator);
        let r = numerator.rem_euclid(denominator);
        if r == 0 {
            return q;
        }
        match self {
            Rounding::Down => q,
            Rounding::Up => q + 1,
            Rounding::HalfUp => {
                // Away from zero: for negative numerators the half goes down.
                if 2 * r > denominator || (2 * r == denominator && numerator >= 0) {
                    q + 1
                } else {
                    q
                }
            }
            Rounding::HalfEven => {
                if 2 * r > denominator || (2 * r == denominator && q % 2 != 0) {
                    q + 1
                } else {
                    q
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_eur_accepts_up_to_two_decimals() {
        let cases: &[(&str, Result<Cents, MoneyError>)] = &[
            ("0.98", Ok(Cents(98))),
            ("5", Ok(Cents(500))),
            ("100.00", Ok(Cents(10_000))),
            (" 2500 ", Ok(Cents(250_000))),
            ("0.985", Err(MoneyError::TooPrecise { max: 2 })),
            ("-1", Err(MoneyError::Negative)),
            ("abc", Err(MoneyError::NotDecimal)),
            ("NaN", Err(MoneyError::NotDecimal)),
            ("", Err(MoneyError::NotDecimal)),
            // 27 integer digits: the decimal itself parses, times 100 does not fit.
            ("800000000000000000000000000", Err(MoneyError::TooLarge)),
            ("79228162514264337593543950335", Err(MoneyError::TooLarge)),
            ("92233720368547758.07", Ok(Cents(i64::MAX))),
            ("92233720368547758.08", Err(MoneyError::TooLarge)),
        ];
        for (text, want) in cases {
            assert_eq!(&parse_eur(text), want, "{text:?}");
        }
    }

    #[test]
    fn rates_are_exact_millionths() {
        assert_eq!(Rate::parse("0.015").unwrap().as_f64(), 0.015);
        assert_eq!(Rate::parse("0.0125").unwrap(), Rate { millionths: 12_500 });
        assert_eq!(
            Rate::parse("0.0000001"),
            Err(MoneyError::TooPrecise { max: 6 })
        );
        assert_eq!(Rate::parse("-0.01"), Err(MoneyError::Negative));
        // 23 integer digits: times a million overflows the decimal itself.
        assert_eq!(
            Rate::parse("80000000000000000000000"),
            Err(MoneyError::TooLarge)
        );
    }

    /// Tariff rounding, table-driven: 1.5 % of baskets whose premium falls on or near a half cent.
    #[test]
    fn tariff_rounding_rules() {
        let rate = Rate::parse("0.015").unwrap();
        // 1.5 % of 100.30 EUR = 1.5045 EUR = 150.45 cents; of 101.00 = 151.5 cents exactly.
        let cases = [
            (10_030, Rounding::HalfUp, 150),
            (10_030, Rounding::HalfEven, 150),
            (10_030, Rounding::Up, 151),
            (10_030, Rounding::Down, 150),
            (10_100, Rounding::HalfUp, 152),
            (10_100, Rounding::HalfEven, 152),
            (10_300, Rounding::HalfEven, 154), // 154.5 → even 154
            (10_300, Rounding::HalfUp, 155),
            (10_000, Rounding::Up, 150),   // exact: no rounding at all
            (12_345, Rounding::Down, 185), // 185.175
        ];
        for (basket, rule, want) in cases {
            assert_eq!(
                rate.apply(Cents(basket), rule),
                Cents(want),
                "{basket} {rule:?}"
            );
        }
    }

    /// Instalment split: equal whole-cent parts, the remainder on the first; they add up.
    #[test]
    fn instalment_split_rule() {
        let cases: &[(i64, u32, &[i64])] = &[
            (40_000, 4, &[10_000, 10_000, 10_000, 10_000]),
            (10_001, 3, &[3_335, 3_333, 3_333]),
            (10_002, 4, &[2_502, 2_500, 2_500, 2_500]),
            (5, 10, &[5, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            (12_345, 2, &[6_173, 6_172]),
            (100, 0, &[100]),
        ];
        for &(total, n, want) in cases {
            let got: Vec<i64> = (0..n.max(1))
                .map(|k| Cents(total).instalment(n, k).0)
                .collect();
            assert_eq!(got, want, "{total} in {n}");
            assert_eq!(got.iter().sum::<i64>(), total);
        }
        assert_eq!(Cents(1_000).share(0.25), Cents(250));
        assert_eq!(Cents(333).share(0.5), Cents(167)); // 166.5 → away from zero
        assert_eq!(Cents(333).share(1.5), Cents(333));
        assert_eq!(Cents(333).share(f64::NAN), Cents(0));
    }

    /// Pro-rating an annual premium over the horizon, table-driven: whole years, 90 days under
    /// each rule, exact cents, and OVERFLOW instead of a wrapped-around premium.
    #[test]
    fn annual_premium_pro_rata() {
        let cases = [
            (2400, 365, Rounding::HalfUp, 2400),
            (2400, 730, Rounding::Down, 4800),
            // 24.00 EUR × 90 / 365 = 5.9178 EUR
            (2400, 90, Rounding::HalfUp, 592),
            (2400, 90, Rounding::HalfEven, 592),
            (2400, 90, Rounding::Down, 591),
            (2400, 90, Rounding::Up, 592),
            // 0.73 EUR × 5 / 365 = 0.01 EUR exactly: no rule rounds.
            (73, 5, Rounding::Up, 1),
            (73, 5, Rounding::Down, 1),
            (100, 0, Rounding::Up, 0),
            (0, 365, Rounding::Up, 0),
        ];
        for (annual, days, rule, want) in cases {
            assert_eq!(
                Cents(annual).pro_rata(days, rule),
                Cents(want),
                "{annual} {days} {rule:?}"
            );
        }
        // 365 is odd, so a whole number of cent-days never leaves exactly half a cent: the two
        // nearest-cent rules agree on every pro-rated premium.
        for annual in 0..400 {
            for days in [1, 30, 90, 181, 365] {
                assert_eq!(
                    Cents(annual).pro_rata(days, Rounding::HalfUp),
                    Cents(annual).pro_rata(days, Rounding::HalfEven)
                );
            }
        }
        assert_eq!(
            Cents(i64::MAX).pro_rata(3660, Rounding::Up),
            Cents::OVERFLOW
        );
        assert_eq!(
            Cents(i64::MAX / 5).pro_rata(3660, Rounding::Up),
            Cents::OVERFLOW
        );
    }

    /// Regression (cent sums wrapped around to negative premiums in release builds): every sum
    /// out of the range of `i64` is OVERFLOW, and OVERFLOW stays OVERFLOW, like a NaN.
    #[test]
    fn money_sums_that_overflow_stay_overflowed() {
        let big = Cents(i64::MAX - 5);
        let cases: [(&str, Cents); 9] = [
            ("max + 1", Cents(i64::MAX - 1) + Cents(1)),
            ("near max + 100", big + Cents(100)),
            ("min - 1", Cents(i64::MIN) - Cents(1)),
            ("overflow - 1", Cents::OVERFLOW - Cents(1)),
            ("overflow - overflow", Cents::OVERFLOW - Cents::OVERFLOW),
            ("overflow + negative", Cents::OVERFLOW + Cents(-1_000)),
            ("negative + overflow", Cents(-1_000) + Cents::OVERFLOW),
            ("huge f64", Cents::round(1e300)),
            ("huge negative f64", Cents::round(-1e300)),
        ];
        for (what, got) in cases {
            assert!(got.is_overflow(), "{what}: {got:?}");
        }
        let mut c = big;
        c += Cents(100);
        c += Cents(-1_000_000);
        assert!(c.is_overflow());
        let total: Cents = [Cents(i64::MAX / 2), Cents(i64::MAX / 2), Cents(2)]
            .into_iter()
            .sum();
        assert!(total.is_overflow());
        assert!(Cents::OVERFLOW.share(0.5).is_overflow());
        assert!(Cents::OVERFLOW.instalment(3, 1).is_overflow());
        assert_eq!(Cents::from_i128(i64::MAX as i128 + 1), Cents::OVERFLOW);
        assert_eq!(Cents::from_i128(i64::MIN as i128 - 1), Cents::OVERFLOW);
        assert_eq!(Cents::from_i128(-7), Cents(-7));
        // In range, sums are exact.
        assert_eq!(
            Cents(i64::MAX / 2) + Cents(i64::MAX / 2),
            Cents(i64::MAX - 1)
        );
        assert_eq!(Cents(i64::MIN) + Cents(5), Cents(i64::MIN + 5));
    }

    #[test]
    fn from_eur_rounds_to_nearest_cent() {
        assert_eq!(Cents::from_eur(37.994), Cents(3799));
        assert_eq!(Cents::from_eur(37.995_000_1), Cents(3800));
        assert_eq!(Cents::from_eur(0.0), Cents(0));
        assert_eq!(format!("{}", Cents(-1234)), "-12.34");
        assert_eq!(format!("{}", Cents(5)), "0.05");
    }
}

//! The checks every scenario value goes through before any simulation, collected rather than
//! stopping at the first, each with the field path, the bad value and what is allowed.

use crate::catalogue::Category;
use crate::money::{self, Cents, Rate};
use chrono::NaiveDate;

/// One invalid value: where (`companies[0].shops[1].basket.sigma`), what was written, and the
/// rule it breaks, phrased so that it tells how to fix the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub path: String,
    pub value: Option<String>,
    pub rule: String,
}

/// Collects issues while raw values are turned into validated ones. Each check returns a usable
/// placeholder on failure so that validation can go on and report every mistake at once; the
/// placeholder never reaches a simulation because [`Validator::finish`] fails when any issue
/// was recorded.
#[derive(Debug, Default)]
pub struct Validator {
    issues: Vec<Issue>,
}

/// Longest name a scenario may give (scenario, company, shop, product, segment, risk class,
/// event): names head report columns, chart titles and chart file names, so they stay short.
pub const MAX_NAME_CHARS: usize = 100;

/// Largest value of a positive or non-negative number that has no tighter bound of its own
/// (see `docs/limits.md`): a million is above any count, share or factor a scenario needs.
pub const MAX_NUMBER: f64 = 1e6;

/// Longest duration in days a scenario may write (a delivery time, a lag, a window): ten years.
pub const MAX_DAYS: f64 = 3660.0;

/// Largest seasonal or event multiplier: a hundred times a normal day.
pub const MAX_MULTIPLIER: f64 = 100.0;

/// Earliest and latest year of a date (`horizon.start`, sales and event starts).
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2999;

/// Formats a number for an error message the way it was probably written.
pub(crate) fn show(x: f64) -> String {
    if x.is_nan() {
        "nan".to_string()
    } else if x.is_finite() && x != 0.0 && !(1e-6..1e15).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an issue with the offending value shown.
    pub fn fail(&mut self, path: &str, value: impl Into<String>, rule: impl Into<String>) {
        self.issues.push(Issue {
            path: path.to_string(),
            value: Some(value.into()),
            rule: rule.into(),
        });
    }

    /// Records an issue about a field as a whole (missing, or inconsistent with others).
    pub fn fail_field(&mut self, path: &str, rule: impl Into<String>) {
        self.issues.push(Issue {
            path: path.to_string(),
            value: None,
            rule: rule.into(),
        });
    }

    pub fn has_issues(&self) -> bool {
        !self.issues.is_empty()
    }

    /// The issues found, or `Ok` if the scenario is valid.
    pub fn finish(self) -> Result<(), Vec<Issue>> {
        if self.issues.is_empty() {
            Ok(())
        } else {
            Err(self.issues)
        }
    }

    /// A finite number strictly greater than 0 (a median, a spread, a volume) and at most
    /// [`MAX_NUMBER`]. NaN fails: `!(x > 0.0)` is true for NaN.
    pub fn positive(&mut self, path: &str, x: f64, hint: &str) -> f64 {
        if !(x > 0.0) || !x.is_finite() {
            self.fail(
                path,
                show(x),
                format!("must be a finite number greater than 0{hint}"),
            );
            return 1.0;
        }
        if x > MAX_NUMBER {
            self.fail(
                path,
                show(x),
                format!(
                    "must be at most {}{hint} (see docs/limits.md)",
                    show(MAX_NUMBER)
                ),
            );
            return 1.0;
        }
        x
    }

    /// A duration in days, greater than 0 and at most [`MAX_DAYS`].
    pub fn days(&mut self, path: &str, x: f64) -> f64 {
        if x.is_finite() && x > MAX_DAYS {
            self.fail(
                path,
                show(x),
                format!("must be at most {MAX_DAYS} days (ten years)"),
            );
            return 1.0;
        }
        self.positive(path, x, " (days)")
    }

    /// A lognormal sigma, greater than 0 and at most [`crate::distributions::MAX_SIGMA`].
    pub fn sigma(&mut self, path: &str, x: f64) -> f64 {
        let max = crate::distributions::MAX_SIGMA;
        if !(x > 0.0 && x <= max) {
            self.fail(
                path,
                show(x),
                format!("must be a number greater than 0 and at most {max} (lognormal sigma; 0.5 to 1 is typical)"),
            );
            return 1.0;
        }
        x
    }

    /// A seasonal or event multiplier, greater than 0 and at most [`MAX_MULTIPLIER`].
    pub fn multiplier(&mut self, path: &str, x: f64) -> f64 {
        if x.is_finite() && x > MAX_MULTIPLIER {
            self.fail(
                path,
                show(x),
                format!("must be at most {MAX_MULTIPLIER} (a multiplier of a normal day's rate)"),
            );
            return 1.0;
        }
        self.positive(path, x, "")
    }

    /// A name: at most [`MAX_NAME_CHARS`] characters, no control characters (tabs, line
    /// breaks, escape codes), which would garble terminal tables, reports and file names.
    pub fn name(&mut self, path: &str, name: &str) {
        let chars = name.chars().count();
        if chars > MAX_NAME_CHARS {
            let head: String = name.chars().take(20).collect();
            self.fail(
                path,
                format!("{head:?}... ({chars} characters)"),
                format!("is too long: names may have at most {MAX_NAME_CHARS} characters"),
            );
        } else if name.chars().any(char::is_control) {
            self.fail(
                path,
                format!("{name:?}"),
                "contains a control character (tab, line break, escape code): names are plain text on one line",
            );
        }
    }

    /// A number strictly greater than 0 and at most `max` (NaN and infinities fail).
    pub fn positive_at_most(&mut self, path: &str, x: f64, max: f64, hint: &str) -> f64 {
        if !(x > 0.0 && x <= max) {
            self.fail(
                path,
                show(x),
                format!("must be a number greater than 0 and at most {max}{hint}"),
            );
            return max.min(1.0);
        }
        x
    }

    /// A finite number of at least 0 and at most [`MAX_NUMBER`].
    pub fn non_negative(&mut self, path: &str, x: f64, hint: &str) -> f64 {
        if !(x >= 0.0) || !x.is_finite() {
            self.fail(
                path,
                show(x),
                format!("must be a finite number of at least 0{hint}"),
            );
            return 0.0;
        }
        if x > MAX_NUMBER {
            self.fail(
                path,
                show(x),
                format!(
                    "must be at most {}{hint} (see docs/limits.md)",
                    show(MAX_NUMBER)
                ),
            );
            return 0.0;
        }
        x
    }

    /// A probability or share in [0, 1].
    pub fn probability(&mut self, path: &str, p: f64) -> f64 {
        if !(0.0..=1.0).contains(&p) {
            self.fail(
                path,
                show(p),
                "must be a probability between 0 and 1 (write 2 % as 0.02)",
            );
            return 0.0;
        }
        p
    }

    /// A whole number within `min..=max`.
    pub fn integer_in(&mut self, path: &str, n: i64, min: i64, max: i64, hint: &str) -> i64 {
        if n < min || n > max {
            self.fail(
                path,
                n.to_string(),
                format!("must be a whole number from {min} to {max}{hint}"),
            );
            return min;
        }
        n
    }

    /// A product category by its scenario name; `None` (and an issue naming the allowed
    /// names) when it is not one.
    pub fn category(&mut self, path: &str, name: &str) -> Option<Category> {
        let c = Category::parse(name);
        if c.is_none() {
            self.fail(
                path,
                format!("{name:?}"),
                format!("is not a category; use one of {}", Category::allowed()),
            );
        }
        c
    }

    /// Sets `flags[category]` for every category of a list written at `path`
    /// (`path[i]` names a bad entry), e.g. a wording's excluded categories.
    pub fn category_flags(&mut self, path: &str, list: &[String], flags: &mut [bool]) {
        for (i, name) in list.iter().enumerate() {
            if let Some(c) = self.category(&format!("{path}[{i}]"), name) {
                flags[c.index()] = true;
            }
        }
    }

    /// A money amount written as a decimal string with at most two decimals, at most
    /// [`money::MAX_AMOUNT_EUR`].
    pub fn eur(&mut self, path: &str, text: &str) -> Cents {
        self.eur_at_most(path, text, money::MAX_AMOUNT_EUR, "a single amount")
    }

    /// A money amount of at most `max_eur` (`what` says what the bound is for).
    pub fn eur_at_most(&mut self, path: &str, text: &str, max_eur: i64, what: &str) -> Cents {
        match money::parse_eur(text) {
            Ok(c) if c.0 <= max_eur.saturating_mul(100) => c,
            Ok(_) | Err(money::MoneyError::TooLarge) => {
                self.fail(
                    path,
                    format!("{text:?}"),
                    format!(
                        "is too large: must be at most {max_eur} EUR ({what}; see docs/limits.md)"
                    ),
                );
                Cents::ZERO
            }
            Err(e) => {
                self.fail(
                    path,
                    format!("{text:?}"),
                    format!(
                        "{e}: write euros as a decimal string with at most 2 decimals, e.g. \"0.98\""
                    ),
                );
                Cents::ZERO
            }
        }
    }

    /// A rate written as a decimal string fraction with at most six decimals, at most
    /// [`money::MAX_RATE`] (the whole amount).
    pub fn rate(&mut self, path: &str, text: &str) -> Rate {
        let max = Rate::parse(money::MAX_RATE).expect("valid rate");
        match Rate::parse(text) {
            Ok(r) if r <= max => r,
            Ok(_) | Err(money::MoneyError::TooLarge) => {
                self.fail(
                    path,
                    format!("{text:?}"),
                    format!(
                        "is too large: a rate is a fraction of at most {} (100 % of the amount), e.g. \"0.015\" for 1.5 %",
                        money::MAX_RATE
                    ),
                );
                Rate::parse("0").expect("zero is a rate")
            }
            Err(e) => {
                self.fail(
                    path,
                    format!("{text:?}"),
                    format!(
                        "{e}: write a rate as a decimal string fraction, e.g. \"0.015\" for 1.5 %"
                    ),
                );
                Rate::parse("0").expect("zero is a rate")
            }
        }
    }

    /// A calendar date written exactly `"YYYY-MM-DD"`: a plain four-digit year within
    /// [`YEARS`], two-digit month and day, no sign, no spaces.
    pub fn date(&mut self, path: &str, text: &str) -> NaiveDate {
        let b = text.as_bytes();
        let shape = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        let date = if shape {
            NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
        } else {
            None
        };
        match date {
            Some(d) if YEARS.contains(&chrono::Datelike::year(&d)) => d,
            Some(_) => {
                self.fail(
                    path,
                    format!("{text:?}"),
                    format!(
                        "must be a date in the years {} to {}",
                        YEARS.start(),
                        YEARS.end()
                    ),
                );
                NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date")
            }
            None => {
                self.fail(
                    path,
                    format!("{text:?}"),
                    "must be a real calendar date written \"YYYY-MM-DD\" (four-digit year, no sign or spaces), e.g. \"2026-01-01\"",
                );
                NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date")
            }
        }
    }

    /// A fixed-length list of positive multipliers (weekday or month factors).
    pub fn multipliers<const N: usize>(
        &mut self,
        path: &str,
        values: &[f64],
        what: &str,
    ) -> [f64; N] {
        let mut out = [1.0; N];
        if values.len() != N {
            self.fail(
                path,
                format!("a list of {}", values.len()),
                format!("must list exactly {N} multipliers, {what}"),
            );
            return out;
        }
        for (i, (&x, o)) in values.iter().zip(out.iter_mut()).enumerate() {
            *o = self.multiplier(&format!("{path}[{i}]"), x);
        }
        out
    }

    /// Shares that must add up to 1 (a category or channel mix). Returns them as given.
    pub fn shares_sum_to_one(&mut self, path: &str, shares: &[f64]) {
        let sum: f64 = shares.iter().sum();
        if shares.iter().all(|s| (0.0..=1.0).contains(s)) && (sum - 1.0).abs() > 1e-6 {
            self.fail(
                path,
                format!("shares adding up to {sum}"),
                "the shares must add up to 1",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Table of valid and invalid values for each numeric check.
    #[test]
    fn numeric_checks() {
        let cases: &[(f64, bool, bool, bool)] = &[
            // value, positive ok, non_negative ok, probability ok
            (0.5, true, true, true),
            (0.0, false, true, true),
            (1.0, true, true, true),
            (1.5, true, true, false),
            (-0.1, false, false, false),
            (f64::NAN, false, false, false),
            (f64::INFINITY, false, false, false),
        ];
        for &(x, pos, nonneg, prob) in cases {
            let mut v = Validator::new();
            v.positive("a", x, "");
            assert_eq!(!v.has_issues(), pos, "positive {x}");
            let mut v = Validator::new();
            v.non_negative("a", x, "");
            assert_eq!(!v.has_issues(), nonneg, "non_negative {x}");
            let mut v = Validator::new();
            v.probability("a", x);
            assert_eq!(!v.has_issues(), prob, "probability {x}");
        }
    }

    #[test]
    fn dates_must_exist() {
        let mut v = Validator::new();
        assert_eq!(
            v.date("d", "2026-02-28"),
            NaiveDate::from_ymd_opt(2026, 2, 28).unwrap()
        );
        assert!(!v.has_issues());
        v.date("d", "2026-02-30");
        v.date("d", "28/02/2026");
        assert_eq!(v.finish().unwrap_err().len(), 2);
    }
}

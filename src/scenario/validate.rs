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

    /// A finite number strictly greater than 0 (a median, a spread, a volume). NaN fails:
    /// `!(x > 0.0)` is true for NaN.
    pub fn positive(&mut self, path: &str, x: f64, hint: &str) -> f64 {
        if !(x > 0.0) || !x.is_finite() {
            self.fail(
                path,
                show(x),
                format!("must be a finite number greater than 0{hint}"),
            );
            return 1.0;
        }
        x
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

    /// A finite number of at least 0.
    pub fn non_negative(&mut self, path: &str, x: f64, hint: &str) -> f64 {
        if !(x >= 0.0) || !x.is_finite() {
            self.fail(
                path,
                show(x),
                format!("must be a finite number of at least 0{hint}"),
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

    /// A money amount written as a decimal string with at most two decimals.
    pub fn eur(&mut self, path: &str, text: &str) -> Cents {
        money::parse_eur(text).unwrap_or_else(|e| {
            self.fail(
                path,
                format!("{text:?}"),
                format!(
                    "{e}: write euros as a decimal string with at most 2 decimals, e.g. \"0.98\""
                ),
            );
            Cents::ZERO
        })
    }

    /// A rate written as a decimal string fraction with at most six decimals.
    pub fn rate(&mut self, path: &str, text: &str) -> Rate {
        Rate::parse(text).unwrap_or_else(|e| {
            self.fail(
                path,
                format!("{text:?}"),
                format!("{e}: write a rate as a decimal string fraction, e.g. \"0.015\" for 1.5 %"),
            );
            Rate::parse("0").expect("zero is a rate")
        })
    }

    /// A calendar date written `"YYYY-MM-DD"`.
    pub fn date(&mut self, path: &str, text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").unwrap_or_else(|_| {
            self.fail(
                path,
                format!("{text:?}"),
                "must be a real calendar date written \"YYYY-MM-DD\", e.g. \"2026-01-01\"",
            );
            NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date")
        })
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
            *o = self.positive(&format!("{path}[{i}]"), x, "");
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

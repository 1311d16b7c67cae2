//! Parameter risk: scenario values written as distributions instead of numbers.
//!
//! A new cover's parameters are estimates. A dispute rate measured over one year, a founders'
//! 95 % mediation rate or a court-cost median read from three files are known to a spread, and
//! a premium that ignores that spread ignores a risk the insurer carries. Any numeric value of a
//! scenario (a number, or a decimal string of money) may therefore be written as one of four
//! laws, as an inline table with a single key:
//!
//! | written                                          | law                                 |
//! |--------------------------------------------------|-------------------------------------|
//! | `{ beta = { mean = 0.03, cv = 0.25 } }`          | Beta by mean and CV (probabilities) |
//! | `{ beta = { alpha = 3, beta = 97 } }`            | Beta by its shapes                  |
//! | `{ lognormal = { median = 2000, sigma = 0.3 } }` | LogNormal by median and σ           |
//! | `{ lognormal = { mean = 2000, cv = 0.3 } }`      | LogNormal by mean and CV            |
//! | `{ gamma = { mean = 60, cv = 0.2 } }`            | Gamma by mean and CV                |
//! | `{ uniform = [30, 150] }`                        | Uniform on [a, b]                   |
//!
//! Each path draws every such value once, from its own stream
//! `parameters/<field path>` (so a path's draws depend on the seed, the path and the field
//! only, and results stay bit-identical across threads and shards; adding a second uncertain
//! value leaves the first one's draws unchanged). The path is then simulated with the drawn
//! values as if they had been written in the file, so every rule of the scenario applies to
//! them and every draw is validated by the same code, with the same messages, as a written
//! value (see [`crate::scenario::Scenario::validate_draws`]).
//!
//! A drawn value keeps the type of its law's parameters: whole numbers from a uniform law
//! between two integers, decimal strings of money (with at least two decimals, more when a
//! parameter has more) from a law whose location is written as a string, floats otherwise.
//! The scenario's central values (what `check` shows, and the parameters a run without
//! parameter risk would have) are the laws' means.

use super::locate::{push_index, push_key};
use crate::input::validate::Issue;
use crate::rng::PathRng;
use rand::RngExt;
use rand_distr::{Beta, Distribution, Gamma, LogNormal};
use serde::Deserialize;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

/// Most values of one scenario given as distributions.
pub const MAX_UNCERTAIN: usize = 256;
/// Largest magnitude of a law's location or bound: 10^12, far above any scenario value (the
/// largest amounts and daily order counts are 10^7), so that every draw stays finite.
const MAX_LAW_VALUE: f64 = 1e12;
/// Largest σ of a lognormal law of a parameter (and CV of a gamma or lognormal law): 3, beyond
/// which a parameter's spread spans more orders of magnitude than any estimate.
const MAX_SIGMA: f64 = 3.0;

/// The law a parameter is drawn from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Law {
    Beta { alpha: f64, beta: f64 },
    LogNormal { mu: f64, sigma: f64 },
    Gamma { shape: f64, scale: f64 },
    Uniform { low: f64, high: f64 },
}

impl Law {
    /// The law's mean: the scenario's central value.
    pub fn mean(&self) -> f64 {
        match *self {
            Law::Beta { alpha, beta } => alpha / (alpha + beta),
            Law::LogNormal { mu, sigma } => (mu + 0.5 * sigma * sigma).exp(),
            Law::Gamma { shape, scale } => shape * scale,
            Law::Uniform { low, high } => 0.5 * (low + high),
        }
    }

    /// The law's standard deviation.
    pub fn sd(&self) -> f64 {
        match *self {
            Law::Beta { alpha, beta } => {
                let s = alpha + beta;
                (alpha * beta / (s * s * (s + 1.0))).sqrt()
            }
            Law::LogNormal { sigma, .. } => self.mean() * ((sigma * sigma).exp() - 1.0).sqrt(),
            Law::Gamma { shape, scale } => shape.sqrt() * scale,
            Law::Uniform { low, high } => (high - low) / 12f64.sqrt(),
        }
    }

    /// One draw. The constructors were checked when the law was read, so they cannot fail.
    fn draw(&self, rng: &mut PathRng) -> f64 {
        match *self {
            Law::Beta { alpha, beta } => Beta::new(alpha, beta).map_or(f64::NAN, |d| d.sample(rng)),
            Law::LogNormal { mu, sigma } => {
                LogNormal::new(mu, sigma).map_or(f64::NAN, |d| d.sample(rng))
            }
            Law::Gamma { shape, scale } => {
                Gamma::new(shape, scale).map_or(f64::NAN, |d| d.sample(rng))
            }
            Law::Uniform { low, high } => low + (high - low) * rng.random::<f64>(),
        }
    }
}

impl std::fmt::Display for Law {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Law::Beta { alpha, beta } => write!(f, "Beta(α {alpha:.4}, β {beta:.4})"),
            Law::LogNormal { mu, sigma } => {
                write!(f, "LogNormal(median {:.6}, σ {sigma:.4})", mu.exp())
            }
            Law::Gamma { shape, scale } => write!(f, "Gamma(shape {shape:.4}, scale {scale:.6})"),
            Law::Uniform { low, high } => write!(f, "Uniform[{low}, {high}]"),
        }
    }
}

/// How a drawn value is written back into the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Literal {
    Float,
    /// A whole number (a uniform law between two integers).
    Integer,
    /// A decimal string with this many decimals (money).
    Decimal(u32),
}

/// One scenario value given as a distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct Uncertain {
    /// Its field path, as error messages print it (`products[0].dispute.probability`).
    pub path: String,
    pub law: Law,
    /// Bytes of the inline table in the file: replaced by each draw.
    span: Range<usize>,
    literal: Literal,
    /// The stream its draws come from: `parameters/<path>`.
    stream: u64,
}

impl Uncertain {
    /// The central value (the law's mean), as it is written into the scenario.
    pub fn central(&self) -> String {
        self.write(self.law.mean())
    }

    /// The value path `path` of a run with `seed` draws, as written into the scenario.
    pub fn draw(&self, seed: u64, path: u64) -> String {
        let mut rng = crate::rng::stream(seed, path, self.stream);
        let x = match (self.literal, self.law) {
            (Literal::Integer, Law::Uniform { low, high }) => {
                rng.random_range(low as i64..=high as i64) as f64
            }
            (_, law) => law.draw(&mut rng),
        };
        self.write(x)
    }

    fn write(&self, x: f64) -> String {
        match self.literal {
            // Rust's shortest round-trip form is TOML (`0.0325`, `3.0`, `1e-7`).
            Literal::Float => format!("{x:?}"),
            Literal::Integer => format!("{}", x.round() as i64),
            Literal::Decimal(d) => format!("\"{x:.*}\"", d as usize),
        }
    }
}

/// The scenario text with each value replaced: `values[i]` in place of `uncertain[i]`.
pub fn substitute(text: &str, uncertain: &[Uncertain], values: &[String]) -> String {
    let mut order: Vec<usize> = (0..uncertain.len()).collect();
    order.sort_by_key(|&i| uncertain[i].span.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for i in order {
        let span = &uncertain[i].span;
        out.push_str(&text[at..span.start]);
        out.push_str(&values[i]);
        at = span.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Every value of `text` given as a distribution, in file order, or the mistakes in their laws.
/// Text that is not valid TOML has none (the reader reports its syntax error).
pub fn find(text: &str) -> Result<Vec<Uncertain>, Vec<Issue>> {
    let Ok(root) = DeTable::parse(text) else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    let mut issues = Vec::new();
    walk_table(text, root.get_ref(), "", &mut found, &mut issues);
    found.sort_by_key(|u| u.span.start);
    if found.len() > MAX_UNCERTAIN {
        issues.push(Issue {
            path: found[MAX_UNCERTAIN].path.clone(),
            value: Some(format!("{} values given as distributions", found.len())),
            rule: format!(
                "is too many: at most {MAX_UNCERTAIN} values of a scenario may be distributions"
            ),
        });
    }
    if issues.is_empty() {
        Ok(found)
    } else {
        Err(issues)
    }
}

fn walk_table(
    text: &str,
    table: &DeTable<'_>,
    path: &str,
    found: &mut Vec<Uncertain>,
    issues: &mut Vec<Issue>,
) {
    for (key, value) in table.iter() {
        let mut child = path.to_string();
        push_key(&mut child, key.get_ref());
        walk_value(text, value, child, found, issues);
    }
}

fn walk_value(
    text: &str,
    value: &Spanned<DeValue<'_>>,
    path: String,
    found: &mut Vec<Uncertain>,
    issues: &mut Vec<Issue>,
) {
    match value.get_ref() {
        DeValue::Table(t) => {
            if is_law(text, value, t) {
                match read_law(text, value, &path) {
                    Ok(u) => found.push(u),
                    Err(issue) => issues.push(issue),
                }
            } else {
                walk_table(text, t, &path, found, issues);
            }
        }
        DeValue::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                let mut child = path.clone();
                push_index(&mut child, i);
                walk_value(text, v, child, found, issues);
            }
        }
        _ => {}
    }
}

/// An inline table with one key naming a law.
fn is_law(text: &str, value: &Spanned<DeValue<'_>>, t: &DeTable<'_>) -> bool {
    let inline = text
        .get(value.span())
        .is_some_and(|s| s.trim_start().starts_with('{'));
    // A map of numbers keyed by names (`{ beta = 1.2 }` with a product called `beta`) is not.
    inline
        && t.len() == 1
        && t.iter().next().is_some_and(|(k, v)| {
            matches!(
                (k.get_ref().as_ref(), v.get_ref()),
                ("beta" | "lognormal" | "gamma", DeValue::Table(_))
                    | ("uniform", DeValue::Array(_))
            )
        })
}

/// A number as the file writes it: an integer, a float or a decimal string.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Num {
    Int(i64),
    Float(f64),
    Text(String),
}

impl Num {
    /// The number, if it is one within ±[`MAX_LAW_VALUE`] (so that no draw can overflow).
    fn value(&self) -> Option<f64> {
        match self {
            Num::Int(i) => Some(*i as f64),
            Num::Float(x) => Some(*x),
            Num::Text(s) => crate::money::parse_decimal(s)
                .ok()
                .and_then(|d| d.to_string().parse().ok()),
        }
        .filter(|x: &f64| x.abs() <= MAX_LAW_VALUE)
    }

    /// Decimals of a decimal string; `None` for a number.
    fn decimals(&self) -> Option<u32> {
        match self {
            Num::Text(s) => Some(crate::money::parse_decimal(s).map_or(2, |d| d.scale())),
            _ => None,
        }
    }

    fn show(&self) -> String {
        match self {
            Num::Int(i) => i.to_string(),
            Num::Float(x) => x.to_string(),
            Num::Text(s) => format!("{s:?}"),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
enum RawLaw {
    Beta(RawShapes),
    Lognormal(RawShapes),
    Gamma(RawShapes),
    Uniform(Vec<Num>),
}

/// The parameters a law may be given by; which ones each law accepts is checked after reading.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShapes {
    mean: Option<Num>,
    cv: Option<f64>,
    median: Option<Num>,
    sigma: Option<f64>,
    alpha: Option<f64>,
    beta: Option<f64>,
}

/// Reads one law, checking its parameters.
fn read_law(text: &str, value: &Spanned<DeValue<'_>>, path: &str) -> Result<Uncertain, Issue> {
    let raw = RawLaw::deserialize(ValueDeserializer::from(value.clone())).map_err(|e| Issue {
        // The offending key or value where the deserializer names one.
        path: e
            .span()
            .map(|s| super::locate::path_at(text, s))
            .filter(|p| p.starts_with(path))
            .unwrap_or_else(|| path.to_string()),
        value: None,
        rule: format!(
            "is not a distribution this engine reads ({}); write {{ beta = {{ mean = …, cv = … }} }}, {{ beta = {{ alpha = …, beta = … }} }}, {{ lognormal = {{ median = …, sigma = … }} }}, {{ lognormal = {{ mean = …, cv = … }} }}, {{ gamma = {{ mean = …, cv = … }} }} or {{ uniform = [a, b] }}",
            e.message().trim()
        ),
    })?;
    let fail = |field: &str, value: String, rule: &str| Issue {
        path: format!("{path}.{field}"),
        value: Some(value),
        rule: rule.to_string(),
    };
    let finite_positive = |x: Option<f64>| x.filter(|x| x.is_finite() && *x > 0.0);
    let spread = |field: &str, x: f64| {
        if x.is_finite() && x > 0.0 && x <= MAX_SIGMA {
            Ok(x)
        } else {
            Err(fail(
                field,
                x.to_string(),
                &format!("must be a finite number greater than 0 and at most {MAX_SIGMA}"),
            ))
        }
    };
    let decimal_of = |nums: &[&Num]| -> Literal {
        match nums.iter().filter_map(|n| n.decimals()).max() {
            Some(d) => Literal::Decimal(d.max(2)),
            None => Literal::Float,
        }
    };
    let (law, literal) = match raw {
        RawLaw::Beta(s) => {
            let name = "beta";
            let law = match (&s.mean, s.cv, s.alpha, s.beta, &s.median, s.sigma) {
                (Some(m), Some(cv), None, None, None, None) => {
                    let mean = m.value().unwrap_or(f64::NAN);
                    if !(mean > 0.0 && mean < 1.0) {
                        return Err(fail(
                            "beta.mean",
                            m.show(),
                            "must be a probability strictly between 0 and 1",
                        ));
                    }
                    let most = ((1.0 - mean) / mean).sqrt();
                    if !(cv.is_finite() && cv > 0.0 && cv < most) {
                        return Err(fail(
                            "beta.cv",
                            cv.to_string(),
                            &format!(
                                "must be greater than 0 and less than √((1 − mean)/mean) = {most:.4}: a Beta law with this mean has no larger CV"
                            ),
                        ));
                    }
                    let k = (1.0 - mean) / (mean * cv * cv) - 1.0;
                    Law::Beta {
                        alpha: mean * k,
                        beta: (1.0 - mean) * k,
                    }
                }
                (None, None, Some(a), Some(b), None, None) => {
                    match (finite_positive(Some(a)), finite_positive(Some(b))) {
                        (Some(alpha), Some(beta)) => Law::Beta { alpha, beta },
                        _ => {
                            return Err(fail(
                                "beta",
                                format!("alpha {a}, beta {b}"),
                                "must have alpha and beta finite and greater than 0",
                            ));
                        }
                    }
                }
                _ => {
                    return Err(fail(
                        name,
                        "other parameters".into(),
                        "takes mean and cv, or alpha and beta",
                    ));
                }
            };
            (law, Literal::Float)
        }
        RawLaw::Lognormal(s) => {
            let name = "lognormal";
            let (mu, sigma, literal) = match (&s.median, s.sigma, &s.mean, s.cv, s.alpha, s.beta) {
                (Some(m), Some(sigma), None, None, None, None) => {
                    let median =
                        m.value()
                            .filter(|x| x.is_finite() && *x > 0.0)
                            .ok_or_else(|| {
                                fail(
                                    "lognormal.median",
                                    m.show(),
                                    "must be a number greater than 0 and at most 10^12",
                                )
                            })?;
                    let sigma = spread("lognormal.sigma", sigma)?;
                    (median.ln(), sigma, decimal_of(&[m]))
                }
                (None, None, Some(m), Some(cv), None, None) => {
                    let mean =
                        m.value()
                            .filter(|x| x.is_finite() && *x > 0.0)
                            .ok_or_else(|| {
                                fail(
                                    "lognormal.mean",
                                    m.show(),
                                    "must be a number greater than 0 and at most 10^12",
                                )
                            })?;
                    let cv = spread("lognormal.cv", cv)?;
                    let s2 = (1.0 + cv * cv).ln();
                    (mean.ln() - 0.5 * s2, s2.sqrt(), decimal_of(&[m]))
                }
                _ => {
                    return Err(fail(
                        name,
                        "other parameters".into(),
                        "takes median and sigma, or mean and cv",
                    ));
                }
            };
            (Law::LogNormal { mu, sigma }, literal)
        }
        RawLaw::Gamma(s) => {
            let name = "gamma";
            let (Some(m), Some(cv), None, None, None, None) =
                (&s.mean, s.cv, &s.median, s.sigma, s.alpha, s.beta)
            else {
                return Err(fail(name, "other parameters".into(), "takes mean and cv"));
            };
            let mean = m
                .value()
                .filter(|x| x.is_finite() && *x > 0.0)
                .ok_or_else(|| {
                    fail(
                        "gamma.mean",
                        m.show(),
                        "must be a number greater than 0 and at most 10^12",
                    )
                })?;
            let cv = spread("gamma.cv", cv)?;
            let shape = 1.0 / (cv * cv);
            (
                Law::Gamma {
                    shape,
                    scale: mean / shape,
                },
                decimal_of(&[m]),
            )
        }
        RawLaw::Uniform(bounds) => {
            let name = "uniform";
            let [a, b] = bounds.as_slice() else {
                return Err(fail(
                    name,
                    format!("{} values", bounds.len()),
                    "must be two numbers [a, b] from −10^12 to 10^12 with a < b",
                ));
            };
            let (Some(low), Some(high)) = (a.value(), b.value()) else {
                return Err(fail(
                    name,
                    format!("[{}, {}]", a.show(), b.show()),
                    "must be two numbers [a, b] from −10^12 to 10^12 with a < b",
                ));
            };
            if !(low.is_finite() && high.is_finite() && low < high) {
                return Err(fail(
                    name,
                    format!("[{}, {}]", a.show(), b.show()),
                    "must be two finite numbers [a, b] with a < b",
                ));
            }
            let literal = match (a, b) {
                (Num::Int(_), Num::Int(_)) => Literal::Integer,
                _ => decimal_of(&[a, b]),
            };
            (Law::Uniform { low, high }, literal)
        }
    };
    Ok(Uncertain {
        path: path.to_string(),
        law,
        span: value.span(),
        literal,
        stream: crate::rng::stream_id(&format!("parameters/{path}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"
[products.dispute]
probability = { beta = { mean = 0.03, cv = 0.25 } }
cost = { median_eur = 2000, sigma = 0.5 }
handling = { uniform = ["30", "150"] }
days = { uniform = [10, 20] }
list = [1.0, { gamma = { mean = 2, cv = 0.1 } }]
"#;

    #[test]
    fn every_law_is_found_with_its_path_and_written_back_in_its_type() {
        let found = find(TEXT).expect("valid laws");
        let paths: Vec<&str> = found.iter().map(|u| u.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "products.dispute.probability",
                "products.dispute.handling",
                "products.dispute.days",
                "products.dispute.list[1]"
            ]
        );
        let central: Vec<String> = found.iter().map(Uncertain::central).collect();
        assert_eq!(central[1], "\"90.00\"");
        assert_eq!(central[2], "15");
        let text = substitute(TEXT, &found, &central);
        let table: toml::Table = text.parse().expect("substituted text is TOML");
        let dispute = &table["products"]["dispute"];
        assert!((dispute["probability"].as_float().unwrap() - 0.03).abs() < 1e-12);
        assert_eq!(dispute["handling"].as_str(), Some("90.00"));
        assert_eq!(dispute["days"].as_integer(), Some(15));
        assert!((dispute["list"][1].as_float().unwrap() - 2.0).abs() < 1e-12);
        // Lines are kept: a drawn value stays on its line.
        assert_eq!(text.lines().count(), TEXT.lines().count());
    }

    /// The moments of each law's draws match its mean and standard deviation (4 000 draws,
    /// within 5 standard errors), and whole-number draws stay within their bounds.
    #[test]
    fn draws_follow_their_laws() {
        let found = find(TEXT).expect("valid laws");
        for u in &found {
            let n = 4000;
            let xs: Vec<f64> = (0..n)
                .map(|p| {
                    let s = u.draw(7, p);
                    s.trim_matches('"').parse::<f64>().expect("a number")
                })
                .collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let sd = u.law.sd();
            assert!(
                (mean - u.law.mean()).abs() < 5.0 * sd / (n as f64).sqrt() + 0.01,
                "{}: {mean} against {}",
                u.path,
                u.law.mean()
            );
            if u.literal == Literal::Integer {
                assert!(
                    xs.iter()
                        .all(|&x| (10.0..=20.0).contains(&x) && x.fract() == 0.0)
                );
            }
        }
    }

    #[test]
    fn bad_laws_are_refused_with_what_is_allowed() {
        let cases = [
            ("x = { beta = { mean = 1.5, cv = 0.2 } }", "x.beta.mean"),
            ("x = { beta = { mean = 0.5, cv = 3 } }", "x.beta.cv"),
            ("x = { beta = { mean = 0.5 } }", "x.beta"),
            (
                "x = { lognormal = { median = -1, sigma = 0.2 } }",
                "x.lognormal.median",
            ),
            (
                "x = { lognormal = { median = 1, sigma = 0 } }",
                "x.lognormal.sigma",
            ),
            ("x = { gamma = { mean = 1, cv = nan } }", "x.gamma.cv"),
            ("x = { uniform = [3, 1] }", "x.uniform"),
            ("x = { uniform = [1] }", "x.uniform"),
            ("x = { uniform = [-1e308, 1e308] }", "x.uniform"),
            (
                "x = { lognormal = { median = 1e300, sigma = 3 } }",
                "x.lognormal.median",
            ),
            (
                "x = { beta = { mean = 0.5, cv = 0.1, shape = 2 } }",
                "x.beta.shape",
            ),
        ];
        for (text, path) in cases {
            let issues = find(text).expect_err(text);
            assert_eq!(issues[0].path, path, "{text}: {issues:?}");
        }
    }

    #[test]
    fn tables_that_are_not_laws_are_left_alone() {
        let text = "[x.beta]\nmean = 0.5\ncv = 0.1\n[y]\nbeta = 2\n[z]\nm = { beta = 1.2 }\n";
        assert!(find(text).expect("no laws").is_empty());
    }
}

//! Scenario errors as the user reads them:
//! `scenarios/x.toml:14:31: companies[0].shops[0].basket.sigma = 0: must be a finite number
//! greater than 0`.

use super::locate::{self, Position, push_key};
use super::validate::Issue;
use std::fmt;

/// One issue with its position in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct LocatedIssue {
    pub position: Option<Position>,
    pub issue: Issue,
}

/// Why a scenario could not be used. Always a mistake in the input (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read scenario {file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{}", render(file, issues))]
    Invalid {
        file: String,
        issues: Vec<LocatedIssue>,
    },
}

fn render(file: &str, issues: &[LocatedIssue]) -> String {
    let mut out = String::new();
    let n = issues.len();
    if n > 1 {
        out.push_str(&format!("{n} problems in scenario {file}:\n"));
    }
    for (i, li) in issues.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&li.to_string_in(file));
    }
    out
}

impl LocatedIssue {
    fn to_string_in(&self, file: &str) -> String {
        let at = match self.position {
            Some(p) => format!("{file}:{}:{}", p.line, p.column),
            None => file.to_string(),
        };
        // An empty path only comes from a syntax error whose field could not be told.
        match (&self.issue.value, self.issue.path.as_str()) {
            (Some(v), "") => format!("{at}: {v}: {}", self.issue.rule),
            (None, "") => format!("{at}: {}", self.issue.rule),
            (Some(v), path) => format!("{at}: {path} = {v}: {}", self.issue.rule),
            (None, path) => format!("{at}: {path}: {}", self.issue.rule),
        }
    }
}

impl fmt::Display for LocatedIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_in("scenario"))
    }
}

/// The allowed range of a whole-number field, for a message about a value outside what TOML's
/// 64-bit integers hold.
fn integer_range(path: &str) -> Option<(i64, i64)> {
    let last = path.rsplit('.').next().unwrap_or(path);
    let last = last.split('[').next().unwrap_or(last);
    Some(match (path, last) {
        ("horizon.days", _) => (1, 3660),
        ("simulation.seed", _) => (0, i64::MAX),
        ("simulation.paths", _) => (1, super::MAX_PATHS as i64),
        (_, "ramp_first_day" | "ramp_last_day" | "cutoff_day") => (1, 31),
        (_, "length_days") => (1, 60),
        (_, "days") if path.starts_with("calendar.events") => (1, 3660),
        (_, "duration_days") => (1, 366),
        (_, "claim_lag_days") => (0, 3660),
        (_, "policies") => (1, 100_000_000),
        (_, "instalments") => (2, 36),
        (_, "schedule_days") => (0, 1100),
        _ => return None,
    })
}

/// Rephrases serde's Rust type names in a wrong-type message ("invalid type: string \"400\",
/// expected f64") in the words of the scenario format, with how to write money and rates.
fn plain_type_error(message: &str, path: &str) -> String {
    if message.contains(" as i128") || message.contains(" as u128") {
        return match integer_range(path) {
            Some((min, max)) => {
                format!("is out of range: must be a whole number from {min} to {max}")
            }
            None => "is out of range: whole numbers are at most 9223372036854775807, and each field allows far less (see docs/limits.md)".to_string(),
        };
    }
    let mut out = message
        .replace("expected f64", "expected a number")
        .replace("expected i64", "expected a whole number")
        .replace("expected a sequence", "expected an array [ ... ]")
        .replace("expected a map", "expected a table { ... }");
    let last = path.rsplit('.').next().unwrap_or(path);
    let money = last.ends_with("_eur") || path.contains("_eur[\"") || path.contains(".rates");
    if out.starts_with("invalid type") && out.ends_with("expected a string") && money {
        out.push_str(
            ": write amounts and rates as quoted decimal strings, e.g. \"0.98\" or \"0.015\"",
        );
    }
    out
}

/// Best guess at the field a TOML syntax error is about, when the error lies on a `key = ...`
/// line and everything before that line parses: the section the line is in plus its key
/// (`horizon.days` for `days = = 365` under `[horizon]`). "" when it cannot be told.
fn syntax_error_path(text: &str, offset: usize) -> String {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[..line_start];
    if toml::de::DeTable::parse(prefix).is_err() {
        return String::new();
    }
    let line = text[line_start..].lines().next().unwrap_or("");
    let Some((keys, _)) = line.split_once('=') else {
        return String::new();
    };
    let keys: Vec<&str> = keys.split('.').map(str::trim).collect();
    let bare = |k: &&str| {
        !k.is_empty()
            && k.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    if !keys.iter().all(bare) {
        return String::new();
    }
    let mut path = locate::path_at(prefix, prefix.len()..prefix.len());
    for key in keys {
        push_key(&mut path, key);
    }
    path
}

/// Extracts the name between the first pair of backticks of a serde message
/// ("unknown field `colour`, expected one of ...").
fn backticked(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

/// Position of `path` in `text`, or of its nearest parent found there, or 1:1.
fn nearest(text: &str, path: &str) -> Position {
    let mut path = path;
    loop {
        if let Some(p) = locate::locate(text, path) {
            return p;
        }
        match path.rfind(['.', '[']) {
            Some(i) if i > 0 => path = &path[..i],
            _ => return Position { line: 1, column: 1 },
        }
    }
}

impl ScenarioError {
    pub(super) fn invalid(text: &str, file: &str, issues: Vec<Issue>) -> ScenarioError {
        let issues = issues
            .into_iter()
            .map(|issue| {
                // A path absent from the file (the `companies` of an empty portfolio) is about the
                // document as a whole: point at its start.
                let position =
                    locate::locate(text, &issue.path).or(Some(Position { line: 1, column: 1 }));
                LocatedIssue { position, issue }
            })
            .collect();
        ScenarioError::Invalid {
            file: file.to_string(),
            issues,
        }
    }

    /// Adds to each issue about a value written as a distribution (its path, or a path below
    /// it) where the value came from: `why(u)`, in parentheses after the rule.
    pub(super) fn explained(
        mut self,
        values: &[super::Uncertain],
        why: impl Fn(&super::Uncertain) -> String,
    ) -> ScenarioError {
        if let ScenarioError::Invalid { issues, .. } = &mut self {
            for li in issues {
                let p = &li.issue.path;
                if let Some(u) = values.iter().find(|u| {
                    p == &u.path
                        || p.starts_with(&format!("{}.", u.path))
                        || p.starts_with(&format!("{}[", u.path))
                }) {
                    li.issue.rule = format!("{} ({})", li.issue.rule, why(u));
                }
            }
        }
        self
    }

    /// A TOML syntax error or a serde error (unknown field, missing field, wrong type), with
    /// the field path recovered from its span.
    pub(super) fn from_toml(text: &str, file: &str, e: &toml::de::Error) -> ScenarioError {
        let message = e.message().trim().to_string();
        let span = e.span();
        let mut position = span.as_ref().map(|s| locate::position_of(text, s.start));
        let (path, rule) = if toml::de::DeTable::parse(text).is_err() {
            let path = span
                .map(|s| syntax_error_path(text, s.start))
                .unwrap_or_default();
            (path, format!("TOML syntax error: {message}"))
        } else {
            let mut path = span.map(|s| locate::path_at(text, s)).unwrap_or_default();
            let kind_key = (message.starts_with("missing field `kind`"))
                .then(|| super::raw::misspelt_kind(text, &path))
                .flatten();
            let rule = if let Some(key_path) = kind_key {
                let key = key_path.rsplit('.').next().unwrap_or("").to_string();
                position = locate::locate(text, &key_path).or(position);
                path = key_path;
                format!(
                    "unknown field `{}`: did you mean `kind`? every product needs kind = one of {} (check the spelling)",
                    key.trim_matches('"'),
                    crate::products::kinds().join(", ")
                )
            } else if message.starts_with("missing field") {
                // The deserializer blames the table that lacks the field; name the field itself.
                let field = backticked(&message).unwrap_or("?");
                let at_root = path.is_empty();
                push_key(&mut path, field);
                if at_root {
                    format!("is missing: add a [{field}] table (see the README's scenario format)")
                } else {
                    format!(
                        "is missing: add `{field} = ...` to the table that starts here (see the README's scenario format)"
                    )
                }
            } else if message.starts_with("unknown field") || message.starts_with("unknown variant")
            {
                format!("{message} (check the spelling)")
            } else {
                plain_type_error(&message, &path)
            };
            (path, rule)
        };
        ScenarioError::Invalid {
            file: file.to_string(),
            issues: vec![LocatedIssue {
                position,
                issue: Issue {
                    path,
                    value: None,
                    rule,
                },
            }],
        }
    }

    /// The same error with every position looked up again in `text`, the user's file, by field
    /// path: for an error found in an edited copy of it (a sweep cell), so that the lines cited
    /// are the user's. A path the file does not have (a value the edit added) points at its
    /// nearest parent that the file has.
    pub fn relocated(self, text: &str) -> ScenarioError {
        match self {
            ScenarioError::Invalid { file, issues } => ScenarioError::Invalid {
                file,
                issues: issues
                    .into_iter()
                    .map(|li| LocatedIssue {
                        position: Some(nearest(text, &li.issue.path)),
                        issue: li.issue,
                    })
                    .collect(),
            },
            other => other,
        }
    }

    /// The issues, for tests and tools.
    pub fn issues(&self) -> &[LocatedIssue] {
        match self {
            ScenarioError::Invalid { issues, .. } => issues,
            ScenarioError::Io { .. } => &[],
        }
    }
}

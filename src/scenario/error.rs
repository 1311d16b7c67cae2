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

/// Rephrases serde's Rust type names in a wrong-type message ("invalid type: string \"400\",
/// expected f64") in the words of the scenario format, with how to write money and rates.
fn plain_type_error(message: &str, path: &str) -> String {
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

    /// A TOML syntax error or a serde error (unknown field, missing field, wrong type), with
    /// the field path recovered from its span.
    pub(super) fn from_toml(text: &str, file: &str, e: &toml::de::Error) -> ScenarioError {
        let message = e.message().trim().to_string();
        let span = e.span();
        let position = span.as_ref().map(|s| locate::position_of(text, s.start));
        let (path, rule) = if toml::de::DeTable::parse(text).is_err() {
            let path = span
                .map(|s| syntax_error_path(text, s.start))
                .unwrap_or_default();
            (path, format!("TOML syntax error: {message}"))
        } else {
            let mut path = span.map(|s| locate::path_at(text, s)).unwrap_or_default();
            let rule = if message.starts_with("missing field") {
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

    /// The issues, for tests and tools.
    pub fn issues(&self) -> &[LocatedIssue] {
        match self {
            ScenarioError::Invalid { issues, .. } => issues,
            ScenarioError::Io { .. } => &[],
        }
    }
}
